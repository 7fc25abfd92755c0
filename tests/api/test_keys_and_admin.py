"""Keys: created by a command and shown once, stored hashed, revocable by staff in the admin;
webhook deliveries and their attempts visible to staff, replayable from the admin."""

import hashlib
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from rest_framework.test import APIClient

from directory.tests.factories import UserFactory
from kernel.models import AuditEntry
from partners.models import (
    DeliveryStatus,
    PartnerKey,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEvent,
)
from partners.services import event_publish
from partners.tests.factories import WebhookEndpointFactory, partner_key

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser(db):
    return UserFactory(is_staff=True, is_superuser=True)


def test_create_partner_key_prints_the_key_once_and_stores_only_its_hash():
    out, err = StringIO(), StringIO()

    call_command(
        "create_partner_key", "Acme Booking", "--scopes", "read,invite", stdout=out, stderr=err
    )

    raw_key = out.getvalue().strip()
    key = PartnerKey.objects.get()
    assert raw_key.startswith(key.prefix + "_")
    assert len(raw_key) > 40
    assert key.key_hash == hashlib.sha256(raw_key.encode()).hexdigest()
    assert raw_key not in err.getvalue()
    assert key.prefix in err.getvalue()
    assert (key.partner.name, key.scopes, key.rate_per_minute) == (
        "Acme Booking",
        ["invite", "read"],
        600,
    )
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw_key}")
    assert client.get(reverse("api:procedure-list")).status_code == 200
    assert AuditEntry.objects.filter(action="partner_key.created").count() == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--scopes", "read,admin"], "Unknown scope admin"),
        (["--scopes", ","], "at least one scope"),
        (["--rate", "0"], "1 to 100000"),
    ],
)
def test_create_partner_key_refuses_bad_options_and_creates_nothing(args, message):
    with pytest.raises(CommandError, match=message):
        call_command("create_partner_key", "Acme", *args, stdout=StringIO(), stderr=StringIO())

    assert not PartnerKey.objects.exists()


def test_revoke_partner_key_command_revokes_by_prefix_once():
    key, _ = partner_key()

    call_command("revoke_partner_key", key.prefix, stdout=StringIO())

    key.refresh_from_db()
    assert key.revoked_at is not None
    with pytest.raises(CommandError, match="already revoked"):
        call_command("revoke_partner_key", key.prefix, stdout=StringIO())
    with pytest.raises(CommandError, match="No key"):
        call_command("revoke_partner_key", "pdk_nothing", stdout=StringIO())


def test_create_webhook_prints_the_secret_once(settings):
    key, _ = partner_key(name="Acme")
    out = StringIO()

    call_command(
        "create_webhook", "Acme", "https://acme.example/hooks", stdout=out, stderr=StringIO()
    )

    endpoint = key.partner.webhooks.get()
    assert out.getvalue().strip() == endpoint.secret
    assert endpoint.events == sorted(WebhookEvent.values)  # every event unless told otherwise


def test_staff_see_keys_by_prefix_never_the_hash_and_can_revoke_them(client, superuser):
    key, raw_key = partner_key(name="Acme")
    client.force_login(superuser)

    listing = client.get(reverse("admin:partners_partnerkey_changelist"))
    detail = client.get(reverse("admin:partners_partnerkey_change", args=[key.pk]))
    response = client.post(
        reverse("admin:partners_partnerkey_changelist"),
        {"action": "revoke", "_selected_action": [key.pk]},
        follow=True,
    )

    assert key.prefix in listing.text
    for page in (listing, detail):
        assert key.key_hash not in page.text
        assert raw_key not in page.text
    assert "Revoked 1 key(s)." in response.text
    key.refresh_from_db()
    assert key.revoked_at is not None
    entry = AuditEntry.objects.get(action="partner_key.revoked")
    assert entry.actor == superuser
    assert client.get(reverse("admin:partners_partnerkey_add")).status_code == 403


def test_staff_see_every_delivery_attempt_and_can_replay_from_the_admin(client, superuser):
    endpoint = WebhookEndpointFactory()
    delivery = event_publish("review.published", {"review": {}})[0]
    WebhookAttempt.objects.create(
        delivery=delivery, number=1, status_code=500, error="HTTP 500", duration_ms=12
    )
    WebhookDelivery.objects.filter(pk=delivery.pk).update(status=DeliveryStatus.FAILED)
    client.force_login(superuser)

    page = client.get(reverse("admin:partners_webhookdelivery_change", args=[delivery.pk]))
    endpoint_page = client.get(reverse("admin:partners_webhookendpoint_change", args=[endpoint.pk]))
    client.post(
        reverse("admin:partners_webhookdelivery_changelist"),
        {"action": "replay", "_selected_action": [delivery.pk]},
    )

    assert page.status_code == 200
    assert "HTTP 500" in page.text
    assert endpoint.secret not in page.text
    assert endpoint.secret not in endpoint_page.text
    assert AuditEntry.objects.filter(action="webhook.replayed", actor=superuser).exists()


def test_staff_cannot_give_a_key_an_unknown_scope_in_the_admin(client, superuser):
    key, _ = partner_key(name="Acme")
    client.force_login(superuser)

    response = client.post(
        reverse("admin:partners_partnerkey_change", args=[key.pk]),
        {"scopes": '["read", "admin"]', "rate_per_minute": "100"},
    )

    assert response.status_code == 200
    assert "Unknown scope" in response.text
    key.refresh_from_db()
    assert (key.scopes, key.rate_per_minute) == (["read"], 600)


def test_staff_can_change_a_keys_rate_in_the_admin(client, superuser):
    key, _ = partner_key(name="Acme")
    client.force_login(superuser)

    client.post(
        reverse("admin:partners_partnerkey_change", args=[key.pk]),
        {"scopes": '["read", "invite"]', "rate_per_minute": "120"},
    )

    key.refresh_from_db()
    assert (key.scopes, key.rate_per_minute) == (["read", "invite"], 120)
