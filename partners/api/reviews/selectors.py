"""Reads for the review API: published reviews only, with everything the serializer shows."""

from django.db.models import Prefetch, QuerySet

from reviews.models import Complication, Review, ReviewStatus


def public_reviews() -> QuerySet[Review]:
    """Published reviews, newest first, with author name, procedure, response, complications."""
    return (
        Review.objects.filter(status=ReviewStatus.PUBLISHED)
        .select_related("author", "procedure", "response")
        .prefetch_related(Prefetch("complications", queryset=Complication.objects.order_by("id")))
        .order_by("-published_at", "-id")
    )
