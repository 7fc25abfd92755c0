"""Domain events: the outbox, the subscriber registry and the relay that connects them.

A change raises its event in its own transaction (``raise_event``; ``workflow.record``
does it for every audited decision), so the event row commits or rolls back with the
change. Nothing else happens inside that transaction: once it commits, the task worker
runs the relay (``relay_event``), which hands the event to every subscriber registered
for its type (``subscribe``, called from an AppConfig.ready). Each subscriber's handling
is its own ``EventHandling`` row, run in its own transaction: a subscriber that fails is
retried with exponential backoff and never affects the decision or the other
subscribers. ``sweep`` (the ``relay_events`` command and the daily jobs) relays what a
lost task left behind and retries handlings that are due.

This module names no domain: domains raise events, other apps subscribe to them.
"""

import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.tasks import task
from django.utils import timezone

from kernel import retries
from kernel.errors import StaleState
from kernel.models import AuditEntry, Event, EventHandling, HandlingStatus
from kernel.status_change import change_status

logger = logging.getLogger(__name__)

Handler = Callable[[Event], None]
# An event the relay has not picked up this long after it happened was probably lost
# with its task (a crash between commit and enqueue); the sweep relays it.
RELAY_GRACE = timedelta(minutes=1)


@dataclass(frozen=True)
class Subscriber:
    name: str
    handler: Handler


_subscribers: dict[str, dict[str, Subscriber]] = {}


def subscribe(event_types: str | Iterable[str], handler: Handler, *, name: str = "") -> None:
    """Call ``handler(event)`` in the worker for each committed event of ``event_types``.

    ``name`` identifies the subscriber in its handling rows (default: the handler's dotted
    path); subscribing the same name twice to a type replaces it, so ``ready`` may run twice.
    A handler runs in its own transaction and may run again after a failure or a crash, so
    it must be idempotent (the webhook subscriber creates one delivery per endpoint and
    event, whatever happens).
    """
    name = name or f"{handler.__module__}.{handler.__qualname__}"
    for event_type in [event_types] if isinstance(event_types, str) else event_types:
        _subscribers.setdefault(event_type, {})[name] = Subscriber(name, handler)


def subscribers_of(event_type: str) -> list[Subscriber]:
    return list(_subscribers.get(event_type, {}).values())


def raise_event(
    event_type: str,
    subject: models.Model,
    *,
    data: Mapping[str, Any] | None = None,
    audit_entry: AuditEntry | None = None,
) -> Event:
    """Write ``event_type`` about ``subject`` in the current transaction; relay it on commit."""
    relay = bool(subscribers_of(event_type))
    event = Event.objects.create(
        type=event_type,
        content_type=ContentType.objects.get_for_model(subject),
        object_id=subject.pk,
        data=dict(data or {}),
        audit_entry=audit_entry,
        # Nobody listens: there is nothing to hand over, and nothing for the sweep to find.
        relayed_at=None if relay else timezone.now(),
    )
    if relay:
        _enqueue_on_commit(relay_event_task, event.pk)
    return event


def _enqueue_on_commit(queued_task, object_id: int, *, delay: float | None = None) -> None:
    def send() -> None:
        try:
            if delay is None:
                queued_task.enqueue(object_id)
            elif queued_task.get_backend().supports_defer:
                run_after = timezone.now() + timedelta(seconds=delay)
                queued_task.using(run_after=run_after).enqueue(object_id)
            # Otherwise (the run-at-once backend) the sweep retries it when it is due.
        except Exception:
            # The change has committed; whatever the queue does must not become an
            # error for whoever made it. The sweep picks the event up later.
            logger.exception("Could not queue %s for %s", queued_task.name, object_id)

    transaction.on_commit(send, robust=True)


def max_attempts() -> int:
    return int(settings.EVENT_HANDLING_MAX_ATTEMPTS)


def relay_event(event_id: int) -> list[int]:
    """Hand one event to its subscribers once; return the ids of its handlings."""
    with transaction.atomic():
        event = Event.objects.select_for_update().filter(pk=event_id).first()
        if event is None or event.relayed_at is not None:
            return []  # rolled back, or a duplicate run
        handlings = [
            EventHandling.objects.get_or_create(event=event, subscriber=subscriber.name)[0]
            for subscriber in subscribers_of(event.type)
        ]
        Event.objects.filter(pk=event.pk).update(relayed_at=timezone.now())
    for handling in handlings:
        handle(handling.pk)
    return [handling.pk for handling in handlings]


def handle(handling_id: int) -> str:
    """Run one subscriber on one event; on failure, schedule its retry with backoff."""
    handling = EventHandling.objects.select_related("event").get(pk=handling_id)
    if handling.status not in (HandlingStatus.PENDING, HandlingStatus.RETRYING):
        return handling.status
    subscriber = next(
        (s for s in subscribers_of(handling.event.type) if s.name == handling.subscriber), None
    )
    attempt = handling.attempt_count + 1
    error = ""
    if subscriber is None:
        error = "UnknownSubscriber"
    else:
        try:
            with transaction.atomic():  # a failing handler leaves none of its writes behind
                subscriber.handler(handling.event)
        except Exception as exc:
            error = type(exc).__name__
            logger.exception(
                "Subscriber %s failed on event %s (attempt %s)",
                handling.subscriber,
                handling.event_id,
                attempt,
            )
    status, changes, delay = retries.after_attempt(
        not error,
        attempt,
        max_attempts=max_attempts(),
        base_backoff=float(settings.EVENT_HANDLING_BACKOFF_SECONDS),
        done=HandlingStatus.DONE,
        done_at="handled_at",
        can_retry=subscriber is not None,
    )
    with transaction.atomic():
        try:
            # Below the audit record (which raises events), so the move itself, unrecorded.
            change_status(
                handling,
                to=status,
                changes={"attempt_count": attempt, "error": error, **changes},
            )
        except StaleState:
            # Another run handled it meanwhile (a sweep and a retry task): its outcome stands.
            handling.refresh_from_db(fields=["status"])
            return handling.status
        if delay is not None:
            _enqueue_on_commit(handle_event_task, handling.pk, delay=delay)
    return status


def sweep(*, now=None) -> dict[str, int]:
    """Relay events a lost task left behind and retry the handlings that are due."""
    now = now or timezone.now()
    relayed = 0
    for event_id in Event.objects.filter(
        relayed_at__isnull=True, occurred_at__lte=now - RELAY_GRACE
    ).values_list("pk", flat=True):
        relay_event(event_id)
        relayed += 1
    retried = 0
    for handling_id in EventHandling.objects.filter(
        models.Q(status=HandlingStatus.RETRYING, next_attempt_at__lte=now)
        | models.Q(status=HandlingStatus.PENDING, event__relayed_at__lte=now - RELAY_GRACE)
    ).values_list("pk", flat=True):
        handle(handling_id)
        retried += 1
    return {"relayed": relayed, "retried": retried}


@task()
def relay_event_task(event_id: int) -> list[int]:
    """Task: hand one committed event to its subscribers."""
    return relay_event(event_id)


@task()
def handle_event_task(handling_id: int) -> str:
    """Task: retry one subscriber's handling of one event."""
    return handle(handling_id)
