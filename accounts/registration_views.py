"""Patient sign-up, e-mail confirmation, and the password-reset views that use our queue."""

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from accounts.registration_forms import QueuedPasswordResetForm, SignupForm
from accounts.roles import signup_intent
from accounts.services import (
    VERIFY_MAX_AGE,
    account_signup,
    email_verify,
    mark_email_verified,
    safe_next,
    send_verification_email,
)
from kernel.errors import DomainError
from kernel.form_posts import post_form


@require_http_methods(["GET", "HEAD", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    next_url = safe_next(request.POST.get("next") or request.GET.get("next"))
    if request.user.is_authenticated:
        messages.info(request, f"You are already signed in as {request.user.display_name}.")
        return redirect(next_url or "home")
    form = SignupForm(request.POST or None)

    def sign_up(data: dict) -> None:
        account_signup(
            email=data["email"],
            password=data["password1"],
            display_name=data["display_name"],
            next_url=next_url,
            ip=request.META.get("REMOTE_ADDR"),
        )
        request.session["signup_email"] = data["email"]

    status = post_form(request, form, sign_up)
    if status is None:
        return redirect("signup_done")
    context = {"form": form, "next": next_url, "intent": signup_intent(next_url)}
    return render(request, "registration/signup.html", context, status=status)


@require_safe
def signup_done(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "registration/signup_done.html",
        {"email": request.session.get("signup_email", ""), "valid_days": VERIFY_MAX_AGE.days},
    )


@require_safe
def verify_email(request: HttpRequest, token: str) -> HttpResponse:
    """Follow a confirmation link: confirm the address, then continue (or sign in first)."""
    try:
        user, next_url = email_verify(token)
    except DomainError as error:
        return render(
            request,
            "registration/verify_email_failed.html",
            {"message": error.message},
            status=error.status,
        )
    messages.success(request, "Thank you: your e-mail address is confirmed.")
    if request.user.is_authenticated and request.user.pk == user.pk:
        return redirect(next_url or "reviews:mine")
    login_url = reverse("login")
    if next_url:
        login_url += "?" + urlencode({"next": next_url})
    messages.info(request, "Sign in to write your review.")
    return redirect(login_url)


@login_required
@require_POST
def resend_verification(request: HttpRequest) -> HttpResponse:
    next_url = safe_next(request.POST.get("next"))
    try:
        send_verification_email(request.user, next_url=next_url)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            "We sent a new confirmation link to your e-mail address. "
            f"It works for {VERIFY_MAX_AGE.days} days.",
        )
    return redirect(next_url or "reviews:mine")


class PasswordResetView(auth_views.PasswordResetView):
    form_class = QueuedPasswordResetForm


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """Setting a new password through the e-mailed link also confirms the address."""

    def form_valid(self, form):
        response = super().form_valid(form)
        mark_email_verified(form.user)
        return response
