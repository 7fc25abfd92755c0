"""A fresh clone of the repository, served by ``make run`` as the README tells a newcomer.

The clone holds the working tree as it would be committed (tracked and new files, without
what .gitignore ignores), so the test checks what a person cloning the repository gets.
It installs its own ``.venv`` (pip's cache makes that a minute, not several) and runs with
an environment that has nothing of the test run's in it: no DATABASE_URL, no REDIS_URL,
no SECRET_KEY, as in a newcomer's shell.
"""

import contextlib
import os
import re
import signal
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
INSTALL_AND_START_SECONDS = 900
# What a newcomer's shell would pass on; everything else of the test run stays out.
PASSED_ON = ("HOME", "LANG", "LC_ALL", "TERM", "TMPDIR", "USER", "XDG_CACHE_HOME")
PASSED_ON_PREFIXES = ("PIP_", "PYENV", "UV_")


def newcomer_environment() -> dict[str, str]:
    env = {name: os.environ[name] for name in PASSED_ON if name in os.environ}
    env.update({k: v for k, v in os.environ.items() if k.startswith(PASSED_ON_PREFIXES)})
    # The test run's own virtual environment is not on a newcomer's PATH.
    path = [
        entry
        for entry in os.environ.get("PATH", "").split(os.pathsep)
        if entry and not Path(entry).resolve().is_relative_to(ROOT)
    ]
    env["PATH"] = os.pathsep.join(path)
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    return env


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def git(*args: str, cwd: Path = ROOT, env: dict[str, str] | None = None) -> str:
    result = subprocess.run(
        ["git", *args], cwd=cwd, env=env, capture_output=True, text=True, check=True
    )
    return result.stdout.strip()


def working_tree_commit(scratch: Path) -> str:
    """A commit of the working tree as ``git add -A`` would record it, made without touching
    the repository's index or branches (HEAD itself when nothing changed)."""
    env = {**os.environ, "GIT_INDEX_FILE": str(scratch / "quickstart-index")}
    git("read-tree", "HEAD", env=env)
    git("add", "-A", env=env)
    tree = git("write-tree", env=env)
    if tree == git("rev-parse", "HEAD^{tree}"):
        return git("rev-parse", "HEAD")
    return git(
        "-c",
        "user.name=quickstart",
        "-c",
        "user.email=quickstart@localhost",
        "commit-tree",
        tree,
        "-p",
        "HEAD",
        "-m",
        "The working tree, for the quick-start test",
        env=env,
    )


def session_processes(session: int) -> dict[int, str]:
    """The live processes of ``session`` (zombies aside): pid → command line."""
    found = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            cmdline = (stat.parent / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except (OSError, IndexError):
            continue
        if int(fields[3]) == session and fields[0] != "Z":
            found[int(stat.parent.name)] = cmdline.strip()
    return found


@dataclass
class Served:
    """``make run`` in a fresh clone: where it serves and what it has printed."""

    clone: Path
    port: int
    process: subprocess.Popen
    log: Path
    env: dict[str, str]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_for_output(self, pattern: str, seconds: float = 60) -> re.Match:
        deadline = time.monotonic() + seconds
        while True:
            if match := re.search(pattern, self.output()):
                return match
            if time.monotonic() > deadline or self.process.poll() is not None:
                raise AssertionError(
                    f"make run never printed {pattern!r}; it printed:\n{self.output()[-4000:]}"
                )
            time.sleep(0.2)

    def processes(self) -> dict[int, str]:
        return session_processes(self.process.pid)

    def press_ctrl_c(self, seconds: float = 60) -> int:
        """What Ctrl-C in the terminal does: SIGINT to the foreground process group."""
        os.killpg(self.process.pid, signal.SIGINT)
        return self.process.wait(timeout=seconds)

    def kill_everything(self) -> None:
        for pid in self.processes():
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        if self.process.poll() is None:
            self.process.wait(timeout=10)


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 — loopback
            return response.status == 200
    except OSError:
        return False


@pytest.fixture(scope="package")
def quickstart(tmp_path_factory) -> Iterator[Served]:
    scratch = tmp_path_factory.mktemp("quickstart")
    clone = scratch / "skin-practitioner-directory"
    commit = working_tree_commit(scratch)
    git("clone", "--quiet", "--no-checkout", str(ROOT), str(clone))
    git("checkout", "--quiet", "--detach", commit, cwd=clone)

    port = free_port()
    env = newcomer_environment()
    log = scratch / "make-run.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            ["make", "run", f"PORT={port}"],
            cwd=clone,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own session and group, as a shell job is
        )
    served = Served(clone=clone, port=port, process=process, log=log, env=env)
    try:
        deadline = time.monotonic() + INSTALL_AND_START_SECONDS
        while not _answers(f"{served.url}/healthz"):
            if process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"make run did not serve; it printed:\n{served.output()}")
            time.sleep(1)
        served.wait_for_output(r"Starting worker")
        yield served
    finally:
        if process.poll() is None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                served.press_ctrl_c()
        served.kill_everything()
