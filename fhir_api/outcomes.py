"""Every FHIR error is an OperationOutcome: never HTML, never the partner API's error shape.

The partner API's exception handler already decides each failure's status and headers
(401 with ``WWW-Authenticate``, 429 with ``Retry-After``, 503 while the database is away…);
this module keeps those and rewrites the body as an OperationOutcome whose issue code
says what kind of failure it was.
"""

from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from rest_framework.response import Response

from kernel.errors import DomainError, operation_outcome, outcome_response
from partners.api.errors import api_exception_handler

# The FHIR issue type (http://hl7.org/fhir/issue-type) of each HTTP status we answer.
ISSUE_CODES = {
    400: "invalid",
    401: "login",
    403: "forbidden",
    404: "not-found",
    405: "not-supported",
    406: "not-supported",
    410: "deleted",
    413: "too-costly",
    415: "not-supported",
    429: "throttled",
    503: "transient",
}


class FhirError(DomainError):
    """A request the FHIR API refuses; ``issue`` is the OperationOutcome's issue code."""

    issue = "invalid"

    def __init__(self, message: str, *, status: int = 400, issue: str | None = None):
        super().__init__(message, code=issue or self.issue)
        self.status = status
        self.issue = issue or self.issue


def not_supported(message: str) -> FhirError:
    return FhirError(message, issue="not-supported")


def not_found(message: str) -> FhirError:
    return FhirError(message, status=404, issue="not-found")


def fhir_exception_handler(exc, context) -> Response:
    """DRF's exception handler for the FHIR views: the partner API's answer, as FHIR."""
    response = api_exception_handler(exc, context)
    error = response.data["error"]
    if isinstance(exc, FhirError):
        issue = exc.issue
    else:
        issue = ISSUE_CODES.get(response.status_code, "exception")
    message = error["message"]
    if error.get("fields"):
        message = "; ".join(
            f"{name}: {' '.join(messages)}" for name, messages in error["fields"].items()
        )
    response.data = operation_outcome(message, issue=issue)
    return response


@csrf_exempt  # any method may land here; there is no form or session to protect
def unknown_path(request: HttpRequest, *args, **kwargs) -> JsonResponse:
    """Any path under /fhir/r4/ that names no interaction."""
    return outcome_response("No FHIR interaction at this path.", status=404, issue="not-found")
