"""Background work of the FHIR API (Django's tasks framework): writing a bulk export, and
the daily job that deletes expired ones (``kernel.scheduling``)."""

import logging
from datetime import date, time

from django.tasks import task
from django.utils import timezone

from fhir_api import export
from fhir_api.models import BulkExport, ExportStatus
from kernel import scheduling

logger = logging.getLogger(__name__)

EXPIRY_DAILY_AT = time(4, 15)


@task()
def run_export(export_id: str) -> str:
    """Write the files of one ``$export`` request (queued by the kick-off view)."""
    job = BulkExport.objects.filter(pk=export_id, status=ExportStatus.QUEUED).first()
    if job is None:
        return "not queued (cancelled or already run)"
    try:
        export.run(job)
    except Exception as error:
        export.fail(export_id, error)
        return "failed"
    return "done"


def _expire(today: date) -> str:
    return f"{export.expire_exports()} FHIR exports expired"


# The shape every daily job has (kernel.tasks, reviews.tasks): queue tomorrow, run, report.
@task(queue_name=scheduling.QUEUE)
def expire_exports_daily() -> str:
    """Delete expired exports, after queuing tomorrow's run (first)."""
    scheduling.queue_next_run(expire_exports_daily, at=EXPIRY_DAILY_AT)
    report = _expire(timezone.localdate())
    logger.info("FHIR export expiry: %s", report)
    return report


EXPIRY_JOB = scheduling.DailyJob(
    label="daily FHIR export expiry",
    at=EXPIRY_DAILY_AT,
    run=_expire,
    task=expire_exports_daily,
)
