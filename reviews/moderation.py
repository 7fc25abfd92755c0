"""Moderation writes: claims, decisions from the queue, bulk approval, reports.

Every decision here ends in one of the review services (``review_publish``,
``review_reject``, ``review_request_changes``, ``review_hide``) or a report transition, so
each one is a conditional status update with its own audit entry. This module adds what the
queue needs around them: a moderator must hold the permission, may not act on a review
another moderator has claimed, and must cite a reason from the published policy. A decision
names the version of the review (or response) the moderator saw and is refused if it changed
since (``kernel.versions``); nobody decides on an item they have a conflict of interest in
(``practitioners.conflicts``).
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.formats import time_format

from kernel.errors import (
    DomainError,
    NotPermitted,
    RateLimited,
    StaleState,
    TransitionNotAllowed,
)
from kernel.models import User
from kernel.versions import decided_at
from kernel.workflow import record, transition
from reviews import services
from reviews.models import (
    PractitionerResponse,
    ReportReason,
    ReportStatus,
    Review,
    ReviewReport,
    ReviewStatus,
)
from reviews.moderation_queue import review_queue, waiting
from reviews.permissions import can_moderate, require_may_decide_on
from reviews.policy import APPROVAL_REASON, PolicyReason

CLAIM_DURATION = timedelta(minutes=15)
NOTE_MAX_LENGTH = 1000
BULK_MAX = 100
REPORTS_PER_USER_PER_DAY = 20


class Decision:
    APPROVE = "approve"
    REJECT = "reject"
    REQUEST_CHANGES = "request_changes"
    UPHOLD = "uphold"
    DISMISS = "dismiss"


# Which decision applies to a review in which state, and whether it needs a policy reason.
PENDING_DECISIONS = {Decision.APPROVE: False, Decision.REJECT: True, Decision.REQUEST_CHANGES: True}
REPORT_DECISIONS = {Decision.UPHOLD: True, Decision.DISMISS: False}

# The policy reason a report reason usually points to (the moderator may choose another).
REPORT_POLICY_REASON = {
    ReportReason.FAKE: PolicyReason.FAKE,
    ReportReason.OFFENSIVE: PolicyReason.OFFENSIVE,
    ReportReason.PRIVATE_INFORMATION: PolicyReason.PERSONAL_DATA,
    ReportReason.CONFLICT_OF_INTEREST: PolicyReason.CONFLICT_OF_INTEREST,
}


def _require_moderator(user: User | None) -> None:
    if not can_moderate(user):
        raise NotPermitted("Only moderators can do this.")


def claim_is_held_by_other(review: Review, moderator: User, now: datetime) -> bool:
    return (
        review.claimed_by_id is not None
        and review.claimed_by_id != moderator.pk
        and review.claimed_until is not None
        and review.claimed_until > now
    )


def _claimed_message(review: Review) -> str:
    who = review.claimed_by.display_name if review.claimed_by else "Another moderator"
    until = time_format(timezone.localtime(review.claimed_until), "H:i")
    return f"{who} is working on this review until {until}. Pick another one."


# --- Claims ------------------------------------------------------------------------------


def claim_review(*, review_id: int, moderator: User, now: datetime | None = None) -> Review:
    """Claim a queued review for 15 minutes so no other moderator works on it meanwhile.

    The claim is one conditional UPDATE (only if unclaimed, expired, or already ours), so
    two moderators claiming at once cannot both get it. Claiming again renews the claim.
    """
    _require_moderator(moderator)
    now = now or timezone.now()
    require_may_decide_on(
        moderator, Review.objects.select_related("practitioner").get(pk=review_id)
    )
    with transaction.atomic():
        updated = (
            Review.objects.filter(waiting(), pk=review_id)
            .filter(
                Q(claimed_by__isnull=True) | Q(claimed_until__lte=now) | Q(claimed_by=moderator)
            )
            .update(claimed_by=moderator, claimed_until=now + CLAIM_DURATION)
        )
    review = Review.objects.select_related("claimed_by").get(pk=review_id)
    if updated:
        return review
    if not Review.objects.filter(waiting(), pk=review_id).exists():
        raise TransitionNotAllowed("This review is no longer waiting for moderation.")
    raise StaleState(_claimed_message(review), code="claimed")


def release_review(*, review_id: int, moderator: User) -> bool:
    """Give up one's own claim on a review; returns whether there was one to give up."""
    _require_moderator(moderator)
    return bool(
        Review.objects.filter(pk=review_id, claimed_by=moderator).update(
            claimed_by=None, claimed_until=None
        )
    )


def claim_next(
    *, moderator: User, after: int | None = None, now: datetime | None = None
) -> Review | None:
    """Claim the first review in queue order that nobody else holds, or None if there is none.

    ``after`` skips that review (the one just looked at). A few candidates are tried in
    order, since another moderator may claim one between our read and our update.
    """
    _require_moderator(moderator)
    now = now or timezone.now()
    candidates = (
        review_queue()
        .filter(Q(claimed_by__isnull=True) | Q(claimed_until__lte=now) | Q(claimed_by=moderator))
        .values_list("pk", flat=True)
    )
    if after is not None:
        candidates = candidates.exclude(pk=after)
    for review_id in candidates[:10]:
        try:
            return claim_review(review_id=review_id, moderator=moderator, now=now)
        except (StaleState, TransitionNotAllowed, NotPermitted):
            continue
    return None


# --- Decisions ---------------------------------------------------------------------------


def _clean_note(note: str) -> str:
    note = (note or "").strip()
    if len(note) > NOTE_MAX_LENGTH:
        raise DomainError(f"Keep the note under {NOTE_MAX_LENGTH} characters.")
    return note


def _clean_reason(reason: str, *, required: bool) -> str:
    if not reason:
        if required:
            raise DomainError("Choose the reason from the moderation policy: the author is told.")
        return ""
    if reason not in PolicyReason.values:
        raise DomainError("That is not a reason in the published moderation policy.")
    return reason


def _locked_for_decision(review_id: int, moderator: User) -> Review:
    # Lock the review row only: claimed_by is an outer join PostgreSQL cannot lock.
    review = (
        Review.objects.select_for_update(of=("self",))
        .select_related("claimed_by", "practitioner__clinic")
        .get(pk=review_id)
    )
    require_may_decide_on(moderator, review)
    if claim_is_held_by_other(review, moderator, timezone.now()):
        raise StaleState(_claimed_message(review), code="claimed")
    return review


@transaction.atomic
def moderate_review(
    *,
    review_id: int,
    moderator: User,
    decision: str,
    reason: str = "",
    note: str = "",
    seen_version: int | None = None,
) -> Review:
    """Apply a moderator's decision to a queued review, with a policy reason where needed.

    Pending reviews are approved, rejected or sent back for changes; published reviews with
    open reports are hidden (report upheld) or left up (report dismissed). ``seen_version``
    is the version the moderator read: if the review changed since, nothing is decided.
    """
    _require_moderator(moderator)
    note = _clean_note(note)
    seen = {"seen_version": seen_version}
    if decision in REPORT_DECISIONS:
        if decision == Decision.UPHOLD:
            return report_uphold(
                review_id=review_id, moderator=moderator, reason=reason, note=note, **seen
            )
        return report_dismiss(review_id=review_id, moderator=moderator, note=note, **seen)
    if decision not in PENDING_DECISIONS:
        raise DomainError("Choose approve, reject or request changes.")
    reason = _clean_reason(reason, required=PENDING_DECISIONS[decision])
    review = _locked_for_decision(review_id, moderator)
    if review.status != ReviewStatus.PENDING:
        raise TransitionNotAllowed(
            f"This review is already {review.get_status_display().lower()}: "
            "someone decided it first."
        )
    if decision == Decision.APPROVE:
        return services.review_publish(
            review_id=review_id, moderator=moderator, reason=APPROVAL_REASON, note=note, **seen
        )
    if decision == Decision.REJECT:
        return services.review_reject(
            review_id=review_id, moderator=moderator, reason=reason, note=note, **seen
        )
    return services.review_request_changes(
        review_id=review_id, moderator=moderator, reason=reason, note=note, **seen
    )


@dataclass
class BulkResult:
    approved: list[int] = field(default_factory=list)
    skipped: list[tuple[int, str]] = field(default_factory=list)


def bulk_approve(
    *, review_ids: list[int], moderator: User, seen_versions: dict[int, int] | None = None
) -> BulkResult:
    """Publish each listed pending review that has no rule hits, one recorded decision each.

    Every review is checked again when it is approved (still pending, still no hits, not
    claimed by someone else, still the version the queue showed) and committed on its own,
    so one refusal stops nothing else.
    """
    _require_moderator(moderator)
    seen_versions = seen_versions or {}
    ids = list(dict.fromkeys(review_ids))
    if len(ids) > BULK_MAX:
        raise DomainError(f"Approve at most {BULK_MAX} reviews at a time.")
    result = BulkResult()
    for review_id in ids:
        try:
            with transaction.atomic():
                review = _locked_for_decision(review_id, moderator)
                if review.status != ReviewStatus.PENDING:
                    raise TransitionNotAllowed("no longer pending")
                if review.rule_hits.exists():
                    raise DomainError("has rule hits: decide it on its own")
                services.review_publish(
                    review_id=review_id,
                    moderator=moderator,
                    reason=APPROVAL_REASON,
                    note="Approved in bulk: no rule hits.",
                    seen_version=seen_versions.get(review_id),
                )
        except Review.DoesNotExist:
            result.skipped.append((review_id, "no such review"))
        except DomainError as error:
            result.skipped.append((review_id, error.message))
        else:
            result.approved.append(review_id)
    return result


# --- Reports -----------------------------------------------------------------------------


@transaction.atomic
def report_review(*, review_id: int, reporter: User, reason: str, note: str = "") -> ReviewReport:
    """Report a published review as breaking the policy; it stays visible and joins the queue."""
    if not (reporter and reporter.is_authenticated):
        raise NotPermitted("Sign in to report a review.")
    if reason not in ReportReason.values:
        raise DomainError("Choose why this review breaks the policy.")
    note = _clean_note(note)
    review = Review.objects.select_for_update().get(pk=review_id)
    if review.status != ReviewStatus.PUBLISHED:
        raise DomainError("Only published reviews can be reported.", code="not_published")
    if review.author_id == reporter.pk:
        raise NotPermitted("You cannot report your own review; you can edit or withdraw it.")
    since = timezone.now() - timedelta(days=1)
    if (
        ReviewReport.objects.filter(reporter=reporter, created_at__gte=since).count()
        >= REPORTS_PER_USER_PER_DAY
    ):
        raise RateLimited(
            f"You can report at most {REPORTS_PER_USER_PER_DAY} reviews a day. "
            "Please come back tomorrow."
        )
    try:
        with transaction.atomic():
            report = ReviewReport.objects.create(
                review=review, reporter=reporter, reason=reason, note=note
            )
    except IntegrityError:
        raise DomainError(
            "You have already reported this review; a moderator will look at it.",
            code="duplicate_report",
        ) from None
    record(
        review,
        action="review.reported",
        actor=reporter,
        from_status=review.status,
        to_status=review.status,
        reason=reason,
        note=note,
        data={"report_id": report.pk},
    )
    return report


def _open_reports(review: Review) -> list[ReviewReport]:
    reports = list(
        ReviewReport.objects.select_for_update().filter(review=review, status=ReportStatus.OPEN)
    )
    if not reports:
        raise TransitionNotAllowed("This review has no open report: someone decided it first.")
    return reports


def _close_reports(
    reports: list[ReviewReport], *, to: str, moderator: User, reason: str, note: str
) -> None:
    now = timezone.now()
    for report in reports:
        transition(
            report,
            to=to,
            action=f"report.{to}",
            actor=moderator,
            reason=reason,
            note=note,
            changes={"resolved_at": now},
            data={"review_id": report.review_id},
        )


# The keywords every moderator decision takes (see services._decide_and_tell_author).
@transaction.atomic
def report_uphold(
    *,
    review_id: int,
    moderator: User,
    reason: str,
    note: str = "",
    seen_version: int | None = None,
) -> Review:
    """Uphold the open reports on a review: it is hidden for breaking the cited policy reason."""
    _require_moderator(moderator)
    reason = _clean_reason(reason, required=True)
    note = _clean_note(note)
    review = _locked_for_decision(review_id, moderator)
    reports = _open_reports(review)
    review = services.review_hide(
        review_id=review_id,
        moderator=moderator,
        reason=reason,
        note=note,
        seen_version=seen_version,
    )
    _close_reports(reports, to=ReportStatus.UPHELD, moderator=moderator, reason=reason, note=note)
    return review


@transaction.atomic
def report_dismiss(
    *, review_id: int, moderator: User, note: str = "", seen_version: int | None = None
) -> Review:
    """Dismiss the open reports on a review: it stays published and leaves the queue.

    Leaving the review up is a decision on the text the moderator read, so it is refused if
    the review changed since, and it moves the review's version on like any decision.
    """
    _require_moderator(moderator)
    note = _clean_note(note)
    review = _locked_for_decision(review_id, moderator)
    reports = _open_reports(review)
    with decided_at(
        review, seen_version, services.review_content, services.review_labels()
    ) as expected:
        kept = Review.objects.filter(pk=review.pk, status=review.status, **expected).update(
            claimed_by=None, claimed_until=None, version=F("version") + 1
        )
        if kept != 1:
            raise StaleState("This review was changed by someone else; reload and try again.")
    review.refresh_from_db(fields=["version", "claimed_by", "claimed_until"])
    _close_reports(reports, to=ReportStatus.DISMISSED, moderator=moderator, reason="", note=note)
    return review


# --- Responses ---------------------------------------------------------------------------


# Keyword for keyword the signature of moderate_review: one decision form serves both.
@transaction.atomic
def moderate_response(
    *,
    response_id: int,
    moderator: User,
    decision: str,
    reason: str = "",
    note: str = "",
    seen_version: int | None = None,
):
    """Publish or refuse a pending practitioner response, with a policy reason to refuse."""
    _require_moderator(moderator)
    note = _clean_note(note)
    response = PractitionerResponse.objects.select_related("review__practitioner__clinic").get(
        pk=response_id
    )
    require_may_decide_on(moderator, response)
    seen = {"seen_version": seen_version}
    if decision == Decision.APPROVE:
        return services.response_publish(
            response_id=response_id, moderator=moderator, reason=APPROVAL_REASON, note=note, **seen
        )
    if decision == Decision.REJECT:
        reason = _clean_reason(reason, required=True)
        return services.response_reject(
            response_id=response_id, moderator=moderator, reason=reason, note=note, **seen
        )
    raise DomainError("Choose approve or reject.")
