"""Signed webhooks: delivered by the worker, verified with the documented code, retried with
exponential backoff, every attempt logged, replayable."""

import datetime
import json
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.tasks import task_backends
from django.urls import reverse
from django.utils import timezone
from django_tasks_db import DatabaseBackend
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from partners import egress, webhooks
from partners.models import DeliveryStatus, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from partners.services import event_publish, webhook_endpoint_create
from partners.tests.factories import PartnerFactory
from practitioners.models import AttestationStatus
from practitioners.services import attestation_revoke
from reviews.services import review_publish
from reviews.tests.factories import ComplicationFactory, ReviewFactory

from .conftest import published_review, verified_practitioner
from .receiver import Receiver

pytestmark = pytest.mark.django_db


def documented_verify_signature():
    """The verification example from docs/api.md, executed as a partner would copy it."""
    text = (Path(django_settings.BASE_DIR) / "docs" / "api.md").read_text()
    code = re.search(
        r"<!-- webhook-verification-example -->\s*```python\n(.*?)```", text, re.DOTALL
    ).group(1)
    namespace: dict = {}
    exec(code, namespace)  # noqa: S102 — our own documentation
    return namespace["verify_signature"]


@pytest.fixture(autouse=True)
def local_webhooks(settings):
    """The receivers here are plain HTTP on 127.0.0.1: allow both, for these tests only."""
    settings.PARTNER_WEBHOOKS_ALLOW_INSECURE = True
    settings.PARTNER_WEBHOOK_TIMEOUT_SECONDS = 1
    with egress.allow_loopback_for_tests():
        yield


@pytest.fixture
def receiver():
    server = Receiver().start()
    yield server
    server.stop()


@pytest.fixture
def endpoint(receiver):
    endpoint, secret = webhook_endpoint_create(partner=PartnerFactory(), url=receiver.url)
    endpoint.raw_secret = secret
    return endpoint


def test_a_published_review_is_posted_signed_and_verifies_with_the_documented_code(
    receiver, endpoint, moderator, django_capture_on_commit_callbacks
):
    review = ReviewFactory(title="Careful and clean")
    ComplicationFactory(review=review, type="pain")

    with django_capture_on_commit_callbacks(execute=True):
        review_publish(review_id=review.pk, moderator=moderator)

    [request] = receiver.received
    verify_signature = documented_verify_signature()
    assert verify_signature(
        endpoint.raw_secret, request.headers["X-Directory-Signature"], request.body
    )
    assert not verify_signature(
        "whsec_wrong", request.headers["X-Directory-Signature"], request.body
    )
    assert not verify_signature(
        endpoint.raw_secret, request.headers["X-Directory-Signature"], request.body + b" "
    )
    event = json.loads(request.body)
    assert event["type"] == request.headers["X-Directory-Event"] == "review.published"
    assert event["id"] == request.headers["X-Directory-Delivery"]
    assert event["data"]["review"]["title"] == "Careful and clean"
    assert event["data"]["review"]["complications"][0]["type"] == "pain"
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == DeliveryStatus.SUCCEEDED
    [attempt] = delivery.attempts.all()
    assert (attempt.number, attempt.status_code, attempt.succeeded) == (1, 204, True)


def test_an_old_signature_is_refused_by_the_documented_check(endpoint):
    verify_signature = documented_verify_signature()
    body = b'{"id":"x"}'
    old = int(timezone.now().timestamp()) - 3600

    assert not verify_signature(
        endpoint.raw_secret, webhooks.sign(endpoint.raw_secret, old, body), body
    )
    assert webhooks.verify_signature(
        endpoint.raw_secret, webhooks.sign(endpoint.raw_secret, old, body), body, now=old + 10
    )


def test_losing_the_verified_badge_is_announced(
    receiver, endpoint, verifier, django_capture_on_commit_callbacks
):
    practitioner = verified_practitioner()
    licence = practitioner.attestations.get(kind="license", status=AttestationStatus.VERIFIED)

    with django_capture_on_commit_callbacks(execute=True):
        attestation_revoke(attestation_id=licence.pk, actor=verifier, reason="Board suspended it")

    events = [json.loads(request.body) for request in receiver.received]
    # The profile changed (its licence is revoked) and, with it, the badge.
    assert [event["type"] for event in events] == [
        "practitioner.updated",
        "practitioner.verification_changed",
    ]
    event = events[1]
    assert event["type"] == "practitioner.verification_changed"
    assert event["data"]["practitioner"]["id"] == practitioner.pk
    assert event["data"]["verified"] is False
    assert event["data"]["missing"] == ["licence verification revoked"]


def test_nothing_is_sent_before_the_deciding_transaction_commits(receiver, endpoint, moderator):
    review = ReviewFactory()

    # No on-commit callbacks run: the test's transaction never commits.
    review_publish(review_id=review.pk, moderator=moderator)

    assert receiver.received == []
    assert not WebhookDelivery.objects.exists()


def test_an_endpoint_only_gets_the_events_it_subscribed_to(
    receiver, django_capture_on_commit_callbacks
):
    webhook_endpoint_create(
        partner=PartnerFactory(), url=receiver.url, events=["practitioner.verification_changed"]
    )

    with django_capture_on_commit_callbacks(execute=True):
        deliveries = event_publish("review.published", {"review": {}})

    assert deliveries == []
    assert receiver.received == []


@pytest.fixture
def database_task_backend():
    """Run tasks through django_tasks_db, which can defer them, instead of immediately."""
    task_backends["default"] = DatabaseBackend(
        "default", {"QUEUES": ["default", "email", "webhooks", "scheduled"], "OPTIONS": {}}
    )
    yield
    del task_backends["default"]


def run_worker() -> None:
    Worker(
        queue_names=["webhooks"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="test-worker",
        excluded_queue_names=[],
    ).run()


def let_time_pass() -> None:
    DBTaskResult.objects.filter(status="READY").update(run_after=timezone.now())


@pytest.mark.django_db(transaction=True)
def test_a_failing_endpoint_is_retried_with_exponential_backoff_until_it_answers(
    settings, database_task_backend
):
    settings.PARTNER_WEBHOOK_BACKOFF_SECONDS = 30
    receiver = Receiver(statuses=[500, 503, 204]).start()
    try:
        webhook_endpoint_create(partner=PartnerFactory(), url=receiver.url)
        event_publish("review.published", {"review": {"id": 1}})
        delivery = WebhookDelivery.objects.get()

        run_worker()
        delivery.refresh_from_db()
        assert delivery.status == DeliveryStatus.RETRYING
        first_wait = DBTaskResult.objects.get(status="READY").run_after - timezone.now()
        assert datetime.timedelta(seconds=25) < first_wait <= datetime.timedelta(seconds=30)

        let_time_pass()
        run_worker()
        second_wait = DBTaskResult.objects.get(status="READY").run_after - timezone.now()
        assert datetime.timedelta(seconds=55) < second_wait <= datetime.timedelta(seconds=60)

        let_time_pass()
        run_worker()
    finally:
        receiver.stop()

    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SUCCEEDED
    assert [(a.number, a.status_code, a.succeeded) for a in delivery.attempts.all()] == [
        (1, 500, False),
        (2, 503, False),
        (3, 204, True),
    ]
    assert len(receiver.received) == 3
    assert len({r.headers["X-Directory-Delivery"] for r in receiver.received}) == 1


@pytest.mark.django_db(transaction=True)
def test_a_dead_or_slow_endpoint_is_given_up_after_the_last_attempt(
    settings, database_task_backend
):
    settings.PARTNER_WEBHOOK_MAX_ATTEMPTS = 2
    settings.PARTNER_WEBHOOK_TIMEOUT_SECONDS = 0.3
    slow = Receiver(delay=2).start()
    try:
        webhook_endpoint_create(partner=PartnerFactory(), url=slow.url)
        event_publish("review.published", {"review": {"id": 1}})

        run_worker()
        let_time_pass()
        run_worker()
    finally:
        slow.stop()

    delivery = WebhookDelivery.objects.get()
    assert delivery.status == DeliveryStatus.FAILED
    assert not DBTaskResult.objects.filter(status="READY").exists()
    attempts = list(delivery.attempts.all())
    assert [(a.number, a.status_code, a.succeeded) for a in attempts] == [
        (1, None, False),
        (2, None, False),
    ]
    assert [a.error for a in attempts] == ["timeout", "timeout"]
    assert all(a.duration_ms < 1500 for a in attempts)


def test_a_refused_connection_is_logged_as_an_attempt(settings, endpoint, receiver):
    receiver.stop()
    delivery = event_publish("review.published", {"review": {}})[0]

    webhooks.attempt_delivery(delivery.pk)

    attempt = WebhookAttempt.objects.get()
    assert attempt.status_code is None
    assert attempt.error == "connection refused"


def test_a_redirect_is_a_failure_not_followed(endpoint, receiver):
    receiver.statuses = [302]
    delivery = event_publish("review.published", {"review": {}})[0]

    webhooks.attempt_delivery(delivery.pk)

    attempt = WebhookAttempt.objects.get()
    assert (attempt.status_code, attempt.error) == (302, "HTTP 302 (redirect not followed)")
    assert len(receiver.received) == 1


# --- The partner's webhook endpoints over the API ------------------------------------------


@pytest.fixture
def hooks_client(client_with_scopes):
    return client_with_scopes("read", "webhooks")


def test_a_partner_registers_an_endpoint_and_gets_its_secret_once(hooks_client, receiver):
    created = hooks_client.post(
        reverse("api:webhook-list"),
        {"url": receiver.url, "events": ["review.published"]},
        format="json",
    )
    listed = hooks_client.get(reverse("api:webhook-list"))

    assert created.status_code == 201
    endpoint = WebhookEndpoint.objects.get()
    assert created.json()["secret"] == endpoint.secret
    assert endpoint.partner == hooks_client.key.partner
    assert [row["id"] for row in listed.json()["results"]] == [endpoint.pk]
    assert "secret" not in listed.json()["results"][0]


def test_https_is_required_for_endpoints_outside_development(settings, hooks_client):
    settings.PARTNER_WEBHOOKS_ALLOW_INSECURE = False

    response = hooks_client.post(
        reverse("api:webhook-list"), {"url": "http://hooks.example.com/x"}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["error"]["message"] == "Webhook URLs must use HTTPS."


@pytest.mark.parametrize(
    "payload",
    [{"url": "not a url"}, {"url": "https://x.example/", "events": ["review.deleted"]}, {}],
)
def test_an_invalid_endpoint_is_a_400(hooks_client, payload):
    response = hooks_client.post(reverse("api:webhook-list"), payload, format="json")

    assert response.status_code == 400
    assert response.json()["error"]["fields"]


def test_a_partner_sees_its_deliveries_and_replays_one(hooks_client, receiver):
    response = hooks_client.post(reverse("api:webhook-list"), {"url": receiver.url}, format="json")
    endpoint_id = response.json()["id"]
    receiver.statuses = [500, 204]
    delivery = event_publish("review.published", {"review": {"id": 5}})[0]
    webhooks.attempt_delivery(delivery.pk)
    WebhookDelivery.objects.filter(pk=delivery.pk).update(status=DeliveryStatus.FAILED)

    replayed = hooks_client.post(
        reverse("api:webhook-delivery-replay", args=[endpoint_id, delivery.pk])
    )
    webhooks.attempt_delivery(delivery.pk)  # what the worker does with the queued replay
    log = hooks_client.get(reverse("api:webhook-deliveries", args=[endpoint_id])).json()

    assert replayed.status_code == 202
    [row] = log["results"]
    assert row["status"] == "succeeded"
    assert [(a["number"], a["status_code"]) for a in row["attempts"]] == [(1, 500), (2, 204)]
    assert row["payload"]["data"] == {"review": {"id": 5}}


def test_a_partner_cannot_see_or_replay_another_partners_deliveries(
    hooks_client, client_with_scopes, receiver
):
    theirs, _ = webhook_endpoint_create(partner=PartnerFactory(name="Rival"), url=receiver.url)
    delivery = event_publish("review.published", {"review": {}})[0]

    assert hooks_client.get(reverse("api:webhook-detail", args=[theirs.pk])).status_code == 404
    assert hooks_client.get(reverse("api:webhook-deliveries", args=[theirs.pk])).status_code == 404
    replay = hooks_client.post(
        reverse("api:webhook-delivery-replay", args=[theirs.pk, delivery.pk])
    )
    assert replay.status_code == 404


def test_a_queued_delivery_cannot_be_replayed_twice(hooks_client, receiver):
    endpoint_id = hooks_client.post(
        reverse("api:webhook-list"), {"url": receiver.url}, format="json"
    ).json()["id"]
    delivery = event_publish("review.published", {"review": {}})[0]

    response = hooks_client.post(
        reverse("api:webhook-delivery-replay", args=[endpoint_id, delivery.pk])
    )

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "delivery_in_progress"


def test_deleting_an_endpoint_disables_it_and_keeps_its_history(hooks_client, receiver):
    endpoint_id = hooks_client.post(
        reverse("api:webhook-list"), {"url": receiver.url}, format="json"
    ).json()["id"]
    event_publish("review.published", {"review": {}})

    response = hooks_client.delete(reverse("api:webhook-detail", args=[endpoint_id]))

    assert response.status_code == 204
    endpoint = WebhookEndpoint.objects.get(pk=endpoint_id)
    assert endpoint.is_active is False
    assert endpoint.deliveries.count() == 1
    assert event_publish("review.published", {"review": {}}) == []


def test_a_webhook_carries_the_review_exactly_as_the_api_returns_it(
    settings, receiver, endpoint, moderator, client_with_scopes, django_capture_on_commit_callbacks
):
    settings.SITE_URL = "http://testserver"
    review = ReviewFactory(needle_depth_mm=Decimal("0.75"), title="Fine needles")
    ComplicationFactory(review=review, type="pain")

    with django_capture_on_commit_callbacks(execute=True):
        review_publish(review_id=review.pk, moderator=moderator)

    [request] = receiver.received
    sent = json.loads(request.body)["data"]["review"]
    listed = client_with_scopes("read").get(reverse("api:review-list")).json()["results"]
    assert sent == next(row for row in listed if row["id"] == review.pk)
    assert sent["needle_depth_mm"] == 0.75


def test_a_badge_change_carries_the_profile_exactly_as_the_api_returns_it(
    settings, receiver, endpoint, verifier, client_with_scopes, django_capture_on_commit_callbacks
):
    settings.SITE_URL = "http://testserver"
    practitioner = verified_practitioner()
    published_review(practitioner, needle_depth_mm=Decimal("1.25"))
    licence = practitioner.attestations.get(kind="license", status=AttestationStatus.VERIFIED)

    with django_capture_on_commit_callbacks(execute=True):
        attestation_revoke(attestation_id=licence.pk, actor=verifier, reason="Board suspended it")

    sent = {
        event["type"]: event["data"]
        for event in (json.loads(request.body) for request in receiver.received)
    }
    profile = client_with_scopes("read").get(
        reverse("api:practitioner-detail", args=[practitioner.pk])
    )
    assert profile.status_code == 200
    assert sent["practitioner.verification_changed"]["practitioner"] == profile.json()
    assert sent["practitioner.updated"]["practitioner"] == profile.json()
    assert profile.json()["verification"]["verified"] is False
