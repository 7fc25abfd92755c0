"""Bulk export (FHIR Bulk Data Access): kick-off, polling, manifest, files, cancel, expiry."""

import datetime
import json

import pytest
import time_machine
from django.utils import timezone

from fhir_api import export
from fhir_api.models import BulkExport, ExportStatus
from fhir_api.tasks import EXPIRY_JOB
from fhir_api.tests.conftest import fhir_client, validated
from kernel.scheduling import daily_jobs, run_daily_jobs
from practitioners.models import Attestation, Clinic, Practitioner

pytestmark = pytest.mark.django_db
ASYNC = {"HTTP_PREFER": "respond-async", "HTTP_ACCEPT": "application/fhir+json"}


def kick_off(fhir, query: str = "") -> str:
    response = fhir.get(f"/fhir/r4/$export{query}", **ASYNC)
    assert response.status_code == 202, response.content
    return response["Content-Location"]


def manifest(fhir, status_url: str) -> dict:
    response = fhir.get(status_url)
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/json"
    return response.json()


def download(fhir, url: str) -> list[dict]:
    response = fhir.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/fhir+ndjson"
    lines = b"".join(response.streaming_content).decode().splitlines()
    return [validated(json.loads(line)) for line in lines]


def test_an_export_writes_every_type_and_its_manifest(fhir, directory):
    status_url = kick_off(fhir)
    assert "/fhir/r4/$export-status/" in status_url
    body = manifest(fhir, status_url)
    assert body["requiresAccessToken"] is True
    assert body["request"].endswith("/fhir/r4/$export")
    assert body["error"] == []
    assert datetime.datetime.fromisoformat(body["transactionTime"]) <= timezone.now()
    counts = {item["type"]: item["count"] for item in body["output"]}
    assert counts == {
        "Practitioner": Practitioner.objects.count(),
        "PractitionerRole": Practitioner.objects.count(),
        "Organization": Clinic.objects.count(),
        "Location": Clinic.objects.count(),
        "VerificationResult": Attestation.objects.count(),
    }
    for item in body["output"]:
        resources = download(fhir, item["url"])
        assert len(resources) == item["count"]
        assert {resource["resourceType"] for resource in resources} == {item["type"]}


def test_type_and_since_narrow_the_export(fhir, directory):
    Practitioner.objects.filter(pk=directory.dana.pk).update(
        updated_at=timezone.now() - datetime.timedelta(days=3)
    )
    since = (timezone.now() - datetime.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    body = manifest(fhir, kick_off(fhir, f"?_type=Practitioner,Location&_since={since}"))
    assert [item["type"] for item in body["output"]] == ["Practitioner", "Location"]
    (practitioner,) = download(fhir, body["output"][0]["url"])
    assert practitioner["id"] == str(directory.lee.pk)


def test_polling_a_running_export_answers_202_with_progress(fhir):
    job = BulkExport.objects.create(
        partner=fhir.partner,
        request_url="http://testserver/fhir/r4/$export",
        types=["Practitioner"],
        status=ExportStatus.RUNNING,
        progress="0 of 1 resource types written",
    )
    response = fhir.get(f"/fhir/r4/$export-status/{job.pk}")
    assert response.status_code == 202
    assert response["X-Progress"] == "0 of 1 resource types written"
    assert int(response["Retry-After"]) > 0


def test_delete_cancels_an_export_and_removes_its_files(fhir, directory, export_storage):
    status_url = kick_off(fhir)
    assert any(export_storage.rglob("*.ndjson"))
    response = fhir.delete(status_url)
    assert response.status_code == 202
    assert not any(export_storage.rglob("*.ndjson"))
    assert fhir.get(status_url).status_code == 404
    assert fhir.delete(status_url).status_code == 404


def test_a_cancelled_queued_export_never_runs(fhir, directory):
    from fhir_api.tasks import run_export

    job = BulkExport.objects.create(
        partner=fhir.partner, request_url="http://x/", types=["Practitioner"]
    )
    export.cancel(job)
    assert run_export.call(str(job.pk)) == "not queued (cancelled or already run)"


def test_another_partners_key_cannot_see_or_download_an_export(fhir, directory):
    status_url = kick_off(fhir, "?_type=Organization")
    file_url = manifest(fhir, status_url)["output"][0]["url"]
    other = fhir_client(name="Other partner")
    assert other.get(status_url).status_code == 404
    assert other.get(file_url).status_code == 404
    assert other.delete(status_url).status_code == 404


@pytest.mark.parametrize(
    ("query", "headers", "issue"),
    [
        ("", {}, "invalid"),  # no Prefer: respond-async
        ("?_type=Patient", ASYNC, "invalid"),
        ("?_since=yesterday", ASYNC, "invalid"),
        ("?_outputFormat=text/csv", ASYNC, "not-supported"),
        ("?_typeFilter=Practitioner%3Fname%3Dx", ASYNC, "not-supported"),
    ],
)
def test_a_kick_off_the_server_cannot_honour_is_an_outcome(fhir, query, headers, issue):
    response = fhir.get(f"/fhir/r4/$export{query}", **headers)
    assert response.status_code == 400
    body = validated(response.json())
    assert body["issue"][0]["code"] == issue
    assert not BulkExport.objects.exists()


def test_export_needs_the_fhir_scope(db):
    response = fhir_client("read").get("/fhir/r4/$export", **ASYNC)
    assert response.status_code == 403
    assert validated(response.json())["resourceType"] == "OperationOutcome"


def test_a_failed_export_reports_an_outcome(fhir, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(export, "write_ndjson", broken)
    response = fhir.get(kick_off(fhir))
    assert response.status_code == 500
    assert validated(response.json())["issue"][0]["code"] == "exception"


def test_the_daily_job_deletes_exports_older_than_a_day(fhir, directory, export_storage):
    assert EXPIRY_JOB in daily_jobs()
    status_url = kick_off(fhir)
    assert any(export_storage.rglob("*.ndjson"))
    with time_machine.travel(timezone.now() + datetime.timedelta(hours=23)):
        run_daily_jobs()
        assert BulkExport.objects.count() == 1
    with time_machine.travel(timezone.now() + datetime.timedelta(hours=25)):
        run_daily_jobs()
    assert not BulkExport.objects.exists()
    assert not any(export_storage.rglob("*.ndjson"))
    assert fhir.get(status_url).status_code == 404


def test_export_files_are_written_in_bounded_chunks(fhir, directory, monkeypatch):
    """The task reads rows with iterator(chunk_size=…), never the whole table at once."""
    monkeypatch.setattr(export, "CHUNK_SIZE", 1)
    body = manifest(fhir, kick_off(fhir, "?_type=VerificationResult"))
    resources = download(fhir, body["output"][0]["url"])
    assert len(resources) == Attestation.objects.count() == 3


def in_progress(partner, status=ExportStatus.RUNNING, **fields) -> BulkExport:
    return BulkExport.objects.create(
        partner=partner,
        request_url="http://testserver/fhir/r4/$export",
        types=["Practitioner"],
        status=status,
        **fields,
    )


def test_a_kick_off_beyond_the_partners_exports_at_once_answers_429(fhir, settings):
    settings.FHIR_EXPORTS_AT_ONCE = 2
    in_progress(fhir.partner, ExportStatus.QUEUED)
    in_progress(fhir.partner, ExportStatus.RUNNING)

    response = fhir.get("/fhir/r4/$export", **ASYNC)

    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    outcome = validated(response.json())
    assert outcome["issue"][0]["code"] == "throttled"
    assert "2 exports in progress" in outcome["issue"][0]["diagnostics"]
    assert BulkExport.objects.filter(partner=fhir.partner).count() == 2


def test_finished_stuck_and_other_partners_exports_leave_room_for_a_new_one(fhir, settings):
    settings.FHIR_EXPORTS_AT_ONCE = 1
    in_progress(fhir.partner, ExportStatus.DONE)
    in_progress(fhir.partner, created_at=timezone.now() - export.STUCK_AFTER)  # its worker died
    in_progress(fhir_client(name="Another partner").partner)

    kick_off(fhir)

    assert BulkExport.objects.filter(partner=fhir.partner).count() == 3
