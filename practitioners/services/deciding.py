"""How every decision on an attestation lands: one status move, the badge, the owner told.

Verify, reject, revoke, expire and the lapses all end the same way, in the caller's
transaction: ``decide`` moves the status through ``kernel.workflow.transition`` (one audit
entry; refused if the row moved past the version the decider saw), refreshes the Verified
badge, and queues the owner's e-mail on commit.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from django.conf import settings

from kernel.models import User
from kernel.notifications import email_user
from kernel.versions import decided_at
from kernel.workflow import transition
from practitioners.badges import refresh_badge
from practitioners.models import Attestation, AttestationStatus
from practitioners.services.content import attestation_content, attestation_labels


@dataclass(frozen=True)
class Notice:
    """An e-mail to the profile's owner about one attestation."""

    subject: str
    template: str
    context: Mapping[str, Any] = field(default_factory=dict)

    def about(self, **context) -> "Notice":
        """The same notice, with more for its template (e.g. the ``reason``)."""
        return replace(self, context={**self.context, **context})


REJECTED = Notice(
    "Your attestation was not accepted", "practitioners/email/attestation_rejected.txt"
)
REVOKED = Notice(
    "A verification on your profile was revoked", "practitioners/email/attestation_revoked.txt"
)
EXPIRED = Notice(
    "A verification on your profile has expired", "practitioners/email/attestation_expired.txt"
)
EXPIRING = Notice(
    "A verification on your profile expires soon", "practitioners/email/attestation_expiring.txt"
)
STANDING_LAPSED = Notice(
    "A licence on your profile is no longer verified",
    "practitioners/email/attestation_standing_lapsed.txt",
)


def notify_owner(attestation: Attestation, notice: Notice) -> None:
    owner = attestation.practitioner.owner
    if owner is not None:
        email_user(
            to=owner.email,
            subject=notice.subject,
            template=notice.template,
            context={
                "attestation": attestation,
                "practitioner": attestation.practitioner,
                "site_url": settings.SITE_URL,
                **notice.context,
            },
        )


def renewed_since(attestation: Attestation) -> bool:
    """Whether a newer attestation of the same kind is pending or verified and current."""
    newer = Attestation.objects.filter(
        practitioner_id=attestation.practitioner_id,
        kind=attestation.kind,
        submitted_at__gt=attestation.submitted_at,
        status__in=[AttestationStatus.PENDING, AttestationStatus.VERIFIED],
    )
    return newer.exists()


def decide(
    attestation: Attestation,
    *,
    to: str,
    action: str,
    actor: User | None = None,
    actor_label: str = "",
    reason: str = "",
    note: str = "",
    changes: Mapping[str, Any] | None = None,
    data: Mapping[str, Any] | None = None,
    seen_version: int | None = None,
    today: date | None = None,
    tell: Notice | None = None,
) -> None:
    """Move ``attestation`` to ``to``, refresh its practitioner's badge, and ``tell`` the owner.

    ``seen_version`` is the version the decider read (None for the system's decisions);
    ``today`` the date the badge is refreshed for.
    """
    with decided_at(
        attestation, seen_version, attestation_content, attestation_labels()
    ) as expected:
        # Calls of transition() look alike everywhere (keywords); each names its own move.
        transition(
            attestation,
            to=to,
            action=action,
            actor=actor,
            actor_label=actor_label,
            reason=reason,
            note=note,
            changes=changes,
            data=data,
            expected=expected,
        )
    refresh_badge(attestation.practitioner_id, today=today)
    if tell is not None:
        notify_owner(attestation, tell)
