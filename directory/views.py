"""Site-wide pages: the home page, the health check, the policy and transparency pages."""

from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from listings.transparency import cached_transparency_figures
from practitioners.models import Procedure
from reviews.policy import policy_reasons


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    procedures = Procedure.objects.filter(is_active=True).only("slug", "name")
    return render(request, "directory/home.html", {"procedures": procedures})


@never_cache
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    """200 when the database answers a query, 503 otherwise."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:
        return JsonResponse({"status": "unavailable", "database": "down"}, status=503)
    return JsonResponse({"status": "ok"})


@require_safe
def moderation_policy(request: HttpRequest) -> HttpResponse:
    return render(request, "reviews/policy.html", {"reasons": policy_reasons()})


@require_safe
def transparency(request: HttpRequest) -> HttpResponse:
    """Live figures of the last 12 months, recounted from the audit record."""
    return render(
        request, "directory/transparency.html", {"figures": cached_transparency_figures()}
    )
