"""The public transparency figures: what moderators and verifiers decided in the last 12
months, counted from the audit record and nothing else.

Every decision the site takes writes one ``AuditEntry`` in its own transaction (the
services' ``transition`` and ``record``), so these figures are a recount of decisions, not
a counter that could drift. ``transparency_figures`` is the one definition; the page shows
it and the tests recount it independently from the same rows.
"""

import statistics
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.core.cache import cache
from django.db.models import Count, OuterRef, Subquery
from django.utils import timezone

from kernel.models import AuditEntry
from reviews.policy import reason_label

WINDOW = timedelta(days=365)
# Figures are recounted at most this often: the page is public and the audit record large.
CACHE_SECONDS = 600
CACHE_KEY = "transparency:figures"

SUBMITTED = ("review.submitted", "review.resubmitted")
REVIEW_DECISIONS = ("review.published", "review.rejected", "review.changes_requested")


@dataclass(frozen=True)
class ReasonCount:
    code: str
    label: str
    count: int


@dataclass(frozen=True)
class TransparencyFigures:
    """The last 12 months of decisions, as of ``computed_at``."""

    since: datetime
    computed_at: datetime
    reviews_published: int
    reviews_rejected: int
    rejected_by_reason: list[ReasonCount]
    changes_requested: int
    reviews_hidden: int
    reports_upheld: int
    reports_dismissed: int
    decisions_timed: int
    median_hours_to_decision: float | None
    verifications_granted: int
    verifications_lapsed: int
    verifications_revoked: int
    verifications_rejected: int
    notes: list[str] = field(default_factory=list)

    @property
    def max_reason_count(self) -> int:
        return max((reason.count for reason in self.rejected_by_reason), default=0)


def _count(entries, action: str) -> int:
    return entries.filter(action=action).count()


def median_hours_to_decision(entries) -> tuple[int, float | None]:
    """How many review decisions were timed, and the median hours from (re)submission.

    Each decision is measured from the latest submission of the same review before it, so
    an edited review sent back to the queue is timed from its resubmission.
    """
    submitted = AuditEntry.objects.filter(
        content_type=OuterRef("content_type"),
        object_id=OuterRef("object_id"),
        action__in=SUBMITTED,
        created_at__lte=OuterRef("created_at"),
    ).order_by("-created_at", "-id")
    pairs = (
        entries.filter(action__in=REVIEW_DECISIONS)
        .annotate(submitted_at=Subquery(submitted.values("created_at")[:1]))
        .exclude(submitted_at=None)
        .values_list("created_at", "submitted_at")
    )
    hours = [(decided - sent).total_seconds() / 3600 for decided, sent in pairs]
    if not hours:
        return 0, None
    return len(hours), round(statistics.median(hours), 1)


def transparency_figures(*, now: datetime | None = None) -> TransparencyFigures:
    """Recount the last 12 months of decisions from the audit record."""
    now = now or timezone.now()
    since = now - WINDOW
    entries = AuditEntry.objects.filter(created_at__gte=since, created_at__lt=now)
    rejected = (
        entries.filter(action="review.rejected")
        .values("reason")
        .annotate(count=Count("id"))
        .order_by("-count", "reason")
    )
    timed, median = median_hours_to_decision(entries)
    return TransparencyFigures(
        since=since,
        computed_at=now,
        reviews_published=entries.filter(action="review.published")
        .values("object_id")
        .distinct()
        .count(),
        reviews_rejected=_count(entries, "review.rejected"),
        rejected_by_reason=[
            ReasonCount(row["reason"], reason_label(row["reason"]), row["count"])
            for row in rejected
        ],
        changes_requested=_count(entries, "review.changes_requested"),
        reviews_hidden=_count(entries, "review.hidden"),
        reports_upheld=_count(entries, "report.upheld"),
        reports_dismissed=_count(entries, "report.dismissed"),
        decisions_timed=timed,
        median_hours_to_decision=median,
        verifications_granted=_count(entries, "attestation.verified"),
        verifications_lapsed=_count(entries, "attestation.expired"),
        verifications_revoked=_count(entries, "attestation.revoked"),
        verifications_rejected=_count(entries, "attestation.rejected"),
    )


def cached_transparency_figures() -> TransparencyFigures:
    """The figures, recounted at most every ``CACHE_SECONDS`` (shared by every process)."""
    figures = cache.get(CACHE_KEY)
    if figures is None:
        figures = transparency_figures()
        cache.set(CACHE_KEY, figures, CACHE_SECONDS)
    return figures
