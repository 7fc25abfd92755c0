"""Bulk Data export (FHIR Bulk Data Access, system level): the files an export writes,
its manifest, cancelling it and forgetting it.

The task writes one NDJSON file per resource type. Rows are read with
``iterator(chunk_size=…)`` and built a chunk at a time into a temporary file, so memory
stays bounded however many practitioners there are; the file then goes to the private
``fhir_exports`` storage, which no URL serves — only the key-checked file view.
"""

import itertools
import json
import logging
import tempfile
from datetime import datetime, timedelta

from django.conf import settings
from django.core.files import File
from django.core.files.storage import storages
from django.db import transaction
from django.utils import timezone

from fhir_api.models import BulkExport, ExportStatus
from fhir_api.registry import TYPES
from fhir_api.resources.base import LAST_UPDATED
from kernel.errors import StaleState, TransitionNotAllowed
from kernel.workflow import transition
from partners.models import Partner

logger = logging.getLogger(__name__)

CHUNK_SIZE = 500
# How long an export's files stay downloadable; the daily job deletes older ones.
EXPORT_LIFETIME = timedelta(hours=24)
NDJSON = "application/fhir+ndjson"
# A whole export at 100k practitioners takes about a minute and a half: one still queued
# or running after this long lost its worker and no longer holds one of the partner's places.
STUCK_AFTER = timedelta(hours=1)
IN_PROGRESS = (ExportStatus.QUEUED, ExportStatus.RUNNING)


def exports_in_progress(partner_id: int, now: datetime | None = None) -> int:
    since = (now or timezone.now()) - STUCK_AFTER
    return BulkExport.objects.filter(
        partner_id=partner_id, status__in=IN_PROGRESS, created_at__gt=since
    ).count()


@transaction.atomic
def start(partner_id: int, **fields) -> BulkExport | None:
    """Record a new export, or None while the partner already has ``FHIR_EXPORTS_AT_ONCE``
    in progress (each one is a full read of the directory). The partner's row is locked,
    so two kick-offs at the same moment cannot both slip under the limit."""
    Partner.objects.select_for_update().filter(pk=partner_id).exists()
    if exports_in_progress(partner_id) >= settings.FHIR_EXPORTS_AT_ONCE:
        return None
    return BulkExport.objects.create(partner_id=partner_id, **fields)


def export_storage():
    return storages["fhir_exports"]


def rows_to_export(kind_name: str, since: datetime | None):
    """A type's rows in id order; with ``_since``, those changed after it."""
    rows = TYPES[kind_name].queryset().order_by("pk")
    if since is not None:
        rows = rows.filter(**{f"{LAST_UPDATED}__gt": since})
    return rows


def write_ndjson(export: BulkExport, kind_name: str) -> int:
    """Write one type's file; returns how many resources it holds."""
    kind, today, count = TYPES[kind_name], timezone.localdate(), 0
    rows = rows_to_export(kind_name, export.since).iterator(chunk_size=CHUNK_SIZE)
    with tempfile.TemporaryFile() as buffer:
        for chunk in itertools.batched(rows, CHUNK_SIZE):
            if kind.prepare:
                kind.prepare(list(chunk))
            for row in chunk:
                line = json.dumps(kind.build(row, today), separators=(",", ":"))
                buffer.write(line.encode() + b"\n")
            count += len(chunk)
        if count:
            buffer.seek(0)
            export_storage().save(export.file_name(kind_name), File(buffer))
    return count


def cancelled(export: BulkExport) -> bool:
    return (
        not BulkExport.objects.filter(pk=export.pk).exclude(status=ExportStatus.CANCELLED).exists()
    )


def move(export: BulkExport, to: str, **changes) -> bool:
    """Move the export's status (``BulkExport.TRANSITIONS``); False if a DELETE got there first."""
    try:
        transition(export, to=to, audit=False, changes=changes)
    except (StaleState, TransitionNotAllowed):
        return False
    return True


def run(export: BulkExport) -> None:
    """Write every asked type, recording progress; stop (and clean up) if cancelled."""
    if not move(export, ExportStatus.RUNNING):
        return  # cancelled before the worker took it
    output = []
    for done, kind_name in enumerate(export.types):
        if cancelled(export):
            delete_files(export)
            return
        count = write_ndjson(export, kind_name)
        if count:
            output.append({"type": kind_name, "file": export.file_name(kind_name), "count": count})
        BulkExport.objects.filter(pk=export.pk).exclude(status=ExportStatus.CANCELLED).update(
            progress=f"{done + 1} of {len(export.types)} resource types written", output=output
        )
    export.refresh_from_db(fields=["status"])
    if not move(export, ExportStatus.DONE, finished_at=timezone.now()):
        delete_files(export)


def fail(export_id, error: Exception) -> None:
    logger.exception("FHIR export %s failed", export_id, exc_info=error)
    export = BulkExport.objects.filter(pk=export_id).first()
    if export is not None:
        move(
            export,
            ExportStatus.FAILED,
            error="The export failed on our side; it has been logged. Start a new one.",
            finished_at=timezone.now(),
        )


def manifest(export: BulkExport, file_url) -> dict:
    """The completed export's manifest; ``file_url(kind)`` is each file's absolute URL."""
    return {
        "transactionTime": export.transaction_time.isoformat(),
        "request": export.request_url,
        "requiresAccessToken": True,
        "output": [
            {"type": item["type"], "url": file_url(item["type"]), "count": item["count"]}
            for item in export.output
        ],
        "error": [],
    }


def delete_files(export: BulkExport) -> None:
    storage = export_storage()
    if not storage.exists(export.folder):
        return
    _, files = storage.listdir(export.folder)
    for name in files:
        storage.delete(f"{export.folder}/{name}")
    storage.delete(export.folder)


def cancel(export: BulkExport) -> None:
    """DELETE on the status URL: the task stops at its next type; files go now."""
    move(export, ExportStatus.CANCELLED, finished_at=timezone.now())
    delete_files(export)


def expire_exports(now: datetime | None = None) -> int:
    """Delete exports (rows and files) requested more than ``EXPORT_LIFETIME`` ago."""
    cutoff = (now or timezone.now()) - EXPORT_LIFETIME
    expired = list(BulkExport.objects.filter(created_at__lt=cutoff))
    for export in expired:
        delete_files(export)
    BulkExport.objects.filter(pk__in=[export.pk for export in expired]).delete()
    return len(expired)
