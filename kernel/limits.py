"""How much one request may send, checked before anything else reads it.

| What                                   | Limit          | Answer |
| -------------------------------------- | -------------- | ------ |
| Request target (path and query)        | 4,096 bytes    | 414    |
| One header (name, ": " and value)      | 8,190 bytes    | 431    |
| Number of headers                      | 100            | 431    |
| All headers together                   | 32,768 bytes   | 431    |
| Body of an API request (``/api/``)     | 2 MB           | 413    |
| Body of a page request (evidence too)  | see below      | 413    |
| Nesting of a JSON body                 | 32 levels      | 400    |

``RequestLimitsMiddleware`` answers the first six from the request line, the headers and
``Content-Length`` alone, before any view reads the body or the key is checked: JSON in the
API's error shape under ``/api/``, a page everywhere else. It comes after the middleware
that adds the security headers (CSP, HSTS, nosniff), so its pages carry them; nothing
before it reads the body or the database.
``gunicorn.conf.py`` sets gunicorn's own limits above these, so gunicorn passes such
requests on for this middleware to answer rather than refusing them with its own page;
only beyond those (a request line over 8,190 bytes, a header over 16,384 bytes, more than
128 headers) does gunicorn refuse by itself. The JSON depth is checked by the API's
parser (``partners.api.parsers``), which can see the body.

A page body may carry a full evidence submission: its form fields (``2 MB``,
``DATA_UPLOAD_MAX_MEMORY_SIZE``) and ``EVIDENCE_MAX_FILES`` files of at most
``EVIDENCE_MAX_BYTES`` each.
"""

from dataclasses import dataclass
from http import HTTPStatus

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.views import defaults
from django.views.decorators.csrf import requires_csrf_token

from kernel.errors import FHIR_PREFIX, error_body, outcome_response

MAX_TARGET_BYTES = 4096
MAX_HEADER_BYTES = 8190
MAX_HEADER_COUNT = 100
MAX_HEADERS_TOTAL_BYTES = 32_768
MAX_JSON_DEPTH = 32


def api_body_max_bytes() -> int:
    return settings.DATA_UPLOAD_MAX_MEMORY_SIZE


def page_body_max_bytes() -> int:
    """The largest page request: a full evidence submission with its form."""
    return (
        settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        + settings.EVIDENCE_MAX_FILES * settings.EVIDENCE_MAX_BYTES
    )


def is_api(request: HttpRequest) -> bool:
    return request.path_info.startswith("/api/")


def is_fhir(request: HttpRequest) -> bool:
    return request.path_info.startswith(FHIR_PREFIX)


def fhir_refusal(message: str, status: int) -> JsonResponse:
    """A refusal under /fhir/: an OperationOutcome, never a page."""
    issue = "too-costly" if status in (413, 414, 431) else "invalid"
    return outcome_response(message, status=status, issue=issue)


@dataclass(frozen=True)
class Refusal:
    status: int
    code: str
    message: str


def _header_lines(request: HttpRequest) -> list[tuple[str, str]]:
    """The request's headers as (name, value), rebuilt from the WSGI environ."""
    lines = []
    for key, value in request.META.items():
        if key.startswith("HTTP_"):
            name = key[5:]
        elif key in ("CONTENT_TYPE", "CONTENT_LENGTH") and value:
            name = key
        else:
            continue
        lines.append((name.replace("_", "-").title(), str(value)))
    return lines


def _target_bytes(request: HttpRequest) -> int:
    # Gunicorn passes the target exactly as sent; elsewhere rebuild it (already %-encoded).
    raw = request.META.get("RAW_URI") or request.get_full_path()
    return len(raw.encode("utf-8", "surrogateescape"))


def bytes_in_words(size: int) -> str:
    return f"{size:,} bytes"


def refusal_for(request: HttpRequest) -> Refusal | None:
    """Why this request is over a limit, or None when it is within all of them."""
    target = _target_bytes(request)
    if target > MAX_TARGET_BYTES:
        return Refusal(
            HTTPStatus.REQUEST_URI_TOO_LONG,
            "uri_too_long",
            f"The address is {bytes_in_words(target)} long; at most "
            f"{bytes_in_words(MAX_TARGET_BYTES)} are accepted. Send fewer or shorter "
            "query parameters.",
        )
    headers = _header_lines(request)
    if len(headers) > MAX_HEADER_COUNT:
        return Refusal(
            HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE,
            "headers_too_large",
            f"The request has {len(headers)} headers; at most {MAX_HEADER_COUNT} are accepted.",
        )
    total = 0
    for name, value in headers:
        size = len(name) + 2 + len(value.encode("utf-8", "surrogateescape"))
        total += size + 2
        if size > MAX_HEADER_BYTES:
            return Refusal(
                HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE,
                "headers_too_large",
                f"The {name} header is {bytes_in_words(size)}; one header may have at most "
                f"{bytes_in_words(MAX_HEADER_BYTES)}.",
            )
    if total > MAX_HEADERS_TOTAL_BYTES:
        return Refusal(
            HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE,
            "headers_too_large",
            f"The headers add up to {bytes_in_words(total)}; at most "
            f"{bytes_in_words(MAX_HEADERS_TOTAL_BYTES)} are accepted.",
        )
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return Refusal(
            HTTPStatus.BAD_REQUEST, "invalid_content_length", "Content-Length is not a number."
        )
    limit = api_body_max_bytes() if is_api(request) else page_body_max_bytes()
    if length > limit:
        return body_too_large(limit, length)
    return None


def body_too_large(limit: int, length: int | None = None) -> Refusal:
    """The refusal of a body over ``limit`` bytes (``length`` when it was announced)."""
    allowed = f"{bytes_in_words(limit)} ({limit / (1024 * 1024):g} MB)"
    if length:
        message = f"The request body is {bytes_in_words(length)}; at most {allowed} are accepted."
    else:
        message = f"The request body is larger than the {allowed} accepted."
    return Refusal(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, "request_too_large", message)


def form_fields_too_large() -> Refusal:
    """A form whose fields (files aside) add up to more than DATA_UPLOAD_MAX_MEMORY_SIZE."""
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    return Refusal(
        HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
        "request_too_large",
        f"The form's fields add up to more than {bytes_in_words(limit)} "
        f"({limit / (1024 * 1024):g} MB).",
    )


def refusal_response(request: HttpRequest, refusal: Refusal) -> HttpResponse:
    """The refusal as JSON in the API's error shape under /api/ (an OperationOutcome under
    /fhir/), as a page elsewhere."""
    if is_fhir(request):
        response = fhir_refusal(refusal.message, refusal.status)
    elif is_api(request):
        response = JsonResponse(error_body(refusal.code, refusal.message), status=refusal.status)
    else:
        # Rendered without the request: reading the session or the user could need the
        # database, which a refused request should not cost.
        response = HttpResponse(
            render_to_string(
                "request_limit.html",
                {"status": refusal.status, "message": refusal.message},
            ),
            status=refusal.status,
        )
    response["Cache-Control"] = "no-store"
    return response


class RequestLimitsMiddleware:
    """Refuse over-long addresses, over-large headers and bodies before anything reads them."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        refusal = refusal_for(request)
        if refusal is not None:
            return refusal_response(request, refusal)
        return self.get_response(request)


@requires_csrf_token
def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """The root URLconf's 400 handler: JSON under /api/, and a 413 for a body too large."""
    if isinstance(exception, RequestDataTooBig):
        refusal = (
            body_too_large(api_body_max_bytes()) if is_api(request) else form_fields_too_large()
        )
        return refusal_response(request, refusal)
    if is_fhir(request):
        return fhir_refusal("The request is malformed and cannot be answered.", 400)
    if is_api(request):
        return JsonResponse(
            error_body("bad_request", "The request is malformed and cannot be answered."),
            status=HTTPStatus.BAD_REQUEST,
        )
    return defaults.bad_request(request, exception)
