"""The per-practitioner safety summary: one recount, used both to write and to check.

``recount`` derives every figure from the published reviews; ``refresh_summary`` writes it
under a row lock so two decisions committing at once cannot lose each other's counts.
``verify_summaries`` compares what is stored with a fresh recount.

The window is dated: a review counts while its treatment month is on or after
``window_start(today)``. Each summary stores ``recount_due_on``, the first day one of its
counted reviews leaves the window, and ``refresh_aged_summaries`` (a daily job) recounts
exactly those, so the stored figures equal a recount on every day.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from practitioners.models import Practitioner
from reviews.models import (
    DARKER_SKIN_TYPES,
    MIN_REVIEWS_FOR_FIGURES,
    Complication,
    ComplicationType,
    PractitionerSummary,
    Review,
    ReviewStatus,
    Severity,
    SkinType,
    has_enough_reviews,
)

WINDOW_DAYS = 730  # "the last 24 months"
WINDOW_MONTHS = 24
MIN_REVIEWS_FOR_RATES = MIN_REVIEWS_FOR_FIGURES

SKIN_TYPE_BITS = {value: 1 << i for i, value in enumerate(SkinType.values)}
COMPLICATION_BITS = {value: 1 << i for i, value in enumerate(ComplicationType.values)}


def window_start(today: date | None = None) -> date:
    """The first treatment month inside the 24-month window."""
    today = today or timezone.localdate()
    return (today - timedelta(days=WINDOW_DAYS)).replace(day=1)


def leaves_window_on(treatment_month: date) -> date:
    """The first day on which a review of ``treatment_month`` no longer counts.

    That is the day ``window_start`` moves past the month: ``WINDOW_DAYS`` after the first
    day of the following month.
    """
    following = (treatment_month.replace(day=28) + timedelta(days=4)).replace(day=1)
    return following + timedelta(days=WINDOW_DAYS)


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
    rank_rating: float = 0.0
    by_skin_type: dict = field(default_factory=dict)
    recount_due_on: date | None = None


def _skin_type_entry() -> dict:
    return {"reviews": 0, "with_complication": 0, "severe": 0, "complications": {}}


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
    skin_of: dict[int, str] = {}
    by_skin: dict[str, dict] = {}
    oldest: date | None = None
    for review_id, rating, skin_type, month in reviews:
        counts.published_count += 1
        if skin_type:
            counts.skin_type_mask |= SKIN_TYPE_BITS[skin_type]
        if month >= start:
            in_window.add(review_id)
            counts.review_count += 1
            counts.rating_sum += rating
            oldest = month if oldest is None else min(oldest, month)
            if skin_type:
                skin_of[review_id] = skin_type
                by_skin.setdefault(skin_type, _skin_type_entry())["reviews"] += 1
            if skin_type in DARKER_SKIN_TYPES:
                darker.add(review_id)
    per_type: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    with_complication: set[int] = set()
    darker_hyper: set[int] = set()
    for review_id, kind, severity in complications:
        counts.complication_mask |= COMPLICATION_BITS[kind]
        if review_id not in in_window:
            continue
        per_type[kind][severity] += 1
        skin = by_skin.get(skin_of.get(review_id, ""))
        if skin is not None:
            skin["complications"][kind] = skin["complications"].get(kind, 0) + 1
            if review_id not in with_complication:
                skin["with_complication"] += 1
            if severity == Severity.SEVERE:
                skin["severe"] += 1
        with_complication.add(review_id)
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
    if has_enough_reviews(counts.review_count):
        counts.rank_rating = counts.bayesian_rating
    counts.by_skin_type = {
        skin: entry | {"complications": dict(sorted(entry["complications"].items()))}
        for skin, entry in sorted(by_skin.items())
    }
    counts.recount_due_on = leaves_window_on(oldest) if oldest is not None else None
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


def fresh_summary(
    summary: PractitionerSummary | None, *, practitioner_id: int, today: date | None = None
) -> PractitionerSummary:
    """The summary as of ``today``: the stored one, or an unsaved recount if a review has
    left the window since it was written (the daily job has not run yet today).

    Single-practitioner pages read through this, so what they show never waits for a job.
    """
    today = today or timezone.localdate()
    if summary is not None and (summary.recount_due_on is None or summary.recount_due_on > today):
        return summary
    if summary is None and not Review.objects.filter(practitioner_id=practitioner_id).exists():
        return PractitionerSummary(practitioner_id=practitioner_id)
    fresh = PractitionerSummary(practitioner_id=practitioner_id)
    for name, value in asdict(recount(practitioner_id, today=today)).items():
        setattr(fresh, name, value)
    return fresh


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
    # The summary is part of the practitioner's listing (and of their FHIR role).
    Practitioner.objects.filter(pk=practitioner_id).update(updated_at=summary.computed_at)
    return summary


def refresh_aged_summaries(*, today: date | None = None) -> int:
    """Recount every summary one of whose reviews has left the window by ``today``.

    The daily job: after it, every stored summary equals a recount as of ``today``.
    Each summary is refreshed in its own short transaction, so a long run never holds
    locks that moderators' decisions wait on. Returns how many were recounted.
    """
    today = today or timezone.localdate()
    due = PractitionerSummary.objects.filter(recount_due_on__lte=today).order_by(
        "recount_due_on", "practitioner_id"
    )
    practitioner_ids = list(due.values_list("practitioner_id", flat=True))
    for practitioner_id in practitioner_ids:
        refresh_summary(practitioner_id, today=today)
    return len(practitioner_ids)


def summary_drift(summary: PractitionerSummary, *, today: date | None = None) -> dict:
    """Fields whose stored value differs from a recount, as {field: (stored, recounted)}."""
    stored = asdict(stored_counts(summary))
    fresh = asdict(recount(summary.practitioner_id, today=today))
    return {name: (stored[name], fresh[name]) for name in fresh if stored[name] != fresh[name]}
