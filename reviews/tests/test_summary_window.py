"""The 24-month window and the review threshold, at their boundaries.

Each count is pinned by reviews that almost qualify, so that loosening a condition in
reviews/summaries.py (``>=`` to ``>`` at the window's start, ``and`` to ``or`` in the
skin types IV to VI hyperpigmentation count) makes a test here fail.
"""

import datetime

import pytest

from reviews.models import MIN_REVIEWS_FOR_FIGURES, PractitionerSummary, has_enough_reviews
from reviews.summaries import (
    bayesian_rating,
    fresh_summary,
    leaves_window_on,
    refresh_aged_summaries,
    refresh_summary,
    tally,
    window_start,
)

TODAY = datetime.date(2026, 11, 28)
START = window_start(TODAY)  # 2024-11-01: the first month inside the window
DAY = datetime.timedelta(days=1)


def month_before(day: datetime.date) -> datetime.date:
    return (day - DAY).replace(day=1)


def test_the_window_starts_on_the_first_of_the_month_730_days_back():
    assert datetime.date(2024, 11, 1) == START


def test_a_review_of_the_windows_first_month_counts_and_one_of_the_month_before_does_not():
    reviews = [(1, 5, "II", START), (2, 1, "II", month_before(START))]

    counts = tally(reviews, [], today=TODAY)

    assert counts.review_count == 1
    assert counts.rating_sum == 5
    assert counts.published_count == 2


def test_a_review_of_the_current_month_counts():
    counts = tally([(1, 4, "", TODAY.replace(day=1))], [], today=TODAY)

    assert counts.review_count == 1


def test_complications_of_a_review_outside_the_window_are_not_counted():
    reviews = [(1, 5, "V", START), (2, 5, "V", month_before(START))]
    complications = [(1, "infection", "severe"), (2, "scarring", "severe")]

    counts = tally(reviews, complications, today=TODAY)

    assert counts.severe_count == 1
    assert counts.complication_counts == {"infection": {"severe": 1}}
    # The search's "never reported" mask covers every published review, in or out.
    assert counts.complication_mask != 0


def test_hyperpigmentation_among_iv_to_vi_counts_only_hyperpigmentation_on_those_types():
    reviews = [
        (1, 4, "V", START),  # hyperpigmentation on type V: counts
        (2, 4, "III", START),  # hyperpigmentation, but on type III: does not
        (3, 4, "VI", START),  # type VI, but pain: does not
        (4, 4, "IV", START),  # type IV, nothing reported
    ]
    complications = [
        (1, "hyperpigmentation", "mild"),
        (2, "hyperpigmentation", "moderate"),
        (3, "pain", "mild"),
    ]

    counts = tally(reviews, complications, today=TODAY)

    assert counts.darker_skin_review_count == 3
    assert counts.darker_skin_hyperpigmentation_count == 1


def test_per_skin_type_counts_keep_each_type_apart():
    reviews = [(1, 4, "V", START), (2, 4, "V", START), (3, 4, "II", START), (4, 4, "", START)]
    complications = [(1, "hyperpigmentation", "severe"), (1, "pain", "mild"), (3, "pain", "mild")]

    counts = tally(reviews, complications, today=TODAY)

    assert counts.by_skin_type == {
        "II": {"reviews": 1, "with_complication": 1, "severe": 0, "complications": {"pain": 1}},
        "V": {
            "reviews": 2,
            "with_complication": 1,
            "severe": 1,
            "complications": {"hyperpigmentation": 1, "pain": 1},
        },
    }


@pytest.mark.parametrize("count", [MIN_REVIEWS_FOR_FIGURES - 1, MIN_REVIEWS_FOR_FIGURES])
def test_the_rating_is_ranked_from_the_threshold_and_not_one_review_below(count):
    reviews = [(n, 5, "", START) for n in range(count)]

    counts = tally(reviews, [], today=TODAY)

    assert has_enough_reviews(count) == (count == MIN_REVIEWS_FOR_FIGURES)
    expected = bayesian_rating(5 * count, count) if has_enough_reviews(count) else 0.0
    assert counts.rank_rating == expected


def test_the_recount_falls_due_on_the_day_the_oldest_counted_review_leaves_the_window():
    oldest = datetime.date(2025, 3, 1)
    reviews = [(1, 5, "", oldest), (2, 4, "", datetime.date(2026, 1, 1))]
    due = tally(reviews, [], today=TODAY).recount_due_on

    assert due == leaves_window_on(oldest) == datetime.date(2027, 4, 1)
    assert tally(reviews, [], today=due - DAY).review_count == 2
    assert tally(reviews, [], today=due).review_count == 1


def test_without_reviews_in_the_window_nothing_falls_due():
    assert tally([(1, 5, "", month_before(START))], [], today=TODAY).recount_due_on is None


@pytest.mark.django_db
def test_the_daily_job_recounts_only_summaries_whose_reviews_left_the_window(settings):
    from practitioners.tests.factories import PractitionerFactory
    from reviews.tests.factories import ReviewFactory

    aging, steady = PractitionerFactory(), PractitionerFactory()
    ReviewFactory(practitioner=aging, published=True, treatment_month=datetime.date(2025, 3, 1))
    ReviewFactory(practitioner=steady, published=True, treatment_month=datetime.date(2026, 6, 1))
    for practitioner in (aging, steady):
        refresh_summary(practitioner.pk, today=TODAY)
    due = leaves_window_on(datetime.date(2025, 3, 1))

    assert refresh_aged_summaries(today=due - DAY) == 0
    assert refresh_aged_summaries(today=due) == 1
    assert PractitionerSummary.objects.get(pk=aging.pk).review_count == 0
    assert PractitionerSummary.objects.get(pk=steady.pk).review_count == 1
    assert refresh_aged_summaries(today=due) == 0  # a second run the same day finds nothing


@pytest.mark.django_db
def test_a_profile_read_before_the_daily_job_recounts_on_its_own():
    from practitioners.tests.factories import PractitionerFactory
    from reviews.tests.factories import ReviewFactory

    practitioner = PractitionerFactory()
    ReviewFactory(
        practitioner=practitioner, published=True, treatment_month=datetime.date(2025, 3, 1)
    )
    stored = refresh_summary(practitioner.pk, today=TODAY)
    due = stored.recount_due_on

    before = fresh_summary(stored, practitioner_id=practitioner.pk, today=due - DAY)
    after = fresh_summary(stored, practitioner_id=practitioner.pk, today=due)

    assert before is stored
    assert before.review_count == 1
    assert after.review_count == 0
    assert PractitionerSummary.objects.get(pk=practitioner.pk).review_count == 1  # not written
