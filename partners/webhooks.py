"""Sending webhook deliveries: signing, one HTTP attempt, and the retry schedule.

Deliveries only ever run in the task worker (queue ``webhooks``), enqueued when the
transaction that created them commits, so a slow or dead partner endpoint never slows a
page, and a failure to enqueue is logged, never raised into the request that made the
decision. Each attempt is one POST to a checked public address within one deadline, with
no redirects (``partners.egress``); anything but a 2xx is a failure, retried with
exponential backoff until ``max_attempts``, and every attempt is stored as a
``WebhookAttempt`` row with its status code or a class of error the partner can read.

The signature header is ``X-Directory-Signature: t=<unix seconds>,v1=<hex>`` where the hex
is HMAC-SHA256 with the endpoint's secret over ``"<t>.<raw body>"``; ``verify_signature``
is the reference check partners copy (docs/api.md).
"""

import hashlib
import hmac
import json
import logging
import time
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.tasks import default_task_backend, task
from django.utils import timezone

from kernel import retries
from kernel.errors import StaleState
from kernel.workflow import transition
from partners import egress
from partners.models import DeliveryStatus, WebhookAttempt, WebhookDelivery

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Directory-Signature"
EVENT_HEADER = "X-Directory-Event"
DELIVERY_HEADER = "X-Directory-Delivery"
SIGNATURE_TOLERANCE_SECONDS = 300


def timeout_seconds() -> float:
    return float(settings.PARTNER_WEBHOOK_TIMEOUT_SECONDS)


def max_attempts() -> int:
    return int(settings.PARTNER_WEBHOOK_MAX_ATTEMPTS)


def move(delivery: WebhookDelivery, status: str, changes: dict) -> None:
    """Write a delivery's progress: checked like any status change, not audited (noise)."""
    transition(delivery, to=status, changes=changes, audit=False)


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The signature header value for ``body`` sent at ``timestamp``."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={digest.hexdigest()}"


def verify_signature(
    secret: str,
    header: str,
    body: bytes,
    *,
    tolerance: int = SIGNATURE_TOLERANCE_SECONDS,
    now: float | None = None,
) -> bool:
    """True when ``header`` signs ``body`` with ``secret`` and is at most ``tolerance`` s old."""
    parts = dict(item.split("=", 1) for item in header.split(",") if "=" in item)
    try:
        timestamp = int(parts["t"])
    except (KeyError, ValueError):
        return False
    if abs((now if now is not None else time.time()) - timestamp) > tolerance:
        return False
    expected = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return hmac.compare_digest(expected.hexdigest(), parts.get("v1", ""))


def attempt_delivery(delivery_id: int) -> str:
    """Make one attempt at a delivery, log it, and schedule the next one if it failed."""
    delivery = WebhookDelivery.objects.select_related("endpoint").get(pk=delivery_id)
    if delivery.status not in (DeliveryStatus.PENDING, DeliveryStatus.RETRYING):
        return delivery.status  # a duplicate run of a finished delivery sends nothing
    endpoint = delivery.endpoint
    if not endpoint.is_active:
        move(delivery, DeliveryStatus.FAILED, {"next_attempt_at": None})
        return DeliveryStatus.FAILED
    body = json.dumps(delivery.payload, separators=(",", ":"), sort_keys=True).encode()
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "SkinPractitionerDirectory-Webhooks/1",
        EVENT_HEADER: delivery.event_type,
        DELIVERY_HEADER: str(delivery.event_id),
        SIGNATURE_HEADER: sign(endpoint.secret, int(time.time()), body),
    }
    started_at = timezone.now()
    clock = time.monotonic()
    outcome = egress.post(endpoint.url, body, headers, timeout=timeout_seconds())
    duration_ms = int((time.monotonic() - clock) * 1000)
    status_code, error, succeeded = outcome.status_code, outcome.error, outcome.succeeded
    attempt_number = delivery.attempt_count + 1
    with transaction.atomic():
        WebhookAttempt.objects.create(
            delivery=delivery,
            number=WebhookAttempt.objects.filter(delivery=delivery).count() + 1,
            started_at=started_at,
            duration_ms=duration_ms,
            status_code=status_code,
            error=error,
            succeeded=succeeded,
        )
        status, changes, delay = retries.after_attempt(
            succeeded,
            attempt_number,
            max_attempts=max_attempts(),
            base_backoff=float(settings.PARTNER_WEBHOOK_BACKOFF_SECONDS),
            done=DeliveryStatus.SUCCEEDED,
            done_at="delivered_at",
        )
        try:
            move(delivery, status, {"attempt_count": attempt_number, **changes})
        except StaleState:
            # Replayed while this attempt was in flight: the replay's state and its own
            # attempts stand; this attempt stays in the log.
            delivery.refresh_from_db(fields=["status"])
            return delivery.status
        if delay is not None:
            enqueue_delivery(delivery.pk, delay=delay)
    if not succeeded:
        # The URL and the error only: never the secret, the body or the signature.
        logger.warning(
            "Webhook delivery %s attempt %s to %s failed: %s",
            delivery.pk,
            attempt_number,
            endpoint.url,
            error or f"HTTP {status_code}",
        )
    return status


@task(queue_name="webhooks")
def deliver_webhook(delivery_id: int) -> str:
    """Task: one attempt at one webhook delivery."""
    return attempt_delivery(delivery_id)


def enqueue_delivery(delivery_id: int, *, delay: float | None = None) -> None:
    """Queue an attempt once the current transaction commits, ``delay`` seconds from then."""

    def send() -> None:
        try:
            if delay is None:
                deliver_webhook.enqueue(delivery_id)
            elif default_task_backend.supports_defer:
                run_after = timezone.now() + timedelta(seconds=delay)
                deliver_webhook.using(run_after=run_after).enqueue(delivery_id)
            else:
                # The immediate backend (tests, quick local runs) cannot wait; the delivery
                # stays "retrying" with its next_attempt_at and staff can replay it.
                logger.warning(
                    "Task backend cannot defer; webhook delivery %s will not be retried",
                    delivery_id,
                )
        except Exception:
            # The decision that raised the event has committed: whatever the queue does,
            # it must not turn into an error for the person who made it. The delivery
            # stays pending and staff can replay it from the admin.
            logger.exception("Could not queue webhook delivery %s", delivery_id)

    transaction.on_commit(send, robust=True)
