"""Scheduled background work for reviews (Django's tasks framework).

``refresh_aged_summaries_daily`` recounts the safety summaries from which a review has
aged out of the 24-month window. The window moves at midnight, so the job runs just
after it; single-practitioner pages recount on their own until it has
(``summaries.fresh_summary``).
"""

import logging
from datetime import date, time

from django.tasks import task
from django.utils import timezone

from kernel import scheduling
from reviews.summaries import refresh_aged_summaries

logger = logging.getLogger(__name__)

SUMMARIES_DAILY_AT = time(0, 1)


def _refresh(today: date) -> str:
    return f"{refresh_aged_summaries(today=today)} summaries recounted as reviews aged out"


@task(queue_name=scheduling.QUEUE)
def refresh_aged_summaries_daily() -> str:
    """Recount the summaries due today, then queue tomorrow's run (queued first)."""
    scheduling.queue_next_run(refresh_aged_summaries_daily, at=SUMMARIES_DAILY_AT)
    report = _refresh(timezone.localdate())
    logger.info("Summary window job: %s", report)
    return report


DAILY_JOB = scheduling.DailyJob(
    label="summary window recount",
    at=SUMMARIES_DAILY_AT,
    run=_refresh,
    task=refresh_aged_summaries_daily,
)
