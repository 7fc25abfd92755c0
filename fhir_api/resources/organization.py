"""Organization: a clinic, the practice practitioners work for."""

from datetime import date

from django.db.models import F

from fhir_api.parameters import string_filter
from fhir_api.resources.base import (
    LAST_UPDATED,
    ResourceType,
    SearchParam,
    address,
    meta,
    without_empty,
)
from practitioners.models import Clinic


def clinics():
    """Organization and Location are both the clinic: one queryset and ``name`` for both."""
    return Clinic.objects.annotate(**{LAST_UPDATED: F("updated_at")})


CLINIC_NAME = SearchParam(
    "name",
    "string",
    string_filter("name"),
    "The clinic's name starts with (any case); :exact and :contains.",
    modifiers=("exact", "contains"),
)


def build(clinic: Clinic, today: date) -> dict:
    return without_empty(
        {
            "resourceType": "Organization",
            "id": str(clinic.pk),
            **meta(clinic),
            "active": True,
            "type": [
                {
                    "coding": [
                        {
                            "system": "http://terminology.hl7.org/CodeSystem/organization-type",
                            "code": "prov",
                            "display": "Healthcare Provider",
                        }
                    ]
                }
            ],
            "name": clinic.name,
            "address": [address(clinic)],
        }
    )


ORGANIZATION = ResourceType(
    name="Organization",
    queryset=clinics,
    build=build,
    params={"name": CLINIC_NAME},
)
