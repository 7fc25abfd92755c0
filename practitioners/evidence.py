"""Evidence uploads: what we accept, judged by content and never by the file's name.

A file is accepted when its bytes say it is a PDF, JPEG or PNG (``filetype`` sniffs the
magic numbers), a PDF really starts with ``%PDF-``, an image really opens and decodes with
Pillow, and it is no larger than ``settings.EVIDENCE_MAX_BYTES``. Accepted files are stored
under their SHA-256 in the ``evidence`` storage, outside the public media path.
"""

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import TemporaryFileUploadHandler
from django.template.defaultfilters import filesizeformat
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from PIL import Image, UnidentifiedImageError

ALLOWED_TYPES = {
    "application/pdf": "PDF",
    "image/jpeg": "JPEG",
    "image/png": "PNG",
}
MAX_FILES_PER_SUBMISSION = settings.EVIDENCE_MAX_FILES
# Pillow refuses images whose pixel count suggests a decompression bomb.
MAX_IMAGE_PIXELS = 60_000_000


@dataclass(frozen=True)
class CheckedUpload:
    upload: UploadedFile
    content_type: str
    size: int
    sha256: str
    original_name: str


def max_bytes() -> int:
    return settings.EVIDENCE_MAX_BYTES


def size_comparison(size: int, limit: int) -> tuple[str, str]:
    """``size`` and ``limit`` in words, precise enough that the two never read the same.

    Rounded, 10,485,776 bytes and a 10,485,760-byte limit are both "10.0 MB"; then the
    exact byte counts are shown, with the rounded limit for reference.
    """
    shown, allowed = filesizeformat(size), filesizeformat(limit)
    if shown != allowed:
        return shown, allowed
    return f"{size:,}\xa0bytes", f"{limit:,}\xa0bytes ({allowed})"


def _read_head(upload: UploadedFile, n: int = 8192) -> bytes:
    upload.seek(0)
    head = upload.read(n)
    upload.seek(0)
    return head


def _image_parses(upload: UploadedFile, expected_format: str) -> bool:
    upload.seek(0)
    try:
        with Image.open(upload) as image:
            if image.format != expected_format:
                return False
            width, height = image.size
            if width * height > MAX_IMAGE_PIXELS:
                return False  # a decompression bomb, or nothing a scan needs
            image.verify()
        upload.seek(0)
        # verify() checks the structure; load() decodes the pixels, which catches truncation.
        with Image.open(upload) as image:
            image.load()
        return True
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        return False
    finally:
        upload.seek(0)


def _pdf_looks_whole(upload: UploadedFile, size: int) -> bool:
    upload.seek(0)
    if upload.read(5) != b"%PDF-":
        return False
    # A PDF ends with an %%EOF marker (possibly followed by whitespace) in its last 1 KiB.
    upload.seek(max(0, size - 1024))
    tail = upload.read()
    upload.seek(0)
    return b"%%EOF" in tail


def _safe_name(name: str) -> str:
    # Keep only the last path component and printable characters; it is shown, never used
    # as a path.
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    cleaned = "".join(ch for ch in base if ch.isprintable()).strip()
    return (cleaned or "evidence")[:200]


def check_upload(upload: UploadedFile) -> CheckedUpload:
    """Accept one uploaded file or raise ValidationError with a message the user can act on."""
    name = _safe_name(upload.name or "")
    size = upload.size or 0
    if size == 0:
        raise ValidationError(f"“{name}” is empty.", code="empty")
    if size > max_bytes():
        shown, allowed = size_comparison(size, max_bytes())
        raise ValidationError(
            f"“{name}” is {shown}; files can be at most {allowed}.", code="too_large"
        )
    kind = filetype.guess(_read_head(upload))
    mime = kind.mime if kind else None
    if mime not in ALLOWED_TYPES:
        raise ValidationError(
            f"“{name}” is not a PDF, JPEG or PNG file (whatever its name says). "
            "Please upload a scan or photo in one of those formats.",
            code="file_type",
        )
    if mime == "application/pdf":
        valid = _pdf_looks_whole(upload, size)
    else:
        valid = _image_parses(upload, ALLOWED_TYPES[mime])
    if not valid:
        raise ValidationError(
            f"“{name}” looks like a {ALLOWED_TYPES[mime]} but cannot be read; "
            "it may be damaged. Please export it again and re-upload.",
            code="damaged",
        )
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return CheckedUpload(
        upload=upload,
        content_type=mime,
        size=size,
        sha256=digest.hexdigest(),
        original_name=name,
    )


class CappedUploadHandler(TemporaryFileUploadHandler):
    """Keep at most ``EVIDENCE_MAX_BYTES + 1`` bytes of each file, but count them all.

    An oversized upload then costs no more disk than an allowed one, and ``check_upload``
    can still tell the user how large the file really was.
    """

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.kept = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> None:
        room = max_bytes() + 1 - self.kept
        if room > 0:
            self.file.write(raw_data[:room])
            self.kept += min(room, len(raw_data))
        return None  # file_complete() receives the full size counted by the parser


def capped_evidence_uploads(view: Callable) -> Callable:
    """Parse the view's uploads with ``CappedUploadHandler``.

    Handlers must be set before the body is read, and the CSRF middleware reads it, so
    the check moves inside: exempt from the middleware, protected by ``csrf_protect``.
    """
    protected = csrf_protect(view)

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if request.method == "POST":
            request.upload_handlers = [CappedUploadHandler(request)]
        return protected(request, *args, **kwargs)

    return csrf_exempt(wrapped)
