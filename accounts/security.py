"""Sign-in throttling: a few wrong passwords per account, and per address, then a pause.

Failures are counted in the cache with atomic operations (``add`` creates the counter with
its window, ``incr`` counts), so the limit holds across every server process when the
cache is Redis. The window is fixed: it starts at the first failure and ends
``LOGIN_THROTTLE_WINDOW`` seconds later. A correct password clears the account's count
but not the address's, so one person cannot unlock an address used to guess at many
accounts. If the cache is unavailable the counters read as zero and sign-in stays open
(see ``kernel.cache``): Argon2 still makes each guess slow.
"""

import hashlib
import logging

from django import forms
from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.views import LoginView
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect

from accounts.registration_views import PasswordResetView
from accounts.roles import signup_intent

logger = logging.getLogger(__name__)


def window_seconds() -> int:
    return settings.LOGIN_THROTTLE_WINDOW


def failures_per_account() -> int:
    return settings.LOGIN_FAILURES_PER_ACCOUNT


def failures_per_address() -> int:
    return settings.LOGIN_FAILURES_PER_ADDRESS


def _digest(value: str) -> str:
    # Keys hold a hash, never an e-mail address, so the cache holds nothing personal.
    return hashlib.sha256(value.encode()).hexdigest()[:32]


def account_key(email: str) -> str:
    return f"login-fail:account:{_digest(email.strip().lower())}"


def address_key(ip: str) -> str:
    return f"login-fail:address:{_digest(ip)}"


def code_account_key(user_id: int) -> str:
    """Wrong second-factor codes for one account (``accounts.second_factor``); wrong codes
    from an address count in ``address_key`` with wrong passwords."""
    return f"code-fail:account:{_digest(str(user_id))}"


def client_address(request: HttpRequest) -> str:
    """The client address (``ClientAddressMiddleware`` resolves it behind trusted proxies)."""
    return request.META.get("REMOTE_ADDR") or "unknown"


def failure_count(key: str) -> int:
    return int(cache.get(key) or 0)


def count_failure(key: str) -> int:
    """Add one failure to ``key`` atomically; the window starts with the first failure."""
    cache.add(key, 0, timeout=window_seconds())
    try:
        return cache.incr(key)
    except ValueError:
        # The counter expired between add and incr: this failure opens a new window.
        cache.add(key, 1, timeout=window_seconds())
        return 1


class LoginThrottleMixin:
    """Refuse to check a password once too many were wrong for the account or the address."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "throttled_account": (
            "Too many wrong passwords for this account. For your safety, sign-in is paused "
            "for %(minutes)d minutes. You can reset your password meanwhile."
        ),
        "throttled_address": (
            "Too many failed sign-ins from your network. Please wait %(minutes)d minutes "
            "before trying again."
        ),
    }

    throttled = False

    def clean(self):
        username = self.cleaned_data.get("username") or ""
        keys = [address_key(client_address(self.request))] if self.request else []
        if username:
            keys.insert(0, account_key(username))
            if failure_count(account_key(username)) >= failures_per_account():
                self._refuse("throttled_account")
        if self.request and failure_count(keys[-1]) >= failures_per_address():
            self._refuse("throttled_address")
        try:
            # Raises only when a complete e-mail and password pair was checked and refused.
            cleaned = super().clean()
        except forms.ValidationError:
            for key in keys:
                count_failure(key)
            raise
        if username:
            cache.delete(account_key(username))
        return cleaned

    def _refuse(self, code: str) -> None:
        self.throttled = True
        raise forms.ValidationError(
            self.error_messages[code],
            code=code,
            params={"minutes": max(1, window_seconds() // 60)},
        )


class ThrottledAuthenticationForm(LoginThrottleMixin, AuthenticationForm):
    """Django's sign-in form, throttled."""


class ThrottledAdminAuthenticationForm(LoginThrottleMixin, AdminAuthenticationForm):
    """The admin's sign-in form, throttled with the same counters: no way around the limit."""

    error_messages = {
        **AdminAuthenticationForm.error_messages,
        **{
            code: message
            for code, message in LoginThrottleMixin.error_messages.items()
            if code.startswith("throttled")
        },
    }


class ThrottledLoginView(LoginView):
    """The sign-in page; answers 429 while sign-in is paused for the account or address."""

    form_class = ThrottledAuthenticationForm

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        # "Create an account to …": claiming a profile, or writing reviews.
        context["intent"] = signup_intent(context.get("next"))
        return context

    def form_invalid(self, form: ThrottledAuthenticationForm) -> HttpResponse:
        response = super().form_invalid(form)
        if form.throttled:
            response.status_code = 429
            response["Retry-After"] = str(window_seconds())
        return response


DEFAULT_RESETS_PER_ACCOUNT = 3
DEFAULT_RESETS_PER_ADDRESS = 10
RESET_WINDOW_SECONDS = 60 * 60


def reset_account_key(email: str) -> str:
    return f"reset:account:{_digest(email.strip().lower())}"


def reset_address_key(ip: str) -> str:
    return f"reset:address:{_digest(ip)}"


def count_in_window(key: str, seconds: int) -> int:
    cache.add(key, 0, timeout=seconds)
    try:
        return cache.incr(key)
    except ValueError:
        cache.add(key, 1, timeout=seconds)
        return 1


class ThrottledPasswordResetView(PasswordResetView):
    """Password reset that cannot be used to flood someone's inbox.

    At most 3 reset e-mails an hour to one address and 10 requests an hour from one
    network address. Over the limit the page answers exactly as usual — "if an account
    exists, we sent a link" — so it reveals nothing, and no e-mail is sent.
    """

    def form_valid(self, form):
        email = form.cleaned_data["email"]
        per_account = count_in_window(reset_account_key(email), RESET_WINDOW_SECONDS)
        per_address = count_in_window(
            reset_address_key(client_address(self.request)), RESET_WINDOW_SECONDS
        )
        if per_account > getattr(
            settings, "PASSWORD_RESETS_PER_ACCOUNT", DEFAULT_RESETS_PER_ACCOUNT
        ) or per_address > getattr(
            settings, "PASSWORD_RESETS_PER_ADDRESS", DEFAULT_RESETS_PER_ADDRESS
        ):
            logger.warning("Password reset throttled for one address (no e-mail sent)")
            return HttpResponseRedirect(self.get_success_url())
        return super().form_valid(form)
