"""What each attestation may claim in public, and when the Verified badge holds.

Every surface that shows a credential — the profile, the search card and filter, the API,
webhook payloads — asks these functions, so a mark can never say more than the dated
rows behind it. Nothing here reads the clock: callers pass ``today`` (the site's date),
which is what lets the tests walk the calendar.

- ``counts_toward_badge``: the only attestations that may wear a green mark.
- ``attestation_mark``: the status a visitor sees (current, suspended, lapsed, expired,
  revoked, pending, rejected, replaced).
- ``badge_valid_through``: the last day the badge holds with the rows as they are; the
  badge holds on ``today`` exactly when ``badge_holds(valid_through, today)`` (defined
  with the model, whose ``is_verified`` reads it).
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from django.utils.translation import gettext

from practitioners.credentials import in_good_standing, kind_codes
from practitioners.models import Attestation, AttestationStatus, valid_on

# The two attestations the Verified badge needs (docs/product.md: an active licence and a current
# sterilization attestation). Other credentials are shown, but never as the badge.
BADGE_KINDS = tuple(kind_codes(counts_toward_badge=True))

# "Valid through" of an attestation that carries no expiry date.
NO_EXPIRY = date.max


class Mark(StrEnum):
    CURRENT = "current"
    SUSPENDED = "suspended"
    LAPSED = "lapsed"
    EXPIRED = "expired"
    REVOKED = "revoked"
    PENDING = "pending"
    REJECTED = "rejected"
    REPLACED = "replaced"


class DomainMatch(StrEnum):
    MATCHES = "matches"
    DIFFERS = "differs"
    UNKNOWN = "unknown"  # the clinic has no e-mail domain on file


def claimant_domain_match(email_domain: str, clinic_domain: str) -> DomainMatch:
    """Whether a claimant's e-mail domain is the clinic's (or one of its subdomains).

    Shown to verifiers beside every claim: a match is good evidence that the account
    belongs to the practice; a mismatch asks for more before approving.
    """
    clinic_domain = clinic_domain.strip().lower().removeprefix("@")
    if not clinic_domain:
        return DomainMatch.UNKNOWN
    email_domain = email_domain.strip().lower()
    if email_domain == clinic_domain or email_domain.endswith("." + clinic_domain):
        return DomainMatch.MATCHES
    return DomainMatch.DIFFERS


class Tone(StrEnum):
    GOOD = "good"  # green: counts toward the badge today
    CHECKED = "checked"  # verified and current, but not one of the badge's two
    WAITING = "waiting"
    BAD = "bad"


@dataclass(frozen=True)
class AttestationMark:
    """What a visitor is told about one attestation on one day."""

    code: Mark
    label: str
    tone: Tone
    shows_details: bool  # pending claims are unchecked: no number, authority or dates

    @property
    def is_green(self) -> bool:
        return self.tone == Tone.GOOD


def valid_through(attestation: Attestation) -> date:
    """The last day the attestation is valid: its expiry date (which still counts)."""
    return attestation.expires_on or NO_EXPIRY


def supports_badge(attestation: Attestation) -> bool:
    """Verified, of a kind the badge needs, and in good standing — regardless of the date."""
    return (
        attestation.kind in BADGE_KINDS
        and attestation.status == AttestationStatus.VERIFIED
        and in_good_standing(attestation)
    )


def counts_toward_badge(attestation: Attestation, today: date) -> bool:
    """Whether this attestation is one of the badge's reasons on ``today``."""
    return supports_badge(attestation) and valid_on(attestation.expires_on, today)


def badge_valid_through(attestations: Iterable[Attestation]) -> date | None:
    """The last day the Verified badge holds with these attestations; None if it never does.

    Each kind the badge needs is covered through the latest expiry among its supporting
    attestations; the badge holds while both are. Stored on the practitioner as
    ``verified_through``, so search filters on a date rather than on a flag a job must
    flip at midnight.
    """
    latest: dict[str, date] = {}
    for attestation in attestations:
        if supports_badge(attestation):
            through = valid_through(attestation)
            latest[attestation.kind] = max(latest.get(attestation.kind, through), through)
    if any(kind not in latest for kind in BADGE_KINDS):
        return None
    return min(latest[kind] for kind in BADGE_KINDS)


def attestation_mark(
    attestation: Attestation, today: date, *, replaced: bool = False
) -> AttestationMark:
    """The status a visitor sees for ``attestation`` on ``today``; green only if it counts.

    ``replaced`` is set for a licence whose renewal is now verified (its term ended early).
    """
    status = attestation.status
    if status == AttestationStatus.PENDING:
        return AttestationMark(Mark.PENDING, "Submitted, not yet checked", Tone.WAITING, False)
    if status == AttestationStatus.REJECTED:
        return AttestationMark(Mark.REJECTED, "Not accepted", Tone.BAD, False)
    if status == AttestationStatus.REVOKED:
        return AttestationMark(Mark.REVOKED, "Verification revoked", Tone.BAD, True)
    if status == AttestationStatus.EXPIRED:
        if replaced:
            return AttestationMark(Mark.REPLACED, "Replaced by a renewal", Tone.CHECKED, True)
        return AttestationMark(Mark.EXPIRED, "Expired", Tone.BAD, True)
    # Verified: what it says depends on its standing and on the date.
    if not in_good_standing(attestation):
        label = gettext("License %(standing)s") % {
            "standing": attestation.get_standing_display().lower()
        }
        return AttestationMark(Mark.SUSPENDED, label, Tone.BAD, True)
    if not valid_on(attestation.expires_on, today):
        return AttestationMark(Mark.LAPSED, "Lapsed", Tone.BAD, True)
    if counts_toward_badge(attestation, today):
        return AttestationMark(Mark.CURRENT, "Verified", Tone.GOOD, True)
    return AttestationMark(Mark.CURRENT, "Verified", Tone.CHECKED, True)
