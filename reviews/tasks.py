"""Scheduled background work for reviews (Django's tasks framework).

``refresh_aged_summaries_daily`` recounts the safety summaries from which a review has
aged out of the 24-month window. The window moves at midnight, so the job runs just
after it; single-practitioner pages recount on their own until it has
(``summaries.fresh_summary``).
"""

import logging
from datetime import date, time

from django.tasks import task

from kernel import scheduling
from reviews.summaries import refresh_aged_summaries

logger = logging.getLogger(__name__)

SUMMARIES_DAILY_AT = time(0, 1)


def _refresh(today: date) -> str:
    return f"{refresh_aged_summaries(today=today)} summaries recounted as reviews aged out"


# A module-level task (the worker imports it by path); the shared body is run_today.
@task(queue_name=scheduling.QUEUE)
def refresh_aged_summaries_daily() -> str:
    """Recount the summaries due today, then queue tomorrow's run (queued first)."""
    return scheduling.run_today(
        refresh_aged_summaries_daily,
        at=SUMMARIES_DAILY_AT,
        run=_refresh,
        log=logger,
        name="Summary window job",
    )


DAILY_JOB = scheduling.DailyJob(
    label="summary window recount",
    at=SUMMARIES_DAILY_AT,
    run=_refresh,
    task=refresh_aged_summaries_daily,
)
