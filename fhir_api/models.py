"""Bulk exports: one row per ``$export`` request, and where its files are.

Choices and field declarations that look like other apps' are declarations (each names its
own statuses and columns), not logic one piece could serve.
"""

import uuid

from django.db import models
from django.utils import timezone


class ExportStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"


class BulkExport(models.Model):
    """A partner's ``$export``: what was asked, how far the task got, the files it wrote.

    ``output`` lists ``{"type", "file", "count"}`` per resource type; the files are in the
    private ``fhir_exports`` storage, served only to a key of the same partner, and
    deleted with the row by the daily expiry job.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    partner = models.ForeignKey(
        "partners.Partner", on_delete=models.CASCADE, related_name="fhir_exports"
    )
    status = models.CharField(
        max_length=16, choices=ExportStatus.choices, default=ExportStatus.QUEUED
    )
    request_url = models.TextField(help_text="The kick-off request, as the manifest repeats it.")
    types = models.JSONField(default=list, help_text="Resource types, in export order.")
    since = models.DateTimeField(null=True, blank=True)
    transaction_time = models.DateTimeField(default=timezone.now)
    progress = models.CharField(max_length=120, blank=True)
    output = models.JSONField(default=list, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    # Every move goes through kernel.workflow.transition (audit=False: machine bookkeeping).
    # A DELETE cancels an export at any point; a finished one's files go with it.
    TRANSITIONS = {
        ExportStatus.QUEUED: frozenset({ExportStatus.RUNNING, ExportStatus.CANCELLED}),
        ExportStatus.RUNNING: frozenset(
            {ExportStatus.DONE, ExportStatus.FAILED, ExportStatus.CANCELLED}
        ),
        ExportStatus.DONE: frozenset({ExportStatus.CANCELLED}),
        ExportStatus.FAILED: frozenset({ExportStatus.CANCELLED}),
    }

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Export {self.pk} ({self.status})"

    @property
    def folder(self) -> str:
        return str(self.pk)

    def file_name(self, kind: str) -> str:
        return f"{self.folder}/{kind}.ndjson"
