"""``manage.py import_license_registry FILE.csv --authority NAME``: verify licences in bulk."""

from collections.abc import Callable
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from practitioners.registry import (
    ImportReport,
    Problem,
    RegistryFileError,
    import_registry,
    terminal_safe,
)


class Command(BaseCommand):
    help = (
        "Import a licence board's roster (UTF-8 CSV with a header and the columns "
        "license_number, first_name, last_name, license_type, status, issue_date, "
        "expiration_date). Licences matching number, authority and name are verified or "
        "updated from it; mismatches, unknown numbers and malformed rows are reported with "
        "their line numbers. A file with any malformed row changes nothing. Re-importing "
        "the same file changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="The roster, a UTF-8 CSV file.")
        parser.add_argument(
            "--authority",
            required=True,
            help="The issuing authority, as licences name it (e.g. 'Texas Medical Board').",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Check and report what would change, then roll everything back.",
        )
        parser.add_argument(
            "--list-limit",
            type=int,
            default=100,
            help="List at most this many unknown numbers (0 lists all; default 100).",
        )

    def handle(self, *args, file: Path, authority: str, dry_run: bool, list_limit: int, **options):
        if not authority.strip():
            raise CommandError("--authority must name the issuing authority.")
        if list_limit < 0:
            raise CommandError("--list-limit must be 0 or more.")
        show_progress = options["verbosity"] > 0
        bar: tqdm | None = None

        def start(total: int) -> None:
            nonlocal bar
            bar = tqdm(
                total=total,
                unit="row",
                desc="Applying",
                disable=not show_progress,
                file=self.stderr,
            )

        try:
            report = import_registry(
                file,
                authority=authority,
                dry_run=dry_run,
                on_validated=start,
                progress=lambda n: bar.update(n) if bar else None,
            )
        except RegistryFileError as error:
            raise CommandError(terminal_safe(f"{file}: {error}. Nothing was changed.")) from None
        finally:
            if bar is not None:
                bar.close()
        self._report(file, report, list_limit)
        if report.malformed:
            raise CommandError(
                terminal_safe(
                    f"{len(report.malformed)} malformed row(s) in {file}: nothing was changed. "
                    "Fix them and import the file again."
                )
            )

    def _say(self, text: str, style: Callable[[str], str] | None = None) -> None:
        """Print one line; whatever came from the file or the database is escaped."""
        text = terminal_safe(text)
        self.stdout.write(style(text) if style else text)

    def _list(self, title: str, problems: list[Problem], limit: int = 0) -> None:
        if not problems:
            return
        self._say(f"{title} ({len(problems)}):")
        shown = problems if not limit else problems[:limit]
        for problem in shown:
            self._say(f"  {problem}")
        if len(shown) < len(problems):
            self._say(f"  … and {len(problems) - len(shown)} more (see --list-limit)")

    def _report(self, file: Path, report: ImportReport, limit: int) -> None:
        self._list("Malformed rows", report.malformed)
        if report.malformed:
            return
        self._list("Names that do not match the profile (not applied)", report.mismatched)
        self._list("Licence numbers not on file", report.unknown, limit)
        if report.not_in_registry:
            self._say(
                f"Licences on file for {report.authority} that the registry does not list "
                f"({len(report.not_in_registry)}):"
            )
            for line in report.not_in_registry:
                self._say(f"  {line}")
        outcomes = ", ".join(
            f"{report.outcomes.get(name, 0)} {name}"
            for name in ("verified", "updated", "lapsed", "rejected", "unchanged")
        )
        verb = "Checked (dry run, nothing saved)" if not report.applied else "Imported"
        self._say(
            f"{verb} {report.rows} rows for {report.authority}: {outcomes}; "
            f"{len(report.mismatched)} mismatched, {len(report.unknown)} unknown.",
            self.style.SUCCESS,
        )
