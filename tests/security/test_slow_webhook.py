"""A partner's webhook endpoint that never answers slows no page.

Deliveries run in the task worker, never in the request: with the production task
backend (the database queue) publishing a review only writes its event and the relay's
task row; the worker's relay then writes the delivery. The worker's attempt at an
endpoint that accepts the connection and then says nothing gives up after the configured
timeout and records the failure.
"""

import socket
import threading
import time

import pytest
from django.tasks import task_backends
from django.test import Client, override_settings
from django_tasks_db.models import DBTaskResult

from kernel.events import relay_event
from kernel.models import Event
from partners.egress import allow_loopback_for_tests
from partners.models import DeliveryStatus, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from partners.services import partner_key_create
from partners.webhooks import attempt_delivery
from reviews.services import review_publish
from reviews.tests.factories import ReviewFactory

pytestmark = pytest.mark.django_db

DATABASE_QUEUE = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default", "email", "webhooks", "scheduled"],
    }
}


@pytest.fixture
def database_task_queue():
    """The production task backend instead of the test run's run-at-once backend."""
    with override_settings(TASKS=DATABASE_QUEUE):
        reload_task_backends()
        yield
    reload_task_backends()


def reload_task_backends() -> None:
    # Django's task backend handler reads TASKS once; make it read the setting again.
    task_backends.__dict__.pop("settings", None)
    task_backends.__init__()


@pytest.fixture
def silent_endpoint():
    """A TCP server that accepts connections and never sends a byte."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    held = []
    stop = threading.Event()

    def accept():
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(server.accept()[0])
            except TimeoutError:
                continue
            except OSError:
                return

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.getsockname()[1]}/hook"
    stop.set()
    thread.join(2)
    for connection in held:
        connection.close()
    server.close()


@pytest.fixture
def subscribed(silent_endpoint):
    with allow_loopback_for_tests():
        yield _subscribe(silent_endpoint)


def _subscribe(silent_endpoint):
    key, _ = partner_key_create(name="Slow partner", scopes=["read", "webhooks"])
    return WebhookEndpoint.objects.create(
        partner=key.partner,
        url=silent_endpoint,
        secret="whsec_slow",
        events=["review.published"],
    )


@override_settings(PARTNER_WEBHOOKS_ALLOW_INSECURE=True, PARTNER_WEBHOOK_TIMEOUT_SECONDS=1)
def test_publishing_a_review_does_not_wait_for_a_silent_webhook_endpoint(
    database_task_queue, subscribed, moderator, django_capture_on_commit_callbacks
):
    review = ReviewFactory()
    started = time.monotonic()
    with django_capture_on_commit_callbacks(execute=True):
        review_publish(review_id=review.pk, moderator=moderator)
    elapsed = time.monotonic() - started

    assert elapsed < 1, f"publishing waited {elapsed:.2f} s"
    event = Event.objects.get(type="review.published")
    assert event.relayed_at is None
    assert not WebhookAttempt.objects.exists()
    [relay] = DBTaskResult.objects.filter(task_path="kernel.events.relay_event_task")
    assert relay.args_kwargs["args"] == [event.pk]
    assert not DBTaskResult.objects.filter(queue_name="webhooks").exists()
    # The public pages answer as usual meanwhile.
    page = Client().get(review.practitioner.get_absolute_url())
    assert page.status_code == 200


@override_settings(PARTNER_WEBHOOKS_ALLOW_INSECURE=True, PARTNER_WEBHOOK_TIMEOUT_SECONDS=1)
def test_the_worker_gives_up_on_a_silent_endpoint_after_the_timeout_and_records_it(
    database_task_queue, subscribed, moderator, django_capture_on_commit_callbacks
):
    review = ReviewFactory()
    with django_capture_on_commit_callbacks(execute=True):
        review_publish(review_id=review.pk, moderator=moderator)
    with django_capture_on_commit_callbacks(execute=True):
        relay_event(Event.objects.get(type="review.published").pk)  # the worker's relay
    delivery = WebhookDelivery.objects.get(endpoint=subscribed)
    assert delivery.status == DeliveryStatus.PENDING
    assert DBTaskResult.objects.filter(queue_name="webhooks").count() == 1

    started = time.monotonic()
    with django_capture_on_commit_callbacks(execute=True):
        status = attempt_delivery(delivery.pk)
    elapsed = time.monotonic() - started

    assert 0.9 <= elapsed < 5
    assert status == DeliveryStatus.RETRYING
    [attempt] = WebhookAttempt.objects.filter(delivery=delivery)
    assert not attempt.succeeded
    assert attempt.error == "timeout"
