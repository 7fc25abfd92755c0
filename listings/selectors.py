"""Reads for practitioners: querysets that already carry what their pages show."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.shortcuts import get_object_or_404

from listings.distance import KILOMETRES, DistanceUnit
from listings.filters import PractitionerFilterSet, ReviewFilterSet
from listings.skin_types import published_reviews
from practitioners.attestation_history import mark_renewed_licences
from practitioners.models import (
    Attestation,
    Practitioner,
    Procedure,
    SterilizationAnswer,
)

MAX_PAGE = 100


def practitioner_list() -> QuerySet[Practitioner]:
    """Practitioners with their clinic, summary and procedures, for lists and search."""
    return (
        Practitioner.objects.select_related("clinic", "summary")
        .prefetch_related(Prefetch("procedures", queryset=Procedure.objects.order_by("name")))
        .defer("bio", "search_text", "npi")
        .order_by("last_name", "first_name", "id")
    )


def practitioner_search(
    params: Mapping[str, Any], *, unit: DistanceUnit = KILOMETRES
) -> PractitionerFilterSet:
    """The search of docs/product.md over ``params`` (a QueryDict); read ``.errors`` and ``.qs``.

    ``unit`` is the visitor's: without a radius, the search covers 25 of it.
    """
    return PractitionerFilterSet(params, queryset=practitioner_list(), unit=unit)


def practitioner_profile(slug: str) -> Practitioner:
    """One practitioner with clinic, summary, procedures and attestations (never evidence)."""
    queryset = (
        Practitioner.objects.select_related("clinic", "summary")
        .defer("search_text")
        .prefetch_related(
            Prefetch("procedures", queryset=Procedure.objects.order_by("name")),
            Prefetch(
                "attestations",
                queryset=Attestation.objects.order_by("kind", "-submitted_at").prefetch_related(
                    Prefetch("items", queryset=SterilizationAnswer.objects.order_by("item"))
                ),
            ),
        )
    )
    practitioner = get_object_or_404(queryset, slug=slug)
    mark_renewed_licences(practitioner.attestations.all())
    return practitioner


def review_search(practitioner: Practitioner, params: Mapping[str, Any]) -> ReviewFilterSet:
    """Published reviews of one practitioner, filtered by complication, skin type, rating."""
    return ReviewFilterSet(params, queryset=published_reviews(practitioner))


@dataclass(frozen=True)
class SlicePage:
    """A page read as one LIMIT n+1 query: it knows whether a next page exists, not a total.

    Counting every match of a search over 100k practitioners costs more than the page
    itself; "Next" only needs to know that one more row exists.
    """

    object_list: Sequence[Any]
    number: int
    per_page: int
    has_next: bool

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    def has_other_pages(self) -> bool:
        return self.has_previous or self.has_next

    def next_page_number(self) -> int:
        return self.number + 1

    def previous_page_number(self) -> int:
        return self.number - 1

    def start_index(self) -> int:
        return (self.number - 1) * self.per_page + 1 if self.object_list else 0

    def end_index(self) -> int:
        return (self.number - 1) * self.per_page + len(self.object_list)

    def __len__(self) -> int:
        return len(self.object_list)

    def __iter__(self):
        return iter(self.object_list)


class InvalidPage(ValueError):
    pass


def page_number(raw: str | None) -> int:
    """The page asked for: a whole number from 1 to ``MAX_PAGE`` (``InvalidPage`` if not)."""
    if raw is None or raw == "":
        return 1
    try:
        number = int(raw)
    except ValueError:
        raise InvalidPage(f"Page must be a whole number from 1 to {MAX_PAGE}.") from None
    if not 1 <= number <= MAX_PAGE:
        raise InvalidPage(
            f"Page must be a whole number from 1 to {MAX_PAGE}; narrow the search to see more."
        )
    return number


def slice_page(queryset: QuerySet, number: int, per_page: int) -> SlicePage:
    """Page ``number`` of ``queryset``, read with one query (plus its prefetches)."""
    offset = (number - 1) * per_page
    rows = list(queryset[offset : offset + per_page + 1])
    return SlicePage(
        object_list=rows[:per_page], number=number, per_page=per_page, has_next=len(rows) > per_page
    )
