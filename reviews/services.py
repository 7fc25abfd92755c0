"""Writes for reviews: submit, edit, publish, reject, request changes, withdraw, hide.

Each decision locks the review, moves its status through ``directory.workflow.transition``
(one audit entry, refused if someone else decided first), refreshes the practitioner's
summary in the same transaction when what is published changes, and queues the author's
e-mail on commit.
"""

from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.forms.models import model_to_dict
from django.utils import timezone

from directory.errors import DomainError, NotPermitted, RateLimited
from directory.models import User
from directory.notifications import email_user
from directory.workflow import transition
from practitioners.models import Practitioner, Procedure
from reviews.models import Complication, Review, ReviewInvitation, ReviewRevision, ReviewStatus
from reviews.rules import screen_review
from reviews.summaries import refresh_summary

REVIEW_FIELDS = (
    "treatment_month",
    "sessions",
    "rating",
    "rating_results",
    "rating_hygiene",
    "rating_communication",
    "rating_aftercare",
    "worth_it",
    "title",
    "body",
    "skin_type",
    "patch_test",
    "numbing",
    "needle_depth_mm",
)
COMPLICATION_FIELDS = ("type", "severity", "onset_days", "treatment_needed", "outcome")
PUBLIC_STATUSES = frozenset({ReviewStatus.PUBLISHED})
# A review describes a treatment that happened, recently enough to be useful to patients.
MAX_TREATMENT_AGE_YEARS = 5


def earliest_treatment_date(today: date | None = None) -> date:
    """The first day of the oldest treatment month a review (or invitation) may describe."""
    today = today or timezone.localdate()
    try:
        return today.replace(year=today.year - MAX_TREATMENT_AGE_YEARS, day=1)
    except ValueError:  # pragma: no cover — day=1 always exists
        return date(today.year - MAX_TREATMENT_AGE_YEARS, today.month, 1)


def treatment_date_problem(value: date, today: date | None = None) -> str | None:
    """Why a treatment date (or month) cannot be reviewed, or ``None`` when it can."""
    today = today or timezone.localdate()
    if value > today:
        return "The treatment date cannot be in the future."
    if value < earliest_treatment_date(today):
        return (
            f"Treatments more than {MAX_TREATMENT_AGE_YEARS} years ago cannot be reviewed: "
            "practices change, and older experiences would mislead other patients."
        )
    return None


def daily_limit() -> int:
    return getattr(settings, "REVIEWS_PER_ACCOUNT_PER_DAY", 5)


def _check_daily_limit(author: User) -> None:
    since = timezone.now() - timedelta(days=1)
    if Review.objects.filter(author=author, created_at__gte=since).count() >= daily_limit():
        raise RateLimited(
            f"You can submit at most {daily_limit()} reviews a day. "
            "Please come back tomorrow — nothing you wrote today is lost."
        )


def _save_complications(review: Review, complications: Sequence[Mapping[str, Any]]) -> None:
    review.complications.all().delete()
    rows = [
        Complication(review=review, **{f: c[f] for f in COMPLICATION_FIELDS}) for c in complications
    ]
    for row in rows:
        row.full_clean(exclude=["review"])
    Complication.objects.bulk_create(rows)
    review.has_severe_complication = any(row.is_severe for row in rows)
    Review.objects.filter(pk=review.pk).update(
        has_severe_complication=review.has_severe_complication
    )


@transaction.atomic
def review_submit(
    *,
    author: User,
    practitioner: Practitioner,
    procedure: Procedure,
    fields: Mapping[str, Any],
    complications: Sequence[Mapping[str, Any]] = (),
    ip: str | None = None,
    invitation: ReviewInvitation | None = None,
) -> Review:
    """Create a pending review with its complications and screen it for moderation."""
    if practitioner.owner_id == author.pk:
        raise NotPermitted("You cannot review your own practice.")
    _check_daily_limit(author)
    review = Review(
        author=author,
        practitioner=practitioner,
        procedure=procedure,
        submitted_ip=ip,
        invitation=invitation,
        is_verified_patient=invitation is not None,
        **{name: fields[name] for name in REVIEW_FIELDS if name in fields},
    )
    review.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            review.save()
    except IntegrityError:
        raise DomainError(
            "You have already reviewed this procedure with this practitioner for that month. "
            "Edit your existing review instead.",
            code="duplicate_review",
        ) from None
    _save_complications(review, complications)
    if invitation is not None:
        ReviewInvitation.objects.filter(pk=invitation.pk).update(used_at=timezone.now())
    screen_review(review)
    return review


def _locked(review_id: int) -> Review:
    return (
        Review.objects.select_for_update()
        .select_related("author", "practitioner")
        .get(pk=review_id)
    )


def _snapshot(review: Review) -> dict:
    data = model_to_dict(review, fields=("procedure", *REVIEW_FIELDS))
    data = {
        k: (str(v) if v is not None and not isinstance(v, int | str) else v)
        for k, v in data.items()
    }
    data["complications"] = [
        {f: getattr(c, f) for f in COMPLICATION_FIELDS} for c in review.complications.all()
    ]
    data["status"] = review.status
    return data


@transaction.atomic
def review_edit(
    *,
    review_id: int,
    author: User,
    fields: Mapping[str, Any],
    complications: Sequence[Mapping[str, Any]],
) -> Review:
    """Let the author revise a review: the earlier version is kept and it goes back to pending."""
    review = _locked(review_id)
    if review.author_id != author.pk:
        raise NotPermitted("Only the author can edit a review.")
    if review.status in (ReviewStatus.WITHDRAWN, ReviewStatus.HIDDEN, ReviewStatus.REJECTED):
        raise DomainError("This review can no longer be edited.")
    ReviewRevision.objects.create(review=review, snapshot=_snapshot(review))
    was_published = review.status == ReviewStatus.PUBLISHED
    if review.status != ReviewStatus.PENDING:
        transition(
            review,
            to=ReviewStatus.PENDING,
            table=Review.TRANSITIONS,
            action="review.resubmitted",
            actor=author,
            changes={"submitted_at": timezone.now(), "published_at": None},
        )
    for name in REVIEW_FIELDS:
        if name in fields:
            setattr(review, name, fields[name])
    review.full_clean(validate_constraints=False)
    review.save(update_fields=[name for name in REVIEW_FIELDS if name in fields])
    _save_complications(review, complications)
    screen_review(review)
    if was_published:
        refresh_summary(review.practitioner_id)
    return review


def _decide(
    review_id: int,
    *,
    to: str,
    action: str,
    actor: User | None,
    reason: str = "",
    note: str = "",
    changes: Mapping[str, Any] | None = None,
) -> Review:
    review = _locked(review_id)
    was_public = review.status in PUBLIC_STATUSES
    transition(
        review,
        to=to,
        table=Review.TRANSITIONS,
        action=action,
        actor=actor,
        reason=reason,
        note=note,
        changes={"claimed_by": None, "claimed_until": None, **(changes or {})},
    )
    if was_public != (to in PUBLIC_STATUSES):
        refresh_summary(review.practitioner_id)
    return review


def _email_author(review: Review, *, subject: str, template: str, **context) -> None:
    email_user(
        to=review.author.email,
        subject=subject,
        template=template,
        context={"review": review, "practitioner": review.practitioner, **context},
    )


@transaction.atomic
def review_publish(
    *, review_id: int, moderator: User, reason: str = "meets_policy", note: str = ""
) -> Review:
    """Publish a pending review: it shows on the profile and counts in the summary."""
    review = _decide(
        review_id,
        to=ReviewStatus.PUBLISHED,
        action="review.published",
        actor=moderator,
        reason=reason,
        note=note,
        changes={"published_at": timezone.now()},
    )
    _email_author(
        review, subject="Your review is published", template="reviews/email/review_published.txt"
    )
    return review


@transaction.atomic
def review_reject(*, review_id: int, moderator: User, reason: str, note: str = "") -> Review:
    """Reject a pending review for breaking the policy; the author is told the reason."""
    if not reason:
        raise DomainError("A rejection needs a reason code from the moderation policy.")
    review = _decide(
        review_id,
        to=ReviewStatus.REJECTED,
        action="review.rejected",
        actor=moderator,
        reason=reason,
        note=note,
    )
    _email_author(
        review,
        subject="Your review was not published",
        template="reviews/email/review_rejected.txt",
        reason=reason,
        note=note,
    )
    return review


@transaction.atomic
def review_request_changes(
    *, review_id: int, moderator: User, reason: str, note: str = ""
) -> Review:
    """Send a pending review back to its author with what must change."""
    if not reason:
        raise DomainError("A change request needs a reason code from the moderation policy.")
    review = _decide(
        review_id,
        to=ReviewStatus.CHANGES_REQUESTED,
        action="review.changes_requested",
        actor=moderator,
        reason=reason,
        note=note,
    )
    _email_author(
        review,
        subject="Your review needs a change before it is published",
        template="reviews/email/review_changes_requested.txt",
        reason=reason,
        note=note,
    )
    return review


@transaction.atomic
def review_withdraw(*, review_id: int, author: User) -> Review:
    """The author takes their review down; it leaves the profile and the summary."""
    review = _locked(review_id)
    if review.author_id != author.pk:
        raise NotPermitted("Only the author can withdraw a review.")
    return _decide(review_id, to=ReviewStatus.WITHDRAWN, action="review.withdrawn", actor=author)


@transaction.atomic
def review_hide(*, review_id: int, moderator: User, reason: str, note: str = "") -> Review:
    """Hide a published review after an upheld report."""
    review = _decide(
        review_id,
        to=ReviewStatus.HIDDEN,
        action="review.hidden",
        actor=moderator,
        reason=reason,
        note=note,
    )
    _email_author(
        review,
        subject="Your review was hidden after a report",
        template="reviews/email/review_hidden.txt",
        reason=reason,
        note=note,
    )
    return review
