"""A backup is only a backup once it has been restored: pg_dump, pg_restore, compare.

Runs on PostgreSQL (CI's second pass). It seeds a small directory, dumps the test database
with ``pg_dump --format=custom`` exactly as SECURITY.md tells operators to, restores the
dump into a new database with ``pg_restore``, and compares every table's row count and a
few facts that only survive if constraints and sequences came back too.
"""

import os
import shutil
import subprocess
import uuid

import psycopg
import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not settings.IS_POSTGRES, reason="backups are pg_dump of PostgreSQL"),
    pytest.mark.skipif(shutil.which("pg_dump") is None, reason="pg_dump is not installed"),
]


def libpq_environment() -> dict[str, str]:
    db = connection.settings_dict
    env = dict(os.environ)
    env.update(
        PGHOST=db["HOST"] or "127.0.0.1",
        PGPORT=str(db["PORT"] or 5432),
        PGUSER=db["USER"] or "postgres",
    )
    if db["PASSWORD"]:
        env["PGPASSWORD"] = db["PASSWORD"]
    return env


def table_counts(conninfo: str) -> dict[str, int]:
    with psycopg.connect(conninfo, autocommit=True) as conn:
        tables = [
            row[0]
            for row in conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
            )
        ]
        return {
            table: conn.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]  # noqa: S608
            for table in tables
        }


def conninfo_for(name: str) -> str:
    env = libpq_environment()
    password = f" password={env['PGPASSWORD']}" if "PGPASSWORD" in env else ""
    return f"host={env['PGHOST']} port={env['PGPORT']} user={env['PGUSER']} dbname={name}{password}"


@pytest.mark.django_db(transaction=True)
def test_a_pg_dump_restores_into_a_new_database_with_every_row(tmp_path):
    call_command("seed_demo", practitioners=15, reviews=120, seed=3, verbosity=0)
    source = connection.settings_dict["NAME"]
    restored = f"restore_check_{uuid.uuid4().hex[:8]}"
    dump = tmp_path / "directory.dump"
    env = libpq_environment()

    subprocess.run(
        ["pg_dump", "--format=custom", "--no-owner", f"--file={dump}", source],
        env=env,
        check=True,
        timeout=300,
    )
    assert dump.stat().st_size > 0
    subprocess.run(["createdb", restored], env=env, check=True, timeout=60)
    try:
        subprocess.run(
            ["pg_restore", "--no-owner", "--exit-on-error", f"--dbname={restored}", str(dump)],
            env=env,
            check=True,
            timeout=300,
        )
        before = table_counts(conninfo_for(source))
        after = table_counts(conninfo_for(restored))
        assert after == before
        assert before["reviews_review"] >= 120
        assert before["practitioners_practitioner"] >= 15

        with psycopg.connect(conninfo_for(restored), autocommit=True) as conn:
            # Constraints came back: the database still refuses a rating of 6.
            with pytest.raises(psycopg.errors.CheckViolation):
                conn.execute(
                    "UPDATE reviews_review SET rating = 6 "
                    "WHERE id = (SELECT min(id) FROM reviews_review)"
                )
            # Sequences came back: a new row does not collide with a restored one.
            next_id = conn.execute(
                "SELECT nextval(pg_get_serial_sequence('reviews_review', 'id'))"
            ).fetchone()[0]
            highest = conn.execute("SELECT max(id) FROM reviews_review").fetchone()[0]
            assert next_id > highest
    finally:
        subprocess.run(["dropdb", "--if-exists", restored], env=env, check=False, timeout=60)
