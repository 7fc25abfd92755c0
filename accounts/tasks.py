"""The daily retention purge, on Django's tasks framework.

``purge_personal_data_daily`` runs the retention purge (``accounts.privacy``, the same
function as ``manage.py purge_personal_data``) and queues its own next run for 03:30
tomorrow, site time; ``ensure_purge_scheduled`` (called by ``manage.py schedule_jobs``)
queues a first run unless one is already waiting.
"""

import logging
from datetime import date, datetime, time

from django.tasks import task

from accounts.privacy import purge_expired_personal_data
from kernel import scheduling

logger = logging.getLogger(__name__)

# Half an hour after the expiry job, so the two daily jobs do not start together.
PURGE_DAILY_AT = time(3, 30)


@task(queue_name=scheduling.QUEUE)
def purge_personal_data_daily() -> dict[str, int]:
    """Erase personal data past its retention, then queue tomorrow's run (queued first)."""
    return scheduling.run_today(
        purge_personal_data_daily, at=PURGE_DAILY_AT, run=_purge, log=logger, name="Retention purge"
    )


def ensure_purge_scheduled() -> datetime | None:
    """Queue the next daily purge unless one is already waiting; return when it will run."""
    return scheduling.ensure_scheduled(purge_personal_data_daily, at=PURGE_DAILY_AT)


def _purge(today: date) -> dict[str, int]:
    # Retention is counted from now, not from a calendar day.
    return purge_expired_personal_data()


PURGE_JOB = scheduling.DailyJob(
    label="daily personal-data purge",
    at=PURGE_DAILY_AT,
    run=_purge,
    task=purge_personal_data_daily,
)
