"""What every resource builder and search parameter is made of."""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.db.models import QuerySet

from practitioners.models import Clinic

# The annotation each searchable type's queryset carries for meta.lastUpdated.
LAST_UPDATED = "fhir_last_updated"


@dataclass(frozen=True)
class SearchParam:
    """A search parameter of one type: ``apply(queryset, value, modifier)`` narrows it."""

    name: str
    type: str  # FHIR search parameter type: string, token, reference, special…
    apply: Callable[[QuerySet, str, str | None], QuerySet]
    documentation: str
    modifiers: tuple[str, ...] = ()


@dataclass(frozen=True)
class ResourceType:
    """One FHIR resource type the API serves, and the rows it is built from."""

    name: str
    # Every row of the type, with what ``build`` reads and LAST_UPDATED annotated.
    queryset: Callable[[], QuerySet]
    build: Callable[[Any, date], dict]  # one row as the resource, as of a day
    params: Mapping[str, SearchParam] = field(default_factory=dict)
    # Run once on a page of rows before ``build`` (what a row cannot know alone).
    prepare: Callable[[list], None] | None = None


def reference(kind: str, pk: Any, display: str | None = None) -> dict:
    ref = {"reference": f"{kind}/{pk}"}
    if display:
        ref["display"] = display
    return ref


def instant(value: datetime) -> str:
    return value.isoformat()


def meta(row: Any) -> dict:
    value = getattr(row, LAST_UPDATED, None)
    return {"meta": {"lastUpdated": instant(value)}} if value else {}


def address(clinic: Clinic) -> dict:
    """A clinic's street address as a FHIR Address (empty parts left out)."""
    parts = {
        "use": "work",
        "type": "physical",
        "line": [clinic.address_line] if clinic.address_line else None,
        "city": clinic.city,
        "state": clinic.region,
        "postalCode": clinic.postal_code,
        "country": clinic.country,
    }
    return {name: value for name, value in parts.items() if value}


def without_empty(resource: dict) -> dict:
    """FHIR forbids empty elements: drop None, "" and [] at the top level."""
    return {name: value for name, value in resource.items() if value not in (None, "", [], {})}
