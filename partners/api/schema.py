"""OpenAPI details drf-spectacular cannot infer: the error answers every endpoint can give."""

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiResponse

from partners.api.errors import ErrorSerializer

ERROR_DESCRIPTIONS = {
    400: "Invalid parameters or body; `fields` says which and why.",
    401: "No API key, or an unknown or revoked one.",
    403: "The key lacks a scope this endpoint needs.",
    404: "No such object (or not one this API shows).",
    405: "This method is not allowed on this path.",
    409: "Conflict, e.g. an Idempotency-Key reused with a different body.",
    415: "The body is not JSON.",
    429: "Too many requests for this key; see the Retry-After header.",
}


class PartnerAutoSchema(AutoSchema):
    def _error_statuses(self) -> set[int]:
        statuses = {401, 403, 405, 429}
        if self.method == "GET" and (
            getattr(self.view, "filterset_class", None) or self._is_list_view()
        ):
            statuses.add(400)
        if self.method in ("POST", "PUT", "PATCH"):
            statuses |= {400, 415}
        if "{" in self.path:
            statuses.add(404)
        return statuses | set(getattr(self.view, "error_statuses", ()))

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        for status in sorted(self._error_statuses()):
            responses.setdefault(
                str(status),
                self._get_response_for_code(
                    OpenApiResponse(ErrorSerializer, description=ERROR_DESCRIPTIONS[status]),
                    str(status),
                    direction=direction,
                ),
            )
        if "429" in responses:
            responses["429"]["headers"] = {
                "Retry-After": {
                    "schema": {"type": "integer"},
                    "description": "Seconds until this key may send requests again.",
                }
            }
        if "401" in responses:
            responses["401"]["headers"] = {
                "WWW-Authenticate": {"schema": {"type": "string"}, "description": "`Bearer`"}
            }
        return responses
