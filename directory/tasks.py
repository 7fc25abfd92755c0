"""Background tasks shared by every app (Django's tasks framework).

``sweep_outbox_daily`` relays domain events a lost task left behind (``directory.events``).
``purge_personal_data_daily`` runs the retention purge (``directory.privacy``, the same
function as ``manage.py purge_personal_data``) and queues its own next run for 03:30
tomorrow, site time; ``ensure_purge_scheduled`` (called by ``manage.py schedule_jobs``)
queues a first run unless one is already waiting.
"""

import logging
from datetime import date, datetime, time

from django.core.mail import send_mail
from django.tasks import task
from django.utils import timezone

from directory import scheduling
from directory.events import sweep

logger = logging.getLogger(__name__)

# Half an hour after the expiry job, so the two daily jobs do not start together.
PURGE_DAILY_AT = time(3, 30)


@task(queue_name="email")
def send_email(*, to: list[str], subject: str, body: str) -> int:
    """Send one plain-text e-mail; the task backend retries nothing, so SMTP errors surface."""
    return send_mail(subject, body, None, to, fail_silently=False)


@task(queue_name=scheduling.QUEUE)
def purge_personal_data_daily() -> dict[str, int]:
    """Erase personal data past its retention, then queue tomorrow's run (queued first)."""
    # Imported here: directory.privacy imports this module for ``send_email``.
    from directory.privacy import purge_expired_personal_data

    scheduling.queue_next_run(purge_personal_data_daily, at=PURGE_DAILY_AT)
    erased = purge_expired_personal_data()
    logger.info("Retention purge: %s", erased)
    return erased


def ensure_purge_scheduled() -> datetime | None:
    """Queue the next daily purge unless one is already waiting; return when it will run."""
    return scheduling.ensure_scheduled(purge_personal_data_daily, at=PURGE_DAILY_AT)


def _purge(today: date) -> dict[str, int]:
    # Retention is counted from now, not from a calendar day.
    from directory.privacy import purge_expired_personal_data

    return purge_expired_personal_data()


PURGE_JOB = scheduling.DailyJob(
    label="daily personal-data purge",
    at=PURGE_DAILY_AT,
    run=_purge,
    task=purge_personal_data_daily,
)


# The outbox sweep: a daily safety net for events whose relay task was lost and for
# subscribers whose retry could not be deferred; ``relay_events`` runs it at any time.
RELAY_SWEEP_DAILY_AT = time(3, 45)


def _sweep_outbox(today: date) -> str:
    return "{relayed} events relayed, {retried} handlings retried".format(**sweep())


@task(queue_name=scheduling.QUEUE)
def sweep_outbox_daily() -> str:
    """Relay leftover events and retry due subscribers, then queue tomorrow's run (first)."""
    scheduling.queue_next_run(sweep_outbox_daily, at=RELAY_SWEEP_DAILY_AT)
    report = _sweep_outbox(timezone.localdate())
    logger.info("Outbox sweep: %s", report)
    return report


OUTBOX_SWEEP_JOB = scheduling.DailyJob(
    label="daily outbox sweep",
    at=RELAY_SWEEP_DAILY_AT,
    run=_sweep_outbox,
    task=sweep_outbox_daily,
)
