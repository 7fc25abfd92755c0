"""Verified-patient invitations: a one-time, expiring link to review one practitioner.

The raw token exists only in the e-mailed link; the database keeps its SHA-256, so a leaked
table cannot be turned into working links. ``invitation_for_token`` tells a used link from an
expired one and from one that is forged or belongs to another practitioner, so the patient
gets a page that says what happened instead of an error.

An invitation is bound to the address it was sent to: only the account with that address
(compared the way accounts are, whatever the letter case) can use it, so a forwarded link
is refused (``InvitationForAnotherAddress``) without being spent.
"""

import secrets
from datetime import date, timedelta
from urllib.parse import urlencode

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from kernel.digests import sha256_hex
from kernel.errors import DomainError, Gone, RateLimited
from kernel.models import User
from kernel.notifications import email_user
from practitioners.models import Practitioner, Procedure
from reviews.models import ReviewInvitation
from reviews.services import (
    InvitationForAnotherAddress,  # noqa: F401 (raised by invitation_for_token; import it here)
    check_invitation_recipient,
    treatment_date_problem,
)

INVITATION_VALID_DAYS = 30
TOKEN_BYTES = 32


def daily_limit() -> int:
    """How many invitations one account may send in 24 hours (partners are throttled per key)."""
    return settings.REVIEW_INVITATIONS_PER_ACCOUNT_PER_DAY


class InvitationInvalid(DomainError):
    """The link is not one we issued for this practitioner (mistyped, forged or mixed up)."""

    code = "invitation_invalid"


class InvitationUsed(Gone):
    code = "invitation_used"


class InvitationExpired(Gone):
    code = "invitation_expired"


def hash_token(token: str) -> str:
    return sha256_hex(token)


def invitation_path(practitioner: Practitioner, token: str) -> str:
    """The site path of an invitation link: the practitioner's review form with the token."""
    path = reverse("reviews:write", kwargs={"slug": practitioner.slug})
    return f"{path}?{urlencode({'invitation': token})}"


def invitation_url(invitation: ReviewInvitation, token: str) -> str:
    """The absolute link the patient follows: the practitioner's review form with the token."""
    return f"{settings.SITE_URL}{invitation_path(invitation.practitioner, token)}"


def invitation_create(
    *,
    practitioner: Practitioner,
    procedure: Procedure,
    email: str,
    treatment_date: date,
    created_by: User | None = None,
    partner_name: str = "",
) -> tuple[ReviewInvitation, str]:
    """Create an invitation, e-mail its link on commit, and return it with the raw token.

    The token is returned once so an API caller can show or forward it; it is never stored.
    """
    email = (email or "").strip()
    try:
        validate_email(email)
    except ValidationError:
        raise DomainError(
            "Enter a valid e-mail address for the patient.", code="invalid_email"
        ) from None
    if not procedure.is_active:
        raise DomainError(f"{procedure.name} is not offered on this site any more.")
    if not practitioner.procedures.filter(pk=procedure.pk).exists():
        raise DomainError(
            f"{practitioner.full_name} does not list {procedure.name} among their procedures.",
            code="procedure_not_offered",
        )
    if problem := treatment_date_problem(treatment_date):
        raise DomainError(problem, code="invalid_treatment_date")
    if created_by is not None and created_by.email.lower() == email.lower():
        raise DomainError("You cannot invite yourself to review your own practice.")
    if created_by is not None:
        since = timezone.now() - timedelta(days=1)
        sent = ReviewInvitation.objects.filter(created_by=created_by, created_at__gte=since)
        if sent.count() >= daily_limit():
            raise RateLimited(
                f"You can send at most {daily_limit()} invitations a day. "
                "Please send the rest tomorrow."
            )

    token = secrets.token_urlsafe(TOKEN_BYTES)
    now = timezone.now()
    with transaction.atomic():
        invitation = ReviewInvitation.objects.create(
            practitioner=practitioner,
            procedure=procedure,
            email=email,
            treatment_date=treatment_date,
            token_hash=hash_token(token),
            created_by=created_by,
            partner_name=partner_name[:120],
            created_at=now,
            expires_at=now + timedelta(days=INVITATION_VALID_DAYS),
        )
        email_user(
            to=email,
            subject=f"How was your {procedure.name.lower()} with {practitioner.full_name}?",
            template="reviews/email/invitation.txt",
            context={
                "invitation": invitation,
                "practitioner": practitioner,
                "procedure": procedure,
                "url": invitation_url(invitation, token),
                "valid_days": INVITATION_VALID_DAYS,
            },
        )
    return invitation, token


def invitation_for_token(
    token: str, practitioner: Practitioner, *, user: User | None = None
) -> ReviewInvitation:
    """Return the usable invitation behind ``token`` for ``practitioner``, or say why not.

    With ``user`` (a signed-in account), an invitation sent to another address is refused
    with ``InvitationForAnotherAddress``; without it (a visitor not signed in yet) it is not.
    """
    token = (token or "").strip()
    invitation = None
    if 16 <= len(token) <= 128:
        invitation = (
            ReviewInvitation.objects.select_related("practitioner", "procedure")
            .filter(token_hash=hash_token(token))
            .first()
        )
    if invitation is None or invitation.practitioner_id != practitioner.pk:
        raise InvitationInvalid(
            "This invitation link is not valid for this practitioner. Check that you copied "
            "the whole link from the e-mail, or ask the clinic to send a new invitation."
        )
    if invitation.used_at is not None:
        raise InvitationUsed(
            "This invitation has already been used to write a review. Each invitation link "
            "works once; you can see and edit your review under “My reviews”."
        )
    if invitation.expires_at <= timezone.now():
        raise InvitationExpired(
            f"This invitation expired on {timezone.localtime(invitation.expires_at):%d %B %Y}. "
            "Ask the clinic to send a new one, or write a review without the verified-patient "
            "mark."
        )
    if user is not None:
        check_invitation_recipient(invitation, user)
    return invitation
