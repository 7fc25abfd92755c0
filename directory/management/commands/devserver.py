"""``manage.py devserver [ADDR:PORT]``: the development server with a task worker beside it.

This is what ``make run`` serves with. It queues the daily jobs (``schedule_jobs``), then
runs ``runserver`` and the task worker of the configured backend as two child processes,
so the e-mails a visitor triggers (sign-up confirmation, password reset) are printed and
the daily expiry and purge jobs run. E-mailed links point at the address being served
unless ``SITE_URL`` is set.

Each child runs in its own process group, so a signal reaches the whole of it (the
autoreloaders of runserver and db_worker run the real work in a grandchild). Ctrl-C,
SIGTERM or SIGHUP stops both children and waits for them, and so does the death of this
command's parent (on Linux), so nothing is left running when ``make`` is stopped; if one
child stops by itself (the port is taken, say), the other is stopped too and the command
exits with the first one's status.
"""

import contextlib
import ctypes
import ctypes.util
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

DEFAULT_ADDRPORT = "127.0.0.1:8000"
# How long children get to finish after the stop signal before they are killed.
GRACE_SECONDS = 10
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


def worker_command(backend: str, *, reload: bool = True) -> list[str] | None:
    """The manage.py arguments that run a worker for ``TASKS_BACKEND``; None if it needs none.

    The database worker restarts on code changes under DEBUG, as runserver does, unless
    ``reload`` is off."""
    if backend == "database":
        return ["db_worker", "--queue-name", "*", *([] if reload else ["--no-reload"])]
    if backend == "rq":
        return ["rqworker", *settings.TASKS["default"]["QUEUES"]]
    return None  # "immediate": tasks run inside the web process


def split_addrport(addrport: str) -> tuple[str, str]:
    """``"127.0.0.1:8091"`` → ``("127.0.0.1", "8091")``; a bare port serves 127.0.0.1."""
    host, _, port = addrport.rpartition(":")
    host = host.strip("[]") or "127.0.0.1"
    if not port.isdigit() or not 0 < int(port) < 65536:
        raise CommandError(f"{addrport!r} is not an address and port like 127.0.0.1:8000.")
    return host, port


def site_url_for(host: str, port: str) -> str:
    """The address to put in e-mailed links when the site is served on ``host:port``."""
    if host in {"0.0.0.0", "::"}:  # noqa: S104 — every interface: loopback answers too
        host = "127.0.0.1"
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}"


def child_environment(environ: dict[str, str], host: str, port: str) -> dict[str, str]:
    """What the web server and the worker run with: ``environ``, plus the served address
    as ``SITE_URL`` unless one is set (both need it: pages render the e-mails they send,
    and the daily jobs the worker runs write links too)."""
    env = dict(environ)
    env.setdefault("SITE_URL", site_url_for(host, port))
    env.setdefault("PYTHONUNBUFFERED", "1")  # e-mails show up at once, even in a pipe
    return env


def stop_when_parent_dies() -> None:
    """Ask Linux for a SIGTERM when our parent exits (prctl PR_SET_PDEATHSIG); elsewhere a
    no-op. Without it, killing ``make`` alone would leave this command and its children."""
    if not sys.platform.startswith("linux"):
        return
    parent = os.getppid()
    libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
    pr_set_pdeathsig = 1
    libc.prctl(pr_set_pdeathsig, signal.SIGTERM)
    if os.getppid() != parent:  # the parent died before the request was made
        os.kill(os.getpid(), signal.SIGTERM)


class Supervisor:
    """Runs named commands side by side and stops all of them together."""

    def __init__(self, commands: dict[str, list[str]], env: dict[str, str]) -> None:
        self.commands = commands
        self.env = env
        self.children: dict[str, subprocess.Popen] = {}
        self.stop_requested: int | None = None

    def _request_stop(self, signum: int, frame) -> None:
        self.stop_requested = signum

    def run(self) -> int:
        previous = {sig: signal.signal(sig, self._request_stop) for sig in STOP_SIGNALS}
        try:
            for name, command in self.commands.items():
                self.children[name] = subprocess.Popen(  # noqa: S603 — our own manage.py
                    command, env=self.env, stdin=subprocess.DEVNULL, process_group=0
                )
            status = self._wait_for_first_exit()
        finally:
            self._stop_all()
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        return status

    def _wait_for_first_exit(self) -> int:
        while self.stop_requested is None:
            for name, child in self.children.items():
                if child.poll() is not None:
                    others = ", ".join(other for other in self.children if other != name)
                    sys.stderr.write(
                        f"The {name} stopped (exit status {child.returncode}); "
                        f"stopping the {others}.\n"
                    )
                    return child.returncode or 1
            time.sleep(0.2)
        return 0

    def _stop_all(self) -> None:
        # Ctrl-C interrupts; any other reason to stop is passed on as a termination.
        sig = signal.SIGINT if self.stop_requested == signal.SIGINT else signal.SIGTERM
        groups = [child.pid for child in self.children.values()]
        for group in groups:
            signal_group(group, sig)
        # Wait for every process of each group: an autoreloader's parent may exit at once
        # while the server or the task it ran is still finishing in the grandchild.
        deadline = time.monotonic() + GRACE_SECONDS
        while any(map(group_is_running, groups)) and time.monotonic() < deadline:
            for child in self.children.values():
                child.poll()  # reap a leader that has exited
            time.sleep(0.1)
        for group in groups:
            if group_is_running(group):
                signal_group(group, signal.SIGKILL)
        for child in self.children.values():
            child.wait()


def signal_group(group: int, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(group, sig)


def group_is_running(group: int) -> bool:
    """Whether any process of process group ``group`` is still running (zombies aside)."""
    proc = Path("/proc")
    if not proc.is_dir():
        try:
            os.killpg(group, 0)
        except ProcessLookupError:
            return False
        return True
    for stat in proc.glob("[0-9]*/stat"):
        try:
            state, _ppid, pgrp = stat.read_text().rsplit(")", 1)[1].split()[:3]
        except (OSError, IndexError):
            continue  # the process ended while we looked
        if int(pgrp) == group and state != "Z":
            return True
    return False


class Command(BaseCommand):
    help = (
        "Serve the site with runserver and run the task worker beside it (after queueing "
        "the daily jobs with schedule_jobs); Ctrl-C stops both. E-mailed links point at "
        "the address served unless SITE_URL is set. For development and the demo only."
    )
    requires_system_checks = []  # runserver runs them

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "addrport",
            nargs="?",
            default=DEFAULT_ADDRPORT,
            help=f"Address and port to serve on (default {DEFAULT_ADDRPORT}).",
        )
        parser.add_argument(
            "--noreload",
            action="store_true",
            help="Do not restart the server and the worker when a source file changes.",
        )

    def handle(self, *args, addrport: str, noreload: bool, **options) -> None:
        host, port = split_addrport(addrport)
        env = child_environment(dict(os.environ), host, port)
        manage = [sys.executable, str(settings.BASE_DIR / "manage.py")]
        commands = {"web server": [*manage, "runserver", addrport]}
        if noreload:
            commands["web server"].append("--noreload")
        worker = worker_command(settings.TASKS_BACKEND, reload=not noreload)
        if worker is not None:
            call_command("schedule_jobs", stdout=self.stdout, stderr=self.stderr)
            commands["task worker"] = [*manage, *worker]
            self.stdout.write(f"Task worker: manage.py {' '.join(worker)}")
        self.stdout.write(f"E-mailed links point at {env['SITE_URL']}")
        self.stdout.flush()
        stop_when_parent_dies()
        status = Supervisor(commands, env).run()
        if status:
            raise SystemExit(status)
