"""One error shape for every API failure: ``{"error": {"code", "message", "fields"}}``.

``code`` is stable and machine-readable, ``message`` is a sentence for people, and
``fields`` maps each invalid input (body field or query parameter) to its messages.
Domain errors raised by services keep their own ``status`` and ``code``.
"""

import logging

from django.core.exceptions import ObjectDoesNotExist, RequestDataTooBig
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpRequest, JsonResponse, UnreadablePostError
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response

from kernel import limits
from kernel.errors import DomainError, error_body
from kernel.middleware import DATABASE_ERRORS, RETRY_AFTER_SECONDS, UNAVAILABLE_MESSAGE

logger = logging.getLogger(__name__)

__all__ = ["api_exception_handler", "error_body", "not_found"]


def _flatten(detail) -> list[str]:
    if isinstance(detail, dict):
        return [message for value in detail.values() for message in _flatten(value)]
    if isinstance(detail, list):
        return [message for value in detail for message in _flatten(value)]
    return [str(detail)]


def _fields(detail) -> dict[str, list[str]]:
    if not isinstance(detail, dict):
        return {}
    return {str(name): _flatten(value) for name, value in detail.items()}


def _validation_message(fields: dict[str, list[str]], detail) -> str:
    general = fields.pop("non_field_errors", None)
    if general:
        return " ".join(general)
    if fields:
        name, messages = next(iter(fields.items()))
        more = " (and other fields)" if len(fields) > 1 else ""
        return f"Invalid “{name}”: {messages[0]}{more}"
    return " ".join(_flatten(detail)) or "The request is invalid."


def api_exception_handler(exc, context) -> Response:
    """DRF's EXCEPTION_HANDLER for the partner API."""
    headers: dict[str, str] = {}
    if isinstance(exc, DomainError):
        return Response(error_body(exc.code, exc.message), status=exc.status)
    if isinstance(exc, DATABASE_ERRORS):
        logger.error("Database unavailable in the partner API: %s", exc)
        return Response(
            error_body("service_unavailable", UNAVAILABLE_MESSAGE),
            status=status.HTTP_503_SERVICE_UNAVAILABLE,
            headers={"Retry-After": str(RETRY_AFTER_SECONDS), "Cache-Control": "no-store"},
        )
    if isinstance(exc, RequestDataTooBig):
        refusal = limits.body_too_large(limits.api_body_max_bytes())
        return Response(error_body(refusal.code, refusal.message), status=refusal.status)
    if isinstance(exc, UnreadablePostError):
        return Response(
            error_body("incomplete_body", "The request body ended before its announced length."),
            status=status.HTTP_400_BAD_REQUEST,
        )
    if isinstance(exc, Http404 | ObjectDoesNotExist):
        exc = exceptions.NotFound("Not found.")
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    if isinstance(exc, exceptions.ValidationError):
        fields = _fields(exc.detail)
        message = _validation_message(dict(fields), exc.detail)
        fields.pop("non_field_errors", None)
        return Response(error_body("invalid", message, fields), status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, exceptions.APIException):
        if getattr(exc, "auth_header", None):
            headers["WWW-Authenticate"] = exc.auth_header
        if getattr(exc, "wait", None) is not None:
            headers["Retry-After"] = str(max(1, int(exc.wait + 0.999)))
        code = exc.get_codes() if isinstance(exc.detail, str | serializers.ErrorDetail) else None
        code = code if isinstance(code, str) else exc.default_code
        message = " ".join(_flatten(exc.detail))
        if isinstance(exc, exceptions.Throttled):
            code = "rate_limited"
            message = f"Too many requests for this key; retry in {headers['Retry-After']} seconds."
        return Response(error_body(code, message), status=exc.status_code, headers=headers)
    logger.exception("Unhandled error in the partner API", exc_info=exc)
    return Response(
        error_body("server_error", "Something went wrong on our side; it has been logged."),
        status=status.HTTP_500_INTERNAL_SERVER_ERROR,
    )


@csrf_exempt  # any method may land here; there is no form or session to protect
def not_found(request: HttpRequest, *args, **kwargs) -> JsonResponse:
    """Any path under /api/ that matches no endpoint answers in the API's shape."""
    return JsonResponse(error_body("not_found", "No API endpoint at this path."), status=404)


class ErrorDetailSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="Stable, machine-readable, e.g. `invalid`.")
    message = serializers.CharField(help_text="A sentence a person can act on.")
    fields = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text="Invalid inputs (body fields or query parameters) and their messages.",
    )


class ErrorSerializer(serializers.Serializer):
    """The body of every non-2xx answer."""

    error = ErrorDetailSerializer()
