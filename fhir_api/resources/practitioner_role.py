"""PractitionerRole: a practitioner at their clinic, the procedures they offer (coded in
the site's own CodeSystem ``procedure``) and the safety-summary extension."""

from datetime import date

from django.db.models import F, Prefetch

from fhir_api.canonical import PROCEDURE, code_system
from fhir_api.parameters import or_values, string_filter, token
from fhir_api.resources.base import (
    LAST_UPDATED,
    ResourceType,
    SearchParam,
    meta,
    reference,
    without_empty,
)
from fhir_api.resources.safety import safety_extension
from practitioners.models import Practitioner, Procedure


def queryset():
    # A role shows the practitioner, their clinic and their summary; a clinic save and a
    # summary recount date the practitioner's row, so its one indexed column says it all.
    return (
        Practitioner.objects.annotate(**{LAST_UPDATED: F("updated_at")})
        .select_related("clinic", "summary")
        .prefetch_related(Prefetch("procedures", queryset=Procedure.objects.order_by("slug")))
    )


def specialty(procedure: Procedure) -> dict:
    return {
        "coding": [
            {"system": code_system(PROCEDURE), "code": procedure.slug, "display": procedure.name}
        ]
    }


def build(practitioner: Practitioner, today: date) -> dict:
    clinic = practitioner.clinic
    return without_empty(
        {
            "resourceType": "PractitionerRole",
            "id": str(practitioner.pk),
            **meta(practitioner),
            "extension": [safety_extension(practitioner, today)],
            "active": True,
            "practitioner": reference("Practitioner", practitioner.pk, practitioner.full_name),
            "organization": clinic and reference("Organization", clinic.pk, clinic.name),
            "code": [{"text": practitioner.get_profession_display()}],
            "specialty": [specialty(procedure) for procedure in practitioner.procedures.all()],
            "location": clinic and [reference("Location", clinic.pk, clinic.name)],
        }
    )


def _specialty(queryset, value: str, modifier: str | None):
    codes = [
        code
        for system, code in map(token, or_values(value))
        if system in (None, code_system(PROCEDURE))
    ]
    # Read from the link table alone: its procedure index finds the practitioners.
    offering = Practitioner.procedures.through.objects.filter(procedure__slug__in=codes)
    return queryset.filter(pk__in=offering.values("practitioner_id"))


PRACTITIONER_ROLE = ResourceType(
    name="PractitionerRole",
    queryset=queryset,
    build=build,
    params={
        "specialty": SearchParam(
            "specialty",
            "token",
            _specialty,
            f"A procedure offered: {code_system(PROCEDURE)}|microneedling or just the code.",
        ),
        "location.address-state": SearchParam(
            "location.address-state",
            "string",
            string_filter("clinic__region"),
            "The clinic's state (e.g. TX) starts with (any case); :exact and :contains.",
            modifiers=("exact", "contains"),
        ),
    },
)
