"""Webhooks from domain events: which events partners hear about, and what they carry.

Partners subscribe (``connect``, from PartnersConfig.ready) to the domain events that
change what the public API shows, through the event registry (``kernel.events``), so
no domain imports this app. The relay calls ``announce`` in the worker after the change
has committed; it renders the resource with the API's own serializers and renderer — a
webhook's ``review`` or ``practitioner`` is exactly what a GET of that resource returns
at the time of sending — and creates one delivery per subscribed endpoint.
"""

import json
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from rest_framework.renderers import JSONRenderer

from kernel.events import subscribe
from kernel.models import Event
from partners.api.practitioners.selectors import api_practitioner_detail
from partners.api.practitioners.serializers import PractitionerDetailSerializer
from partners.api.reviews.selectors import public_reviews
from partners.api.reviews.serializers import ReviewSerializer
from partners.models import WebhookEvent
from partners.services import event_publish
from reviews.models import PractitionerResponse, ReviewStatus

Payload = dict | None

SUBSCRIBER = "partners.webhooks"

# Every recorded change to an attestation changes the profile's verification section
# (pending ones are listed too, without details).
PROFILE_CHANGES = (
    "attestation.submitted",
    "attestation.verified",
    "attestation.rejected",
    "attestation.revoked",
    "attestation.expired",
    "attestation.superseded",
    "attestation.registry_updated",
    "attestation.admin_added",
    "attestation.admin_changed",
    "practitioner.npi_changed",
)


class SiteAddress:
    """Stands in for the request when a serializer builds an absolute link (``SITE_URL``)."""

    def build_absolute_uri(self, path: str) -> str:
        return settings.SITE_URL + path


def render(data) -> dict:
    """``data`` as the API's JSON renderer writes it (Decimals, dates), read back."""
    return json.loads(JSONRenderer().render(data))


def review_resource(review_id: int) -> Payload:
    """The review as ``GET /api/v1/reviews/`` shows it, or None if it is not public now."""
    review = public_reviews().filter(pk=review_id).first()
    return None if review is None else render(ReviewSerializer(review).data)


def practitioner_resource(practitioner_id: int) -> Payload:
    """The profile as ``GET /api/v1/practitioners/<id>/`` shows it."""
    practitioner = api_practitioner_detail().filter(pk=practitioner_id).first()
    if practitioner is None:
        return None
    context = {"request": SiteAddress()}
    return render(PractitionerDetailSerializer(practitioner, context=context).data)


def _published_review(event: Event) -> Payload:
    # Published, then hidden before the worker got to it: the removal says it all.
    review = review_resource(event.object_id)
    return None if review is None else {"review": review}


def _removed_review(event: Event) -> Payload:
    if event.data.get("from_status") != ReviewStatus.PUBLISHED:
        return None  # withdrawn before it was ever published: partners never saw it
    # No longer public: the API would answer 404, so only its id goes out.
    return {"review": {"id": event.object_id}}


def _published_response(event: Event) -> Payload:
    review_id = (
        PractitionerResponse.objects.filter(pk=event.object_id)
        .values_list("review_id", flat=True)
        .first()
    )
    review = review_resource(review_id) if review_id else None
    return None if review is None else {"review": review}


def _subject_practitioner_id(event: Event) -> int | None:
    model = event.content_type.model_class()
    if model is None:
        return None
    if model._meta.label == "practitioners.Practitioner":
        return event.object_id
    return (
        model._default_manager.filter(pk=event.object_id)
        .values_list("practitioner_id", flat=True)
        .first()
    )


def _updated_practitioner(event: Event) -> Payload:
    practitioner_id = _subject_practitioner_id(event)
    practitioner = practitioner_resource(practitioner_id) if practitioner_id else None
    return None if practitioner is None else {"practitioner": practitioner}


def _verification_changed(event: Event) -> Payload:
    practitioner = practitioner_resource(event.object_id)
    if practitioner is None:
        return None
    # The badge as it was when it changed; the profile as it is now.
    return {
        "practitioner": practitioner,
        "verified": event.data.get("verified"),
        "missing": event.data.get("missing", []),
    }


@dataclass(frozen=True)
class Route:
    webhook_event: str
    payload: Callable[[Event], Payload]


ROUTES: dict[str, Route] = {
    "review.published": Route(WebhookEvent.REVIEW_PUBLISHED, _published_review),
    "review.hidden": Route(WebhookEvent.REVIEW_REMOVED, _removed_review),
    "review.withdrawn": Route(WebhookEvent.REVIEW_REMOVED, _removed_review),
    "response.published": Route(WebhookEvent.RESPONSE_PUBLISHED, _published_response),
    "practitioner.verification_changed": Route(
        WebhookEvent.VERIFICATION_CHANGED, _verification_changed
    ),
    **{
        change: Route(WebhookEvent.PRACTITIONER_UPDATED, _updated_practitioner)
        for change in PROFILE_CHANGES
    },
}


def announce(event: Event) -> None:
    """Subscriber: one webhook delivery per endpoint subscribed to this event's webhook type."""
    route = ROUTES[event.type]
    event_publish(route.webhook_event, lambda: route.payload(event), event=event)


def connect() -> None:
    subscribe(ROUTES, announce, name=SUBSCRIBER)
