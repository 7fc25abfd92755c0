"""Every endpoint needs a live key with the right scopes: 401 without one, 403 without a scope."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from partners.models import PartnerKey
from partners.services import partner_key_revoke
from practitioners.tests.factories import PractitionerFactory, procedure

from .conftest import throttle_queries

pytestmark = pytest.mark.django_db


def endpoints(practitioner) -> list[tuple[str, str, str, dict | None]]:
    """(method, url, scope needed beyond read, body) for every API endpoint."""
    return [
        ("get", reverse("api:practitioner-list"), "", None),
        ("get", reverse("api:practitioner-detail", args=[practitioner.pk]), "", None),
        ("get", reverse("api:practitioner-reviews", args=[practitioner.pk]), "", None),
        ("get", reverse("api:review-list"), "", None),
        ("get", reverse("api:procedure-list"), "", None),
        ("get", reverse("api:webhook-list"), "webhooks", None),
        (
            "post",
            reverse("api:review-invitation-create"),
            "invite",
            {
                "practitioner": practitioner.pk,
                "procedure": "microneedling",
                "email": "patient@example.com",
                "treatment_date": "2026-01-10",
            },
        ),
    ]


def call(client, method, url, body):
    if method == "post":
        return client.post(url, body, format="json")
    return client.get(url)


@pytest.fixture
def practitioner(db):
    return PractitionerFactory(procedures=[procedure("microneedling")])


def test_a_request_without_a_key_gets_401_with_a_bearer_challenge(practitioner):
    for method, url, _, body in endpoints(practitioner):
        response = call(APIClient(), method, url, body)

        assert response.status_code == 401, url
        assert response["WWW-Authenticate"] == 'Bearer realm="api"'
        assert response.json()["error"]["code"] == "not_authenticated"


@pytest.mark.parametrize(
    "header",
    [
        "Bearer pdk_00000000_unknown-key-that-was-never-issued",
        "Bearer ",
        "Basic dXNlcjpwYXNz",
        "Bearer " + "x" * 5000,
        "pdk_nobearer",
    ],
)
def test_an_unknown_or_malformed_key_gets_401(practitioner, header):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)

    for method, url, _, body in endpoints(practitioner):
        response = call(client, method, url, body)

        assert response.status_code == 401, url
        assert response["WWW-Authenticate"] == 'Bearer realm="api"'
        assert set(response.json()["error"]) == {"code", "message", "fields"}


def test_a_revoked_key_gets_401_on_every_endpoint(client_with_scopes, practitioner):
    client = client_with_scopes("read", "invite", "webhooks")
    partner_key_revoke(key_id=client.key.pk)

    for method, url, _, body in endpoints(practitioner):
        response = call(client, method, url, body)

        assert response.status_code == 401, url
        assert response.json()["error"] == {
            "code": "revoked_key",
            "message": "This API key has been revoked.",
            "fields": {},
        }


def test_a_key_without_the_needed_scope_gets_403(client_with_scopes, practitioner):
    read_only = client_with_scopes("read")
    invite_only = client_with_scopes("invite")

    for method, url, scope, body in endpoints(practitioner):
        response = call(invite_only, method, url, body)
        assert response.status_code == 403, url
        assert response.json()["error"]["code"] == "missing_scope"
        if scope:
            response = call(read_only, method, url, body)
            assert response.status_code == 403, url
            assert f"“{scope}”" in response.json()["error"]["message"]


def test_a_key_with_the_right_scopes_is_served_and_its_use_recorded(
    client_with_scopes, practitioner
):
    client = client_with_scopes("read", "invite", "webhooks")

    for method, url, _, body in endpoints(practitioner):
        response = call(client, method, url, body)

        assert response.status_code in (200, 201), (url, response.content)
    assert PartnerKey.objects.get(pk=client.key.pk).last_used_at is not None


def test_last_use_is_written_at_most_once_a_minute(client_with_scopes, django_assert_num_queries):
    client = client_with_scopes("read")
    client.get(reverse("api:procedure-list"))

    # The key, the procedures and the throttle; no UPDATE of last_used_at within the minute.
    with django_assert_num_queries(2 + throttle_queries()):
        client.get(reverse("api:procedure-list"))
