"""Public reads of reviews: what a patient sees on a practitioner's page.

Only ``published`` reviews leave here, with what their cards show already loaded (the
procedure, the author's display name, complications, and the practitioner's response
when it is published), so a page of reviews costs the same queries at any size.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Prefetch, QuerySet

from practitioners.models import Practitioner
from reviews.models import (
    Complication,
    ComplicationType,
    PractitionerSummary,
    ResponseStatus,
    Review,
    ReviewStatus,
    Severity,
)
from reviews.summaries import MIN_REVIEWS_FOR_RATES, WINDOW_DAYS


def published_reviews(practitioner: Practitioner) -> QuerySet[Review]:
    """A practitioner's published reviews, newest first, with everything a card shows."""
    return (
        Review.objects.filter(practitioner=practitioner, status=ReviewStatus.PUBLISHED)
        .select_related("procedure", "author", "response")
        .prefetch_related(Prefetch("complications", queryset=Complication.objects.order_by("id")))
        .defer(
            "author__password",
            "submitted_ip",
            "claimed_by",
            "claimed_until",
            "risk_score",
        )
        .order_by("-published_at", "-id")
    )


def attach_public_responses(reviews: list[Review]) -> list[Review]:
    """Set ``review.public_response`` to the published response, or None (no query)."""
    for review in reviews:
        try:
            response = review.response  # loaded by select_related
        except ObjectDoesNotExist:
            response = None
        review.public_response = (
            response
            if response is not None and response.status == ResponseStatus.PUBLISHED
            else None
        )
    return reviews


@dataclass(frozen=True)
class ComplicationRow:
    """One complication type's reported counts by severity (24-month window)."""

    type: str
    label: str
    mild: int
    moderate: int
    severe: int

    @property
    def total(self) -> int:
        return self.mild + self.moderate + self.severe

    @property
    def by_severity(self) -> list[tuple[str, str, int]]:
        return [
            (Severity.MILD.value, Severity.MILD.label, self.mild),
            (Severity.MODERATE.value, Severity.MODERATE.label, self.moderate),
            (Severity.SEVERE.value, Severity.SEVERE.label, self.severe),
        ]


@dataclass(frozen=True)
class SafetySummary:
    """The safety summary of SPEC.md, ready to show; rates are None below the threshold."""

    review_count: int
    published_count: int
    rating: float | None
    complication_share: float | None
    complication_review_count: int
    severe_count: int
    darker_skin_review_count: int
    darker_skin_hyperpigmentation_count: int
    hyperpigmentation_share_darker: float | None
    rows: list[ComplicationRow] = field(default_factory=list)
    min_reviews: int = MIN_REVIEWS_FOR_RATES
    window_months: int = WINDOW_DAYS * 12 // 365

    @property
    def has_rates(self) -> bool:
        return self.review_count >= self.min_reviews

    @property
    def reported_rows(self) -> list[ComplicationRow]:
        return [row for row in self.rows if row.total]

    @property
    def max_total(self) -> int:
        return max((row.total for row in self.rows), default=0)


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole >= MIN_REVIEWS_FOR_RATES else None


def safety_summary(summary: PractitionerSummary | None) -> SafetySummary:
    """Turn the stored summary into what the profile shows (no query)."""
    if summary is None:
        summary = PractitionerSummary()
    counts: Mapping[str, Mapping[str, int]] = summary.complication_counts or {}
    rows = [
        ComplicationRow(
            type=kind.value,
            label=kind.label,
            mild=int(counts.get(kind.value, {}).get(Severity.MILD, 0)),
            moderate=int(counts.get(kind.value, {}).get(Severity.MODERATE, 0)),
            severe=int(counts.get(kind.value, {}).get(Severity.SEVERE, 0)),
        )
        for kind in ComplicationType
    ]
    has_rates = summary.review_count >= MIN_REVIEWS_FOR_RATES
    return SafetySummary(
        review_count=summary.review_count,
        published_count=summary.published_count,
        rating=summary.bayesian_rating if has_rates else None,
        complication_share=_share(summary.complication_review_count, summary.review_count),
        complication_review_count=summary.complication_review_count,
        severe_count=summary.severe_count,
        darker_skin_review_count=summary.darker_skin_review_count,
        darker_skin_hyperpigmentation_count=summary.darker_skin_hyperpigmentation_count,
        hyperpigmentation_share_darker=_share(
            summary.darker_skin_hyperpigmentation_count, summary.darker_skin_review_count
        ),
        rows=rows,
    )
