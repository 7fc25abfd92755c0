"""Real and forged evidence files for tests: built in memory, byte by byte."""

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from practitioners.evidence import CheckedUpload, check_upload

PDF_BYTES = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


def image_bytes(fmt: str = "PNG", size: tuple[int, int] = (40, 30)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 120, 40)).save(buffer, format=fmt)
    return buffer.getvalue()


def pdf(name: str = "licence.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF_BYTES, content_type="application/pdf")


def png(name: str = "spore-test.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, image_bytes("PNG"), content_type="image/png")


def jpeg(name: str = "autoclave-log.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, image_bytes("JPEG"), content_type="image/jpeg")


def exe_named_pdf() -> SimpleUploadedFile:
    # A Windows executable starts with "MZ" and a DOS stub; the browser says it is a PDF.
    data = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 200
    return SimpleUploadedFile("licence.pdf", data, content_type="application/pdf")


def html_named_png() -> SimpleUploadedFile:
    data = b"<!doctype html><html><body><script>alert(document.cookie)</script></body></html>"
    return SimpleUploadedFile("photo.png", data, content_type="image/png")


def checked(upload: SimpleUploadedFile | None = None) -> list[CheckedUpload]:
    """What the form hands the service: uploads that passed the content check."""
    return [check_upload(upload or pdf())]
