"""Reads for the practitioner dashboard and the staff verification queue.

Each returns a queryset already carrying what its page shows, so templates never query.
Evidence is only ever loaded here, for its owner or for staff: public selectors never
touch it.
"""

from datetime import timedelta

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from kernel.models import AuditEntry, User
from practitioners.models import (
    Attestation,
    AttestationStatus,
    ClaimStatus,
    Evidence,
    Practitioner,
    ProfileClaim,
)


def _with_details(queryset: QuerySet[Attestation]) -> QuerySet[Attestation]:
    return queryset.select_related(
        "practitioner", "practitioner__clinic", "verified_by"
    ).prefetch_related(
        "items", Prefetch("evidence", queryset=Evidence.objects.order_by("uploaded_at", "id"))
    )


def verification_queue(
    *,
    status: str = AttestationStatus.PENDING,
    kind: str = "",
    min_age_days: int = 0,
    text: str = "",
    newest_first: bool = False,
) -> QuerySet[Attestation]:
    """Attestations in ``status``, filtered; pending and decided ones oldest first (or newest
    first), verified ones soonest to expire first.

    ``min_age_days`` keeps those submitted more than that many days ago; ``text`` keeps
    those whose practitioner's name, clinic or number contains every word of it.
    """
    queryset = Attestation.objects.filter(status=status)
    if kind:
        queryset = queryset.filter(kind=kind)
    if min_age_days:
        queryset = queryset.filter(submitted_at__lt=timezone.now() - timedelta(days=min_age_days))
    for word in text.split():
        queryset = queryset.filter(
            Q(practitioner__first_name__icontains=word)
            | Q(practitioner__last_name__icontains=word)
            | Q(practitioner__clinic__name__icontains=word)
            | Q(number__icontains="".join(word.split()).upper())
        )
    if status == AttestationStatus.VERIFIED:
        order = ("expires_on", "id")
    elif newest_first:
        order = ("-submitted_at", "-id")
    else:
        order = ("submitted_at", "id")
    return _with_details(queryset.order_by(*order))


def queue_counts() -> dict[str, int]:
    """How many attestations and claims await a decision (one query each)."""
    pending = Attestation.objects.aggregate(
        attestations=Count("id", filter=Q(status=AttestationStatus.PENDING))
    )
    claims = ProfileClaim.objects.filter(status=ClaimStatus.PENDING).count()
    return {"attestations": pending["attestations"], "claims": claims}


def attestation_for_staff(pk: int) -> Attestation:
    return _with_details(Attestation.objects.all()).get(pk=pk)


def attestation_for_owner(pk: int, owner: User) -> Attestation:
    """The attestation if ``owner`` owns its practitioner (DoesNotExist otherwise)."""
    return _with_details(Attestation.objects.filter(practitioner__owner=owner)).get(pk=pk)


def timeline(obj) -> list[AuditEntry]:
    """Every recorded decision on ``obj``, oldest first."""
    return list(AuditEntry.objects.for_object(obj))


def owned_practitioner(user: User) -> Practitioner | None:
    """The profile ``user`` manages, with its attestations and their evidence loaded."""
    if not user.is_authenticated:
        return None
    return (
        Practitioner.objects.filter(owner=user)
        .select_related("clinic")
        .prefetch_related(
            Prefetch(
                "attestations",
                queryset=Attestation.objects.order_by(
                    "kind", "-submitted_at", "-id"
                ).prefetch_related(
                    Prefetch("evidence", queryset=Evidence.objects.order_by("uploaded_at", "id"))
                ),
            )
        )
        .first()
    )


def claims_of(user: User) -> QuerySet[ProfileClaim]:
    return (
        ProfileClaim.objects.filter(user=user)
        .select_related("practitioner")
        .order_by("-created_at")
    )


def pending_claims() -> QuerySet[ProfileClaim]:
    """Claims awaiting a decision, oldest first, with what staff compare."""
    return (
        ProfileClaim.objects.filter(status=ClaimStatus.PENDING)
        .select_related("practitioner", "practitioner__clinic", "user")
        .order_by("created_at", "id")
    )


def evidence_for(pk: int) -> Evidence:
    return Evidence.objects.select_related("attestation__practitioner").get(pk=pk)
