import pytest

from directory.errors import (
    DomainError,
    NotPermitted,
    RateLimited,
    StaleState,
    TransitionNotAllowed,
)
from directory.models import AuditEntry
from practitioners.tests.factories import PractitionerFactory, procedure
from reviews.models import Review
from reviews.services import review_publish, review_reject, review_submit, review_withdraw
from reviews.tests.factories import ReviewFactory, last_month

pytestmark = pytest.mark.django_db

FIELDS = {
    "sessions": 2,
    "rating": 4,
    "rating_results": 4,
    "rating_hygiene": 5,
    "rating_communication": 4,
    "rating_aftercare": 3,
    "worth_it": "yes",
    "title": "Careful and clean",
    "body": "The clinic explained every step and used a new cartridge.",
    "skin_type": "IV",
    "patch_test": "yes",
    "numbing": "yes",
}


def submit(author, practitioner, **overrides):
    fields = {**FIELDS, "treatment_month": last_month(), **overrides}
    return review_submit(
        author=author,
        practitioner=practitioner,
        procedure=procedure(),
        fields=fields,
        complications=overrides.pop("complications", []),
    )


def test_a_submitted_review_is_pending_with_its_complications(patient):
    practitioner = PractitionerFactory()
    review = review_submit(
        author=patient,
        practitioner=practitioner,
        procedure=procedure(),
        fields={**FIELDS, "treatment_month": last_month()},
        complications=[
            {
                "type": "infection",
                "severity": "severe",
                "onset_days": 3,
                "treatment_needed": "prescription",
                "outcome": "resolved",
            }
        ],
    )
    assert review.status == "pending"
    assert review.has_severe_complication
    assert [c.type for c in review.complications.all()] == ["infection"]
    assert "severe_complication" in [hit.code for hit in review.rule_hits.all()]


def test_a_second_review_of_the_same_treatment_is_refused_with_a_message(patient):
    practitioner = PractitionerFactory()
    submit(patient, practitioner)
    with pytest.raises(DomainError, match="already reviewed"):
        submit(patient, practitioner)
    assert Review.objects.count() == 1


def test_the_daily_submission_limit_is_enforced_with_a_clear_message(patient, settings):
    settings.REVIEWS_PER_ACCOUNT_PER_DAY = 2
    for _ in range(2):
        submit(patient, PractitionerFactory())
    with pytest.raises(RateLimited, match="at most 2 reviews a day"):
        submit(patient, PractitionerFactory())


def test_a_practitioner_cannot_review_their_own_profile(practitioner_owner):
    with pytest.raises(NotPermitted):
        submit(practitioner_owner, practitioner_owner.practitioner_profile)


def test_publishing_records_the_moderator_and_emails_the_author(
    moderator, mailoutbox, django_capture_on_commit_callbacks
):
    review = ReviewFactory()
    with django_capture_on_commit_callbacks(execute=True):
        review_publish(review_id=review.pk, moderator=moderator)
    review.refresh_from_db()
    assert review.status == "published"
    assert review.published_at is not None
    entry = AuditEntry.objects.for_object(review).get()
    assert (entry.action, entry.actor, entry.from_status, entry.to_status) == (
        "review.published",
        moderator,
        "pending",
        "published",
    )
    assert [m.to for m in mailoutbox] == [[review.author.email]]
    assert "published" in mailoutbox[0].subject


def test_a_rejection_needs_a_reason(moderator):
    review = ReviewFactory()
    with pytest.raises(DomainError):
        review_reject(review_id=review.pk, moderator=moderator, reason="")
    review.refresh_from_db()
    assert review.status == "pending"


def test_a_withdrawn_review_cannot_be_published(moderator):
    review = ReviewFactory(status="withdrawn")
    with pytest.raises(TransitionNotAllowed):
        review_publish(review_id=review.pk, moderator=moderator)
    assert not AuditEntry.objects.exists()


def test_only_the_author_can_withdraw_a_review(other_patient):
    review = ReviewFactory()
    with pytest.raises(NotPermitted):
        review_withdraw(review_id=review.pk, author=other_patient)
    review.refresh_from_db()
    assert review.status == "pending"


def test_stale_state_is_a_conflict():
    assert StaleState.status == 409
