"""GET /api/v1/reviews/ and /api/v1/practitioners/<id>/reviews/: published reviews only."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from practitioners.tests.factories import PractitionerFactory, procedure
from reviews.tests.factories import PractitionerResponseFactory, ReviewFactory

from .conftest import published_review, throttle_queries

pytestmark = pytest.mark.django_db

LIST = reverse("api:review-list")


def ids(response) -> list[int]:
    return [row["id"] for row in response.json()["results"]]


def test_a_rejected_or_pending_review_never_appears_in_the_api(partner_client):
    practitioner = PractitionerFactory()
    shown = published_review(practitioner)
    for status in ("pending", "rejected", "hidden", "withdrawn", "changes_requested"):
        ReviewFactory(practitioner=practitioner, status=status)

    everywhere = partner_client.get(LIST)
    on_profile = partner_client.get(reverse("api:practitioner-reviews", args=[practitioner.pk]))

    assert ids(everywhere) == [shown.pk]
    assert ids(on_profile) == [shown.pk]


def test_a_review_shows_its_structured_facts_and_the_published_response(partner_client):
    review = published_review(
        PractitionerFactory(),
        complications=[("infection", "severe")],
        skin_type="",
        title="Clean clinic",
    )
    PractitionerResponseFactory(review=review, status="published", body="Thank you.")

    [row] = partner_client.get(LIST).json()["results"]

    assert row["title"] == "Clean clinic"
    assert row["skin_type"] is None
    assert row["procedure"] == "microneedling"
    assert row["ratings"] == {"results": 4, "hygiene": 5, "communication": 4, "aftercare": 4}
    assert row["complications"] == [
        {
            "type": "infection",
            "severity": "severe",
            "onset_days": 1,
            "treatment_needed": "self_care",
            "outcome": "resolved",
        }
    ]
    assert row["response"]["body"] == "Thank you."
    assert row["author_name"] == review.author.display_name


def test_reviews_filter_by_complication_skin_type_rating_practitioner_and_procedure(
    partner_client,
):
    practitioner = PractitionerFactory(procedures=[procedure("microneedling")])
    infected = published_review(practitioner, complications=[("infection", "mild")], rating=2)
    dark = published_review(practitioner, skin_type="VI", rating=5)
    other = published_review(PractitionerFactory(), procedure=procedure("chemical_peel"))

    assert ids(partner_client.get(LIST, {"complication": "infection"})) == [infected.pk]
    assert ids(partner_client.get(LIST, {"skin_type": "VI"})) == [dark.pk]
    assert ids(partner_client.get(LIST, {"rating": "2"})) == [infected.pk]
    assert ids(partner_client.get(LIST, {"procedure": "chemical_peel"})) == [other.pk]
    assert set(ids(partner_client.get(LIST, {"practitioner": practitioner.pk}))) == {
        infected.pk,
        dark.pk,
    }


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"complication": "boredom"}, "complication"),
        ({"skin_type": "VII"}, "skin_type"),
        ({"rating": "6"}, "rating"),
        ({"practitioner": "abc"}, "practitioner"),
        ({"procedure": "nope"}, "procedure"),
    ],
)
def test_an_invalid_review_filter_is_a_400_naming_the_parameter(partner_client, params, field):
    response = partner_client.get(LIST, params)

    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == [field]


def test_reviews_of_an_unknown_practitioner_are_a_404(partner_client):
    response = partner_client.get(reverse("api:practitioner-reviews", args=[999_999]))

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_the_review_lists_make_a_constant_number_of_queries(partner_client):
    practitioner = PractitionerFactory()
    partner_client.get(LIST)  # the key's first use of the minute writes last_used_at
    urls = [LIST, reverse("api:practitioner-reviews", args=[practitioner.pk])]

    def count_queries(url) -> int:
        with CaptureQueriesContext(connection) as queries:
            assert partner_client.get(url, {"page_size": 100}).status_code == 200
        return len(queries)

    published_review(practitioner, complications=[("pain", "mild")])
    few = [count_queries(url) for url in urls]
    for n in range(10):
        review = published_review(practitioner, complications=[("pain", "mild")])
        if n % 2:
            PractitionerResponseFactory(review=review, status="published")
    many = [count_queries(url) for url in urls]

    assert few == many
    # Key, reviews (author, procedure, response joined), complications, the throttle; the
    # practitioner's page also checks the practitioner exists.
    assert many == [3 + throttle_queries(), 4 + throttle_queries()]


def test_review_pages_follow_each_other_newest_first(partner_client):
    reviews = [published_review(PractitionerFactory()) for _ in range(5)]

    first = partner_client.get(LIST, {"page_size": 2}).json()
    second = partner_client.get(first["next"]).json()
    third = partner_client.get(second["next"]).json()

    newest_first = sorted(reviews, key=lambda r: (r.published_at, r.pk), reverse=True)
    assert [r["id"] for r in first["results"] + second["results"] + third["results"]] == [
        r.pk for r in newest_first
    ]
    assert third["next"] is None
