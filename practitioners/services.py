"""Writes for practitioners and their attestations. Every status change goes through here."""

from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from directory.errors import DomainError
from directory.models import User
from directory.notifications import email_user
from directory.workflow import transition
from practitioners.badges import refresh_badge
from practitioners.models import (
    Attestation,
    AttestationKind,
    AttestationStatus,
    Clinic,
    Practitioner,
    Procedure,
    VerificationMethod,
)
from reviews.models import PractitionerSummary

STERILIZATION_VALID_DAYS = 365  # "valid for 12 months from its verification"


def unique_slug(first_name: str, last_name: str, *, city: str = "") -> str:
    base = slugify(f"{first_name} {last_name} {city}")[:120] or "practitioner"
    slug, n = base, 2
    while Practitioner.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


@transaction.atomic
def practitioner_create(
    *,
    first_name: str,
    last_name: str,
    profession: str,
    clinic: Clinic | None = None,
    npi: str | None = None,
    bio: str = "",
    procedures: list[Procedure] | None = None,
) -> Practitioner:
    """Create a practitioner profile with its (empty) summary."""
    practitioner = Practitioner(
        first_name=first_name,
        last_name=last_name,
        slug=unique_slug(first_name, last_name, city=clinic.city if clinic else ""),
        profession=profession,
        clinic=clinic,
        npi=npi or None,
        bio=bio,
    )
    practitioner.full_clean()
    practitioner.save()
    if procedures:
        practitioner.procedures.set(procedures)
    PractitionerSummary.objects.create(practitioner=practitioner)
    refresh_badge(practitioner.pk)
    return practitioner


def _locked(attestation_id: int) -> Attestation:
    return (
        Attestation.objects.select_for_update()
        .select_related("practitioner", "practitioner__owner")
        .get(pk=attestation_id)
    )


def _default_expiry(attestation: Attestation, verified_on: date) -> date | None:
    if attestation.kind == AttestationKind.STERILIZATION:
        return verified_on + timedelta(days=STERILIZATION_VALID_DAYS)
    return attestation.expires_on


def _notify_owner(attestation: Attestation, *, subject: str, template: str, **extra) -> None:
    owner = attestation.practitioner.owner
    if owner is not None:
        email_user(
            to=owner.email,
            subject=subject,
            template=template,
            context={"attestation": attestation, "practitioner": attestation.practitioner, **extra},
        )


@transaction.atomic
def attestation_verify(
    *,
    attestation_id: int,
    actor: User | None,
    method: str = VerificationMethod.DOCUMENTS,
    source: str = "",
    expires_on: date | None = None,
    note: str = "",
    actor_label: str = "",
) -> Attestation:
    """Mark a pending attestation verified, set its validity, and refresh the badge."""
    attestation = _locked(attestation_id)
    now = timezone.now()
    expiry = expires_on or _default_expiry(attestation, timezone.localdate())
    if expiry is not None and expiry < timezone.localdate():
        raise DomainError("This attestation has already expired and cannot be verified.")
    transition(
        attestation,
        to=AttestationStatus.VERIFIED,
        table=Attestation.TRANSITIONS,
        action="attestation.verified",
        actor=actor,
        actor_label=actor_label,
        note=note,
        changes={
            "verified_at": now,
            "verified_by": actor,
            "verification_method": method,
            "verification_source": source or "Staff review of submitted documents",
            "expires_on": expiry,
            "next_check_due": expiry,
            "decision_reason": "",
        },
    )
    refresh_badge(attestation.practitioner_id)
    return attestation


@transaction.atomic
def attestation_reject(*, attestation_id: int, actor: User, reason: str) -> Attestation:
    """Reject a pending attestation with a reason the practitioner is e-mailed."""
    if not reason.strip():
        raise DomainError("Say why the attestation is rejected: the practitioner is told.")
    attestation = _locked(attestation_id)
    transition(
        attestation,
        to=AttestationStatus.REJECTED,
        table=Attestation.TRANSITIONS,
        action="attestation.rejected",
        actor=actor,
        note=reason,
        changes={"decision_reason": reason},
    )
    refresh_badge(attestation.practitioner_id)
    _notify_owner(
        attestation,
        subject="Your attestation was not accepted",
        template="practitioners/email/attestation_rejected.txt",
        reason=reason,
    )
    return attestation


@transaction.atomic
def attestation_revoke(*, attestation_id: int, actor: User, reason: str) -> Attestation:
    """Withdraw a verified attestation (staff), e.g. after a complaint or a lapsed licence."""
    if not reason.strip():
        raise DomainError("Say why the verification is revoked.")
    attestation = _locked(attestation_id)
    transition(
        attestation,
        to=AttestationStatus.REVOKED,
        table=Attestation.TRANSITIONS,
        action="attestation.revoked",
        actor=actor,
        note=reason,
        changes={"decision_reason": reason},
    )
    refresh_badge(attestation.practitioner_id)
    _notify_owner(
        attestation,
        subject="A verification on your profile was revoked",
        template="practitioners/email/attestation_revoked.txt",
        reason=reason,
    )
    return attestation


@transaction.atomic
def attestation_expire(*, attestation_id: int, today: date | None = None) -> Attestation:
    """Lapse a verified attestation whose expiry date has passed."""
    today = today or timezone.localdate()
    attestation = _locked(attestation_id)
    if attestation.expires_on is None or attestation.expires_on >= today:
        raise DomainError("This attestation has not reached its expiry date.")
    transition(
        attestation,
        to=AttestationStatus.EXPIRED,
        table=Attestation.TRANSITIONS,
        action="attestation.expired",
        actor_label="expiry job",
        note=f"Expired on {attestation.expires_on.isoformat()}",
    )
    refresh_badge(attestation.practitioner_id)
    _notify_owner(
        attestation,
        subject="A verification on your profile has expired",
        template="practitioners/email/attestation_expired.txt",
    )
    return attestation
