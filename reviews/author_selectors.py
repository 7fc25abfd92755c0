"""Reads for the people behind a review: its author (“My reviews”) and the practitioner
who may respond. Public review lists live in ``listings.skin_types``."""

from django.contrib.contenttypes.models import ContentType
from django.db.models import OuterRef, Prefetch, QuerySet, Subquery
from django.shortcuts import get_object_or_404

from kernel.models import AuditEntry, User
from practitioners.models import Practitioner, Procedure
from reviews.models import Complication, Review, ReviewInvitation, ReviewStatus


def _latest_decision(field: str) -> Subquery:
    """The reason (or note) of the decision that put each review in its current status."""
    return Subquery(
        AuditEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(Review),
            object_id=OuterRef("pk"),
            to_status=OuterRef("status"),
        )
        .order_by("-created_at", "-id")
        .values(field)[:1]
    )


def reviews_by_author(author: User) -> QuerySet[Review]:
    """Every review the author wrote, newest first, with what the author page shows."""
    return (
        Review.objects.filter(author=author)
        .select_related("practitioner", "procedure", "response")
        .prefetch_related(Prefetch("complications", queryset=Complication.objects.order_by("id")))
        .annotate(
            decision_reason=_latest_decision("reason"), decision_note=_latest_decision("note")
        )
        .order_by("-created_at", "-id")
    )


def review_of_author(review_id: int, author: User) -> Review:
    """One of the author's own reviews; anyone else gets a 404, not a hint it exists."""
    queryset = Review.objects.select_related("practitioner", "procedure", "invitation")
    return get_object_or_404(
        queryset.prefetch_related(
            Prefetch("complications", queryset=Complication.objects.order_by("id"))
        ),
        pk=review_id,
        author=author,
    )


def practice_of(user: User) -> Practitioner | None:
    """The practitioner profile ``user`` owns, if any."""
    if not user.is_authenticated:
        return None
    return Practitioner.objects.filter(owner=user).select_related("clinic").first()


def reviewable_procedures(practitioner: Practitioner) -> QuerySet[Procedure]:
    """The practitioner's active procedures; every active one if they list none yet."""
    own = Procedure.objects.filter(is_active=True, practitioners=practitioner)
    return own if own.exists() else Procedure.objects.filter(is_active=True)


def published_reviews_of_practice(practitioner: Practitioner) -> QuerySet[Review]:
    """Published reviews of the practitioner's profile with their response, newest first."""
    return (
        Review.objects.filter(practitioner=practitioner, status=ReviewStatus.PUBLISHED)
        .select_related("author", "procedure", "response")
        .prefetch_related(Prefetch("complications", queryset=Complication.objects.order_by("id")))
        .order_by("-published_at", "-id")
    )


def invitations_sent(practitioner: Practitioner, limit: int = 50) -> QuerySet[ReviewInvitation]:
    """The practitioner's most recent invitations, for their invitation page."""
    return ReviewInvitation.objects.filter(practitioner=practitioner).select_related("procedure")[
        :limit
    ]
