"""Whole-page caching of anonymous pages and the cache generation that makes them stale."""

import json

import pytest
from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.test import RequestFactory, override_settings
from rest_framework import generics
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView

from kernel.caching import (
    GENERATION_KEY,
    bump_cache_generation,
    cache_generation,
    cache_public_page,
)
from partners.api.caching import CachedPublicReadsMixin, cached_api_response
from practitioners.tests.factories import PractitionerFactory

LOCAL_CACHE = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}


@pytest.fixture(autouse=True)
def page_cache():
    with override_settings(CACHES=LOCAL_CACHE, PAGE_CACHE_SECONDS=60):
        cache.clear()
        yield
        cache.clear()


class CountingView:
    """A view that says how many times it rendered."""

    def __init__(self, respond=None):
        self.calls = 0
        self.respond = respond

    def __call__(self, request):
        self.calls += 1
        if self.respond:
            return self.respond(request)
        return HttpResponse(f"render {self.calls}")


def get(path="/practitioners/?q=smith", **cookies):
    request = RequestFactory().get(path)
    request.COOKIES.update(cookies)
    return request


def test_an_anonymous_page_is_rendered_once_then_served_from_the_cache():
    view = CountingView()
    page = cache_public_page(view)

    first = page(get())
    second = page(get())

    assert view.calls == 1
    assert first.content == second.content == b"render 1"
    assert (first["X-Page-Cache"], second["X-Page-Cache"]) == ("miss", "hit")
    assert second["Vary"] == "Cookie"


def test_each_query_string_is_its_own_page():
    view = CountingView()
    page = cache_public_page(view)

    page(get("/practitioners/?q=smith"))
    page(get("/practitioners/?q=jones"))

    assert view.calls == 2


def test_a_signed_in_visitor_is_never_served_a_cached_page():
    view = CountingView()
    page = cache_public_page(view)
    page(get())

    response = page(get(**{settings.SESSION_COOKIE_NAME: "abc"}))

    assert view.calls == 2
    assert response.content == b"render 2"


def test_a_visitor_with_pending_messages_gets_a_fresh_page():
    view = CountingView()
    page = cache_public_page(view)
    page(get())

    page(get(messages="x"))

    assert view.calls == 2


def test_a_page_that_used_a_csrf_token_is_not_stored():
    def with_form(request):
        return HttpResponse(f"<input value='{get_token(request)}'>")

    view = CountingView(with_form)
    page = cache_public_page(view)

    page(get())
    page(get())

    assert view.calls == 2


def test_error_pages_are_not_stored():
    view = CountingView(lambda request: HttpResponse("missing", status=404))
    page = cache_public_page(view)

    page(get())
    page(get())

    assert view.calls == 2


def test_bumping_the_generation_makes_every_cached_page_stale():
    view = CountingView()
    page = cache_public_page(view)
    page(get())
    before = cache_generation()

    bump_cache_generation()
    response = page(get())

    assert cache_generation() == before + 1
    assert view.calls == 2
    assert response.content == b"render 2"


@pytest.mark.django_db
def test_saving_a_practitioner_bumps_the_generation_when_the_transaction_commits(
    django_capture_on_commit_callbacks,
):
    before = cache_generation()

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        PractitionerFactory()
        assert cache_generation() == before  # not before the commit

    assert callbacks
    assert cache_generation() > before


def test_a_lost_generation_starts_a_new_one_that_no_old_page_can_match():
    view = CountingView()
    page = cache_public_page(view)
    page(get())
    old = cache_generation()

    cache.delete(GENERATION_KEY)
    page(get())

    assert cache_generation() != old
    assert view.calls == 2


def test_nothing_is_cached_when_the_page_cache_is_off():
    view = CountingView()
    page = cache_public_page(view)

    with override_settings(PAGE_CACHE_SECONDS=0):
        page(get())
        page(get())

    assert view.calls == 2


def test_an_unreachable_cache_only_means_rendering_every_time(monkeypatch):
    view = CountingView()
    page = cache_public_page(view)
    # What cache_generation answers when the cache (ResilientRedisCache) reads as empty.
    monkeypatch.setattr("kernel.caching.cache_generation", lambda: None)

    assert page(get()).status_code == 200
    assert page(get()).status_code == 200
    assert view.calls == 2


class HeaderKey(BasePermission):
    """Stands in for the partner key check: only callers sending X-Key: good may read."""

    def has_permission(self, request, view):
        return request.headers.get("X-Key") == "good"


class PublicList(APIView):
    permission_classes = [HeaderKey]
    serializations = 0

    def get(self, request):
        return cached_api_response(request, self.serialize)

    def serialize(self):
        PublicList.serializations += 1
        return Response({"results": [{"id": 7, "name": "Zoë"}], "next": None})


def test_an_api_answer_is_serialized_once_and_served_as_the_same_json():
    PublicList.serializations = 0
    view = PublicList.as_view()

    first = view(RequestFactory().get("/api/v1/practitioners/", HTTP_X_KEY="good"))
    first.render()
    second = view(RequestFactory().get("/api/v1/practitioners/", HTTP_X_KEY="good"))

    assert PublicList.serializations == 1
    assert json.loads(second.content) == json.loads(first.content)
    assert second["Content-Type"] == "application/json"


def test_a_cached_api_answer_still_checks_every_caller():
    view = PublicList.as_view()
    view(RequestFactory().get("/api/v1/practitioners/", HTTP_X_KEY="good")).render()

    refused = view(RequestFactory().get("/api/v1/practitioners/", HTTP_X_KEY="bad"))

    assert refused.status_code == 403


def test_an_api_error_is_not_stored():
    calls = []

    def render():
        calls.append(1)
        return Response({"error": {"code": "invalid"}}, status=400)

    cached_api_response(get("/api/v1/practitioners/?radius_km=x"), render)
    cached_api_response(get("/api/v1/practitioners/?radius_km=x"), render)

    assert len(calls) == 2


class ProcedureList(CachedPublicReadsMixin, generics.ListAPIView):
    permission_classes = [HeaderKey]
    pagination_class = None

    def get_queryset(self):
        from practitioners.models import Procedure

        return Procedure.objects.order_by("slug")

    def get_serializer(self, queryset, many):
        return type("Slugs", (), {"data": [procedure.slug for procedure in queryset]})()


@pytest.mark.django_db
def test_a_generic_list_view_with_the_mixin_reads_the_database_once(
    django_assert_num_queries,
):
    view = ProcedureList.as_view()
    first = view(RequestFactory().get("/api/v1/procedures/", HTTP_X_KEY="good"))
    first.render()

    with django_assert_num_queries(0):
        second = view(RequestFactory().get("/api/v1/procedures/", HTTP_X_KEY="good"))

    assert json.loads(second.content) == json.loads(first.content)
    assert "microneedling" in json.loads(second.content)


def test_a_hit_reads_the_generation_and_the_page_together(monkeypatch):
    view = CountingView()
    page = cache_public_page(view)
    page(get())  # this process now knows the generation

    def separate_read():
        raise AssertionError("a hit under a known generation reads it with the page")

    monkeypatch.setattr("kernel.caching.cache_generation", separate_read)
    response = page(get())

    assert response["X-Page-Cache"] == "hit"
    assert view.calls == 1
