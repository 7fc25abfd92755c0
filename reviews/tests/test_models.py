import pytest
from django.db import IntegrityError

from reviews.tests.factories import ComplicationFactory, ReviewFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "field",
    ["rating", "rating_results", "rating_hygiene", "rating_communication", "rating_aftercare"],
)
def test_the_database_refuses_a_rating_of_six(field):
    with pytest.raises(IntegrityError):
        ReviewFactory(**{field: 6})


def test_the_database_refuses_a_rating_of_zero():
    with pytest.raises(IntegrityError):
        ReviewFactory(rating=0)


def test_the_database_refuses_an_unknown_status():
    with pytest.raises(IntegrityError):
        ReviewFactory(status="approved")


def test_the_database_refuses_a_second_review_of_the_same_treatment():
    review = ReviewFactory()
    with pytest.raises(IntegrityError):
        ReviewFactory(
            author=review.author,
            practitioner=review.practitioner,
            procedure=review.procedure,
            treatment_month=review.treatment_month,
        )


def test_a_withdrawn_review_does_not_block_a_new_one_for_the_same_treatment():
    review = ReviewFactory(status="withdrawn")
    ReviewFactory(
        author=review.author,
        practitioner=review.practitioner,
        procedure=review.procedure,
        treatment_month=review.treatment_month,
    )


def test_the_database_refuses_a_needle_depth_beyond_three_millimetres():
    with pytest.raises(IntegrityError):
        ReviewFactory(needle_depth_mm="3.50")


def test_the_database_refuses_an_unknown_complication_severity():
    with pytest.raises(IntegrityError):
        ComplicationFactory(severity="extreme")


def test_the_database_refuses_the_same_complication_twice_on_one_review():
    complication = ComplicationFactory()
    with pytest.raises(IntegrityError):
        ComplicationFactory(review=complication.review, type=complication.type)
