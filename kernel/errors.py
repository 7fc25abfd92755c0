"""Domain errors: services raise these, views and the API turn them into messages."""

from django.http import JsonResponse


def error_body(code: str, message: str, fields: dict | None = None) -> dict:
    """The API's one error shape: ``{"error": {"code", "message", "fields"}}`` (docs/api.md)."""
    return {"error": {"code": code, "message": message, "fields": fields or {}}}


# The FHIR API's mount (fhir_api) and its one error shape, for the answers the kernel gives
# before or around a view (refused requests, 400 and 503 handlers).
FHIR_PREFIX = "/fhir/"
FHIR_MEDIA_TYPE = "application/fhir+json"
FHIR_JSON = f"{FHIR_MEDIA_TYPE}; charset=utf-8"


def operation_outcome(message: str, *, issue: str, severity: str = "error") -> dict:
    """FHIR's error shape: an OperationOutcome with one issue (http://hl7.org/fhir/issue-type)."""
    return {
        "resourceType": "OperationOutcome",
        "issue": [{"severity": severity, "code": issue, "diagnostics": message}],
    }


def outcome_response(message: str, *, status: int, issue: str) -> JsonResponse:
    """An error answered under /fhir/ before or around a view: an OperationOutcome."""
    return JsonResponse(
        operation_outcome(message, issue=issue), status=status, content_type=FHIR_JSON
    )


class DomainError(Exception):
    """A business rule refused the action; ``message`` is safe to show to the user."""

    code = "invalid"
    status = 400

    def __init__(self, message: str, *, code: str | None = None):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code


# The HTTP meaning a refusal has; each error below names only what sets it apart.


class Conflict(DomainError):
    """The object is not in a state that allows this (HTTP 409)."""

    code = "conflict"
    status = 409


class Gone(DomainError):
    """What a link or token named can no longer be used (HTTP 410)."""

    status = 410


class TransitionNotAllowed(Conflict):
    code = "transition_not_allowed"


class StaleState(Conflict):
    """Someone else changed the object between our read and our write."""


class NotPermitted(DomainError):
    code = "permission_denied"
    status = 403


class RateLimited(DomainError):
    code = "rate_limited"
    status = 429
