"""Role fixtures shared by every app's tests."""

import pytest
from django.tasks import task_backends
from django_tasks_db.backend import DatabaseBackend

from accounts.second_factor import authenticator_of
from directory.tests.clients import Client
from directory.tests.factories import UserFactory
from kernel.reference_data import ensure_reference_data
from practitioners.tests.factories import PractitionerFactory


@pytest.fixture
def client():
    """pytest-django's ``client``, but ``client.force_login(moderator)`` is a whole staff
    sign-in: the role fixtures' staff have an authenticator app and the session passed the
    second factor with it (``directory.tests.clients``)."""
    return Client()


@pytest.fixture
def patient(db):
    return UserFactory(display_name="Pat")


@pytest.fixture
def other_patient(db):
    return UserFactory(display_name="Olive")


@pytest.fixture
def practitioner_owner(db):
    """A user who owns a practitioner profile (``user.practitioner_profile``)."""
    user = UserFactory(display_name="Dr Owner")
    PractitionerFactory(owner=user)
    return user


@pytest.fixture
def other_practitioner_owner(db):
    user = UserFactory(display_name="Dr Other")
    PractitionerFactory(owner=user)
    return user


@pytest.fixture
def moderator(db):
    """A moderator who has set up an authenticator app (``moderator.authenticator``)."""
    user = UserFactory(display_name="Mo", roles=["Moderators"])
    user.authenticator = authenticator_of(user)
    return user


@pytest.fixture
def verifier(db):
    """A verifier who has set up an authenticator app (``verifier.authenticator``)."""
    user = UserFactory(display_name="Vera", roles=["Verifiers"])
    user.authenticator = authenticator_of(user)
    return user


@pytest.fixture
def admin_user(db):
    """pytest-django's superuser, with an authenticator app like every staff account."""
    return UserFactory(display_name="Ada Admin", is_staff=True, is_superuser=True)


@pytest.fixture
def admin_client(admin_user):
    """pytest-django's ``admin_client``: the superuser, signed in the whole way."""
    client = Client()
    client.force_login(admin_user)
    return client


@pytest.fixture
def partner_client(db):
    """A DRF API client sending a partner key with the ``read`` and ``invite`` scopes.

    ``partner_client.key`` is the ``PartnerKey``; ``partner_client.raw_key`` the secret.
    """
    from rest_framework.test import APIClient

    from partners.tests.factories import partner_key

    key, raw_key = partner_key(scopes=["read", "invite"])
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw_key}")
    client.key, client.raw_key = key, raw_key
    return client


@pytest.fixture(autouse=True)
def _reference_rows_in_transactional_tests(request):
    """Tests with real transactions run on a flushed database: put the reference rows back."""
    marker = request.node.get_closest_marker("django_db")
    transactional = "transactional_db" in request.fixturenames or bool(
        marker and (marker.kwargs.get("transaction") or (marker.args and marker.args[0]))
    )
    if transactional:
        request.getfixturevalue("transactional_db")
        ensure_reference_data()


@pytest.fixture(autouse=True)
def dns(monkeypatch):
    """The resolver webhook deliveries use, stubbed: no test depends on the network's DNS.

    ``dns.answer("hooks.partner.example", ["203.0.113.5"])`` chooses an answer; see
    ``partners.tests.dns``.
    """
    from partners import egress
    from partners.tests.dns import StubResolver

    # The tests' allowance for loopback webhooks never outlives the test that took it.
    assert egress._loopback_allowed is False, "an earlier test left loopback webhooks allowed"
    resolver = StubResolver()
    monkeypatch.setattr(egress, "getaddrinfo", resolver)
    yield resolver
    assert egress._loopback_allowed is False, "this test left loopback webhooks allowed"


@pytest.fixture
def database_task_backend():
    """The ORM task backend instead of the test run's immediate one: tasks wait in the
    database, and runs can be deferred (scheduled jobs)."""
    backend = DatabaseBackend(
        "default", {"QUEUES": ["default", "email", "webhooks", "scheduled"], "OPTIONS": {}}
    )
    previous = task_backends["default"]
    task_backends["default"] = backend
    yield backend
    task_backends["default"] = previous
