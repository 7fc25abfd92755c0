"""``manage.py devserver`` (what ``make run`` serves with): the address e-mailed links use,
the worker it starts, and how the two processes stop together.

The whole command, through ``make run`` in a fresh clone and stopped with Ctrl-C, is driven
by tests/quickstart/.
"""

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError

from directory.management.commands.devserver import (
    Supervisor,
    child_environment,
    site_url_for,
    split_addrport,
    worker_command,
)

# A child that behaves like runserver under its autoreloader: the work happens in a
# grandchild of the same process group. Both record how they ended.
CHILD = textwrap.dedent(
    """
    import os, signal, subprocess, sys, time
    from pathlib import Path

    out = Path(sys.argv[1])
    if len(sys.argv) > 2:  # the grandchild
        def stop(signum, frame):
            (out / f"{sys.argv[2]}.stopped").write_text(signal.Signals(signum).name)
            sys.exit(0)
        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        (out / f"{sys.argv[2]}.pid").write_text(str(os.getpid()))
        time.sleep(60)
        sys.exit(0)
    name = out.name
    grandchild = subprocess.Popen([sys.executable, __file__, str(out.parent), name])
    try:
        grandchild.wait()
    except KeyboardInterrupt:
        grandchild.wait()
    """
)


def test_links_point_at_the_address_served():
    assert site_url_for(*split_addrport("127.0.0.1:8091")) == "http://127.0.0.1:8091"
    assert site_url_for(*split_addrport("localhost:8000")) == "http://localhost:8000"
    assert site_url_for(*split_addrport("8092")) == "http://127.0.0.1:8092"
    # Listening on every interface: the link must still open on this machine.
    assert site_url_for(*split_addrport("0.0.0.0:8093")) == "http://127.0.0.1:8093"
    assert site_url_for(*split_addrport("[::1]:8094")) == "http://[::1]:8094"


def test_both_processes_get_the_served_address_unless_site_url_is_set():
    served = child_environment({"PATH": "/bin"}, "127.0.0.1", "8091")
    assert served["SITE_URL"] == "http://127.0.0.1:8091"
    assert served["PATH"] == "/bin"

    chosen = child_environment({"SITE_URL": "https://demo.example.org"}, "127.0.0.1", "8091")
    assert chosen["SITE_URL"] == "https://demo.example.org"


@pytest.mark.parametrize("addrport", ["127.0.0.1:http", "127.0.0.1:", "127.0.0.1:70000"])
def test_a_malformed_address_is_refused_with_an_example(addrport):
    with pytest.raises(CommandError, match=r"like 127\.0\.0\.1:8000"):
        split_addrport(addrport)


def test_the_worker_matches_the_task_backend():
    assert worker_command("database") == ["db_worker", "--queue-name", "*"]
    assert worker_command("database", reload=False) == [
        "db_worker",
        "--queue-name",
        "*",
        "--no-reload",
    ]
    assert worker_command("rq") == ["rqworker", "default", "email", "webhooks", "scheduled"]
    assert worker_command("immediate") is None


@pytest.fixture
def children(tmp_path):
    script = tmp_path / "child.py"
    script.write_text(CHILD)

    def command(name: str) -> list[str]:
        return [sys.executable, str(script), str(tmp_path / name)]

    return tmp_path, command


def wait_for(path: Path, seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while not path.exists():
        assert time.monotonic() < deadline, f"{path.name} never appeared"
        time.sleep(0.05)


def is_running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie is dead but not yet reaped by its parent.
    stat = Path(f"/proc/{pid}/stat")
    return not (stat.exists() and stat.read_text().rsplit(")", 1)[1].split()[0] == "Z")


def signal_when_started(directory: Path, names: list[str], signum: int) -> threading.Thread:
    """Send ``signum`` to this process, as Ctrl-C would, once every grandchild runs."""

    def send():
        for name in names:
            wait_for(directory / f"{name}.pid")
        os.kill(os.getpid(), signum)

    thread = threading.Thread(target=send, daemon=True)
    thread.start()
    return thread


@pytest.mark.parametrize(
    ("signum", "passed_on"),
    [(signal.SIGINT, "SIGINT"), (signal.SIGTERM, "SIGTERM"), (signal.SIGHUP, "SIGTERM")],
)
def test_stopping_the_command_stops_both_processes_and_what_they_started(
    children, signum, passed_on
):
    directory, command = children
    supervisor = Supervisor({"web": command("web"), "worker": command("worker")}, dict(os.environ))
    sender = signal_when_started(directory, ["web", "worker"], signum)

    status = supervisor.run()

    sender.join()
    assert status == 0
    for name in ("web", "worker"):
        assert (directory / f"{name}.stopped").read_text() == passed_on
        assert not is_running(int((directory / f"{name}.pid").read_text()))
    assert all(child.poll() is not None for child in supervisor.children.values())


def test_when_one_process_stops_by_itself_the_other_is_stopped_and_its_status_returned(
    children, capsys
):
    directory, command = children
    failing = [sys.executable, "-c", "import time, sys; time.sleep(1); sys.exit(3)"]
    supervisor = Supervisor({"web server": failing, "task worker": command("worker")}, {})

    status = supervisor.run()

    assert status == 3
    assert (directory / "worker.stopped").read_text() == "SIGTERM"
    assert not is_running(int((directory / "worker.pid").read_text()))
    assert "The web server stopped (exit status 3); stopping the task worker." in (
        capsys.readouterr().err
    )


def test_a_process_that_ignores_the_signal_is_killed_after_the_grace_period(children, monkeypatch):
    monkeypatch.setattr("directory.management.commands.devserver.GRACE_SECONDS", 1)
    directory, _ = children
    stubborn = [
        sys.executable,
        "-c",
        "import os, signal, sys, time; from pathlib import Path; "
        "signal.signal(signal.SIGTERM, signal.SIG_IGN); "
        "signal.signal(signal.SIGINT, signal.SIG_IGN); "
        f"Path({str(directory / 'stubborn.pid')!r}).write_text(str(os.getpid())); time.sleep(60)",
    ]
    supervisor = Supervisor({"worker": stubborn}, {})
    sender = signal_when_started(directory, ["stubborn"], signal.SIGTERM)
    started = time.monotonic()

    supervisor.run()

    sender.join()
    assert time.monotonic() - started < 15
    assert supervisor.children["worker"].returncode == -signal.SIGKILL


def test_the_command_stops_when_whatever_started_it_is_killed(tmp_path):
    """``make`` killed on its own (SIGKILL, say) must not leave the command running."""
    marker = tmp_path / "command.pid"
    command = (
        "import os, time; from pathlib import Path; "
        "from directory.management.commands.devserver import stop_when_parent_dies; "
        f"stop_when_parent_dies(); Path({str(marker)!r}).write_text(str(os.getpid())); "
        "time.sleep(60)"
    )
    parent = subprocess.Popen(
        ["bash", "-c", f'"{sys.executable}" -c "$0" & wait', command],
        cwd=settings.BASE_DIR,
        start_new_session=True,
    )
    wait_for(marker)
    pid = int(marker.read_text())

    os.kill(parent.pid, signal.SIGKILL)
    parent.wait()

    deadline = time.monotonic() + 10
    while is_running(pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not is_running(pid)
