"""Partner keys served from the cache: no key query per request, and every change seen at once."""

import datetime

import pytest
from django.core.cache import cache
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from partners import services
from partners.key_cache import find_key
from partners.models import Partner, PartnerKey
from partners.services import hash_key, partner_key_revoke
from tests.api.conftest import throttle_queries

LOCAL_CACHE = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
PROCEDURES = reverse("api:procedure-list")


@pytest.fixture(autouse=True)
def key_cache():
    with override_settings(CACHES=LOCAL_CACHE, PARTNER_KEY_CACHE_SECONDS=60):
        cache.clear()
        yield
        cache.clear()


def cached_row(client) -> PartnerKey | None:
    return cache.get(f"partner-key:{hash_key(client.raw_key)}")


def test_a_known_key_is_read_from_the_database_once(client_with_scopes, django_assert_num_queries):
    client = client_with_scopes("read")
    client.get(PROCEDURES)

    # The procedures and the throttle; neither the key nor its last use.
    with django_assert_num_queries(1 + throttle_queries()):
        response = client.get(PROCEDURES)

    assert response.status_code == 200


def test_revoking_a_key_refuses_it_at_once_although_it_was_cached(client_with_scopes):
    client = client_with_scopes("read")
    assert client.get(PROCEDURES).status_code == 200

    partner_key_revoke(key_id=client.key.pk)
    response = client.get(PROCEDURES)

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "revoked_key"


def test_a_request_racing_a_revocation_cannot_keep_the_old_row_past_the_commit(
    client_with_scopes, django_capture_on_commit_callbacks
):
    client = client_with_scopes("read")
    client.get(PROCEDURES)
    stale = cached_row(client)

    with django_capture_on_commit_callbacks(execute=True):
        partner_key_revoke(key_id=client.key.pk)
        # A request that read the row before the commit stores it again.
        cache.set(f"partner-key:{hash_key(client.raw_key)}", stale)

    assert client.get(PROCEDURES).status_code == 401


def test_a_scope_taken_away_in_the_admin_is_refused_at_once(client_with_scopes):
    client = client_with_scopes("read", "webhooks")
    webhooks = reverse("api:webhook-list")
    assert client.get(webhooks).status_code == 200

    key = PartnerKey.objects.get(pk=client.key.pk)
    key.scopes = ["read"]
    key.save()
    response = client.get(webhooks)

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "missing_scope"


def test_deleting_a_partner_makes_its_cached_keys_unknown(client_with_scopes):
    client = client_with_scopes("read")
    client.get(PROCEDURES)

    Partner.objects.filter(pk=client.key.partner_id).get().delete()
    response = client.get(PROCEDURES)

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "invalid_key"


def test_renaming_a_partner_drops_its_keys_from_the_cache(client_with_scopes):
    client = client_with_scopes("read")
    client.get(PROCEDURES)
    assert cached_row(client).partner.name == "Scoped partner"

    partner = Partner.objects.get(pk=client.key.partner_id)
    partner.name = "Renamed partner"
    partner.save()

    assert cached_row(client) is None
    client.get(PROCEDURES)
    assert cached_row(client).partner.name == "Renamed partner"


def test_made_up_keys_are_never_cached(db):
    api_client = APIClient()
    api_client.credentials(HTTP_AUTHORIZATION="Bearer pdk_00000000_made-up")

    response = api_client.get(PROCEDURES)

    assert response.status_code == 401
    assert find_key(hash_key("pdk_00000000_made-up")) is None
    assert cache.get(f"partner-key:{hash_key('pdk_00000000_made-up')}") is None


def test_a_cached_key_still_records_its_use_once_a_minute(client_with_scopes):
    client = client_with_scopes("read")
    client.get(PROCEDURES)
    first_use = PartnerKey.objects.get(pk=client.key.pk).last_used_at
    assert first_use is not None

    # A minute on: the cached row and this process both remember an older use.
    earlier = timezone.now() - datetime.timedelta(minutes=2)
    PartnerKey.objects.filter(pk=client.key.pk).update(last_used_at=earlier)
    services._last_touched[client.key.prefix] = earlier
    client.get(PROCEDURES)

    assert PartnerKey.objects.get(pk=client.key.pk).last_used_at > earlier


def test_without_the_cache_every_request_reads_the_key(
    client_with_scopes, django_assert_num_queries
):
    client = client_with_scopes("read")
    client.get(PROCEDURES)

    with (
        override_settings(PARTNER_KEY_CACHE_SECONDS=0),
        django_assert_num_queries(2 + throttle_queries()),
    ):
        client.get(PROCEDURES)
