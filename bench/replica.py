"""A real streaming read replica for the scale-out run: a second PostgreSQL cluster.

``python -m bench --replica`` makes one under ``var/bench/replica`` with
``pg_basebackup -R`` from the server at ``DATABASE_URL`` (a copy of the whole cluster,
set up as a hot standby streaming from it), starts it on ``--replica-port`` (5433), and
serves the site with ``DATABASE_REPLICA_URL`` pointing at it; it is stopped at the end
(``--keep-replica`` leaves it running). A later run reuses the directory if the replica
can start and catch up, and makes it again if not.

Needs the PostgreSQL server binaries (``pg_basebackup``, ``pg_ctl``) of the primary's major
version, and a ``replication`` entry for 127.0.0.1 in the primary's ``pg_hba.conf``. When
run as root, the cluster is owned and run by the ``postgres`` user, as PostgreSQL refuses
to run as root.

``stats`` reads what a database served — transactions, rows fetched, buffer reads and
index scans — so the harness can show the replica did serve the reads.
"""

import os
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg

ROOT = Path(__file__).resolve().parent.parent
REPLICA_DIR = ROOT / "var" / "bench" / "replica"
# Settings a hot standby must hold at least as high as its primary.
MATCHED_SETTINGS = (
    "max_connections",
    "max_worker_processes",
    "max_wal_senders",
    "max_prepared_transactions",
    "max_locks_per_transaction",
)


# Seconds a reused replica gets to catch up before it is made again.
REUSE_TIMEOUT = 30


class ReplicaError(RuntimeError):
    pass


def _connect(url: str) -> psycopg.Connection:
    return psycopg.connect(url, autocommit=True, connect_timeout=5)


def with_port(url: str, port: int) -> str:
    """The same database URL on another port of the same host."""
    parts = urlsplit(url)
    host = parts.hostname or "127.0.0.1"
    credentials = parts.netloc.rpartition("@")[0]
    netloc = f"{credentials}@{host}:{port}" if credentials else f"{host}:{port}"
    return urlunsplit(parts._replace(netloc=netloc))


def _binaries(primary_url: str) -> Path:
    """Where the server binaries of the primary's major version are."""
    with _connect(primary_url) as connection:
        version = int(connection.execute("SHOW server_version_num").fetchone()[0])
    major = version // 10000
    for candidate in (Path(f"/usr/lib/postgresql/{major}/bin"), Path(f"/usr/pgsql-{major}/bin")):
        if (candidate / "pg_ctl").exists():
            return candidate
    found = shutil.which("pg_ctl")
    if found:
        return Path(found).parent
    raise ReplicaError(f"No PostgreSQL {major} server binaries (pg_ctl) found")


@dataclass
class Replica:
    primary_url: str
    port: int = 5433
    directory: Path = REPLICA_DIR

    @property
    def url(self) -> str:
        return with_port(self.primary_url, self.port)

    @property
    def log_path(self) -> Path:
        return self.directory.parent / "replica.log"

    def _run(self, *command: str, check: bool = True) -> subprocess.CompletedProcess:
        # PostgreSQL will not run as root: act as the postgres user then.
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        completed = subprocess.run(  # noqa: S603 — fixed commands built here
            [*prefix, *command], capture_output=True, text=True, check=False
        )
        if check and completed.returncode != 0:
            raise ReplicaError(
                f"{Path(command[0]).name} failed ({completed.returncode}): "
                f"{(completed.stderr or completed.stdout).strip()}"
            )
        return completed

    def _pg(self, program: str) -> str:
        return str(_binaries(self.primary_url) / program)

    def create(self) -> float:
        """Copy the primary with ``pg_basebackup -R``; the seconds it took."""
        if self.directory.exists():
            self.stop()
            shutil.rmtree(self.directory)
        self.directory.mkdir(parents=True)
        self.directory.chmod(0o700)
        if os.geteuid() == 0:
            shutil.chown(self.directory, "postgres", "postgres")
            self.log_path.touch()
            shutil.chown(self.log_path, "postgres", "postgres")
        parts = urlsplit(self.primary_url)
        started = time.monotonic()
        try:
            self._run(
                self._pg("pg_basebackup"),
                f"--host={parts.hostname or '127.0.0.1'}",
                f"--port={parts.port or 5432}",
                f"--username={parts.username or 'postgres'}",
                f"--pgdata={self.directory}",
                "--write-recovery-conf",
                "--wal-method=stream",
                "--checkpoint=fast",
                "--no-password",
            )
        except ReplicaError as error:
            raise ReplicaError(
                f"{error}\nThe primary must accept replication connections from 127.0.0.1: "
                "add `host replication all 127.0.0.1/32 trust` (or your auth method) to its "
                "pg_hba.conf and reload it (SELECT pg_reload_conf())."
            ) from None
        self._configure()
        return round(time.monotonic() - started, 1)

    def _configure(self) -> None:
        """Its own postgresql.conf and pg_hba.conf (Debian keeps the primary's under /etc)."""
        with _connect(self.primary_url) as connection:
            matched = {
                name: connection.execute(f"SHOW {name}").fetchone()[0]  # names are constants
                for name in MATCHED_SETTINGS
            }
            shared_buffers = connection.execute("SHOW shared_buffers").fetchone()[0]
        lines = [
            f"port = {self.port}",
            "listen_addresses = '127.0.0.1'",
            "unix_socket_directories = ''",
            "hot_standby = on",
            f"shared_buffers = '{shared_buffers}'",
            *(f"{name} = {value}" for name, value in matched.items()),
            "logging_collector = off",
        ]
        files = {
            "postgresql.conf": "\n".join(lines) + "\n",
            "pg_hba.conf": "host all all 127.0.0.1/32 trust\n"
            "host replication all 127.0.0.1/32 trust\n",
            "pg_ident.conf": "",
        }
        for name, text in files.items():
            path = self.directory / name
            path.write_text(text)
            if os.geteuid() == 0:
                shutil.chown(path, "postgres", "postgres")

    def is_running(self) -> bool:
        if not (self.directory / "PG_VERSION").exists():
            return False
        status = self._run(self._pg("pg_ctl"), "status", f"--pgdata={self.directory}", check=False)
        return status.returncode == 0

    def start(self) -> None:
        if self.is_running():
            return
        self._run(
            self._pg("pg_ctl"),
            "start",
            f"--pgdata={self.directory}",
            f"--log={self.log_path}",
            "--wait",
            "--timeout=120",
        )

    def stop(self) -> None:
        if self.is_running():
            self._run(
                self._pg("pg_ctl"), "stop", f"--pgdata={self.directory}", "--mode=fast", "--wait"
            )

    def ensure(self) -> dict:
        """A running replica that has caught up: reused if it can, made again if not."""
        made_in = None
        if (self.directory / "PG_VERSION").exists():
            try:
                self.start()
                # A replica stopped for long needs WAL the primary may have recycled; making
                # it again (a base backup) is then quicker than waiting.
                self.wait_caught_up(timeout=REUSE_TIMEOUT)
            except ReplicaError:
                made_in = self.create()
        else:
            made_in = self.create()
        if made_in is not None:
            self.start()
            self.wait_caught_up()
        return {"created": made_in is not None, "basebackup_seconds": made_in}

    def wait_caught_up(self, timeout: float = 120) -> float:
        """Wait until the replica has replayed the primary's WAL up to now; the lag in bytes
        left when it is streaming and caught up (0 in practice)."""
        with _connect(self.primary_url) as primary:
            target = primary.execute("SELECT pg_current_wal_lsn()").fetchone()[0]
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                with _connect(self.url) as replica:
                    in_recovery, behind = replica.execute(
                        "SELECT pg_is_in_recovery(), "
                        "pg_wal_lsn_diff(%s::pg_lsn, pg_last_wal_replay_lsn())",
                        [target],
                    ).fetchone()
            except psycopg.OperationalError:
                time.sleep(1)
                continue
            if not in_recovery:
                raise ReplicaError("the replica is not in recovery: it is not a standby")
            if behind is not None and behind <= 0:
                return 0.0
            time.sleep(0.5)
        raise ReplicaError(f"the replica did not catch up within {timeout:.0f} s")

    def streaming(self) -> dict | None:
        """The primary's view of this replica's replication connection."""
        with _connect(self.primary_url) as primary:
            row = primary.execute(
                "SELECT state, sync_state, pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn) "
                "FROM pg_stat_replication WHERE client_addr = '127.0.0.1' LIMIT 1"
            ).fetchone()
        if row is None:
            return None
        return {"state": row[0], "sync_state": row[1], "replay_lag_bytes": int(row[2] or 0)}


# A busy backend publishes its statistics once idle, up to 10 s later (PostgreSQL 15's
# PGSTAT_IDLE_INTERVAL): wait that long before reading counters after a load.
STATS_SETTLE_SECONDS = 11


def settled_stats(*urls: str) -> list[dict]:
    """``stats`` of each database once the counters of the load just run are published."""
    time.sleep(STATS_SETTLE_SECONDS)
    return [stats(url) for url in urls]


def stats(url: str) -> dict:
    """What the database at ``url`` has served so far: its counters since the last reset."""
    with _connect(url) as connection:
        database = connection.execute(
            "SELECT xact_commit, tup_returned, tup_fetched, blks_hit, blks_read "
            "FROM pg_stat_database WHERE datname = current_database()"
        ).fetchone()
        tables = connection.execute(
            "SELECT coalesce(sum(seq_scan), 0), coalesce(sum(idx_scan), 0), "
            "coalesce(sum(idx_tup_fetch), 0) FROM pg_stat_user_tables"
        ).fetchone()
    names = ("transactions", "rows_returned", "rows_fetched", "buffer_hits", "buffer_reads")
    counters = dict(zip(names, (int(value) for value in database), strict=True))
    counters.update(
        zip(("seq_scans", "index_scans", "index_rows_fetched"), map(int, tables), strict=True)
    )
    return counters


def difference(before: dict, after: dict) -> dict:
    return {name: after[name] - before[name] for name in before}
