"""The search at /practitioners/: every docs/product.md filter, its messages, and its cost."""

import datetime
import re
from html import unescape

import pytest
from django.conf import settings
from django.http import QueryDict
from django.utils import timezone

from directory.tests.factories import UserFactory
from listings.filters import PractitionerFilterSet
from listings.selectors import practitioner_list
from practitioners.badges import refresh_badge
from practitioners.tests.factories import (
    AttestationFactory,
    ClinicFactory,
    PractitionerFactory,
    procedure,
)
from reviews.summaries import refresh_summary
from reviews.tests.factories import ComplicationFactory, ReviewFactory

AUSTIN = {"city": "Austin", "region": "TX", "latitude": 30.2672, "longitude": -97.7431}
needs_postgres = pytest.mark.skipif(
    not settings.IS_POSTGRES, reason="full-text and trigram search run on PostgreSQL only"
)
ROUND_ROCK = {"city": "Round Rock", "region": "TX", "latitude": 30.5083, "longitude": -97.6789}
DALLAS = {"city": "Dallas", "region": "TX", "latitude": 32.7767, "longitude": -96.7970}


@pytest.fixture(autouse=True)
def no_page_cache(settings):
    settings.PAGE_CACHE_SECONDS = 0


def make(first="Ann", last="Lee", *, where=AUSTIN, clinic="Clear Skin Clinic", **kwargs):
    return PractitionerFactory(
        first_name=first, last_name=last, clinic=ClinicFactory(name=clinic, **where), **kwargs
    )


def verify(practitioner):
    AttestationFactory(practitioner=practitioner, verified=True)
    AttestationFactory(practitioner=practitioner, verified=True, sterilization=True)
    refresh_badge(practitioner.pk)


def review(practitioner, *, rating=4, skin_type="III", complications=(), count=1, author=None):
    """``count`` published reviews by one patient (a month apart), then the summary refresh."""
    author = author or UserFactory()
    for n in range(count):
        month = timezone.localdate().replace(day=1) - datetime.timedelta(days=31 * n + 1)
        published = ReviewFactory(
            practitioner=practitioner,
            author=author,
            published=True,
            rating=rating,
            skin_type=skin_type,
            treatment_month=month.replace(day=1),
        )
        for kind, severity in complications:
            ComplicationFactory(review=published, type=kind, severity=severity)
    refresh_summary(practitioner.pk)


def names(response) -> list[str]:
    """The practitioners listed, in order, as a patient reads them."""
    html = response.content.decode()
    return [
        unescape(name)
        for name in re.findall(r'class="result-name"><a href="[^"]+">([^<]+)</a>', html)
    ]


def text(response) -> str:
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode())))


def search(client, query=""):
    return client.get(f"/practitioners/?{query}")


@pytest.mark.django_db
def test_the_search_lists_practitioners_with_clinic_city_and_badge(client):
    ann = make("Ann", "Lee", clinic="Glow Clinic")
    verify(ann)
    make("Bob", "Ray", where=DALLAS)

    response = search(client)

    assert response.status_code == 200
    assert set(names(response)) == {"Ann Lee", "Bob Ray"}
    page = text(response)
    assert "Glow Clinic, Austin, TX" in page
    assert "Verified" in page
    assert "Not verified" in page


@pytest.mark.django_db
@pytest.mark.parametrize("query", ["q=lee", "q=LEE", "q=glow", "q=austin", "q=ann+austin"])
def test_text_search_matches_name_clinic_and_city(client, query):
    make("Ann", "Lee", clinic="Glow Clinic")
    make("Bob", "Ray", where=DALLAS, clinic="Dermis House")

    assert names(search(client, query)) == ["Ann Lee"]


@pytest.mark.django_db
def test_every_word_of_a_text_search_must_match(client):
    make("Ann", "Lee")
    make("Ann", "Ray", where=DALLAS)

    assert names(search(client, "q=ann+dallas")) == ["Ann Ray"]


@needs_postgres
@pytest.mark.django_db
def test_on_postgresql_a_small_typo_still_finds_the_practitioner(client):
    make("Ann", "Johnson")
    make("Bob", "Ray", where=DALLAS)

    assert names(search(client, "q=johnsen")) == ["Ann Johnson"]
    assert names(search(client, "q=austn")) == ["Ann Johnson"]


@needs_postgres
@pytest.mark.django_db
def test_on_postgresql_accents_do_not_matter_either_way(client):
    make("José", "Núñez", clinic="Clínica Bella")

    assert names(search(client, "q=jose+nunez")) == ["José Núñez"]
    assert names(search(client, "q=clínica")) == ["José Núñez"]


@needs_postgres
@pytest.mark.django_db
def test_on_postgresql_the_closest_match_comes_first(client):
    make("Jo", "Lee", clinic="Lee Johnson Skin")
    make("Ann", "Johnson")

    assert names(search(client, "q=ann+johnson"))[0] == "Ann Johnson"


@needs_postgres
@pytest.mark.django_db
def test_on_postgresql_renaming_a_clinic_updates_what_search_finds(client):
    ann = make("Ann", "Lee", clinic="Old Name")
    ann.clinic.name = "Radiance Studio"
    ann.clinic.save()

    assert names(search(client, "q=radiance")) == ["Ann Lee"]
    assert names(search(client, "q=old+name")) == []


@pytest.mark.django_db
def test_the_procedure_filter_keeps_practitioners_who_offer_it(client):
    make("Ann", "Lee", procedures=[procedure("chemical_peel")])
    make("Bob", "Ray", procedures=[procedure("microneedling")])

    assert names(search(client, "procedure=chemical_peel")) == ["Ann Lee"]


@pytest.mark.django_db
def test_verified_1_keeps_only_verified_practitioners(client):
    verify(make("Ann", "Lee"))
    make("Bob", "Ray")

    assert names(search(client, "verified=1")) == ["Ann Lee"]


@pytest.mark.django_db
def test_the_profession_filter_keeps_that_profession(client):
    make("Ann", "Lee", profession="physician")
    make("Bob", "Ray", profession="esthetician")

    assert names(search(client, "profession=esthetician")) == ["Bob Ray"]


@pytest.mark.django_db
def test_min_rating_reads_the_bayesian_rating_and_skips_practitioners_without_reviews(client):
    top, low = make("Ann", "Lee"), make("Bob", "Ray")
    make("Cy", "New")  # no reviews: the prior (4.0) says nothing about them
    review(top, rating=5, count=10)
    review(low, rating=3, count=10)

    assert names(search(client, "min_rating=4")) == ["Ann Lee"]
    assert names(search(client, "min_rating=3")) == ["Ann Lee", "Bob Ray"]


@pytest.mark.django_db
def test_skin_type_keeps_practitioners_reviewed_by_patients_of_that_type(client):
    review(make("Ann", "Lee"), skin_type="V")
    review(make("Bob", "Ray"), skin_type="II")

    assert names(search(client, "skin_type=V")) == ["Ann Lee"]


@pytest.mark.django_db
def test_no_severe_drops_practitioners_with_a_severe_complication(client):
    review(make("Ann", "Lee"), complications=[("infection", "mild")], count=5)
    review(make("Bob", "Ray"), complications=[("scarring", "severe")], count=5)

    assert names(search(client, "no_severe=1")) == ["Ann Lee"]


@pytest.mark.django_db
def test_no_severe_leaves_out_practitioners_with_too_few_reviews_to_say(client):
    review(make("Ann", "Lee"), count=5)
    review(make("Bob", "Ray"), count=4)  # one short of the threshold
    make("Cy", "New")  # never reviewed: not "known to be safe"

    response = search(client, "no_severe=1")

    assert names(response) == ["Ann Lee"]
    assert "practitioners with fewer reviews are left out" in text(response)


@pytest.mark.django_db
def test_min_rating_leaves_out_practitioners_below_the_review_threshold(client):
    review(make("Ann", "Lee"), rating=5, count=5)
    review(make("Bob", "Ray"), rating=5, count=4)

    assert names(search(client, "min_rating=4")) == ["Ann Lee"]


@pytest.mark.django_db
def test_sorting_by_rating_puts_practitioners_without_a_rating_last(client):
    review(make("Ann", "Lee"), rating=3, count=5)
    review(make("Bob", "Ray"), rating=5, count=4)  # a higher average, but no rating shown
    review(make("Cy", "New"), rating=4, count=6)

    assert names(search(client, "sort=rating")) == ["Cy New", "Ann Lee", "Bob Ray"]


@pytest.mark.django_db
def test_exclude_complication_is_repeatable_and_drops_each_reported_one(client):
    review(make("Ann", "Lee"), complications=[("pain", "mild")])
    review(make("Bob", "Ray"), complications=[("infection", "mild")])
    review(make("Cy", "New"), complications=[("hyperpigmentation", "moderate")])

    once = search(client, "exclude_complication=infection")
    twice = search(client, "exclude_complication=infection&exclude_complication=hyperpigmentation")

    assert names(once) == ["Ann Lee", "Cy New"]
    assert names(twice) == ["Ann Lee"]


@pytest.mark.django_db
def test_near_a_city_keeps_clinics_within_the_radius_and_shows_the_distance(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en-gb"  # kilometres
    make("Ann", "Lee", where=AUSTIN)
    make("Rob", "Rock", where=ROUND_ROCK)  # about 28 km from Austin
    make("Bob", "Ray", where=DALLAS)  # about 290 km

    default = search(client, "near=Austin")
    wider = search(client, "near=Austin&radius_km=50")

    assert names(default) == ["Ann Lee"]
    assert "within 25 km of Austin, TX" in text(default)
    assert names(wider) == ["Ann Lee", "Rob Rock"]
    assert re.search(r"Rob Rock .*? 2\d\.\d km away", text(wider))


@pytest.mark.django_db
def test_a_us_zip_code_works_as_a_place(client):
    make("Ann", "Lee", where=AUSTIN)
    make("Bob", "Ray", where=DALLAS)

    assert names(search(client, "near=78701")) == ["Ann Lee"]


@pytest.mark.django_db
def test_lat_and_lng_work_directly(client):
    make("Ann", "Lee", where=AUSTIN)
    make("Bob", "Ray", where=DALLAS)

    assert names(search(client, "lat=32.78&lng=-96.80&radius_km=10")) == ["Bob Ray"]


@pytest.mark.django_db
def test_sort_distance_puts_the_nearest_first(client):
    make("Bob", "Ray", where=DALLAS)
    make("Rob", "Rock", where=ROUND_ROCK)
    make("Ann", "Lee", where=AUSTIN)

    response = search(client, "near=Austin&radius_km=500&sort=distance")

    assert names(response) == ["Ann Lee", "Rob Rock", "Bob Ray"]
    assert "sorted by nearest first" in text(response)


@pytest.mark.django_db
def test_the_sort_menu_shows_the_order_the_results_are_in(client):
    make("Ann", "Lee", where=AUSTIN)

    body = search(client, "near=Austin").content.decode()

    selected = re.search(r'<select id="filter-sort".*?</select>', body, re.S).group(0)
    assert re.search(r'<option value="distance" selected>Nearest first', selected)
    assert 'value="relevance" selected' not in selected
    assert "sorted by nearest first" in text(search(client, "near=Austin"))


@pytest.mark.django_db
def test_sort_rating_and_sort_reviews_order_by_the_summary(client):
    many, best = make("Mo", "Many"), make("Bea", "Best")
    review(many, rating=4, count=12)
    review(best, rating=5, count=6)

    assert names(search(client, "sort=rating")) == ["Bea Best", "Mo Many"]
    assert names(search(client, "sort=reviews")) == ["Mo Many", "Bea Best"]


@pytest.mark.django_db
def test_filters_combine(client):
    ann = make("Ann", "Lee", profession="physician")
    verify(ann)
    review(ann, rating=5, skin_type="IV", count=5)
    bob = make("Bob", "Ray", profession="physician")  # not verified
    review(bob, rating=5, skin_type="IV", count=5)
    cy = make("Cy", "New", profession="physician", where=DALLAS)  # too far
    verify(cy)
    review(cy, rating=5, skin_type="IV", count=5)

    response = search(
        client,
        "near=Austin&verified=1&profession=physician&skin_type=IV&no_severe=1"
        "&exclude_complication=infection&procedure=microneedling&min_rating=4&q=ann",
    )

    assert names(response) == ["Ann Lee"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("near=Qwertyville", "We couldn't find a place called “Qwertyville”"),
        ("near=100%25+sure", "We couldn't find a place called “100% sure”"),
        ("sort=distance", "Sorting by distance needs a location"),
        ("sort=cheapest", "“cheapest” is not a sort order we know"),
        ("lat=91&lng=0", "Enter a latitude between -90 and 90."),
        ("lat=30", "Give both lat and lng, or neither of them."),
        ("lat=abc&lng=1", "Enter a latitude between -90 and 90."),
        ("near=Austin&radius_km=0", "Enter a radius in km between 1 and 500."),
        ("near=Austin&radius_km=9999", "Enter a radius in km between 1 and 500."),
        ("verified=maybe", "Use 1 to turn this filter on"),
        ("no_severe=2", "Use 1 to turn this filter on"),
        ("profession=wizard", "“wizard” is not a profession we know"),
        ("min_rating=6", "Enter a rating between 1 and 5."),
        ("skin_type=VII", "“VII” is not a Fitzpatrick skin type we know"),
        ("exclude_complication=boredom", "“boredom” is not a complication we know"),
        ("procedure=tattoo", "“tattoo” is not a procedure we list."),
        ("q=" + "x" * 101, "Search for at most 100 characters."),
        ("page=zero", "Page must be a whole number from 1 to 100."),
        ("page=100000", "Page must be a whole number from 1 to 100"),
    ],
)
def test_a_bad_value_gets_a_clear_message_and_a_400_not_a_500(client, query, message):
    make("Ann", "Lee")

    response = search(client, query)

    assert response.status_code == 400
    assert "There is a problem with your search" in text(response)
    assert message in text(response)


@pytest.mark.django_db
def test_hostile_input_is_escaped_back_into_the_form(client):
    response = search(client, "q=%3Cscript%3Ealert(1)%3C%2Fscript%3E")

    assert response.status_code == 200
    assert b"<script>alert(1)" not in response.content
    assert b"&lt;script&gt;alert(1)&lt;/script&gt;" in response.content


@pytest.mark.django_db
def test_an_empty_result_offers_to_drop_each_filter_and_to_widen_the_radius(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en-gb"  # kilometres
    make("Ann", "Lee", where=ROUND_ROCK)

    response = search(client, "near=Austin&verified=1&exclude_complication=pain")

    page = text(response)
    assert names(response) == []
    assert "No practitioners match all of these filters" in page
    assert "Search within 50 km instead" in page
    assert "Remove “Verified only”" in page
    assert "Remove “No post-treatment pain reported”" in page
    assert "Remove “Within 25 km of Austin, TX”" in page
    html = response.content.decode()
    assert 'href="?verified=1&amp;exclude_complication=pain"' in html
    assert 'href="?near=Austin&amp;exclude_complication=pain"' in html


@pytest.mark.django_db
def test_following_a_relax_link_finds_the_practitioner(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en-gb"  # kilometres
    make("Ann", "Lee", where=ROUND_ROCK)
    empty = search(client, "near=Austin&verified=1")
    link = re.search(r'<a href="\?([^"]+)">Search within 50\skm instead', empty.content.decode())

    widened = client.get("/practitioners/?" + unescape(link.group(1)).replace("verified=1", ""))

    assert names(widened) == ["Ann Lee"]


@pytest.mark.django_db
def test_the_search_pages_without_counting_every_match(client, settings):
    for n in range(23):
        make("Ann", f"Lee{n:02d}")

    first = search(client)
    second = search(client, "page=2")

    assert len(names(first)) == 20
    assert "Showing 1\u201320" in text(first)
    assert 'rel="next"' in first.content.decode()
    assert len(names(second)) == 3
    assert "Showing 21\u201323" in text(second)
    assert 'rel="next"' not in second.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("size", [2, 25])
def test_the_search_page_runs_a_constant_number_of_queries(client, django_assert_num_queries, size):
    author = UserFactory()
    for n in range(size):
        practitioner = make(
            "Ann", f"Lee{n:02d}", procedures=[procedure(), procedure("chemical_peel")]
        )
        review(practitioner, rating=5, author=author)

    # 1 the page of practitioners with clinic and summary joined (LIMIT 21),
    # 2 their procedures, 3 the procedure validating "procedure", 4 the procedure list.
    with django_assert_num_queries(4):
        response = search(client, "procedure=microneedling&verified=&near=Austin&radius_km=50")

    assert len(names(response)) == min(size, 20)


def test_the_filterset_reports_bad_input_as_errors_for_the_api_to_reuse(db):
    filterset = PractitionerFilterSet(
        QueryDict("min_rating=ten&sort=distance&skin_type=IV"), queryset=practitioner_list()
    )

    assert not filterset.is_valid()
    assert filterset.errors["min_rating"] == ["Enter a rating between 1 and 5."]
    assert list(filterset.qs) == []


def test_the_filterset_defaults_to_25_km_and_sorts_a_location_search_by_distance(db):
    filterset = PractitionerFilterSet(QueryDict("near=Austin"), queryset=practitioner_list())

    assert filterset.is_valid()
    assert filterset.radius == 25
    assert filterset.sort_order == "distance"
    assert filterset.place.name == "Austin, TX"


@needs_postgres
@pytest.mark.django_db
def test_on_postgresql_a_word_matching_as_typed_lists_the_best_rated_first(client):
    fair = make("Ann", "Lee", clinic="Clear Skin Clinic")
    review(fair, rating=3, count=5)
    best = make("Bob", "Ray", where=DALLAS, clinic="Skin House")
    review(best, rating=5, count=5)
    make("Cy", "Ode", clinic="Skine Studio")  # an unreviewed prefix match comes last

    assert names(search(client, "q=skin")) == ["Bob Ray", "Ann Lee", "Cy Ode"]


@needs_postgres
@pytest.mark.django_db
def test_on_postgresql_typo_matches_are_left_out_when_the_words_match_as_typed(client):
    make("Ann", "Johnson")
    make("Bob", "Johnsen", where=DALLAS)

    assert names(search(client, "q=johnsen")) == ["Bob Johnsen"]
