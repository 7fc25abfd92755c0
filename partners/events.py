"""The events partners can subscribe to, built from the same public shapes the API returns.

Services call these inside the transaction that made the change: the deliveries are
written with it (and vanish if it rolls back) and are sent by the worker after commit.
"""

from partners.models import WebhookEvent
from partners.services import event_publish


def review_published(review_id: int) -> None:
    """Announce a newly published review with its public fields only."""
    from reviews.api.selectors import public_reviews
    from reviews.api.serializers import ReviewSerializer

    def data() -> dict:
        return {"review": ReviewSerializer(public_reviews().get(pk=review_id)).data}

    event_publish(WebhookEvent.REVIEW_PUBLISHED, data)


def verification_changed(*, practitioner_id: int, verified: bool, missing: list[str]) -> None:
    """Announce that a practitioner gained or lost the Verified badge, and why."""
    from practitioners.models import Practitioner

    def data() -> dict:
        practitioner = Practitioner.objects.only("id", "slug", "first_name", "last_name").get(
            pk=practitioner_id
        )
        return {
            "practitioner": {
                "id": practitioner.pk,
                "slug": practitioner.slug,
                "name": practitioner.full_name,
            },
            "verified": verified,
            "missing": list(missing),
        }

    event_publish(WebhookEvent.VERIFICATION_CHANGED, data)
