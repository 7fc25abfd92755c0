"""Every command the documentation shows, and how the tests account for each one.

A command is a line of a ``sh``/``bash``/``shell``/``console`` code block (continuation
lines and quoted newlines joined, comments dropped), or an inline code span that starts
like a command (``make``, ``python manage.py``, ``DEBUG=1``, ``.venv/bin/``, ``bash``,
``pip install``) in README.md, SECURITY.md or docs/*.md. An inline span with an ellipsis
in it is a pattern ("``python manage.py`` followed by the command"), not a command.

Each one must be either run by tests/quickstart/ exactly as written, in a fresh clone of
the repository where ``make run`` has just been run, or listed in ``COVERED_ELSEWHERE``
with the reason it is not run there and what covers it instead. The docs use two
contexts, and the commands are run in the one they are written for:

- in the checkout: a shell in the clone with nothing set (``make lint``,
  ``DEBUG=1 .venv/bin/python manage.py …``);
- in production: commands written ``python manage.py …``, ``pip …`` or ``gunicorn`` run
  in the site's virtual environment with the production variables set (README,
  "Production"). The test activates the clone's ``.venv`` and sets those variables, with a
  SQLite file in place of PostgreSQL.
"""

import re
import shlex
from dataclasses import dataclass
from pathlib import Path

from markdown_it import MarkdownIt

ROOT = Path(__file__).resolve().parents[2]
SHELL_FENCES = {"sh", "bash", "shell", "console"}
INLINE_COMMAND = re.compile(
    r"^(make |python manage\.py |DEBUG=1 |\.venv/bin/|bash |pip install)", re.ASCII
)
PRODUCTION_COMMAND = re.compile(r"^(python |pip |gunicorn\b)")

# Commands that keep running: what they print once they are up. The test waits for it,
# then stops them as Ctrl-C would.
LONG_RUNNING = {
    "make worker": r"Starting worker",
    "python manage.py db_worker --queue-name '*'": r"Starting worker",
    "python manage.py db_worker": r"Starting worker",
    "gunicorn": r"Listening at: http://127\.0\.0\.1:",
}

_QUICKSTART = "tests/quickstart/test_quickstart.py"
_PARTNER_REQUEST = (
    "a partner's request to the directory's address (directory.example stands for it); "
    "tests/api/ sends the same requests"
)
_BENCHMARK = (
    "the benchmark seeds 1M reviews and loads the site for many minutes: it is run by hand "
    "(docs/performance.md); bench/tests/ tests its parts"
)
_FHIR_TESTS = "fhir_api/tests"
_FHIR_REQUEST = (
    "a request to the demo make run serves on port 8000 with the key docs/fhir.md makes (the "
    "quick-start test serves on a free port); fhir_api/tests/ sends the same requests"
)
_BACKUP = (
    "a PostgreSQL backup and restore: tests/backup/test_backup_restore.py does it with the "
    "same options on CI's PostgreSQL pass"
)

COVERED_ELSEWHERE: dict[str, tuple[str, str]] = {
    # command: (what runs or tests it instead, why this test does not run it as written)
    "make run": (_QUICKSTART, "the quick-start test runs make run on a free port (PORT=…)"),
    "make run PORT=8077": (_QUICKSTART, "run with a free port instead of 8077"),
    "make run PYTHON=python3.12": (_QUICKSTART, "the same target, with the default python3"),
    "make test": (".ci/run", "CI runs it on every submission, on SQLite"),
    "DATABASE_URL=postgres://postgres@127.0.0.1:5432/test "
    "REDIS_URL=redis://127.0.0.1:6379/0 make test": (
        ".ci/run",
        "CI runs it against its PostgreSQL and Redis (less the quick-start test, which "
        "serves SQLite and ran on the first pass)",
    ),
    "bash .ci/run": (".ci/run", "it is CI itself"),
    'python manage.py reset_second_factor person@example.org --by "ticket 1234, checked by '
    'phone by J. Admin"': (
        "directory/tests/test_second_factor.py",
        "it resets a real staff member's authenticator: the test runs it against an account "
        "it made, and checks the audit entry",
    ),
    "make clean": (_QUICKSTART, "run last in the clone, since it deletes .venv"),
    "make loadcheck": (".ci/run", "CI runs it for 10 s at 32 connections"),
    "make bench": ("bench/tests", _BENCHMARK),
    "make bench DB=sqlite": ("bench/tests", _BENCHMARK),
    'make bench BENCH_ARGS="--duration 20 --workers 3"': ("bench/tests", _BENCHMARK),
    "createdb -h 127.0.0.1 -U postgres bench": ("bench/tests", _BENCHMARK),
    "DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench "
    "REDIS_URL=redis://127.0.0.1:6379/7 make bench": ("bench/tests", _BENCHMARK),
    "python manage.py rqworker default email webhooks scheduled": (
        "directory/tests/test_devserver.py",
        "needs a Redis server and TASKS_BACKEND=rq, which the tests do not run; only the "
        "worker's command line is tested",
    ),
    "DEBUG=1 .venv/bin/python manage.py makemessages -l en_GB --no-location --ignore=.venv "
    "--ignore=var --ignore=bench --ignore=tests --ignore='*/tests/*'": (
        "directory/tests/test_localisation.py",
        "needs GNU gettext, which a fresh machine may lack, and stamps the catalog with the "
        "time it ran; the tests check that the committed catalog compiles to the committed .mo",
    ),
    "DEBUG=1 .venv/bin/python manage.py createsuperuser": (
        "django.contrib.auth",
        "Django's own command; it asks for an address and a password at the terminal",
    ),
    'python manage.py create_webhook "Acme Booking" https://acme.example/hooks': (
        "tests/api/test_keys_and_admin.py",
        "the URL must resolve to a public address, and the tests have no DNS",
    ),
    "python manage.py revoke_partner_key pdk_1a2b3c4d": (
        "tests/api/test_keys_and_admin.py",
        "needs the prefix of an existing key; the API tests revoke one",
    ),
    'python manage.py import_license_registry roster.csv --authority "Texas Board of Nursing" '
    "[--dry-run] [--list-limit N]": (
        "practitioners/tests/test_registry.py",
        "needs a licence board's roster file; the registry tests import several",
    ),
    'curl -H "Authorization: Bearer $KEY" https://directory.example/api/v1/procedures/': (
        "tests/api/test_practitioners.py",
        _PARTNER_REQUEST,
    ),
    'curl -H "Authorization: Bearer $KEY" "https://directory.example/api/v1/practitioners/'
    '?verified=1&near=Austin&radius_km=40&no_severe=1&sort=distance"': (
        "tests/api/test_practitioners.py",
        _PARTNER_REQUEST,
    ),
    'curl -X POST -H "Authorization: Bearer $KEY" -H "Content-Type: application/json" '
    '-H "Idempotency-Key: booking-98765" -d \'{"practitioner": 42, "procedure": '
    '"microneedling", "email": "patient@example.com", "treatment_date": "2026-11-02"}\' '
    "https://directory.example/api/v1/review-invitations/": (
        "tests/api/test_invitations.py",
        _PARTNER_REQUEST,
    ),
    'curl -X POST -H "Authorization: Bearer $KEY" -H "Content-Type: application/json" '
    '-d \'{"url": "https://acme.example/hooks/directory", "events": ["review.published"]}\' '
    "https://directory.example/api/v1/webhooks/": ("tests/api/test_webhooks.py", _PARTNER_REQUEST),
    'pg_dump --format=custom --no-owner --file=directory-$(date +%F).dump "$DATABASE_URL"': (
        "tests/backup/test_backup_restore.py",
        _BACKUP,
    ),
    "createdb directory_restored": ("tests/backup/test_backup_restore.py", _BACKUP),
    "pg_restore --no-owner --exit-on-error --dbname=directory_restored directory-2026-11-21.dump": (
        "tests/backup/test_backup_restore.py",
        _BACKUP,
    ),
    "DATABASE_URL=postgres://…/directory_restored python manage.py verify_summaries": (
        "tests/backup/test_backup_restore.py",
        _BACKUP,
    ),
    "DATABASE_URL=postgres://…/directory_restored python manage.py erase_accounts "
    "--from-record 123 456": ("tests/backup/test_backup_restore.py", _BACKUP),
    "export DEBUG=0 SECRET_KEY=… ALLOWED_HOSTS=directory.example.org "
    "DATABASE_URL=postgres://… REDIS_URL=redis://…/0 SECURE_PROXY_SSL_HEADER_ENABLED=1": (
        _QUICKSTART,
        "sets the production variables (the … are the operator's own values); the "
        "production commands are run with such variables",
    ),
    # docs/fhir.md: requests to make run's demo.
    "curl http://127.0.0.1:8000/fhir/r4/metadata": (_FHIR_TESTS, _FHIR_REQUEST),
    'curl -H "Authorization: Bearer $KEY" http://127.0.0.1:8000/fhir/r4/Practitioner/1': (
        _FHIR_TESTS,
        _FHIR_REQUEST,
    ),
    ('curl -H "Authorization: Bearer $KEY" http://127.0.0.1:8000/fhir/r4/PractitionerRole/1'): (
        _FHIR_TESTS,
        _FHIR_REQUEST,
    ),
    (
        'curl -H "Authorization: Bearer $KEY" '
        '"http://127.0.0.1:8000/fhir/r4/Practitioner?name=dana"'
    ): (_FHIR_TESTS, _FHIR_REQUEST),
    (
        'curl -H "Authorization: Bearer $KEY" "http://127.0.0.1:8000/fhir/r4/Practitioner?ide'
        'ntifier=http://hl7.org/fhir/sid/us-npi|2722408749"'
    ): (_FHIR_TESTS, _FHIR_REQUEST),
    (
        'curl -H "Authorization: Bearer $KEY" "http://127.0.0.1:8000/fhir/r4/PractitionerRole'
        "?specialty=microneedling&location.address-state=TX&_include=PractitionerRole:practit"
        'ioner"'
    ): (_FHIR_TESTS, _FHIR_REQUEST),
    (
        'curl -H "Authorization: Bearer $KEY" '
        '"http://127.0.0.1:8000/fhir/r4/Location?near=30.27|-97.74|25|km"'
    ): (_FHIR_TESTS, _FHIR_REQUEST),
    (
        'curl -H "Authorization: Bearer $KEY" '
        '"http://127.0.0.1:8000/fhir/r4/VerificationResult?target=Practitioner/1"'
    ): (_FHIR_TESTS, _FHIR_REQUEST),
    (
        'curl -H "Authorization: Bearer $KEY" "http://127.0.0.1:8000/fhir/r4/Practitioner?_id'
        '=1&_revinclude=VerificationResult:target&_revinclude=PractitionerRole:practitioner"'
    ): (_FHIR_TESTS, _FHIR_REQUEST),
    (
        'curl -H "Authorization: Bearer $KEY" '
        '"http://127.0.0.1:8000/fhir/r4/Practitioner?_lastUpdated=ge2020-01-01&_count=5"'
    ): (_FHIR_TESTS, _FHIR_REQUEST),
    (
        'curl -H "Authorization: Bearer $KEY" "http://127.0.0.1:8000/fhir/r4/PractitionerRole'
        '?specialty=microneedling&_total=accurate&_count=1"'
    ): (_FHIR_TESTS, _FHIR_REQUEST),
    (
        'curl -H "Authorization: Bearer $KEY" '
        '"http://127.0.0.1:8000/fhir/r4/Practitioner?_count=2&_cursor=2"'
    ): (_FHIR_TESTS, _FHIR_REQUEST),
    "curl http://127.0.0.1:8000/fhir/r4/StructureDefinition/safety-summary": (
        _FHIR_TESTS,
        _FHIR_REQUEST,
    ),
    (
        "export STATUS=$(curl -s -o /dev/null -w '%header{content-location}' -H "
        '"Authorization: Bearer $KEY" -H "Accept: application/fhir+json" -H "Prefer: '
        'respond-async" '
        "'http://127.0.0.1:8000/fhir/r4/$export?_type=Practitioner,VerificationResult')"
    ): (_FHIR_TESTS, _FHIR_REQUEST),
    'curl -i -H "Authorization: Bearer $KEY" "$STATUS"': (_FHIR_TESTS, _FHIR_REQUEST),
    (
        'curl -H "Authorization: Bearer $KEY" "$(curl -s -H "Authorization: Bearer $KEY" '
        '"$STATUS" | python3 -c \'import json, sys; '
        'print(json.load(sys.stdin)["output"][0]["url"])\')"'
    ): (_FHIR_TESTS, _FHIR_REQUEST),
    'curl -X DELETE -H "Authorization: Bearer $KEY" "$STATUS"': (_FHIR_TESTS, _FHIR_REQUEST),
    'curl -H "Authorization: Bearer $KEY" http://127.0.0.1:8000/fhir/r4/Patient': (
        _FHIR_TESTS,
        _FHIR_REQUEST,
    ),
}


@dataclass(frozen=True)
class Command:
    text: str  # as written, continuation lines joined, without its comment
    document: str  # relative to the repository root
    line: int  # 1-based

    @property
    def where(self) -> str:
        return f"{self.document}:{self.line}"

    @property
    def production(self) -> bool:
        return bool(PRODUCTION_COMMAND.match(self.text))


def documents(root: Path = ROOT) -> list[Path]:
    return [root / "README.md", root / "SECURITY.md", *sorted((root / "docs").glob("*.md"))]


def without_comment(line: str) -> str:
    """``line`` without a trailing shell comment (a ``#`` outside quotes, after a space)."""
    quote = None
    for index, char in enumerate(line):
        if quote:
            if char == quote:
                quote = None
        elif char in "'\"":
            quote = char
        elif char == "#" and (index == 0 or line[index - 1].isspace()):
            return line[:index].rstrip()
    return line.rstrip()


def _is_complete(text: str) -> bool:
    try:
        shlex.split(text)
    except ValueError:  # a quote is still open: the command goes on on the next line
        return False
    return True


def _block_commands(content: str, first_line: int) -> list[tuple[str, int]]:
    commands, pending, start = [], "", first_line
    for offset, raw in enumerate(content.splitlines()):
        line = raw.strip() if pending and not _is_complete(pending) else without_comment(raw)
        if not pending:
            start = first_line + offset
        if line.endswith("\\"):
            pending += line[:-1].strip() + " "
            continue
        pending += line.strip()
        if not _is_complete(pending):
            pending += " "
            continue
        text, pending = " ".join(pending.split()), ""
        if text:
            commands.append((text, start))
    return commands


def extract(path: Path, root: Path = ROOT) -> list[Command]:
    """The commands ``path`` shows, in order."""
    relative = str(path.relative_to(root))
    found: list[Command] = []
    for token in MarkdownIt("commonmark").enable("table").parse(path.read_text()):
        line = token.map[0] + 1 if token.map else 0
        if token.type == "fence" and token.info.strip().split(" ")[0] in SHELL_FENCES:
            for text, number in _block_commands(token.content, line + 1):
                found.append(Command(text, relative, number))
        elif token.type == "inline":
            for child in token.children or []:
                text = " ".join(child.content.split())
                if child.type == "code_inline" and INLINE_COMMAND.match(text) and "…" not in text:
                    found.append(Command(text, relative, line))
    return found


def all_commands(root: Path = ROOT) -> list[Command]:
    """Every command the documents of the checkout at ``root`` show."""
    return [command for path in documents(root) for command in extract(path, root)]


def to_run(root: Path = ROOT) -> list[Command]:
    """The commands the quick-start test runs: each distinct one once, in document order."""
    seen, commands = set(), []
    for command in all_commands(root):
        if command.text not in COVERED_ELSEWHERE and command.text not in seen:
            seen.add(command.text)
            commands.append(command)
    return commands
