"""A page whose form, once POSTed and valid, calls one service: the part every such view shares."""

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest

from kernel.errors import DomainError


def post_form(
    request: HttpRequest,
    form: forms.Form,
    service: Callable[[dict[str, Any]], object],
    *,
    success: str | Callable[[dict[str, Any]], str] | None = None,
) -> int | None:
    """Run ``service(cleaned_data)`` for a valid POST; None once it succeeded, else a status.

    On success the ``success`` message (or its function of the cleaned data), if any, is
    queued and the caller redirects. Otherwise the page is rendered again with the status returned:
    200 for a GET, 400 for an invalid form, and a refusal's own status with its message
    shown on the form.
    """
    if request.method != "POST":
        return 200
    if not form.is_valid():
        return 400
    try:
        service(form.cleaned_data)
    except DomainError as error:
        form.add_error(None, error.message)
        return error.status
    if success is not None:
        messages.success(request, success(form.cleaned_data) if callable(success) else success)
    return None
