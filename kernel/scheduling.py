"""Daily jobs: what runs every day, and how each keeps itself scheduled.

Each app registers its daily jobs (``register_daily_job``, from its AppConfig.ready), so
this module names no domain. ``run_daily_jobs`` runs every one of them once, in their
order of the day, as of a given date: the ``run_daily_jobs`` command (for a system cron)
and the tests that walk the calendar day by day use it.

Each job also has a task (Django's tasks framework) for the worker.

A daily task calls ``queue_next_run`` first, so it queues its own next run (tomorrow at
its time of day, site time) before doing its work and a failure keeps the chain going.
``ensure_scheduled`` (called by ``manage.py schedule_jobs``) enqueues a first run when
none is waiting and does nothing when one is, so it is safe to call on every deploy or
worker start. The "already waiting" check sees the database backend's queue only.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.tasks import Task, TaskResultStatus
from django.utils import timezone
from django_tasks_db.backend import DatabaseBackend
from django_tasks_db.models import DBTaskResult

DAILY_AT = time(3, 0)
QUEUE = "scheduled"

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class DailyJob:
    """One daily job: what it is called, when it runs, how to run it for a day, its task."""

    label: str
    at: time
    run: Callable[[date], object]  # runs the job as of that day; returns a printable report
    task: Task


_daily_jobs: dict[str, DailyJob] = {}


def register_daily_job(job: DailyJob) -> None:
    """Add a job to the day's list (idempotent: registering the same label replaces it)."""
    _daily_jobs[job.label] = job


def daily_jobs() -> list[DailyJob]:
    """Every registered daily job, in the order they run in a day."""
    return sorted(_daily_jobs.values(), key=lambda job: (job.at, job.label))


def run_daily_jobs(today: date | None = None) -> list[tuple[DailyJob, object]]:
    """Run every daily job once as of ``today``; a job that fails does not stop the others.

    Returns each job with its report (or the exception it raised).
    """
    today = today or timezone.localdate()
    results: list[tuple[DailyJob, object]] = []
    for job in daily_jobs():
        try:
            results.append((job, job.run(today)))
        except Exception as error:
            logger.exception("Daily job %s failed", job.label)
            results.append((job, error))
    return results


def next_daily_run(now: datetime | None = None, *, at: time = DAILY_AT) -> datetime:
    """The next ``at`` in the site's time zone strictly after ``now``, as an aware datetime."""
    now = timezone.localtime(now or timezone.now())
    candidate = timezone.make_aware(datetime.combine(now.date(), at))
    if candidate <= now:
        candidate = timezone.make_aware(datetime.combine(now.date() + timedelta(days=1), at))
    return candidate


def waiting_runs(daily_task: Task) -> int:
    """How many runs of ``daily_task`` are queued and not yet started (database backend)."""
    if not isinstance(daily_task.get_backend(), DatabaseBackend):
        return 0
    return DBTaskResult.objects.filter(
        task_path=daily_task.module_path, status=TaskResultStatus.READY
    ).count()


def schedule_run(daily_task: Task, run_after: datetime) -> bool:
    """Queue one run of ``daily_task`` for ``run_after``; False if the backend cannot defer."""
    if not daily_task.get_backend().supports_defer:
        # A backend that runs tasks at once (tests) cannot hold one for tomorrow.
        return False
    daily_task.using(run_after=run_after).enqueue()
    return True


def queue_next_run(daily_task: Task, *, at: time = DAILY_AT) -> None:
    """From inside a run: queue tomorrow's run unless one is already waiting."""
    if not waiting_runs(daily_task):
        schedule_run(daily_task, next_daily_run(at=at))


def run_today(
    daily_task: Task, *, at: time, run: Callable[[date], object], log: logging.Logger, name: str
) -> object:
    """A daily task's body: queue tomorrow's run first, run today's, log and return its report."""
    queue_next_run(daily_task, at=at)
    report = run(timezone.localdate())
    log.info("%s: %s", name, report)
    return report


def ensure_scheduled(daily_task: Task, *, at: time = DAILY_AT) -> datetime | None:
    """Queue the next daily run unless one is already waiting; return when it will run."""
    if waiting_runs(daily_task):
        return None
    run_after = next_daily_run(at=at)
    return run_after if schedule_run(daily_task, run_after) else None
