"""Schemathesis hooks for tests/api/test_schemathesis.py, loaded by the CLI it runs.

OpenAPI can state each parameter's type, choices and bounds — the schema has them all,
from the FilterSets — but not rules that need the database or several parameters at
once. Those rules are in the schema's descriptions, and docs/api.md; here, and only for
requests schemathesis generates as *valid*, the values they concern are made to follow
them, so that a refusal of any other valid request is still a failure:

- ``cursor``: only a value from a `next` link (or empty) is a position;
- ``near``: a place must be one the offline gazetteer knows, and never together with
  ``lat``/``lng``; ``lat`` and ``lng`` come together; ``sort=distance`` needs a location;
- a review invitation names a practitioner that exists, a procedure they offer and a
  treatment date in the accepted window.

Requests generated as *invalid* are left as they are: each must be refused.
This module runs in the schemathesis process, which has no database: the seeded values
come in the ``API_FUZZ_SEED`` environment variable (JSON).
"""

import datetime
import json
import os

import schemathesis

SEED = json.loads(os.environ.get("API_FUZZ_SEED", "{}"))


def _given(value) -> bool:
    return value not in (None, "", [])


def _known_place(text: str) -> str:
    places = SEED["places"]
    return places[len(str(text)) % len(places)]


def _search(query: dict) -> None:
    if _given(query.get("near")):
        query["near"] = _known_place(query["near"])
        query.pop("lat", None)
        query.pop("lng", None)
    elif _given(query.get("lat")) != _given(query.get("lng")):
        query.pop("lat", None)
        query.pop("lng", None)
    located = _given(query.get("near")) or _given(query.get("lat"))
    if query.get("sort") == "distance" and not located:
        query["sort"] = "rating"


def _invitation(body: dict) -> None:
    body["practitioner"] = SEED["practitioner"]
    body["procedure"] = SEED["procedure"]
    body["treatment_date"] = (datetime.date.today() - datetime.timedelta(days=30)).isoformat()


@schemathesis.hook
def map_case(context, case):
    if case.meta is None or not case.meta.generation.mode.is_positive:
        return case
    if isinstance(case.query, dict):
        if _given(case.query.get("cursor")):
            del case.query["cursor"]
        if case.operation.path == "/api/v1/practitioners/":
            _search(case.query)
    if case.operation.path == "/api/v1/review-invitations/" and isinstance(case.body, dict):
        _invitation(case.body)
    return case
