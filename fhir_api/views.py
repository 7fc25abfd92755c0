"""The FHIR interactions: capabilities, read, search, and the site's own definitions."""

from django.utils import timezone
from rest_framework.response import Response

from fhir_api.base import FhirAPIView, PublicFhirAPIView
from fhir_api.bundles import rows_of, searchset
from fhir_api.capability import capability_statement
from fhir_api.outcomes import FhirError, not_found
from fhir_api.parameters import pk_of
from fhir_api.registry import TYPES
from fhir_api.search import parse_search


def known_type(kind_name: str) -> str:
    if kind_name not in TYPES:
        raise FhirError(
            f"Unknown or unsupported resource type “{kind_name}” (supported: {', '.join(TYPES)}).",
            status=404,
            issue="not-supported",
        )
    return kind_name


class CapabilitiesView(PublicFhirAPIView):
    def get(self, request):
        return Response(capability_statement())


class SearchView(FhirAPIView):
    def get(self, request, kind: str):
        search = parse_search(known_type(kind), request.query_params)
        return Response(searchset(request, search, timezone.localdate()))


class ReadView(FhirAPIView):
    def get(self, request, kind: str, fhir_id: str):
        kind = TYPES[known_type(kind)]
        pk = pk_of(fhir_id)
        rows = rows_of(kind.name, kind.queryset().filter(pk=pk)) if pk is not None else []
        if not rows:
            raise not_found(f"{kind.name}/{fhir_id} is not known.")
        return Response(kind.build(rows[0], timezone.localdate()))


class DefinitionView(PublicFhirAPIView):
    """StructureDefinition/<id> and CodeSystem/<id>, at their canonical URLs."""

    definitions: dict = {}
    kind = ""

    def get(self, request, fhir_id: str):
        build = self.definitions.get(fhir_id)
        if build is None:
            raise not_found(f"{self.kind}/{fhir_id} is not known.")
        return Response(build())
