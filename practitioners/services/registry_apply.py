"""A licence brought in line with its entry in the authority's roster (``practitioners.registry``
reads the file; this applies one row)."""

from datetime import date
from enum import StrEnum

from django.db import transaction
from django.utils import timezone

from kernel.workflow import record
from practitioners.badges import refresh_badge
from practitioners.credentials import Standing
from practitioners.models import Attestation, AttestationStatus, VerificationMethod, valid_on
from practitioners.services.access import locked_attestation
from practitioners.services.content import jsonable
from practitioners.services.deciding import EXPIRED
from practitioners.services.decisions import attestation_verify, reject
from practitioners.services.lapses import expire, lapse_for_standing


class RegistryOutcome(StrEnum):
    VERIFIED = "verified"
    UPDATED = "updated"
    LAPSED = "lapsed"
    REJECTED = "rejected"
    UNCHANGED = "unchanged"


@transaction.atomic
def attestation_apply_registry(
    *,
    attestation_id: int,
    authority: str,
    standing: str,
    license_type: str,
    issued_on: date,
    expires_on: date,
    today: date | None = None,
) -> RegistryOutcome:
    """Bring one licence in line with its registry entry, recording every change.

    A pending licence is verified (active, unexpired) or rejected (not active, or already
    expired) from the registry; a verified one takes the registry's standing and dates
    and loses its verification if the standing is no longer active or its date passed.
    Applying the same entry twice changes and records nothing the second time.
    """
    today = today or timezone.localdate()
    attestation = locked_attestation(attestation_id)
    label = f"licence registry: {authority}"[:80]
    source = f"{authority} licence registry"
    registry_values = {
        "standing": standing,
        "license_type": license_type or attestation.license_type,
        "issued_on": issued_on,
        "expires_on": expires_on,
    }
    if attestation.status == AttestationStatus.PENDING:
        if standing != Standing.ACTIVE or not valid_on(expires_on, today):
            Attestation.objects.filter(pk=attestation.pk).update(**registry_values)
            for name, value in registry_values.items():
                setattr(attestation, name, value)
            reason = (
                f"The {source} shows this licence expired on {expires_on.isoformat()}."
                if standing == Standing.ACTIVE
                else f"The {source} reports this licence as {standing}."
            )
            reject(attestation, actor=None, actor_label=label, reason=reason)
            return RegistryOutcome.REJECTED
        Attestation.objects.filter(pk=attestation.pk).update(**registry_values)
        for name, value in registry_values.items():
            setattr(attestation, name, value)
        attestation_verify(
            attestation_id=attestation.pk,
            actor=None,
            actor_label=label,
            method=VerificationMethod.REGISTRY,
            source=source,
            expires_on=expires_on,
            note="Matched number, authority and name in the registry.",
        )
        return RegistryOutcome.VERIFIED
    if attestation.status != AttestationStatus.VERIFIED:
        return RegistryOutcome.UNCHANGED
    wanted = {
        **registry_values,
        "verification_method": VerificationMethod.REGISTRY,
        "verification_source": source,
        "next_check_due": expires_on,
    }
    changed = {name: value for name, value in wanted.items() if getattr(attestation, name) != value}
    if not changed:
        return RegistryOutcome.UNCHANGED
    if "expires_on" in changed:
        changed["expiry_warning_sent_on"] = None  # a renewed date deserves a new reminder
    before = {name: jsonable(getattr(attestation, name)) for name in changed}
    Attestation.objects.filter(pk=attestation.pk).update(**changed)
    for name, value in changed.items():
        setattr(attestation, name, value)
    record(
        attestation,
        action="attestation.registry_updated",
        actor_label=label,
        from_status=attestation.status,
        to_status=attestation.status,
        note="Updated from the registry: " + ", ".join(sorted(before)),
        data={
            "before": before,
            "after": {name: jsonable(value) for name, value in changed.items()},
        },
    )
    if standing != Standing.ACTIVE:
        lapse_for_standing(attestation, actor_label=label, source=f"The {source}")
        return RegistryOutcome.LAPSED
    if not valid_on(expires_on, today):
        expire(
            attestation,
            actor_label=label,
            note=f"The {source} shows this licence expired on {expires_on.isoformat()}.",
            today=today,
            tell=EXPIRED,
        )
        return RegistryOutcome.LAPSED
    refresh_badge(attestation.practitioner_id, today=today)
    return RegistryOutcome.UPDATED
