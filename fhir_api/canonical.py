"""Canonical URLs: where the site's own FHIR definitions live, and the systems it cites.

They are built on ``SITE_URL`` (not on the request's host) so a definition's URL is the
same in every answer and in every export file, and each resolves: the API serves the
StructureDefinitions and CodeSystems at exactly these addresses.
"""

from django.conf import settings

FHIR_VERSION = "4.0.1"
MOUNT = "/fhir/r4"
NPI_SYSTEM = "http://hl7.org/fhir/sid/us-npi"


def base() -> str:
    return f"{settings.SITE_URL}{MOUNT}"


def structure_definition(slug: str) -> str:
    return f"{base()}/StructureDefinition/{slug}"


def code_system(slug: str) -> str:
    return f"{base()}/CodeSystem/{slug}"


SAFETY_SUMMARY = "safety-summary"
ATTESTATION_MARK = "attestation-mark"
PROCEDURE = "procedure"
