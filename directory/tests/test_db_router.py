"""The read-replica router: public reads to the replica, writes and read-your-writes to default.

The ``replica`` alias here is a test mirror of the test database (what settings configure
from DATABASE_REPLICA_URL), so a query that reaches it returns the rows written through
default; which connection ran it tells where the router sent it.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connections, transaction
from django.http import HttpResponse
from django.test import RequestFactory, override_settings
from django.test.utils import CaptureQueriesContext

from directory.db_routers import (
    PIN_COOKIE,
    PrimaryAfterWriteMiddleware,
    ReplicaRouter,
    _pinned_to_primary,
)
from directory.tests.factories import UserFactory
from kernel.models import User
from practitioners.models import Practitioner
from practitioners.tests.factories import PractitionerFactory, ProcedureFactory
from reviews.models import Review

ROOT = Path(__file__).resolve().parents[2]
ROUTERS = ["directory.db_routers.ReplicaRouter"]


# Registered at import, before pytest-django sets up the test databases, so Django points
# this mirror at the test database exactly as it does for DATABASE_REPLICA_URL in settings.
if "replica" not in connections.settings:
    _default = connections.settings["default"]
    connections.settings["replica"] = {
        **_default,
        "TEST": {**_default["TEST"], "MIRROR": "default"},
    }


@pytest.fixture
def replica():
    """The ``replica`` connection, with the router switched on and nothing pinned yet."""
    token = _pinned_to_primary.set(False)
    try:
        with override_settings(DATABASE_ROUTERS=ROUTERS):
            yield connections["replica"]
    finally:
        _pinned_to_primary.reset(token)
        # An open connection would keep PostgreSQL from dropping the test database.
        connections["replica"].close()


def _practitioner():
    # Its own procedure: a transactional test's flush removes the migrated ones.
    return PractitionerFactory(procedures=[ProcedureFactory()])


def _in_request(view):
    """Run ``view`` as a request would, through the pinning middleware."""
    return PrimaryAfterWriteMiddleware(view)


pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "replica"])


def test_reads_of_public_models_go_to_the_replica(replica):
    practitioner = _practitioner()
    seen = {}

    def view(request):
        with CaptureQueriesContext(replica) as on_replica:
            seen["names"] = list(Practitioner.objects.values_list("last_name", flat=True))
        seen["replica_queries"] = len(on_replica)
        return HttpResponse()

    _in_request(view)(RequestFactory().get("/practitioners/"))

    assert seen["names"] == [practitioner.last_name]
    # One query: the list, run on the replica connection.
    assert seen["replica_queries"] == 1


def test_accounts_and_other_private_models_are_read_from_default(replica):
    UserFactory()
    router = ReplicaRouter()

    assert router.db_for_read(User) == "default"
    with CaptureQueriesContext(replica) as on_replica:
        assert User.objects.count() == 1
    assert len(on_replica) == 0


def test_writes_go_to_default(replica):
    router = ReplicaRouter()

    assert router.db_for_write(Practitioner) == "default"
    assert router.db_for_write(Review) == "default"


def test_reads_inside_a_transaction_go_to_default(replica):
    router = ReplicaRouter()

    def view(request):
        outside = router.db_for_read(Practitioner)
        with transaction.atomic():
            inside = router.db_for_read(Practitioner)
        return HttpResponse(f"{outside},{inside}")

    response = _in_request(view)(RequestFactory().get("/"))

    assert response.content == b"replica,default"


def test_reads_after_a_write_in_the_same_request_stay_on_default(replica):
    router = ReplicaRouter()

    def view(request):
        before = router.db_for_read(Practitioner)
        _practitioner()
        after = router.db_for_read(Practitioner)
        return HttpResponse(f"{before},{after}")

    response = _in_request(view)(RequestFactory().post("/"))

    assert response.content == b"replica,default"
    # The writer's next requests read default for a few seconds: they see their own write.
    assert response.cookies[PIN_COOKIE]["max-age"] == 5


def test_the_next_request_starts_on_the_replica_again(replica):
    router = ReplicaRouter()
    _in_request(lambda request: (_practitioner(), HttpResponse())[1])(RequestFactory().post("/"))

    def view(request):
        return HttpResponse(router.db_for_read(Practitioner))

    fresh = _in_request(view)(RequestFactory().get("/"))
    pinned_request = RequestFactory().get("/")
    pinned_request.COOKIES[PIN_COOKIE] = "1"
    pinned = _in_request(view)(pinned_request)

    assert fresh.content == b"replica"
    assert pinned.content == b"default"
    assert PIN_COOKIE not in fresh.cookies


def test_migrations_run_only_on_default(replica):
    router = ReplicaRouter()

    assert router.allow_migrate("default", "practitioners") is True
    assert router.allow_migrate("replica", "practitioners") is False


def test_database_replica_url_adds_the_alias_the_router_and_the_middleware(tmp_path):
    code = (
        "from django.conf import settings as s; "
        "print(s.DATABASES['replica']['NAME'], s.DATABASES['replica']['TEST']['MIRROR'], "
        "s.DATABASE_ROUTERS, s.MIDDLEWARE[-1])"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "directory.settings",
        "DEBUG": "1",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'primary.sqlite3'}",
        "DATABASE_REPLICA_URL": f"sqlite:///{tmp_path / 'replica.sqlite3'}",
    }
    output = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()

    assert output[0].endswith("replica.sqlite3")
    assert output[1] == "default"
    assert "directory.db_routers.ReplicaRouter" in output[2]
    assert output[-1] == "directory.db_routers.PrimaryAfterWriteMiddleware"
