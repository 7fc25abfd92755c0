"""The Verified badge: computed here and nowhere else.

Verified means a verified, unexpired licence in ``active`` standing **and** a verified,
unexpired sterilization attestation. Anything less comes with the exact reasons, in words
a patient understands ("licence expired on 2026-03-01").
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from django.db import transaction
from django.utils import timezone

from partners.events import verification_changed
from practitioners.models import (
    Attestation,
    AttestationKind,
    AttestationStatus,
    Practitioner,
    Standing,
)


@dataclass(frozen=True)
class Badge:
    verified: bool
    missing: list[str] = field(default_factory=list)


def _licence_reason(licences: list[Attestation], today: date) -> str | None:
    if any(a.is_current(today) and a.standing == Standing.ACTIVE for a in licences):
        return None
    verified = [a for a in licences if a.status == AttestationStatus.VERIFIED]
    for licence in verified:
        if licence.standing and licence.standing != Standing.ACTIVE:
            return (
                f"licence {licence.get_standing_display().lower()} per {licence.issuing_authority}"
            )
    for licence in verified:
        if licence.expires_on and licence.expires_on < today:
            return f"licence expired on {licence.expires_on.isoformat()}"
    lapsed = [a for a in licences if a.status == AttestationStatus.EXPIRED and a.expires_on]
    if lapsed:
        latest = max(lapsed, key=lambda a: a.expires_on)
        return f"licence expired on {latest.expires_on.isoformat()}"
    if any(a.status == AttestationStatus.PENDING for a in licences):
        return "licence pending review"
    if any(a.status == AttestationStatus.REVOKED for a in licences):
        return "licence verification revoked"
    if any(a.status == AttestationStatus.REJECTED for a in licences):
        return "licence rejected; a new one has not been submitted"
    return "no licence on file"


def _sterilization_reason(attestations: list[Attestation], today: date) -> str | None:
    if any(a.is_current(today) for a in attestations):
        return None
    verified = [a for a in attestations if a.status == AttestationStatus.VERIFIED]
    lapsed = verified + [a for a in attestations if a.status == AttestationStatus.EXPIRED]
    dated = [a for a in lapsed if a.expires_on]
    if dated:
        latest = max(dated, key=lambda a: a.expires_on)
        return f"sterilization attestation expired on {latest.expires_on.isoformat()}"
    if any(a.status == AttestationStatus.PENDING for a in attestations):
        return "sterilization attestation pending review"
    if any(a.status == AttestationStatus.REVOKED for a in attestations):
        return "sterilization attestation revoked"
    if any(a.status == AttestationStatus.REJECTED for a in attestations):
        return "sterilization attestation rejected; a new one has not been submitted"
    return "no sterilization attestation on file"


def compute_badge(attestations: Iterable[Attestation], *, today: date | None = None) -> Badge:
    """Apply the badge rule to a practitioner's attestations."""
    today = today or timezone.localdate()
    attestations = list(attestations)
    licences = [a for a in attestations if a.kind == AttestationKind.LICENSE]
    sterilization = [a for a in attestations if a.kind == AttestationKind.STERILIZATION]
    missing = [
        reason
        for reason in (
            _licence_reason(licences, today),
            _sterilization_reason(sterilization, today),
        )
        if reason
    ]
    return Badge(verified=not missing, missing=missing)


def badge_for(practitioner: Practitioner, *, today: date | None = None) -> Badge:
    """The badge of one practitioner (uses prefetched attestations when present)."""
    return compute_badge(practitioner.attestations.all(), today=today)


@transaction.atomic
def refresh_badge(practitioner_id: int, *, today: date | None = None) -> Badge:
    """Recompute and store the badge column; call in the transaction that changed an attestation."""
    practitioner = Practitioner.objects.select_for_update().get(pk=practitioner_id)
    badge = compute_badge(practitioner.attestations.all(), today=today)
    if practitioner.is_verified != badge.verified or practitioner.verified_checked_at is None:
        Practitioner.objects.filter(pk=practitioner_id).update(
            is_verified=badge.verified, verified_checked_at=timezone.now()
        )
    if practitioner.is_verified != badge.verified:
        # Partners' webhooks: written with this transaction, sent by the worker on commit.
        verification_changed(
            practitioner_id=practitioner_id, verified=badge.verified, missing=badge.missing
        )
    return badge
