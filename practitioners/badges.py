"""The Verified badge: computed here and nowhere else.

Verified means a verified, unexpired licence in ``active`` standing **and** a verified,
unexpired sterilization attestation (``trust.counts_toward_badge``). Anything less comes
with the exact reasons, in words a patient understands ("license expired on Mar 1, 2026"),
in the active language (British English says "licence" and "1 Mar 2026").

The practitioner row stores ``verified_through`` (``trust.badge_valid_through``), the last
day the badge holds, so that search filters on a date and agrees with the profile on
every day without waiting for a job; ``badge_announced`` remembers what partners were
last told, so a lapse found by the daily job is still announced.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext

from kernel.caching import bump_cache_generation_on_commit
from kernel.events import raise_event
from kernel.status_change import touched
from practitioners.credentials import CREDENTIAL_KINDS, CredentialKind, standing_withdrawn
from practitioners.models import (
    Attestation,
    AttestationStatus,
    Practitioner,
    badge_holds,
    valid_on,
)
from practitioners.trust import badge_valid_through, counts_toward_badge


@dataclass(frozen=True)
class Badge:
    verified: bool
    missing: list[str] = field(default_factory=list)
    valid_through: date | None = None


VERIFICATION_CHANGED = "practitioner.verification_changed"


def _pending_renewal() -> str:
    return gettext("; a renewal is pending review")


def _standing_reason(licence: Attestation) -> str:
    return gettext("license %(standing)s per %(authority)s") % {
        "standing": licence.get_standing_display().lower(),
        "authority": licence.issuing_authority,
    }


def _expired(what: str, expires_on: date) -> str:
    """ "license expired on Mar 1, 2026": the date in the active language's DATE_FORMAT."""
    return gettext("%(what)s expired on %(date)s") % {"what": what, "date": date_format(expires_on)}


def _latest_lapsed(attestations: list[Attestation], today: date) -> Attestation | None:
    """The dated attestation that lapsed last: marked expired, or verified but past its date."""
    lapsed = [
        a
        for a in attestations
        if a.expires_on
        and (
            a.status == AttestationStatus.EXPIRED
            or (a.status == AttestationStatus.VERIFIED and not valid_on(a.expires_on, today))
        )
    ]
    return max(lapsed, key=lambda a: a.expires_on) if lapsed else None


def _missing_reason(
    kind: CredentialKind, attestations: list[Attestation], today: date
) -> str | None:
    """Why the attestations of one kind the badge needs do not count today (None: they do)."""
    if any(counts_toward_badge(a, today) for a in attestations):
        return None
    wording = kind.badge_wording
    pending = any(a.status == AttestationStatus.PENDING for a in attestations)
    suffix = _pending_renewal() if pending else ""
    for verified in (a for a in attestations if a.status == AttestationStatus.VERIFIED):
        if standing_withdrawn(verified):
            return _standing_reason(verified) + suffix
    latest = _latest_lapsed(attestations, today)
    if latest:
        return _expired(str(wording.noun), latest.expires_on) + suffix
    if pending:
        return str(wording.pending)
    revoked = [a for a in attestations if a.status == AttestationStatus.REVOKED]
    if revoked:
        latest = max(revoked, key=lambda a: (a.submitted_at, a.pk or 0))
        if standing_withdrawn(latest):
            return _standing_reason(latest)
        return str(wording.revoked)
    if any(a.status == AttestationStatus.REJECTED for a in attestations):
        return str(wording.rejected)
    return str(wording.none_on_file)


def compute_badge(attestations: Iterable[Attestation], *, today: date | None = None) -> Badge:
    """Apply the badge rule to a practitioner's attestations on ``today``."""
    today = today or timezone.localdate()
    attestations = list(attestations)
    missing = []
    for kind in CREDENTIAL_KINDS:
        if kind.counts_toward_badge:
            of_kind = [a for a in attestations if a.kind == kind.code]
            if reason := _missing_reason(kind, of_kind, today):
                missing.append(reason)
    through = badge_valid_through(attestations)
    # The reasons and the date read the same rule (trust.counts_toward_badge); the tests
    # walk the calendar to check that a badge never shows with a reason missing.
    return Badge(verified=badge_holds(through, today), missing=missing, valid_through=through)


def badge_for(practitioner: Practitioner, *, today: date | None = None) -> Badge:
    """The badge of one practitioner (uses prefetched attestations when present)."""
    return compute_badge(practitioner.attestations.all(), today=today)


@transaction.atomic
def refresh_badge(practitioner_id: int, *, today: date | None = None) -> Badge:
    """Store the badge's ``verified_through``; call in the transaction that changed an attestation.

    The event ``practitioner.verification_changed`` is raised whenever the badge on
    ``today`` differs from what was last announced, including a lapse the daily expiry
    job finds.
    """
    today = today or timezone.localdate()
    bump_cache_generation_on_commit()  # the profile shows every attestation; search the badge
    practitioner = Practitioner.objects.select_for_update().get(pk=practitioner_id)
    # Partners are told the reasons in the site's default English, whoever made the change.
    with translation.override(settings.LANGUAGE_CODE):
        badge = compute_badge(practitioner.attestations.all(), today=today)
    # An attestation changed, so the practitioner's FHIR resources did: date the row.
    changes = touched(Practitioner)
    if practitioner.verified_through != badge.valid_through:
        changes["verified_through"] = badge.valid_through
    if practitioner.badge_announced != badge.verified:
        changes["badge_announced"] = badge.verified
        # Raised in this transaction; subscribers (partners' webhooks) hear of it on commit.
        raise_event(
            VERIFICATION_CHANGED,
            practitioner,
            data={"verified": badge.verified, "missing": list(badge.missing)},
        )
    Practitioner.objects.filter(pk=practitioner_id).update(**changes)
    return badge
