"""Reads for the moderation pages: the queue in its order, one item with its context, alerts.

Each selector returns rows already carrying what its template shows, so the number of
queries per page does not grow with the number of items.
"""

from dataclasses import dataclass
from datetime import datetime

from django.contrib.contenttypes.models import ContentType
from django.db.models import (
    Count,
    Prefetch,
    Q,
    QuerySet,
)

from kernel.models import AuditEntry, User
from reviews.models import (
    AlertStatus,
    Complication,
    PractitionerResponse,
    ResponseStatus,
    Review,
    ReviewReport,
    ReviewStatus,
    RuleHit,
    SafetyAlert,
)
from reviews.moderation_queue import open_report_exists

RECENT_LIMIT = 10


def review_for_moderation(review_id: int) -> Review:
    """One review with everything the moderator sees about it; raises DoesNotExist."""
    return (
        Review.objects.annotate(has_open_report=open_report_exists())
        .select_related(
            "author",
            "practitioner",
            "practitioner__clinic",
            "procedure",
            "claimed_by",
            "invitation",
        )
        .prefetch_related(
            "complications",
            "rule_hits",
            Prefetch(
                "reports",
                queryset=ReviewReport.objects.select_related("reporter").order_by("created_at"),
            ),
        )
        .get(pk=review_id)
    )


@dataclass(frozen=True)
class AuthorHistory:
    joined: datetime
    email: str  # shown to staff only: these pages are staff-only
    counts: list[tuple[str, int]]  # (status label, reviews), in the order of the statuses
    recent: list[Review]


def author_history(review: Review) -> AuthorHistory:
    """The author's account age, their reviews by status and their most recent other reviews."""
    author: User = review.author
    rows = Review.objects.filter(author=author).values("status").annotate(n=Count("pk"))
    by_status = {row["status"]: row["n"] for row in rows}
    counts = [(status.label, by_status[status]) for status in ReviewStatus if status in by_status]
    recent = list(
        Review.objects.filter(author=author)
        .exclude(pk=review.pk)
        .select_related("practitioner")
        .order_by("-created_at")[:RECENT_LIMIT]
    )
    return AuthorHistory(
        joined=author.date_joined, email=author.email, counts=counts, recent=recent
    )


def practitioner_recent_reviews(review: Review) -> list[Review]:
    """The practitioner's other recent reviews, in any status, newest first."""
    return list(
        Review.objects.filter(practitioner_id=review.practitioner_id)
        .exclude(pk=review.pk)
        .select_related("author")
        .prefetch_related("complications")
        .order_by("-created_at")[:RECENT_LIMIT]
    )


def decision_timeline(review: Review) -> list[AuditEntry]:
    """Every recorded decision about the review and its reports, oldest first."""
    report_ids = [report.pk for report in review.reports.all()]
    review_type = ContentType.objects.get_for_model(Review)
    report_type = ContentType.objects.get_for_model(ReviewReport)
    return list(
        AuditEntry.objects.filter(
            Q(content_type=review_type, object_id=review.pk)
            | Q(content_type=report_type, object_id__in=report_ids)
        )
        .select_related("actor")
        .order_by("created_at", "id")
    )


def response_queue() -> QuerySet[PractitionerResponse]:
    """Pending practitioner responses, oldest first, with the review they answer."""
    return (
        PractitionerResponse.objects.filter(status=ResponseStatus.PENDING)
        .select_related("author", "review", "review__practitioner", "review__author")
        .prefetch_related(
            Prefetch("rule_hits", queryset=RuleHit.objects.order_by("-weight", "code"))
        )
        .order_by("created_at", "id")
    )


def safety_alerts(*, status: str = AlertStatus.OPEN) -> QuerySet[SafetyAlert]:
    """Safety alerts in one status, newest first, with the reviews behind them."""
    return (
        SafetyAlert.objects.filter(status=status)
        .select_related("practitioner")
        .prefetch_related(
            Prefetch(
                "reviews",
                queryset=Review.objects.order_by("-published_at").prefetch_related(
                    Prefetch(
                        "complications", queryset=Complication.objects.filter(severity="severe")
                    )
                ),
            )
        )
        .order_by("-created_at", "-id")
    )
