"""Moderators acting at the same time, in real threads with real transactions.

On PostgreSQL the review row lock (select_for_update) makes the second decision wait and
then see the first; on SQLite, where select_for_update does nothing, write transactions
are serialised and ``kernel.workflow.transition`` only updates the row if its status is
still the one that was read — either way exactly one decision is recorded.
"""

from collections import Counter

import pytest
from django.core.management import call_command

from directory.tests.factories import UserFactory
from kernel.errors import DomainError, StaleState
from kernel.models import AuditEntry
from kernel.workflow import transition
from practitioners.tests.factories import PractitionerFactory
from reviews.models import PractitionerSummary, Review
from reviews.moderation import claim_next, claim_review, moderate_review
from reviews.services import review_publish
from reviews.summaries import summary_drift
from reviews.tests.factories import ComplicationFactory, ReviewFactory, RuleHitFactory
from tests.races import at_once

pytestmark = pytest.mark.django_db(transaction=True)

DECISIONS = ("review.published", "review.rejected", "review.changes_requested")


def test_two_moderators_deciding_one_review_at_once_make_exactly_one_decision():
    first, second = UserFactory(roles=["Moderators"]), UserFactory(roles=["Moderators"])
    practitioner = PractitionerFactory()
    review = ReviewFactory(practitioner=practitioner, rating=5)

    results = at_once(
        lambda: moderate_review(review_id=review.pk, moderator=first, decision="approve"),
        lambda: moderate_review(
            review_id=review.pk, moderator=second, decision="reject", reason="fake"
        ),
    )

    outcomes = Counter(kind for kind, _ in results)
    assert outcomes == {"ok": 1, "error": 1}
    (error,) = [value for kind, value in results if kind == "error"]
    assert isinstance(error, DomainError)
    entries = AuditEntry.objects.for_object(review).filter(action__in=DECISIONS)
    assert entries.count() == 1
    review.refresh_from_db()
    assert review.status == entries.get().to_status
    summary = PractitionerSummary.objects.get(practitioner=practitioner)
    assert summary.published_count == (1 if review.status == "published" else 0)
    assert summary_drift(summary) == {}


def test_two_moderators_claiming_one_review_at_once_get_it_once():
    first, second = UserFactory(roles=["Moderators"]), UserFactory(roles=["Moderators"])
    review = ReviewFactory()

    results = at_once(
        lambda: claim_review(review_id=review.pk, moderator=first),
        lambda: claim_review(review_id=review.pk, moderator=second),
    )

    winners = [value.claimed_by_id for kind, value in results if kind == "ok"]
    assert len(winners) == 1
    assert [type(value) for kind, value in results if kind == "error"] == [StaleState]
    review.refresh_from_db()
    assert review.claimed_by_id == winners[0]


def test_a_decision_from_a_stale_read_is_refused_even_without_a_row_lock():
    moderator = UserFactory(roles=["Moderators"])
    review = ReviewFactory()
    read_before = Review.objects.get(pk=review.pk)  # what a second moderator's request read
    review_publish(review_id=review.pk, moderator=moderator)

    with pytest.raises(StaleState):
        transition(
            read_before,
            to="rejected",
            table=Review.TRANSITIONS,
            action="review.rejected",
            actor=moderator,
            reason="fake",
        )

    review.refresh_from_db()
    assert review.status == "published"
    assert AuditEntry.objects.for_object(review).filter(action__in=DECISIONS).count() == 1


def test_three_moderators_clear_a_mixed_queue_of_50_and_no_summary_drifts(capsys):
    moderators = [UserFactory(roles=["Moderators"]) for _ in range(3)]
    practitioners = [PractitionerFactory() for _ in range(4)]
    for i in range(50):
        review = ReviewFactory(practitioner=practitioners[i % 4], rating=1 + i % 5)
        if i % 7 == 0:
            ComplicationFactory(review=review, type="infection", severity="severe")
            Review.objects.filter(pk=review.pk).update(has_severe_complication=True)
        if i % 5 == 0:
            RuleHitFactory(review=review)

    def work(moderator):
        decided = 0
        while (review := claim_next(moderator=moderator)) is not None:
            flagged = review.rule_hits.exists()
            try:
                moderate_review(
                    review_id=review.pk,
                    moderator=moderator,
                    decision="reject" if flagged else "approve",
                    reason="contact_or_advertising" if flagged else "",
                )
                decided += 1
            except DomainError:
                continue
        return decided

    results = at_once(*[lambda m=m: work(m) for m in moderators])

    assert all(kind == "ok" for kind, _ in results), results
    assert sum(value for _, value in results) == 50
    assert not Review.objects.filter(status="pending").exists()
    for review in Review.objects.all():
        assert AuditEntry.objects.for_object(review).filter(action__in=DECISIONS).count() == 1
    call_command("verify_summaries", "--no-progress")
    assert "no drift" in capsys.readouterr().out
