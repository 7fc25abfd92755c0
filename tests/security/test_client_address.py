"""Per-address limits see the visitor's address, and nobody can choose their own."""

import pytest
from django.core.cache import cache
from django.test import Client, RequestFactory, override_settings

from directory.tests.factories import PASSWORD
from kernel.middleware import ClientAddressMiddleware

pytestmark = pytest.mark.django_db


def seen_address(remote: str, forwarded: str | None = None) -> str:
    request = RequestFactory().get("/", REMOTE_ADDR=remote)
    if forwarded is not None:
        request.META["HTTP_X_FORWARDED_FOR"] = forwarded
    return ClientAddressMiddleware(lambda r: r.META["REMOTE_ADDR"])(request)


def test_without_trusted_proxies_forwarded_for_is_ignored():
    assert seen_address("198.51.100.4", "203.0.113.9") == "198.51.100.4"


@override_settings(TRUSTED_PROXY_IPS=["10.0.0.0/8"])
def test_behind_a_trusted_proxy_the_client_address_comes_from_forwarded_for():
    assert seen_address("10.0.0.2", "203.0.113.9") == "203.0.113.9"


@override_settings(TRUSTED_PROXY_IPS=["10.0.0.0/8"])
def test_a_client_cannot_forge_its_address_through_a_trusted_proxy():
    # The proxy appends the real peer; whatever the client wrote comes before it.
    assert seen_address("10.0.0.2", "1.2.3.4, 203.0.113.9") == "203.0.113.9"
    assert seen_address("10.0.0.2", "1.2.3.4, 203.0.113.9, 10.0.0.7") == "203.0.113.9"


@override_settings(TRUSTED_PROXY_IPS=["10.0.0.0/8"])
def test_forwarded_for_from_an_untrusted_peer_is_ignored():
    assert seen_address("198.51.100.4", "203.0.113.9") == "198.51.100.4"


@override_settings(TRUSTED_PROXY_IPS=["10.0.0.0/8"])
def test_a_malformed_forwarded_for_leaves_the_proxy_address():
    assert seen_address("10.0.0.2", "not-an-ip") == "10.0.0.2"
    assert seen_address("10.0.0.2", "") == "10.0.0.2"


@override_settings(
    TRUSTED_PROXY_IPS=["10.0.0.2"], LOGIN_FAILURES_PER_ADDRESS=3, LOGIN_FAILURES_PER_ACCOUNT=50
)
def test_behind_a_proxy_one_guessing_visitor_does_not_lock_out_everyone(patient):
    cache.clear()
    guesser, other = Client(), Client()
    for n in range(3):
        guesser.post(
            "/accounts/login/",
            {"username": f"nobody{n}@example.com", "password": "guess"},
            REMOTE_ADDR="10.0.0.2",
            HTTP_X_FORWARDED_FOR="203.0.113.66",
        )
    refused = guesser.post(
        "/accounts/login/",
        {"username": patient.email, "password": PASSWORD},
        REMOTE_ADDR="10.0.0.2",
        HTTP_X_FORWARDED_FOR="203.0.113.66",
    )
    assert refused.status_code == 429
    allowed = other.post(
        "/accounts/login/",
        {"username": patient.email, "password": PASSWORD},
        REMOTE_ADDR="10.0.0.2",
        HTTP_X_FORWARDED_FOR="198.51.100.20",
    )
    assert allowed.status_code == 302
    cache.clear()
