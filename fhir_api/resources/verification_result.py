"""VerificationResult: one per attestation — a licence, the sterilization attestation and
every other credential — saying what the profile's mark says on the same day.

``attestation_mark`` (practitioners.trust) decides, for the profile and for this: its code
is the ``attestation-mark`` extension, and ``status`` is the nearest of FHIR's six:

- current → validated;  pending → attested (claimed, not yet checked);
- rejected → val-fail;  expired, lapsed and replaced → req-revalid;
- revoked and suspended → reval-fail.

As on the profile, an attestation nobody has checked (pending, rejected) shows no source,
dates or process: only that it was claimed and what became of it.
"""

from collections import defaultdict
from datetime import date

from django.db.models import F

from fhir_api.canonical import ATTESTATION_MARK, code_system, structure_definition
from fhir_api.resources.base import (
    LAST_UPDATED,
    ResourceType,
    instant,
    meta,
    reference,
    without_empty,
)
from practitioners.attestation_history import mark_renewed_licences
from practitioners.models import (
    Attestation,
    AttestationKind,
    AttestationStatus,
    VerificationMethod,
)
from practitioners.trust import Mark, attestation_mark

STATUS_OF_MARK = {
    Mark.CURRENT: "validated",
    Mark.PENDING: "attested",
    Mark.REJECTED: "val-fail",
    Mark.EXPIRED: "req-revalid",
    Mark.LAPSED: "req-revalid",
    Mark.REPLACED: "req-revalid",
    Mark.REVOKED: "reval-fail",
    Mark.SUSPENDED: "reval-fail",
}
PRIMARY_SOURCE_TYPE = "http://terminology.hl7.org/CodeSystem/primary-source-type"
VALIDATION_STATUS = "http://terminology.hl7.org/CodeSystem/validation-status"
VALIDATION_PROCESS = "http://terminology.hl7.org/CodeSystem/validation-process"
VALIDATION_TYPE = "http://terminology.hl7.org/CodeSystem/verificationresult-validation-type"
# Where in the Practitioner resource each kind of attestation shows.
TARGET_LOCATION = {AttestationKind.LICENSE: ["Practitioner.qualification"]}


def queryset():
    return Attestation.objects.annotate(**{LAST_UPDATED: F("updated_at")})


def mark_renewals(attestations: list[Attestation]) -> None:
    """Set ``renewed`` on the page's expired licences whose renewal is now verified: the
    profile's "Replaced by a renewal" needs the practitioner's other licences."""
    practitioners = {a.practitioner_id for a in attestations if a.kind == AttestationKind.LICENSE}
    verified = defaultdict(list)
    for licence in Attestation.objects.filter(
        practitioner_id__in=practitioners,
        kind=AttestationKind.LICENSE,
        status=AttestationStatus.VERIFIED,
    ).only("id", "practitioner_id", "kind", "status", "number", "issuing_authority"):
        verified[licence.practitioner_id].append(licence)
    by_practitioner = defaultdict(list)
    for attestation in attestations:
        by_practitioner[attestation.practitioner_id].append(attestation)
    for practitioner_id, page_rows in by_practitioner.items():
        mark_renewed_licences([*page_rows, *verified[practitioner_id]])


def primary_source(attestation: Attestation, current: bool) -> dict:
    registry = attestation.verification_method == VerificationMethod.REGISTRY
    kind = "lic-board" if attestation.kind == AttestationKind.LICENSE else "auth-source"
    return without_empty(
        {
            "who": {"display": attestation.verification_source or attestation.issuing_authority}
            if (attestation.verification_source or attestation.issuing_authority)
            else None,
            "type": [{"coding": [{"system": PRIMARY_SOURCE_TYPE, "code": kind}]}],
            "communicationMethod": [{"text": attestation.get_verification_method_display()}]
            if attestation.verification_method
            else None,
            "validationStatus": {
                "coding": [
                    {
                        "system": VALIDATION_STATUS,
                        "code": "successful" if current else "failed",
                    }
                ]
            },
            "validationDate": instant(attestation.verified_at) if attestation.verified_at else None,
            "canPushUpdates": {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/can-push-updates",
                        "code": "no",
                    }
                ]
            }
            if not registry
            else None,
        }
    )


def validation_process(attestation: Attestation) -> list[dict]:
    if attestation.verification_method == VerificationMethod.REGISTRY:
        return [{"coding": [{"system": VALIDATION_PROCESS, "code": "primary"}]}]
    if attestation.verification_method == VerificationMethod.DOCUMENTS:
        return [{"text": attestation.get_verification_method_display()}]
    return []


def build(attestation: Attestation, today: date) -> dict:
    mark = attestation_mark(attestation, today, replaced=getattr(attestation, "renewed", False))
    checked = mark.shows_details
    verified_at = attestation.verified_at if checked else None
    next_check = attestation.next_check_due if checked else None
    return without_empty(
        {
            "resourceType": "VerificationResult",
            "id": str(attestation.pk),
            **meta(attestation),
            "extension": [
                {
                    "url": structure_definition(ATTESTATION_MARK),
                    "valueCoding": {
                        "system": code_system(ATTESTATION_MARK),
                        "code": mark.code.value,
                        "display": str(mark.label),
                    },
                }
            ],
            "target": [
                reference("Practitioner", attestation.practitioner_id),
            ],
            "targetLocation": TARGET_LOCATION.get(attestation.kind),
            "need": {"text": attestation.get_kind_display()},
            "status": STATUS_OF_MARK[mark.code],
            "statusDate": instant(verified_at or attestation.submitted_at),
            "validationType": {
                "coding": [
                    {
                        "system": VALIDATION_TYPE,
                        "code": "primary",
                    }
                ]
            }
            if checked and attestation.verification_method == VerificationMethod.REGISTRY
            else None,
            "validationProcess": validation_process(attestation) if checked else None,
            "lastPerformed": instant(verified_at) if verified_at else None,
            "nextScheduled": next_check.isoformat() if next_check else None,
            "primarySource": [primary_source(attestation, mark.code == Mark.CURRENT)]
            if checked
            else None,
        }
    )


VERIFICATION_RESULT = ResourceType(
    name="VerificationResult",
    queryset=queryset,
    build=build,
    prepare=mark_renewals,
)
