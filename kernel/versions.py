"""Versions of what staff decide on, and what changed between the one seen and the current one.

Reviews, responses, attestations and claims carry a ``version``: ``transition`` increments it
with every decision, and each content edit increments it (``bump_version``) and records the
fields it changed, before and after, in the audit record (``record_edit``). A staff decision
names the version the decider saw; ``decided_at`` refuses it if the item has moved on, and
adds the version to the decision's conditional UPDATE so that a change landing between the
check and the write is refused too (SQLite has no row locks). The refusal carries what
changed, read back from the edit records, so the decider sees why before deciding again.
"""

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import F

from kernel.errors import StaleState
from kernel.models import AuditEntry, User
from kernel.workflow import record

Content = Callable[[models.Model], dict[str, Any]]


@dataclass(frozen=True)
class FieldChange:
    label: str
    before: Any
    after: Any


class ItemChanged(StaleState):
    """The item changed after the decider opened it: nothing was decided."""

    code = "changed"

    def __init__(self, obj: models.Model, *, seen: int, changes: list[FieldChange]):
        noun = obj._meta.verbose_name
        super().__init__(
            f"This {noun} changed after you opened it (you saw version {seen}; it is now "
            f"version {obj.version}). Nothing was decided: read what changed, then decide again."
        )
        self.obj = obj
        self.seen = seen
        self.current = obj.version
        self.changes = changes


def bump_version(obj: models.Model) -> None:
    """Increment ``obj.version`` in the database (one UPDATE) and on the instance."""
    type(obj)._default_manager.filter(pk=obj.pk).update(version=F("version") + 1)
    obj.refresh_from_db(fields=["version"])


def record_edit(
    obj: models.Model,
    *,
    action: str,
    actor: User | None,
    before: Mapping[str, Any],
    after: Mapping[str, Any],
    status: str = "",
) -> None:
    """Bump the version of an edited item and record the fields that changed.

    ``before`` and ``after`` are the item's content (JSON values) around the edit; the entry
    keeps the version the edit replaced, which is what ``content_at`` looks for.
    """
    changed = [name for name in after if before.get(name) != after[name]]
    replaced = obj.version
    bump_version(obj)
    record(
        obj,
        action=action,
        actor=actor,
        from_status=status,
        to_status=status,
        data={
            "version": replaced,
            "before": {name: before.get(name) for name in changed},
            "after": {name: after[name] for name in changed},
        },
    )


def content_at(obj: models.Model, version: int) -> dict[str, Any]:
    """The fields edited since ``version``, with the values they had at that version.

    Each edit record keeps the values it replaced; the first record after ``version`` to
    touch a field holds that field's value at ``version``. Fields never edited since are
    left out (they are as they were).
    """
    entries = AuditEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(obj), object_id=obj.pk
    ).order_by("pk")
    then: dict[str, Any] = {}
    for data in entries.values_list("data", flat=True):
        if not isinstance(data, dict) or not isinstance(data.get("version"), int):
            continue
        if data["version"] >= version and isinstance(data.get("before"), dict):
            for name, value in data["before"].items():
                then.setdefault(name, value)
    return then


def changes_since(
    obj: models.Model, version: int, content: Content, labels: Mapping[str, str]
) -> list[FieldChange]:
    """Field by field, what differs between ``version`` and the item as it is now."""
    now = content(obj)
    return [
        FieldChange(labels.get(name, name), before, now.get(name))
        for name, before in content_at(obj, version).items()
        if before != now.get(name)
    ]


def require_version(
    obj: models.Model, seen: int | None, content: Content, labels: Mapping[str, str]
) -> None:
    """Refuse (``ItemChanged``) if ``obj`` is no longer at the version the decider saw."""
    if seen is not None and obj.version != seen:
        raise ItemChanged(obj, seen=seen, changes=changes_since(obj, seen, content, labels))


@contextmanager
def decided_at(
    obj: models.Model, seen: int | None, content: Content, labels: Mapping[str, str]
) -> Iterator[dict[str, Any]]:
    """Around one decision: refuse it if ``obj`` moved past ``seen``.

    Yields the condition to pass to ``transition(expected=…)``. The version is checked by
    that conditional UPDATE, after ``transition`` has checked the move itself, so a decision
    on an item someone already decided says so rather than that it changed; if the UPDATE
    finds another version, the refusal is an ``ItemChanged`` with what changed.
    """
    try:
        yield {} if seen is None else {"version": seen}
    except ItemChanged:
        raise
    except StaleState:
        if seen is not None:
            obj.refresh_from_db()
            require_version(obj, seen, content, labels)
        raise
