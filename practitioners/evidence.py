"""Evidence uploads: what we accept, judged by content and never by the file's name.

A file is accepted when its bytes say it is a PDF, JPEG or PNG (``filetype`` sniffs the
magic numbers), it is no larger than ``settings.EVIDENCE_MAX_BYTES``, a PDF really starts
with ``%PDF-`` and ends with ``%%EOF``, and an image's header names its format and at most
``MAX_IMAGE_PIXELS`` pixels. Accepted files are stored under their SHA-256 in the
``evidence`` storage, outside the public media path.

Decoding an image is the expensive part — a 230 KB PNG can unpack to 240 MB of pixels —
so it never happens while a request waits. The upload is stored as ``checking`` and, once
its transaction commits, ``check_image_evidence`` (a task on the ``default`` queue) decodes
it in a separate low-priority process under CPU-time, memory and pixel limits
(``decode_image``, ``practitioners/image_probe.py``). ``evidence_check_finish`` then marks
it ``passed`` or ``failed``; a failed image is recorded on the attestation's history and
its uploader is e-mailed why. Files are served only once they passed.

One account may have at most ``EVIDENCE_CONCURRENT_UPLOADS`` uploads in progress and
``EVIDENCE_MAX_CHECKING`` files waiting for their check (``capped_evidence_uploads``); past
either, the upload is refused with a 429 page before its body is read.
"""

import contextlib
import hashlib
import logging
import subprocess
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import partial, wraps
from pathlib import Path

import filetype
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import TemporaryFileUploadHandler
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.tasks import task
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from PIL import Image, UnidentifiedImageError

from kernel.notifications import email_user
from kernel.workflow import record
from practitioners.models import Evidence, EvidenceCheck

logger = logging.getLogger(__name__)

ALLOWED_TYPES = {
    "application/pdf": "PDF",
    "image/jpeg": "JPEG",
    "image/png": "PNG",
}
MAX_FILES_PER_SUBMISSION = settings.EVIDENCE_MAX_FILES
# A 600 dpi scan of a letter page is 34 megapixels, a full-resolution phone photo up to 48;
# more is a decompression bomb, or nothing a verifier needs.
MAX_IMAGE_PIXELS = 60_000_000
# CPU seconds one image may take to decode (a 60-megapixel PNG takes one or two).
IMAGE_CHECK_SECONDS = 20
# Per account: uploads in progress at once, and files waiting for their check.
EVIDENCE_CONCURRENT_UPLOADS = 2
EVIDENCE_MAX_CHECKING = 20
PROBE = Path(__file__).with_name("image_probe.py")


@dataclass(frozen=True)
class CheckedUpload:
    upload: UploadedFile
    content_type: str
    size: int
    sha256: str
    original_name: str
    # ``checking`` for images, decoded after the upload; ``passed`` for PDFs.
    check_status: str = EvidenceCheck.PASSED


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


def _image_header_problem(upload: UploadedFile, name: str, expected_format: str) -> str | None:
    """Read only the image's header (cheap): its format and size. Decoding comes later."""
    upload.seek(0)
    try:
        with Image.open(upload) as image:
            found, (width, height) = image.format, image.size
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        return _damaged(name, expected_format)
    finally:
        upload.seek(0)
    if found != expected_format:
        return _damaged(name, expected_format)
    if width * height > MAX_IMAGE_PIXELS:
        return too_many_pixels(name, width, height)
    return None


def _damaged(name: str, kind: str) -> str:
    return (
        f"“{name}” looks like a {kind} but cannot be read; it may be damaged. "
        "Please export it again and re-upload."
    )


def too_many_pixels(name: str, width: int, height: int) -> str:
    return (
        f"“{name}” is {width:,} by {height:,} pixels ({width * height / 1e6:.1f} megapixels); "
        f"images can be at most {MAX_IMAGE_PIXELS / 1e6:g} megapixels. Please scale it down "
        "or export the page as a PDF."
    )


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
        problem = None if _pdf_looks_whole(upload, size) else _damaged(name, "PDF")
    else:
        problem = _image_header_problem(upload, name, ALLOWED_TYPES[mime])
    if problem:
        raise ValidationError(problem, code="damaged")
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
        check_status=EvidenceCheck.PASSED if mime == "application/pdf" else EvidenceCheck.CHECKING,
    )


# --- Uploads in progress, per account ------------------------------------------------------

# A counter outlives a crashed request by at most this long.
UPLOAD_SLOT_SECONDS = 300


def _upload_key(user) -> str:
    return f"evidence-uploads:{user.pk}"


def _take_upload_slot(user) -> bool:
    """Count one more upload in progress for ``user``; False when that is one too many.

    Counted in the cache with atomic ``add``/``incr``, so the cap holds across processes
    with Redis; while Redis is down the count reads as 0 and uploads are let through.
    """
    key = _upload_key(user)
    cache.add(key, 0, timeout=UPLOAD_SLOT_SECONDS)
    try:
        count = cache.incr(key)
    except ValueError:  # the counter expired between add and incr
        cache.add(key, 1, timeout=UPLOAD_SLOT_SECONDS)
        count = 1
    if count > EVIDENCE_CONCURRENT_UPLOADS:
        _give_back_upload_slot(user)
        return False
    return True


def _give_back_upload_slot(user) -> None:
    # A counter that expired meanwhile has nothing left to give back.
    with contextlib.suppress(ValueError):
        cache.decr(_upload_key(user))


def files_being_checked(user) -> int:
    """How many files ``user`` uploaded that still wait for their check."""
    return Evidence.objects.filter(
        attestation__practitioner__owner=user, check_status=EvidenceCheck.CHECKING
    ).count()


def _busy(request: HttpRequest, message: str) -> HttpResponse:
    response = render(request, "dashboard/uploads_busy.html", {"message": message}, status=429)
    response["Retry-After"] = "60"
    return response


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
    """Parse the view's uploads with ``CappedUploadHandler``, a few at a time per account.

    A POST is refused with 429, before its body is read, while the account already has
    ``EVIDENCE_CONCURRENT_UPLOADS`` uploads in progress or ``EVIDENCE_MAX_CHECKING`` files
    waiting for their check. Handlers must be set before the body is read, and the CSRF
    middleware reads it, so the check moves inside: exempt from the middleware, protected
    by ``csrf_protect``. Put it under ``login_required``.
    """
    protected = csrf_protect(view)

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if request.method != "POST":
            return protected(request, *args, **kwargs)
        waiting = files_being_checked(request.user)
        if waiting >= EVIDENCE_MAX_CHECKING:
            return _busy(
                request,
                f"{waiting} files you uploaded are still being checked. Please wait a few "
                "minutes for them, then send this form again.",
            )
        if not _take_upload_slot(request.user):
            return _busy(
                request,
                f"You already have {EVIDENCE_CONCURRENT_UPLOADS} uploads in progress. Wait "
                "for them to finish, then send this form again.",
            )
        try:
            request.upload_handlers = [CappedUploadHandler(request)]
            return protected(request, *args, **kwargs)
        finally:
            _give_back_upload_slot(request.user)

    return csrf_exempt(wrapped)


# --- Decoding images after the upload -------------------------------------------------------


def _too_costly(name: str) -> str:
    return (
        f"“{name}” took too long to check (over {IMAGE_CHECK_SECONDS} seconds of work). "
        "Please export it again at a lower resolution, or as a PDF."
    )


def decode_image(path: Path, *, name: str, expected_format: str) -> str | None:
    """Decode the image at ``path`` under limits, in its own process; return why it cannot
    be used (a message for its uploader), or None when it decodes."""
    try:
        done = subprocess.run(  # noqa: S603 — our own script and arguments, no shell
            [
                sys.executable,
                "-I",
                str(PROBE),
                str(path),
                expected_format,
                str(MAX_IMAGE_PIXELS),
                str(IMAGE_CHECK_SECONDS),
            ],
            capture_output=True,
            text=True,
            timeout=IMAGE_CHECK_SECONDS * 2,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return _too_costly(name)
    word = done.stdout.strip()
    if done.returncode == 0 and word == "ok":
        return None
    if word == "pixels":
        return (
            f"“{name}” has more than {MAX_IMAGE_PIXELS / 1e6:g} million pixels. Please scale "
            "it down or export the page as a PDF."
        )
    if word in ("format", "damaged"):
        return _damaged(name, expected_format)
    # Killed by its CPU limit (SIGXCPU), out of memory, or crashed: too costly to read.
    logger.warning(
        "Image check of %s ended with status %s: %s", path, done.returncode, done.stderr[-500:]
    )
    return _too_costly(name)


@transaction.atomic
def evidence_check_finish(*, evidence_id: int, problem: str | None) -> bool:
    """Record the outcome of a file's check: passed, or failed with ``problem``, which its
    uploader is e-mailed and which the attestation's history keeps. False if the file was
    deleted or already decided."""
    status = EvidenceCheck.PASSED if problem is None else EvidenceCheck.FAILED
    decided = Evidence.objects.filter(pk=evidence_id, check_status=EvidenceCheck.CHECKING).update(
        check_status=status, check_message=problem or "", checked_at=timezone.now()
    )
    if not decided or problem is None:
        return bool(decided)
    evidence = Evidence.objects.select_related("attestation__practitioner__owner").get(
        pk=evidence_id
    )
    attestation = evidence.attestation
    record(
        attestation,
        action="evidence.unreadable",
        actor_label="evidence check",
        note=problem,
        data={"evidence": evidence.pk, "file": evidence.original_name},
    )
    owner = attestation.practitioner.owner
    if owner is not None:
        email_user(
            to=owner.email,
            subject="We could not read a file you uploaded",
            template="practitioners/email/evidence_unreadable.txt",
            context={
                "attestation": attestation,
                "practitioner": attestation.practitioner,
                "problem": problem,
                "site_url": settings.SITE_URL,
            },
        )
    return True


def check_evidence(evidence_id: int) -> str:
    """Decode one stored image and record the outcome; the task and the command call it."""
    evidence = Evidence.objects.filter(pk=evidence_id, check_status=EvidenceCheck.CHECKING).first()
    if evidence is None:
        return "nothing to check"
    expected = ALLOWED_TYPES.get(evidence.content_type, "")
    try:
        path = Path(evidence.file.path)
    except NotImplementedError:  # pragma: no cover — the evidence storage is on disk
        path = None
    if path is None or not path.exists():
        problem = f"“{evidence.original_name}” is no longer stored. Please upload it again."
    else:
        problem = decode_image(path, name=evidence.original_name, expected_format=expected)
    evidence_check_finish(evidence_id=evidence_id, problem=problem)
    return "passed" if problem is None else "failed"


@task(queue_name="default")
def check_image_evidence(evidence_id: int) -> str:
    """Task: decode one uploaded image under limits and record whether it can be used."""
    return check_evidence(evidence_id)


def _enqueue_check(evidence_id: int) -> None:
    try:
        check_image_evidence.enqueue(evidence_id)
    except Exception:
        # The upload has committed; it stays "checking" until `manage.py check_evidence`.
        logger.exception("Could not queue the check of evidence %s", evidence_id)


def queue_evidence_checks(stored: Iterable[Evidence]) -> None:
    """Queue the checks of just-stored files for when the current transaction commits."""
    for evidence in stored:
        if evidence.check_status == EvidenceCheck.CHECKING:
            transaction.on_commit(partial(_enqueue_check, evidence.pk), robust=True)
