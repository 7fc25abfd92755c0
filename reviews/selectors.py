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
    has_enough_reviews,
)
from reviews.summaries import MIN_REVIEWS_FOR_RATES, WINDOW_MONTHS


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
    """The safety summary of docs/product.md, ready to show.

    Below the review threshold (``has_figures`` false) it carries no rating, no share and
    no complication rows: nothing a page could present as a number or as reassurance.
    """

    review_count: int
    published_count: int
    has_figures: bool
    rating: float | None
    complication_share: float | None
    complication_review_count: int
    severe_count: int
    darker_skin_review_count: int
    darker_skin_hyperpigmentation_count: int
    hyperpigmentation_share_darker: float | None
    rows: list[ComplicationRow] = field(default_factory=list)
    min_reviews: int = MIN_REVIEWS_FOR_RATES
    window_months: int = WINDOW_MONTHS

    @property
    def has_rates(self) -> bool:
        return self.has_figures

    @property
    def reviews_needed(self) -> int:
        return max(self.min_reviews - self.review_count, 0)

    @property
    def reported_rows(self) -> list[ComplicationRow]:
        return [row for row in self.rows if row.total]

    @property
    def max_total(self) -> int:
        return max((row.total for row in self.rows), default=0)


def _share(part: int, whole: int) -> float | None:
    return part / whole if has_enough_reviews(whole) else None


def safety_summary(summary: PractitionerSummary | None) -> SafetySummary:
    """Turn a summary into what the profile shows (no query); see ``fresh_summary``."""
    if summary is None:
        summary = PractitionerSummary()
    has_figures = summary.has_figures
    counts: Mapping[str, Mapping[str, int]] = summary.complication_counts or {}
    rows = (
        [
            ComplicationRow(
                type=kind.value,
                label=kind.label,
                mild=int(counts.get(kind.value, {}).get(Severity.MILD, 0)),
                moderate=int(counts.get(kind.value, {}).get(Severity.MODERATE, 0)),
                severe=int(counts.get(kind.value, {}).get(Severity.SEVERE, 0)),
            )
            for kind in ComplicationType
        ]
        if has_figures
        else []
    )
    return SafetySummary(
        review_count=summary.review_count,
        published_count=summary.published_count,
        has_figures=has_figures,
        rating=summary.shown_rating,
        complication_share=_share(summary.complication_review_count, summary.review_count),
        complication_review_count=summary.complication_review_count if has_figures else 0,
        severe_count=summary.severe_count if has_figures else 0,
        darker_skin_review_count=summary.darker_skin_review_count,
        darker_skin_hyperpigmentation_count=(
            summary.darker_skin_hyperpigmentation_count
            if has_enough_reviews(summary.darker_skin_review_count)
            else 0
        ),
        hyperpigmentation_share_darker=_share(
            summary.darker_skin_hyperpigmentation_count, summary.darker_skin_review_count
        ),
        rows=rows,
    )
