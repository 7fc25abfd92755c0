"""Web processes keep no state of their own: sign in on one, carry on on another.

Two gunicorn instances on two free loopback ports serve one database under production
settings (DEBUG off, one SECRET_KEY, sessions in the database or Redis). The database is
a SQLite file in a temporary directory, or — when DATABASE_URL names PostgreSQL — a
database called ``<that database's name>_scaling`` on the same server, created for the
test and dropped afterwards. Nothing here touches the pytest test database.
"""

import contextlib
import http.client
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pytest

ROOT = Path(__file__).resolve().parents[2]
EMAIL = "scaling@example.com"
PASSWORD = "correct horse battery staple 42"
DISPLAY_NAME = "Scaling Sam"

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def scaling_database(tmp_path: Path) -> Iterator[str]:
    """A DATABASE_URL for an empty database that lives only as long as the test."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        yield f"sqlite:///{tmp_path / 'scaling.sqlite3'}"
        return
    import psycopg

    parts = urlsplit(url)
    name = f"{parts.path.lstrip('/')}_scaling"
    admin_url = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield parts._replace(path=f"/{name}").geturl()
    finally:
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def manage(env: dict[str, str], *arguments: str) -> None:
    subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *arguments],
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
        timeout=300,
    )


@contextlib.contextmanager
def gunicorn(env: dict[str, str], port: int, log: Path) -> Iterator[int]:
    server_env = {
        **env,
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": "1",
        "GUNICORN_THREADS": "1",
    }
    with log.open("w") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--config", str(ROOT / "gunicorn.conf.py")],
            env=server_env,
            cwd=ROOT,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, log.read_text()
            with contextlib.suppress(OSError):
                if request(port, "GET", "/healthz")[0] == 200:
                    break
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.2)
        yield port
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)


def request(
    port: int,
    method: str,
    path: str,
    *,
    cookies: dict[str, str] | None = None,
    form: dict[str, str] | None = None,
) -> tuple[int, dict[str, str], str]:
    """One HTTP request; returns status, the cookies it set, and the body."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {}
    if cookies:
        headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in cookies.items())
    body = None
    if form is not None:
        body = urlencode(form)
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    connection.request(method, path, body=body, headers=headers)
    response = connection.getresponse()
    jar = SimpleCookie()
    for header in response.headers.get_all("Set-Cookie") or []:
        jar.load(header)
    text = response.read().decode()
    connection.close()
    return response.status, {name: morsel.value for name, morsel in jar.items()}, text


def csrf_field(html: str) -> str:
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    assert match, "the page has no CSRF field"
    return match.group(1)


def test_a_visitor_signed_in_on_one_process_carries_on_on_another(tmp_path):
    with scaling_database(tmp_path) as database_url:
        env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "DEBUG": "0",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": "127.0.0.1",
            # Plain HTTP on loopback: cookies cannot be Secure-only, nothing to redirect to.
            "SECURE_SSL_REDIRECT": "0",
            "SECURE_COOKIES": "0",
            "STATIC_MANIFEST": "0",
            "CACHE_KEY_PREFIX": f"scaling-{secrets.token_hex(4)}",
        }
        manage(env, "migrate", "--noinput")
        manage(
            env,
            "shell",
            "-c",
            "from django.utils import timezone; from kernel.models import User; "
            f"User.objects.create_user({EMAIL!r}, {PASSWORD!r}, display_name={DISPLAY_NAME!r}, "
            "email_verified_at=timezone.now())",
        )
        with (
            gunicorn(env, free_port(), tmp_path / "a.log") as first,
            gunicorn(env, free_port(), tmp_path / "b.log") as second,
        ):
            status, cookies, page = request(first, "GET", "/accounts/login/")
            assert status == 200
            status, signed_in, _ = request(
                first,
                "POST",
                "/accounts/login/",
                cookies=cookies,
                form={
                    "username": EMAIL,
                    "password": PASSWORD,
                    "csrfmiddlewaretoken": csrf_field(page),
                },
            )
            assert status == 302, "the sign-in on the first process failed"
            cookies |= signed_in
            assert "sessionid" in cookies

            status, _, home = request(second, "GET", "/", cookies=cookies)
            assert status == 200
            assert f"Sign out ({DISPLAY_NAME})" in home

            # Signing out on the second process ends the session for the first one too.
            status, _, _ = request(
                second,
                "POST",
                "/accounts/logout/",
                cookies=cookies,
                form={"csrfmiddlewaretoken": csrf_field(home)},
            )
            assert status == 302
            status, _, home_again = request(first, "GET", "/", cookies=cookies)
            assert status == 200
            assert DISPLAY_NAME not in home_again
            assert "Sign in" in home_again
