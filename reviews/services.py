"""Writes for reviews: submit, edit, publish, reject, request changes, withdraw, hide.

Each decision locks the review, moves its status through ``kernel.workflow.transition``
(one audit entry, refused if someone else decided first), refreshes the practitioner's
summary in the same transaction when what is published changes, and queues the author's
e-mail on commit.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, NotRequired, TypedDict, Unpack

from django.conf import settings
from django.db import IntegrityError, transaction
from django.forms.models import model_to_dict
from django.utils import timezone
from django.utils.text import capfirst

from accounts.services import mask_address, same_address
from kernel.errors import DomainError, NotPermitted, RateLimited
from kernel.models import User
from kernel.notifications import email_user
from kernel.versions import decided_at, record_edit
from kernel.workflow import record, transition
from practitioners.models import Practitioner, Procedure
from reviews.alerts import check_safety_alerts
from reviews.models import (
    Complication,
    PractitionerResponse,
    ResponseStatus,
    Review,
    ReviewInvitation,
    ReviewRevision,
    ReviewStatus,
)
from reviews.policy import APPROVAL_REASON, reason_label
from reviews.rules import screen_response, screen_review
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
# The treatment an invitation vouched for cannot be changed by editing the review.
EDITABLE_AFTER_INVITATION = tuple(name for name in REVIEW_FIELDS if name != "treatment_month")
COMPLICATION_FIELDS = ("type", "severity", "onset_days", "treatment_needed", "outcome")
DUPLICATE_MESSAGE = (
    "You have already reviewed this procedure with this practitioner for that month. "
    "Edit your existing review instead."
)
# Plain-text limits the review form enforces (the model caps the body at 5000 characters).
BODY_MIN_LENGTH = 50
BODY_MAX_LENGTH = 5000
TITLE_MIN_LENGTH = 5
RESPONSE_MIN_LENGTH = 10
RESPONSE_MAX_LENGTH = 3000
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
    return settings.REVIEWS_PER_ACCOUNT_PER_DAY


def _check_daily_limit(author: User) -> None:
    """Refuse a review past the author's limit for the last 24 hours.

    Call inside the transaction that inserts the review. The author's row is locked first,
    so concurrent submissions by one author are counted one after another (on SQLite the
    write transaction itself already serialises them).
    """
    User.objects.select_for_update().filter(pk=author.pk).values_list("pk").first()
    since = timezone.now() - timedelta(days=1)
    limit = daily_limit()
    if Review.objects.filter(author=author, created_at__gte=since).count() >= limit:
        raise RateLimited(
            f"You can submit at most {limit} review{'' if limit == 1 else 's'} a day. "
            "Please come back tomorrow — nothing you wrote today is lost."
        )


def _save_complications(review: Review, complications: Sequence[Mapping[str, Any]]) -> None:
    types = [c["type"] for c in complications]
    if len(types) != len(set(types)):
        raise DomainError(
            "Report each complication type once; describe everything about it in that row.",
            code="duplicate_complication",
        )
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


class InvitationForAnotherAddress(NotPermitted):
    """The invitation was sent to another address than the signed-in account's.

    ``masked_address`` is the invited address with most of it hidden, safe to show to
    whoever holds the link.
    """

    code = "invitation_other_address"

    def __init__(self, invited_email: str):
        self.masked_address = mask_address(invited_email)
        super().__init__(
            f"This invitation was sent to a different e-mail address ({self.masked_address}) "
            "than the one you are signed in with. Only an account with that address can use "
            "it: sign out, then sign in or create an account with the address the invitation "
            "was sent to."
        )


def check_invitation_recipient(invitation: ReviewInvitation, user: User) -> None:
    """Refuse an invitation to anyone but the account with the invited address (any case)."""
    if not same_address(invitation.email, user.email):
        raise InvitationForAnotherAddress(invitation.email)


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
    if author.email_verified_at is None:
        raise NotPermitted(
            "Confirm your e-mail address before you submit a review: follow the link we "
            "sent you, or ask for a new one.",
            code="email_not_verified",
        )
    _check_treatment_month(fields)
    if invitation is not None:
        # Lock the invitation so two tabs cannot both spend the same one-time link.
        invitation = ReviewInvitation.objects.select_for_update().get(pk=invitation.pk)
        if invitation.practitioner_id != practitioner.pk or invitation.used_at is not None:
            raise DomainError(
                "This invitation has already been used or is for another practitioner.",
                code="invitation_used",
            )
        check_invitation_recipient(invitation, author)
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
        raise DomainError(DUPLICATE_MESSAGE, code="duplicate_review") from None
    _save_complications(review, complications)
    if invitation is not None:
        used = ReviewInvitation.objects.filter(pk=invitation.pk, used_at__isnull=True).update(
            used_at=timezone.now()
        )
        if used != 1:
            raise DomainError(
                "This invitation has already been used to write a review.",
                code="invitation_used",
            )
    record(review, action="review.submitted", actor=author, to_status=ReviewStatus.PENDING)
    screen_review(review)
    return review


def _check_treatment_month(fields: Mapping[str, Any]) -> None:
    month = fields.get("treatment_month")
    if isinstance(month, date) and (problem := treatment_date_problem(month)):
        raise DomainError(problem, code="invalid_treatment_date")


def _locked(review_id: int) -> Review:
    return (
        Review.objects.select_for_update()
        .select_related("author", "practitioner")
        .get(pk=review_id)
    )


def review_content(review: Review) -> dict[str, Any]:
    """What a moderator reads of a review, as JSON values: compared between versions."""
    data = {"procedure": str(review.procedure)}
    for name in REVIEW_FIELDS:
        value = getattr(review, name)
        data[name] = value if value is None or isinstance(value, int | str) else str(value)
    data["complications"] = "; ".join(
        ", ".join(str(getattr(c, name)) for name in COMPLICATION_FIELDS)
        for c in review.complications.order_by("type")
    )
    return data


def review_labels() -> dict[str, str]:
    labels = {
        name: capfirst(Review._meta.get_field(name).verbose_name)
        for name in ("procedure", *REVIEW_FIELDS)
    }
    return labels | {"complications": "Complications"}


RESPONSE_LABELS = {"body": "Response"}


def response_content(response: PractitionerResponse) -> dict[str, Any]:
    return {"body": response.body}


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


# An author may revise a review until it is withdrawn, hidden after a report or rejected.
EDITABLE_STATUSES = frozenset(
    {ReviewStatus.PENDING, ReviewStatus.PUBLISHED, ReviewStatus.CHANGES_REQUESTED}
)


def is_editable(review: Review) -> bool:
    """Whether its author may still revise this review (the edit page and the service agree)."""
    return review.status in EDITABLE_STATUSES


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
    if not is_editable(review):
        raise DomainError("This review can no longer be edited.")
    if fields.get("treatment_month") != review.treatment_month:
        _check_treatment_month(fields)
    ReviewRevision.objects.create(review=review, snapshot=_snapshot(review))
    before = review_content(review)
    was_published = review.status == ReviewStatus.PUBLISHED
    if review.status != ReviewStatus.PENDING:
        # A call of the one state change, kernel.workflow.transition: alike in form wherever used.
        transition(
            review,
            to=ReviewStatus.PENDING,
            action="review.resubmitted",
            actor=author,
            changes={"submitted_at": timezone.now(), "published_at": None},
        )
    editable = REVIEW_FIELDS if review.invitation_id is None else EDITABLE_AFTER_INVITATION
    changed = [name for name in editable if name in fields]
    if review.invitation_id is None and "procedure" in fields:
        # An invited review keeps the procedure the invitation vouched for.
        review.procedure = fields["procedure"]
        changed.append("procedure")
    for name in changed:
        if name != "procedure":
            setattr(review, name, fields[name])
    review.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            review.save(update_fields=changed)
    except IntegrityError:
        raise DomainError(DUPLICATE_MESSAGE, code="duplicate_review") from None
    _save_complications(review, complications)
    record_edit(
        review,
        action="review.edited",
        actor=author,
        before=before,
        after=review_content(review),
        status=review.status,
    )
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
    seen_version: int | None = None,
) -> Review:
    review = _locked(review_id)
    was_public = review.status in PUBLIC_STATUSES
    with decided_at(review, seen_version, review_content, review_labels()) as expected:
        transition(
            review,
            to=to,
            action=action,
            actor=actor,
            reason=reason,
            note=note,
            changes={"claimed_by": None, "claimed_until": None, **(changes or {})},
            expected=expected,
        )
    if was_public != (to in PUBLIC_STATUSES):
        refresh_summary(review.practitioner_id)
    return review


def _email_author(review: Review, *, subject: str, template: str, **context) -> None:
    if "reason" in context:
        # The author is told the policy reason in words, not its code.
        context["reason"] = reason_label(context["reason"])
    email_user(
        to=review.author.email,
        subject=subject,
        template=template,
        context={"review": review, "practitioner": review.practitioner, **context},
    )


class Ruling(TypedDict):
    """The keywords of a moderator's decision that cites a policy reason."""

    moderator: User
    reason: str
    note: NotRequired[str]
    seen_version: NotRequired[int | None]


class ReviewRuling(Ruling):
    review_id: int


class ResponseRuling(Ruling):
    response_id: int


@dataclass(frozen=True)
class AuthorNotice:
    """A decision against a review that its author is e-mailed, with its reason and note."""

    to: str
    action: str
    subject: str
    template: str
    missing_reason: str = ""  # the refusal when the decision cites no policy reason


REJECTION = AuthorNotice(
    ReviewStatus.REJECTED,
    "review.rejected",
    "Your review was not published",
    "reviews/email/review_rejected.txt",
    missing_reason="A rejection needs a reason code from the moderation policy.",
)
CHANGE_REQUEST = AuthorNotice(
    ReviewStatus.CHANGES_REQUESTED,
    "review.changes_requested",
    "Your review needs a change before it is published",
    "reviews/email/review_changes_requested.txt",
    missing_reason="A change request needs a reason code from the moderation policy.",
)
HIDING = AuthorNotice(
    ReviewStatus.HIDDEN,
    "review.hidden",
    "Your review was hidden after a report",
    "reviews/email/review_hidden.txt",
)


def _decide_and_tell_author(
    notice: AuthorNotice,
    *,
    review_id: int,
    moderator: User,
    reason: str,
    note: str = "",
    seen_version: int | None = None,
) -> Review:
    """A moderator's decision against a review, e-mailed to its author with reason and note."""
    if notice.missing_reason and not reason:
        raise DomainError(notice.missing_reason)
    review = _decide(
        review_id,
        to=notice.to,
        action=notice.action,
        actor=moderator,
        reason=reason,
        note=note,
        seen_version=seen_version,
    )
    _email_author(
        review, subject=notice.subject, template=notice.template, reason=reason, note=note
    )
    return review


# The public service signatures of a moderation decision: alike by design (the views call
# each with the same keywords), so a review and a response are decided the same way.
@transaction.atomic
def review_publish(
    *,
    review_id: int,
    moderator: User,
    reason: str = APPROVAL_REASON,
    note: str = "",
    seen_version: int | None = None,
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
        seen_version=seen_version,
    )
    check_safety_alerts(practitioner_id=review.practitioner_id)
    _email_author(
        review, subject="Your review is published", template="reviews/email/review_published.txt"
    )
    return review


@transaction.atomic
def review_reject(**ruling: Unpack[ReviewRuling]) -> Review:
    """Reject a pending review for breaking the policy; the author is told the reason."""
    return _decide_and_tell_author(REJECTION, **ruling)


@transaction.atomic
def review_request_changes(**ruling: Unpack[ReviewRuling]) -> Review:
    """Send a pending review back to its author with what must change."""
    return _decide_and_tell_author(CHANGE_REQUEST, **ruling)


@transaction.atomic
def review_withdraw(*, review_id: int, author: User) -> Review:
    """The author takes their review down; it leaves the profile and the summary."""
    review = _locked(review_id)
    if review.author_id != author.pk:
        raise NotPermitted("Only the author can withdraw a review.")
    return _decide(review_id, to=ReviewStatus.WITHDRAWN, action="review.withdrawn", actor=author)


@transaction.atomic
def review_hide(**ruling: Unpack[ReviewRuling]) -> Review:
    """Hide a published review after an upheld report."""
    return _decide_and_tell_author(HIDING, **ruling)


def _locked_response(response_id: int) -> PractitionerResponse:
    return (
        PractitionerResponse.objects.select_for_update()
        .select_related("author", "review", "review__practitioner")
        .get(pk=response_id)
    )


@transaction.atomic
def response_submit(*, review_id: int, author: User, body: str) -> PractitionerResponse:
    """Submit (or revise) the practitioner's one public response to a published review.

    A new or revised response waits for moderation; the screening rules run on every
    version and each change is recorded.
    """
    review = Review.objects.select_related("practitioner").get(pk=review_id)
    if review.practitioner.owner_id is None or review.practitioner.owner_id != author.pk:
        raise NotPermitted("Only the practitioner who owns this profile can respond to it.")
    if review.status != ReviewStatus.PUBLISHED:
        raise DomainError("You can respond only to a published review.", code="not_published")
    body = (body or "").strip()
    if not RESPONSE_MIN_LENGTH <= len(body) <= RESPONSE_MAX_LENGTH:
        raise DomainError(
            f"A response is between {RESPONSE_MIN_LENGTH} and {RESPONSE_MAX_LENGTH} characters "
            f"long; this one has {len(body)}.",
            code="invalid_length",
        )
    existing = PractitionerResponse.objects.select_for_update().filter(review_id=review.pk).first()
    if existing is None:
        try:
            with transaction.atomic():
                response = PractitionerResponse.objects.create(
                    review=review, author=author, body=body
                )
        except IntegrityError:
            raise DomainError(
                "This review already has a response; reload the page to edit it.",
                code="conflict",
            ) from None
        record(response, action="response.submitted", actor=author, to_status=response.status)
    elif existing.status == ResponseStatus.PENDING:
        response = existing
        before = response_content(response)
        PractitionerResponse.objects.filter(pk=response.pk).update(body=body, author=author)
        response.body, response.author = body, author
        record_edit(
            response,
            action="response.edited",
            actor=author,
            before=before,
            after=response_content(response),
            status=response.status,
        )
    else:
        response = existing
        # The edit record of a resubmission: its version is the one the new text replaces.
        replaced = {"version": response.version, "before": response_content(response)}
        transition(
            response,
            to=ResponseStatus.PENDING,
            action="response.resubmitted",
            actor=author,
            changes={"body": body, "author": author, "published_at": None},
            data={**replaced, "after": {"body": body}},
        )
    screen_response(response)
    return response


def _decide_response(
    to: str,
    action: str,
    *,
    response_id: int,
    moderator: User,
    reason: str,
    note: str = "",
    seen_version: int | None = None,
    changes: Mapping[str, Any] | None = None,
) -> PractitionerResponse:
    response = _locked_response(response_id)
    with decided_at(response, seen_version, response_content, RESPONSE_LABELS) as expected:
        transition(
            response,
            to=to,
            action=action,
            actor=moderator,
            reason=reason,
            note=note,
            changes=changes,
            expected=expected,
        )
    return response


def _email_responder(
    response: PractitionerResponse, *, subject: str, template: str, **context
) -> None:
    email_user(
        to=response.author.email,
        subject=subject,
        template=template,
        context={"response": response, "review": response.review, **context},
    )


@transaction.atomic
def response_publish(
    *,
    response_id: int,
    moderator: User,
    reason: str = APPROVAL_REASON,
    note: str = "",
    seen_version: int | None = None,
) -> PractitionerResponse:
    """Publish a pending practitioner response under its review."""
    response = _decide_response(
        ResponseStatus.PUBLISHED,
        "response.published",
        response_id=response_id,
        moderator=moderator,
        reason=reason,
        note=note,
        seen_version=seen_version,
        changes={"published_at": timezone.now()},
    )
    _email_responder(
        response,
        subject="Your response is published",
        template="reviews/email/response_published.txt",
    )
    return response


@transaction.atomic
def response_reject(**ruling: Unpack[ResponseRuling]) -> PractitionerResponse:
    """Refuse a pending practitioner response for breaking the policy; its author is told why."""
    reason = ruling["reason"]
    if not reason:
        raise DomainError("A rejection needs a reason code from the moderation policy.")
    response = _decide_response(ResponseStatus.REJECTED, "response.rejected", **ruling)
    _email_responder(
        response,
        subject="Your response was not published",
        template="reviews/email/response_rejected.txt",
        reason=reason_label(reason),
        note=ruling.get("note", ""),
    )
    return response
