"""Practitioner responses: one per review, from the profile's owner, moderated before it shows."""

import pytest
from django.core import mail
from django.urls import reverse

from kernel.errors import DomainError, NotPermitted, TransitionNotAllowed
from kernel.models import AuditEntry
from reviews.models import PractitionerResponse, ResponseStatus
from reviews.services import response_publish, response_reject, response_submit
from reviews.tests.factories import ReviewFactory

pytestmark = pytest.mark.django_db

BODY = "Thank you for telling us. We use a new sealed cartridge for every patient."


@pytest.fixture
def review(practitioner_owner):
    return ReviewFactory(
        practitioner=practitioner_owner.practitioner_profile, published=True, title="Fine result"
    )


def test_the_owner_submits_a_pending_response_and_it_is_recorded(practitioner_owner, review):
    response = response_submit(review_id=review.pk, author=practitioner_owner, body=BODY)
    assert response.status == ResponseStatus.PENDING
    entry = AuditEntry.objects.for_object(response).get()
    assert (entry.action, entry.to_status, entry.actor) == (
        "response.submitted",
        "pending",
        practitioner_owner,
    )


def test_a_moderator_publishes_a_response_and_its_author_is_told(
    practitioner_owner, review, moderator, django_capture_on_commit_callbacks
):
    response = response_submit(review_id=review.pk, author=practitioner_owner, body=BODY)
    with django_capture_on_commit_callbacks(execute=True):
        response_publish(response_id=response.pk, moderator=moderator)
    response.refresh_from_db()
    assert response.status == ResponseStatus.PUBLISHED
    assert response.published_at is not None
    assert AuditEntry.objects.for_object(response).last().action == "response.published"
    assert mail.outbox[0].subject == "Your response is published"


def test_a_moderator_rejects_a_response_with_a_reason(
    practitioner_owner, review, moderator, django_capture_on_commit_callbacks
):
    response = response_submit(review_id=review.pk, author=practitioner_owner, body=BODY)
    with django_capture_on_commit_callbacks(execute=True):
        response_reject(response_id=response.pk, moderator=moderator, reason="personal_data")
    response.refresh_from_db()
    assert response.status == ResponseStatus.REJECTED
    entry = AuditEntry.objects.for_object(response).last()
    assert (entry.action, entry.reason) == ("response.rejected", "personal_data")
    assert "Personal or identifying information" in mail.outbox[0].body


def test_a_rejection_without_a_reason_is_refused(practitioner_owner, review, moderator):
    response = response_submit(review_id=review.pk, author=practitioner_owner, body=BODY)
    with pytest.raises(DomainError, match="needs a reason"):
        response_reject(response_id=response.pk, moderator=moderator, reason="")
    response.refresh_from_db()
    assert response.status == ResponseStatus.PENDING


def test_a_published_response_cannot_be_published_again(practitioner_owner, review, moderator):
    response = response_submit(review_id=review.pk, author=practitioner_owner, body=BODY)
    response_publish(response_id=response.pk, moderator=moderator)
    with pytest.raises(TransitionNotAllowed):
        response_publish(response_id=response.pk, moderator=moderator)
    assert AuditEntry.objects.for_object(response).count() == 2


def test_someone_else_cannot_respond(other_practitioner_owner, patient, review):
    for user in (other_practitioner_owner, patient):
        with pytest.raises(NotPermitted):
            response_submit(review_id=review.pk, author=user, body=BODY)
    assert PractitionerResponse.objects.count() == 0


def test_a_review_that_is_not_published_cannot_get_a_response(practitioner_owner):
    review = ReviewFactory(practitioner=practitioner_owner.practitioner_profile)
    with pytest.raises(DomainError, match="only to a published review"):
        response_submit(review_id=review.pk, author=practitioner_owner, body=BODY)


def test_revising_a_published_response_sends_it_back_to_moderation(
    practitioner_owner, review, moderator
):
    response = response_submit(review_id=review.pk, author=practitioner_owner, body=BODY)
    response_publish(response_id=response.pk, moderator=moderator)
    revised = response_submit(
        review_id=review.pk, author=practitioner_owner, body=BODY + " Call us any time."
    )
    assert revised.pk == response.pk
    revised.refresh_from_db()
    assert revised.status == ResponseStatus.PENDING
    assert revised.published_at is None
    assert revised.body.endswith("Call us any time.")
    assert PractitionerResponse.objects.count() == 1
    assert AuditEntry.objects.for_object(response).last().action == "response.resubmitted"


def test_the_owner_responds_through_the_page(client, practitioner_owner, review):
    client.force_login(practitioner_owner)
    listing = client.get(reverse("reviews:practice")).content.decode()
    assert "Fine result" in listing
    assert reverse("reviews:respond", args=[review.pk]) in listing
    response = client.post(
        reverse("reviews:respond", args=[review.pk]), {"body": BODY}, follow=True
    )
    assert "waits for moderation" in response.content.decode()
    assert PractitionerResponse.objects.get().body == BODY


def test_a_too_short_response_is_explained(client, practitioner_owner, review):
    client.force_login(practitioner_owner)
    response = client.post(reverse("reviews:respond", args=[review.pk]), {"body": "Thanks"})
    assert response.status_code == 400
    assert "Write at least 10 characters." in response.content.decode()


def test_another_practitioner_cannot_open_the_response_page(
    client, other_practitioner_owner, review
):
    client.force_login(other_practitioner_owner)
    assert client.get(reverse("reviews:respond", args=[review.pk])).status_code == 404


def test_a_pending_response_is_not_shown_on_the_profile(client, practitioner_owner, review):
    response_submit(review_id=review.pk, author=practitioner_owner, body=BODY)
    html = client.get(review.practitioner.get_absolute_url()).content.decode()
    assert "Fine result" in html
    assert "sealed cartridge for every patient" not in html


def test_the_practice_page_uses_a_constant_number_of_queries(
    client, practitioner_owner, django_assert_max_num_queries
):
    for _ in range(4):
        ReviewFactory(practitioner=practitioner_owner.practitioner_profile, published=True)
    client.force_login(practitioner_owner)
    # session, user, practitioner, count, reviews with author and response, complications
    with django_assert_max_num_queries(7):
        client.get(reverse("reviews:practice"))
