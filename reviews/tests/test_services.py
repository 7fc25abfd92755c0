import datetime

import pytest
from django.utils import timezone

from directory.tests.factories import UserFactory
from kernel.errors import (
    DomainError,
    NotPermitted,
    RateLimited,
    StaleState,
    TransitionNotAllowed,
)
from kernel.models import AuditEntry
from practitioners.tests.factories import PractitionerFactory, procedure
from reviews.models import Review
from reviews.services import (
    InvitationForAnotherAddress,
    review_edit,
    review_publish,
    review_reject,
    review_submit,
    review_withdraw,
)
from reviews.tests.factories import ReviewFactory, ReviewInvitationFactory, last_month

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


def submit(author, practitioner, *, complications=(), invitation=None, **overrides):
    fields = {**FIELDS, "treatment_month": last_month(), **overrides}
    return review_submit(
        author=author,
        practitioner=practitioner,
        procedure=procedure(),
        fields=fields,
        complications=complications,
        invitation=invitation,
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


def test_an_account_without_a_confirmed_email_cannot_submit(db):
    author = UserFactory(email_verified_at=None)
    with pytest.raises(NotPermitted, match="Confirm your e-mail address"):
        submit(author, PractitionerFactory())
    assert Review.objects.count() == 0


def test_a_future_treatment_month_is_refused_by_the_service(patient):
    next_month = (timezone.localdate().replace(day=28) + datetime.timedelta(days=5)).replace(day=1)
    with pytest.raises(DomainError, match="cannot be in the future"):
        submit(patient, PractitionerFactory(), treatment_month=next_month)
    assert Review.objects.count() == 0


def test_an_invitation_marks_the_review_and_is_spent_once(patient):
    invitation = ReviewInvitationFactory(email=patient.email)
    review = submit(patient, invitation.practitioner, invitation=invitation)
    assert review.is_verified_patient
    invitation.refresh_from_db()
    assert invitation.used_at is not None
    with pytest.raises(DomainError, match="already been used"):
        submit(patient, invitation.practitioner, invitation=invitation)
    assert Review.objects.count() == 1


def test_an_invitation_for_another_address_is_refused_by_the_service_and_not_spent(
    patient, other_patient
):
    invitation = ReviewInvitationFactory(email=patient.email.upper())
    with pytest.raises(InvitationForAnotherAddress, match="sent to a different e-mail address"):
        submit(other_patient, invitation.practitioner, invitation=invitation)
    invitation.refresh_from_db()
    assert invitation.used_at is None
    assert Review.objects.count() == 0
    review = submit(patient, invitation.practitioner, invitation=invitation)
    assert review.is_verified_patient


def test_an_invitation_for_another_practitioner_is_refused_by_the_service(patient):
    invitation = ReviewInvitationFactory(email=patient.email)
    with pytest.raises(DomainError, match="another practitioner"):
        submit(patient, PractitionerFactory(), invitation=invitation)
    invitation.refresh_from_db()
    assert invitation.used_at is None


def test_an_invited_review_keeps_its_treatment_month_when_edited(patient):
    invitation = ReviewInvitationFactory(email=patient.email)
    review = submit(
        patient,
        invitation.practitioner,
        invitation=invitation,
        treatment_month=invitation.treatment_date.replace(day=1),
    )
    earlier = (invitation.treatment_date.replace(day=1) - datetime.timedelta(days=40)).replace(
        day=1
    )
    review_edit(
        review_id=review.pk,
        author=patient,
        fields={**FIELDS, "treatment_month": earlier, "title": "Edited"},
        complications=[],
    )
    review.refresh_from_db()
    assert review.title == "Edited"
    assert review.treatment_month == invitation.treatment_date.replace(day=1)


def test_an_edit_is_kept_as_a_revision_and_recorded(patient, moderator):
    review = submit(patient, PractitionerFactory())
    review_publish(review_id=review.pk, moderator=moderator)
    review_edit(
        review_id=review.pk,
        author=patient,
        fields={**FIELDS, "title": "Second thoughts"},
        complications=[],
    )
    review.refresh_from_db()
    assert review.status == "pending"
    assert review.published_at is None
    assert list(review.revisions.values_list("snapshot__title", flat=True)) == ["Careful and clean"]
    resubmitted, edited = AuditEntry.objects.for_object(review).order_by("pk")[2:]
    assert (resubmitted.action, resubmitted.from_status, resubmitted.to_status) == (
        "review.resubmitted",
        "published",
        "pending",
    )
    assert (edited.action, edited.data["before"], edited.data["after"]) == (
        "review.edited",
        {"title": "Careful and clean"},
        {"title": "Second thoughts"},
    )


def test_only_the_author_can_edit(patient, other_patient):
    review = submit(patient, PractitionerFactory())
    with pytest.raises(NotPermitted):
        review_edit(
            review_id=review.pk,
            author=other_patient,
            fields={"title": "Mine now"},
            complications=[],
        )
    review.refresh_from_db()
    assert review.title == "Careful and clean"
    assert review.revisions.count() == 0


def test_the_same_complication_type_twice_is_refused_by_the_service(patient):
    row = {
        "type": "infection",
        "severity": "mild",
        "onset_days": 2,
        "treatment_needed": "none",
        "outcome": "resolved",
    }
    with pytest.raises(DomainError, match="each complication type once"):
        submit(patient, PractitionerFactory(), complications=[row, {**row, "severity": "severe"}])
    assert Review.objects.count() == 0
