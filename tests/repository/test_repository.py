"""The repository stands alone: a person who clones it has everything its files refer to.

Fast checks of the tracked files. That every command the docs show works as written is
run in a fresh clone by tests/quickstart/ (marker ``quickstart``); this module checks the
list of commands it works from.
"""

import importlib.util
import re
import subprocess
from pathlib import Path

import pytest
from markdown_it import MarkdownIt
from mdit_py_plugins.anchors import anchors_plugin

from tests.repository.doc_commands import (
    COVERED_ELSEWHERE,
    LONG_RUNNING,
    ROOT,
    all_commands,
    documents,
    to_run,
)

pytestmark = pytest.mark.skipif(
    not (ROOT / ".git").exists(), reason="not a git checkout: the tracked files are unknown"
)

# Paths that only exist on a developer's machine. (System paths such as /usr/lib/… and
# documented examples such as /srv/directory/… are not this machine's.)
MACHINE_PATH = r"(^|[^\w.~-])/(work|home|root|Users|tmp)/"


def git(*args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=ROOT, capture_output=True, text=True, check=False
    ).stdout


def tracked_hits(pattern: str, *, fixed: bool = False) -> list[str]:
    """Lines of tracked files matching ``pattern``, except in .ci/ (CI's script may name
    the shared folder) and in this file, which spells the patterns out."""
    flags = ["-F"] if fixed else ["-E"]
    this_file = Path(__file__).relative_to(ROOT).as_posix()
    output = git("grep", "-n", "-I", *flags, "-e", pattern, "--", ".", ":!.ci/", f":!{this_file}")
    return [line for line in output.splitlines() if line]


def test_no_tracked_file_refers_to_the_shared_folder_beside_the_repository():
    # Spelled in two parts so that this check does not find itself.
    assert tracked_hits("../" + "shared", fixed=True) == []


def test_no_tracked_file_names_a_path_of_a_developers_machine():
    hits = tracked_hits(MACHINE_PATH) + tracked_hits(str(ROOT), fixed=True)
    assert hits == []


def test_no_generated_file_is_tracked():
    generated = re.compile(r"(\.egg-info/|__pycache__/|\.pyc$|^var/|^\.venv/|^build/)")
    assert [path for path in git("ls-files").splitlines() if generated.search(path)] == []


def _anchors(path: Path) -> set[str]:
    md = MarkdownIt("commonmark").enable("table").use(anchors_plugin, min_level=1, max_level=6)
    return {
        token.attrGet("id")
        for token in md.parse(path.read_text())
        if token.type == "heading_open" and token.attrGet("id")
    }


def _links(path: Path) -> list[str]:
    md = MarkdownIt("commonmark").enable("table")
    return [
        child.attrGet("href")
        for token in md.parse(path.read_text())
        if token.type == "inline"
        for child in token.children or []
        if child.type == "link_open"
    ]


@pytest.mark.parametrize("document", documents(), ids=lambda path: path.name)
def test_every_link_between_documents_leads_to_a_file_and_heading_of_the_repository(
    document,
):
    broken = []
    for href in _links(document):
        if re.match(r"^[a-z][a-z0-9+.-]*:", href) or href.startswith("/"):
            continue  # another site, or a path of the running site
        target, _, fragment = href.partition("#")
        path = (document.parent / target).resolve() if target else document
        if not path.exists() or ROOT not in path.parents:
            broken.append(f"{href}: no such file in the repository")
        elif fragment and path.suffix == ".md" and fragment not in _anchors(path):
            broken.append(f"{href}: {path.name} has no heading #{fragment}")
    assert broken == []


def test_every_command_listed_as_covered_elsewhere_is_still_in_the_docs():
    shown = {command.text for command in all_commands()}
    assert sorted(set(COVERED_ELSEWHERE) - shown) == []
    assert sorted(set(LONG_RUNNING) - shown) == []


def test_what_covers_a_command_instead_exists():
    missing = []
    for command, (where, reason) in COVERED_ELSEWHERE.items():
        assert reason, command
        exists = (ROOT / where).exists() or (
            "/" not in where and importlib.util.find_spec(where) is not None
        )
        if not exists:
            missing.append(f"{command}: {where}")
    assert missing == []


def test_the_commands_to_run_have_no_placeholder_left_to_fill():
    placeholder = re.compile(r"…|<[^>]*>|\[--|\b(NAME|FILE|PATH|N|M|S)\b")
    unfilled = [f"{c.where}: {c.text}" for c in to_run() if placeholder.search(c.text)]
    assert unfilled == []


def test_the_docs_show_the_commands_a_newcomer_needs():
    shown = {command.text for command in all_commands()}
    assert {"make run", "make test"} <= shown
    assert any(text.startswith("DEBUG=1 .venv/bin/python manage.py ") for text in shown)
