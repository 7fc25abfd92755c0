"""The tables the demo seed writes, parents first, and the columns it gives for each.

Columns not listed take their model field's default (see ``writer.Table``), so a field
added later with a default needs no change here.
"""

from dataclasses import fields

from demo.writer import Table, Writer
from kernel.models import AuditEntry, User
from practitioners.models import (
    Attestation,
    Clinic,
    Practitioner,
    ProfileClaim,
    SterilizationAnswer,
)
from reviews.models import (
    Complication,
    PractitionerResponse,
    PractitionerSummary,
    Review,
    ReviewInvitation,
    ReviewReport,
)
from reviews.services import REVIEW_FIELDS
from reviews.summaries import Counts

PRACTITIONER_PROCEDURES = Practitioner.procedures.through
# The summary columns are exactly the figures ``reviews.summaries.tally`` returns.
SUMMARY_FIELDS = tuple(f.name for f in fields(Counts))

# Each model's columns, in the order the generator builds its row tuples.
# The column lists name model fields, as serializers and exports do: declarations of which
# columns each writer fills, alike in form only.
COLUMNS = {
    "users": (
        User,
        [
            "id",
            "password",
            "is_superuser",
            "is_staff",
            "is_active",
            "date_joined",
            "email",
            "display_name",
            "email_verified_at",
        ],
    ),
    "clinics": (
        Clinic,
        [
            "id",
            "name",
            "address_line",
            "city",
            "region",
            "postal_code",
            "country",
            "latitude",
            "longitude",
            "email_domain",
        ],
    ),
    "practitioners": (
        Practitioner,
        [
            "id",
            "first_name",
            "last_name",
            "slug",
            "profession",
            "npi",
            "bio",
            "clinic_id",
            "owner_id",
            "verified_through",
            "badge_announced",
            "created_at",
        ],
    ),
    "claims": (
        ProfileClaim,
        [
            "id",
            "practitioner_id",
            "user_id",
            "status",
            "message",
            "created_at",
            "decided_at",
            "decided_by_id",
        ],
    ),
    "practitioner_procedures": (
        PRACTITIONER_PROCEDURES,
        ["id", "practitioner_id", "procedure_id"],
    ),
    "attestations": (
        Attestation,
        [
            "id",
            "practitioner_id",
            "kind",
            "status",
            "number",
            "issuing_authority",
            "license_type",
            "issued_on",
            "expires_on",
            "standing",
            "last_spore_test_on",
            "verification_method",
            "verification_source",
            "verified_at",
            "verified_by_id",
            "next_check_due",
            "decision_reason",
            "submitted_at",
        ],
    ),
    "sterilization_answers": (
        SterilizationAnswer,
        ["id", "attestation_id", "item", "complies", "detail", "attested_on"],
    ),
    "invitations": (
        ReviewInvitation,
        [
            "id",
            "practitioner_id",
            "procedure_id",
            "email",
            "treatment_date",
            "token_hash",
            "partner_name",
            "created_at",
            "expires_at",
            "used_at",
        ],
    ),
    "reviews": (
        Review,
        [
            "id",
            "author_id",
            "practitioner_id",
            "procedure_id",
            "status",
            *REVIEW_FIELDS,
            "invitation_id",
            "is_verified_patient",
            "has_severe_complication",
            "created_at",
            "submitted_at",
            "published_at",
        ],
    ),
    "complications": (
        Complication,
        ["id", "review_id", "type", "severity", "onset_days", "treatment_needed", "outcome"],
    ),
    "responses": (
        PractitionerResponse,
        ["id", "review_id", "author_id", "body", "status", "created_at", "published_at"],
    ),
    "reports": (
        ReviewReport,
        ["id", "review_id", "reporter_id", "reason", "note", "status", "created_at", "resolved_at"],
    ),
    "audit": (
        AuditEntry,
        [
            "id",
            "created_at",
            "actor_id",
            "actor_label",
            "action",
            "content_type_id",
            "object_id",
            "object_repr",
            "from_status",
            "to_status",
            "reason",
            "note",
        ],
    ),
    "summaries": (PractitionerSummary, ("practitioner_id", *SUMMARY_FIELDS, "computed_at")),
}


def demo_writer() -> Writer:
    """A writer for every demo table, in the order rows must reach the database."""
    return Writer({name: Table(model, columns) for name, (model, columns) in COLUMNS.items()})
