"""Writes for partners: keys, webhook endpoints and the events sent to them.

A raw API key or webhook secret is returned once by the service that creates it and never
stored or logged; only the key's SHA-256 and a short public prefix are kept.
"""

import logging
import secrets
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from kernel.digests import sha256_hex
from kernel.errors import Conflict, DomainError
from kernel.models import Event, User
from kernel.workflow import record, transition
from partners.models import (
    DEFAULT_RATE_PER_MINUTE,
    DeliveryStatus,
    Partner,
    PartnerKey,
    Scope,
    WebhookDelivery,
    WebhookEndpoint,
)
from partners.subscriptions import parse_events, validate_webhook_url
from partners.webhooks import enqueue_delivery

logger = logging.getLogger(__name__)

KEY_PREFIX = "pdk_"
# Last use is written at most this often per key, so reads do not turn into writes.
LAST_USED_RESOLUTION = timedelta(minutes=1)
MAX_WEBHOOKS_PER_PARTNER = 10


class WebhookConflict(Conflict):
    """The delivery or endpoint is not in a state that allows this."""


def hash_key(raw_key: str) -> str:
    return sha256_hex(raw_key)


def parse_scopes(value: str | Iterable[str]) -> list[str]:
    """Turn "read,invite" (or a list) into known scopes, refusing anything unknown."""
    items = value.split(",") if isinstance(value, str) else list(value)
    scopes = sorted({item.strip().lower() for item in items if item.strip()})
    unknown = [scope for scope in scopes if scope not in Scope.values]
    if unknown:
        raise DomainError(
            f"Unknown scope {', '.join(unknown)}; choose from {', '.join(Scope.values)}.",
            code="invalid_scope",
        )
    if not scopes:
        raise DomainError("A key needs at least one scope.", code="invalid_scope")
    return scopes


@transaction.atomic
def partner_key_create(
    *,
    name: str,
    scopes: str | Iterable[str],
    rate_per_minute: int | None = None,
    created_by: User | None = None,
) -> tuple[PartnerKey, str]:
    """Create a key for the partner called ``name`` (created if new); return it and the raw key."""
    name = name.strip()
    if not name or len(name) > 120:
        raise DomainError("A partner name has 1 to 120 characters.", code="invalid_name")
    rate = DEFAULT_RATE_PER_MINUTE if rate_per_minute is None else rate_per_minute
    if not 1 <= rate <= 100_000:
        raise DomainError("The rate is 1 to 100000 requests a minute.", code="invalid_rate")
    partner, _ = Partner.objects.get_or_create(name=name)
    public = KEY_PREFIX + secrets.token_hex(4)
    raw_key = f"{public}_{secrets.token_urlsafe(32)}"
    key = PartnerKey.objects.create(
        partner=partner,
        prefix=public,
        key_hash=hash_key(raw_key),
        scopes=parse_scopes(scopes),
        rate_per_minute=rate,
        created_by=created_by,
    )
    record(
        key,
        action="partner_key.created",
        actor=created_by,
        actor_label="" if created_by else "management command",
        data={"scopes": key.scopes, "rate_per_minute": rate},
    )
    return key, raw_key


@transaction.atomic
def partner_key_revoke(*, key_id: int, actor: User | None = None) -> PartnerKey:
    """Revoke a key: from now on every request with it gets 401. Revoking twice is refused."""
    key = PartnerKey.objects.select_for_update().select_related("partner").get(pk=key_id)
    if key.revoked_at is not None:
        raise DomainError("This key is already revoked.", code="already_revoked")
    key.revoked_at = timezone.now()
    key.save(update_fields=["revoked_at"])
    record(key, action="partner_key.revoked", actor=actor, actor_label="" if actor else "system")
    return key


# When this process last wrote each key's last use, by public prefix: a key read from the
# cache carries the last use it had when it was cached.
_last_touched: dict[str, datetime] = {}


def partner_key_touch(key: PartnerKey) -> None:
    """Record that a key was used, writing at most once a minute per key and process."""
    now = timezone.now()
    known = [when for when in (key.last_used_at, _last_touched.get(key.prefix)) if when]
    if known and now - max(known) < LAST_USED_RESOLUTION:
        return
    # The condition keeps concurrent requests from all writing the same minute.
    PartnerKey.objects.filter(pk=key.pk).exclude(
        last_used_at__gte=now - LAST_USED_RESOLUTION
    ).update(last_used_at=now)
    key.last_used_at = _last_touched[key.prefix] = now


class TooManyWebhooks(Conflict):
    """A well-formed registration the partner's current endpoints leave no room for."""

    code = "too_many_webhooks"


@transaction.atomic
def webhook_endpoint_create(
    *,
    partner: Partner,
    url: str,
    events: Iterable[str] | None = None,
    actor: User | None = None,
) -> tuple[WebhookEndpoint, str]:
    """Register a URL for a partner's events; return it with its signing secret (shown once)."""
    url = validate_webhook_url(url)
    events = parse_events(events)
    Partner.objects.select_for_update().get(pk=partner.pk)
    if WebhookEndpoint.objects.filter(partner=partner, is_active=True).count() >= (
        MAX_WEBHOOKS_PER_PARTNER
    ):
        raise TooManyWebhooks(
            f"A partner can have at most {MAX_WEBHOOKS_PER_PARTNER} active webhook endpoints; "
            "delete one first."
        )
    secret = "whsec_" + secrets.token_urlsafe(32)
    endpoint = WebhookEndpoint.objects.create(
        partner=partner, url=url, secret=secret, events=events
    )
    record(
        endpoint,
        action="webhook.created",
        actor=actor,
        actor_label="" if actor else f"partner {partner.name}"[:80],
        data={"url": url, "events": events},
    )
    return endpoint, secret


@transaction.atomic
def webhook_endpoint_disable(*, endpoint_id: int, actor: User | None = None) -> WebhookEndpoint:
    """Stop sending events to an endpoint; its delivery history is kept."""
    endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint_id)
    if endpoint.is_active:
        endpoint.is_active = False
        endpoint.save(update_fields=["is_active"])
        record(endpoint, action="webhook.disabled", actor=actor, actor_label="partner")
    return endpoint


def event_publish(
    event_type: str,
    data: Mapping[str, Any] | Callable[[], Mapping[str, Any] | None],
    *,
    event: Event | None = None,
) -> list[WebhookDelivery]:
    """Create one delivery per subscribed endpoint and send them from the worker on commit.

    ``data`` may be a function, called only when someone is subscribed; if it returns
    None there is nothing to send. ``event`` is the domain event being announced: its id
    becomes the deliveries' event id, and an endpoint that already has a delivery for it
    gets no second one.
    """
    endpoints = [
        endpoint
        for endpoint in WebhookEndpoint.objects.filter(is_active=True).only("id", "events")
        if event_type in endpoint.events
    ]
    if event is not None:
        already = set(
            WebhookDelivery.objects.filter(domain_event=event).values_list("endpoint_id", flat=True)
        )
        endpoints = [endpoint for endpoint in endpoints if endpoint.pk not in already]
    if not endpoints:
        return []
    if callable(data):
        data = data()
        if data is None:
            return []
    now = timezone.now()
    occurred_at = event.occurred_at if event is not None else now
    deliveries = []
    for endpoint in endpoints:
        delivery = WebhookDelivery(
            endpoint=endpoint, event_type=event_type, created_at=now, domain_event=event
        )
        if event is not None:
            delivery.event_id = event.uuid
        delivery.payload = {
            "id": str(delivery.event_id),
            "type": event_type,
            "created_at": occurred_at.isoformat().replace("+00:00", "Z"),
            "data": dict(data),
        }
        deliveries.append(delivery)
    WebhookDelivery.objects.bulk_create(deliveries)
    for delivery in deliveries:
        enqueue_delivery(delivery.pk)
    return deliveries


@transaction.atomic
def webhook_delivery_replay(*, delivery_id: int, actor: User | None = None) -> WebhookDelivery:
    """Send a delivery again (same event id and payload), e.g. after the partner fixed a bug."""
    delivery = (
        WebhookDelivery.objects.select_for_update().select_related("endpoint").get(pk=delivery_id)
    )
    if not delivery.endpoint.is_active:
        raise WebhookConflict("This webhook endpoint is disabled.", code="webhook_disabled")
    if delivery.status == DeliveryStatus.PENDING:
        raise WebhookConflict(
            "This delivery is already queued; wait for its attempt to finish.",
            code="delivery_in_progress",
        )
    # A call of the one state change, kernel.workflow.transition: alike in form wherever used.
    transition(
        delivery,
        to=DeliveryStatus.PENDING,
        action="webhook.replayed",
        actor=actor,
        actor_label="" if actor else "partner",
        # A replay gets the whole retry schedule again.
        changes={"attempt_count": 0, "next_attempt_at": None},
    )
    enqueue_delivery(delivery.pk)
    return delivery
