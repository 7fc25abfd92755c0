"""What the reviews domain holds about an account, for ``accounts.privacy``.

Two holders, for the two places they take in the download: what a member did as a
patient (their reviews, the reports they made, the invitations sent to their address)
comes first; the responses they wrote for a profile they own come after their profile
claims. ``ReviewsConfig.ready()`` registers both.
"""

from datetime import datetime, timedelta
from typing import Any

from django.contrib.contenttypes.models import ContentType

from accounts.privacy import PersonalDataHolder, erase_audit_text, export_fields, json_ready
from kernel.models import AuditEntry, User
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
RESPONSE_EXPORT_FIELDS = ("body", "status", "created_at", "published_at")

REVIEW_ADDRESS_RETENTION_DAYS = 90
INVITATION_ADDRESS_RETENTION_DAYS = 90
ERASED_INVITATION_EMAIL = "erased@erased.invalid"


def _decisions_by_review(reviews: list[Review]) -> dict[int, list[dict[str, Any]]]:
    """The moderation record of each review, oldest first, without moderators' notes."""
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
                "at": json_ready(entry.created_at),
            }
        )
    return decisions


def _exported_review(review: Review, decisions: list[dict[str, Any]]) -> dict[str, Any]:
    item = export_fields(review, REVIEW_EXPORT_FIELDS)
    item["practitioner"] = {
        "name": review.practitioner.full_name,
        "slug": review.practitioner.slug,
    }
    item["procedure"] = review.procedure.slug
    item["complications"] = [
        export_fields(c, COMPLICATION_EXPORT_FIELDS) for c in review.complications.all()
    ]
    item["revisions"] = [
        {"created_at": json_ready(rev.created_at), "snapshot": rev.snapshot}
        for rev in review.revisions.all()
    ]
    response = getattr(review, "response", None)
    item["practitioner_response"] = (
        export_fields(response, RESPONSE_EXPORT_FIELDS) if response is not None else None
    )
    item["moderation_decisions"] = decisions
    return item


class AuthoredReviews(PersonalDataHolder):
    """A patient's reviews, the reports they made and the invitations sent to their address."""

    name = "reviews.authored"

    def export(self, user: User) -> dict[str, Any]:
        reviews = list(
            Review.objects.filter(author=user)
            .select_related("practitioner", "procedure", "response")
            .prefetch_related("complications", "revisions")
            .order_by("created_at", "id")
        )
        decisions = _decisions_by_review(reviews)
        reports = ReviewReport.objects.filter(reporter=user).select_related("review__practitioner")
        invitations = ReviewInvitation.objects.filter(email__iexact=user.email).select_related(
            "practitioner", "procedure"
        )
        return {
            "reviews": [_exported_review(r, decisions.get(r.pk, [])) for r in reviews],
            "reports": [
                {
                    "review_id": report.review_id,
                    "practitioner": report.review.practitioner.full_name,
                    **export_fields(
                        report, ("reason", "note", "status", "created_at", "resolved_at")
                    ),
                }
                for report in reports
            ],
            "invitations": [
                {
                    "practitioner": invitation.practitioner.full_name,
                    "procedure": invitation.procedure.slug,
                    **export_fields(
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
        }

    def erase(self, user: User) -> None:
        """Withdraw the reviews through the review service, then erase every text in them."""
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
            erase_audit_text(
                AuditEntry.objects.filter(content_type=review_type, object_id=review_id),
                object_repr=f"Review #{review_id} (erased)",
            )
        response_type = ContentType.objects.get_for_model(PractitionerResponse)
        for response_id in PractitionerResponse.objects.filter(
            review_id__in=review_ids
        ).values_list("pk", flat=True):
            # A response's record is named after the review's title.
            erase_audit_text(
                AuditEntry.objects.filter(content_type=response_type, object_id=response_id),
                object_repr=f"Response #{response_id} to an erased review",
                keep_data=True,
            )
        # An edit's record holds the text before and after (kernel.versions).
        erase_audit_text(AuditEntry.objects.filter(actor=user, action="review.edited"))

        report_ids = list(ReviewReport.objects.filter(reporter=user).values_list("pk", flat=True))
        ReviewReport.objects.filter(pk__in=report_ids).update(note="")
        erase_audit_text(AuditEntry.objects.filter(data__report_id__in=report_ids), keep_data=True)
        erase_audit_text(
            AuditEntry.objects.filter(
                content_type=ContentType.objects.get_for_model(ReviewReport),
                object_id__in=report_ids,
            )
        )
        ReviewInvitation.objects.filter(email__iexact=user.email).update(
            email=ERASED_INVITATION_EMAIL
        )

    def purge_expired(self, now: datetime) -> dict[str, int]:
        """The address a review was sent from (used to spot review bursts) goes after 90 days;
        the e-mail address on an invitation nobody used goes 90 days after it expired."""
        addresses = Review.objects.filter(
            submitted_ip__isnull=False,
            created_at__lt=now - timedelta(days=REVIEW_ADDRESS_RETENTION_DAYS),
        ).update(submitted_ip=None)
        invitations = (
            ReviewInvitation.objects.filter(
                used_at__isnull=True,
                expires_at__lt=now - timedelta(days=INVITATION_ADDRESS_RETENTION_DAYS),
            )
            .exclude(email=ERASED_INVITATION_EMAIL)
            .update(email=ERASED_INVITATION_EMAIL)
        )
        return {"review_addresses": addresses, "invitation_addresses": invitations}


class ResponsesWritten(PersonalDataHolder):
    """The responses a member wrote, as the owner of a practitioner profile, to its reviews."""

    name = "reviews.responses"

    def export(self, user: User) -> dict[str, Any]:
        responses = PractitionerResponse.objects.filter(author=user).select_related("review")
        return {
            "responses_written": [
                {"review_id": r.review_id, **export_fields(r, RESPONSE_EXPORT_FIELDS)}
                for r in responses
            ]
        }

    def erase(self, user: User) -> None:
        # An edit's record holds the text before and after (kernel.versions); the responses
        # themselves stay with the reviews they answer.
        erase_audit_text(
            AuditEntry.objects.filter(
                actor=user, action__in=("response.edited", "response.resubmitted")
            )
        )
