"""Importing a licence board's roster (``manage.py import_license_registry``).

The file is read twice and never held in memory: the first pass validates every row and
stops the import if any is malformed (so a bad file changes nothing), the second applies
it in chunks inside one transaction. A licence is touched only when its number, the
authority and the practitioner's name all match; mismatched names and numbers nobody
holds are reported with their line numbers, never guessed. Each change goes through
``services.attestation_apply_registry``, so it is recorded like any staff decision, and
re-importing the same file changes and records nothing.

A roster is untrusted text. A cell that a spreadsheet would run as a formula (it starts
with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return) or that holds a control
character makes its row malformed, so nothing of the kind is stored or published; and
everything the import prints passes through ``terminal_safe`` so a cell cannot send
escape sequences to the operator's terminal.
"""

import csv
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from itertools import islice
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from practitioners import services
from practitioners.credentials import kind_codes
from practitioners.models import Attestation, AttestationStatus, Standing

REQUIRED_COLUMNS = (
    "license_number",
    "first_name",
    "last_name",
    "license_type",
    "status",
    "issue_date",
    "expiration_date",
)
CHUNK_SIZE = 1000
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
LIVE = (AttestationStatus.PENDING, AttestationStatus.VERIFIED)
# What a roster lists: the kinds that are entries on an authority's register (the licence).
REGISTER_KINDS = kind_codes(on_register=True)
# A roster row is small; anything longer is not a roster.
MAX_FIELD_CHARS = 10_000
# What makes Excel, LibreOffice or Google Sheets evaluate a cell (OWASP's CSV injection
# list), with the full-width forms some spreadsheets also accept.
FORMULA_STARTS = frozenset("=+-@\t\r\uff1d\uff0b\uff0d\uff20")
# Unicode's invisible direction overrides reorder what a terminal shows (“Trojan source”).
BIDI_CONTROLS = frozenset(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)
# Longest value quoted back in a message.
SHOWN_CHARS = 40


def _needs_escape(ch: str) -> bool:
    return unicodedata.category(ch) in {"Cc", "Zl", "Zp", "Cs", "Co", "Cn"} or (ch in BIDI_CONTROLS)


def terminal_safe(text: str) -> str:
    """``text`` with control, direction and unassigned characters written as escapes.

    ``"\\x1b[2J"`` prints as ``\\x1b[2J`` instead of clearing the operator's screen.
    """
    if not any(_needs_escape(ch) for ch in text):
        return text
    return "".join(ch if not _needs_escape(ch) else ascii(ch)[1:-1] for ch in text)


def _shown(value: str) -> str:
    """A cell as quoted in a message: cut to ``SHOWN_CHARS`` characters."""
    return value if len(value) <= SHOWN_CHARS else value[: SHOWN_CHARS - 1] + "…"


def _cell_problem(column: str, value: str) -> str | None:
    """Why a cell cannot be trusted as roster data, or None."""
    first = value[:1] if value[:1] in FORMULA_STARTS else value.lstrip(" ")[:1]
    if first in FORMULA_STARTS:
        starts = {"\t": "a tab", "\r": "a carriage return"}.get(first, first)
        return (
            f"{column} “{_shown(value)}” looks like a spreadsheet formula (it starts with "
            f"{starts}); registry values never do"
        )
    if any(_needs_escape(ch) for ch in value if ch not in "\t\r\n"):
        return f"{column} “{_shown(value)}” contains a control character"
    return None


class RegistryFileError(Exception):
    """The file cannot be read as a roster at all (missing, wrong header, not UTF-8)."""


@dataclass(frozen=True)
class RegistryRow:
    line: int
    number: str
    first_name: str
    last_name: str
    license_type: str
    standing: str
    issued_on: date
    expires_on: date


@dataclass(frozen=True)
class Problem:
    line: int
    message: str

    def __str__(self) -> str:
        return terminal_safe(f"line {self.line}: {self.message}")


@dataclass
class ImportReport:
    authority: str
    rows: int = 0
    malformed: list[Problem] = field(default_factory=list)
    mismatched: list[Problem] = field(default_factory=list)
    unknown: list[Problem] = field(default_factory=list)
    not_in_registry: list[str] = field(default_factory=list)
    outcomes: Counter = field(default_factory=Counter)
    applied: bool = False

    @property
    def changed(self) -> int:
        return sum(n for outcome, n in self.outcomes.items() if outcome != "unchanged")


def normalize_name(value: str) -> str:
    """Compare names without case, accents, punctuation or extra spaces."""
    decomposed = unicodedata.normalize("NFKD", value)
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    kept = "".join(ch if ch.isalnum() else " " for ch in bare.casefold())
    return " ".join(kept.split())


def _parse_date(raw: str, column: str) -> tuple[date | None, str | None]:
    value = raw.strip()
    if not ISO_DATE.match(value):
        return None, f"{column} “{_shown(value)}” is not an ISO date (YYYY-MM-DD)"
    try:
        return date.fromisoformat(value), None
    except ValueError:
        return None, f"{column} “{value}” is not a real date"


def _parse_row(line: int, values: dict[str, str]) -> RegistryRow | Problem:
    errors = [
        problem
        for column in REQUIRED_COLUMNS
        if (problem := _cell_problem(column, values[column])) is not None
    ]
    if errors:
        return Problem(line, "; ".join(errors))
    number = services.normalize_licence_number(values["license_number"])
    if not number:
        errors.append("license_number is empty")
    first_name = " ".join(values["first_name"].split())
    last_name = " ".join(values["last_name"].split())
    if not last_name:
        errors.append("last_name is empty")
    standing = values["status"].strip().lower()
    if standing not in Standing.values:
        errors.append(
            f"status “{_shown(values['status'].strip())}” is not one of "
            f"{', '.join(Standing.values)}"
        )
    issued_on, error = _parse_date(values["issue_date"], "issue_date")
    if error:
        errors.append(error)
    expires_on, error = _parse_date(values["expiration_date"], "expiration_date")
    if error:
        errors.append(error)
    if issued_on and expires_on and expires_on < issued_on:
        errors.append("expiration_date is before issue_date")
    if errors:
        return Problem(line, "; ".join(errors))
    return RegistryRow(
        line=line,
        number=number,
        first_name=first_name,
        last_name=last_name,
        license_type=" ".join(values["license_type"].split())[:80],
        standing=standing,
        issued_on=issued_on,
        expires_on=expires_on,
    )


class _NotUtf8(Exception):
    def __init__(self, line: int):
        self.line = line


def _decoded_lines(handle) -> Iterator[str]:
    """Decode line by line, so an invalid byte is reported on its own line."""
    for number, raw in enumerate(handle, start=1):
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise _NotUtf8(number) from None
        yield text.removeprefix("\ufeff") if number == 1 else text


def read_rows(path: Path) -> Iterator[RegistryRow | Problem]:
    """Yield each data row parsed, or the problem that makes it malformed, with its line."""
    try:
        handle = open(path, "rb")  # noqa: SIM115
    except OSError as error:
        raise RegistryFileError(f"Cannot open {path}: {error.strerror}") from None
    previous_limit = csv.field_size_limit(MAX_FIELD_CHARS)
    try:
        with handle:
            yield from _rows(csv.reader(_decoded_lines(handle)))
    finally:
        csv.field_size_limit(previous_limit)


def _rows(reader) -> Iterator[RegistryRow | Problem]:
    try:
        header = next(reader, None)
    except _NotUtf8:
        raise RegistryFileError("line 1: the header is not valid UTF-8") from None
    except csv.Error as error:
        raise RegistryFileError(f"line 1: the header cannot be read ({error})") from None
    if not header:
        raise RegistryFileError("The file is empty: a header row is needed.")
    columns = [name.strip().lower() for name in header]
    missing = [name for name in REQUIRED_COLUMNS if name not in columns]
    if missing:
        raise RegistryFileError(f"line 1: the header lacks the columns {', '.join(missing)}")
    positions = {name: columns.index(name) for name in REQUIRED_COLUMNS}
    while True:
        line = reader.line_num + 1
        try:
            raw = next(reader)
        except StopIteration:
            return
        except _NotUtf8 as error:
            yield Problem(error.line, "is not valid UTF-8; the rest of the file was not read")
            return
        except csv.Error as error:
            yield Problem(line, f"cannot be parsed as CSV ({error}); the rest was not read")
            return
        if not raw or all(not value.strip() for value in raw):
            continue
        if len(raw) != len(columns):
            yield Problem(line, f"has {len(raw)} fields; the header has {len(columns)}")
            continue
        yield _parse_row(line, {name: raw[i] for name, i in positions.items()})


def validate(path: Path, report: ImportReport) -> set[str]:
    """First pass: find every malformed row; return the licence numbers the file lists."""
    seen: dict[str, int] = {}
    for item in read_rows(path):
        report.rows += 1
        if isinstance(item, Problem):
            report.malformed.append(item)
            continue
        if item.number in seen:
            report.malformed.append(
                Problem(
                    item.line, f"licence {item.number} is listed again (line {seen[item.number]})"
                )
            )
            continue
        seen[item.number] = item.line
    return set(seen)


def _names_match(row: RegistryRow, attestation: Attestation) -> bool:
    practitioner = attestation.practitioner
    return normalize_name(row.first_name) == normalize_name(
        practitioner.first_name
    ) and normalize_name(row.last_name) == normalize_name(practitioner.last_name)


def _already_current(row: RegistryRow, attestation: Attestation) -> bool:
    return (
        attestation.status == AttestationStatus.VERIFIED
        and attestation.verification_method == "registry"
        and attestation.standing == row.standing
        and attestation.issued_on == row.issued_on
        and attestation.expires_on == row.expires_on
        and attestation.next_check_due == row.expires_on
        and attestation.license_type == (row.license_type or attestation.license_type)
        and attestation.verification_source == f"{attestation.issuing_authority} licence registry"
    )


def _authority_spellings(authority: str) -> list[str]:
    """How the authority is written on our licences (compared without case)."""
    wanted = " ".join(authority.split()).casefold()
    spellings = (
        Attestation.objects.filter(kind__in=REGISTER_KINDS)
        .values_list("issuing_authority", flat=True)
        .distinct()
    )
    return [name for name in spellings if name.casefold() == wanted]


def _registry_target(row: RegistryRow, candidates: list[Attestation]) -> Attestation:
    """The licence a roster row is about: the newest live one, else the newest.

    While a renewal awaits review beside the verified licence it renews, the row is about
    the renewal only once the registry lists a later expiry date; until then the registry
    has not recorded the renewal and the row still describes the verified licence.
    """
    live = [a for a in candidates if a.status in LIVE]
    if not live:
        return candidates[0]
    verified = [a for a in live if a.status == AttestationStatus.VERIFIED]
    renewing = any(a.status == AttestationStatus.PENDING for a in live)
    if (
        renewing
        and verified
        and verified[0].expires_on is not None
        and row.expires_on <= verified[0].expires_on
    ):
        return verified[0]
    return live[0]


def _apply_chunk(
    rows: list[RegistryRow], spellings: list[str], report: ImportReport, today: date
) -> None:
    by_number: dict[str, list[Attestation]] = {}
    licences = (
        Attestation.objects.filter(
            kind__in=REGISTER_KINDS,
            issuing_authority__in=spellings,
            number__in=[row.number for row in rows],
        )
        .select_related("practitioner")
        .order_by("-submitted_at", "-id")
    )
    for licence in licences:
        by_number.setdefault(licence.number, []).append(licence)
    for row in rows:
        candidates = by_number.get(row.number)
        if not candidates:
            report.unknown.append(Problem(row.line, f"no licence {row.number} on file"))
            continue
        licence = _registry_target(row, candidates)
        if not _names_match(row, licence):
            report.mismatched.append(
                Problem(
                    row.line,
                    f"licence {row.number}: the registry names {row.first_name} "
                    f"{row.last_name}, the profile {licence.practitioner.full_name}",
                )
            )
            continue
        if licence.status not in LIVE or _already_current(row, licence):
            report.outcomes["unchanged"] += 1
            continue
        outcome = services.attestation_apply_registry(
            attestation_id=licence.pk,
            authority=licence.issuing_authority,
            standing=row.standing,
            license_type=row.license_type,
            issued_on=row.issued_on,
            expires_on=row.expires_on,
            today=today,
        )
        report.outcomes[str(outcome)] += 1


def import_registry(
    path: Path,
    *,
    authority: str,
    dry_run: bool = False,
    progress: Callable[[int], None] | None = None,
    on_validated: Callable[[int], None] | None = None,
) -> ImportReport:
    """Validate the whole file, then apply it in one transaction (rolled back on a dry run)."""
    authority = " ".join(authority.split())
    report = ImportReport(authority=authority)
    numbers = validate(path, report)
    if report.malformed:
        return report
    if on_validated:
        on_validated(report.rows)
    today = timezone.localdate()
    with transaction.atomic():
        spellings = _authority_spellings(authority)
        rows = (item for item in read_rows(path) if isinstance(item, RegistryRow))
        while chunk := list(islice(rows, CHUNK_SIZE)):
            if spellings:
                _apply_chunk(chunk, spellings, report, today)
            else:
                report.unknown.extend(
                    Problem(row.line, f"no licence {row.number} on file") for row in chunk
                )
            if progress:
                progress(len(chunk))
        ours = (
            Attestation.objects.filter(
                kind__in=REGISTER_KINDS, issuing_authority__in=spellings, status__in=LIVE
            )
            .select_related("practitioner")
            .order_by("number")
        )
        report.not_in_registry = [
            f"licence {licence.number} of {licence.practitioner.full_name} "
            f"({licence.get_status_display().lower()})"
            for licence in ours
            if licence.number not in numbers
        ]
        report.applied = not dry_run
        if dry_run:
            transaction.set_rollback(True)
    return report
