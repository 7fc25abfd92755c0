"""Register entries (the licence) and their renewals; when a decided one may be sent again.

The holder of a verified licence may submit its renewal under the same number from its
kind's ``renewal_window`` before it expires (or once its date has passed); verifying the
renewal supersedes the old one. Before that, one live licence per number and authority,
whoever holds it.
"""

from collections.abc import Iterable
from datetime import date

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext

from kernel.errors import DomainError
from practitioners.credentials import AttestationKind, credential_kind, renewed_under_same_number
from practitioners.models import Attestation, AttestationStatus, Practitioner

LICENCE_RENEWAL_WINDOW = credential_kind(AttestationKind.LICENSE).renewal_window


class FieldError(DomainError):
    """A refusal about one field of a submission; the form shows it next to ``field``."""

    def __init__(self, message: str, *, field: str, code: str | None = None):
        super().__init__(message, code=code)
        self.field = field


def normalize_licence_number(value: str) -> str:
    """Licence numbers are compared without spaces or case (“rn 555” is RN555)."""
    return "".join(value.split()).upper()


def licence_taken(number: str, issuing_authority: str) -> FieldError:
    return FieldError(
        f"Licence {number} from {issuing_authority} is already on file and awaiting review "
        "or verified. If it is yours and on another profile, contact us.",
        field="number",
        code="licence_number_taken",
    )


def live_entries(*, kind: str, number: str, issuing_authority: str):
    """Pending or verified register entries of ``kind`` with this number from this authority
    (any case)."""
    return Attestation.objects.filter(
        kind=kind,
        number=number,
        issuing_authority__iexact=issuing_authority,
        status__in=[AttestationStatus.PENDING, AttestationStatus.VERIFIED],
    )


def licence_renewal_opens_on(licence: Attestation) -> date | None:
    """The first day its holder may submit the renewal of this licence (None: not renewable)."""
    window = credential_kind(licence.kind).renewal_window
    if window is None or licence.status != AttestationStatus.VERIFIED or licence.expires_on is None:
        return None
    return licence.expires_on - window


def licence_renewable(licence: Attestation, *, today: date | None = None) -> bool:
    """Whether the holder may submit the renewal of this verified licence today."""
    opens = licence_renewal_opens_on(licence)
    return opens is not None and (today or timezone.localdate()) >= opens


def licence_to_renew(
    *,
    practitioner: Practitioner,
    kind: str,
    number: str,
    issuing_authority: str,
    expires_on: date | None,
    today: date,
) -> Attestation | None:
    """Check a new entry's number against the live ones; return the one it renews, if any."""
    renewed = None
    for live in live_entries(kind=kind, number=number, issuing_authority=issuing_authority):
        if live.practitioner_id != practitioner.pk:
            raise licence_taken(number, issuing_authority)
        if live.status == AttestationStatus.PENDING:
            raise FieldError(
                f"Licence {number} is already awaiting review on your profile.",
                field="number",
                code="licence_pending",
            )
        opens = licence_renewal_opens_on(live)
        if opens is None:
            raise FieldError(
                f"Your licence {number} is verified and has no expiry date on file, so there "
                "is nothing to renew yet. If it has changed, contact us.",
                field="number",
                code="renewal_not_open",
            )
        if today < opens:
            raise FieldError(
                gettext(
                    "Your license %(number)s is verified until %(until)s. You can submit its "
                    "renewal from %(opens)s, %(days)s days before it expires."
                )
                % {
                    "number": number,
                    "until": date_format(live.expires_on),
                    "opens": date_format(opens),
                    "days": credential_kind(kind).renewal_window.days,
                },
                field="number",
                code="renewal_not_open",
            )
        if expires_on is None or expires_on <= live.expires_on:
            raise FieldError(
                gettext(
                    "A renewal must expire after the license it renews, which is valid until "
                    "%(until)s."
                )
                % {"until": date_format(live.expires_on)},
                field="expires_on",
                code="renewal_not_later",
            )
        renewed = live
    return renewed


def renewals_open(attestations: Iterable[Attestation], *, today: date | None = None) -> set[int]:
    """Ids of one practitioner's verified licences whose renewal they may submit now.

    ``attestations`` are all of theirs: a licence whose renewal is already pending is left out.
    """
    attestations = list(attestations)
    pending = {a.credential_key for a in attestations if a.status == AttestationStatus.PENDING}
    return {
        a.pk
        for a in attestations
        if licence_renewable(a, today=today) and a.credential_key not in pending
    }


# Decisions a practitioner can answer with a new submission of the same credential.
RESUBMITTABLE = frozenset(
    {AttestationStatus.REJECTED, AttestationStatus.EXPIRED, AttestationStatus.REVOKED}
)


def resubmissions_open(attestations: Iterable[Attestation]) -> set[int]:
    """Ids of one practitioner's decided attestations they may submit again now.

    Not while a newer record of the same credential is pending or verified: the renewal
    is already on its way (or done), and offering "Submit again" would only queue a twin.
    """
    attestations = list(attestations)
    live = {
        a.credential_key: a.submitted_at
        for a in sorted(attestations, key=lambda a: a.submitted_at)
        if a.status in (AttestationStatus.PENDING, AttestationStatus.VERIFIED)
    }
    return {
        a.pk
        for a in attestations
        if a.status in RESUBMITTABLE
        and not (a.credential_key in live and live[a.credential_key] > a.submitted_at)
    }


def licence_being_renewed(attestation: Attestation) -> Attestation | None:
    """For a pending licence: the verified one of the same number that verifying it replaces."""
    if (
        not renewed_under_same_number(attestation)
        or attestation.status != AttestationStatus.PENDING
    ):
        return None
    return (
        live_entries(
            kind=attestation.kind,
            number=attestation.number,
            issuing_authority=attestation.issuing_authority,
        )
        .filter(status=AttestationStatus.VERIFIED)
        .select_related("practitioner")
        .first()
    )
