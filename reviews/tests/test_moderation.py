"""The moderation queue: who may open it, its order, items, claims, decisions, bulk approval."""

import datetime

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from directory.tests.factories import UserFactory
from kernel.models import AuditEntry
from practitioners.tests.factories import PractitionerFactory
from reviews.models import Review
from reviews.moderation import CLAIM_DURATION, claim_review
from reviews.rules import screen_review
from reviews.tests.factories import (
    ComplicationFactory,
    ReviewFactory,
    ReviewReportFactory,
    RuleHitFactory,
    SafetyAlertFactory,
)

pytestmark = pytest.mark.django_db

QUEUE = reverse("moderation:queue")


def decide_url(review):
    return reverse("moderation:decide", args=[review.pk])


def item_url(review):
    return reverse("moderation:review", args=[review.pk])


def ago(**kwargs):
    return timezone.now() - datetime.timedelta(**kwargs)


def decisions(review):
    return list(
        AuditEntry.objects.for_object(review)
        .exclude(action="review.reported")
        .values_list("action", flat=True)
    )


# --- Who may moderate --------------------------------------------------------------------


def test_an_anonymous_visitor_is_sent_to_sign_in(client):
    response = client.get(QUEUE)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("role", ["patient", "practitioner_owner", "verifier"])
def test_patients_practitioners_and_verifiers_are_refused_the_queue(client, request, role):
    client.force_login(request.getfixturevalue(role))
    assert client.get(QUEUE).status_code == 403


def test_a_patient_cannot_publish_a_review_by_posting_the_decision_form(client, patient):
    review = ReviewFactory()
    client.force_login(patient)
    response = client.post(decide_url(review), {"version": review.version, "decision": "approve"})
    assert response.status_code == 403
    review.refresh_from_db()
    assert review.status == "pending"
    assert not AuditEntry.objects.exists()


def test_a_moderator_sees_the_queue(client, moderator):
    ReviewFactory(title="Calm and careful")
    client.force_login(moderator)
    response = client.get(QUEUE)
    assert response.status_code == 200
    assert "Calm and careful" in response.text


# --- Order -------------------------------------------------------------------------------


def test_severe_complications_come_first_then_reported_reviews_then_the_rest_oldest_first(
    client, moderator
):
    ReviewFactory(title="Routine newer", submitted_at=ago(hours=1))
    ReviewFactory(title="Routine older", submitted_at=ago(days=3))
    reported = ReviewFactory(title="Reported one", published=True, submitted_at=ago(days=30))
    ReviewReportFactory(review=reported)
    severe = ReviewFactory(
        title="Severe newest", submitted_at=ago(minutes=5), has_severe_complication=True
    )
    ComplicationFactory(review=severe, type="infection", severity="severe")
    ReviewFactory(title="Published, never reported", published=True)
    client.force_login(moderator)

    text = client.get(QUEUE).text

    positions = [
        text.index(title)
        for title in ("Severe newest", "Reported one", "Routine older", "Routine newer")
    ]
    assert positions == sorted(positions)
    assert "Published, never reported" not in text


def test_the_queue_page_runs_the_same_number_of_queries_for_3_or_30_reviews(
    client, moderator, django_assert_num_queries, django_assert_max_num_queries
):
    def fill(n):
        for i in range(n):
            review = ReviewFactory(has_severe_complication=i % 3 == 0)
            ComplicationFactory(review=review, severity="severe" if i % 3 == 0 else "mild")
            RuleHitFactory(review=review)
            reported = ReviewFactory(published=True)
            ReviewReportFactory(review=reported)
            SafetyAlertFactory(rule=f"rule-{i}").reviews.add(reported)

    client.force_login(moderator)
    fill(1)
    # session (none when sessions are cached in Redis), user, the device that passed the
    # second factor, permissions (user's, group's), reported review ids, page count, page
    # rows, complications, rule hits, the queue counts, pending responses, open alerts,
    # their reviews, their severe complications, whether the navigation offers the
    # practitioner dashboard, and what ties the moderator to practices (profiles they
    # manage, clinics at their e-mail domain, profiles they claim)
    with django_assert_max_num_queries(19) as small:
        assert client.get(QUEUE).status_code == 200
    fill(14)
    with django_assert_num_queries(len(small)):
        assert client.get(QUEUE).status_code == 200


# --- One item ----------------------------------------------------------------------------


def test_the_item_page_shows_the_text_structured_data_hits_history_and_practitioner_reviews(
    client, moderator
):
    practitioner = PractitionerFactory(first_name="Ada", last_name="Lind")
    author = UserFactory(display_name="Robin", email="robin@example.org")
    review = ReviewFactory(
        author=author,
        practitioner=practitioner,
        body="Deep needling, no patch test.",
        needle_depth_mm="1.50",
        skin_type="V",
    )
    ComplicationFactory(
        review=review,
        type="infection",
        severity="severe",
        onset_days=3,
        treatment_needed="emergency",
        outcome="ongoing",
    )
    RuleHitFactory(
        review=review, code="contact_details", explanation="The text contains a phone number."
    )
    ReviewFactory(author=author, title="Robin's earlier review", published=True)
    ReviewFactory(practitioner=practitioner, title="Another patient of Ada", published=True)
    client.force_login(moderator)

    text = client.get(item_url(review)).text

    for expected in (
        "Deep needling, no patch test.",
        "1.50 mm",
        "Type V",
        "Infection",
        "Severe",
        "Emergency care",
        "Ongoing",
        "contact_details",
        "The text contains a phone number.",
        "Robin&#x27;s earlier review",
        "robin@example.org",
        "account opened",
        "pending moderation 1, published 1",
        "Another patient of Ada",
    ):
        assert expected in text, expected


def test_review_text_is_escaped_on_the_moderation_page(client, moderator):
    review = ReviewFactory(title="<script>alert(1)</script>", body="<b>bold</b>")
    client.force_login(moderator)
    text = client.get(item_url(review)).text
    assert "<script>alert(1)</script>" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert "&lt;b&gt;bold&lt;/b&gt;" in text


def test_an_unknown_review_is_a_404_not_an_error(client, moderator):
    client.force_login(moderator)
    assert client.get(reverse("moderation:review", args=[999999])).status_code == 404
    assert client.post(reverse("moderation:decide", args=[999999])).status_code == 404


def test_the_page_documents_the_keyboard_shortcuts_and_loads_only_our_script(client, moderator):
    review = ReviewFactory()
    client.force_login(moderator)
    text = client.get(item_url(review)).text
    assert "Keyboard shortcuts" in text
    assert 'aria-keyshortcuts="a"' in text
    assert "/static/js/moderation.js" in text
    assert "<script>" not in text
    assert "style=" not in text


# --- Decisions ---------------------------------------------------------------------------


def test_approving_publishes_records_the_decision_and_tells_the_author(
    client, moderator, django_capture_on_commit_callbacks
):
    review = ReviewFactory(title="Good result")
    client.force_login(moderator)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            decide_url(review), {"version": review.version, "decision": "approve", "note": "Fine."}
        )

    review.refresh_from_db()
    assert review.status == "published"
    entry = AuditEntry.objects.for_object(review).get()
    assert (entry.actor, entry.from_status, entry.to_status, entry.reason, entry.note) == (
        moderator,
        "pending",
        "published",
        "meets_policy",
        "Fine.",
    )
    assert [m.subject for m in mail.outbox] == ["Your review is published"]
    assert response.status_code == 302
    assert "was published" in client.get(response["Location"], follow=True).text


def test_rejecting_needs_a_policy_reason_and_changes_nothing_without_one(client, moderator):
    review = ReviewFactory()
    client.force_login(moderator)

    response = client.post(decide_url(review), {"version": review.version, "decision": "reject"})

    assert response.status_code == 400
    assert "Choose the reason from the moderation policy." in response.text
    review.refresh_from_db()
    assert review.status == "pending"
    assert not AuditEntry.objects.exists()


def test_a_reason_outside_the_published_policy_is_refused(client, moderator):
    review = ReviewFactory()
    client.force_login(moderator)
    response = client.post(
        decide_url(review),
        {"version": review.version, "decision": "reject", "reason": "too_negative"},
    )
    assert response.status_code == 400
    assert "Choose a reason from the moderation policy." in response.text
    review.refresh_from_db()
    assert review.status == "pending"


def test_rejecting_tells_the_author_the_reason_in_words(
    client, moderator, django_capture_on_commit_callbacks
):
    review = ReviewFactory()
    client.force_login(moderator)

    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            decide_url(review),
            {
                "version": review.version,
                "decision": "reject",
                "reason": "offensive",
                "note": "Insults staff.",
            },
        )

    review.refresh_from_db()
    assert review.status == "rejected"
    entry = AuditEntry.objects.for_object(review).get()
    assert (entry.reason, entry.note) == ("offensive", "Insults staff.")
    (email,) = mail.outbox
    assert "Reason: Abusive, hateful or threatening language" in email.body
    assert "Insults staff." in email.body


def test_requesting_changes_sends_the_review_back_with_the_reason(
    client, moderator, django_capture_on_commit_callbacks
):
    review = ReviewFactory()
    client.force_login(moderator)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            decide_url(review),
            {"version": review.version, "decision": "request_changes", "reason": "personal_data"},
        )
    review.refresh_from_db()
    assert review.status == "changes_requested"
    assert "Personal or identifying information" in mail.outbox[0].body


def test_a_review_someone_else_decided_first_is_refused_with_a_message(client, moderator):
    other = UserFactory(roles=["Moderators"])
    review = ReviewFactory()
    client.force_login(other)
    client.post(decide_url(review), {"version": review.version, "decision": "approve"})
    client.force_login(moderator)

    response = client.post(
        decide_url(review),
        {"version": review.version, "decision": "reject", "reason": "fake"},
        follow=True,
    )

    assert "already published" in response.text
    review.refresh_from_db()
    assert review.status == "published"
    assert decisions(review) == ["review.published"]


def test_after_a_decision_the_moderator_is_taken_to_the_next_review_which_is_claimed(
    client, moderator
):
    first = ReviewFactory(submitted_at=ago(hours=2))
    second = ReviewFactory(submitted_at=ago(hours=1))
    client.force_login(moderator)

    response = client.post(decide_url(first), {"version": first.version, "decision": "approve"})

    assert response["Location"] == item_url(second)
    second.refresh_from_db()
    assert second.claimed_by == moderator


def test_the_record_shows_every_decision_as_a_timeline(client, moderator):
    review = ReviewFactory()
    client.force_login(moderator)
    client.post(
        decide_url(review),
        {"version": review.version, "decision": "request_changes", "reason": "off_topic"},
    )
    Review.objects.filter(pk=review.pk).update(status="pending")  # the author resubmitted
    review.refresh_from_db()
    client.post(decide_url(review), {"version": review.version, "decision": "approve"})

    text = client.get(item_url(review)).text

    assert "review.changes_requested" in text
    assert "Not about the treatment or the practitioner" in text
    assert "review.published" in text
    assert text.index("review.changes_requested") < text.index("review.published")


# --- Claims ------------------------------------------------------------------------------


def test_claiming_holds_a_review_for_15_minutes(client, moderator):
    review = ReviewFactory()
    client.force_login(moderator)
    before = timezone.now()
    response = client.post(reverse("moderation:claim", args=[review.pk]), follow=True)
    review.refresh_from_db()
    assert review.claimed_by == moderator
    assert before + CLAIM_DURATION <= review.claimed_until <= timezone.now() + CLAIM_DURATION
    assert "This review is yours until" in response.text


def test_a_second_moderator_cannot_claim_or_decide_a_claimed_review(client, moderator):
    other = UserFactory(roles=["Moderators"], display_name="Quinn")
    review = ReviewFactory()
    claim_review(review_id=review.pk, moderator=other)
    client.force_login(moderator)

    claimed = client.post(reverse("moderation:claim", args=[review.pk]), follow=True)
    decided = client.post(
        decide_url(review), {"version": review.version, "decision": "approve"}, follow=True
    )

    assert "Quinn is working on this review until" in claimed.text
    assert "Quinn is working on this review until" in decided.text
    review.refresh_from_db()
    assert (review.status, review.claimed_by) == ("pending", other)
    assert not AuditEntry.objects.exists()


def test_an_expired_claim_can_be_taken_by_another_moderator(moderator):
    other = UserFactory(roles=["Moderators"])
    review = ReviewFactory()
    claim_review(review_id=review.pk, moderator=other, now=ago(minutes=16))

    claim_review(review_id=review.pk, moderator=moderator)

    review.refresh_from_db()
    assert review.claimed_by == moderator


def test_a_claim_just_before_it_expires_still_holds(moderator):
    other = UserFactory(roles=["Moderators"])
    review = ReviewFactory()
    claim_review(review_id=review.pk, moderator=other, now=ago(minutes=14))
    with pytest.raises(Exception, match="is working on this review"):
        claim_review(review_id=review.pk, moderator=moderator)


def test_next_skips_reviews_another_moderator_holds(client, moderator):
    other = UserFactory(roles=["Moderators"])
    held = ReviewFactory(submitted_at=ago(hours=3))
    free = ReviewFactory(submitted_at=ago(hours=1))
    claim_review(review_id=held.pk, moderator=other)
    client.force_login(moderator)

    response = client.post(reverse("moderation:next"))

    assert response["Location"] == item_url(free)


def test_next_on_an_empty_queue_says_so(client, moderator):
    client.force_login(moderator)
    response = client.post(reverse("moderation:next"), follow=True)
    assert "The queue is clear" in response.text


def test_releasing_a_claim_frees_the_review(client, moderator):
    review = ReviewFactory()
    claim_review(review_id=review.pk, moderator=moderator)
    client.force_login(moderator)
    client.post(reverse("moderation:release", args=[review.pk]))
    review.refresh_from_db()
    assert review.claimed_by is None


def test_a_decided_review_can_no_longer_be_claimed(moderator):
    review = ReviewFactory(status="rejected")
    with pytest.raises(Exception, match="no longer waiting"):
        claim_review(review_id=review.pk, moderator=moderator)


# --- Bulk approval -----------------------------------------------------------------------


def test_bulk_approval_publishes_only_reviews_without_rule_hits_each_recorded(client, moderator):
    clean = [ReviewFactory(), ReviewFactory()]
    flagged = ReviewFactory()
    RuleHitFactory(review=flagged)
    client.force_login(moderator)

    response = client.post(
        reverse("moderation:bulk_approve"),
        {"review": [r.pk for r in [*clean, flagged]]},
        follow=True,
    )

    assert "Published 2 reviews." in response.text
    assert f"Review #{flagged.pk} was not approved: has rule hits" in response.text
    for review in clean:
        review.refresh_from_db()
        assert review.status == "published"
        assert decisions(review) == ["review.published"]
    flagged.refresh_from_db()
    assert flagged.status == "pending"


def test_the_queue_offers_bulk_approval_only_for_reviews_without_hits(client, moderator):
    clean = ReviewFactory()
    flagged = ReviewFactory()
    RuleHitFactory(review=flagged)
    client.force_login(moderator)
    text = client.get(QUEUE).text
    # Each ticked review carries the version the queue showed.
    assert f'value="{clean.pk}:{clean.version}"' in text
    assert f'value="{flagged.pk}:' not in text


def test_a_severe_complication_is_never_bulk_approved(moderator):
    review = ReviewFactory(has_severe_complication=True)
    ComplicationFactory(review=review, severity="severe")
    screen_review(review)
    from reviews.moderation import bulk_approve

    result = bulk_approve(review_ids=[review.pk], moderator=moderator)
    assert result.approved == []
    review.refresh_from_db()
    assert review.status == "pending"


def test_bulk_approval_with_a_garbled_selection_is_refused_with_a_message(client, moderator):
    client.force_login(moderator)
    response = client.post(reverse("moderation:bulk_approve"), {"review": ["1", "x"]}, follow=True)
    assert response.status_code == 200
    assert "The selection was not understood" in response.text


# --- The record is append-only -----------------------------------------------------------


def test_the_record_cannot_be_changed_or_deleted_through_the_admin(client, moderator):
    review = ReviewFactory()
    client.force_login(moderator)
    client.post(decide_url(review), {"version": review.version, "decision": "approve"})
    entry = AuditEntry.objects.get()
    admin = UserFactory(is_superuser=True, is_staff=True)
    client.force_login(admin)

    change = client.post(
        reverse("admin:directory_auditentry_change", args=[entry.pk]), {"note": "edited"}
    )
    delete = client.post(
        reverse("admin:directory_auditentry_delete", args=[entry.pk]), {"post": "yes"}
    )

    assert change.status_code == 403
    assert delete.status_code == 403
    entry.refresh_from_db()
    assert entry.note == ""
    with pytest.raises(PermissionError):
        AuditEntry.objects.filter(pk=entry.pk).update(note="edited")
