"""With the database down the site answers a friendly 503, and recovers by itself.

The in-process tests break the connection object; the end-to-end test runs gunicorn
against a private PostgreSQL cluster it stops and starts again.
"""

import json
import os
import secrets
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.db import OperationalError, connection
from django.test import Client, RequestFactory

from kernel.middleware import server_error
from practitioners.tests.factories import PractitionerFactory

from .private_servers import free_port, postgres_unavailable_reason, private_postgres, wait_for_port

ROOT = Path(__file__).resolve().parents[2]


def break_the_database(monkeypatch) -> None:
    def refuse(*args, **kwargs):
        raise OperationalError("connection to server at 127.0.0.1 failed: Connection refused")

    monkeypatch.setattr(connection, "ensure_connection", refuse)


@pytest.mark.django_db
def test_pages_answer_a_friendly_503_while_the_database_is_down(monkeypatch):
    practitioner = PractitionerFactory()
    client = Client(raise_request_exception=False)
    break_the_database(monkeypatch)
    for url in ("/", "/practitioners/", practitioner.get_absolute_url()):
        response = client.get(url)
        assert response.status_code == 503, url
        body = response.content.decode()
        assert "be right back" in body
        assert "Nothing you submitted has been lost" in body
        assert response["Retry-After"] == "30"
        assert response["Cache-Control"] == "no-store"
        assert "unsafe-inline" not in response["Content-Security-Policy"]


@pytest.mark.django_db
def test_pages_that_need_no_database_keep_answering_while_it_is_down(monkeypatch):
    client = Client(raise_request_exception=False)
    break_the_database(monkeypatch)
    response = client.get("/moderation-policy/")
    assert response.status_code == 200
    assert "never remove a review because it is negative" in response.content.decode()


@pytest.mark.django_db
def test_a_signed_in_patient_also_gets_the_503_page_when_the_session_cannot_load(
    monkeypatch, patient
):
    client = Client(raise_request_exception=False)
    client.force_login(patient)
    break_the_database(monkeypatch)
    response = client.get("/")
    assert response.status_code == 503
    assert "be right back" in response.content.decode()


@pytest.mark.django_db
def test_the_healthcheck_reports_the_database_down(monkeypatch):
    break_the_database(monkeypatch)
    response = Client(raise_request_exception=False).get("/healthz")
    assert response.status_code == 503
    assert response.json()["status"] == "unavailable"


def test_an_unexpected_error_gets_the_friendly_500_page():
    request = RequestFactory().get("/")
    try:
        raise RuntimeError("a bug")
    except RuntimeError:
        response = server_error(request)
    assert response.status_code == 500
    assert "Something went wrong on our side" in response.content.decode()


def test_a_lost_database_outside_a_view_gets_the_503_page_not_the_500_page():
    request = RequestFactory().get("/api/v1/practitioners/")
    try:
        raise OperationalError("server closed the connection unexpectedly")
    except OperationalError:
        response = server_error(request)
    assert response.status_code == 503
    assert json.loads(response.content)["error"]["code"] == "service_unavailable"


@pytest.mark.django_db
def test_an_unknown_page_gets_the_friendly_404_page(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "find that page" in response.content.decode()


@pytest.mark.django_db
def test_a_forged_host_header_gets_the_friendly_400_page():
    response = Client(raise_request_exception=False).get("/", HTTP_HOST="evil.example")
    assert response.status_code == 400
    assert "understand that request" in response.content.decode()


@pytest.mark.django_db
def test_a_form_sent_without_its_csrf_token_gets_the_friendly_expired_form_page():
    response = Client(enforce_csrf_checks=True).post("/accounts/login/", {"username": "x"})
    assert response.status_code == 403
    assert "This form has expired" in response.content.decode()


def fetch(url: str, headers: dict[str, str] | None = None) -> tuple[int, str]:
    request = urllib.request.Request(url, headers=headers or {})  # noqa: S310 — loopback only
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def wait_for_status(url: str, expected: int, *, timeout: float = 30.0) -> tuple[int, str]:
    deadline = time.monotonic() + timeout
    status, body = fetch(url)
    while status != expected and time.monotonic() < deadline:
        time.sleep(0.5)
        status, body = fetch(url)
    return status, body


@pytest.mark.slow
@pytest.mark.skipif(
    postgres_unavailable_reason() is not None, reason=str(postgres_unavailable_reason())
)
def test_gunicorn_answers_503_while_postgresql_is_stopped_and_recovers_when_it_returns(tmp_path):
    with private_postgres() as database:
        env = {
            **{k: v for k, v in os.environ.items() if k not in {"DEBUG", "REDIS_URL"}},
            "DATABASE_URL": database.url,
            "SECRET_KEY": secrets.token_urlsafe(64),
            "ALLOWED_HOSTS": "127.0.0.1",
            "SECURE_SSL_REDIRECT": "0",
            "STATIC_MANIFEST": "0",
            "TASKS_BACKEND": "immediate",
        }
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
            cwd=ROOT,
            env=env,
            check=True,
            timeout=300,
        )
        port = free_port()
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "directory.wsgi",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "1",
                "--threads",
                "2",
                "--timeout",
                "30",
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=(tmp_path / "gunicorn.log").open("w"),
        )
        key = subprocess.run(
            [sys.executable, "manage.py", "create_partner_key", "Outage", "--scopes", "read"],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
            text=True,
            timeout=120,
        ).stdout.strip()
        api = {"Authorization": f"Bearer {key}"}
        try:
            wait_for_port(port)
            base = f"http://127.0.0.1:{port}"
            assert fetch(f"{base}/")[0] == 200
            assert fetch(f"{base}/api/v1/procedures/", api)[0] == 200

            database.stop()
            status, body = fetch(f"{base}/")
            assert status == 503
            assert "be right back" in body
            assert fetch(f"{base}/healthz")[0] == 503
            status, body = fetch(f"{base}/api/v1/procedures/", api)
            assert status == 503
            assert json.loads(body)["error"]["code"] == "service_unavailable"

            database.start()
            # The persistent connection is found broken and replaced: no restart needed.
            status, body = wait_for_status(f"{base}/", 200)
            assert status == 200, body
            assert "Find a practitioner you can trust" in body
            assert fetch(f"{base}/healthz")[0] == 200
            assert fetch(f"{base}/api/v1/procedures/", api)[0] == 200
        finally:
            server.terminate()
            server.wait(20)
