"""A patient's own data: everything the site holds about them, and erasing it on request.

``account_export`` gathers what is stored about one account into plain JSON-ready data.
``account_delete`` withdraws the account's reviews through the review service (so
summaries are recounted and each withdrawal is recorded), erases their text and
everything written in the account's name, and anonymises the account itself. Decisions
stay in the moderation record — who decided what, when and for which policy reason — but
that record keeps no text the patient wrote: the only edit ever made to it is this
erasure.
"""

import logging
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import partial
from importlib import import_module
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.template.loader import render_to_string
from django.utils import timezone

from accounts.second_factor import second_factor_erase
from accounts.security import (
    account_key,
    count_failure,
    failure_count,
    failures_per_account,
    window_seconds,
)
from kernel.errors import DomainError, NotPermitted
from kernel.models import AuditEntry, User
from kernel.tasks import send_email
from kernel.workflow import record
from practitioners.models import Practitioner, ProfileClaim
from reviews.models import (
    PractitionerResponse,
    Review,
    ReviewInvitation,
    ReviewReport,
    ReviewRevision,
    ReviewStatus,
    RuleHit,
)
from reviews.services import COMPLICATION_FIELDS, REVIEW_FIELDS, review_withdraw

logger = logging.getLogger(__name__)

EXPORT_FORMAT_VERSION = 1
ERASED_DISPLAY_NAME = "Former member"


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _row(obj: models.Model, fields: tuple[str, ...]) -> dict[str, Any]:
    return {name: _plain(getattr(obj, name)) for name in fields}


REVIEW_EXPORT_FIELDS = (
    "id",
    "status",
    *REVIEW_FIELDS,
    "is_verified_patient",
    "submitted_ip",
    "created_at",
    "submitted_at",
    "published_at",
)
COMPLICATION_EXPORT_FIELDS = COMPLICATION_FIELDS


def account_export(user: User) -> dict[str, Any]:
    """Everything stored about ``user``, as JSON-ready data (a fixed number of queries)."""
    reviews = (
        Review.objects.filter(author=user)
        .select_related("practitioner", "procedure", "response")
        .prefetch_related("complications", "revisions")
        .order_by("created_at", "id")
    )
    review_type = ContentType.objects.get_for_model(Review)
    decisions: dict[int, list[dict[str, Any]]] = {}
    for entry in AuditEntry.objects.filter(
        content_type=review_type, object_id__in=[r.pk for r in reviews]
    ).order_by("created_at", "id"):
        decisions.setdefault(entry.object_id, []).append(
            {
                "action": entry.action,
                "from_status": entry.from_status,
                "to_status": entry.to_status,
                "reason": entry.reason,
                "at": _plain(entry.created_at),
            }
        )
    exported_reviews = []
    for review in reviews:
        item = _row(review, REVIEW_EXPORT_FIELDS)
        item["practitioner"] = {
            "name": review.practitioner.full_name,
            "slug": review.practitioner.slug,
        }
        item["procedure"] = review.procedure.slug
        item["complications"] = [
            _row(c, COMPLICATION_EXPORT_FIELDS) for c in review.complications.all()
        ]
        item["revisions"] = [
            {"created_at": _plain(rev.created_at), "snapshot": rev.snapshot}
            for rev in review.revisions.all()
        ]
        response = getattr(review, "response", None)
        item["practitioner_response"] = (
            _row(response, ("body", "status", "created_at", "published_at"))
            if response is not None
            else None
        )
        item["moderation_decisions"] = decisions.get(review.pk, [])
        exported_reviews.append(item)

    reports = ReviewReport.objects.filter(reporter=user).select_related("review__practitioner")
    invitations = ReviewInvitation.objects.filter(email__iexact=user.email).select_related(
        "practitioner", "procedure"
    )
    claims = ProfileClaim.objects.filter(user=user).select_related("practitioner")
    responses_written = PractitionerResponse.objects.filter(author=user).select_related("review")
    return {
        "format_version": EXPORT_FORMAT_VERSION,
        "exported_at": _plain(timezone.now()),
        "account": {
            "email": user.email,
            "display_name": user.display_name,
            "date_joined": _plain(user.date_joined),
            "last_login": _plain(user.last_login),
            "email_verified_at": _plain(user.email_verified_at),
            "roles": sorted(user.groups.values_list("name", flat=True)),
        },
        "reviews": exported_reviews,
        "reports": [
            {
                "review_id": report.review_id,
                "practitioner": report.review.practitioner.full_name,
                **_row(report, ("reason", "note", "status", "created_at", "resolved_at")),
            }
            for report in reports
        ],
        "invitations": [
            {
                "practitioner": invitation.practitioner.full_name,
                "procedure": invitation.procedure.slug,
                **_row(
                    invitation,
                    (
                        "email",
                        "treatment_date",
                        "partner_name",
                        "created_at",
                        "expires_at",
                        "used_at",
                    ),
                ),
            }
            for invitation in invitations
        ],
        "profile_claims": [
            {
                "practitioner": claim.practitioner.full_name,
                **_row(claim, ("status", "message", "created_at", "decided_at")),
            }
            for claim in claims
        ],
        "responses_written": [
            {"review_id": r.review_id, **_row(r, ("body", "status", "created_at", "published_at"))}
            for r in responses_written
        ],
    }


def check_password_for_deletion(user: User, password: str) -> None:
    """Refuse a wrong password, counting it with the sign-in failures for this account."""
    key = account_key(user.email)
    if failure_count(key) >= failures_per_account():
        raise NotPermitted(
            "Too many wrong passwords for this account. "
            f"Please wait {max(1, window_seconds() // 60)} minutes and try again."
        )
    if not password or not user.check_password(password):
        count_failure(key)
        raise DomainError("That password is not correct. Nothing was deleted.", code="bad_password")


def _erase_audit_text(
    queryset: models.QuerySet, *, object_repr: str | None = None, keep_data: bool = False
) -> None:
    # The one edit ever made to the append-only record: erasure of the text in it. The base
    # QuerySet is used on purpose, past AuditQuerySet's refusal of bulk updates.
    values: dict[str, Any] = {"note": ""} if keep_data else {"note": "", "data": {}}
    if object_repr is not None:
        values["object_repr"] = object_repr
    models.QuerySet(model=AuditEntry).filter(pk__in=queryset.values("pk")).update(**values)


# Records of an author's edits: their data is the edited text itself.
TEXT_EDITS = ("review.edited", "response.edited", "response.resubmitted")


@transaction.atomic
def account_delete(*, user: User, password: str) -> None:
    """The member's own request: confirm the password, then erase the account."""
    check_password_for_deletion(user, password)
    account_erase(user_id=user.pk, actor_label="the account holder")


@transaction.atomic
def account_erase(*, user_id: int, actor_label: str, notify: bool = True) -> None:
    """Withdraw and erase the account's reviews, erase what it wrote, and anonymise it."""
    user = User.objects.select_for_update().get(pk=user_id)
    former_email = user.email

    review_ids = list(Review.objects.filter(author=user).values_list("pk", flat=True))
    for review_id in review_ids:
        status = Review.objects.filter(pk=review_id).values_list("status", flat=True).get()
        if status != ReviewStatus.WITHDRAWN:
            review_withdraw(review_id=review_id, author=user)
    Review.objects.filter(pk__in=review_ids).update(
        title="", body="", skin_type="", needle_depth_mm=None, submitted_ip=None
    )
    ReviewRevision.objects.filter(review_id__in=review_ids).update(snapshot={"erased": True})
    RuleHit.objects.filter(review_id__in=review_ids).update(evidence="")
    review_type = ContentType.objects.get_for_model(Review)
    for review_id in review_ids:
        _erase_audit_text(
            AuditEntry.objects.filter(content_type=review_type, object_id=review_id),
            object_repr=f"Review #{review_id} (erased)",
        )

    response_type = ContentType.objects.get_for_model(PractitionerResponse)
    for response_id in PractitionerResponse.objects.filter(review_id__in=review_ids).values_list(
        "pk", flat=True
    ):
        # A response's record is named after the review's title.
        _erase_audit_text(
            AuditEntry.objects.filter(content_type=response_type, object_id=response_id),
            object_repr=f"Response #{response_id} to an erased review",
            keep_data=True,
        )

    report_ids = list(ReviewReport.objects.filter(reporter=user).values_list("pk", flat=True))
    ReviewReport.objects.filter(pk__in=report_ids).update(note="")
    # Whatever the account wrote into a decision it made (a report's note, recorded on the
    # reported review) goes too; the decision itself stays.
    _erase_audit_text(AuditEntry.objects.filter(actor=user), keep_data=True)
    # Except an edit's record, which holds the text before and after (kernel.versions).
    _erase_audit_text(AuditEntry.objects.filter(actor=user, action__in=TEXT_EDITS))
    _erase_audit_text(AuditEntry.objects.filter(data__report_id__in=report_ids), keep_data=True)
    _erase_audit_text(
        AuditEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(ReviewReport), object_id__in=report_ids
        )
    )
    ReviewInvitation.objects.filter(email__iexact=former_email).update(
        email="erased@erased.invalid"
    )
    ProfileClaim.objects.filter(user=user).update(message="")
    Practitioner.objects.filter(owner=user).update(owner=None)

    user_type = ContentType.objects.get_for_model(User)
    _erase_audit_text(
        AuditEntry.objects.filter(content_type=user_type, object_id=user.pk),
        object_repr=f"Account #{user.pk} (deleted)",
    )
    user.email = f"deleted-{user.pk}@deleted.invalid"
    user.display_name = ERASED_DISPLAY_NAME
    user.email_verified_at = None
    user.is_active = False
    user.is_staff = False
    user.is_superuser = False
    user.set_unusable_password()  # also ends every session: their auth hash no longer matches
    user.save()
    user.groups.clear()
    user.user_permissions.clear()
    second_factor_erase(user)
    record(user, action="account.deleted", actor_label=actor_label)
    # Outside the database too: after restoring a backup, this is the list to erase again.
    logger.info("Account %s erased (%s)", user.pk, actor_label)
    if not notify:
        return
    body = render_to_string("account/email/account_deleted.txt", {})
    transaction.on_commit(
        partial(
            send_email.enqueue,
            to=[former_email],
            subject="Your account has been deleted",
            body=body,
        )
    )


REVIEW_ADDRESS_RETENTION_DAYS = 90
INVITATION_ADDRESS_RETENTION_DAYS = 90


@transaction.atomic
def purge_expired_personal_data(*, now: datetime | None = None) -> dict[str, int]:
    """Erase what is kept only for a while (SECURITY.md, "Retention"); return what was erased.

    The address a review was sent from (used to spot review bursts) goes after 90 days;
    the e-mail address on an invitation nobody used goes 90 days after it expired; expired
    sessions are deleted.
    """
    now = now or timezone.now()
    addresses = Review.objects.filter(
        submitted_ip__isnull=False,
        created_at__lt=now - timedelta(days=REVIEW_ADDRESS_RETENTION_DAYS),
    ).update(submitted_ip=None)
    invitations = (
        ReviewInvitation.objects.filter(
            used_at__isnull=True,
            expires_at__lt=now - timedelta(days=INVITATION_ADDRESS_RETENTION_DAYS),
        )
        .exclude(email="erased@erased.invalid")
        .update(email="erased@erased.invalid")
    )
    import_module(settings.SESSION_ENGINE).SessionStore.clear_expired()
    return {"review_addresses": addresses, "invitation_addresses": invitations}


def accounts_to_erase_again() -> list[int]:
    """Accounts the record says were deleted but which hold personal data again (a restore)."""
    deleted = AuditEntry.objects.filter(
        action="account.deleted", content_type=ContentType.objects.get_for_model(User)
    ).values_list("object_id", flat=True)
    return list(
        User.objects.filter(pk__in=list(deleted))
        .exclude(email__endswith="@deleted.invalid")
        .values_list("pk", flat=True)
    )
