"""The CapabilityStatement at ``metadata``: exactly what this server does, built from the
same registry the searches use, so it cannot promise a parameter the API refuses."""

from django.conf import settings
from django.utils import timezone

from fhir_api.canonical import FHIR_VERSION, SAFETY_SUMMARY, structure_definition
from fhir_api.definitions import PUBLISHER
from fhir_api.registry import TYPES, links_from, links_to, search_params
from fhir_api.search import COMMON_PARAMS, TOTAL_COUNTED_UP_TO

COMMON_DOCS = {
    "_id": ("token", "One or more ids, comma-separated."),
    "_lastUpdated": ("date", "meta.lastUpdated, with eq, gt, ge, lt or le."),
}
RESULT_DOCS = (
    ("_count", "number", "Matches per page, 1 to 100 (default 20)."),
    ("_cursor", "string", "Position of the next page; copy it from the Bundle's next link."),
    (
        "_total",
        "token",
        f"accurate: total counts every match; none: no total; estimate (the default): "
        f"total when there are at most {TOTAL_COUNTED_UP_TO:,} matches.",
    ),
)
EXPORT_OPERATION = "http://hl7.org/fhir/uv/bulkdata/OperationDefinition/export"


def _param(name: str, kind: str, documentation: str) -> dict:
    return {"name": name, "type": kind, "documentation": documentation}


def _resource(kind_name: str) -> dict:
    params = [_param(name, *COMMON_DOCS[name]) for name in COMMON_PARAMS]
    params += [_param(p.name, p.type, p.documentation) for p in search_params(kind_name).values()]
    params += [_param(*item) for item in RESULT_DOCS]
    resource = {
        "type": kind_name,
        "interaction": [{"code": "read"}, {"code": "search-type"}],
        "searchInclude": list(links_from(kind_name)),
        "searchRevInclude": list(links_to(kind_name)),
        "searchParam": params,
    }
    if kind_name == "PractitionerRole":
        resource["documentation"] = (
            f"Carries the safety-summary extension {structure_definition(SAFETY_SUMMARY)}."
        )
    return {key: value for key, value in resource.items() if value != []}


def capability_statement() -> dict:
    return {
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": timezone.now().date().isoformat(),
        "publisher": PUBLISHER,
        "kind": "instance",
        "implementation": {
            "description": "Read-only FHIR R4 API of the skin practitioner directory",
            "url": f"{settings.SITE_URL}/fhir/r4",
        },
        "fhirVersion": FHIR_VERSION,
        "format": ["application/fhir+json", "json"],
        "rest": [
            {
                "mode": "server",
                "documentation": "Partner keys holding the read and fhir scopes, as "
                "Authorization: Bearer <key>. metadata, StructureDefinition and CodeSystem "
                "answer without a key.",
                "security": {"service": [{"text": "Bearer partner API key"}]},
                "resource": [
                    *(_resource(name) for name in TYPES),
                    {"type": "StructureDefinition", "interaction": [{"code": "read"}]},
                    {"type": "CodeSystem", "interaction": [{"code": "read"}]},
                ],
                "operation": [{"name": "export", "definition": EXPORT_OPERATION}],
            }
        ],
    }
