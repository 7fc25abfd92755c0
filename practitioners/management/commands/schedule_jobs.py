"""``manage.py schedule_jobs``: make sure the daily background jobs are queued."""

from django.core.management.base import BaseCommand
from django.utils import timezone

from practitioners.tasks import ensure_scheduled


class Command(BaseCommand):
    help = (
        "Queue the daily expiry job for its next 03:00 run unless a run is already waiting. "
        "Run it on deploy or before starting `manage.py db_worker`; running it again is harmless."
    )

    def handle(self, *args, **options):
        run_after = ensure_scheduled()
        if run_after is None:
            self.stdout.write(
                "The daily expiry job is already queued (or the backend runs tasks at once)."
            )
        else:
            when = timezone.localtime(run_after).strftime("%Y-%m-%d %H:%M %Z")
            self.stdout.write(self.style.SUCCESS(f"Queued the daily expiry job for {when}."))
