"""Reports: a signed-in user reports a published review; a moderator upholds or dismisses."""

import pytest
from django.core import mail
from django.urls import reverse

from kernel.models import AuditEntry
from reviews.models import PractitionerSummary, Review, ReviewReport
from reviews.moderation import report_review
from reviews.summaries import refresh_summary, summary_drift
from reviews.tests.factories import ReviewFactory, ReviewReportFactory

pytestmark = pytest.mark.django_db


def report_url(review):
    return reverse("moderation:report", args=[review.pk])


def decide(client, review, **data):
    data.setdefault("version", Review.objects.get(pk=review.pk).version)
    return client.post(reverse("moderation:decide", args=[review.pk]), data, follow=True)


def test_the_report_url_is_named_for_review_cards():
    assert reverse("moderation:report", args=[42]) == "/reviews/42/report/"


def test_a_signed_in_user_reports_a_review_which_stays_visible_and_joins_the_queue(
    client, patient, moderator
):
    review = ReviewFactory(published=True, title="Too good to be true")
    client.force_login(patient)

    form = client.get(report_url(review))
    response = client.post(
        report_url(review), {"reason": "fake", "note": "Same text as on another site."}, follow=True
    )

    assert "Fake or not a real patient" in form.text
    assert "it stays visible meanwhile" in response.text
    report = ReviewReport.objects.get()
    assert (report.reporter, report.reason, report.status) == (patient, "fake", "open")
    review.refresh_from_db()
    assert review.status == "published"
    client.force_login(moderator)
    queue = client.get(reverse("moderation:queue")).text
    assert "Too good to be true" in queue
    assert "Reported (1)" in queue


def test_an_anonymous_visitor_is_asked_to_sign_in_before_reporting(client):
    review = ReviewFactory(published=True)
    response = client.post(report_url(review), {"reason": "fake"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert not ReviewReport.objects.exists()


def test_only_published_reviews_can_be_reported(client, patient):
    review = ReviewFactory()
    client.force_login(patient)
    assert client.get(report_url(review)).status_code == 404
    assert client.post(report_url(review), {"reason": "fake"}).status_code == 404


def test_a_report_without_a_reason_is_refused_with_a_message(client, patient):
    review = ReviewFactory(published=True)
    client.force_login(patient)
    response = client.post(report_url(review), {"reason": "i_dont_like_it"})
    assert response.status_code == 400
    assert "Choose a reason." in response.text
    assert not ReviewReport.objects.exists()


def test_an_empty_report_form_says_what_is_missing(client, patient):
    review = ReviewFactory(published=True)
    client.force_login(patient)
    response = client.post(report_url(review))
    assert response.status_code == 400
    assert "Choose a reason." in response.text


def test_an_author_cannot_report_their_own_review(client):
    review = ReviewFactory(published=True)
    client.force_login(review.author)
    response = client.post(report_url(review), {"reason": "fake"})
    assert response.status_code == 403
    assert "You cannot report your own review" in response.text
    assert not ReviewReport.objects.exists()


def test_reporting_the_same_review_twice_is_refused_politely(client, patient):
    review = ReviewFactory(published=True)
    client.force_login(patient)
    client.post(report_url(review), {"reason": "fake"})
    response = client.post(report_url(review), {"reason": "offensive"})
    assert response.status_code == 400
    assert "You have already reported this review" in response.text
    assert ReviewReport.objects.count() == 1


def test_an_overlong_report_note_is_refused_with_a_message(client, patient):
    review = ReviewFactory(published=True)
    client.force_login(patient)
    response = client.post(report_url(review), {"reason": "fake", "note": "x" * 5000})
    assert response.status_code == 400
    assert "at most 1000 characters" in response.text


def test_upholding_a_report_hides_the_review_updates_the_summary_and_records_both(
    client, moderator, patient, django_capture_on_commit_callbacks
):
    review = ReviewFactory(published=True)
    refresh_summary(review.practitioner_id)
    report_review(review_id=review.pk, reporter=patient, reason="private_information")
    client.force_login(moderator)

    with django_capture_on_commit_callbacks(execute=True):
        response = decide(client, review, decision="uphold", reason="personal_data", note="Names.")

    assert "was hidden and its reports upheld" in response.text
    review.refresh_from_db()
    assert review.status == "hidden"
    report = ReviewReport.objects.get()
    assert report.status == "upheld"
    assert report.resolved_at is not None
    assert [e.action for e in AuditEntry.objects.for_object(report)] == ["report.upheld"]
    assert [e.action for e in AuditEntry.objects.for_object(review)] == [
        "review.reported",
        "review.hidden",
    ]
    summary = PractitionerSummary.objects.get(practitioner=review.practitioner)
    assert summary.published_count == 0
    assert summary_drift(summary) == {}
    (email,) = mail.outbox
    assert "Personal or identifying information" in email.body


def test_upholding_needs_a_policy_reason(client, moderator, patient):
    review = ReviewFactory(published=True)
    report_review(review_id=review.pk, reporter=patient, reason="offensive")
    client.force_login(moderator)
    response = client.post(
        reverse("moderation:decide", args=[review.pk]),
        {"decision": "uphold", "version": review.version},
    )
    assert response.status_code == 400
    review.refresh_from_db()
    assert review.status == "published"


def test_dismissing_a_report_keeps_the_review_published_and_records_the_outcome(
    client, moderator, patient, other_patient
):
    review = ReviewFactory(published=True, title="Honest but harsh")
    report_review(review_id=review.pk, reporter=patient, reason="offensive")
    report_review(review_id=review.pk, reporter=other_patient, reason="fake")
    client.force_login(moderator)

    response = decide(client, review, decision="dismiss", note="Harsh, not abusive.")

    assert "stays published; its reports were dismissed" in response.text
    review.refresh_from_db()
    assert review.status == "published"
    assert set(ReviewReport.objects.values_list("status", flat=True)) == {"dismissed"}
    assert AuditEntry.objects.filter(action="report.dismissed").count() == 2
    assert "Honest but harsh" not in client.get(reverse("moderation:queue")).text
    timeline = client.get(reverse("moderation:review", args=[review.pk])).text
    assert "report.dismissed" in timeline
    assert "Harsh, not abusive." in timeline


def test_a_report_decided_twice_is_refused_the_second_time(client, moderator, patient):
    review = ReviewFactory(published=True)
    ReviewReportFactory(review=review, reporter=patient)
    client.force_login(moderator)
    decide(client, review, decision="dismiss")
    response = decide(client, review, decision="uphold", reason="fake")
    assert "no open report" in response.text
    review.refresh_from_db()
    assert review.status == "published"


def test_the_reporters_note_is_escaped_for_the_moderator(client, moderator, patient):
    review = ReviewFactory(published=True)
    report_review(
        review_id=review.pk, reporter=patient, reason="offensive", note="<img src=x onerror=1>"
    )
    client.force_login(moderator)
    text = client.get(reverse("moderation:review", args=[review.pk])).text
    assert "<img src=x" not in text
    assert "&lt;img src=x onerror=1&gt;" in text
