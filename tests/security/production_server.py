"""The site under production settings, served by gunicorn as ``gunicorn.conf.py`` sets it up.

``production_site`` makes a database of its own (a SQLite file in a temporary directory,
or — when DATABASE_URL names PostgreSQL — ``<that database>_<suffix>`` on the same server,
dropped afterwards), migrates it, and starts gunicorn on a free loopback port with DEBUG
off. With REDIS_URL set the server uses Redis too, under a key prefix of its own. Nothing
here touches the pytest test database.
"""

import contextlib
import http.client
import os
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from .private_servers import free_port

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Site:
    port: int
    env: dict[str, str]
    log: Path

    def manage(self, *arguments: str) -> str:
        """Run a management command against the site's database; return its output."""
        done = subprocess.run(
            [sys.executable, str(ROOT / "manage.py"), *arguments],
            env=self.env,
            cwd=ROOT,
            check=True,
            capture_output=True,
            text=True,
            timeout=300,
        )
        return done.stdout

    def request(
        self,
        method: str,
        target: str,
        *,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
        timeout: float = 60,
    ) -> tuple[int, dict[str, str], bytes]:
        """One HTTP request on a new connection; return status, headers and body."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            connection.putrequest(method, target, skip_accept_encoding=True)
            for name, value in (headers or {}).items():
                connection.putheader(name, value)
            if body is not None:
                connection.putheader("Content-Length", str(len(body)))
            connection.endheaders(body)
            response = connection.getresponse()
            return response.status, dict(response.getheaders()), response.read()
        finally:
            connection.close()


@contextlib.contextmanager
def scratch_database(tmp_path: Path, suffix: str) -> Iterator[str]:
    """A DATABASE_URL for an empty database that lives only as long as the test."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        yield f"sqlite:///{tmp_path / f'{suffix}.sqlite3'}"
        return
    import psycopg

    parts = urlsplit(url)
    name = f"{parts.path.lstrip('/')}_{suffix}"
    admin_url = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield parts._replace(path=f"/{name}").geturl()
    finally:
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextlib.contextmanager
def production_site(
    tmp_path: Path, *, suffix: str, extra_env: dict[str, str] | None = None
) -> Iterator[Site]:
    """Gunicorn serving a migrated, empty database under production settings."""
    with scratch_database(tmp_path, suffix) as database_url:
        env = {
            key: value
            for key, value in os.environ.items()
            if key not in {"DEBUG", "TASKS_BACKEND", "PAGE_CACHE_SECONDS"}
        }
        env |= {
            "DATABASE_URL": database_url,
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": "127.0.0.1",
            # Plain HTTP on loopback: nothing to redirect to, cookies cannot be Secure-only.
            "SECURE_SSL_REDIRECT": "0",
            "SECURE_COOKIES": "0",
            "STATIC_MANIFEST": "0",
            "EVIDENCE_ROOT": str(tmp_path / "evidence"),
            "CACHE_KEY_PREFIX": f"{suffix}-{secrets.token_hex(4)}",
            **(extra_env or {}),
        }
        port = free_port()
        env["GUNICORN_BIND"] = f"127.0.0.1:{port}"
        site = Site(port=port, env=env, log=tmp_path / f"{suffix}-gunicorn.log")
        site.manage("migrate", "--noinput", "-v", "0")
        with site.log.open("w") as output:
            process = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "--config", str(ROOT / "gunicorn.conf.py")],
                env=env,
                cwd=ROOT,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        try:
            deadline = time.monotonic() + 90
            while True:
                assert process.poll() is None, site.log.read_text()
                with contextlib.suppress(OSError):
                    if site.request("GET", "/healthz", timeout=5)[0] == 200:
                        break
                assert time.monotonic() < deadline, site.log.read_text()
                time.sleep(0.2)
            yield site
        finally:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)
