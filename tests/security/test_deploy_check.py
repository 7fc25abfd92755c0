"""`manage.py check --deploy` is clean under the production settings, and only then."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def production_environment(**overrides: str) -> dict[str, str]:
    """What a production host sets: no DEBUG, a long random key, its hosts and an SMTP server."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key
        not in {
            "DEBUG",
            "SECURE_SSL_REDIRECT",
            "SECURE_COOKIES",
            "SECURE_HSTS_SECONDS",
            "STATIC_MANIFEST",
            "EMAIL_HOST",
            "DJANGO_SETTINGS_MODULE",
            # Browser tests set it for their own process; production never does.
            "DJANGO_ALLOW_ASYNC_UNSAFE",
        }
    }
    env.update(
        SECRET_KEY=secrets.token_urlsafe(64),
        ALLOWED_HOSTS="directory.example.org",
        EMAIL_HOST="smtp.example.org",
        DJANGO_SETTINGS_MODULE="directory.settings",
    )
    env.update(overrides)
    return {key: value for key, value in env.items() if value is not None}


def run_deploy_check(env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.slow
def test_the_deploy_check_reports_nothing_under_production_settings(tmp_path):
    # Against a database nothing has migrated yet, as on a new host before `migrate`.
    fresh = production_environment(DATABASE_URL=f"sqlite:///{tmp_path / 'new.sqlite3'}")
    result = run_deploy_check(fresh)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


@pytest.mark.slow
def test_the_deploy_check_notices_when_production_has_no_mail_server():
    """Without EMAIL_HOST e-mail goes to the console: password resets would never arrive."""
    env = production_environment()
    del env["EMAIL_HOST"]
    result = run_deploy_check(env)
    assert result.returncode != 0
    assert "mail.E001" in result.stderr


@pytest.mark.slow
def test_production_refuses_to_start_without_a_secret_key():
    env = production_environment()
    del env["SECRET_KEY"]
    result = run_deploy_check(env)
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr
