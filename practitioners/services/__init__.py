"""Writes for practitioners and their attestations. Every status change goes through here.

One module per use case: ``claims`` (profile claims), ``npi``, ``submissions`` (a
credential or the sterilization checklist, with evidence), ``renewals`` (licence numbers,
renewal and resubmission windows), ``decisions`` (verify, reject, revoke), ``lapses`` (the
expiry job's expiries, standing lapses and reminders), ``registry_apply`` (one roster row)
and ``admin_edits`` (staff corrections in the Django admin). Each locks the row, moves its
status through ``kernel.workflow.transition`` (``deciding.decide``) or records the change
with ``kernel.workflow.record`` (one audit entry), refreshes the Verified badge in the same
transaction and queues e-mail on commit. What a kind of credential requires is asked of
``practitioners.credentials``.

The names below are the public ones: ``from practitioners import services`` and
``services.attestation_verify(...)``.
"""

from practitioners.credentials import one_year_after
from practitioners.services.access import VERIFY_PERMISSION, can_verify
from practitioners.services.admin_edits import (
    DECISION_FIELDS,
    attestation_admin_add,
    attestation_admin_change,
    attestation_admin_delete,
    can_edit_in_admin,
)
from practitioners.services.claims import (
    MAX_PENDING_CLAIMS_PER_USER,
    claim_approve,
    claim_reject,
    claim_submit,
)
from practitioners.services.content import (
    ATTESTATION_CONTENT_FIELDS,
    CLAIM_LABELS,
    attestation_content,
    attestation_labels,
    claim_content,
)
from practitioners.services.decisions import (
    attestation_reject,
    attestation_revoke,
    attestation_verify,
)
from practitioners.services.lapses import (
    EXPIRY_ACTOR,
    attestation_expire,
    attestation_lapse_standing,
    attestation_send_expiry_warning,
)
from practitioners.services.npi import practitioner_set_npi
from practitioners.services.registry_apply import RegistryOutcome, attestation_apply_registry
from practitioners.services.renewals import (
    LICENCE_RENEWAL_WINDOW,
    RESUBMITTABLE,
    FieldError,
    licence_being_renewed,
    licence_renewable,
    licence_renewal_opens_on,
    normalize_licence_number,
    renewals_open,
    resubmissions_open,
)
from practitioners.services.submissions import (
    MAX_PENDING_PER_KIND,
    attestation_add_evidence,
    attestation_submit,
)

__all__ = [
    "ATTESTATION_CONTENT_FIELDS",
    "CLAIM_LABELS",
    "DECISION_FIELDS",
    "EXPIRY_ACTOR",
    "LICENCE_RENEWAL_WINDOW",
    "MAX_PENDING_CLAIMS_PER_USER",
    "MAX_PENDING_PER_KIND",
    "RESUBMITTABLE",
    "VERIFY_PERMISSION",
    "FieldError",
    "RegistryOutcome",
    "attestation_add_evidence",
    "attestation_admin_add",
    "attestation_admin_change",
    "attestation_admin_delete",
    "attestation_apply_registry",
    "attestation_content",
    "attestation_expire",
    "attestation_labels",
    "attestation_lapse_standing",
    "attestation_reject",
    "attestation_revoke",
    "attestation_send_expiry_warning",
    "attestation_submit",
    "attestation_verify",
    "can_edit_in_admin",
    "can_verify",
    "claim_approve",
    "claim_content",
    "claim_reject",
    "claim_submit",
    "licence_being_renewed",
    "licence_renewable",
    "licence_renewal_opens_on",
    "normalize_licence_number",
    "one_year_after",
    "practitioner_set_npi",
    "renewals_open",
    "resubmissions_open",
]
