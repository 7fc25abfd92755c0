"""With Redis gone, pages still serve, sessions survive, and the cache comes back by itself.

Each test starts its own redis-server on a free port and kills it mid-test; the shared
Redis is never touched.
"""

import logging
import shutil

import pytest
from django.core.cache import cache
from django.test import Client, override_settings

from directory.tests.factories import PASSWORD

from .private_servers import PrivateRedis, private_redis

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        shutil.which("redis-server") is None, reason="redis-server is not installed"
    ),
]


@pytest.fixture
def redis_server():
    with private_redis() as server:
        settings_for_redis = override_settings(
            CACHES={
                "default": {
                    "BACKEND": "kernel.cache.ResilientRedisCache",
                    "LOCATION": server.url,
                    "KEY_PREFIX": "outage-test",
                    "RETRY_INTERVAL": 0,
                    "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
                }
            },
            SESSION_ENGINE="django.contrib.sessions.backends.cached_db",
        )
        with settings_for_redis:
            yield server


def test_the_cache_works_while_redis_is_up(redis_server: PrivateRedis):
    cache.set("greeting", "hello", 30)
    assert cache.get("greeting") == "hello"
    assert cache.add("counter", 0, 30) is True
    assert cache.incr("counter") == 1


def test_pages_still_serve_to_a_signed_in_patient_when_redis_dies(
    redis_server: PrivateRedis, patient, caplog
):
    client = Client()
    response = client.post("/accounts/login/", {"username": patient.email, "password": PASSWORD})
    assert response.status_code == 302
    redis_server.kill()

    with caplog.at_level(logging.WARNING, logger="kernel.cache"):
        home = client.get("/")
        search = client.get("/practitioners/")
    assert home.status_code == 200
    assert search.status_code == 200
    # The session came from the database: the patient is still signed in.
    assert f"Sign out ({patient.display_name})" in home.content.decode()
    assert "Redis cache unreachable" in caplog.text


def test_the_cache_reads_as_empty_and_writes_nothing_while_redis_is_down(
    redis_server: PrivateRedis,
):
    cache.set("kept", "value", 30)
    redis_server.kill()
    assert cache.get("kept") is None
    assert cache.get("kept", "fallback") == "fallback"
    assert cache.set("other", 1, 30) is None
    assert cache.add("other", 1, 30) is False
    assert cache.get_many(["kept", "other"]) == {}
    assert cache.set_many({"a": 1, "b": 2}) == ["a", "b"]
    assert cache.has_key("kept") is False
    # Counters read as zero: throttles built on the cache fail open.
    assert cache.incr("counter") == 0
    assert cache.get_or_set("computed", lambda: 42, 30) == 42


def test_sign_in_throttling_fails_open_while_redis_is_down(redis_server: PrivateRedis, patient):
    redis_server.kill()
    client = Client()
    with override_settings(LOGIN_FAILURES_PER_ACCOUNT=2):
        for attempt in range(4):
            response = client.post(
                "/accounts/login/", {"username": patient.email, "password": f"wrong {attempt}"}
            )
            assert response.status_code == 200
        response = client.post(
            "/accounts/login/", {"username": patient.email, "password": PASSWORD}
        )
    assert response.status_code == 302


def test_the_cache_comes_back_by_itself_when_redis_returns(redis_server: PrivateRedis, caplog):
    redis_server.kill()
    assert cache.get("anything") is None
    redis_server.start()
    with caplog.at_level(logging.WARNING, logger="kernel.cache"):
        cache.set("after", "back", 30)
        assert cache.get("after") == "back"
    assert "Redis cache reachable again" in caplog.text


def test_after_a_failure_redis_is_not_retried_until_the_interval_passes(redis_server):
    from django.core.cache import caches

    backend = caches["default"]
    backend.retry_interval = 60
    redis_server.kill()
    assert backend.get("x") is None
    assert backend.is_down
    redis_server.start()
    # Still inside the interval: answered from the fallback without asking Redis.
    backend.set("y", 1, 30)
    assert backend.get("y") is None
    backend.retry_interval = 0
    backend._down_until = 0.0
    backend.set("y", 1, 30)
    assert backend.get("y") == 1
