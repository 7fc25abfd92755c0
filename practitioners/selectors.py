"""Reads for practitioners: querysets that already carry what their pages show."""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.shortcuts import get_object_or_404

from practitioners.distance import KILOMETRES, DistanceUnit
from practitioners.filters import PractitionerFilterSet, ReviewFilterSet
from practitioners.models import (
    Attestation,
    AttestationKind,
    AttestationStatus,
    Practitioner,
    Procedure,
    SterilizationAnswer,
)
from practitioners.trust import attestation_mark
from reviews.selectors import published_reviews

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


def mark_renewed_licences(attestations: Sequence[Attestation]) -> None:
    """Set ``renewed`` on each expired licence whose renewal (same number) is now verified.

    Verifying a renewal ends the old licence's term early: its status is ``expired`` (the
    only status docs/product.md gives a finished term) while its printed date may still be ahead,
    so the profile says "Replaced by a renewal" instead.
    """
    current = {
        a.licence_key
        for a in attestations
        if a.kind == AttestationKind.LICENSE and a.status == AttestationStatus.VERIFIED
    }
    for a in attestations:
        a.renewed = (
            a.kind == AttestationKind.LICENSE
            and a.status == AttestationStatus.EXPIRED
            and a.licence_key in current
        )


# The order kinds appear in on the profile: the badge's two first.
KIND_ORDER = {
    kind: position
    for position, kind in enumerate(
        (
            AttestationKind.LICENSE,
            AttestationKind.STERILIZATION,
            AttestationKind.BOARD_CERTIFICATION,
            AttestationKind.MALPRACTICE_INSURANCE,
            AttestationKind.DEVICE_TRAINING,
        )
    )
}


@dataclass
class AttestationGroup:
    """One credential as the profile shows it: the attestation that stands for it today,
    a renewal waiting behind it, and the earlier ones, folded into a dated history."""

    current: Attestation
    renewal: Attestation | None = None
    history: list[Attestation] = field(default_factory=list)

    @property
    def kind_label(self) -> str:
        return self.current.get_kind_display()


def attestation_groups(attestations: Iterable[Attestation], today: date) -> list[AttestationGroup]:
    """Group a profile's attestations by credential and set ``mark`` on each (no query).

    Within a group the newest verified attestation stands for it (a renewal pending behind
    it is shown as such); without one, the newest of any status does. Everything older is
    history. Each attestation gets ``mark`` (``trust.attestation_mark``) for the day.
    """
    attestations = list(attestations)
    mark_renewed_licences(attestations)
    grouped: dict[tuple, list[Attestation]] = {}
    for attestation in attestations:
        attestation.mark = attestation_mark(attestation, today, replaced=attestation.renewed)
        grouped.setdefault(attestation.credential_key, []).append(attestation)
    groups = []
    for members in grouped.values():
        members.sort(key=lambda a: (a.submitted_at, a.pk or 0), reverse=True)
        verified = next((a for a in members if a.status == AttestationStatus.VERIFIED), None)
        current = verified or members[0]
        renewal = None
        if verified is not None and members[0].status == AttestationStatus.PENDING:
            renewal = members[0]
        history = [a for a in members if a is not current and a is not renewal]
        groups.append(AttestationGroup(current=current, renewal=renewal, history=history))
    groups.sort(key=lambda g: (KIND_ORDER.get(g.current.kind, 99), g.current.submitted_at))
    return groups


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
