"""Bulk export over HTTP: kick-off (``$export``), status polling and cancel, file download.

All three need the same partner key as every FHIR read; an export belongs to the partner
whose key started it, and any other partner gets a 404 for it.
"""

from django.conf import settings
from django.http import FileResponse, QueryDict
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from rest_framework import exceptions, status
from rest_framework.response import Response

from fhir_api import export
from fhir_api.base import FhirAPIView
from fhir_api.models import BulkExport, ExportStatus
from fhir_api.outcomes import FhirError, not_found, not_supported
from fhir_api.parameters import or_values
from fhir_api.registry import TYPES
from fhir_api.tasks import run_export
from kernel.errors import operation_outcome

OUTPUT_FORMATS = {"application/fhir+ndjson", "application/ndjson", "ndjson"}
KICK_OFF_PARAMS = {"_type", "_since", "_outputFormat"}
# How long a client should wait between two polls of a running export.
POLL_SECONDS = 5


def _types(query: QueryDict) -> list[str]:
    if "_type" not in query:
        return list(TYPES)
    asked = [kind for value in query.getlist("_type") for kind in or_values(value)]
    unknown = [kind for kind in asked if kind not in TYPES]
    if unknown:
        raise FhirError(f"_type: “{unknown[0]}” is not exported (exported: {', '.join(TYPES)}).")
    return list(dict.fromkeys(asked))


def _since(query: QueryDict):
    raw = query.get("_since")
    if raw is None:
        return None
    moment = parse_datetime(raw)
    if moment is None:
        raise FhirError(f"_since: “{raw}” is not an instant such as 2026-11-01T00:00:00Z.")
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


class ExportsInProgress(exceptions.APIException):
    """429 with Retry-After (the Bulk Data guide's answer to a busy server), as FHIR."""

    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    default_code = "too_many_exports"

    def __init__(self):
        super().__init__(
            f"This partner already has {settings.FHIR_EXPORTS_AT_ONCE} exports in progress; "
            "wait for one to finish (or cancel it with DELETE on its status URL)."
        )
        self.wait = POLL_SECONDS * 12


def _check_kick_off(request) -> None:
    if "respond-async" not in request.headers.get("Prefer", ""):
        raise FhirError("A bulk export needs the header “Prefer: respond-async”.")
    unknown = set(request.query_params) - KICK_OFF_PARAMS
    if unknown:
        raise not_supported(
            f"{sorted(unknown)[0]} is not supported here (supported: "
            f"{', '.join(sorted(KICK_OFF_PARAMS))})."
        )
    output_format = request.query_params.get("_outputFormat")
    if output_format is not None and output_format not in OUTPUT_FORMATS:
        raise not_supported(f"_outputFormat: only NDJSON ({', '.join(sorted(OUTPUT_FORMATS))}).")


class ExportView(FhirAPIView):
    """``GET /fhir/r4/$export``: queue an export of every type (or ``_type``)."""

    def get(self, request):
        _check_kick_off(request)
        job = export.start(
            request.auth.partner_id,
            request_url=request.build_absolute_uri(),
            types=_types(request.query_params),
            since=_since(request.query_params),
            transaction_time=timezone.now(),
        )
        if job is None:
            raise ExportsInProgress
        status_url = request.build_absolute_uri(reverse("fhir:status", args=[job.pk]))
        run_export.enqueue(str(job.pk))
        return Response(
            operation_outcome(
                "Export queued; poll Content-Location.",
                issue="informational",
                severity="information",
            ),
            status=status.HTTP_202_ACCEPTED,
            headers={"Content-Location": status_url},
        )


class PartnerExportMixin:
    def export_of_partner(self, export_id) -> BulkExport:
        job = (
            BulkExport.objects.filter(pk=export_id, partner_id=self.request.auth.partner_id)
            .exclude(status=ExportStatus.CANCELLED)
            .first()
        )
        if job is None:
            raise not_found("No such export (it may have expired or been cancelled).")
        return job


class StatusView(PartnerExportMixin, FhirAPIView):
    """Poll: 202 with X-Progress while it runs, then 200 with the manifest. DELETE cancels."""

    def get(self, request, export_id):
        job = self.export_of_partner(export_id)
        if job.status in (ExportStatus.QUEUED, ExportStatus.RUNNING):
            return Response(
                status=status.HTTP_202_ACCEPTED,
                headers={
                    "X-Progress": job.progress or job.get_status_display(),
                    "Retry-After": str(POLL_SECONDS),
                },
            )
        if job.status == ExportStatus.FAILED:
            return Response(
                operation_outcome(job.error, issue="exception"),
                status=status.HTTP_500_INTERNAL_SERVER_ERROR,
            )

        def file_url(kind: str) -> str:
            return request.build_absolute_uri(reverse("fhir:file", args=[job.pk, kind]))

        return Response(export.manifest(job, file_url), content_type="application/json")

    def delete(self, request, export_id):
        export.cancel(self.export_of_partner(export_id))
        return Response(
            operation_outcome("Export cancelled.", issue="informational", severity="information"),
            status=status.HTTP_202_ACCEPTED,
        )


class FileView(PartnerExportMixin, FhirAPIView):
    """One NDJSON file of a completed export, to a key of the partner that asked for it."""

    def get(self, request, export_id, kind: str):
        job = self.export_of_partner(export_id)
        if job.status != ExportStatus.DONE or kind not in {item["type"] for item in job.output}:
            raise not_found(f"This export has no {kind} file.")
        stream = export.export_storage().open(job.file_name(kind), "rb")
        return FileResponse(stream, content_type=export.NDJSON)
