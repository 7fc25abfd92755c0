"""Walking the calendar: for 800 days the daily jobs run once a day, and on every day each
stored summary equals a recount from the dated rows and the search's "verified" filter
agrees with the badge rule, practitioner by practitioner.

The seeded demo is the starting point (licences and sterilization attestations expiring
at many dates, reviews spread over 30 months); along the way staff verify what waits for
them and publish pending reviews, so the walk crosses renewals as well as lapses.
"""

import contextlib
import datetime
import random
from collections import defaultdict
from dataclasses import asdict
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.db.models import Prefetch
from django.utils import timezone

from demo.accounts import STAFF_EMAIL
from kernel import scheduling
from kernel.errors import DomainError
from kernel.models import User
from practitioners import services
from practitioners.badges import compute_badge
from practitioners.models import (
    Attestation,
    AttestationStatus,
    Practitioner,
    verified_on,
)
from reviews.models import Complication, PractitionerSummary, Review, ReviewStatus
from reviews.moderation import Decision, moderate_review
from reviews.summaries import stored_counts, tally

WALK_DAYS = 800

pytestmark = [pytest.mark.slow, pytest.mark.django_db]


def recount_everyone(today: datetime.date) -> dict[int, dict]:
    """Every practitioner's figures recounted from the published reviews (two queries)."""
    reviews: dict[int, list] = defaultdict(list)
    for practitioner_id, *row in Review.objects.filter(status=ReviewStatus.PUBLISHED).values_list(
        "practitioner_id", "id", "rating", "skin_type", "treatment_month"
    ):
        reviews[practitioner_id].append(tuple(row))
    complications: dict[int, list] = defaultdict(list)
    for practitioner_id, *row in Complication.objects.filter(
        review__status=ReviewStatus.PUBLISHED
    ).values_list("review__practitioner_id", "review_id", "type", "severity"):
        complications[practitioner_id].append(tuple(row))
    return {
        pk: asdict(tally(reviews[pk], complications[pk], today=today))
        for pk in Practitioner.objects.values_list("pk", flat=True)
    }


def drifted(today: datetime.date) -> dict[int, list[str]]:
    """Practitioners whose stored summary differs from a recount today, with the fields."""
    fresh = recount_everyone(today)
    drift = {}
    for summary in PractitionerSummary.objects.all():
        stored = asdict(stored_counts(summary))
        wrong = [
            name for name, value in fresh[summary.practitioner_id].items() if stored[name] != value
        ]
        if wrong:
            drift[summary.practitioner_id] = wrong
    return drift


def badges_by_rule(today: datetime.date) -> set[int]:
    practitioners = Practitioner.objects.prefetch_related(
        Prefetch("attestations", queryset=Attestation.objects.all())
    )
    return {
        p.pk for p in practitioners if compute_badge(p.attestations.all(), today=today).verified
    }


def badges_in_search(today: datetime.date) -> set[int]:
    return set(Practitioner.objects.filter(verified_on(today)).values_list("pk", flat=True))


def staff_work(rng: random.Random, staff: User) -> None:
    """What staff do on a working day: verify a waiting attestation, publish a review."""
    waiting = list(
        Attestation.objects.filter(status=AttestationStatus.PENDING).values_list("pk", flat=True)
    )
    if waiting:
        # A "no" on a sterilization item, or already expired: staff would reject it instead.
        with contextlib.suppress(DomainError):
            services.attestation_verify(attestation_id=rng.choice(waiting), actor=staff)
    pending = list(Review.objects.filter(status=ReviewStatus.PENDING).values_list("pk", flat=True))
    if pending:
        with contextlib.suppress(DomainError):  # e.g. the staff account's own practice
            moderate_review(
                review_id=rng.choice(pending), moderator=staff, decision=Decision.APPROVE
            )


def test_every_day_for_800_days_summaries_and_badges_equal_a_recount_after_the_daily_jobs():
    start = timezone.make_aware(
        datetime.datetime.combine(timezone.localdate(), datetime.time(0, 30))
    )
    rng = random.Random(13)
    with time_machine.travel(start, tick=False) as traveller:
        call_command(
            "seed_demo",
            practitioners=40,
            reviews=600,
            seed=5,
            verbosity=0,
            stdout=StringIO(),
            stderr=StringIO(),
        )
        staff = User.objects.get(email=STAFF_EMAIL)
        lapses = gains = recounted_days = 0
        previous_badges = badges_in_search(timezone.localdate())
        assert previous_badges, "the walk starts with verified practitioners"
        for day in range(WALK_DAYS):
            today = timezone.localdate()
            if day % 9 == 4:
                staff_work(rng, staff)
            for job, report in scheduling.run_daily_jobs(today):
                assert not isinstance(report, Exception), (today, job.label, report)
                if job.label == "summary window recount" and not report.startswith("0 "):
                    recounted_days += 1

            assert drifted(today) == {}, f"summaries differ from a recount on {today}"
            in_search = badges_in_search(today)
            assert in_search == badges_by_rule(today), f"search and badge disagree on {today}"
            lapses += len(previous_badges - in_search)
            gains += len(in_search - previous_badges)
            previous_badges = in_search
            traveller.shift(datetime.timedelta(days=1))

    # The walk crossed what it is meant to test: badges lapsing and coming back, reviews
    # leaving the window on many days.
    assert lapses >= 10
    assert gains >= 1
    assert recounted_days >= 20
