"""The author's side: My reviews, editing with history, withdrawing, and who sees what."""

import pytest
from django.core.cache import cache
from django.urls import reverse

from kernel.models import AuditEntry
from practitioners.tests.factories import PractitionerFactory, procedure
from reviews.models import Review, ReviewRevision, ReviewStatus
from reviews.services import review_publish, review_reject, review_request_changes
from reviews.tests.factories import ComplicationFactory, ReviewFactory
from reviews.tests.test_review_form import infection, review_data

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()


@pytest.fixture
def review(patient):
    review = ReviewFactory(
        author=patient, title="Clean and careful", practitioner=PractitionerFactory()
    )
    ComplicationFactory(review=review, type="pain", severity="mild")
    return review


def edit_data(review, **overrides):
    return review_data(
        **{
            "procedure": str(review.procedure_id),
            "treatment_month": f"{review.treatment_month:%Y-%m}",
            "title": review.title,
            **overrides,
        }
    )


def test_my_reviews_lists_every_status_to_its_author(client, patient, moderator):
    pending = ReviewFactory(author=patient, title="Still pending")
    rejected = ReviewFactory(author=patient, title="Was rejected")
    review_reject(review_id=rejected.pk, moderator=moderator, reason="personal_data")
    changes = ReviewFactory(author=patient, title="Needs a change")
    review_request_changes(
        review_id=changes.pk, moderator=moderator, reason="contact_or_advertising", note="No links"
    )
    ReviewFactory(author=patient, title="Gone", status=ReviewStatus.WITHDRAWN)
    ReviewFactory(title="Someone else's")
    client.force_login(patient)
    html = client.get(reverse("reviews:mine")).content.decode()
    assert "Still pending" in html
    assert "Waiting for moderation" in html
    assert "Was rejected" in html
    assert "Personal or identifying information" in html
    assert "Needs a change" in html
    assert "Contact details, links or advertising" in html
    assert "No links" in html
    assert "Gone" in html
    assert "Withdrawn" in html
    assert "Someone else&#x27;s" not in html
    assert reverse("reviews:edit", args=[pending.pk]) in html
    assert reverse("reviews:edit", args=[rejected.pk]) not in html


def test_my_reviews_needs_a_sign_in(client):
    response = client.get(reverse("reviews:mine"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_my_reviews_uses_a_constant_number_of_queries(
    client, patient, django_assert_max_num_queries
):
    for _ in range(5):
        ComplicationFactory(review=ReviewFactory(author=patient))
    client.force_login(patient)
    # session, user, count, reviews with their decision, complications, whether the
    # navigation offers the practitioner dashboard
    with django_assert_max_num_queries(7):
        client.get(reverse("reviews:mine"))


def test_editing_keeps_the_earlier_version_and_sends_the_review_back_to_moderation(
    client, patient, review, moderator
):
    review_publish(review_id=review.pk, moderator=moderator)
    client.force_login(patient)
    page = client.get(reverse("reviews:edit", args=[review.pk])).content.decode()
    assert 'value="Clean and careful"' in page
    assert "Post-treatment pain" in page

    response = client.post(
        reverse("reviews:edit", args=[review.pk]),
        edit_data(review, title="Clean, careful, and honest", **infection(0)),
        follow=True,
    )
    assert "Your changes are saved" in response.content.decode()
    review.refresh_from_db()
    assert review.title == "Clean, careful, and honest"
    assert review.status == ReviewStatus.PENDING
    assert [c.type for c in review.complications.all()] == ["infection"]
    revision = ReviewRevision.objects.get(review=review)
    assert revision.snapshot["title"] == "Clean and careful"
    assert revision.snapshot["status"] == "published"
    assert revision.snapshot["complications"][0]["type"] == "pain"
    # Back to moderation, then the edit itself (what changed, for a moderator who had it open).
    assert [e.action for e in AuditEntry.objects.for_object(review).order_by("pk")][-2:] == [
        "review.resubmitted",
        "review.edited",
    ]


def test_an_edit_with_a_mistake_is_refused_and_nothing_changes(client, patient, review):
    client.force_login(patient)
    response = client.post(
        reverse("reviews:edit", args=[review.pk]), edit_data(review, body="short")
    )
    assert response.status_code == 400
    assert "Write at least 50 characters" in response.content.decode()
    assert ReviewRevision.objects.count() == 0


def test_an_edit_onto_another_of_my_reviews_treatment_is_refused(client, patient, review):
    other = ReviewFactory(
        author=patient,
        practitioner=review.practitioner,
        procedure=procedure("rf_microneedling"),
        treatment_month=review.treatment_month,
    )
    review.practitioner.procedures.add(procedure("rf_microneedling"))
    client.force_login(patient)
    response = client.post(
        reverse("reviews:edit", args=[review.pk]),
        edit_data(review, procedure=str(other.procedure_id)),
    )
    assert response.status_code == 400
    assert "You have already reviewed this procedure" in response.content.decode()
    review.refresh_from_db()
    assert review.procedure == procedure()


def test_another_patient_gets_a_404_on_someone_elses_edit_url(client, other_patient, review):
    client.force_login(other_patient)
    assert client.get(reverse("reviews:edit", args=[review.pk])).status_code == 404
    assert (
        client.post(reverse("reviews:edit", args=[review.pk]), edit_data(review)).status_code == 404
    )
    assert client.post(reverse("reviews:withdraw", args=[review.pk])).status_code == 404
    assert client.get(reverse("reviews:submitted", args=[review.pk])).status_code == 404
    review.refresh_from_db()
    assert review.status == ReviewStatus.PENDING


def test_a_rejected_review_cannot_be_edited(client, patient, review, moderator):
    review_reject(review_id=review.pk, moderator=moderator, reason="fake")
    client.force_login(patient)
    response = client.get(reverse("reviews:edit", args=[review.pk]), follow=True)
    assert "can no longer be edited" in response.content.decode()


def test_the_author_withdraws_a_review_after_confirming(client, patient, review):
    client.force_login(patient)
    confirm = client.get(reverse("reviews:withdraw", args=[review.pk]))
    assert "Withdraw your review?" in confirm.content.decode()
    response = client.post(reverse("reviews:withdraw", args=[review.pk]), follow=True)
    assert "is withdrawn and no longer shown" in response.content.decode()
    review.refresh_from_db()
    assert review.status == ReviewStatus.WITHDRAWN
    entry = AuditEntry.objects.for_object(review).last()
    assert (entry.action, entry.actor) == ("review.withdrawn", patient)


def test_withdrawing_twice_says_so_instead_of_failing(client, patient, review):
    client.force_login(patient)
    client.post(reverse("reviews:withdraw", args=[review.pk]))
    response = client.post(reverse("reviews:withdraw", args=[review.pk]), follow=True)
    assert response.status_code == 200
    assert "cannot go from “withdrawn” to “withdrawn”" in response.content.decode()
    assert AuditEntry.objects.for_object(review).count() == 1


@pytest.mark.parametrize(
    "status", [ReviewStatus.PENDING, ReviewStatus.REJECTED, ReviewStatus.WITHDRAWN]
)
def test_a_review_that_is_not_published_never_shows_on_the_profile(client, status):
    practitioner = PractitionerFactory()
    ReviewFactory(practitioner=practitioner, status=status, title="Unpublished words")
    ReviewFactory(practitioner=practitioner, published=True, title="Published words")
    html = client.get(practitioner.get_absolute_url()).content.decode()
    assert "Published words" in html
    assert "Unpublished words" not in html


def test_the_submitted_page_is_only_for_the_author(client, patient, review):
    client.force_login(patient)
    html = client.get(reverse("reviews:submitted", args=[review.pk])).content.decode()
    assert "Waiting for moderation" in html
    assert Review.objects.filter(author=patient).count() == 1


@pytest.mark.parametrize("name", ["reviews:edit", "reviews:withdraw", "reviews:submitted"])
def test_an_absurd_review_number_is_a_404_not_an_error(client, patient, name):
    client.force_login(patient)
    response = client.get(reverse(name, args=[10**30]))
    assert response.status_code == 404
