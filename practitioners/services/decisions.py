"""Staff decisions on an attestation: verify (superseding the licence a renewal replaces),
reject, revoke. Each is one call to ``deciding.decide``."""

from datetime import date

from django.db import transaction
from django.utils import timezone

from kernel.errors import DomainError
from kernel.models import User
from kernel.workflow import transition
from practitioners.credentials import (
    default_expiry,
    in_good_standing,
    renewed_under_same_number,
    sterilization_shortfalls,
)
from practitioners.models import Attestation, AttestationStatus, VerificationMethod, valid_on
from practitioners.services.access import (
    locked_attestation,
    require_verifier,
    required_reason,
)
from practitioners.services.deciding import REJECTED, REVOKED, decide
from practitioners.services.renewals import live_entries


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
    seen_version: int | None = None,
) -> Attestation:
    """Mark a pending attestation verified, set its validity, and refresh the badge.

    A person verifying must hold the verifier permission; ``actor=None`` with an
    ``actor_label`` is a system decision (the licence registry import).
    """
    attestation = locked_attestation(attestation_id)
    if actor is not None or not actor_label:
        require_verifier(actor, attestation)
    now = timezone.now()
    expiry = expires_on or default_expiry(attestation, timezone.localdate())
    if not valid_on(expiry, timezone.localdate()):
        raise DomainError("This attestation has already expired and cannot be verified.")
    if not in_good_standing(attestation):
        raise DomainError("A licence can be verified only in active standing.")
    shortfalls = sterilization_shortfalls(attestation)
    if shortfalls:
        raise DomainError(
            "This sterilization attestation cannot be verified: the practitioner did not "
            "answer “complies” to " + "; ".join(shortfalls) + ". Reject it with that reason; "
            "they can submit a new one once their practice complies.",
            code="sterilization_not_compliant",
        )
    replaced = _supersede_renewed(attestation, expiry=expiry, actor=actor, actor_label=actor_label)
    # One badge refresh, after both moves: the badge never sees the licence gone.
    # Calls of decide() look alike (keyword arguments); each passes its own decision.
    decide(
        attestation,
        to=AttestationStatus.VERIFIED,
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
            "expiry_warning_sent_on": None,
        },
        data={"method": method, "expires_on": expiry.isoformat() if expiry else None}
        | ({"replaces": [old.pk for old in replaced]} if replaced else {}),
        seen_version=seen_version,
    )
    return attestation


def _supersede_renewed(
    renewal: Attestation, *, expiry: date | None, actor: User | None, actor_label: str
) -> list[Attestation]:
    """Close the verified licence a renewal replaces, just before the renewal is verified.

    In the verifying transaction: others see the old licence verified until the renewal is,
    never both (the database allows one verified licence per number) and never neither.
    """
    if not renewed_under_same_number(renewal):
        return []
    replaced = list(
        live_entries(
            kind=renewal.kind, number=renewal.number, issuing_authority=renewal.issuing_authority
        )
        .filter(status=AttestationStatus.VERIFIED)
        .exclude(pk=renewal.pk)
        .select_for_update(of=("self",))
        .order_by("pk")
    )
    if any(old.practitioner_id != renewal.practitioner_id for old in replaced):
        raise DomainError(
            f"Licence {renewal.number} from {renewal.issuing_authority} is verified on another "
            "profile. Reject this one, or revoke that one first."
        )
    until = f", valid until {expiry.isoformat()}" if expiry else ""
    for old in replaced:
        # The product's statuses have none for "replaced": the old term is over, so `expired`;
        # its history says why (attestation.superseded).
        transition(
            old,
            to=AttestationStatus.EXPIRED,
            action="attestation.superseded",
            actor=actor,
            actor_label=actor_label,
            note=f"Replaced by its renewal{until}.",
            data={"renewal": renewal.pk},
        )
    return replaced


def reject(
    attestation: Attestation,
    *,
    actor: User | None,
    reason: str,
    actor_label: str = "",
    seen_version: int | None = None,
) -> None:
    """Reject a pending attestation (by staff or the registry import) and tell its owner why."""
    decide(
        attestation,
        to=AttestationStatus.REJECTED,
        action="attestation.rejected",
        actor=actor,
        actor_label=actor_label,
        note=reason,
        changes={"decision_reason": reason},
        seen_version=seen_version,
        tell=REJECTED.about(reason=reason),
    )


@transaction.atomic
def attestation_reject(
    *, attestation_id: int, actor: User, reason: str, seen_version: int | None = None
) -> Attestation:
    """Reject a pending attestation with a reason the practitioner is e-mailed."""
    reason = required_reason(
        reason, missing="Say why the attestation is rejected: the practitioner is told."
    )
    attestation = locked_attestation(attestation_id)
    require_verifier(actor, attestation)
    reject(attestation, actor=actor, reason=reason, seen_version=seen_version)
    return attestation


@transaction.atomic
def attestation_revoke(
    *, attestation_id: int, actor: User, reason: str, seen_version: int | None = None
) -> Attestation:
    """Withdraw a verified attestation (staff), e.g. after a complaint or a lapsed licence."""
    reason = required_reason(reason, missing="Say why the verification is revoked.")
    attestation = locked_attestation(attestation_id)
    require_verifier(actor, attestation)
    decide(
        attestation,
        to=AttestationStatus.REVOKED,
        action="attestation.revoked",
        actor=actor,
        note=reason,
        changes={"decision_reason": reason},
        seen_version=seen_version,
        tell=REVOKED.about(reason=reason),
    )
    return attestation
