"""Safety alerts: a practitioner collecting too many severe complications in a short time.

docs/product.md: 2 severe infections, or 3 severe complications of any kind, within 90 days. The 90
days are counted by **publish date** — the day a moderator accepted the report — rather
than by treatment month: treatment months are only month-precise and are often reported
long after the fact, while the publish date is exact and is when the site learns of the
complication. Each severe complication counts once (a review reporting a severe infection
and a severe scar counts twice towards "any kind"; a review holds at most one infection).

``check_safety_alerts`` runs whenever a review is published. It raises at most one open
alert per practitioner and rule (a database constraint guarantees it); while an alert is
open, further qualifying reviews are added to it. Staff resolve an alert with a note.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from kernel.errors import DomainError, NotPermitted
from kernel.models import User
from kernel.workflow import record, transition
from reviews.models import (
    AlertStatus,
    Complication,
    ComplicationType,
    ReviewStatus,
    SafetyAlert,
    Severity,
)
from reviews.permissions import can_moderate

ALERT_WINDOW = timedelta(days=90)


@dataclass(frozen=True)
class AlertRule:
    code: str
    threshold: int
    complication_type: str | None  # None: any kind
    label: str

    def explain(self, count: int) -> str:
        return f"{count} {self.label} reported in reviews published within 90 days"


ALERT_RULES = (
    AlertRule(
        code="severe_infections_90_days",
        threshold=2,
        complication_type=ComplicationType.INFECTION,
        label="severe infections",
    ),
    AlertRule(
        code="severe_complications_90_days",
        threshold=3,
        complication_type=None,
        label="severe complications",
    ),
)


def _open_alert(practitioner_id: int, rule: AlertRule, explanation: str) -> SafetyAlert:
    """The open alert for this rule, created (and recorded) if there is none yet."""
    alert = (
        SafetyAlert.objects.select_for_update()
        .filter(practitioner_id=practitioner_id, rule=rule.code, status=AlertStatus.OPEN)
        .first()
    )
    if alert is not None:
        return alert
    try:
        with transaction.atomic():
            alert = SafetyAlert.objects.create(
                practitioner_id=practitioner_id, rule=rule.code, explanation=explanation
            )
    except IntegrityError:
        # Another publish raised it a moment ago: the constraint allows only one.
        return SafetyAlert.objects.get(
            practitioner_id=practitioner_id, rule=rule.code, status=AlertStatus.OPEN
        )
    record(
        alert,
        action="safety_alert.raised",
        actor_label="Safety alert rules",
        to_status=AlertStatus.OPEN,
        reason=rule.code,
        note=explanation,
    )
    return alert


@transaction.atomic
def check_safety_alerts(*, practitioner_id: int, now: datetime | None = None) -> list[SafetyAlert]:
    """Raise (or extend) the practitioner's safety alerts from their published reviews."""
    now = now or timezone.now()
    severe = list(
        Complication.objects.filter(
            review__practitioner_id=practitioner_id,
            review__status=ReviewStatus.PUBLISHED,
            review__published_at__gte=now - ALERT_WINDOW,
            severity=Severity.SEVERE,
        ).values_list("review_id", "type")
    )
    raised = []
    for rule in ALERT_RULES:
        matching = [
            review_id
            for review_id, kind in severe
            if rule.complication_type is None or kind == rule.complication_type
        ]
        if len(matching) < rule.threshold:
            continue
        explanation = rule.explain(len(matching))
        alert = _open_alert(practitioner_id, rule, explanation)
        alert.reviews.add(*set(matching))
        if alert.explanation != explanation:
            # The explanation is a description of the open alert, not a decision.
            SafetyAlert.objects.filter(pk=alert.pk).update(explanation=explanation)
            alert.explanation = explanation
        raised.append(alert)
    return raised


@transaction.atomic
def alert_resolve(*, alert_id: int, moderator: User, note: str) -> SafetyAlert:
    """Close an open safety alert with a note on what staff did; the decision is recorded."""
    if not can_moderate(moderator):
        raise NotPermitted("Only moderators can resolve safety alerts.")
    note = (note or "").strip()
    if not note:
        raise DomainError("Say what was done about this alert: the note is kept in the record.")
    alert = SafetyAlert.objects.select_for_update().select_related("practitioner").get(pk=alert_id)
    # A call of the one state change, kernel.workflow.transition: alike in form wherever used.
    transition(
        alert,
        to=AlertStatus.RESOLVED,
        action="safety_alert.resolved",
        actor=moderator,
        note=note,
        changes={"resolution_note": note},
    )
    return alert
