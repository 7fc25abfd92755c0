"""What the daily expiry job does to one attestation: expire it, lapse a licence whose
standing is no longer active, or warn its owner that it expires soon (``practitioners.expiry``
picks the rows)."""

from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone

from kernel.errors import DomainError
from kernel.workflow import record
from practitioners.credentials import Standing, standing_withdrawn
from practitioners.models import Attestation, AttestationStatus, valid_on
from practitioners.services.access import locked_attestation
from practitioners.services.deciding import (
    EXPIRED,
    EXPIRING,
    STANDING_LAPSED,
    Notice,
    decide,
    notify_owner,
    renewed_since,
)

EXPIRY_ACTOR = "expiry job"


@transaction.atomic
def attestation_expire(*, attestation_id: int, today: date | None = None) -> Attestation:
    """Lapse a verified attestation whose expiry date has passed."""
    today = today or timezone.localdate()
    attestation = locked_attestation(attestation_id)
    if valid_on(attestation.expires_on, today):
        raise DomainError("This attestation has not reached its expiry date.")
    expire(
        attestation,
        actor_label=EXPIRY_ACTOR,
        note=f"Expired on {attestation.expires_on.isoformat()}",
        today=today,
        # Its renewal is already on the way: nothing to tell.
        tell=None if renewed_since(attestation) else EXPIRED,
    )
    return attestation


def expire(
    attestation: Attestation, *, actor_label: str, note: str, today: date, tell: Notice | None
) -> None:
    """A verified attestation past its date (by the clock or by the registry) is expired."""
    decide(
        attestation,
        to=AttestationStatus.EXPIRED,
        action="attestation.expired",
        actor_label=actor_label,
        note=note,
        today=today,
        tell=tell,
    )


def lapse_for_standing(attestation: Attestation, *, actor_label: str, source: str) -> None:
    """A verified licence whose standing is no longer active loses its verification."""
    to = (
        AttestationStatus.EXPIRED
        if attestation.standing == Standing.EXPIRED
        else AttestationStatus.REVOKED
    )
    reason = f"{source} reports this licence as {attestation.get_standing_display().lower()}."
    decide(
        attestation,
        to=to,
        action=f"attestation.{to}",
        actor_label=actor_label,
        reason=f"standing_{attestation.standing}",
        note=reason,
        changes={"decision_reason": reason},
        tell=STANDING_LAPSED.about(reason=reason),
    )


@transaction.atomic
def attestation_lapse_standing(*, attestation_id: int) -> Attestation:
    """Take the verification off a licence whose recorded standing is no longer active."""
    attestation = locked_attestation(attestation_id)
    if not standing_withdrawn(attestation):
        raise DomainError("Only a licence whose standing is not active lapses this way.")
    lapse_for_standing(attestation, actor_label=EXPIRY_ACTOR, source="The licence record")
    return attestation


@transaction.atomic
def attestation_send_expiry_warning(
    *, attestation_id: int, today: date | None = None, days: int = 30
) -> bool:
    """E-mail the practitioner once that a verification expires within ``days``.

    Returns whether a warning was sent; ``expiry_warning_sent_on`` makes it once only.
    """
    today = today or timezone.localdate()
    attestation = locked_attestation(attestation_id)
    if (
        attestation.status != AttestationStatus.VERIFIED
        or attestation.expiry_warning_sent_on is not None
        or attestation.expires_on is None
        or not valid_on(attestation.expires_on, today)
        or attestation.expires_on > today + timedelta(days=days)
    ):
        return False
    Attestation.objects.filter(pk=attestation.pk).update(expiry_warning_sent_on=today)
    attestation.expiry_warning_sent_on = today
    record(
        attestation,
        action="attestation.expiry_warning_sent",
        actor_label=EXPIRY_ACTOR,
        note=f"Expires on {attestation.expires_on.isoformat()}",
    )
    if not renewed_since(attestation):
        notify_owner(attestation, EXPIRING.about(days_left=(attestation.expires_on - today).days))
    return True
