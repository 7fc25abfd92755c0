"""Public practitioner pages."""

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from practitioners import selectors
from practitioners.badges import badge_for

PAGE_SIZE = 20


@require_safe
def practitioner_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.practitioner_list(), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "practitioners/list.html", {"page": page})


@require_safe
def practitioner_detail(request: HttpRequest, slug: str) -> HttpResponse:
    practitioner = selectors.practitioner_profile(slug)
    return render(
        request,
        "practitioners/detail.html",
        {"practitioner": practitioner, "badge": badge_for(practitioner)},
    )
