"""The kinds of credential a practitioner can submit, described as data, and their rules.

Each kind is one ``CredentialKind`` in ``CREDENTIAL_KINDS``: whether it counts toward the
Verified badge, whether it is an entry on an authority's register (a number that identifies
it, a standing that can lapse), when its renewal may be submitted, how long a verification
lasts when no date is printed, whether it is the sterilization checklist. Services, forms,
the badge and the profile ask these descriptions (or the named rules below) instead of
comparing ``kind`` with a constant, so a new kind — a UK register, say — is one more
member of ``AttestationKind`` and one more entry here (and the migration of the choices).

The database constraints on licences in ``models.Attestation.Meta`` spell the register
rules in SQL for the licence; a new register kind adds its own there.

Nothing here reads the database or the clock.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Protocol

from django.db import models
from django.utils.translation import gettext_lazy as _


class AttestationKind(models.TextChoices):
    LICENSE = "license", _("License")
    BOARD_CERTIFICATION = "board_certification", "Board certification"
    MALPRACTICE_INSURANCE = "malpractice_insurance", "Malpractice insurance"
    DEVICE_TRAINING = "device_training", "Device training"
    STERILIZATION = "sterilization", "Sterilization attestation"


class Standing(models.TextChoices):
    ACTIVE = "active", "Active"
    EXPIRED = "expired", "Expired"
    SUSPENDED = "suspended", "Suspended"
    REVOKED = "revoked", "Revoked"


class SterilizationItem(models.TextChoices):
    SINGLE_USE_CARTRIDGES = (
        "single_use_cartridges",
        "Sterile single-use needle cartridges, never reused",
    )
    AUTOCLAVE = "autoclave", "Reusable instruments steam-sterilized (autoclave)"
    SPORE_TESTING = "spore_testing", "Biological indicator (spore) tests"
    SKIN_ANTISEPSIS = "skin_antisepsis", "Skin antisepsis before treatment"
    SHARPS_DISPOSAL = "sharps_disposal", "Sharps disposal"
    HAND_HYGIENE = "hand_hygiene", "Hand hygiene"


def one_year_after(day: date) -> date:
    """The same calendar day a year later (28 February for 29 February)."""
    try:
        return day.replace(year=day.year + 1)
    except ValueError:
        return day.replace(year=day.year + 1, day=28)


@dataclass(frozen=True)
class BadgeWording:
    """How the badge names what is missing of a kind it needs (``badges.compute_badge``)."""

    noun: str  # "license expired on Mar 1, 2026"
    pending: str
    revoked: str
    rejected: str
    none_on_file: str


@dataclass(frozen=True)
class CredentialKind:
    """What one kind of attestation is, as the rules of the site need to know it."""

    code: str
    # One of the two the Verified badge needs (docs/product.md); others are shown, never green.
    counts_toward_badge: bool = False
    badge_wording: BadgeWording | None = None
    # An entry on an authority's register: its number and the authority are required and
    # identify it (one live record per number), the register's standing decides whether
    # it is good, and the roster import (``practitioners.registry``) checks it.
    on_register: bool = False
    # The holder may submit its renewal, under the same number, this long before it expires.
    renewal_window: timedelta | None = None
    # The credential form asks for the expiry date.
    needs_expiry_date: bool = False
    # Validity that starts when staff verify it: the expiry given no printed date.
    term: Callable[[date], date] | None = None
    # The practitioner answers the sterilization checklist (every item, the last spore test)
    # instead of giving an issuer's details: one per practice, on its own form, and any
    # "no" keeps it from being verified.
    checklist: bool = False


# In the order the profile shows them: the badge's two first. Alike in shape by design:
# each entry is data the rules read.
CREDENTIAL_KINDS = (
    CredentialKind(
        code=AttestationKind.LICENSE,
        counts_toward_badge=True,
        badge_wording=BadgeWording(
            noun=_("license"),
            pending=_("license pending review"),
            revoked=_("license verification revoked"),
            rejected=_("license rejected; a new one has not been submitted"),
            none_on_file=_("no license on file"),
        ),
        on_register=True,
        renewal_window=timedelta(days=60),
        needs_expiry_date=True,
    ),
    CredentialKind(
        code=AttestationKind.STERILIZATION,
        counts_toward_badge=True,
        badge_wording=BadgeWording(
            noun=_("sterilization attestation"),
            pending=_("sterilization attestation pending review"),
            revoked=_("sterilization attestation revoked"),
            rejected=_("sterilization attestation rejected; a new one has not been submitted"),
            none_on_file=_("no sterilization attestation on file"),
        ),
        term=one_year_after,
        checklist=True,
    ),
    CredentialKind(code=AttestationKind.BOARD_CERTIFICATION),
    CredentialKind(code=AttestationKind.MALPRACTICE_INSURANCE),
    CredentialKind(code=AttestationKind.DEVICE_TRAINING),
)

_BY_CODE = {kind.code: kind for kind in CREDENTIAL_KINDS}
assert set(_BY_CODE) == set(AttestationKind.values), "describe every AttestationKind once"

# The position of each kind on the profile (unknown kinds last).
PROFILE_ORDER = {kind.code: position for position, kind in enumerate(CREDENTIAL_KINDS)}


def credential_kind(code: str) -> CredentialKind:
    """The description of the kind stored as ``code`` (KeyError for an unknown one)."""
    return _BY_CODE[code]


def kind_codes(**wanted) -> list[str]:
    """The codes of the kinds whose description has every value given, e.g. on_register=True."""
    return [
        kind.code
        for kind in CREDENTIAL_KINDS
        if all(getattr(kind, name) == value for name, value in wanted.items())
    ]


# --- The rules, asked of one attestation ---------------------------------------------------


class _Attestation(Protocol):
    kind: str
    number: str
    issuing_authority: str
    standing: str
    expires_on: date | None


def licence_key(attestation: _Attestation) -> tuple[str, str]:
    """What makes two register entries the same one: the authority (any case) and the number."""
    return (attestation.issuing_authority.casefold(), attestation.number)


def credential_key(attestation: _Attestation) -> tuple[str, ...]:
    """What makes two attestations records of the same credential over time.

    A register entry is its number at its authority; the sterilization checklist is one per
    practice; other credentials are one per issuer.
    """
    kind = credential_kind(attestation.kind)
    if kind.on_register:
        return (attestation.kind, *licence_key(attestation))
    if kind.checklist:
        return (attestation.kind,)
    return (attestation.kind, attestation.issuing_authority.casefold())


def in_good_standing(attestation: _Attestation) -> bool:
    """A register entry's standing allows practice; other kinds have no standing."""
    if not credential_kind(attestation.kind).on_register:
        return True
    return attestation.standing == Standing.ACTIVE


def standing_withdrawn(attestation: _Attestation) -> bool:
    """A register entry whose recorded standing is known and no longer active."""
    return credential_kind(attestation.kind).on_register and attestation.standing not in (
        Standing.ACTIVE,
        "",
    )


def renewed_under_same_number(attestation: _Attestation) -> bool:
    """A kind whose renewal is a new record with the same number, replacing it once verified."""
    return credential_kind(attestation.kind).renewal_window is not None


def default_expiry(attestation: _Attestation, verified_on: date) -> date | None:
    """The expiry a verification on ``verified_on`` sets when the verifier gives none."""
    term = credential_kind(attestation.kind).term
    return term(verified_on) if term else attestation.expires_on


def sterilization_shortfalls(attestation) -> list[str]:
    """The required sterilization items not answered "complies" (empty: it may be verified).

    Every item is required: one "no" — reused cartridges, no autoclave, no spore tests —
    and the attestation cannot count toward the badge, so staff cannot verify it.
    """
    if not credential_kind(attestation.kind).checklist:
        return []
    complies = {answer.item: answer.complies for answer in attestation.items.all()}
    return [item.label for item in SterilizationItem if not complies.get(item.value, False)]
