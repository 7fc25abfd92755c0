"""One patient submitting many reviews at the same moment, in real threads and transactions.

The daily limit is counted and the review inserted in one transaction that first locks the
author's row (PostgreSQL), or inside SQLite's single write transaction, so concurrent
submissions are counted one after another and never together past the limit.
"""

from collections import Counter

import pytest

from directory.tests.factories import UserFactory
from kernel.errors import RateLimited
from practitioners.tests.factories import PractitionerFactory, procedure
from reviews.models import Review
from reviews.services import daily_limit, review_submit
from reviews.tests.factories import last_month
from tests.races import at_once as race

pytestmark = pytest.mark.django_db(transaction=True)

FIELDS = {
    "sessions": 1,
    "rating": 4,
    "rating_results": 4,
    "rating_hygiene": 5,
    "rating_communication": 4,
    "rating_aftercare": 4,
    "worth_it": "yes",
    "title": "Careful and clean",
    "body": "The clinic explained every step and opened a new sealed cartridge.",
}


def at_once(calls):
    """Race the submissions; a refusal for the daily limit is "limited", a success "stored"."""
    return race(*calls, ok="stored", labels={RateLimited: "limited"}, join_timeout=120)


def submission(author, practitioner):
    return lambda: review_submit(
        author=author,
        practitioner=practitioner,
        procedure=procedure(),
        fields={**FIELDS, "treatment_month": last_month()},
    )


def test_ten_reviews_sent_at_once_by_one_patient_store_exactly_the_daily_limit():
    author = UserFactory(display_name="Hasty")
    practitioners = [PractitionerFactory() for _ in range(10)]

    results = at_once([submission(author, practitioner) for practitioner in practitioners])

    outcomes = Counter(kind for kind, _ in results)
    assert daily_limit() == 5
    assert outcomes == {"stored": 5, "limited": 5}, results
    assert Review.objects.filter(author=author).count() == 5
    limited = next(value for kind, value in results if kind == "limited")
    assert "at most 5 reviews a day" in limited.message


def test_the_lock_holds_one_patient_back_without_holding_back_another():
    hasty, calm = UserFactory(display_name="Hasty"), UserFactory(display_name="Calm")
    practitioners = [PractitionerFactory() for _ in range(6)]

    results = at_once(
        [submission(hasty, practitioner) for practitioner in practitioners]
        + [submission(calm, practitioner) for practitioner in practitioners[:3]]
    )

    assert Counter(kind for kind, _ in results) == {"stored": 8, "limited": 1}, results
    assert Review.objects.filter(author=hasty).count() == 5
    assert Review.objects.filter(author=calm).count() == 3
