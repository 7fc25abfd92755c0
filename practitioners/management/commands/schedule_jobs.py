"""``manage.py schedule_jobs``: make sure the daily background jobs are queued."""

from django.core.management.base import BaseCommand
from django.utils import timezone

from directory.tasks import ensure_purge_scheduled
from practitioners.tasks import ensure_scheduled

# What each daily job is called in the output, and the function that queues it.
DAILY_JOBS = (
    ("daily expiry job", ensure_scheduled),
    ("daily personal-data purge", ensure_purge_scheduled),
)


class Command(BaseCommand):
    help = (
        "Queue each daily job (attestation expiry at 03:00, personal-data purge at 03:30, "
        "site time) for its next run unless a run is already waiting. Run it on deploy or "
        "before starting `manage.py db_worker`; running it again is harmless."
    )

    def handle(self, *args, **options):
        for label, ensure in DAILY_JOBS:
            run_after = ensure()
            if run_after is None:
                self.stdout.write(
                    f"The {label} is already queued (or the backend runs tasks at once)."
                )
            else:
                when = timezone.localtime(run_after).strftime("%Y-%m-%d %H:%M %Z")
                self.stdout.write(self.style.SUCCESS(f"Queued the {label} for {when}."))
