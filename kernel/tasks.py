"""Background tasks shared by every app (Django's tasks framework).

``sweep_outbox_daily`` relays domain events a lost task left behind (``kernel.events``).
``send_email`` sends one e-mail from the worker (``kernel.notifications`` queues it).
"""

import logging
from datetime import date, time

from django.core.mail import send_mail
from django.tasks import task

from kernel import scheduling
from kernel.events import sweep

logger = logging.getLogger(__name__)


@task(queue_name="email")
def send_email(*, to: list[str], subject: str, body: str) -> int:
    """Send one plain-text e-mail; the task backend retries nothing, so SMTP errors surface."""
    return send_mail(subject, body, None, to, fail_silently=False)


# The outbox sweep: a daily safety net for events whose relay task was lost and for
# subscribers whose retry could not be deferred; ``relay_events`` runs it at any time.
RELAY_SWEEP_DAILY_AT = time(3, 45)


def _sweep_outbox(today: date) -> str:
    return "{relayed} events relayed, {retried} handlings retried".format(**sweep())


# Each daily task is a module-level function (the worker imports it by path), so every app
# declares its own: the shared body is scheduling.run_today.
@task(queue_name=scheduling.QUEUE)
def sweep_outbox_daily() -> str:
    """Relay leftover events and retry due subscribers, then queue tomorrow's run (first)."""
    return scheduling.run_today(
        sweep_outbox_daily,
        at=RELAY_SWEEP_DAILY_AT,
        run=_sweep_outbox,
        log=logger,
        name="Outbox sweep",
    )


OUTBOX_SWEEP_JOB = scheduling.DailyJob(
    label="daily outbox sweep",
    at=RELAY_SWEEP_DAILY_AT,
    run=_sweep_outbox,
    task=sweep_outbox_daily,
)
