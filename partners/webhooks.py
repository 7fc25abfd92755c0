"""Sending webhook deliveries: signing, one HTTP attempt, and the retry schedule.

Deliveries only ever run in the task worker (queue ``webhooks``), enqueued when the
transaction that created them commits, so a slow or dead partner endpoint never slows a
page. Each attempt is one POST with short timeouts and no redirects; anything but a 2xx is
a failure, retried with exponential backoff until ``max_attempts``, and every attempt is
stored as a ``WebhookAttempt`` row.

The signature header is ``X-Directory-Signature: t=<unix seconds>,v1=<hex>`` where the hex
is HMAC-SHA256 with the endpoint's secret over ``"<t>.<raw body>"``; ``verify_signature``
is the reference check partners copy (docs/api.md).
"""

import hashlib
import hmac
import ipaddress
import json
import logging
import socket
import time
import urllib.error
import urllib.request
from datetime import timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.tasks import default_task_backend, task
from django.utils import timezone

from partners.models import DeliveryStatus, WebhookAttempt, WebhookDelivery
from partners.services import allow_insecure_webhooks

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Directory-Signature"
EVENT_HEADER = "X-Directory-Event"
DELIVERY_HEADER = "X-Directory-Delivery"
SIGNATURE_TOLERANCE_SECONDS = 300
MAX_BACKOFF_SECONDS = 6 * 3600


def timeout_seconds() -> float:
    return float(getattr(settings, "PARTNER_WEBHOOK_TIMEOUT_SECONDS", 5))


def max_attempts() -> int:
    return int(getattr(settings, "PARTNER_WEBHOOK_MAX_ATTEMPTS", 8))


def backoff_seconds(attempt_number: int) -> float:
    """Wait before the attempt after ``attempt_number``: base, 2 x base, 4 x base, … capped."""
    base = float(getattr(settings, "PARTNER_WEBHOOK_BACKOFF_SECONDS", 30))
    return min(base * 2 ** (attempt_number - 1), MAX_BACKOFF_SECONDS)


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


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect is an answer we do not follow: the endpoint must be the URL registered."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


_opener = urllib.request.build_opener(_NoRedirects)


def _refuse_private_address(url: str) -> None:
    """Refuse URLs that resolve to loopback or private networks (no probing our own network)."""
    if allow_insecure_webhooks():
        return
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    for info in socket.getaddrinfo(parts.hostname, port, proto=socket.IPPROTO_TCP):
        address = ipaddress.ip_address(info[4][0])
        if not address.is_global:
            raise PermissionError(f"{parts.hostname} resolves to a non-public address")


def _post(url: str, body: bytes, headers: dict[str, str]) -> tuple[int | None, str]:
    """POST once; return (status code, error text). Never raises for network failures."""
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310 — the scheme is checked when the URL is registered
    try:
        _refuse_private_address(url)
        with _opener.open(request, timeout=timeout_seconds()) as response:
            response.read(1024)
            return response.status, ""
    except urllib.error.HTTPError as error:
        return error.code, f"HTTP {error.code}"
    except urllib.error.URLError as error:
        return None, f"Connection failed: {error.reason}"[:500]
    except TimeoutError:
        return None, f"No answer within {timeout_seconds():g} s"
    except (OSError, PermissionError, ValueError) as error:
        return None, f"{type(error).__name__}: {error}"[:500]


def attempt_delivery(delivery_id: int) -> str:
    """Make one attempt at a delivery, log it, and schedule the next one if it failed."""
    delivery = WebhookDelivery.objects.select_related("endpoint").get(pk=delivery_id)
    if delivery.status not in (DeliveryStatus.PENDING, DeliveryStatus.RETRYING):
        return delivery.status  # a duplicate run of a finished delivery sends nothing
    endpoint = delivery.endpoint
    if not endpoint.is_active:
        WebhookDelivery.objects.filter(pk=delivery.pk).update(
            status=DeliveryStatus.FAILED, next_attempt_at=None
        )
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
    status_code, error = _post(endpoint.url, body, headers)
    duration_ms = int((time.monotonic() - clock) * 1000)
    succeeded = status_code is not None and 200 <= status_code < 300
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
        changes = {"attempt_count": attempt_number}
        delay = None
        if succeeded:
            changes |= {"status": DeliveryStatus.SUCCEEDED, "delivered_at": timezone.now()}
            changes["next_attempt_at"] = None
        elif attempt_number >= max_attempts():
            changes |= {"status": DeliveryStatus.FAILED, "next_attempt_at": None}
        else:
            delay = backoff_seconds(attempt_number)
            changes |= {
                "status": DeliveryStatus.RETRYING,
                "next_attempt_at": timezone.now() + timedelta(seconds=delay),
            }
        WebhookDelivery.objects.filter(pk=delivery.pk).update(**changes)
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
    return changes["status"]


@task(queue_name="webhooks")
def deliver_webhook(delivery_id: int) -> str:
    """Task: one attempt at one webhook delivery."""
    return attempt_delivery(delivery_id)


def enqueue_delivery(delivery_id: int, *, delay: float | None = None) -> None:
    """Queue an attempt once the current transaction commits, ``delay`` seconds from then."""

    def send() -> None:
        if delay is None:
            deliver_webhook.enqueue(delivery_id)
        elif default_task_backend.supports_defer:
            run_after = timezone.now() + timedelta(seconds=delay)
            deliver_webhook.using(run_after=run_after).enqueue(delivery_id)
        else:
            # The immediate backend (tests, quick local runs) cannot wait; the delivery stays
            # "retrying" with its next_attempt_at and staff can replay it from the admin.
            logger.warning(
                "Task backend cannot defer; webhook delivery %s will not be retried", delivery_id
            )

    transaction.on_commit(send)
