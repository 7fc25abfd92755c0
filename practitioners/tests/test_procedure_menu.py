"""The search form's procedure menu, kept in the cache under the page cache's generation."""

import re

import pytest
from django.core.cache import cache
from django.test import override_settings

from practitioners.tests.factories import ProcedureFactory

pytestmark = pytest.mark.django_db

LOCAL_CACHE = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}


@pytest.fixture(autouse=True)
def page_cache():
    with override_settings(CACHES=LOCAL_CACHE, PAGE_CACHE_SECONDS=60):
        cache.clear()
        yield
        cache.clear()


def menu(client, query: str) -> list[str]:
    """The procedure menu's option labels on the search page for ``?q=<query>``."""
    html = client.get("/practitioners/", {"q": query}).content.decode()
    select = re.search(r'<select id="filter-procedure".*?</select>', html, re.S).group(0)
    return re.findall(r"<option[^>]*>([^<]*)</option>", select)


def test_a_search_page_the_page_cache_missed_shows_the_same_menu_as_the_first(client):
    first = menu(client, "first")

    assert menu(client, "second") == first
    assert "Microneedling" in first


def test_a_procedure_added_or_renamed_is_in_the_menu_of_the_next_search(
    client, django_capture_on_commit_callbacks
):
    assert "Hydrafacial" not in menu(client, "before")

    with django_capture_on_commit_callbacks(execute=True):
        added = ProcedureFactory(slug="hydrafacial", name="Hydrafacial")
    assert "Hydrafacial" in menu(client, "after adding")

    with django_capture_on_commit_callbacks(execute=True):
        added.name = "HydraFacial MD"
        added.save()
    labels = menu(client, "after renaming")
    assert "HydraFacial MD" in labels
    assert "Hydrafacial" not in labels
