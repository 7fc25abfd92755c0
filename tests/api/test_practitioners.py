"""GET /api/v1/practitioners/ (the site's own search filters), profiles and procedures."""

from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.request import Request
from rest_framework.serializers import ModelSerializer

from listings.filters import PractitionerFilterSet
from listings.selectors import practitioner_list
from partners.api.practitioners.serializers import (
    ClinicSerializer,
    PractitionerDetailSerializer,
    PractitionerSerializer,
)
from practitioners.tests.factories import ClinicFactory, PractitionerFactory, procedure
from reviews.summaries import refresh_summary

from .conftest import published_review, throttle_queries, verified_practitioner

pytestmark = pytest.mark.django_db

LIST = reverse("api:practitioner-list")


def austin_clinic(**kwargs):
    return ClinicFactory(city="Austin", latitude=30.2672, longitude=-97.7431, **kwargs)


def seattle_clinic():
    return ClinicFactory(city="Seattle", region="WA", latitude=47.6062, longitude=-122.3321)


def ids(response) -> list[int]:
    return [row["id"] for row in response.json()["results"]]


def test_a_partner_lists_verified_practitioners_near_a_city_without_severe_complications(
    partner_client,
):
    wanted = verified_practitioner(clinic=austin_clinic())
    published_review(wanted, complications=[("inflammation", "mild")])
    severe = verified_practitioner(clinic=austin_clinic())
    published_review(severe, complications=[("infection", "severe")])
    for practitioner in (wanted, severe):
        for _ in range(4):  # enough reviews for "no severe" to say anything
            published_review(practitioner)
    unverified = PractitionerFactory(clinic=austin_clinic())
    far_away = verified_practitioner(clinic=seattle_clinic())
    for practitioner in (wanted, severe, unverified, far_away):
        refresh_summary(practitioner.pk)

    response = partner_client.get(LIST, {"verified": "1", "near": "Austin", "no_severe": "1"})

    assert response.status_code == 200
    [row] = response.json()["results"]
    assert row["id"] == wanted.pk
    assert row["verified"] is True
    assert row["distance_km"] == pytest.approx(0, abs=0.5)
    assert row["clinic"]["city"] == "Austin"
    assert row["procedures"] == ["microneedling"]
    assert row["profile_url"].endswith(f"/practitioners/{wanted.slug}/")


@pytest.mark.parametrize(
    "params",
    [
        {"verified": "maybe"},
        {"near": "Atlantis-under-the-sea"},
        {"near": "%' AND 1=1 --"},  # quoted back in the message: "%" must stay literal
        {"lat": "91", "lng": "0"},
        {"lat": "45"},
        {"radius_km": "0", "near": "Austin"},
        {"min_rating": "six"},
        {"profession": "wizard"},
        {"procedure": "tattoo-removal"},
        {"skin_type": "VII"},
        {"exclude_complication": "boredom"},
        {"sort": "distance"},
        {"sort": "random"},
        {"q": "x" * 101},
    ],
)
def test_an_invalid_filter_is_a_400_with_the_search_pages_own_message(partner_client, params):
    filterset = PractitionerFilterSet(data=QueryDict(urlencode(params)))
    assert not filterset.is_valid()
    expected = {name: [str(m) for m in messages] for name, messages in filterset.errors.items()}

    response = partner_client.get(LIST, params)

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert error["fields"] == expected
    assert next(iter(expected.values()))[0] in error["message"]


def test_the_list_pages_with_a_cursor_without_counting_and_never_repeats_a_row(partner_client):
    created = [PractitionerFactory() for _ in range(7)]

    seen, url, pages = [], LIST + "?page_size=3&sort=rating", 0
    while url:
        with CaptureQueriesContext(connection) as queries:
            response = partner_client.get(url)
        assert response.status_code == 200
        assert not any("COUNT(" in q["sql"].upper() for q in queries.captured_queries)
        seen += ids(response)
        url, pages = response.json()["next"], pages + 1

    assert pages == 3
    assert sorted(seen) == sorted(p.pk for p in created)
    assert len(seen) == len(set(seen))


def test_a_tampered_cursor_is_a_400(partner_client):
    PractitionerFactory.create_batch(3)
    next_url = partner_client.get(LIST, {"page_size": 1}).json()["next"]
    cursor = parse_qs(urlsplit(next_url).query)["cursor"][0]

    tampered = partner_client.get(LIST, {"page_size": 1, "cursor": cursor[:-3] + "x!"})
    other_order = partner_client.get(LIST, {"page_size": 1, "cursor": cursor, "sort": "reviews"})
    bad_size = partner_client.get(LIST, {"page_size": 1000})

    for response in (tampered, other_order):
        assert response.status_code == 400
        assert list(response.json()["error"]["fields"]) == ["cursor"]
    assert bad_size.json()["error"]["fields"] == {
        "page_size": ["Enter a whole number from 1 to 100."]
    }


def test_the_list_makes_a_constant_number_of_queries(partner_client):
    partner_client.get(LIST)  # the key's first use of the minute writes last_used_at

    def count_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            response = partner_client.get(LIST, {"page_size": 50, "near": "Austin"})
        assert response.status_code == 200
        return len(queries)

    verified_practitioner(clinic=austin_clinic())
    few = count_queries()
    for _ in range(8):
        published_review(verified_practitioner(clinic=austin_clinic()))
    many = count_queries()

    assert few == many
    # Key, practitioners (clinic and summary joined), their procedures, and the throttle.
    assert many == 3 + throttle_queries()


def test_the_profile_has_the_verification_and_safety_summaries(partner_client):
    practitioner = verified_practitioner()
    for n in range(5):
        published_review(
            practitioner,
            skin_type="V",
            complications=[("hyperpigmentation", "moderate")] if n < 2 else [],
        )
    refresh_summary(practitioner.pk)

    data = partner_client.get(reverse("api:practitioner-detail", args=[practitioner.pk])).json()

    assert data["verification"]["verified"] is True
    assert data["verification"]["missing"] == []
    assert {a["kind"] for a in data["verification"]["attestations"]} == {
        "license",
        "sterilization",
    }
    safety = data["safety"]
    assert safety["review_count"] == 5
    assert safety["enough_reviews"] is True
    assert safety["complication_rate"] == 0.4
    assert safety["complication_counts"] == {"hyperpigmentation": {"moderate": 2}}
    assert safety["darker_skin_hyperpigmentation_rate"] == 0.4


def test_below_five_reviews_the_profile_shows_no_rates(partner_client):
    practitioner = PractitionerFactory()
    published_review(practitioner, complications=[("infection", "mild")])
    refresh_summary(practitioner.pk)

    data = partner_client.get(reverse("api:practitioner-detail", args=[practitioner.pk])).json()

    assert data["safety"]["review_count"] == 1
    assert data["safety"]["enough_reviews"] is False
    assert data["safety"]["reviews_needed"] == 4
    for figure in (
        "rating",
        "complication_rate",
        "severe_count",
        "complication_counts",
        "darker_skin_hyperpigmentation_rate",
    ):
        assert data["safety"][figure] == "insufficient", figure
    assert data["rating"] == "insufficient"
    assert data["safety"]["rates_message"] == "not enough reviews yet"
    assert data["verification"]["missing"] == [
        "no license on file",
        "no sterilization attestation on file",
    ]


def test_the_profile_makes_a_constant_number_of_queries(partner_client):
    def count_queries(practitioner) -> int:
        url = reverse("api:practitioner-detail", args=[practitioner.pk])
        with CaptureQueriesContext(connection) as queries:
            assert partner_client.get(url).status_code == 200
        return len(queries)

    partner_client.get(reverse("api:procedure-list"))  # first use writes last_used_at
    plain = PractitionerFactory()
    rich = verified_practitioner()
    for _ in range(6):
        published_review(rich)
    refresh_summary(rich.pk)

    # Key, practitioner (clinic and summary joined), procedures, attestations, their items
    # and the throttle. Reviews are never loaded: the summary holds the counts.
    assert count_queries(plain) + 1 == count_queries(rich)  # no attestations: no items query
    assert count_queries(rich) == 5 + throttle_queries()


def test_an_unknown_practitioner_is_a_404_in_the_api_shape(partner_client):
    response = partner_client.get(reverse("api:practitioner-detail", args=[999_999]))

    assert response.status_code == 404
    assert response.json() == {
        "error": {"code": "not_found", "message": "Not found.", "fields": {}}
    }


def test_procedures_list_every_active_procedure_by_name(partner_client):
    data = partner_client.get(reverse("api:procedure-list")).json()

    slugs = [row["slug"] for row in data["results"]]
    assert "microneedling" in slugs
    assert procedure("microneedling").name in [row["name"] for row in data["results"]]
    assert data["next"] is None


def test_the_list_and_profile_rows_hold_what_their_declared_fields_give_in_that_order(rf):
    """The rows are built directly for speed; DRF's field-by-field walk is the reference."""
    rated = verified_practitioner(clinic=austin_clinic(region="", postal_code=""))
    for _ in range(5):
        published_review(rated, rating=4)
    refresh_summary(rated.pk)
    bare = PractitionerFactory(clinic=None, npi=None, bio="")
    request = Request(rf.get(LIST))

    for pk, distance in ((rated.pk, 12.3456), (bare.pk, None)):
        practitioner = practitioner_list().defer(None).get(pk=pk)
        if distance is not None:
            practitioner.distance_km = distance
        for serializer_class in (PractitionerSerializer, PractitionerDetailSerializer):
            serializer = serializer_class(context={"request": request})
            expected = ModelSerializer.to_representation(serializer, practitioner)
            if practitioner.clinic is not None:
                expected["clinic"] = ModelSerializer.to_representation(
                    ClinicSerializer(), practitioner.clinic
                )

            row = serializer.to_representation(practitioner)

            assert list(row.items()) == list(expected.items())
            assert row["profile_url"] == f"http://testserver/practitioners/{practitioner.slug}/"
