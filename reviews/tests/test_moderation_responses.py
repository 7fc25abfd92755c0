"""Practitioner responses in the moderation queue: shown beside the review, with their hits."""

import pytest
from django.core import mail
from django.urls import reverse

from kernel.models import AuditEntry
from reviews.models import PractitionerResponse
from reviews.rules import screen_response
from reviews.tests.factories import PractitionerResponseFactory, ReviewFactory

pytestmark = pytest.mark.django_db

RESPONSES = reverse("moderation:responses")


def decide(client, response, **data):
    data.setdefault("version", response.version)
    return client.post(reverse("moderation:response_decide", args=[response.pk]), data, follow=True)


def test_pending_responses_are_listed_beside_the_review_with_their_rule_hits(client, moderator):
    review = ReviewFactory(published=True, body="Some redness for a week.")
    response = PractitionerResponseFactory(
        review=review, body="Dear Sarah, as our records show you also had Botox."
    )
    screen_response(response)
    PractitionerResponseFactory(body="Already out there.", status="published")
    client.force_login(moderator)

    text = client.get(RESPONSES).text

    assert "Some redness for a week." in text
    assert "Dear Sarah, as our records show you also had Botox." in text
    assert "discloses_patient_details" in text
    assert "Already out there." not in text


def test_publishing_a_response_is_recorded(client, moderator):
    response = PractitionerResponseFactory()
    client.force_login(moderator)

    page = decide(client, response, decision="approve")

    assert "was published" in page.text
    response.refresh_from_db()
    assert response.status == "published"
    entry = AuditEntry.objects.for_object(response).get()
    assert (entry.actor, entry.to_status, entry.reason) == (moderator, "published", "meets_policy")


def test_rejecting_a_response_needs_a_reason_and_tells_its_author_in_words(
    client, moderator, django_capture_on_commit_callbacks
):
    response = PractitionerResponseFactory()
    client.force_login(moderator)

    refused = decide(client, response, decision="reject")
    with django_capture_on_commit_callbacks(execute=True):
        decide(client, response, decision="reject", reason="personal_data")

    assert "Choose the reason from the moderation policy." in refused.text
    response.refresh_from_db()
    assert response.status == "rejected"
    (email,) = mail.outbox
    assert "Reason: Personal or identifying information" in email.body


def test_a_practitioner_cannot_publish_their_own_response(client, practitioner_owner):
    response = PractitionerResponseFactory(author=practitioner_owner)
    client.force_login(practitioner_owner)
    assert client.get(RESPONSES).status_code == 403
    page = client.post(
        reverse("moderation:response_decide", args=[response.pk]), {"decision": "approve"}
    )
    assert page.status_code == 403
    assert PractitionerResponse.objects.get().status == "pending"


def test_a_moderator_finds_the_queue_from_the_site_navigation(client, moderator, patient):
    client.force_login(moderator)
    assert 'href="/moderation/"' in client.get(reverse("home")).text
    client.force_login(patient)
    assert 'href="/moderation/"' not in client.get(reverse("home")).text
