"""The moderation queue: which reviews wait for a moderator, and in what order.

Shared by the claims (``moderation``) and the queue page (``moderation_selectors``,
``moderation_views``), so the review a moderator is handed next is the one the page lists
first.
"""

from django.db.models import (
    BooleanField,
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from reviews.models import (
    PractitionerResponse,
    ReportStatus,
    ResponseStatus,
    Review,
    ReviewReport,
    ReviewStatus,
)


def open_report_exists():
    return Exists(ReviewReport.objects.filter(review=OuterRef("pk"), status=ReportStatus.OPEN))


def waiting() -> Q:
    """One review waiting for a moderator: pending, or published with an open report."""
    return Q(status=ReviewStatus.PENDING) | Q(open_report_exists(), status=ReviewStatus.PUBLISHED)


def reported_review_ids() -> list[int]:
    """Reviews with an open report: few, since reports are rare and soon decided."""
    return list(
        ReviewReport.objects.filter(status=ReportStatus.OPEN)
        .order_by()
        .values_list("review_id", flat=True)
        .distinct()
    )


def in_queue(reported_ids: list[int]) -> Q:
    """The whole queue. The reported ids are read first (``reported_review_ids``) so both
    halves of the condition use an index instead of testing every published review."""
    return Q(status=ReviewStatus.PENDING) | Q(pk__in=reported_ids, status=ReviewStatus.PUBLISHED)


class Priority:
    """Queue order: safety reports first, then reported published reviews, then the rest."""

    SEVERE = 0
    REPORTED = 1
    ROUTINE = 2


def review_queue(reported_ids: list[int] | None = None) -> QuerySet[Review]:
    """Queued reviews in the order moderators work them, oldest first within each group.

    Reported reviews wait from their first open report, the others from submission. The
    report subqueries run only for reported rows (``CASE`` is lazy), so a long pending
    queue costs one indexed read and a sort.
    """
    reported = reported_review_ids() if reported_ids is None else reported_ids
    open_reports = ReviewReport.objects.filter(review=OuterRef("pk"), status="open")
    first_report = open_reports.order_by("created_at").values("created_at")[:1]
    report_count = open_reports.order_by().values("review").annotate(n=Count("pk")).values("n")[:1]
    is_reported = Q(pk__in=reported)
    return (
        Review.objects.filter(in_queue(reported))
        .annotate(
            has_open_report=Case(
                When(is_reported, then=Value(True)),
                default=Value(False),
                output_field=BooleanField(),
            ),
            open_report_count=Case(
                When(is_reported, then=Coalesce(Subquery(report_count), Value(0))),
                default=Value(0),
                output_field=IntegerField(),
            ),
            queued_at=Case(
                When(is_reported, status=ReviewStatus.PUBLISHED, then=Subquery(first_report)),
                default=F("submitted_at"),
            ),
            priority=Case(
                When(has_severe_complication=True, then=Value(Priority.SEVERE)),
                When(is_reported, then=Value(Priority.REPORTED)),
                default=Value(Priority.ROUTINE),
                output_field=IntegerField(),
            ),
        )
        .select_related("practitioner", "procedure", "author", "claimed_by")
        .prefetch_related("complications", "rule_hits")
        .order_by("priority", "queued_at", "id")
    )


def queue_counts(reported_ids: list[int] | None = None) -> dict[str, int]:
    """How many reviews wait in each group, and how many responses wait."""
    reported = reported_review_ids() if reported_ids is None else reported_ids
    counts = Review.objects.filter(in_queue(reported)).aggregate(
        total=Count("pk"),
        severe=Count("pk", filter=Q(has_severe_complication=True)),
        reported=Count("pk", filter=Q(status=ReviewStatus.PUBLISHED)),
    )
    counts["responses"] = PractitionerResponse.objects.filter(status=ResponseStatus.PENDING).count()
    return counts
