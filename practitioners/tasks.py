"""Scheduled background work for verification (Django's tasks framework).

``expire_attestations_daily`` runs the expiry job and queues its own next run for 03:00
tomorrow (site time), so one enqueued run keeps the chain going; ``ensure_scheduled``
(called by ``manage.py schedule_jobs``) enqueues a first run when none is waiting, and
does nothing when one is, so it is safe to call on every deploy or worker start. The
scheduling itself is shared with the other daily jobs (``kernel.scheduling``).
"""

import logging
from datetime import date, datetime

from django.tasks import task

from kernel import scheduling
from kernel.scheduling import DAILY_AT, QUEUE, next_daily_run
from practitioners.expiry import run_expiry

logger = logging.getLogger(__name__)

__all__ = ["DAILY_AT", "QUEUE", "ensure_scheduled", "expire_attestations_daily", "next_daily_run"]


@task(queue_name=QUEUE)
def expire_attestations_daily() -> str:
    """Run the expiry job, then queue tomorrow's run (queued first, so a failure keeps it)."""
    scheduling.queue_next_run(expire_attestations_daily, at=DAILY_AT)
    report = run_expiry()
    logger.info("Expiry job: %s", report)
    return str(report)


def ensure_scheduled() -> datetime | None:
    """Queue the next daily run unless one is already waiting; return when it will run."""
    return scheduling.ensure_scheduled(expire_attestations_daily, at=DAILY_AT)


def _expire(today: date) -> str:
    return str(run_expiry(today=today))


DAILY_JOB = scheduling.DailyJob(
    label="daily expiry job", at=DAILY_AT, run=_expire, task=expire_attestations_daily
)
