"""Keyset ("cursor") pagination that follows whatever order the queryset already has.

The search FilterSet orders results by rating, review count, distance or relevance, always
ending on the primary key. The cursor carries the ordering values of the last row served;
the next page is the rows strictly after it in that order — one indexed range query, no
COUNT and no OFFSET, so page 5,000 costs what page 1 costs and rows inserted meanwhile never
shift or repeat a page.
"""

import base64
import binascii
import datetime
import json
from collections import OrderedDict
from decimal import Decimal
from typing import Any

from django.db.models import F, OrderBy, Q, QuerySet
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import BasePagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
# What a cursor looks like: unpadded URL-safe base64 (``_cursor``).
CURSOR_PATTERN = "^[A-Za-z0-9_-]*$"


def _ordering(queryset: QuerySet) -> list[tuple[str, bool]]:
    """The queryset's order as (field path, descending) pairs, ending on ``pk``."""
    items = queryset.query.order_by or queryset.model._meta.ordering
    ordering: list[tuple[str, bool]] = []
    for item in items:
        if isinstance(item, str):
            ordering.append((item.lstrip("-"), item.startswith("-")))
        elif isinstance(item, OrderBy) and isinstance(item.expression, F):
            ordering.append((item.expression.name, item.descending))
        elif isinstance(item, F):
            ordering.append((item.name, False))
        else:
            raise TypeError(f"Cannot paginate on the ordering {item!r}")
    names = [name for name, _ in ordering]
    if "pk" not in names and "id" not in names:
        ordering.append(("pk", False))
    return ordering


def _value(obj: Any, path: str) -> Any:
    for part in path.split("__"):
        obj = getattr(obj, part) if obj is not None else None
    return obj


def _encode(value: Any) -> Any:
    if isinstance(value, datetime.datetime):
        return {"dt": value.isoformat()}
    if isinstance(value, datetime.date):
        return {"d": value.isoformat()}
    if isinstance(value, Decimal):
        return {"dec": str(value)}
    return value


def _decode(value: Any) -> Any:
    if isinstance(value, dict) and len(value) == 1:
        ((tag, raw),) = value.items()
        parse = {
            "dt": datetime.datetime.fromisoformat,
            "d": datetime.date.fromisoformat,
            "dec": Decimal,
        }[tag]
        return parse(raw)
    if value is None or isinstance(value, bool | int | float | str):
        return value
    raise ValueError("unexpected value")


class KeysetPagination(BasePagination):
    """``?cursor=<opaque>&page_size=<1..100>``; answers ``{"next": url|null, "results": […]}``."""

    cursor_query_param = "cursor"
    page_size_query_param = "page_size"

    def _page_size(self, request: Request) -> int:
        raw = request.query_params.get(self.page_size_query_param)
        if raw in (None, ""):
            return DEFAULT_PAGE_SIZE
        # Plain ASCII digits only: int() would also take " 5", "+5", "1_0" and other
        # scripts' digits, which the schema (an integer) does not describe.
        size = int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 4 else 0
        if not 1 <= size <= MAX_PAGE_SIZE:
            raise ValidationError(
                {self.page_size_query_param: [f"Enter a whole number from 1 to {MAX_PAGE_SIZE}."]}
            )
        return size

    def _after(self, request: Request, ordering: list[tuple[str, bool]]) -> Q | None:
        raw = request.query_params.get(self.cursor_query_param)
        if not raw:
            return None
        invalid = ValidationError(
            {
                self.cursor_query_param: [
                    "This cursor is not valid for this query; "
                    "start again without it and follow the “next” links."
                ]
            }
        )
        try:
            data = json.loads(base64.urlsafe_b64decode(raw.encode() + b"=" * (-len(raw) % 4)))
            names, values = data["o"], [_decode(v) for v in data["v"]]
        except (ValueError, KeyError, TypeError, binascii.Error, json.JSONDecodeError):
            raise invalid from None
        if names != [name for name, _ in ordering] or len(values) != len(ordering):
            raise invalid
        condition = Q(pk__in=[])
        for index, (name, descending) in enumerate(ordering):
            value = values[index]
            equal_before = Q(**{name: values[j] for j, (name, _) in enumerate(ordering[:index])})
            if value is None:
                continue  # nothing sorts strictly after an empty value on this field
            lookup = "lt" if descending else "gt"
            condition |= equal_before & Q(**{f"{name}__{lookup}": value})
        return condition

    def _cursor(self, obj: Any, ordering: list[tuple[str, bool]]) -> str:
        data = {
            "o": [name for name, _ in ordering],
            "v": [_encode(_value(obj, name)) for name, _ in ordering],
        }
        raw = json.dumps(data, separators=(",", ":")).encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    def paginate_queryset(self, queryset: QuerySet, request: Request, view=None) -> list:
        size = self._page_size(request)
        ordering = _ordering(queryset)
        after = self._after(request, ordering)
        if after is not None:
            queryset = queryset.filter(after)
        rows = list(queryset[: size + 1])
        self.request = request
        self.next_cursor = self._cursor(rows[size - 1], ordering) if len(rows) > size else None
        return rows[:size]

    def get_next_link(self) -> str | None:
        if self.next_cursor is None:
            return None
        url = self.request.build_absolute_uri()
        return replace_query_param(url, self.cursor_query_param, self.next_cursor)

    def get_paginated_response(self, data) -> Response:
        return Response(OrderedDict([("next", self.get_next_link()), ("results", data)]))

    def get_paginated_response_schema(self, schema: dict) -> dict:
        return {
            "type": "object",
            "required": ["next", "results"],
            "properties": {
                "next": {
                    "type": "string",
                    "nullable": True,
                    "format": "uri",
                    "description": "The next page, or null on the last page.",
                },
                "results": schema,
            },
        }

    def get_schema_operation_parameters(self, view) -> list[dict]:
        return [
            {
                "name": self.cursor_query_param,
                "in": "query",
                "required": False,
                "allowEmptyValue": True,
                "description": "Opaque position, copied from a previous page's `next` link "
                "with the same parameters; empty or left out for the first page. Any other "
                "value is a 400.",
                "schema": {"type": "string", "pattern": CURSOR_PATTERN},
            },
            {
                "name": self.page_size_query_param,
                "in": "query",
                "required": False,
                "allowEmptyValue": True,
                "description": f"Results per page, 1 to {MAX_PAGE_SIZE} (default "
                f"{DEFAULT_PAGE_SIZE}, also when empty); anything else is a 400.",
                "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE},
            },
        ]
