"""Evidence uploads are judged by content, capped in size, and served only to who may see them."""

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from practitioners.evidence import check_upload
from practitioners.tests.factories import AttestationFactory, EvidenceFactory
from practitioners.tests.uploads import (
    PDF_BYTES,
    exe_named_pdf,
    html_named_png,
    image_bytes,
    jpeg,
    pdf,
    png,
)


@pytest.mark.parametrize(
    ("upload", "content_type"),
    [(pdf, "application/pdf"), (png, "image/png"), (jpeg, "image/jpeg")],
)
def test_a_real_pdf_png_or_jpeg_is_accepted(upload, content_type):
    result = check_upload(upload())
    assert result.content_type == content_type
    assert len(result.sha256) == 64


def test_an_executable_renamed_pdf_is_refused():
    with pytest.raises(ValidationError, match="not a PDF, JPEG or PNG"):
        check_upload(exe_named_pdf())


def test_an_html_file_named_png_is_refused():
    with pytest.raises(ValidationError, match="not a PDF, JPEG or PNG"):
        check_upload(html_named_png())


def test_a_png_named_pdf_is_accepted_as_what_it_really_is():
    upload = SimpleUploadedFile("scan.pdf", image_bytes("PNG"), content_type="application/pdf")
    assert check_upload(upload).content_type == "image/png"


def test_a_file_with_png_magic_bytes_but_no_readable_header_is_refused_at_once():
    broken = image_bytes("PNG")[:20]
    with pytest.raises(ValidationError, match="cannot be read"):
        check_upload(SimpleUploadedFile("scan.png", broken))


def test_an_image_is_accepted_for_checking_from_its_header_alone():
    # Its pixel data is cut off: the background check finds that (test_evidence_checks.py).
    truncated = image_bytes("PNG", size=(400, 300))[:80]

    result = check_upload(SimpleUploadedFile("scan.png", truncated))

    assert (result.content_type, result.check_status) == ("image/png", "checking")


def test_an_image_over_the_pixel_cap_is_refused_at_once_from_its_header():
    from practitioners.tests.uploads import png_bomb

    huge = png_bomb(9000, 7000)

    with pytest.raises(ValidationError) as error:
        check_upload(SimpleUploadedFile("scan.png", huge))

    assert error.value.messages == [
        "“scan.png” is 9,000 by 7,000 pixels (63.0 megapixels); images can be at most 60 "
        "megapixels. Please scale it down or export the page as a PDF."
    ]


def test_a_pdf_needs_no_background_check():
    assert check_upload(pdf()).check_status == "passed"


def test_a_file_with_a_pdf_header_but_no_end_is_refused():
    with pytest.raises(ValidationError, match="cannot be read"):
        check_upload(SimpleUploadedFile("scan.pdf", b"%PDF-1.4\n" + b"A" * 500))


def test_a_gif_is_refused_even_though_it_is_an_image():
    with pytest.raises(ValidationError, match="not a PDF, JPEG or PNG"):
        check_upload(SimpleUploadedFile("scan.png", image_bytes("GIF")))


def test_an_empty_file_is_refused():
    with pytest.raises(ValidationError, match="is empty"):
        check_upload(SimpleUploadedFile("scan.pdf", b""))


def test_a_file_over_the_size_limit_is_refused_with_the_limit_in_the_message(settings):
    settings.EVIDENCE_MAX_BYTES = 100
    with pytest.raises(ValidationError) as error:
        check_upload(SimpleUploadedFile("big.pdf", PDF_BYTES + b" " * 200))
    assert "at most 100\xa0bytes" in error.value.messages[0]


def test_the_uploaded_name_is_kept_only_as_a_label_without_its_path():
    upload = SimpleUploadedFile("../../etc/passwd\x00.pdf", PDF_BYTES)
    assert check_upload(upload).original_name == "passwd.pdf"


# --- Serving -------------------------------------------------------------------------------


@pytest.fixture
def evidence(practitioner_owner):
    attestation = AttestationFactory(practitioner=practitioner_owner.practitioner_profile)
    return EvidenceFactory(attestation=attestation, original_name="my licence.pdf")


@pytest.mark.django_db
def test_the_owning_practitioner_can_open_their_evidence(client, practitioner_owner, evidence):
    client.force_login(practitioner_owner)
    response = client.get(f"/dashboard/evidence/{evidence.pk}/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    assert response["Content-Type"] == "application/pdf"
    assert {"private", "no-store"} <= set(response["Cache-Control"].replace(" ", "").split(","))
    assert "sandbox" in response["Content-Security-Policy"]
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.django_db
def test_a_verifier_can_open_any_evidence(client, verifier, evidence):
    client.force_login(verifier)
    assert client.get(f"/dashboard/evidence/{evidence.pk}/").status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["patient", "other_practitioner_owner", "moderator"])
def test_nobody_else_can_open_evidence_or_learn_it_exists(client, request, role, evidence):
    client.force_login(request.getfixturevalue(role))
    assert client.get(f"/dashboard/evidence/{evidence.pk}/").status_code == 404
    assert client.get("/dashboard/evidence/999999/").status_code == 404


@pytest.mark.django_db
def test_an_anonymous_visitor_is_sent_to_sign_in_for_evidence(client, evidence):
    response = client.get(f"/dashboard/evidence/{evidence.pk}/")
    assert response.status_code == 302
    assert "/login/" in response["Location"]


@pytest.mark.django_db
def test_evidence_is_stored_outside_the_public_media_path(settings, evidence):
    from pathlib import Path

    stored = Path(evidence.file.path).resolve()
    assert Path(settings.EVIDENCE_ROOT).resolve() in stored.parents
    assert Path(settings.MEDIA_ROOT).resolve() not in stored.parents


def test_an_oversized_upload_is_kept_only_up_to_the_limit_but_reported_at_full_size(settings):
    from django.test import RequestFactory

    from practitioners.evidence import CappedUploadHandler

    settings.EVIDENCE_MAX_BYTES = 1000
    handler = CappedUploadHandler(RequestFactory().post("/"))
    handler.new_file("evidence", "huge.pdf", "application/pdf", None)
    handler.receive_data_chunk(PDF_BYTES + b"x" * 1500, 0)
    handler.receive_data_chunk(b"y" * 1500, 1500)
    upload = handler.file_complete(len(PDF_BYTES) + 3000)
    upload.seek(0)
    assert len(upload.read()) == 1001
    assert upload.size == len(PDF_BYTES) + 3000
    with pytest.raises(ValidationError) as error:
        check_upload(upload)
    assert error.value.messages == ["“huge.pdf” is 3.1\xa0KB; files can be at most 1000\xa0bytes."]


def test_a_file_just_over_the_limit_is_refused_with_two_sizes_that_differ(settings):
    settings.EVIDENCE_MAX_BYTES = 10 * 1024 * 1024
    upload = SimpleUploadedFile("scan.pdf", PDF_BYTES + b" " * (10_485_776 - len(PDF_BYTES)))

    with pytest.raises(ValidationError) as error:
        check_upload(upload)

    assert error.value.messages == [
        "“scan.pdf” is 10,485,776\xa0bytes; files can be at most 10,485,760\xa0bytes (10.0\xa0MB)."
    ]
