"""Staff sign in with a second factor: an authenticator app, or a single-use recovery code.

Staff see private evidence and make the decisions the directory stands on, so a password
alone does not get them in. django-otp keeps the factors — a ``TOTPDevice`` (the
authenticator app) and a ``StaticDevice`` holding the recovery codes — and marks a
session that passed one (``django_otp.login``, read back by ``OTPMiddleware``). This
module holds the rules: who must pass it, how a typed code is checked and counted, how
an authenticator is set up and replaced, and how recovery codes are issued, used and
reset. Each change is recorded in the audit record.

Wrong codes are counted like wrong passwords (``accounts.security``): per account, and
per network address in the same counter as the sign-in's, so guesses at passwords and at
codes share one budget. django-otp's own back-off per device (1, 2, 4, 8… seconds after
consecutive failures) comes on top of it.
"""

import re
from base64 import b32encode
from dataclasses import dataclass
from datetime import datetime

import segno
from django.core.cache import cache
from django.db import transaction
from django.http import HttpRequest, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django_otp.models import VerifyNotAllowed
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.security import (
    address_key,
    code_account_key,
    count_failure,
    failure_count,
    failures_per_account,
    failures_per_address,
    window_seconds,
)
from accounts.services import safe_next
from kernel.errors import DomainError, RateLimited
from kernel.models import User
from kernel.workflow import record

AUTHENTICATOR_NAME = "Authenticator app"
PENDING_AUTHENTICATOR_NAME = "Authenticator app (being set up)"
RECOVERY_DEVICE_NAME = "Recovery codes"
RECOVERY_CODE_COUNT = 10
# The permissions that make an account staff even without the admin's is_staff flag.
STAFF_PERMISSIONS = ("reviews.moderate_review", "practitioners.verify_attestation")

AUTHENTICATOR_CODE = re.compile(r"^[0-9]{6}$")
# django-otp's StaticToken.random_token(): 8 characters of base32, stored in lower case.
RECOVERY_CODE = re.compile(r"^[a-z2-7]{8}$")
SEPARATORS = re.compile(r"[\s\-]+")


class CodeRefused(DomainError):
    code = "invalid_code"


class CodesPaused(RateLimited):
    """Too many wrong codes: ``retry_after`` says in how many seconds to try again."""

    def __init__(self, message: str, *, retry_after: int):
        super().__init__(message)
        self.retry_after = max(1, retry_after)


# --- Who ------------------------------------------------------------------------------


def requires_second_factor(user: User | None) -> bool:
    """Staff, superusers, and anyone holding a moderator's or verifier's permission."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if user.is_staff or user.is_superuser:
        return True
    return any(user.has_perm(permission) for permission in STAFF_PERMISSIONS)


def second_factor_passed(user: User | None) -> bool:
    """Whether this request's session passed the second factor (``OTPMiddleware`` says)."""
    return getattr(user, "otp_device", None) is not None


def authenticator_of(user: User) -> TOTPDevice | None:
    """The account's authenticator app, once its set-up was confirmed with a code."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("-pk").first()


def second_factor_url(user: User, next_url: str = "") -> str:
    """Where to finish signing in: the code page, or the set-up page for an account without
    an authenticator; ``next_url`` is where to go afterwards."""
    name = "two_factor:verify" if authenticator_of(user) else "two_factor:setup"
    url = reverse(name)
    if next_url := safe_next(next_url):
        url += "?" + urlencode({"next": next_url})
    return url


def second_factor_redirect(request: HttpRequest) -> HttpResponseRedirect:
    """Send a staff session that has not passed the second factor to finish signing in,
    then back to the page it asked for (a form's POST cannot be replayed: home instead)."""
    next_url = request.get_full_path() if request.method in ("GET", "HEAD") else ""
    return HttpResponseRedirect(second_factor_url(request.user, next_url))


# --- Codes typed at sign-in -----------------------------------------------------------


def normalize_code(code: str | None) -> str:
    """A code as typed, without spaces or hyphens, in lower case."""
    return SEPARATORS.sub("", code or "").lower()[:64]


def format_recovery_code(token: str) -> str:
    """``abcd2efg`` is shown as ``abcd-2efg``: easier to read out and to copy."""
    return f"{token[:4]}-{token[4:]}"


def _check_not_paused(user: User, address: str) -> None:
    minutes = max(1, window_seconds() // 60)
    if failure_count(code_account_key(user.pk)) >= failures_per_account():
        raise CodesPaused(
            "Too many wrong codes for this account. For your safety, code entry is paused "
            f"for {minutes} minutes. If you have lost your phone, use a recovery code after "
            "the pause, or ask an administrator to reset your two-step sign-in.",
            retry_after=window_seconds(),
        )
    if failure_count(address_key(address)) >= failures_per_address():
        raise CodesPaused(
            "Too many failed sign-ins from your network. Please wait "
            f"{minutes} minutes before trying again.",
            retry_after=window_seconds(),
        )


def _count_wrong_code(user: User, address: str) -> None:
    count_failure(code_account_key(user.pk))
    count_failure(address_key(address))


def _clear_wrong_codes(user: User) -> None:
    # As with passwords, the right code clears the account's count, not the address's.
    cache.delete(code_account_key(user.pk))


def _device_pause(device: TOTPDevice | StaticDevice) -> CodesPaused | None:
    """django-otp's back-off after consecutive wrong codes on one device, as an error."""
    allowed, details = device.verify_is_allowed()
    if allowed:
        return None
    seconds = 1
    if details and details.get("reason") == VerifyNotAllowed.N_FAILED_ATTEMPTS:
        locked_until: datetime = details["locked_until"]
        seconds = int((locked_until - timezone.now()).total_seconds()) + 1
    return CodesPaused(
        f"Too many wrong codes in a row. Wait {seconds} "
        f"second{'s' if seconds != 1 else ''} and try again.",
        retry_after=seconds,
    )


def second_factor_check(*, user: User, code: str, address: str) -> TOTPDevice | StaticDevice:
    """Check a code typed at sign-in and return the device that accepted it.

    Six digits are checked against the authenticator app (each code works once); eight
    letters and digits against the recovery codes (the one used is deleted). A malformed
    entry is explained and not counted; a wrong code is counted towards the pause.
    """
    _check_not_paused(user, address)
    token = normalize_code(code)
    if not token:
        raise CodeRefused(
            "Enter the 6-digit code from your authenticator app, or one of your recovery codes."
        )
    if AUTHENTICATOR_CODE.match(token):
        devices = TOTPDevice.objects.filter(user=user, confirmed=True).order_by("-pk")
    elif RECOVERY_CODE.match(token):
        devices = StaticDevice.objects.filter(user=user, confirmed=True).order_by("-pk")
    else:
        raise CodeRefused(
            "That is not a code we recognise. Codes from your authenticator app are 6 digits; "
            "recovery codes are 8 letters and digits, like abcd-2efg."
        )
    pause = None
    accepted = None
    # The device row is locked so that two requests cannot both use one code; a refused
    # code must still be counted, so nothing is raised inside the transaction.
    with transaction.atomic():
        device = devices.select_for_update().first()
        if device is not None:
            pause = _device_pause(device)
            if pause is None and device.verify_token(token):
                accepted = device
                if isinstance(device, StaticDevice):
                    record(
                        user,
                        action="account.recovery_code_used",
                        actor=user,
                        data={"codes_left": device.token_set.count()},
                    )
    if pause is not None:
        raise pause
    if accepted is None:
        _count_wrong_code(user, address)
        if RECOVERY_CODE.match(token):
            raise CodeRefused(
                "That recovery code is not right, or it was already used: each one works once."
            )
        raise CodeRefused(
            "That code is not right. Enter the code your authenticator app shows now; if it "
            "keeps failing, check that your phone's clock is set automatically."
        )
    _clear_wrong_codes(user)
    return accepted


# --- Setting up an authenticator ------------------------------------------------------


def authenticator_pending(user: User) -> TOTPDevice:
    """The authenticator being set up: one per account, kept until it is confirmed, so the
    QR code stays the same when the page is opened again."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()
    if device is None:
        device = TOTPDevice.objects.create(
            user=user, name=PENDING_AUTHENTICATOR_NAME, confirmed=False
        )
    return device


@dataclass(frozen=True)
class Provisioning:
    """What an authenticator app needs: a QR code, or the secret typed in by hand."""

    uri: str
    secret: str
    qr_svg: str

    @property
    def secret_groups(self) -> str:
        return " ".join(self.secret[i : i + 4] for i in range(0, len(self.secret), 4))


def provisioning(device: TOTPDevice) -> Provisioning:
    """The ``otpauth://`` address of ``device`` and its QR code, as inline SVG (the page may
    load nothing from elsewhere)."""
    uri = device.config_url
    qr = segno.make(uri, error="m")
    svg = qr.svg_inline(
        scale=4, border=4, dark="#000000", light="#ffffff", omitsize=True, svgclass="qr-code"
    )
    svg = svg.replace(
        "<svg ",
        '<svg role="img" aria-label="QR code to scan with your authenticator app" ',
        1,
    )
    secret = b32encode(device.bin_key).decode().rstrip("=")
    return Provisioning(uri=uri, secret=secret, qr_svg=svg)


@dataclass(frozen=True)
class Enrolment:
    device: TOTPDevice
    recovery_codes: list[str]
    replaced: bool


def authenticator_confirm(*, user: User, device_id: int, code: str, address: str) -> Enrolment:
    """Confirm the authenticator being set up with a code it shows, and make it the account's.

    A previous authenticator is removed (a new phone replaces the old one). The first
    time, recovery codes are issued and returned, to be shown once.
    """
    _check_not_paused(user, address)
    token = normalize_code(code)
    if not AUTHENTICATOR_CODE.match(token):
        raise CodeRefused("Enter the 6-digit code your authenticator app shows for this site.")
    enrolment = None
    with transaction.atomic():
        device = (
            TOTPDevice.objects.select_for_update()
            .filter(pk=device_id, user=user, confirmed=False)
            .first()
        )
        if device is None:
            raise CodeRefused(
                "This set-up was finished or replaced in another window. Open the set-up "
                "page again to continue."
            )
        pause = _device_pause(device)
        if pause is None and device.verify_token(token):
            replaced = TOTPDevice.objects.filter(user=user, confirmed=True).exists()
            TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
            device.confirmed = True
            device.name = AUTHENTICATOR_NAME
            device.save(update_fields=["confirmed", "name"])
            action = "replaced" if replaced else "added"
            record(user, action=f"account.authenticator_{action}", actor=user)
            codes = [] if recovery_codes_left(user) else recovery_codes_issue(user=user, actor=user)
            enrolment = Enrolment(device=device, recovery_codes=codes, replaced=replaced)
    if pause is not None:
        raise pause
    if enrolment is None:
        _count_wrong_code(user, address)
        raise CodeRefused(
            "That code is not right. Enter the code your app shows now for this site; if it "
            "keeps failing, check that your phone's clock is set automatically."
        )
    _clear_wrong_codes(user)
    return enrolment


# --- Recovery codes -------------------------------------------------------------------


def recovery_codes_left(user: User) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


@transaction.atomic
def recovery_codes_issue(*, user: User, actor: User | None) -> list[str]:
    """Replace the account's recovery codes with new ones and return them, to be shown once.

    Every earlier code stops working.
    """
    devices = list(StaticDevice.objects.select_for_update().filter(user=user).order_by("pk"))
    device = devices[0] if devices else StaticDevice(user=user)
    device.name = RECOVERY_DEVICE_NAME
    device.confirmed = True
    device.save()
    StaticDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    StaticToken.objects.filter(device=device).delete()
    tokens: set[str] = set()
    while len(tokens) < RECOVERY_CODE_COUNT:
        tokens.add(StaticToken.random_token())
    StaticToken.objects.bulk_create(StaticToken(device=device, token=token) for token in tokens)
    record(
        user,
        action="account.recovery_codes_issued",
        actor=actor,
        data={"count": RECOVERY_CODE_COUNT},
    )
    return sorted(format_recovery_code(token) for token in tokens)


# --- Reset ----------------------------------------------------------------------------


@transaction.atomic
def second_factor_reset(*, user: User, actor: User | None = None, actor_label: str = "") -> int:
    """Remove the account's authenticator and recovery codes (a lost or replaced phone).

    Sessions that passed the second factor with them lose it at their next request; at its
    next sign-in the account sets up a new authenticator. Returns how many devices went.
    """
    removed = TOTPDevice.objects.filter(user=user).delete()[1].get(TOTPDevice._meta.label, 0)
    removed += StaticDevice.objects.filter(user=user).delete()[1].get(StaticDevice._meta.label, 0)
    record(
        user,
        action="account.second_factor_reset",
        actor=actor,
        actor_label=actor_label,
        data={"devices_removed": removed},
    )
    return removed


def second_factor_erase(user: User) -> None:
    """Delete the account's authenticator secret and recovery codes (account deletion)."""
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()


# --- The current code (demo accounts and tests) ---------------------------------------


@dataclass(frozen=True)
class CurrentCode:
    code: str
    seconds_left: int
    is_next: bool


def current_code(device: TOTPDevice, *, at: float | None = None) -> CurrentCode:
    """The code ``device`` accepts now. If this time step's code was already used (each
    works once), the next step's, which is accepted already (one step of tolerance)."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    if at is not None:
        totp.time = at
    now = totp.time
    is_next = totp.t() <= device.last_t
    if is_next:
        totp.time = now + device.step
    seconds_left = device.step - int(now - device.t0) % device.step
    if is_next:
        seconds_left += device.step
    return CurrentCode(
        code=f"{totp.token():0{device.digits}d}", seconds_left=seconds_left, is_next=is_next
    )
