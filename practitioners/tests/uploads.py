"""Real and forged evidence files for tests: built in memory, byte by byte."""

import functools
import io
import struct
import zlib

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


@functools.cache
def png_bomb(width: int = 8660, height: int = 6916, *, depth: int = 8) -> bytes:
    """A valid, fully transparent, Adam7-interlaced RGBA PNG: small on disk, huge decoded.

    The default is 59.9 megapixels (just under the cap) in about 230 KB — what a hostile
    tester uploads: every pixel decodes to 4 bytes (8 with ``depth=16``).
    """
    passes = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4)]
    passes += [(1, 0, 2, 2), (0, 1, 1, 2)]
    bytes_per_pixel = 4 * depth // 8
    compressor = zlib.compressobj(9)
    data = []
    for x0, y0, dx, dy in passes:
        columns = (width - x0 + dx - 1) // dx if width > x0 else 0
        rows = (height - y0 + dy - 1) // dy if height > y0 else 0
        if not columns or not rows:
            continue
        line = bytes(1 + columns * bytes_per_pixel)  # filter byte 0, then transparent pixels
        per_block = max(1, (1 << 20) // len(line))
        while rows > 0:
            count = min(rows, per_block)
            data.append(compressor.compress(line * count))
            rows -= count
    data.append(compressor.flush())
    header = struct.pack(">IIBBBBB", width, height, depth, 6, 0, 0, 1)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", b"".join(data))
        + _png_chunk(b"IEND", b"")
    )


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    crc = zlib.crc32(kind + data) & 0xFFFFFFFF
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)
