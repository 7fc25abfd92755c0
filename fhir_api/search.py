"""A type's search request, read and checked: which rows match, the page asked for, and
what to include beside them. Anything not understood is a 400 OperationOutcome — a
filter silently ignored would return more than the partner asked for."""

from dataclasses import dataclass
from functools import reduce
from operator import and_

from django.db.models import QuerySet
from django.http import QueryDict

from fhir_api.outcomes import FhirError, not_supported
from fhir_api.parameters import date_condition, or_values, pks_of
from fhir_api.registry import TYPES, Link, links_from, links_to, search_params
from fhir_api.resources.base import LAST_UPDATED, ResourceType
from partners.api.pagination import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE

CURSOR = "_cursor"
# Result parameters every type takes; ``_format`` is accepted and answered in JSON.
RESULT_PARAMS = ("_count", "_include", "_revinclude", CURSOR, "_format", "_total")
# ``_total``: "accurate" counts every match; "none" leaves total out; by default (and for
# "estimate") a search counts up to TOTAL_COUNTED_UP_TO matches and gives the total when
# there are no more — counting 90,000 practitioners offering one procedure would cost
# several times what serving the page does, on every page.
TOTALS = ("accurate", "estimate", "none")
TOTAL_COUNTED_UP_TO = 1000
JSON_FORMATS = {"json", "application/json", "application/fhir+json"}


@dataclass(frozen=True)
class Search:
    kind: ResourceType
    matches: QuerySet  # ordered by id: the keyset the pages follow
    count: int
    after: int | None
    includes: tuple[Link, ...]
    revincludes: tuple[Link, ...]
    total: str = "estimate"


# The search parameters every type takes.
COMMON_PARAMS = ("_id", "_lastUpdated")


def _count(values: list[str]) -> int:
    raw = values[-1]
    count = int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 4 else 0
    if not 1 <= count <= MAX_PAGE_SIZE:
        raise FhirError(f"_count: enter a whole number from 1 to {MAX_PAGE_SIZE}.")
    return count


def _cursor(values: list[str]) -> int | None:
    raw = values[-1]
    if not raw:
        return None
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 18):
        raise FhirError(
            f"{CURSOR}: not a position of this search; start again without it and "
            "follow the Bundle's next links."
        )
    return int(raw)


def _links(name: str, values: list[str], known: dict[str, Link]) -> tuple[Link, ...]:
    chosen = []
    for value in values:
        code = value if value.count(":") < 2 else value.rsplit(":", 1)[0]
        link = known.get(code)
        if link is None or (value.count(":") == 2 and not value.endswith(f":{link.target}")):
            offered = ", ".join(known) or "none for this type"
            raise FhirError(f"{name}: “{value}” is not supported (supported: {offered}).")
        chosen.append(link)
    return tuple(chosen)


def _split(name: str) -> tuple[str, str | None]:
    base, _, modifier = name.partition(":")
    return base, modifier or None


def parse_search(kind_name: str, query: QueryDict) -> Search:
    kind = TYPES[kind_name]
    params = search_params(kind_name)
    matches = kind.queryset()
    for name, values in query.lists():
        base, modifier = _split(name)
        if name in RESULT_PARAMS:
            continue
        if base in COMMON_PARAMS:
            if modifier:
                raise not_supported(f"{name}: modifiers are not supported on {base}.")
            matches = _common(matches, base, values)
            continue
        param = params.get(base)
        if param is None:
            supported = ", ".join([*COMMON_PARAMS, *params, *RESULT_PARAMS])
            raise FhirError(
                f"Unknown search parameter “{base}” for {kind_name} (supported: {supported})."
            )
        if modifier and modifier not in param.modifiers:
            raise not_supported(f"{name}: the modifier “{modifier}” is not supported.")
        for value in values:
            if not value:
                raise FhirError(f"{name}: empty value.")
            matches = param.apply(matches, value, modifier)
    _check_format(query.getlist("_format"))
    return Search(
        kind=kind,
        matches=matches.order_by("pk"),
        count=_count(query.getlist("_count")) if "_count" in query else DEFAULT_PAGE_SIZE,
        after=_cursor(query.getlist(CURSOR)) if CURSOR in query else None,
        includes=_links("_include", query.getlist("_include"), links_from(kind_name)),
        revincludes=_links("_revinclude", query.getlist("_revinclude"), links_to(kind_name)),
        total=_total(query.getlist("_total")) if "_total" in query else "estimate",
    )


def _total(values: list[str]) -> str:
    if values[-1] not in TOTALS:
        raise FhirError(f"_total: “{values[-1]}” is not one of {', '.join(TOTALS)}.")
    return values[-1]


def total_of(search: Search) -> int | None:
    """The number of matches, or None where it is not given (``_total``, above)."""
    if search.total == "none":
        return None
    if search.total == "accurate":
        return search.matches.count()
    counted = search.matches[: TOTAL_COUNTED_UP_TO + 1].count()
    return counted if counted <= TOTAL_COUNTED_UP_TO else None


def _common(matches: QuerySet, name: str, values: list[str]) -> QuerySet:
    if name == "_id":
        for value in values:
            matches = matches.filter(pk__in=pks_of(or_values(value)))
        return matches
    conditions = [date_condition(LAST_UPDATED, value) for value in values]
    return matches.filter(reduce(and_, conditions))


def _check_format(values: list[str]) -> None:
    for value in values:
        if value not in JSON_FORMATS:
            raise not_supported(
                f"_format: only JSON is served ({', '.join(sorted(JSON_FORMATS))})."
            )
