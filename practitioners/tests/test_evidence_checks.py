"""Images are decoded after the upload, under limits, and a file that fails is reported.

The upload request stores the file as "being checked" and answers; once its transaction
commits, a task (the test run's immediate backend runs it at once) decodes the image in a
separate process under CPU, memory and pixel limits and records the outcome.
"""

import datetime
import time
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from kernel.models import AuditEntry
from practitioners import evidence as evidence_module
from practitioners.evidence import (
    EVIDENCE_CONCURRENT_UPLOADS,
    EVIDENCE_MAX_CHECKING,
    _give_back_upload_slot,
    _take_upload_slot,
    check_evidence,
    decode_image,
)
from practitioners.models import Attestation, Evidence, EvidenceCheck
from practitioners.tests.factories import AttestationFactory, EvidenceFactory
from practitioners.tests.uploads import image_bytes, pdf, png, png_bomb

pytestmark = pytest.mark.django_db

IN_A_YEAR = (timezone.localdate() + datetime.timedelta(days=365)).isoformat()


def licence_post(*files):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return {
        "kind": "license",
        "number": "RN 12345",
        "issuing_authority": "Texas Board of Nursing",
        "license_type": "Registered Nurse",
        "issued_on": "2021-05-01",
        "expires_on": IN_A_YEAR,
        "evidence": [
            SimpleUploadedFile(name, data, content_type="image/png") for name, data in files
        ]
        or [pdf()],
    }


def damaged_png() -> bytes:
    """A PNG whose header is fine and whose pixel data is cut off."""
    return image_bytes("PNG", size=(400, 300))[:80]


@pytest.fixture
def owner_client(client, practitioner_owner):
    client.force_login(practitioner_owner)
    return client


def test_an_uploaded_image_is_stored_as_being_checked_and_not_decoded_during_the_request(
    owner_client,
):
    # 59.9 million pixels: a second or more of CPU to decode. The request only reads the
    # header; how fast a server stays meanwhile is measured in test_evidence_uploads_load.py.
    response = owner_client.post(
        "/dashboard/credentials/new/", licence_post(("scan.png", png_bomb()))
    )

    assert response.status_code == 302
    evidence = Evidence.objects.get()
    assert evidence.check_status == EvidenceCheck.CHECKING
    detail = owner_client.get(f"/dashboard/attestations/{evidence.attestation_id}/").text
    assert "scan.png" in detail
    assert "Being checked" in detail
    assert "scan.png is being checked." in owner_client.get("/dashboard/").text
    opened = owner_client.get(f"/dashboard/evidence/{evidence.pk}/")
    assert opened.status_code == 409
    assert opened.text == "This file is still being checked; try again in a minute."


def test_once_the_upload_commits_a_good_image_is_checked_and_opens(
    owner_client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        owner_client.post("/dashboard/credentials/new/", licence_post(("scan.png", png().read())))

    evidence = Evidence.objects.get()
    assert evidence.check_status == EvidenceCheck.PASSED
    assert evidence.checked_at is not None
    assert owner_client.get(f"/dashboard/evidence/{evidence.pk}/").status_code == 200
    assert not mail.outbox


def test_a_damaged_image_is_reported_to_its_uploader_on_the_page_in_the_history_and_by_email(
    owner_client, practitioner_owner, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        owner_client.post(
            "/dashboard/credentials/new/", licence_post(("spore-test.png", damaged_png()))
        )
    with django_capture_on_commit_callbacks(execute=True):
        pass  # the check's own e-mail is queued when its transaction commits

    evidence = Evidence.objects.get()
    message = (
        "“spore-test.png” looks like a PNG but cannot be read; it may be damaged. "
        "Please export it again and re-upload."
    )
    assert (evidence.check_status, evidence.check_message) == (EvidenceCheck.FAILED, message)
    entry = AuditEntry.objects.get(action="evidence.unreadable")
    assert (entry.object_id, entry.actor_label, entry.note) == (
        evidence.attestation_id,
        "evidence check",
        message,
    )
    detail = owner_client.get(f"/dashboard/attestations/{evidence.attestation_id}/").text
    assert "Could not be read" in detail
    assert "A file could not be read" in detail  # the history
    assert "it may be damaged" in detail
    assert "spore-test.png</a> could not be read." in owner_client.get("/dashboard/").text
    [email] = [m for m in mail.outbox if m.subject == "We could not read a file you uploaded"]
    assert email.to == [practitioner_owner.email]
    assert message in email.body
    assert owner_client.get(f"/dashboard/evidence/{evidence.pk}/").status_code == 409


def test_the_verifier_sees_which_files_are_being_checked_or_could_not_be_read(client, verifier):
    attestation = AttestationFactory()
    EvidenceFactory(attestation=attestation, original_name="fine.pdf")
    EvidenceFactory(
        attestation=attestation,
        original_name="photo.png",
        content_type="image/png",
        check_status=EvidenceCheck.FAILED,
        check_message="“photo.png” looks like a PNG but cannot be read.",
    )
    EvidenceFactory(
        attestation=attestation,
        original_name="later.png",
        content_type="image/png",
        check_status=EvidenceCheck.CHECKING,
    )
    client.force_login(verifier)

    page = client.get(f"/verification/attestations/{attestation.pk}/").text

    assert "fine.pdf</a>" in page
    assert "“photo.png” looks like a PNG but cannot be read." in page
    assert "later.png (image/png" in page
    assert "Being checked" in page
    # Only a file that passed is shown or linked.
    assert page.count('href="/dashboard/evidence/') == 2  # fine.pdf: open and download


def test_an_image_that_takes_too_long_to_decode_is_refused_under_the_time_limit(
    tmp_path, monkeypatch
):
    monkeypatch.setattr(evidence_module, "IMAGE_CHECK_SECONDS", 1)
    path = tmp_path / "bomb.png"
    path.write_bytes(png_bomb(depth=16))  # 59.9 megapixels of 16-bit RGBA: seconds of CPU

    started = time.monotonic()
    problem = decode_image(path, name="bomb.png", expected_format="PNG")
    elapsed = time.monotonic() - started

    assert problem == (
        "“bomb.png” took too long to check (over 1 seconds of work). Please export it "
        "again at a lower resolution, or as a PDF."
    )
    assert elapsed < 5


def test_a_worst_case_image_under_the_limits_decodes(tmp_path):
    path = tmp_path / "big.png"
    path.write_bytes(png_bomb())

    assert decode_image(path, name="big.png", expected_format="PNG") is None


def test_a_file_whose_content_is_not_the_format_it_claims_fails_the_check(tmp_path):
    path = tmp_path / "scan.png"
    path.write_bytes(image_bytes("JPEG"))

    problem = decode_image(path, name="scan.png", expected_format="PNG")

    assert problem == (
        "“scan.png” looks like a PNG but cannot be read; it may be damaged. "
        "Please export it again and re-upload."
    )


def test_a_check_decides_once_even_when_run_twice(practitioner_owner):
    attestation = AttestationFactory(practitioner=practitioner_owner.practitioner_profile)
    evidence = EvidenceFactory(
        attestation=attestation,
        content_type="image/png",
        check_status=EvidenceCheck.CHECKING,
        file__data=damaged_png(),
    )

    assert check_evidence(evidence.pk) == "failed"
    assert check_evidence(evidence.pk) == "nothing to check"
    assert AuditEntry.objects.filter(action="evidence.unreadable").count() == 1


def test_the_command_checks_files_left_waiting(practitioner_owner):
    attestation = AttestationFactory(practitioner=practitioner_owner.practitioner_profile)
    good = EvidenceFactory(
        attestation=attestation,
        content_type="image/png",
        check_status=EvidenceCheck.CHECKING,
        file__data=image_bytes("PNG"),
    )
    bad = EvidenceFactory(
        attestation=attestation,
        content_type="image/png",
        check_status=EvidenceCheck.CHECKING,
        file__data=damaged_png(),
    )
    out = StringIO()
    call_command("check_evidence", stdout=out, stderr=StringIO())

    good.refresh_from_db()
    bad.refresh_from_db()
    assert (good.check_status, bad.check_status) == (EvidenceCheck.PASSED, EvidenceCheck.FAILED)
    assert "Checked 2 file(s): 1 passed, 1 could not be read." in out.getvalue()


# --- A few uploads at a time per account ----------------------------------------------------


def test_an_account_with_its_uploads_in_progress_is_asked_to_wait(owner_client, practitioner_owner):
    for _ in range(EVIDENCE_CONCURRENT_UPLOADS):
        assert _take_upload_slot(practitioner_owner)  # uploads still being received
    try:
        response = owner_client.post(
            "/dashboard/credentials/new/", licence_post(("scan.png", png().read()))
        )
    finally:
        for _ in range(EVIDENCE_CONCURRENT_UPLOADS):
            _give_back_upload_slot(practitioner_owner)

    assert response.status_code == 429
    assert response["Retry-After"] == "60"
    assert "You already have 2 uploads in progress" in response.text
    assert not Attestation.objects.exists()
    again = owner_client.post(
        "/dashboard/credentials/new/", licence_post(("scan.png", png().read()))
    )
    assert again.status_code == 302


def test_another_account_is_not_held_back_by_one_busy_account(
    client, practitioner_owner, other_practitioner_owner
):
    for _ in range(EVIDENCE_CONCURRENT_UPLOADS):
        _take_upload_slot(practitioner_owner)
    client.force_login(other_practitioner_owner)
    try:
        response = client.post("/dashboard/credentials/new/", licence_post())
    finally:
        for _ in range(EVIDENCE_CONCURRENT_UPLOADS):
            _give_back_upload_slot(practitioner_owner)

    assert response.status_code == 302


def test_an_account_with_many_files_waiting_for_their_check_is_asked_to_wait(
    owner_client, practitioner_owner
):
    attestation = AttestationFactory(practitioner=practitioner_owner.practitioner_profile)
    for _ in range(EVIDENCE_MAX_CHECKING):
        EvidenceFactory(attestation=attestation, check_status=EvidenceCheck.CHECKING)

    response = owner_client.post("/dashboard/credentials/new/", licence_post())

    assert response.status_code == 429
    assert f"{EVIDENCE_MAX_CHECKING} files you uploaded are still being checked" in response.text
    assert Attestation.objects.count() == 1
