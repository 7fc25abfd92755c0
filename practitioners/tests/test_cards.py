"""Search result cards cached under what they show: reused by new searches, never stale."""

import datetime
import re

import pytest
import time_machine
from django.core.cache import cache
from django.utils import timezone

from listings import cards
from listings.selectors import practitioner_list
from practitioners.tests.test_search import make, names, review, search, text, verify


@pytest.fixture(autouse=True)
def card_cache_on(settings):
    settings.PAGE_CACHE_SECONDS = 0
    settings.CARD_CACHE_SECONDS = 3600
    cache.clear()
    yield
    cache.clear()


def card_of(response, name: str) -> str:
    """The text of one practitioner's card on a search page."""
    page = text(response)
    start = page.index(name)
    return page[start : start + 300]


@pytest.mark.django_db
def test_a_card_shown_by_one_search_is_reused_by_a_different_search(client):
    ann = make("Ann", "Lee", clinic="Glow Clinic")

    first = search(client, "profession=")
    as_listed = practitioner_list().get(pk=ann.pk)
    cached = cache.get(cards.card_key(as_listed, timezone.localdate()))
    second = search(client, "sort=reviews")

    assert names(first) == names(second) == ["Ann Lee"]
    assert cached is not None
    assert "Glow Clinic" in cached
    assert cached in second.content.decode()


@pytest.mark.django_db
def test_a_cached_card_shows_the_new_review_count_once_a_review_is_published(client):
    ann = make("Ann", "Lee")
    review(ann, count=5)
    assert "5 reviews" in card_of(search(client), "Ann Lee")

    review(ann, count=1)

    assert "6 reviews" in card_of(search(client, "sort=rating"), "Ann Lee")


@pytest.mark.django_db
def test_a_cached_card_drops_the_verified_badge_the_day_after_it_lapses(client):
    ann = make("Ann", "Lee")
    verify(ann)
    ann.refresh_from_db()
    last_day = ann.verified_through

    with time_machine.travel(datetime.datetime.combine(last_day, datetime.time(12)), tick=False):
        assert "Not verified" not in card_of(search(client), "Ann Lee")
    with time_machine.travel(
        datetime.datetime.combine(last_day + datetime.timedelta(days=1), datetime.time(12)),
        tick=False,
    ):
        assert "Not verified" in card_of(search(client), "Ann Lee")


@pytest.mark.django_db
def test_a_card_shows_its_distance_from_each_search_s_own_place(client):
    make("Ann", "Lee")  # in Austin

    near_austin = card_of(search(client, "near=Austin"), "Ann Lee")
    near_round_rock = card_of(search(client, "near=Round+Rock&radius_km=50"), "Ann Lee")

    assert re.search(r"\b0 mi away", near_austin)
    assert re.search(r"\b[1-9]\d* mi away", near_round_rock)


@pytest.mark.django_db
def test_cached_cards_cost_no_query_and_a_new_search_the_same_queries(
    client, django_assert_num_queries
):
    for n in range(3):
        make("Ann", f"Lee{n}")
    search(client, "verified=")  # cards cached

    # 1 the page of practitioners, 2 their procedures, 3 the procedure list.
    with django_assert_num_queries(3):
        response = search(client, "sort=reviews")

    assert len(names(response)) == 3
