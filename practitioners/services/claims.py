"""Profile claims: an account asks to manage a practitioner's profile, staff decide."""

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from kernel.caching import bump_cache_generation_on_commit
from kernel.errors import DomainError, NotPermitted
from kernel.models import User
from kernel.notifications import email_user
from kernel.versions import decided_at
from kernel.workflow import record, transition
from practitioners.models import ClaimStatus, Practitioner, ProfileClaim
from practitioners.services.access import (
    require_confirmed_email,
    require_verifier,
    required_reason,
)
from practitioners.services.content import CLAIM_LABELS, claim_content

MAX_PENDING_CLAIMS_PER_USER = 3


def _locked_claim(claim_id: int) -> ProfileClaim:
    return (
        ProfileClaim.objects.select_for_update(of=("self",))
        .select_related("practitioner__clinic", "user")
        .get(pk=claim_id)
    )


@transaction.atomic
def claim_submit(*, user: User, practitioner: Practitioner, message: str = "") -> ProfileClaim:
    """Ask staff to make ``user`` the owner of ``practitioner``; one pending claim at a time."""
    if not user.is_authenticated:
        raise NotPermitted("Sign in to claim a profile.")
    require_confirmed_email(user, to="claim a profile")
    # The claimant's row is the lock that makes "at most 3 pending" hold under concurrency.
    User.objects.select_for_update().filter(pk=user.pk).first()
    if Practitioner.objects.filter(owner=user).exists():
        raise DomainError("Your account already manages a practitioner profile.")
    if practitioner.owner_id is not None:
        raise DomainError(
            "This profile is already managed by its practitioner. If that is wrong, "
            "contact us and we will look into it."
        )
    pending = ProfileClaim.objects.filter(user=user, status=ClaimStatus.PENDING)
    if pending.filter(practitioner=practitioner).exists():
        raise DomainError("You have already claimed this profile; staff will review it soon.")
    if pending.count() >= MAX_PENDING_CLAIMS_PER_USER:
        raise DomainError("You have too many claims awaiting review; wait for a decision first.")
    claim = ProfileClaim.objects.create(
        practitioner=practitioner, user=user, message=message.strip()
    )
    record(
        claim,
        action="claim.submitted",
        actor=user,
        to_status=ClaimStatus.PENDING,
    )
    return claim


def _decide(
    claim: ProfileClaim,
    *,
    to: str,
    action: str,
    actor: User,
    note: str = "",
    changes: dict | None = None,
    seen_version: int | None = None,
) -> None:
    """Move a claim's status, stamped with who decided and when (refused if it has changed)."""
    with decided_at(claim, seen_version, claim_content, CLAIM_LABELS) as expected:
        transition(
            claim,
            to=to,
            action=action,
            actor=actor,
            note=note,
            changes={"decided_at": timezone.now(), "decided_by": actor, **(changes or {})},
            expected=expected,
        )


def _tell_claimant(claim: ProfileClaim, *, subject: str, template: str, **extra) -> None:
    email_user(
        to=claim.user.email,
        subject=subject,
        template=template,
        context={
            "claim": claim,
            "practitioner": claim.practitioner,
            "site_url": settings.SITE_URL,
            **extra,
        },
    )


def _claim_reject(
    claim: ProfileClaim, *, actor: User, reason: str, seen_version: int | None = None
) -> None:
    _decide(
        claim,
        to=ClaimStatus.REJECTED,
        action="claim.rejected",
        actor=actor,
        note=reason,
        changes={"decision_reason": reason},
        seen_version=seen_version,
    )
    _tell_claimant(
        claim,
        subject="Your profile claim was not approved",
        template="practitioners/email/claim_rejected.txt",
        reason=reason,
    )


@transaction.atomic
def claim_approve(*, claim_id: int, actor: User, seen_version: int | None = None) -> ProfileClaim:
    """Make the claimant the profile's owner; other pending claims it settles are rejected."""
    claim = _locked_claim(claim_id)
    require_verifier(actor, claim)
    _decide(
        claim,
        to=ClaimStatus.APPROVED,
        action="claim.approved",
        actor=actor,
        seen_version=seen_version,
    )
    if Practitioner.objects.filter(owner=claim.user).exists():
        raise DomainError("This account already manages another practitioner profile.")
    # Conditional: only a profile nobody owns yet can be given an owner.
    updated = Practitioner.objects.filter(pk=claim.practitioner_id, owner__isnull=True).update(
        owner=claim.user
    )
    if updated != 1:
        raise DomainError("This profile already has an owner; reject this claim instead.")
    claim.practitioner.owner = claim.user
    bump_cache_generation_on_commit()  # the profile stops offering "Claim this profile"
    settled = (
        ProfileClaim.objects.select_for_update(of=("self",))
        .select_related("practitioner", "user")
        .filter(status=ClaimStatus.PENDING)
        .filter(Q(practitioner_id=claim.practitioner_id) | Q(user_id=claim.user_id))
    )
    for other in settled:
        reason = (
            "Another account's claim on this profile was approved."
            if other.practitioner_id == claim.practitioner_id
            else "Your account was approved as the owner of another profile."
        )
        _claim_reject(other, actor=actor, reason=reason)
    _tell_claimant(
        claim,
        subject="You now manage your practitioner profile",
        template="practitioners/email/claim_approved.txt",
    )
    return claim


# The steps of decisions.attestation_reject on a claim: the reason, the locked row, a verifier.
@transaction.atomic
def claim_reject(
    *, claim_id: int, actor: User, reason: str, seen_version: int | None = None
) -> ProfileClaim:
    """Refuse a profile claim with a reason the claimant is e-mailed."""
    reason = required_reason(reason, missing="Say why the claim is rejected: the claimant is told.")
    claim = _locked_claim(claim_id)
    require_verifier(actor, claim)
    _claim_reject(claim, actor=actor, reason=reason, seen_version=seen_version)
    return claim
