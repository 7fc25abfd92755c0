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
    SkinType,
    has_enough_reviews,
    summary_of,
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
    by_skin_type: list["SkinTypeFacts"] = field(default_factory=list)
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
        # A count of reports is shown at any size (hiding "1 of 3 reported it" would read
        # as reassurance); only the share waits for the threshold.
        darker_skin_hyperpigmentation_count=summary.darker_skin_hyperpigmentation_count,
        hyperpigmentation_share_darker=_share(
            summary.darker_skin_hyperpigmentation_count, summary.darker_skin_review_count
        ),
        rows=rows,
        by_skin_type=skin_type_table(summary.by_skin_type),
    )


@dataclass(frozen=True)
class SkinTypeFacts:
    """What may be said about one Fitzpatrick skin type's reviews (24-month window).

    The review-count threshold applies per type: below it there is no share and no
    statement of absence ("none reported", "no severe"), which would read as reassurance
    from a handful of reviews. What those few reviews did report is still said, as counts
    (``reported``, ``with_complication``, ``severe_count``), since the reviews themselves are
    public and hiding a report would mislead the other way.
    """

    skin_type: str
    label: str
    review_count: int
    has_figures: bool
    with_complication: int
    severe_count: int
    reported: tuple[tuple[str, int], ...] = ()  # (complication label, count), most first
    min_reviews: int = MIN_REVIEWS_FOR_RATES

    @property
    def complication_share(self) -> float | None:
        """The share of this type's reviews reporting any complication, from the threshold."""
        return _share(self.with_complication, self.review_count)

    @property
    def reviews_needed(self) -> int:
        return max(self.min_reviews - self.review_count, 0)

    @property
    def reports_nothing(self) -> bool:
        """Enough reviews from this type, and none of them reported a complication."""
        return self.has_figures and not self.with_complication


def skin_type_facts(by_skin_type: Mapping[str, Mapping] | None, skin_type: str) -> SkinTypeFacts:
    """The facts for ``skin_type`` from a summary's ``by_skin_type`` JSON (no query)."""
    entry = (by_skin_type or {}).get(skin_type) or {}
    review_count = int(entry.get("reviews", 0))
    labels = dict(ComplicationType.choices)
    reported = sorted(
        (
            (str(labels.get(kind, kind)), int(count))
            for kind, count in (entry.get("complications") or {}).items()
            if count
        ),
        key=lambda item: (-item[1], item[0]),
    )
    return SkinTypeFacts(
        skin_type=skin_type,
        label=SkinType(skin_type).label,
        review_count=review_count,
        has_figures=has_enough_reviews(review_count),
        with_complication=int(entry.get("with_complication", 0)),
        severe_count=int(entry.get("severe", 0)),
        reported=tuple(reported),
    )


def skin_type_table(by_skin_type: Mapping[str, Mapping] | None) -> list[SkinTypeFacts]:
    """One row per Fitzpatrick type, I to VI, each under the threshold on its own count."""
    return [skin_type_facts(by_skin_type, value) for value in SkinType.values]


def attach_skin_type_facts(practitioners: list[Practitioner], skin_type: str) -> None:
    """Set ``practitioner.skin_type_facts`` from each loaded summary (no query per card)."""
    for practitioner in practitioners:
        summary = summary_of(practitioner)
        by_skin_type = summary.by_skin_type if summary else {}
        practitioner.skin_type_facts = skin_type_facts(by_skin_type, skin_type)
