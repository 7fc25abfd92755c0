"""Webhooks reach public addresses only, the very address that was checked, within a deadline.

DNS is a stub (``partners.tests.dns``) so a test can make a name resolve anywhere; every
connection is real, to servers on 127.0.0.1 — reached only with the test allowance for
loopback, or through a name the stub points there.
"""

import importlib
import ipaddress
import json
import logging
import shutil
import subprocess
import time

import pytest
from django.apps import apps
from django.core import mail
from django.tasks import task_backends
from django.test import override_settings
from django.urls import reverse

from partners import egress, webhooks
from partners.egress import allow_loopback_for_tests, is_public
from partners.models import DeliveryStatus, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from partners.services import event_publish
from partners.tests.dns import PUBLIC_ADDRESS
from partners.tests.factories import PartnerFactory
from reviews.tests.factories import ReviewFactory

from .receiver import HostileReceiver, Receiver

pytestmark = pytest.mark.django_db

REFUSED = "does not resolve to a public internet address"


@pytest.fixture
def hooks_client(client_with_scopes):
    return client_with_scopes("read", "webhooks")


@pytest.fixture(autouse=True)
def short_timeout(settings):
    settings.PARTNER_WEBHOOK_TIMEOUT_SECONDS = 1


@pytest.fixture
def receiver():
    server = Receiver().start()
    yield server
    server.stop()


def register(hooks_client, url: str):
    return hooks_client.post(reverse("api:webhook-list"), {"url": url}, format="json")


# --- At registration -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "https://127.0.0.1/hooks",
        "https://localhost/hooks",
        "https://169.254.169.254/latest/meta-data/",
        "https://10.0.0.1/hooks",
        "https://172.16.5.4/hooks",
        "https://192.168.1.1/hooks",
        "https://[::1]/hooks",
        "https://[::ffff:127.0.0.1]/hooks",
        "https://[fe80::1]/hooks",
        "https://[fd00::1]/hooks",
        "https://0.0.0.0/hooks",
        "https://224.0.0.251/hooks",
        "https://240.0.0.1/hooks",
        "https://100.64.0.1/hooks",
        "https://hooks.nowhere-at-all.invalid/hooks",
    ],
)
def test_a_non_public_or_unresolvable_target_is_refused_at_registration(hooks_client, url):
    response = register(hooks_client, url)

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid_url"
    assert REFUSED in error["message"]
    assert not WebhookEndpoint.objects.exists()


def test_a_name_that_resolves_to_a_private_address_is_refused_without_saying_where(
    hooks_client, dns
):
    dns.answer("intranet.partner.example", ["10.20.30.40"])

    response = register(hooks_client, "https://intranet.partner.example/hooks")

    message = response.json()["error"]["message"]
    assert message == (
        "intranet.partner.example does not resolve to a public internet address. Webhooks are "
        "sent only to public addresses: check the host name."
    )
    assert "10.20.30.40" not in response.content.decode()


def test_a_name_with_one_public_and_one_private_address_is_refused(hooks_client, dns):
    dns.answer("mixed.partner.example", [PUBLIC_ADDRESS, "192.168.0.10"])

    assert register(hooks_client, "https://mixed.partner.example/hooks").status_code == 400


def test_a_public_target_is_registered(hooks_client, dns):
    dns.answer("hooks.partner.example", [PUBLIC_ADDRESS, "2606:4700::6810:84e5"])

    response = register(hooks_client, "https://hooks.partner.example/directory")

    assert response.status_code == 201
    assert WebhookEndpoint.objects.get().url == "https://hooks.partner.example/directory"


def test_the_loopback_allowance_lets_loopback_through_and_nothing_else(hooks_client, settings):
    settings.PARTNER_WEBHOOKS_ALLOW_INSECURE = True
    with allow_loopback_for_tests():
        assert register(hooks_client, "http://127.0.0.1:9/hooks").status_code == 201
        for url in ("http://169.254.169.254/", "http://10.0.0.1/", "http://192.168.1.1/"):
            assert register(hooks_client, url).status_code == 400, url


def test_the_loopback_allowance_cannot_be_used_outside_the_test_environment(monkeypatch):
    monkeypatch.delattr(mail, "outbox")

    with pytest.raises(RuntimeError, match="for tests only"), allow_loopback_for_tests():
        pass
    assert egress._loopback_allowed is False


def test_plain_http_alone_never_opens_private_addresses(hooks_client, settings):
    settings.PARTNER_WEBHOOKS_ALLOW_INSECURE = True  # what DEBUG turns on

    assert register(hooks_client, "http://127.0.0.1:9/hooks").status_code == 400
    assert register(hooks_client, "http://169.254.169.254/").status_code == 400


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("93.184.215.14", True),
        ("2606:4700::6810:84e5", True),
        ("127.0.0.1", False),
        ("10.255.255.255", False),
        ("169.254.169.254", False),
        ("100.64.0.1", False),
        ("192.0.2.10", False),
        ("255.255.255.255", False),
        ("::", False),
        ("::ffff:10.0.0.1", False),
        ("2002:7f00:1::", False),  # 6to4 around 127.0.0.1
        ("2001:0:4136:e378:8000:63bf:80ff:fefe", False),  # Teredo around 127.0.0.1
        ("64:ff9b::a9fe:a9fe", False),  # NAT64 around 169.254.169.254
        ("64:ff9b::5db8:d70e", True),  # NAT64 around a public address
        ("ff02::1", False),
    ],
)
def test_only_public_addresses_count_as_public(address, public):
    assert is_public(ipaddress.ip_address(address)) is public


# --- At each delivery ----------------------------------------------------------------------


def delivery_to(url: str) -> WebhookDelivery:
    endpoint = WebhookEndpoint.objects.create(
        partner=PartnerFactory(), url=url, secret="whsec_t", events=["review.published"]
    )
    return WebhookDelivery.objects.create(
        endpoint=endpoint, event_type="review.published", payload={"id": "e1", "data": {}}
    )


def test_a_name_that_turns_private_after_registration_is_refused_at_delivery(
    hooks_client, dns, receiver
):
    dns.answer("hooks.partner.example", [PUBLIC_ADDRESS], ["127.0.0.1"])
    url = f"http://hooks.partner.example:{receiver.port}/hooks"
    with override_settings(PARTNER_WEBHOOKS_ALLOW_INSECURE=True):
        assert register(hooks_client, url).status_code == 201
    delivery = event_publish("review.published", {"review": {}})[0]

    webhooks.attempt_delivery(delivery.pk)

    assert receiver.received == []
    attempt = WebhookAttempt.objects.get()
    assert (attempt.status_code, attempt.error) == (None, "refused: not a public address")


def test_without_the_test_allowance_a_loopback_receiver_is_refused_at_delivery(receiver):
    delivery = delivery_to(receiver.url)  # stored directly, as if registered before a change

    webhooks.attempt_delivery(delivery.pk)

    assert receiver.received == []
    assert WebhookAttempt.objects.get().error == "refused: not a public address"


def test_a_delivery_connects_to_the_address_it_checked_never_to_a_second_answer(dns, receiver):
    # A rebinding DNS server: public when asked first, our own loopback ever after.
    dns.answer("rebind.partner.example", [PUBLIC_ADDRESS], ["127.0.0.1"])
    delivery = delivery_to(f"http://rebind.partner.example:{receiver.port}/hooks")

    with allow_loopback_for_tests():
        webhooks.attempt_delivery(delivery.pk)

    assert dns.lookups_of("rebind.partner.example") == 1
    assert receiver.received == []  # the loopback answer was never used
    attempt = WebhookAttempt.objects.get()
    assert attempt.status_code is None
    assert attempt.error in {"timeout", "network unreachable", "connection refused"}


def test_the_pinned_connection_keeps_the_host_name_in_the_host_header(dns, receiver):
    dns.answer("hooks.partner.example", ["127.0.0.1"])
    delivery = delivery_to(f"http://hooks.partner.example:{receiver.port}/hooks?source=dir")

    with allow_loopback_for_tests():
        assert webhooks.attempt_delivery(delivery.pk) == DeliveryStatus.SUCCEEDED

    [request] = receiver.received
    assert request.headers["Host"] == f"hooks.partner.example:{receiver.port}"
    assert json.loads(request.body)["id"] == "e1"
    assert dns.lookups_of("hooks.partner.example") == 1


@pytest.fixture(scope="module")
def certificates(tmp_path_factory):
    """A test CA and a certificate it signed for hooks.partner.example (openssl)."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed")
    folder = tmp_path_factory.mktemp("tls")

    def openssl(*arguments: str) -> None:
        subprocess.run(["openssl", *arguments], cwd=folder, check=True, capture_output=True)

    openssl(
        *("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2"),
        *("-keyout", "ca.key", "-out", "ca.pem", "-subj", "/CN=Webhook test CA"),
        *("-addext", "basicConstraints=critical,CA:TRUE"),
        *("-addext", "keyUsage=critical,keyCertSign"),
    )
    openssl(
        *("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "leaf.key", "-out", "leaf.csr"),
        *("-subj", "/CN=hooks.partner.example"),
    )
    (folder / "leaf.cnf").write_text(
        "subjectAltName=DNS:hooks.partner.example\nbasicConstraints=CA:FALSE\n"
        "keyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n"
    )
    openssl(
        *("x509", "-req", "-in", "leaf.csr", "-CA", "ca.pem", "-CAkey", "ca.key"),
        *("-CAcreateserial", "-out", "leaf.pem", "-days", "2", "-extfile", "leaf.cnf"),
    )
    return folder


@pytest.fixture
def tls_receiver(certificates, monkeypatch):
    # Trust the test CA the way OpenSSL lets any deployment choose its roots.
    monkeypatch.setenv("SSL_CERT_FILE", str(certificates / "ca.pem"))
    server = Receiver(tls=(str(certificates / "leaf.pem"), str(certificates / "leaf.key")))
    server.start()
    yield server
    server.stop()


def test_https_to_a_pinned_address_checks_the_certificate_and_sends_sni_for_the_name(
    dns, tls_receiver
):
    dns.answer("hooks.partner.example", ["127.0.0.1"])
    delivery = delivery_to(f"https://hooks.partner.example:{tls_receiver.port}/hooks")

    with allow_loopback_for_tests():
        assert webhooks.attempt_delivery(delivery.pk) == DeliveryStatus.SUCCEEDED

    assert tls_receiver.server_names == ["hooks.partner.example"]
    assert tls_receiver.received[0].headers["Host"] == f"hooks.partner.example:{tls_receiver.port}"


def test_a_certificate_for_another_name_is_a_tls_error(dns, tls_receiver):
    dns.answer("impostor.partner.example", ["127.0.0.1"])
    delivery = delivery_to(f"https://impostor.partner.example:{tls_receiver.port}/hooks")

    with allow_loopback_for_tests():
        webhooks.attempt_delivery(delivery.pk)

    assert tls_receiver.received == []
    assert WebhookAttempt.objects.get().error == "TLS error"


# --- What a partner sees, and how long an attempt may take ----------------------------------


@pytest.mark.parametrize(
    ("behaviour", "error"),
    [
        ("garbage", "invalid HTTP response"),
        ("hang_up", "connection closed without an answer"),
        ("trickle", "timeout"),
    ],
)
def test_a_hostile_receiver_gets_an_error_class_within_the_deadline(behaviour, error):
    hostile = HostileReceiver(behaviour).start()
    delivery = delivery_to(hostile.url)
    try:
        with allow_loopback_for_tests():
            started = time.monotonic()
            status = webhooks.attempt_delivery(delivery.pk)
            elapsed = time.monotonic() - started
    finally:
        hostile.stop()

    assert status == DeliveryStatus.RETRYING
    assert (WebhookAttempt.objects.get().error) == error
    assert elapsed < 1.8, f"the attempt took {elapsed:.2f} s with a 1 s deadline"


def test_the_delivery_log_shows_partners_error_classes_and_no_internal_text(
    hooks_client, dns, settings
):
    settings.PARTNER_WEBHOOKS_ALLOW_INSECURE = True
    closed = Receiver().start()
    closed.stop()  # nothing listens on its port any more
    # Public when registered; then our loopback (nothing listening); then no answer at all.
    dns.answer("flaky.partner.example", [PUBLIC_ADDRESS], ["127.0.0.1"], [])
    url = f"http://flaky.partner.example:{closed.port}/hooks"
    endpoint_id = register(hooks_client, url).json()["id"]
    first = event_publish("review.published", {"review": {}})[0]
    second = event_publish("review.published", {"review": {}})[0]

    with allow_loopback_for_tests():
        webhooks.attempt_delivery(first.pk)
        webhooks.attempt_delivery(second.pk)

    log = hooks_client.get(reverse("api:webhook-deliveries", args=[endpoint_id])).json()
    shown = sorted(attempt["error"] for row in log["results"] for attempt in row["attempts"])
    assert shown == ["DNS lookup failed", "connection refused"]
    text = json.dumps(log)
    for internal in ("Errno", "gaierror", "127.0.0.1", "Traceback", "Name or service", "Refused"):
        assert internal not in text


def test_an_error_status_is_shown_as_http_and_its_code(receiver):
    receiver.statuses = [500]
    delivery = delivery_to(receiver.url)

    with allow_loopback_for_tests():
        webhooks.attempt_delivery(delivery.pk)

    attempt = WebhookAttempt.objects.get()
    assert (attempt.status_code, attempt.error) == (500, "HTTP 500")


# --- Nothing a receiver or the queue does reaches the decision that raised the event -------


@pytest.mark.django_db(transaction=True)
def test_a_queue_that_refuses_the_delivery_does_not_fail_the_moderators_decision(
    client, moderator, caplog
):
    WebhookEndpoint.objects.create(
        partner=PartnerFactory(),
        url="https://hooks.example.com/directory",
        secret="whsec_t",
        events=["review.published"],
    )
    review = ReviewFactory(title="Careful and clean")
    client.force_login(moderator)
    # A deployment whose task backend has no "webhooks" queue: enqueueing raises.
    no_webhook_queue = {
        "default": {
            "BACKEND": "django.tasks.backends.immediate.ImmediateBackend",
            "QUEUES": ["default", "email", "scheduled"],
        }
    }
    with override_settings(TASKS=no_webhook_queue), caplog.at_level(logging.ERROR):
        task_backends.__dict__.pop("settings", None)
        task_backends.__init__()
        try:
            response = client.post(
                reverse("moderation:decide", args=[review.pk]),
                {"decision": "approve", "version": review.version},
            )
        finally:
            task_backends.__dict__.pop("settings", None)
            task_backends.__init__()

    assert response.status_code == 302
    review.refresh_from_db()
    assert review.status == "published"
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == DeliveryStatus.PENDING  # staff can replay it
    assert f"Could not queue webhook delivery {delivery.pk}" in caplog.text


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("Connection failed: [Errno 111] Connection refused", "connection refused"),
        ("No answer within 5 s", "timeout"),
        ("Connection failed: timed out", "timeout"),
        (
            "PermissionError: 10.0.0.5 resolves to a non-public address",
            "refused: not a public address",
        ),
        ("Connection failed: [Errno -2] Name or service not known", "DNS lookup failed"),
        (
            "Connection failed: [SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed",
            "TLS error",
        ),
        (
            "Connection failed: [Errno 104] Connection reset by peer",
            "connection closed without an answer",
        ),
        ("ValueError: something odd", "delivery error"),
        ("HTTP 500", "HTTP 500"),
        ("timeout", "timeout"),
    ],
)
def test_attempts_logged_before_the_error_classes_are_rewritten_to_them(old, new):
    migration = importlib.import_module(
        "partners.migrations.0002_webhook_attempt_errors_as_classes"
    )
    delivery = delivery_to("https://hooks.example.com/x")
    attempt = WebhookAttempt.objects.create(delivery=delivery, number=1, error=old)

    migration.forwards(apps, None)
    migration.forwards(apps, None)  # again: nothing changes

    attempt.refresh_from_db()
    assert attempt.error == new
