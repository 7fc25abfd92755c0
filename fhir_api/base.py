"""What every FHIR view shares with the partner API: the same Bearer keys, scope check,
per-key throttle and last-used record — plus the ``fhir`` scope, the FHIR media type
and OperationOutcome errors."""

from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.renderers import JSONRenderer
from rest_framework.views import APIView

from fhir_api.outcomes import fhir_exception_handler
from kernel.errors import FHIR_MEDIA_TYPE
from partners.api.base import PartnerAPIMixin
from partners.models import Scope


class FhirJSONRenderer(JSONRenderer):
    media_type = FHIR_MEDIA_TYPE
    format = "json"
    charset = "utf-8"


class FhirOnly(BaseContentNegotiation):
    """Every answer is ``application/fhir+json``, whatever ``Accept`` or ``_format`` ask:
    a FHIR client always understands it, and an error is never an HTML page."""

    def select_parser(self, request, parsers):
        return parsers[0] if parsers else None

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class FhirAPIView(PartnerAPIMixin, APIView):
    """A read-only FHIR interaction for partner keys holding ``read`` and ``fhir``: the
    partner API's keys, scopes, throttle and language, with FHIR's media type and errors."""

    renderer_classes = [FhirJSONRenderer]
    parser_classes: list = []
    pagination_class = None  # searchset Bundles page themselves (bundles.py)
    content_negotiation_class = FhirOnly
    metadata_class = None  # OPTIONS is no FHIR interaction: a 405 OperationOutcome
    required_scopes: tuple[str, ...] = (Scope.FHIR,)
    schema = None  # not part of the partner API's OpenAPI document

    def get_exception_handler(self):
        return fhir_exception_handler


class PublicFhirAPIView(FhirAPIView):
    """Conformance resources (metadata, StructureDefinitions, CodeSystems) answer anyone:
    a client reads them before it has a key, and they say nothing about the directory."""

    authentication_classes: list = []
    permission_classes: list = []
    throttle_classes: list = []
