"""What every FHIR view shares with the partner API: the same Bearer keys, scope check,
per-key throttle and last-used record — plus the ``fhir`` scope, the FHIR media type
and OperationOutcome errors."""

from django.conf import settings
from django.utils import translation
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.renderers import JSONRenderer
from rest_framework.views import APIView

from fhir_api.outcomes import FHIR_JSON, fhir_exception_handler
from partners.api.authentication import PartnerKeyAuthentication
from partners.api.permissions import HasScopes
from partners.api.throttles import PartnerKeyThrottle
from partners.models import Scope


class FhirJSONRenderer(JSONRenderer):
    media_type = FHIR_JSON
    format = "json"
    charset = "utf-8"


class FhirOnly(BaseContentNegotiation):
    """Every answer is ``application/fhir+json``, whatever ``Accept`` or ``_format`` ask:
    a FHIR client always understands it, and an error is never an HTML page."""

    def select_parser(self, request, parsers):
        return parsers[0] if parsers else None

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class FhirAPIView(APIView):
    """A read-only FHIR interaction for partner keys holding ``read`` and ``fhir``."""

    authentication_classes = [PartnerKeyAuthentication]
    permission_classes = [HasScopes]
    throttle_classes = [PartnerKeyThrottle]
    renderer_classes = [FhirJSONRenderer]
    parser_classes: list = []
    content_negotiation_class = FhirOnly
    metadata_class = None  # OPTIONS is no FHIR interaction: a 405 OperationOutcome
    required_scopes: tuple[str, ...] = (Scope.FHIR,)
    schema = None  # not part of the partner API's OpenAPI document

    def initial(self, request, *args, **kwargs):
        # One contract for every partner, as in the REST API: English words.
        translation.activate(settings.LANGUAGE_CODE)
        super().initial(request, *args, **kwargs)

    def get_exception_handler(self):
        return fhir_exception_handler


class PublicFhirAPIView(FhirAPIView):
    """Conformance resources (metadata, StructureDefinitions, CodeSystems) answer anyone:
    a client reads them before it has a key, and they say nothing about the directory."""

    authentication_classes: list = []
    permission_classes: list = []
    throttle_classes: list = []
