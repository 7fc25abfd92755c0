"""Staff corrections made in the Django admin: each change, addition and deletion of an
attestation is recorded with what it was, and the badges refreshed."""

from collections.abc import Sequence

from django.db import transaction

from kernel.errors import DomainError, NotPermitted
from kernel.models import AuditEntry, User
from kernel.versions import bump_version
from kernel.workflow import record
from practitioners.badges import refresh_badge
from practitioners.conflicts import has_conflict_of_interest
from practitioners.models import Attestation, AttestationStatus, Practitioner
from practitioners.services.access import locked_attestation
from practitioners.services.content import field_label, jsonable

# Decided by the other services, never typed in: the admin shows them read-only.
DECISION_FIELDS = (
    "status",
    "verified_at",
    "verified_by",
    "verification_method",
    "decision_reason",
)


def can_edit_in_admin(user: User | None, attestation: Attestation | None, *, action: str) -> bool:
    """Whether ``user`` may ``action`` ("add", "change", "delete") this attestation in the admin.

    Their Django permission, and never where they have a conflict of interest (as for
    decisions).
    """
    if user is None or not user.is_authenticated:
        return False
    if not user.has_perm(f"practitioners.{action}_attestation"):
        return False
    return attestation is None or not has_conflict_of_interest(user, attestation)


def _require_admin_editor(
    actor: User, action: str, attestation: Attestation, *practitioner_ids: int
) -> None:
    if not can_edit_in_admin(actor, attestation, action=action):
        raise NotPermitted("You cannot change this attestation.")
    if Practitioner.objects.filter(pk__in=practitioner_ids, owner_id=actor.pk).exists():
        raise NotPermitted("You cannot change attestations on your own profile.")


def _audit_value(attestation: Attestation, name: str):
    """A field's value as the audit record keeps it (the id for a relation)."""
    return jsonable(getattr(attestation, Attestation._meta.get_field(name).attname))


def _recorded_fields() -> list[str]:
    return [field.name for field in Attestation._meta.concrete_fields if not field.primary_key]


@transaction.atomic
def attestation_admin_change(
    *, attestation: Attestation, fields: Sequence[str], actor: User
) -> AuditEntry | None:
    """Save a staff member's changes to ``fields`` of an attestation and record them.

    ``attestation`` carries the new values. Only those fields are written, so a decision
    taken meanwhile (a verification, an expiry) is never overwritten, and the status never
    changes here. One audit entry lists each changed field with its old and new value;
    nothing changed, nothing written or recorded (None). A new expiry date re-arms the
    reminder, and the badges are refreshed, since any detail may change what they show.
    """
    fields = list(dict.fromkeys(fields))
    decided = sorted(set(fields) & set(DECISION_FIELDS))
    if decided:
        raise DomainError(
            f"{', '.join(decided)} change only through the verification queue, not by editing."
        )
    stored = (
        Attestation.objects.select_for_update(of=("self",))
        .select_related("practitioner")
        .get(pk=attestation.pk)
    )
    _require_admin_editor(actor, "change", stored, attestation.practitioner_id)
    changed = [
        name for name in fields if _audit_value(stored, name) != _audit_value(attestation, name)
    ]
    if not changed:
        return None
    if (
        "expires_on" in changed
        and "expiry_warning_sent_on" not in fields
        and stored.expiry_warning_sent_on is not None
    ):
        attestation.expiry_warning_sent_on = None  # a new date deserves a new reminder
        changed.append("expiry_warning_sent_on")
    before = {name: _audit_value(stored, name) for name in changed}
    after = {name: _audit_value(attestation, name) for name in changed}
    attestation.save(update_fields=changed)  # post_save also makes cached pages stale
    # A correction changes what a verifier read: a decision taken on the old text is refused.
    replaced = stored.version
    bump_version(attestation)
    for name in DECISION_FIELDS:  # what is stored, not what the form was opened with
        attname = Attestation._meta.get_field(name).attname
        setattr(attestation, attname, getattr(stored, attname))
    entry = record(
        attestation,
        action="attestation.admin_changed",
        actor=actor,
        from_status=stored.status,
        to_status=stored.status,
        note="Changed by staff: "
        + "; ".join(
            f"{field_label(name)}: {before[name] or '(empty)'} → {after[name] or '(empty)'}"
            for name in changed
        ),
        data={"version": replaced, "before": before, "after": after},
    )
    for practitioner_id in dict.fromkeys([stored.practitioner_id, attestation.practitioner_id]):
        refresh_badge(practitioner_id)
    return entry


@transaction.atomic
def attestation_admin_add(*, attestation: Attestation, actor: User) -> AuditEntry:
    """Save an attestation a staff member adds in the admin (pending review) and record it."""
    _require_admin_editor(actor, "add", None, attestation.practitioner_id)
    if attestation.status != AttestationStatus.PENDING:
        raise DomainError("An attestation is added pending review; verify it in the queue.")
    attestation.save()
    entry = record(
        attestation,
        action="attestation.admin_added",
        actor=actor,
        to_status=attestation.status,
        data={"after": {name: _audit_value(attestation, name) for name in _recorded_fields()}},
    )
    refresh_badge(attestation.practitioner_id)
    return entry


@transaction.atomic
def attestation_admin_delete(*, attestation_id: int, actor: User) -> None:
    """Delete an attestation from the admin, recording what it was, and refresh the badge."""
    attestation = locked_attestation(attestation_id)
    _require_admin_editor(actor, "delete", attestation)
    record(
        attestation,
        action="attestation.admin_deleted",
        actor=actor,
        from_status=attestation.status,
        data={"before": {name: _audit_value(attestation, name) for name in _recorded_fields()}},
    )
    practitioner_id = attestation.practitioner_id
    attestation.delete()
    refresh_badge(practitioner_id)
