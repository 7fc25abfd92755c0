"""What a webhook endpoint may subscribe to and where it may point.

Both the model's ``clean`` (admin forms) and the services that register endpoints check
through here, so the two can never disagree.
"""

from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import models

from kernel.errors import DomainError
from partners import egress


class WebhookEvent(models.TextChoices):
    """What partners can subscribe to: changes to what the public API shows."""

    REVIEW_PUBLISHED = "review.published", "A review was published"
    REVIEW_REMOVED = "review.removed", "A published review was hidden or withdrawn"
    RESPONSE_PUBLISHED = (
        "review.response_published",
        "A practitioner's response to a review was published",
    )
    PRACTITIONER_UPDATED = (
        "practitioner.updated",
        "A practitioner's public profile or verification changed",
    )
    VERIFICATION_CHANGED = (
        "practitioner.verification_changed",
        "A practitioner's Verified badge changed",
    )


def allow_insecure_webhooks() -> bool:
    """Plain-HTTP webhook URLs are for development only (never non-public addresses)."""
    allowed = settings.PARTNER_WEBHOOKS_ALLOW_INSECURE
    return settings.DEBUG if allowed is None else allowed


def validate_webhook_url(url: str) -> str:
    """The URL, cleaned, if webhooks may be sent to it: HTTPS, and public addresses only."""
    url = (url or "").strip()
    try:
        URLValidator(schemes=["https", "http"])(url)
    except ValidationError:
        raise DomainError("Enter a valid absolute URL.", code="invalid_url") from None
    if len(url) > 500:
        raise DomainError("The URL has at most 500 characters.", code="invalid_url")
    if not url.startswith("https://") and not allow_insecure_webhooks():
        raise DomainError("Webhook URLs must use HTTPS.", code="invalid_url")
    egress.check_url(url)
    return url


def parse_events(events: Iterable[str] | None) -> list[str]:
    chosen = sorted(set(events or WebhookEvent.values))
    unknown = [event for event in chosen if event not in WebhookEvent.values]
    if unknown or not chosen:
        raise DomainError(
            f"Choose events from {', '.join(WebhookEvent.values)}.", code="invalid_event"
        )
    return chosen
