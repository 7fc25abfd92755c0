"""/docs/: the project's published documents (``directory.docs.PUBLISHED``) as pages."""

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.views.decorators.http import require_safe

from directory.docs import PUBLISHED, published_doc, rendered_doc

app_name = "docs"


@require_safe
def index(request: HttpRequest) -> HttpResponse:
    return render(request, "docs/index.html", {"docs": PUBLISHED})


@require_safe
def page(request: HttpRequest, slug: str) -> HttpResponse:
    doc = published_doc(slug)
    if doc is None:
        raise Http404("There is no document at this address.")
    return render(
        request, "docs/page.html", {"page": rendered_doc(doc), "docs": PUBLISHED, "current": doc}
    )


urlpatterns = [
    path("", index, name="index"),
    path("<slug:slug>/", page, name="page"),
]
