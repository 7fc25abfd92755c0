"""Searchset Bundles: one page of matches, what they include, and a ``next`` link.

Pages follow the resource id (keyset): the ``next`` link carries the last id served and
the next page is the matches after it — no OFFSET, so a row added or removed while a
partner walks the pages never shifts one onto the next page or off it. ``total`` is the
number of matches when the page was served (up to a limit unless ``_total=accurate``).
"""

from datetime import date

from django.http import HttpRequest
from rest_framework.utils.urls import replace_query_param

from fhir_api.canonical import MOUNT
from fhir_api.registry import TYPES, Link
from fhir_api.search import CURSOR, Search, total_of

# Resources one page may include through _revinclude, per link.
MAX_REVINCLUDED = 1000


def rows_of(kind_name: str, queryset) -> list:
    rows = list(queryset)
    if TYPES[kind_name].prepare and rows:
        TYPES[kind_name].prepare(rows)
    return rows


def _included(search: Search, rows: list) -> list[tuple[str, list]]:
    found: list[tuple[str, list]] = []
    for link in search.includes:
        target = TYPES[link.target]
        ids = link.target_ids(rows)
        found.append((link.target, rows_of(link.target, target.queryset().filter(pk__in=ids))))
    for link in search.revincludes:
        source = TYPES[link.source]
        referring = _revincluded(link, source, [row.pk for row in rows])
        found.append((link.source, rows_of(link.source, referring)))
    return found


def _revincluded(link: Link, source, ids: list):
    return source.queryset().filter(link.referring_to(ids)).order_by("pk")[:MAX_REVINCLUDED]


def entry(base: str, kind_name: str, resource: dict, mode: str) -> dict:
    return {
        "fullUrl": f"{base}/{kind_name}/{resource['id']}",
        "resource": resource,
        "search": {"mode": mode},
    }


def searchset(request: HttpRequest, search: Search, today: date) -> dict:
    matches = search.matches
    page = matches.filter(pk__gt=search.after) if search.after is not None else matches
    rows = rows_of(search.kind.name, page[: search.count + 1])
    rows, more = rows[: search.count], len(rows) > search.count
    base = request.build_absolute_uri(MOUNT)
    self_url = request.build_absolute_uri()
    links = [{"relation": "self", "url": self_url}]
    if more:
        links.append(
            {"relation": "next", "url": replace_query_param(self_url, CURSOR, rows[-1].pk)}
        )
    entries = [
        entry(base, search.kind.name, search.kind.build(row, today), "match") for row in rows
    ]
    seen = {(search.kind.name, str(row.pk)) for row in rows}
    for kind_name, included in _included(search, rows):
        for row in included:
            if (kind_name, str(row.pk)) not in seen:
                seen.add((kind_name, str(row.pk)))
                resource = TYPES[kind_name].build(row, today)
                entries.append(entry(base, kind_name, resource, "include"))
    total = total_of(search)
    bundle = {"resourceType": "Bundle", "type": "searchset"}
    return {
        **bundle,
        **({"total": total} if total is not None else {}),
        "link": links,
        **({"entry": entries} if entries else {}),
    }
