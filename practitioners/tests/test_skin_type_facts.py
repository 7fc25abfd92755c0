"""What a patient who searched by Fitzpatrick skin type learns: on each card, on the profile's
table of types I to VI, and in the reviews the profile opens with — each under the threshold."""

import datetime
import re
from html import unescape

import pytest
from django.utils import timezone

from directory.tests.factories import UserFactory
from listings.skin_types import skin_type_facts, skin_type_table
from practitioners.tests.factories import ClinicFactory, PractitionerFactory
from reviews.summaries import refresh_summary
from reviews.tests.factories import ComplicationFactory, ReviewFactory

pytestmark = pytest.mark.django_db

AUSTIN = {"city": "Austin", "region": "TX", "latitude": 30.2672, "longitude": -97.7431}


@pytest.fixture(autouse=True)
def no_page_cache(settings):
    settings.PAGE_CACHE_SECONDS = 0


def months_ago(n: int) -> datetime.date:
    day = timezone.localdate().replace(day=1)
    for _ in range(n):
        day = (day - datetime.timedelta(days=1)).replace(day=1)
    return day


def practitioner(last="Lee", slug=None):
    return PractitionerFactory(
        first_name="Ann",
        last_name=last,
        slug=slug or f"ann-{last.lower()}",
        clinic=ClinicFactory(**AUSTIN),
    )


def publish(who, skin_type, n=1, *, complications=(), months_back=1, title=None):
    """``n`` published reviews from patients of ``skin_type``; the first ones report
    ``complications`` (one (type, severity) per review), then the summary is recounted."""
    complications = list(complications)
    for i in range(n):
        review = ReviewFactory(
            practitioner=who,
            author=UserFactory(),
            published=True,
            skin_type=skin_type,
            treatment_month=months_back_month(months_back + i),
            published_at=timezone.now() - datetime.timedelta(days=months_back + i),
            title=title or f"Type {skin_type} review {i + 1}",
        )
        if i < len(complications):
            kind, severity = complications[i]
            ComplicationFactory(review=review, type=kind, severity=severity)
    refresh_summary(who.pk)


def months_back_month(n: int) -> datetime.date:
    return months_ago(n)


def text(response) -> str:
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode())))


def card_text(response, name: str) -> str:
    html = response.content.decode()
    cards = re.findall(
        r'<li class="card result">.*?</li>\s*(?=<li class="card result">|</ol>)', html, re.S
    )
    matching = [card for card in cards if name in card]
    assert matching, f"no card for {name}"
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", matching[0]))).strip()


# The rule itself.


def test_below_the_threshold_a_type_shows_what_was_reported_but_no_share():
    facts = skin_type_facts(
        {
            "V": {
                "reviews": 3,
                "with_complication": 1,
                "severe": 0,
                "complications": {"hyperpigmentation": 1},
            }
        },
        "V",
    )

    assert facts.label == "Type V"
    assert facts.review_count == 3
    assert not facts.has_figures
    assert facts.complication_share is None
    assert facts.reported == (("Hyperpigmentation", 1),)
    assert not facts.reports_nothing  # three quiet reviews are no reassurance


def test_from_the_threshold_a_type_has_a_share_and_may_say_nothing_was_reported():
    by_type = {
        "II": {"reviews": 5, "with_complication": 0, "severe": 0, "complications": {}},
        "V": {
            "reviews": 8,
            "with_complication": 2,
            "severe": 1,
            "complications": {"infection": 1, "hyperpigmentation": 2},
        },
    }

    quiet, reported = skin_type_facts(by_type, "II"), skin_type_facts(by_type, "V")

    assert quiet.has_figures
    assert quiet.reports_nothing
    assert reported.complication_share == 0.25
    assert reported.reported == (("Hyperpigmentation", 2), ("Infection", 1))
    assert reported.severe_count == 1


def test_the_table_has_one_row_per_type_i_to_vi_even_without_reviews():
    rows = skin_type_table({"IV": {"reviews": 2}})

    assert [row.label for row in rows] == [f"Type {t}" for t in ("I", "II", "III", "IV", "V", "VI")]
    assert [row.review_count for row in rows] == [0, 0, 0, 2, 0, 0]


# The search cards.


def test_a_card_says_how_many_reviews_came_from_the_searched_type_and_what_they_reported(client):
    few = practitioner("Few")
    publish(few, "V", 3, complications=[("hyperpigmentation", "moderate")])
    publish(few, "II", 4)
    enough = practitioner("Enough")
    publish(enough, "V", 5, complications=[("hyperpigmentation", "mild")])

    response = client.get("/practitioners/?skin_type=V")

    assert (
        "Type V: 3 reviews, 1 reported hyperpigmentation — too few for figures (5 needed). "
        in card_text(response, "Ann Few")
    )
    assert (
        "Type V: 5 reviews, 1 (20%) reported a complication: 1 hyperpigmentation; none severe. "
        in card_text(response, "Ann Enough")
    )


def test_a_card_below_the_threshold_never_reassures(client):
    quiet = practitioner("Quiet")
    publish(quiet, "VI", 2)

    card = card_text(client.get("/practitioners/?skin_type=VI"), "Ann Quiet")

    assert "Type VI: 2 reviews — too few for figures (5 needed). Not verified" in card
    assert "none" not in card.lower()


def test_a_card_matched_by_an_old_review_says_there_are_none_from_that_type_lately(client):
    old = practitioner("Old")
    publish(old, "IV", 1, months_back=30)

    card = card_text(client.get("/practitioners/?skin_type=IV"), "Ann Old")

    assert "Type IV: no reviews in the last 24 months. Not verified" in card


def test_without_a_skin_type_the_cards_say_nothing_about_types(client):
    publish(practitioner("Lee"), "V", 3)

    assert "Type V" not in text(client.get("/practitioners/"))


def test_a_card_links_to_the_profile_carrying_the_skin_type(client):
    publish(practitioner("Lee"), "V", 1)

    html = client.get("/practitioners/?skin_type=V").content.decode()

    assert '<a href="/practitioners/ann-lee/?skin_type=V">Ann Lee</a>' in html


@pytest.mark.parametrize("size", [2, 25])
def test_the_skin_type_search_runs_a_constant_number_of_queries(
    client, django_assert_num_queries, size
):
    for n in range(size):
        publish(practitioner(f"Lee{n:02d}"), "V", 1, complications=[("infection", "mild")])

    # 1 the page with clinic and summary (which holds every type's counts), 2 procedures,
    # 3 the procedure list of the filter form: no query per card.
    with django_assert_num_queries(3):
        response = client.get("/practitioners/?skin_type=V")

    assert text(response).count("Type V: 1 review") == min(size, 20)


# The profile.


def test_the_profile_opened_from_a_skin_type_search_shows_only_that_types_reviews(client):
    who = practitioner("Lee")
    publish(who, "V", 2, title="From type V")
    publish(who, "II", 2, months_back=5, title="From type II")

    response = client.get("/practitioners/ann-lee/?skin_type=V")
    page = text(response)

    assert response.status_code == 200
    titles = re.findall(r'class="review-title">([^<]+)</h3>', response.content.decode())
    assert titles == ["From type V", "From type V"]
    assert "Showing reviews from skin type V only. Show all reviews" in page
    assert 'href="/practitioners/ann-lee/#reviews">Show all reviews' in response.content.decode()


def test_the_profile_table_applies_the_threshold_to_each_type_on_its_own(client):
    who = practitioner("Lee")
    publish(who, "II", 5)
    publish(who, "V", 3, months_back=7, complications=[("hyperpigmentation", "severe")])

    page = text(client.get("/practitioners/ann-lee/"))
    table = page[page.index("Reviews and patient-reported complications by skin type") :]

    assert "Type I 0 — —" in table
    assert "Type II reviews 5 None 0" in table
    assert "Type V reviews 3 Too few for figures (3 of 5 needed) Hyperpigmentation: 1 1" in table


def test_the_darker_skin_tile_does_not_hide_a_report_below_the_threshold(client):
    who = practitioner("Lee")
    publish(who, "III", 3)
    publish(who, "V", 3, months_back=4, complications=[("hyperpigmentation", "moderate")])

    page = text(client.get("/practitioners/ann-lee/"))
    tile = page[page.index("Hyperpigmentation among skin types IV\u2013VI") :][:200]

    assert "Too few reviews for a share" in tile
    assert "3 of 5 needed; 1 of 3 reported it" in tile
    assert "%" not in tile
