"""A practitioner's attestations as the profile and the dashboard show them: grouped by
credential, the current one first, renewals beside it and the rest as dated history."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

from practitioners.credentials import PROFILE_ORDER, renewed_under_same_number
from practitioners.models import Attestation, AttestationStatus
from practitioners.trust import attestation_mark


def mark_renewed_licences(attestations: Sequence[Attestation]) -> None:
    """Set ``renewed`` on each expired licence whose renewal (same number) is now verified.

    Verifying a renewal ends the old licence's term early: its status is ``expired`` (the
    only status docs/product.md gives a finished term) while its printed date may still be ahead,
    so the profile says "Replaced by a renewal" instead.
    """
    current = {
        a.credential_key
        for a in attestations
        if renewed_under_same_number(a) and a.status == AttestationStatus.VERIFIED
    }
    for a in attestations:
        a.renewed = (
            renewed_under_same_number(a)
            and a.status == AttestationStatus.EXPIRED
            and a.credential_key in current
        )


@dataclass
class AttestationGroup:
    """One credential as the profile shows it: the attestation that stands for it today,
    a renewal waiting behind it, and the earlier ones, folded into a dated history."""

    current: Attestation
    renewal: Attestation | None = None
    history: list[Attestation] = field(default_factory=list)

    @property
    def kind_label(self) -> str:
        return self.current.get_kind_display()


def attestation_groups(attestations: Iterable[Attestation], today: date) -> list[AttestationGroup]:
    """Group a profile's attestations by credential and set ``mark`` on each (no query).

    Within a group the newest verified attestation stands for it (a renewal pending behind
    it is shown as such); without one, the newest of any status does. Everything older is
    history. Each attestation gets ``mark`` (``trust.attestation_mark``) for the day.
    """
    attestations = list(attestations)
    mark_renewed_licences(attestations)
    grouped: dict[tuple, list[Attestation]] = {}
    for attestation in attestations:
        attestation.mark = attestation_mark(attestation, today, replaced=attestation.renewed)
        grouped.setdefault(attestation.credential_key, []).append(attestation)
    groups = []
    for members in grouped.values():
        members.sort(key=lambda a: (a.submitted_at, a.pk or 0), reverse=True)
        verified = next((a for a in members if a.status == AttestationStatus.VERIFIED), None)
        current = verified or members[0]
        renewal = None
        if verified is not None and members[0].status == AttestationStatus.PENDING:
            renewal = members[0]
        history = [a for a in members if a is not current and a is not renewal]
        groups.append(AttestationGroup(current=current, renewal=renewal, history=history))
    groups.sort(key=lambda g: (PROFILE_ORDER.get(g.current.kind, 99), g.current.submitted_at))
    return groups
