"""The per-practitioner safety summary: one recount, used both to write and to check.

``recount`` derives every figure from the published reviews; ``refresh_summary`` writes it
under a row lock so two decisions committing at once cannot lose each other's counts.
``verify_summaries`` compares what is stored with a fresh recount.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from reviews.models import (
    DARKER_SKIN_TYPES,
    Complication,
    ComplicationType,
    PractitionerSummary,
    Review,
    ReviewStatus,
    Severity,
    SkinType,
)

WINDOW_DAYS = 730  # "the last 24 months"
MIN_REVIEWS_FOR_RATES = 5

SKIN_TYPE_BITS = {value: 1 << i for i, value in enumerate(SkinType.values)}
COMPLICATION_BITS = {value: 1 << i for i, value in enumerate(ComplicationType.values)}


def window_start(today: date | None = None) -> date:
    """The first treatment month inside the 24-month window."""
    today = today or timezone.localdate()
    return (today - timedelta(days=WINDOW_DAYS)).replace(day=1)


def bayesian_rating(rating_sum: int, count: int) -> float:
    weight = settings.RATING_PRIOR_WEIGHT
    return round((weight * settings.RATING_PRIOR_MEAN + rating_sum) / (weight + count), 4)


@dataclass
class Counts:
    published_count: int = 0
    skin_type_mask: int = 0
    complication_mask: int = 0
    review_count: int = 0
    rating_sum: int = 0
    rating_average: float | None = None
    bayesian_rating: float = 0.0
    complication_review_count: int = 0
    severe_count: int = 0
    complication_counts: dict = field(default_factory=dict)
    darker_skin_review_count: int = 0
    darker_skin_hyperpigmentation_count: int = 0


def tally(
    reviews: Iterable[tuple[int, int, str, date]],
    complications: Iterable[tuple[int, str, str]],
    *,
    today: date | None = None,
) -> Counts:
    """Derive every figure from one practitioner's published reviews and their complications.

    ``reviews`` yields ``(id, rating, skin_type, treatment_month)`` and ``complications``
    ``(review_id, type, severity)``, published reviews only; ``reviews`` is read to the end
    before ``complications`` is touched. ``recount`` feeds it from the database and bulk
    writers (the demo seed) from rows in memory, so the two can never disagree.
    """
    start = window_start(today)
    counts = Counts()
    in_window: set[int] = set()
    darker: set[int] = set()
    for review_id, rating, skin_type, month in reviews:
        counts.published_count += 1
        if skin_type:
            counts.skin_type_mask |= SKIN_TYPE_BITS[skin_type]
        if month >= start:
            in_window.add(review_id)
            counts.review_count += 1
            counts.rating_sum += rating
            if skin_type in DARKER_SKIN_TYPES:
                darker.add(review_id)
    per_type: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    with_complication: set[int] = set()
    darker_hyper: set[int] = set()
    for review_id, kind, severity in complications:
        counts.complication_mask |= COMPLICATION_BITS[kind]
        if review_id not in in_window:
            continue
        with_complication.add(review_id)
        per_type[kind][severity] += 1
        if severity == Severity.SEVERE:
            counts.severe_count += 1
        if kind == ComplicationType.HYPERPIGMENTATION and review_id in darker:
            darker_hyper.add(review_id)
    counts.complication_review_count = len(with_complication)
    counts.complication_counts = {
        kind: dict(sorted(by_severity.items())) for kind, by_severity in sorted(per_type.items())
    }
    counts.darker_skin_review_count = len(darker)
    counts.darker_skin_hyperpigmentation_count = len(darker_hyper)
    if counts.review_count:
        counts.rating_average = round(counts.rating_sum / counts.review_count, 4)
    counts.bayesian_rating = bayesian_rating(counts.rating_sum, counts.review_count)
    return counts


def recount(practitioner_id: int, *, today: date | None = None) -> Counts:
    """Count a practitioner's published reviews from scratch (two queries)."""
    reviews = Review.objects.filter(
        practitioner_id=practitioner_id, status=ReviewStatus.PUBLISHED
    ).values_list("id", "rating", "skin_type", "treatment_month")
    complications = Complication.objects.filter(
        review__practitioner_id=practitioner_id, review__status=ReviewStatus.PUBLISHED
    ).values_list("review_id", "type", "severity")
    return tally(reviews, complications, today=today)


def stored_counts(summary: PractitionerSummary) -> Counts:
    return Counts(**{name: getattr(summary, name) for name in Counts.__dataclass_fields__})


@transaction.atomic
def refresh_summary(practitioner_id: int, *, today: date | None = None) -> PractitionerSummary:
    """Recount and store a practitioner's summary; call inside the deciding transaction."""
    summary, _ = PractitionerSummary.objects.select_for_update().get_or_create(
        practitioner_id=practitioner_id
    )
    # The recount runs after the lock, so it sees every decision committed before ours.
    for name, value in asdict(recount(practitioner_id, today=today)).items():
        setattr(summary, name, value)
    summary.computed_at = timezone.now()
    summary.save()
    return summary


def summary_drift(summary: PractitionerSummary, *, today: date | None = None) -> dict:
    """Fields whose stored value differs from a recount, as {field: (stored, recounted)}."""
    stored = asdict(stored_counts(summary))
    fresh = asdict(recount(summary.practitioner_id, today=today))
    return {name: (stored[name], fresh[name]) for name in fresh if stored[name] != fresh[name]}
