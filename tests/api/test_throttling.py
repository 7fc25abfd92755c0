"""Per-key rate limits: 429 with Retry-After, and exact across server processes."""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.urls import reverse

from partners import throttling

pytestmark = pytest.mark.django_db

URL = reverse("api:procedure-list")
CLIENT_SCRIPT = Path(__file__).with_name("throttle_client.py")


def test_over_its_rate_a_key_gets_429_with_retry_after(client_with_scopes):
    client = client_with_scopes("read", rate=3)
    other = client_with_scopes("read", rate=3)

    codes = [client.get(URL).status_code for _ in range(3)]
    refused = client.get(URL)

    assert codes == [200, 200, 200]
    assert refused.status_code == 429
    assert 1 <= int(refused["Retry-After"]) <= 60
    assert refused.json()["error"]["code"] == "rate_limited"
    assert refused.json()["error"]["message"].startswith("Too many requests for this key")
    assert other.get(URL).status_code == 200  # each key has its own allowance


def test_the_count_starts_again_in_the_next_minute(client_with_scopes):
    key = client_with_scopes("read", rate=1).key
    start = (time.time() // 60) * 60

    first = throttling.hit(key, now=start + 1)
    second = throttling.hit(key, now=start + 59)
    next_minute = throttling.hit(key, now=start + 61)

    assert (first.allowed, second.allowed, next_minute.allowed) == (True, False, True)
    assert second.retry_after == 1


def test_without_redis_old_windows_are_cleaned_up(settings, client_with_scopes):
    from partners.models import ThrottleWindow

    settings.PARTNER_THROTTLE_STORE = "database"
    key = client_with_scopes("read").key
    start = (time.time() // 60) * 60

    for minute in range(5):
        throttling.hit(key, now=start + 60 * minute)

    assert ThrottleWindow.objects.filter(key=key).count() == 1


def test_an_unreachable_redis_lets_requests_through_rather_than_failing(
    settings, client_with_scopes, caplog
):
    settings.PARTNER_THROTTLE_STORE = "redis"
    settings.REDIS_URL = "redis://127.0.0.1:9/0"  # the discard port: nothing listens
    client = client_with_scopes("read", rate=1)

    codes = [client.get(URL).status_code for _ in range(3)]

    assert codes == [200, 200, 200]
    assert "Rate-limit counter unavailable" in caplog.text


def database_url() -> str:
    db = connection.settings_dict
    if connection.vendor == "postgresql":
        auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
        return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    if connection.vendor == "sqlite" and not connection.is_in_memory_db():
        return f"sqlite:///{db['NAME']}"
    pytest.skip("the test database is in memory: other processes cannot share it")


def run_two_processes(client_with_scopes, env: dict, *, rate: int = 10, each: int = 15) -> list:
    """Two processes send ``each`` requests with one key of ``rate``/min at the same moment.

    The run starts at the top of a minute so every request falls in one rate window; on a
    machine so loaded that a run still spans two windows, or cannot reach the counter
    store, it is repeated with a fresh key (up to three times).
    """
    for _ in range(3):
        raw_key = client_with_scopes("read", rate=rate).raw_key
        if time.time() % 60 > 15:
            time.sleep(60 - time.time() % 60)
        start_at = time.time() + 3
        processes = [
            subprocess.Popen(
                [sys.executable, str(CLIENT_SCRIPT), raw_key, str(each), str(start_at)],
                env={
                    **os.environ,
                    "PYTHONPATH": str(settings.BASE_DIR),
                    "ALLOWED_HOSTS": "testserver",
                    **env,
                },
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                cwd=settings.BASE_DIR,
                text=True,
            )
            for _ in range(2)
        ]
        results = []
        for process in processes:
            out, err = process.communicate(timeout=180)
            assert process.returncode == 0, err
            results.append(json.loads(out.strip().splitlines()[-1]))
        windows = {window for result in results for window in result["windows"]}
        if len(windows) == 1 and not any(result["unavailable"] for result in results):
            return [code for result in results for code in result["codes"]]
    pytest.fail("three runs each spanned two rate windows or lost the counter store")


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_two_processes_sharing_redis_allow_exactly_the_rate(client_with_scopes):
    if not settings.REDIS_URL:
        pytest.skip("REDIS_URL is not set: the Redis counter is tested where Redis runs")
    codes = run_two_processes(
        client_with_scopes,
        {
            "DATABASE_URL": database_url(),
            "REDIS_URL": settings.REDIS_URL,
            "CACHE_KEY_PREFIX": settings.CACHE_KEY_PREFIX,
        },
    )

    assert codes.count(200) == 10
    assert codes.count(429) == 20


@pytest.mark.slow
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_processes_counting_in_postgresql_allow_exactly_the_rate(client_with_scopes):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: the database counter's row lock is what is tested")
    codes = run_two_processes(client_with_scopes, {"DATABASE_URL": database_url(), "REDIS_URL": ""})

    assert codes.count(200) == 10
    assert codes.count(429) == 20
