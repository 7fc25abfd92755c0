import datetime

import pytest
from django.utils import timezone

from practitioners.tests.factories import PractitionerFactory
from reviews.models import PractitionerSummary
from reviews.services import review_publish, review_withdraw
from reviews.summaries import recount, refresh_summary, summary_drift
from reviews.tests.factories import ComplicationFactory, ReviewFactory

pytestmark = pytest.mark.django_db


def test_publishing_a_review_updates_the_summary_to_equal_a_recount(moderator):
    practitioner = PractitionerFactory()
    review = ReviewFactory(practitioner=practitioner, rating=5, skin_type="V")
    ComplicationFactory(review=review, type="hyperpigmentation", severity="moderate")

    review_publish(review_id=review.pk, moderator=moderator)

    summary = PractitionerSummary.objects.get(practitioner=practitioner)
    assert summary.review_count == 1
    assert summary.rating_sum == 5
    assert summary.complication_review_count == 1
    assert summary.complication_counts == {"hyperpigmentation": {"moderate": 1}}
    assert summary.darker_skin_review_count == 1
    assert summary.darker_skin_hyperpigmentation_count == 1
    assert summary_drift(summary) == {}


def test_withdrawing_a_published_review_takes_it_out_of_the_summary(moderator):
    review = ReviewFactory()
    review_publish(review_id=review.pk, moderator=moderator)
    review_withdraw(review_id=review.pk, author=review.author)
    summary = PractitionerSummary.objects.get(practitioner=review.practitioner)
    assert summary.review_count == 0
    assert summary.published_count == 0
    assert summary_drift(summary) == {}


def test_pending_and_rejected_reviews_never_count():
    practitioner = PractitionerFactory()
    ReviewFactory(practitioner=practitioner)
    ReviewFactory(practitioner=practitioner, status="rejected")
    assert recount(practitioner.pk).published_count == 0


def test_reviews_older_than_24_months_leave_the_safety_figures_but_keep_their_tags():
    practitioner = PractitionerFactory()
    old = ReviewFactory(
        practitioner=practitioner,
        published=True,
        skin_type="II",
        treatment_month=(timezone.localdate() - datetime.timedelta(days=800)).replace(day=1),
    )
    ComplicationFactory(review=old, type="scarring", severity="severe")
    counts = recount(practitioner.pk)
    assert counts.published_count == 1
    assert counts.review_count == 0
    assert counts.severe_count == 0
    assert counts.complication_mask != 0
    assert counts.skin_type_mask != 0


def test_the_bayesian_rating_ranks_many_good_reviews_above_two_perfect_ones():
    few, many = PractitionerFactory(), PractitionerFactory()
    for _ in range(2):
        ReviewFactory(practitioner=few, published=True, rating=5)
    for _ in range(40):
        ReviewFactory(practitioner=many, published=True, rating=5 if _ % 5 else 4)
    assert refresh_summary(many.pk).bayesian_rating > refresh_summary(few.pk).bayesian_rating


def test_a_summary_edited_behind_the_services_back_shows_as_drift():
    review = ReviewFactory(published=True)
    summary = refresh_summary(review.practitioner_id)
    PractitionerSummary.objects.filter(pk=summary.pk).update(severe_count=7)
    summary.refresh_from_db()
    assert summary_drift(summary) == {"severe_count": (7, 0)}
