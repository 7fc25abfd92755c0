"""Practitioner: who they are, their NPI, and the licence they hold today."""

from datetime import date

from django.db.models import F, Prefetch, Q

from fhir_api.canonical import NPI_SYSTEM
from fhir_api.parameters import or_values, string_filter, token
from fhir_api.resources.base import LAST_UPDATED, ResourceType, SearchParam, meta, without_empty
from practitioners.models import Attestation, AttestationKind, Practitioner
from practitioners.trust import Mark, attestation_mark


def queryset():
    return Practitioner.objects.annotate(**{LAST_UPDATED: F("updated_at")}).prefetch_related(
        Prefetch(
            "attestations",
            queryset=Attestation.objects.filter(kind=AttestationKind.LICENSE).order_by(
                "-issued_on", "-id"
            ),
            to_attr="licences",
        )
    )


def qualification(licence: Attestation) -> dict:
    period = {"start": licence.issued_on, "end": licence.expires_on}
    return without_empty(
        {
            "identifier": [{"value": licence.number}],
            "code": {"text": licence.license_type or licence.get_kind_display()},
            "period": {name: day.isoformat() for name, day in period.items() if day},
            "issuer": {"display": licence.issuing_authority},
        }
    )


def build(practitioner: Practitioner, today: date) -> dict:
    """Only a licence the profile marks current today is a qualification; every licence,
    current or not, is a VerificationResult."""
    licences = [
        licence
        for licence in practitioner.licences
        if attestation_mark(licence, today).code == Mark.CURRENT
    ]
    identifier = [{"use": "official", "system": NPI_SYSTEM, "value": practitioner.npi}]
    return without_empty(
        {
            "resourceType": "Practitioner",
            "id": str(practitioner.pk),
            **meta(practitioner),
            "identifier": identifier if practitioner.npi else None,
            "active": True,
            "name": [
                {
                    "use": "official",
                    "text": practitioner.full_name,
                    "family": practitioner.last_name,
                    "given": [practitioner.first_name],
                }
            ],
            "qualification": [qualification(licence) for licence in licences],
        }
    )


def _identifier(queryset, value: str, modifier: str | None):
    condition = Q(pk__in=[])
    for system, code in map(token, or_values(value)):
        if system in (None, NPI_SYSTEM):
            condition |= Q(npi=code)
    return queryset.filter(condition)


PRACTITIONER = ResourceType(
    name="Practitioner",
    queryset=queryset,
    build=build,
    params={
        "name": SearchParam(
            "name",
            "string",
            string_filter("first_name", "last_name"),
            "Given or family name starts with (any case); :exact and :contains.",
            modifiers=("exact", "contains"),
        ),
        "identifier": SearchParam(
            "identifier",
            "token",
            _identifier,
            f"The NPI: {NPI_SYSTEM}|1234567893 or just the number.",
        ),
    },
)
