"""/transparency/: the last 12 months of decisions, each figure a recount of the audit record."""

import datetime
import re
import statistics
from html import unescape

import pytest
import time_machine
from django.core.cache import cache
from django.utils import timezone

from directory.tests.factories import UserFactory
from kernel.models import AuditEntry
from kernel.workflow import record
from listings.transparency import WINDOW, transparency_figures
from practitioners import services as practitioner_services
from practitioners.tests.factories import AttestationFactory
from reviews.models import ReviewStatus
from reviews.moderation import Decision, moderate_review, report_review
from reviews.tests.factories import ReviewFactory

pytestmark = pytest.mark.django_db
NOW = timezone.make_aware(datetime.datetime(2026, 11, 28, 12, 0))
HOUR = datetime.timedelta(hours=1)


@pytest.fixture(autouse=True)
def fresh_cache():
    cache.clear()


def submitted(at: datetime.datetime):
    with time_machine.travel(at, tick=False):
        review = ReviewFactory()
        record(review, action="review.submitted", actor=review.author, to_status="pending")
    return review


def decide(review, moderator, at, decision, reason=""):
    with time_machine.travel(at, tick=False):
        moderate_review(review_id=review.pk, moderator=moderator, decision=decision, reason=reason)


@pytest.fixture
def a_year_of_decisions(moderator, verifier):
    """Decisions inside the window, and one just outside it that must not count."""
    start = NOW - datetime.timedelta(days=100)
    timings = [2, 5, 30, 7]  # hours from submission to decision
    published = submitted(start)
    decide(published, moderator, start + timings[0] * HOUR, Decision.APPROVE)
    rejected = submitted(start)
    decide(rejected, moderator, start + timings[1] * HOUR, Decision.REJECT, "offensive")
    also_rejected = submitted(start)
    decide(also_rejected, moderator, start + timings[2] * HOUR, Decision.REJECT, "offensive")
    changes = submitted(start)
    decide(changes, moderator, start + timings[3] * HOUR, Decision.REQUEST_CHANGES, "off_topic")
    with time_machine.travel(start + 40 * HOUR, tick=False):
        report_review(review_id=published.pk, reporter=UserFactory(), reason="fake")
    decide(published, moderator, start + 50 * HOUR, Decision.UPHOLD, "fake")
    dismissed = ReviewFactory(published=True)
    with time_machine.travel(start + 60 * HOUR, tick=False):
        report_review(review_id=dismissed.pk, reporter=UserFactory(), reason="fake")
    decide(dismissed, moderator, start + 61 * HOUR, Decision.DISMISS)
    with time_machine.travel(start, tick=False):
        licence = AttestationFactory()
        practitioner_services.attestation_verify(attestation_id=licence.pk, actor=verifier)
        practitioner_services.attestation_revoke(
            attestation_id=licence.pk, actor=verifier, reason="Board suspension."
        )
        sterile = AttestationFactory(sterilization=True)
        practitioner_services.attestation_verify(attestation_id=sterile.pk, actor=verifier)
    with time_machine.travel(NOW - WINDOW - HOUR, tick=False):  # outside the window
        old = submitted(NOW - WINDOW - 2 * HOUR)
        decide(old, moderator, NOW - WINDOW - HOUR, Decision.REJECT, "offensive")
    return {"timings": timings}


def test_every_figure_equals_a_recount_of_the_audit_record(a_year_of_decisions):
    figures = transparency_figures(now=NOW)

    window = AuditEntry.objects.filter(created_at__gte=NOW - WINDOW, created_at__lt=NOW)

    def recount(action):
        return window.filter(action=action).count()

    assert figures.reviews_published == 1
    assert figures.reviews_rejected == recount("review.rejected") == 2
    assert [(r.code, r.count) for r in figures.rejected_by_reason] == [("offensive", 2)]
    assert figures.changes_requested == recount("review.changes_requested") == 1
    assert figures.reviews_hidden == recount("review.hidden") == 1
    assert figures.reports_upheld == recount("report.upheld") == 1
    assert figures.reports_dismissed == recount("report.dismissed") == 1
    assert figures.verifications_granted == recount("attestation.verified") == 2
    assert figures.verifications_revoked == recount("attestation.revoked") == 1
    assert figures.verifications_lapsed == recount("attestation.expired") == 0
    assert figures.decisions_timed == 4
    assert figures.median_hours_to_decision == statistics.median(a_year_of_decisions["timings"])


def test_an_edited_review_is_timed_from_its_resubmission(moderator):
    start = NOW - datetime.timedelta(days=10)
    review = submitted(start)
    decide(review, moderator, start + 10 * HOUR, Decision.REQUEST_CHANGES, "off_topic")
    with time_machine.travel(start + 100 * HOUR, tick=False):
        review.status = ReviewStatus.PENDING
        review.save(update_fields=["status"])
        record(review, action="review.resubmitted", actor=review.author)
    decide(review, moderator, start + 103 * HOUR, Decision.APPROVE)

    figures = transparency_figures(now=NOW)

    assert figures.decisions_timed == 2
    assert figures.median_hours_to_decision == statistics.median([10, 3])


def test_the_page_shows_the_figures_with_reasons_in_words(client, a_year_of_decisions):
    with time_machine.travel(NOW, tick=False):
        response = client.get("/transparency/")
    page = unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode())))

    assert response.status_code == 200
    assert "Reviews published 1" in page
    assert "Reviews refused 2" in page
    assert "Abusive, hateful or threatening language 2" in page
    assert "Reports upheld 1" in page
    assert "Reports dismissed 1" in page
    assert "Verifications granted 2" in page
    assert "Revoked by staff or a licensing board 1" in page
    assert "Median time from submission to decision 6.0 hours" in page


def test_with_no_decisions_the_page_says_so_rather_than_showing_a_blank(client):
    response = client.get("/transparency/")

    assert response.status_code == 200
    assert "No review was refused in the last 12 months." in response.content.decode()
