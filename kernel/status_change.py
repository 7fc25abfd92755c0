"""The status write itself: checked against a table of allowed moves, made by a conditional UPDATE.

Every status change in the codebase ends here, through ``workflow.transition`` (which
also records the decision) or, below the audit record, directly: the event outbox's own
bookkeeping cannot be audited without raising an event about handling an event.
"""

from collections.abc import Mapping
from typing import Any

from django.db import models, transaction
from django.db.models import F
from django.utils import timezone

from kernel.errors import StaleState, TransitionNotAllowed

Transitions = Mapping[str, frozenset[str]]


def allowed_moves(table: Transitions, current: str) -> frozenset[str]:
    return table.get(current, frozenset())


def touched(model: type[models.Model]) -> dict[str, Any]:
    """The ``auto_now`` columns of ``model`` set to now: what ``save()`` would write and a
    bare ``QuerySet.update()`` does not, so a change made by UPDATE is dated too."""
    now = timezone.now()
    return {f.name: now for f in model._meta.concrete_fields if getattr(f, "auto_now", False)}


def change_status(
    obj: models.Model,
    *,
    to: str,
    table: Transitions | None = None,
    field: str = "status",
    changes: Mapping[str, Any] | None = None,
    expected: Mapping[str, Any] | None = None,
) -> str:
    """Move ``obj.<field>`` to ``to`` (with ``changes``); return the state it left.

    The allowed moves are the model's own ``TRANSITIONS`` table unless ``table`` says
    otherwise (a model with two status fields).

    The UPDATE only applies if the row still has the state we read (and ``expected``):
    this is what makes two concurrent decisions produce exactly one, even on SQLite where
    ``select_for_update`` does nothing. A model with a ``version`` field has it
    incremented in the same UPDATE, and its ``auto_now`` fields are set as ``save()`` would.
    """
    current = getattr(obj, field)
    table = type(obj).TRANSITIONS if table is None else table
    if to not in allowed_moves(table, current):
        raise TransitionNotAllowed(
            f"{obj._meta.verbose_name.capitalize()} cannot go from “{current}” to “{to}”."
        )
    values = {**touched(type(obj)), field: to, **(changes or {})}
    versioned = any(f.name == "version" for f in obj._meta.concrete_fields)
    with transaction.atomic():
        rows = type(obj)._default_manager.filter(pk=obj.pk, **{field: current}, **(expected or {}))
        updated = rows.update(**values, **({"version": F("version") + 1} if versioned else {}))
        if updated != 1:
            raise StaleState(
                f"This {obj._meta.verbose_name} was changed by someone else; reload and try again."
            )
        for name, value in values.items():
            setattr(obj, name, value)
        if versioned:
            obj.refresh_from_db(fields=["version"])
    return current
