"""``manage.py schedule_jobs``: make sure the daily background jobs are queued."""

from django.core.management.base import BaseCommand
from django.utils import timezone

from kernel import scheduling


class Command(BaseCommand):
    help = (
        "Queue each daily job (the summary window recount just after midnight, attestation "
        "expiry at 03:00, personal-data purge at 03:30, outbox sweep at 03:45, site time) "
        "for its next run unless a run is already waiting. Run it on deploy or before "
        "starting `manage.py db_worker`; running it again is harmless."
    )

    def handle(self, *args, **options):
        for job in scheduling.daily_jobs():
            run_after = scheduling.ensure_scheduled(job.task, at=job.at)
            if run_after is None:
                self.stdout.write(
                    f"The {job.label} is already queued (or the backend runs tasks at once)."
                )
            else:
                when = timezone.localtime(run_after).strftime("%Y-%m-%d %H:%M %Z")
                self.stdout.write(self.style.SUCCESS(f"Queued the {job.label} for {when}."))
