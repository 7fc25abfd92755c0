import pytest

from kernel.errors import StaleState, TransitionNotAllowed
from kernel.models import AuditEntry
from kernel.workflow import transition
from reviews.models import Review
from reviews.tests.factories import ReviewFactory

pytestmark = pytest.mark.django_db


def test_an_allowed_transition_changes_the_status_and_appends_one_audit_entry(moderator):
    review = ReviewFactory()
    entry = transition(
        review,
        to="published",
        table=Review.TRANSITIONS,
        action="review.published",
        actor=moderator,
        reason="meets_policy",
    )
    review.refresh_from_db()
    assert review.status == "published"
    assert list(AuditEntry.objects.for_object(review)) == [entry]
    assert (entry.actor, entry.from_status, entry.to_status, entry.reason) == (
        moderator,
        "pending",
        "published",
        "meets_policy",
    )


def test_a_forbidden_transition_is_refused_and_writes_nothing(moderator):
    review = ReviewFactory(status="withdrawn")
    with pytest.raises(TransitionNotAllowed):
        transition(
            review,
            to="published",
            table=Review.TRANSITIONS,
            action="review.published",
            actor=moderator,
        )
    review.refresh_from_db()
    assert review.status == "withdrawn"
    assert not AuditEntry.objects.exists()


def test_a_decision_on_a_stale_copy_is_refused_when_someone_else_decided_first(moderator):
    review = ReviewFactory()
    stale_copy = Review.objects.get(pk=review.pk)
    transition(
        review, to="rejected", table=Review.TRANSITIONS, action="review.rejected", actor=moderator
    )
    with pytest.raises(StaleState):
        transition(
            stale_copy,
            to="published",
            table=Review.TRANSITIONS,
            action="review.published",
            actor=moderator,
        )
    review.refresh_from_db()
    assert review.status == "rejected"
    assert AuditEntry.objects.count() == 1


def test_the_audit_record_cannot_be_edited_or_deleted(moderator):
    review = ReviewFactory()
    entry = transition(
        review, to="published", table=Review.TRANSITIONS, action="review.published", actor=moderator
    )
    entry.note = "rewritten history"
    with pytest.raises(PermissionError):
        entry.save()
    with pytest.raises(PermissionError):
        entry.delete()
    with pytest.raises(PermissionError):
        AuditEntry.objects.all().update(note="x")
    with pytest.raises(PermissionError):
        AuditEntry.objects.all().delete()
    assert AuditEntry.objects.get().note == ""


def test_staff_cannot_change_or_delete_audit_entries_in_the_admin(admin_client, moderator):
    review = ReviewFactory()
    entry = transition(
        review, to="published", table=Review.TRANSITIONS, action="review.published", actor=moderator
    )
    assert admin_client.get("/admin/directory/auditentry/").status_code == 200
    change_page = admin_client.get(f"/admin/directory/auditentry/{entry.pk}/change/")
    assert change_page.status_code == 200
    assert b'name="_save"' not in change_page.content
    assert admin_client.post(f"/admin/directory/auditentry/{entry.pk}/delete/").status_code == 403
    assert AuditEntry.objects.count() == 1
