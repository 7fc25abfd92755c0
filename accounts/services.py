"""Writes for patient accounts: sign-up, e-mail confirmation and its links.

A confirmation link is a signed, expiring token naming the account and the address it was
sent to, so it stops working once used for another address or after ``VERIFY_MAX_AGE``.
Sign-up never reveals whether an address already has an account: the page says the same
either way and the owner of an existing account is sent a reminder instead.
"""

from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme

from kernel.errors import DomainError, Gone, RateLimited
from kernel.models import User
from kernel.notifications import email_user

VERIFY_SALT = "accounts.services.verify-email"
VERIFY_MAX_AGE = timedelta(days=3)
RESEND_INTERVAL_SECONDS = 60
SIGNUPS_PER_ADDRESS_PER_HOUR = 10


class VerificationLinkExpired(Gone):
    code = "verification_expired"


class VerificationLinkInvalid(DomainError):
    code = "verification_invalid"


def normalize_address(email: str | None) -> str:
    """An e-mail address as accounts store it: trimmed, lower-cased (``User`` is e-mail-keyed
    and case-insensitively unique), so two spellings of one address compare equal."""
    return User.objects.normalize_email((email or "").strip()).lower()


def same_address(first: str | None, second: str | None) -> bool:
    """Whether two e-mail addresses are the same account's, whatever their letter case."""
    return bool(first) and bool(second) and normalize_address(first) == normalize_address(second)


def mask_address(email: str) -> str:
    """An address shown to someone who may not own it: ``jane@example.com`` is shown as
    ``j•••@example.com``."""
    local, at, domain = (email or "").strip().partition("@")
    return f"{local[:1]}•••{at}{domain}"


def safe_next(url: str | None) -> str:
    """``url`` if it is a path on this site, otherwise an empty string."""
    if (
        url
        and url.startswith("/")
        and not url.startswith("//")
        and url_has_allowed_host_and_scheme(url, allowed_hosts=None)
    ):
        return url
    return ""


def throttle(key: str, *, limit: int, seconds: int, message: str) -> None:
    """Allow ``limit`` actions per ``seconds`` for ``key``, counted in the shared cache."""
    cache_key = f"throttle:{key}"
    cache.add(cache_key, 0, timeout=seconds)
    try:
        count = cache.incr(cache_key)
    except ValueError:  # expired between add and incr
        cache.set(cache_key, 1, timeout=seconds)
        count = 1
    if count > limit:
        raise RateLimited(message)


def verification_token(user: User, next_url: str = "") -> str:
    payload = {"u": user.pk, "e": user.email.lower()}
    if next_url := safe_next(next_url):
        payload["n"] = next_url
    return signing.dumps(payload, salt=VERIFY_SALT, compress=True)


def verification_url(user: User, next_url: str = "") -> str:
    token = verification_token(user, next_url)
    return settings.SITE_URL + reverse("verify_email", kwargs={"token": token})


def send_verification_email(user: User, *, next_url: str = "", throttled: bool = True) -> None:
    """E-mail a fresh confirmation link (at most one a minute per account)."""
    if user.email_verified_at is not None:
        raise DomainError("Your e-mail address is already confirmed.", code="already_verified")
    if throttled:
        throttle(
            f"verify-email:{user.pk}",
            limit=1,
            seconds=RESEND_INTERVAL_SECONDS,
            message=(
                "We sent you a link less than a minute ago. Check your inbox and spam folder, "
                "or try again in a minute."
            ),
        )
    email_user(
        to=user.email,
        subject="Confirm your e-mail address",
        template="registration/email/verify_email.txt",
        context={
            "user": user,
            "url": verification_url(user, next_url),
            "valid_days": VERIFY_MAX_AGE.days,
        },
    )


@transaction.atomic
def account_signup(
    *, email: str, password: str, display_name: str, next_url: str = "", ip: str | None = None
) -> User | None:
    """Create an unconfirmed account and e-mail its confirmation link.

    If the address already has an account, nothing is created and its owner is e-mailed a
    reminder with sign-in and password-reset links; the caller cannot tell the two apart.
    """
    email = normalize_address(email)
    if ip:
        throttle(
            f"signup:{ip}",
            limit=SIGNUPS_PER_ADDRESS_PER_HOUR,
            seconds=3600,
            message="Too many sign-ups from your network in the last hour. Try again later.",
        )
    existing = User.objects.filter(email__iexact=email).first()
    if existing is None:
        try:
            with transaction.atomic():
                user = User.objects.create_user(
                    email=email, password=password, display_name=display_name.strip()
                )
        except IntegrityError:  # created by a concurrent request with the same address
            existing = User.objects.filter(email__iexact=email).first()
        else:
            send_verification_email(user, next_url=next_url, throttled=False)
            return user
    if existing is not None:
        email_user(
            to=existing.email,
            subject="You already have an account",
            template="registration/email/already_registered.txt",
            context={
                "user": existing,
                "login_url": settings.SITE_URL + reverse("login"),
                "reset_url": settings.SITE_URL + reverse("password_reset"),
            },
        )
    return None


def email_verify(token: str) -> tuple[User, str]:
    """Confirm the address a link was sent to; return the account and where to go next."""
    try:
        payload = signing.loads(token, salt=VERIFY_SALT, max_age=VERIFY_MAX_AGE.total_seconds())
    except signing.SignatureExpired:
        raise VerificationLinkExpired(
            f"This confirmation link has expired (links work for {VERIFY_MAX_AGE.days} days). "
            "Sign in and ask for a new one."
        ) from None
    except signing.BadSignature:
        raise VerificationLinkInvalid(
            "This confirmation link is not valid. Check that you copied the whole link from "
            "the e-mail, or sign in and ask for a new one."
        ) from None
    if not isinstance(payload, dict):
        raise VerificationLinkInvalid("This confirmation link is not valid.")
    user = User.objects.filter(pk=payload.get("u"), is_active=True).first()
    if user is None or user.email.lower() != payload.get("e"):
        raise VerificationLinkInvalid(
            "This confirmation link is for an address that is no longer on the account. "
            "Sign in and ask for a new link."
        )
    if user.email_verified_at is None:
        now = timezone.now()
        User.objects.filter(pk=user.pk, email_verified_at__isnull=True).update(
            email_verified_at=now
        )
        user.email_verified_at = now
    return user, safe_next(payload.get("n"))


def mark_email_verified(user: User) -> None:
    """Following a password-reset link proves the address too."""
    if user.email_verified_at is None:
        user.email_verified_at = timezone.now()
        User.objects.filter(pk=user.pk).update(email_verified_at=user.email_verified_at)
