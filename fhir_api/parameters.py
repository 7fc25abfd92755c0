"""Reading FHIR search values: ids, references, tokens, strings, dates and ``near``.

Each reader either returns what the value means or raises a ``FhirError`` saying what is
wrong with it (a 400 OperationOutcome); none of them touches the database.
"""

import datetime
import re
from collections.abc import Callable, Iterable
from functools import reduce
from operator import or_

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from fhir_api.outcomes import FhirError

# http://hl7.org/fhir/R4/datatypes.html#id
FHIR_ID = re.compile(r"^[A-Za-z0-9\-.]{1,64}$")
_DIGITS = re.compile(r"^[0-9]{1,18}$")
_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")
DATE_PREFIXES = ("eq", "gt", "lt", "ge", "le")


def or_values(value: str) -> list[str]:
    """A parameter's comma-separated alternatives (``\\,`` is a literal comma)."""
    parts = [part.replace("\\,", ",") for part in re.split(r"(?<!\\),", value)]
    if not all(parts):
        raise FhirError(f"Empty value in “{value}”.")
    return parts


def pk_of(fhir_id: str) -> int | None:
    """The row id behind a FHIR id; None for a well-formed id no row can have."""
    if not FHIR_ID.match(fhir_id):
        raise FhirError(f"“{fhir_id}” is not a valid FHIR id (1-64 letters, digits, - and .).")
    return int(fhir_id) if _DIGITS.match(fhir_id) else None


def pks_of(values: Iterable[str]) -> list[int]:
    return [pk for pk in map(pk_of, values) if pk is not None]


def reference_pk(value: str, target: str) -> int | None:
    """``Practitioner/5``, ``5`` or an absolute URL ending in ``Practitioner/5``."""
    kind, _, fhir_id = value.rstrip("/").rpartition("/")
    if kind and kind.rsplit("/", 1)[-1] != target:
        raise FhirError(f"“{value}” is not a reference to a {target}.")
    return pk_of(fhir_id)


def token(value: str) -> tuple[str | None, str]:
    """``system|code`` → (system, code); ``|code`` → ("", code); ``code`` → (None, code)."""
    if "|" not in value:
        return None, value
    system, _, code = value.partition("|")
    if not code:
        raise FhirError(f"“{value}” has no code after its “|”.")
    return system, code


def string_filter(*fields: str) -> Callable[[QuerySet, str, str | None], QuerySet]:
    """FHIR string search on ``fields``: starts with (any case) by default, ``:exact`` or
    ``:contains``; any of the comma-separated values, in any of the fields."""
    lookups = {None: "istartswith", "contains": "icontains", "exact": "exact"}

    def apply(queryset: QuerySet, value: str, modifier: str | None) -> QuerySet:
        lookup = lookups[modifier]
        return queryset.filter(
            reduce(
                or_,
                (Q(**{f"{name}__{lookup}": text}) for text in or_values(value) for name in fields),
            )
        )

    return apply


def _day_start(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def date_range(value: str) -> tuple[str, datetime.datetime, datetime.datetime]:
    """``[prefix]date-or-datetime`` → (prefix, first instant, instant after the last).

    A date stands for its whole day (or month, or year) in the site's time zone; a
    datetime without a zone is read in the site's time zone too.
    """
    prefix = value[:2] if value[:2] in DATE_PREFIXES else "eq"
    raw = value[2:] if value[:2] in DATE_PREFIXES else value
    invalid = FhirError(
        f"“{value}” is not a date: use [eq|gt|ge|lt|le]YYYY, YYYY-MM, YYYY-MM-DD "
        "or YYYY-MM-DDThh:mm:ss[+zz:zz]."
    )
    match = _DATE.match(raw)
    try:
        if match:
            year, month, day = (int(part) if part else None for part in match.groups())
            start = datetime.date(year, month or 1, day or 1)
            if day:
                end = start + datetime.timedelta(days=1)
            elif month:
                end = (start + datetime.timedelta(days=32)).replace(day=1)
            else:
                end = start.replace(year=year + 1)
            return prefix, _day_start(start), _day_start(end)
        moment = parse_datetime(raw)
    except (ValueError, OverflowError):
        raise invalid from None
    if moment is None:
        raise invalid
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return prefix, moment, moment + datetime.timedelta(microseconds=1)


def date_condition(field: str, value: str) -> Q:
    """The ``Q`` of one ``_lastUpdated``-style value on a datetime ``field``."""
    prefix, start, end = date_range(value)
    return {
        "eq": Q(**{f"{field}__gte": start, f"{field}__lt": end}),
        "gt": Q(**{f"{field}__gte": end}),
        "ge": Q(**{f"{field}__gte": start}),
        "lt": Q(**{f"{field}__lt": start}),
        "le": Q(**{f"{field}__lt": end}),
    }[prefix]
