"""Only published reviews and public fields ever leave the API."""

import json

import pytest
from django.urls import reverse

from partners.api.reviews.selectors import public_reviews
from partners.api.reviews.serializers import ReviewSerializer
from partners.models import WebhookDelivery
from partners.services import event_publish
from partners.tests.factories import WebhookEndpointFactory

from .conftest import PRIVATE_EMAIL_DOMAIN

pytestmark = pytest.mark.django_db

FORBIDDEN_KEYS = {
    "email",
    "author_email",
    "submitted_ip",
    "ip",
    "note",
    "notes",
    "evidence",
    "rule_hits",
    "risk_score",
    "decision_reason",
    "verified_by",
    "claimed_by",
    "reports",
    "token",
    "token_hash",
    "email_domain",
    "detail",
    "has_severe_complication",
}
FORBIDDEN_TEXT = ["PRIVATE-", PRIVATE_EMAIL_DOMAIN, "203.0.113.77", "clinic-private.example", "@"]


def private_leaks(data, path="$") -> list[str]:
    """Every private key or value anywhere in a JSON document."""
    leaks = []
    if isinstance(data, dict):
        for key, value in data.items():
            if key in FORBIDDEN_KEYS:
                leaks.append(f"{path}.{key}")
            leaks += private_leaks(value, f"{path}.{key}")
    elif isinstance(data, list):
        for index, value in enumerate(data):
            leaks += private_leaks(value, f"{path}[{index}]")
    elif isinstance(data, str):
        leaks += [f"{path} contains {text!r}" for text in FORBIDDEN_TEXT if text in data]
    return leaks


def all_read_urls(practitioner) -> list[str]:
    return [
        reverse("api:practitioner-list"),
        reverse("api:practitioner-list") + "?verified=1&near=Austin&sort=distance",
        reverse("api:practitioner-detail", args=[practitioner.pk]),
        reverse("api:practitioner-reviews", args=[practitioner.pk]),
        reverse("api:review-list"),
        reverse("api:review-list") + f"?practitioner={practitioner.pk}&page_size=100",
        reverse("api:procedure-list"),
    ]


def test_no_endpoint_shows_emails_ips_notes_evidence_or_rule_hits(
    client_with_scopes, rich_practitioner
):
    client = client_with_scopes("read")

    for url in all_read_urls(rich_practitioner):
        response = client.get(url)
        assert response.status_code == 200, url
        assert private_leaks(response.json()) == [], url


def test_only_published_reviews_and_published_responses_are_shown(
    client_with_scopes, rich_practitioner
):
    client = client_with_scopes("read")

    data = client.get(reverse("api:practitioner-reviews", args=[rich_practitioner.pk])).json()

    assert len(data["results"]) == 6
    assert sum(1 for review in data["results"] if review["response"]) == 1


def test_the_detail_shows_how_attestations_were_checked_but_never_their_evidence(
    client_with_scopes, rich_practitioner
):
    client = client_with_scopes("read")

    data = client.get(reverse("api:practitioner-detail", args=[rich_practitioner.pk])).json()

    licence = next(a for a in data["verification"]["attestations"] if a["kind"] == "license")
    assert licence["status"] == "verified"
    assert licence["source"] == "Texas Board of Nursing online registry"
    assert licence["last_checked_at"]
    assert licence["next_check_due"]
    assert set(licence) == {
        "kind",
        "status",
        "display_status",
        "counts_toward_badge",
        "submitted_at",
        "method",
        "source",
        "last_checked_at",
        "next_check_due",
        "issuing_authority",
        "license_type",
        "standing",
        "issued_on",
        "expires_on",
        "last_spore_test_on",
        "items",
    }


def test_webhook_payloads_carry_only_public_review_fields(rich_practitioner):
    WebhookEndpointFactory()
    review = rich_practitioner.reviews.filter(status="published").first()

    event_publish(
        "review.published", {"review": ReviewSerializer(public_reviews().get(pk=review.pk)).data}
    )

    payload = WebhookDelivery.objects.get().payload
    assert private_leaks(json.loads(json.dumps(payload))) == []
    assert payload["data"]["review"]["id"] == review.pk
