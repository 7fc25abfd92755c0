"""The browsable API reference at /api/docs/: Swagger UI served from our own static files."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe


@require_safe
def api_docs(request: HttpRequest) -> HttpResponse:
    return render(request, "partners/api_docs.html")
