"""Reads for the practitioner API: querysets carrying everything their serializers show."""

from django.db.models import Prefetch, QuerySet

from practitioners.models import Attestation, Practitioner, Procedure, SterilizationAnswer


def api_practitioner_list() -> QuerySet[Practitioner]:
    """Practitioners with clinic, summary and procedure slugs; the FilterSet orders them."""
    return Practitioner.objects.select_related("clinic", "summary").prefetch_related(
        Prefetch("procedures", queryset=Procedure.objects.only("id", "slug").order_by("slug"))
    )


def api_practitioner_detail() -> QuerySet[Practitioner]:
    """Practitioners with everything the profile shows, attestations and their items included."""
    return api_practitioner_list().prefetch_related(
        Prefetch(
            "attestations",
            queryset=Attestation.objects.order_by("kind", "-submitted_at", "-id").prefetch_related(
                Prefetch("items", queryset=SterilizationAnswer.objects.order_by("item"))
            ),
        )
    )


def api_procedures() -> QuerySet[Procedure]:
    """The procedures offered on the site, by name."""
    return Procedure.objects.filter(is_active=True).order_by("name", "id")
