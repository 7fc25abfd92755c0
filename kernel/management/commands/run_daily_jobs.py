"""``manage.py run_daily_jobs``: every daily job once, for a system cron and for tests."""

from django.core.management.base import BaseCommand, CommandError

from kernel import scheduling
from kernel.command_errors import add_today_argument, parse_today


class Command(BaseCommand):
    help = (
        "Run every daily job once, in the order of the day: recount the safety summaries a "
        "review has aged out of, expire lapsed attestations (with reminders), purge personal "
        "data past its retention, and sweep the event outbox. Safe to run more than once a "
        "day; use it from a system cron instead of the task worker's schedule if you prefer."
    )

    def add_arguments(self, parser):
        add_today_argument(parser)

    def handle(self, *args, today: str | None = None, **options):
        as_of = parse_today(today)
        failed = []
        for job, report in scheduling.run_daily_jobs(as_of):
            if isinstance(report, Exception):
                failed.append(job.label)
                self.stderr.write(self.style.ERROR(f"{job.label}: failed ({report})"))
            else:
                self.stdout.write(self.style.SUCCESS(f"{job.label}: {report}"))
        if failed:
            raise CommandError("Failed: " + ", ".join(failed) + ". The other jobs ran.")
