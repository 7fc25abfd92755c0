"""``manage.py expire_attestations``: the daily expiry run (also a scheduled task)."""

from datetime import date

from django.core.management.base import BaseCommand, CommandError

from practitioners.expiry import run_expiry


class Command(BaseCommand):
    help = (
        "Move verified attestations past their expiry date to expired, take verification "
        "off licences no longer in active standing, refresh badges, and e-mail reminders "
        "30 days ahead. Safe to run more than once a day."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--today",
            help="Run as of this date (YYYY-MM-DD) instead of today, e.g. to catch up.",
        )

    def handle(self, *args, today: str | None = None, **options):
        as_of = None
        if today:
            try:
                as_of = date.fromisoformat(today)
            except ValueError:
                raise CommandError(
                    f"--today must be a date like 2026-03-01, not {today!r}"
                ) from None
        report = run_expiry(today=as_of)
        self.stdout.write(self.style.SUCCESS(f"Expiry run: {report}."))
