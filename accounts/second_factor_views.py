"""/accounts/two-factor/…: staff finish signing in with a code, set up an authenticator app,
and keep their recovery codes.

The rules live in ``accounts.second_factor``; these views only ask and answer. Codes are
never logged with the request (``sensitive_post_parameters``) and no page is cached.
"""

from collections.abc import Callable
from functools import wraps

import django_otp
from django import forms
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_safe
from django_otp.plugins.otp_static.models import StaticDevice

from accounts.second_factor import (
    CodesPaused,
    authenticator_confirm,
    authenticator_of,
    authenticator_pending,
    provisioning,
    recovery_codes_issue,
    recovery_codes_left,
    requires_second_factor,
    second_factor_check,
    second_factor_passed,
    second_factor_redirect,
    second_factor_url,
)
from accounts.security import client_address
from accounts.services import safe_next
from kernel.errors import DomainError

app_name = "two_factor"

# The recovery codes just made, kept in the session only until the member says they have
# saved them: the page, the download and the print-out read them from there.
FRESH_CODES_KEY = "two_factor_fresh_codes"


class CodeForm(forms.Form):
    code = forms.CharField(
        label="Code",
        max_length=64,
        error_messages={
            "required": "Enter the 6-digit code from your authenticator app, or a recovery code.",
            "max_length": "That is too long for a code.",
        },
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "autocapitalize": "none",
                "spellcheck": "false",
                "autofocus": True,
                "class": "code-input",
            }
        ),
    )


class SetupForm(forms.Form):
    device = forms.IntegerField(widget=forms.HiddenInput)
    code = forms.CharField(
        label="6-digit code from the app",
        max_length=64,
        error_messages={"required": "Enter the 6-digit code your authenticator app shows."},
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "class": "code-input",
            }
        ),
    )


def _next(request: HttpRequest) -> str:
    return safe_next(request.POST.get("next") or request.GET.get("next"))


def _with_next(url: str, next_url: str) -> str:
    return f"{url}?{urlencode({'next': next_url})}" if next_url else url


def staff_second_factor_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Signed-in staff whose session passed the second factor; others are sent to sign in,
    refused (not staff) or sent to pass it."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not requires_second_factor(request.user):
            return not_needed(request)
        if not second_factor_passed(request.user):
            return second_factor_redirect(request)
        return view(request, *args, **kwargs)

    return wrapped


def not_needed(request: HttpRequest) -> HttpResponse:
    """403: the second-factor pages are for staff; say so instead of a bare refusal."""
    return render(request, "two_factor/not_needed.html", status=403)


def _refused(form: forms.Form, error: DomainError) -> tuple[int, dict[str, str]]:
    """Put a refusal on the code field; return the status and headers to answer with."""
    form.add_error("code", error.message)
    if isinstance(error, CodesPaused):
        return 429, {"Retry-After": str(error.retry_after)}
    return error.status, {}


def _render(request, template, context, status=200, headers=None) -> HttpResponse:
    response = render(request, template, context, status=status)
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def _finish_sign_in(request: HttpRequest, device) -> None:
    """Mark the session as having passed the second factor, under a new session key."""
    django_otp.login(request, device)
    request.session.cycle_key()


@never_cache
@sensitive_post_parameters("code")
@require_http_methods(["GET", "HEAD", "POST"])
def verify(request: HttpRequest) -> HttpResponse:
    """The second step of signing in: a code from the authenticator app or a recovery code."""
    next_url = _next(request)
    user = request.user
    if not user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not requires_second_factor(user) or second_factor_passed(user):
        return redirect(next_url or "home")
    if authenticator_of(user) is None:
        return redirect(second_factor_url(user, next_url))
    form = CodeForm(request.POST or None)
    status, headers = 200, {}
    if request.method == "POST":
        if form.is_valid():
            try:
                device = second_factor_check(
                    user=user, code=form.cleaned_data["code"], address=client_address(request)
                )
            except DomainError as error:
                status, headers = _refused(form, error)
            else:
                _finish_sign_in(request, device)
                if isinstance(device, StaticDevice):
                    left = recovery_codes_left(user)
                    messages.warning(
                        request,
                        f"You signed in with a recovery code; it will not work again. "
                        f"{left} recovery code{'s' if left != 1 else ''} left. If you have "
                        "lost your phone, set up a new authenticator app now.",
                    )
                    return redirect(_with_next(reverse("two_factor:overview"), next_url))
                return redirect(next_url or "home")
        else:
            status = 400
    return _render(
        request,
        "two_factor/verify.html",
        {"form": form, "next": next_url, "pending": True},
        status=status,
        headers=headers,
    )


@never_cache
@sensitive_post_parameters("code")
@require_http_methods(["GET", "HEAD", "POST"])
def setup(request: HttpRequest) -> HttpResponse:
    """Set up an authenticator app: scan the QR code (or type the secret), confirm a code.

    An account that has one already must pass the second factor with it before replacing
    it, so a password alone can never swap in an attacker's phone.
    """
    next_url = _next(request)
    user = request.user
    if not user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not requires_second_factor(user):
        return not_needed(request)
    current = authenticator_of(user)
    if current is not None and not second_factor_passed(user):
        return redirect(second_factor_url(user, next_url))
    device = authenticator_pending(user)
    # The code form's POST handling, as in verify: each ends its success differently.
    form = SetupForm(request.POST or None)
    status, headers = 200, {}
    if request.method == "POST":
        if form.is_valid():
            try:
                enrolment = authenticator_confirm(
                    user=user,
                    device_id=form.cleaned_data["device"],
                    code=form.cleaned_data["code"],
                    address=client_address(request),
                )
            except DomainError as error:
                status, headers = _refused(form, error)
                # Finished in another window meanwhile: show the set-up as it is now.
                device = authenticator_pending(user)
            else:
                _finish_sign_in(request, enrolment.device)
                if enrolment.recovery_codes:
                    request.session[FRESH_CODES_KEY] = enrolment.recovery_codes
                    messages.success(request, "Your authenticator app is set up.")
                    return redirect(_with_next(reverse("two_factor:recovery_codes"), next_url))
                messages.success(
                    request,
                    "Your new authenticator app is set up; codes from the old one no longer work.",
                )
                return redirect(next_url or "two_factor:overview")
        else:
            status = 400
    return _render(
        request,
        "two_factor/setup.html",
        {
            "form": form,
            "next": next_url,
            "device": device,
            "provisioning": provisioning(device),
            "replacing": current is not None,
            "pending": current is None,
        },
        status=status,
        headers=headers,
    )


@never_cache
@staff_second_factor_required
@require_http_methods(["GET", "HEAD", "POST"])
def recovery_codes(request: HttpRequest) -> HttpResponse:
    """New recovery codes, shown until the member says they have saved them; or how many
    are left, with a way to replace them all."""
    next_url = _next(request)
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "regenerate":
            request.session[FRESH_CODES_KEY] = recovery_codes_issue(
                user=request.user, actor=request.user
            )
            messages.success(
                request, "Your new recovery codes are ready; the old ones no longer work."
            )
            return redirect(_with_next(reverse("two_factor:recovery_codes"), next_url))
        if action == "saved":
            request.session.pop(FRESH_CODES_KEY, None)
            return redirect(next_url or "two_factor:overview")
        messages.error(request, "Choose one of the buttons on this page.")
        return redirect(_with_next(reverse("two_factor:recovery_codes"), next_url))
    return render(
        request,
        "two_factor/recovery_codes.html",
        {
            "codes": request.session.get(FRESH_CODES_KEY),
            "left": recovery_codes_left(request.user),
            "next": next_url,
        },
    )


@never_cache
@staff_second_factor_required
@require_safe
def recovery_codes_download(request: HttpRequest) -> HttpResponse:
    """The codes just made, as a text file to keep (only while they are on the screen)."""
    codes = request.session.get(FRESH_CODES_KEY)
    if not codes:
        messages.info(
            request,
            "Recovery codes can be downloaded only while they are shown, just after they are "
            "made. Make new ones if you have lost yours.",
        )
        return redirect("two_factor:recovery_codes")
    text = render(
        request,
        "two_factor/recovery_codes.txt",
        {"codes": codes, "made": timezone.localtime()},
        content_type="text/plain; charset=utf-8",
    )
    text["Content-Disposition"] = 'attachment; filename="recovery-codes.txt"'
    return text


@never_cache
@staff_second_factor_required
@require_safe
def overview(request: HttpRequest) -> HttpResponse:
    """Two-step sign-in for a staff account: its authenticator app and recovery codes."""
    return render(
        request,
        "two_factor/overview.html",
        {
            "authenticator": authenticator_of(request.user),
            "left": recovery_codes_left(request.user),
            "next": _next(request),
        },
    )


urlpatterns = [
    path("", overview, name="overview"),
    path("verify/", verify, name="verify"),
    path("setup/", setup, name="setup"),
    path("recovery-codes/", recovery_codes, name="recovery_codes"),
    path("recovery-codes/download/", recovery_codes_download, name="recovery_codes_download"),
]
