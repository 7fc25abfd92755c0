"""``manage.py run_daily_jobs``: every daily job once, for a system cron and for tests."""

from datetime import date

from django.core.management.base import BaseCommand, CommandError

from kernel import scheduling


class Command(BaseCommand):
    help = (
        "Run every daily job once, in the order of the day: recount the safety summaries a "
        "review has aged out of, expire lapsed attestations (with reminders), purge personal "
        "data past its retention, and sweep the event outbox. Safe to run more than once a "
        "day; use it from a system cron instead of the task worker's schedule if you prefer."
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
        failed = []
        for job, report in scheduling.run_daily_jobs(as_of):
            if isinstance(report, Exception):
                failed.append(job.label)
                self.stderr.write(self.style.ERROR(f"{job.label}: failed ({report})"))
            else:
                self.stdout.write(self.style.SUCCESS(f"{job.label}: {report}"))
        if failed:
            raise CommandError("Failed: " + ", ".join(failed) + ". The other jobs ran.")
