"""The site's own FHIR definitions, served at their canonical URLs: the two extensions'
StructureDefinitions and the CodeSystems their codes come from."""

from fhir_api.canonical import (
    ATTESTATION_MARK,
    FHIR_VERSION,
    PROCEDURE,
    SAFETY_SUMMARY,
    code_system,
    structure_definition,
)
from practitioners.models import Procedure
from practitioners.trust import Mark
from reviews.models import MIN_REVIEWS_FOR_FIGURES, ComplicationType, Severity

PUBLISHER = "Skin practitioner directory"

# (slice, value type or None for a nested extension, min, max, definition)
SAFETY_PARTS = (
    ("verified", "boolean", 1, "1", "The Verified badge holds today (profile's rule)."),
    ("windowMonths", "integer", 1, "1", "Months of published reviews the figures count."),
    ("reviewCount", "integer", 1, "1", "Published reviews in the window."),
    (
        "enoughReviews",
        "boolean",
        1,
        "1",
        f"At least {MIN_REVIEWS_FOR_FIGURES} reviews: only then are figures shown.",
    ),
    ("rating", "decimal", 0, "1", "The rating patients see; absent below the threshold."),
    ("severeCount", "integer", 0, "1", "Severe complications; absent below the threshold."),
    (
        "complication",
        None,
        0,
        "*",
        "Complications of one type and severity (sub-extensions type, severity, count); "
        "absent below the threshold.",
    ),
)


def _extension_elements(prefix: str, slices) -> list[dict]:
    elements = [
        {
            "id": f"{prefix}.extension",
            "path": f"{prefix.split(':')[0]}.extension",
            "slicing": {"discriminator": [{"type": "value", "path": "url"}], "rules": "closed"},
        }
    ]
    for name, value_type, low, high, definition in slices:
        element_id = f"{prefix}.extension:{name}"
        path = f"{prefix.split(':')[0]}.extension"
        elements.append(
            {
                "id": element_id,
                "path": path,
                "sliceName": name,
                "short": definition,
                "definition": definition,
                "min": low,
                "max": high,
            }
        )
        elements.append({"id": f"{element_id}.url", "path": f"{path}.url", "fixedUri": name})
        if value_type:
            elements.append(
                {
                    "id": f"{element_id}.value[x]",
                    "path": f"{path}.value[x]",
                    "min": 1,
                    "type": [{"code": value_type}],
                }
            )
    return elements


def _structure_definition(slug: str, title: str, description: str, context: str, elements):
    url = structure_definition(slug)
    return {
        "resourceType": "StructureDefinition",
        "id": slug,
        "url": url,
        "name": "".join(part.title() for part in slug.split("-")),
        "title": title,
        "status": "active",
        "publisher": PUBLISHER,
        "description": description,
        "fhirVersion": FHIR_VERSION,
        "kind": "complex-type",
        "abstract": False,
        "context": [{"type": "element", "expression": context}],
        "type": "Extension",
        "baseDefinition": "http://hl7.org/fhir/StructureDefinition/Extension",
        "derivation": "constraint",
        "differential": {
            "element": [
                {"id": "Extension", "path": "Extension", "short": title, "definition": description},
                *elements,
                {"id": "Extension.url", "path": "Extension.url", "fixedUri": url},
            ]
        },
    }


def safety_summary_definition() -> dict:
    complication = (
        ("type", "code", 1, "1", f"Complication type ({', '.join(ComplicationType.values)})."),
        ("severity", "code", 1, "1", f"Severity ({', '.join(Severity.values)})."),
        ("count", "integer", 1, "1", "Reviews reporting it."),
    )
    elements = _extension_elements("Extension", SAFETY_PARTS)
    elements += _extension_elements("Extension.extension:complication", complication)
    elements.append({"id": "Extension.value[x]", "path": "Extension.value[x]", "max": "0"})
    return _structure_definition(
        SAFETY_SUMMARY,
        "Safety summary",
        "The practitioner's patient-reported safety summary over the last 24 months, as "
        "their profile shows it: review count always; rating and complication counts by "
        f"type and severity only from {MIN_REVIEWS_FOR_FIGURES} reviews.",
        "PractitionerRole",
        elements,
    )


def attestation_mark_definition() -> dict:
    return _structure_definition(
        ATTESTATION_MARK,
        "Attestation mark",
        "What the practitioner's profile says of this attestation today (current, "
        "suspended, lapsed, expired, revoked, pending, rejected or replaced).",
        "VerificationResult",
        [
            {"id": "Extension.extension", "path": "Extension.extension", "max": "0"},
            {
                "id": "Extension.value[x]",
                "path": "Extension.value[x]",
                "min": 1,
                "type": [{"code": "Coding"}],
            },
        ],
    )


STRUCTURE_DEFINITIONS = {
    SAFETY_SUMMARY: safety_summary_definition,
    ATTESTATION_MARK: attestation_mark_definition,
}


def _code_system(slug: str, title: str, description: str, concepts: list[dict]) -> dict:
    return {
        "resourceType": "CodeSystem",
        "id": slug,
        "url": code_system(slug),
        "name": "".join(part.title() for part in slug.split("-")),
        "title": title,
        "status": "active",
        "publisher": PUBLISHER,
        "description": description,
        "caseSensitive": True,
        "content": "complete",
        "count": len(concepts),
        "concept": concepts,
    }


def procedure_code_system() -> dict:
    procedures = Procedure.objects.filter(is_active=True).order_by("slug")
    return _code_system(
        PROCEDURE,
        "Procedures",
        "The skin treatments practitioners offer on the directory (PractitionerRole.specialty).",
        [{"code": p.slug, "display": p.name} for p in procedures],
    )


def attestation_mark_code_system() -> dict:
    return _code_system(
        ATTESTATION_MARK,
        "Attestation marks",
        "What a profile says of an attestation on a given day.",
        [{"code": mark.value, "display": mark.value.title()} for mark in Mark],
    )


CODE_SYSTEMS = {PROCEDURE: procedure_code_system, ATTESTATION_MARK: attestation_mark_code_system}
