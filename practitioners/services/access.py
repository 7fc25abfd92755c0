"""Who may do what to a practitioner's records, and the locked row every write starts from."""

from kernel.errors import DomainError, NotPermitted
from kernel.models import User
from practitioners.conflicts import require_no_conflict
from practitioners.models import Attestation, Practitioner, ProfileClaim

VERIFY_PERMISSION = "practitioners.verify_attestation"


def require_confirmed_email(user: User, *, to: str) -> None:
    if not user.has_confirmed_email:
        raise NotPermitted(
            f"Confirm your e-mail address before you {to}: follow the link we sent you, "
            "or ask for a new one.",
            code="email_not_verified",
        )


def can_verify(user: User | None) -> bool:
    """Staff verifiers (group "Verifiers") hold the permission; superusers hold every one."""
    return bool(user is not None and user.is_authenticated and user.has_perm(VERIFY_PERMISSION))


def require_verifier(actor: User | None, subject: Attestation | ProfileClaim) -> None:
    """A verifier, with no conflict of interest in ``subject`` (``practitioners.conflicts``)."""
    if not can_verify(actor):
        raise NotPermitted("Only staff verifiers can decide on attestations and claims.")
    require_no_conflict(actor, subject)


def require_owner(actor: User | None, practitioner: Practitioner) -> None:
    if actor is None or not actor.is_authenticated or practitioner.owner_id != actor.pk:
        raise NotPermitted("Only the practitioner who owns this profile can do that.")


def locked_attestation(attestation_id: int) -> Attestation:
    return (
        Attestation.objects.select_for_update(of=("self",))
        .select_related("practitioner__owner", "practitioner__clinic")
        .get(pk=attestation_id)
    )


def required_reason(reason: str, *, missing: str) -> str:
    """A decision's reason, trimmed; ``missing`` refuses an empty one (someone is told it)."""
    if not reason.strip():
        raise DomainError(missing)
    return reason.strip()
