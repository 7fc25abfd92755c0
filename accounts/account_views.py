"""A signed-in member's own data: see what is kept, download it, delete the account."""

import json

from django import forms
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from accounts import privacy
from kernel.errors import DomainError

app_name = "account"


class AccountDeleteForm(forms.Form):
    password = forms.CharField(
        label="Your password",
        strip=False,
        max_length=4096,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    confirm = forms.BooleanField(
        label="I understand that my reviews will be withdrawn and erased, and that this "
        "cannot be undone.",
    )


@never_cache
@login_required
@require_safe
def data_overview(request: HttpRequest) -> HttpResponse:
    return render(request, "account/data.html")


@never_cache
@login_required
@require_safe
def data_download(request: HttpRequest) -> HttpResponse:
    """Everything stored about the signed-in account, as a JSON file."""
    payload = json.dumps(privacy.account_export(request.user), indent=2, ensure_ascii=False)
    response = HttpResponse(payload, content_type="application/json; charset=utf-8")
    filename = f"my-data-{timezone.localdate():%Y-%m-%d}.json"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def account_delete(request: HttpRequest) -> HttpResponse:
    form = AccountDeleteForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                privacy.account_delete(user=request.user, password=form.cleaned_data["password"])
            except DomainError as error:
                form.add_error("password", error.message)
                status = error.status
            else:
                logout(request)
                messages.success(
                    request,
                    "Your account has been deleted and your reviews withdrawn and erased.",
                )
                return redirect("home")
        else:
            status = 400
    return render(request, "account/delete.html", {"form": form}, status=status)


urlpatterns = [
    path("data/", data_overview, name="data"),
    path("data/download/", data_download, name="data_download"),
    path("delete/", account_delete, name="delete"),
]
