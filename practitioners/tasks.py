"""Scheduled background work for verification (Django's tasks framework).

``expire_attestations_daily`` runs the expiry job and queues its own next run for 03:00
tomorrow (site time), so one enqueued run keeps the chain going; ``ensure_scheduled``
(called by ``manage.py schedule_jobs``) enqueues a first run when none is waiting, and
does nothing when one is, so it is safe to call on every deploy or worker start.
"""

import logging
from datetime import datetime, time, timedelta

from django.tasks import TaskResultStatus, task
from django.utils import timezone
from django_tasks_db.backend import DatabaseBackend
from django_tasks_db.models import DBTaskResult

from practitioners.expiry import run_expiry

logger = logging.getLogger(__name__)

DAILY_AT = time(3, 0)
QUEUE = "scheduled"


def next_daily_run(now: datetime | None = None) -> datetime:
    """The next 03:00 in the site's time zone strictly after ``now``, as an aware datetime."""
    now = timezone.localtime(now or timezone.now())
    candidate = timezone.make_aware(datetime.combine(now.date(), DAILY_AT))
    if candidate <= now:
        candidate = timezone.make_aware(datetime.combine(now.date() + timedelta(days=1), DAILY_AT))
    return candidate


def _schedule_next(run_after: datetime) -> bool:
    if not expire_attestations_daily.get_backend().supports_defer:
        # A backend that runs tasks at once (tests) cannot hold one for tomorrow.
        return False
    expire_attestations_daily.using(run_after=run_after).enqueue()
    return True


@task(queue_name=QUEUE)
def expire_attestations_daily() -> str:
    """Run the expiry job, then queue tomorrow's run (queued first, so a failure keeps it)."""
    if not _waiting_runs():
        _schedule_next(next_daily_run())
    report = run_expiry()
    logger.info("Expiry job: %s", report)
    return str(report)


def _waiting_runs() -> int:
    """How many runs of the daily job are queued and not yet started (database backend)."""
    if not isinstance(expire_attestations_daily.get_backend(), DatabaseBackend):
        return 0
    return DBTaskResult.objects.filter(
        task_path=expire_attestations_daily.module_path, status=TaskResultStatus.READY
    ).count()


def ensure_scheduled() -> datetime | None:
    """Queue the next daily run unless one is already waiting; return when it will run."""
    if _waiting_runs():
        return None
    run_after = next_daily_run()
    return run_after if _schedule_next(run_after) else None
