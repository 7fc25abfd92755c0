"""Gunicorn for the benchmark: start it on a loopback port, stop it, and weigh its workers."""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port(candidates: range | None = None) -> int:
    """A loopback port nothing listens on: the first free one of ``candidates``, else any."""
    for port in candidates or [0]:
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return sock.getsockname()[1]
    raise SystemExit(f"No free port in {candidates.start}-{candidates.stop - 1}")


def start(env: dict[str, str], port: int, log_path: Path) -> subprocess.Popen:
    """Gunicorn as ``gunicorn.conf.py`` configures it, bound to ``port``, once it answers."""
    server_env = dict(env, GUNICORN_BIND=f"127.0.0.1:{port}")
    log = log_path.open("w")
    process = subprocess.Popen(  # noqa: S603 — fixed command
        [sys.executable, "-m", "gunicorn", "--config", str(ROOT / "gunicorn.conf.py")],
        env=server_env,
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"gunicorn exited with {process.returncode}; see {log_path}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as answer:
                if answer.status == 200:
                    return process
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.25)
    stop(process)
    raise SystemExit(f"gunicorn did not answer /healthz within 60 s; see {log_path}")


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def _parent_pid(pid: int) -> int | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The command name is in parentheses and may hold spaces: the fields follow the last ")".
    return int(stat.rsplit(")", 1)[1].split()[1])


def _kilobytes(path: Path, field: str) -> int | None:
    try:
        for line in path.read_text().splitlines():
            if line.startswith(f"{field}:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def workers(process: subprocess.Popen) -> list[int]:
    """The gunicorn master's worker processes (Linux: read from /proc)."""
    proc = Path("/proc")
    if not proc.is_dir():
        return []
    return sorted(
        int(entry.name)
        for entry in proc.iterdir()
        if entry.name.isdigit() and _parent_pid(int(entry.name)) == process.pid
    )


def worker_memory(process: subprocess.Popen) -> list[dict]:
    """Each worker's resident size (RSS) and proportional share (PSS, shared pages split).

    Workers fork from a master that preloaded the application, so part of each RSS is
    shared with the master and the other workers; PSS counts a shared page once in all.
    """
    measured = []
    for pid in workers(process):
        rss = _kilobytes(Path(f"/proc/{pid}/status"), "VmRSS")
        pss = _kilobytes(Path(f"/proc/{pid}/smaps_rollup"), "Pss")
        if rss is None:
            continue
        measured.append(
            {
                "pid": pid,
                "rss_mb": round(rss / 1024, 1),
                "pss_mb": None if pss is None else round(pss / 1024, 1),
            }
        )
    return measured
