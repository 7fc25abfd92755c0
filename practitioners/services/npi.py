"""The practitioner's NPI, set or cleared by the profile's owner."""

from django.core.exceptions import ValidationError
from django.db import transaction

from kernel.errors import DomainError
from kernel.models import User
from kernel.workflow import record
from practitioners.models import Practitioner
from practitioners.npi import validate_npi
from practitioners.services.access import require_owner


@transaction.atomic
def practitioner_set_npi(*, actor: User, practitioner: Practitioner, npi: str) -> Practitioner:
    """Set or clear the practitioner's NPI; the check digit and uniqueness are enforced."""
    require_owner(actor, practitioner)
    npi = npi.strip() or None
    if npi:
        try:
            validate_npi(npi)
        except ValidationError as error:
            raise DomainError(error.messages[0]) from None
        if Practitioner.objects.filter(npi=npi).exclude(pk=practitioner.pk).exists():
            raise DomainError("This NPI is already on another profile; contact us if it is yours.")
    previous = practitioner.npi
    if previous == npi:
        return practitioner
    Practitioner.objects.filter(pk=practitioner.pk).update(npi=npi)
    practitioner.npi = npi
    record(
        practitioner,
        action="practitioner.npi_changed",
        actor=actor,
        data={"from": previous or "", "to": npi or ""},
    )
    return practitioner
