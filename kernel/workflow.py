"""Status transitions: the one place a status field changes.

Every service that moves an object between states calls ``transition``. It checks the move
against the model's table of allowed transitions (its ``TRANSITIONS``), writes the new
state with a conditional UPDATE (``kernel.status_change``: only if the status is still
the one we read — this is what makes two concurrent decisions produce exactly one, even
on SQLite where ``select_for_update`` does nothing), and appends the decision to the audit
record in the same transaction.

``record`` also raises the decision's domain event (``kernel.events``), typed by its
action, in that transaction: every audited change reaches its subscribers after commit,
and none does when the transaction rolls back. ``transition(audit=False)`` is for
bookkeeping states (a webhook delivery's attempts) where an audit row and an event for
every step would be noise: the move is checked and written the same way, and not recorded.
"""

from collections.abc import Mapping
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction

from kernel.events import raise_event
from kernel.models import AuditEntry, User
from kernel.status_change import Transitions, allowed_moves, change_status

__all__ = ["Transitions", "allowed_moves", "record", "transition"]


def transition(
    obj: models.Model,
    *,
    to: str,
    table: Transitions | None = None,
    action: str = "",
    audit: bool = True,
    actor: User | None = None,
    actor_label: str = "",
    reason: str = "",
    note: str = "",
    field: str = "status",
    changes: Mapping[str, Any] | None = None,
    data: Mapping[str, Any] | None = None,
    expected: Mapping[str, Any] | None = None,
) -> AuditEntry | None:
    """Move ``obj.<field>`` to ``to`` and record the decision; raise if the move is refused.

    ``expected`` adds conditions the row must still meet (e.g. the version a decider saw);
    a model with a ``version`` field has it incremented in the same UPDATE. With
    ``audit=False`` the move is made but not recorded (``action`` is unused) and None is
    returned.
    """
    with transaction.atomic():
        current = change_status(
            obj, to=to, table=table, field=field, changes=changes, expected=expected
        )
        if not audit:
            return None
        return record(
            obj,
            action=action,
            actor=actor,
            actor_label=actor_label,
            from_status=current,
            to_status=to,
            reason=reason,
            note=note,
            data=data,
        )


def record(
    obj: models.Model,
    *,
    action: str,
    actor: User | None = None,
    actor_label: str = "",
    from_status: str = "",
    to_status: str = "",
    reason: str = "",
    note: str = "",
    data: Mapping[str, Any] | None = None,
) -> AuditEntry:
    """Append one entry to the audit record for ``obj`` and raise its event."""
    with transaction.atomic():
        entry = AuditEntry.objects.create(
            actor=actor if actor is not None and actor.is_authenticated else None,
            actor_label=actor_label[:80],
            action=action,
            content_type=ContentType.objects.get_for_model(obj),
            object_id=obj.pk,
            object_repr=str(obj)[:200],
            from_status=from_status,
            to_status=to_status,
            reason=reason,
            note=note,
            data=dict(data or {}),
        )
        event_data = {"from_status": from_status, "to_status": to_status, "reason": reason}
        raise_event(action, obj, data=event_data, audit_entry=entry)
    return entry
