"""Reads for practitioners: querysets that already carry what their pages show."""

from django.db.models import Prefetch, QuerySet
from django.shortcuts import get_object_or_404

from practitioners.models import Attestation, Practitioner


def practitioner_list() -> QuerySet[Practitioner]:
    """Practitioners with their clinic and summary joined, for lists and search."""
    return Practitioner.objects.select_related("clinic", "summary").order_by(
        "last_name", "first_name", "id"
    )


def practitioner_profile(slug: str) -> Practitioner:
    """One practitioner with clinic, summary, procedures and attestations loaded."""
    queryset = Practitioner.objects.select_related("clinic", "summary").prefetch_related(
        "procedures",
        Prefetch(
            "attestations",
            queryset=Attestation.objects.order_by("kind", "-submitted_at"),
        ),
    )
    return get_object_or_404(queryset, slug=slug)
