"""Writes for practitioners and their attestations. Every status change goes through here.

Profile claims, submissions with evidence (and licence renewals), staff decisions (verify,
reject, revoke), the expiry job's lapses and reminders, the licence registry import and
staff corrections made in the Django admin all land here: each locks the row, moves its
status through ``kernel.workflow.transition`` or records the change with
``kernel.workflow.record`` (one audit entry), refreshes the Verified badge in the same
transaction and queues e-mail on commit.
"""

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, timedelta
from enum import StrEnum

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import capfirst
from django.utils.translation import gettext

from kernel.caching import bump_cache_generation_on_commit
from kernel.errors import DomainError, NotPermitted
from kernel.models import AuditEntry, User
from kernel.notifications import email_user
from kernel.versions import bump_version, decided_at, record_edit
from kernel.workflow import record, transition
from practitioners.badges import refresh_badge
from practitioners.conflicts import has_conflict_of_interest, require_no_conflict
from practitioners.evidence import MAX_FILES_PER_SUBMISSION, CheckedUpload, queue_evidence_checks
from practitioners.models import (
    Attestation,
    AttestationKind,
    AttestationStatus,
    ClaimStatus,
    Evidence,
    Practitioner,
    ProfileClaim,
    Standing,
    SterilizationAnswer,
    SterilizationItem,
    VerificationMethod,
    valid_on,
)
from practitioners.npi import validate_npi
from practitioners.trust import sterilization_shortfalls

# --- Who may do what ---------------------------------------------------------------------

VERIFY_PERMISSION = "practitioners.verify_attestation"
MAX_PENDING_CLAIMS_PER_USER = 3
# Waiting attestations of one kind a profile may have at once: a submission and one
# correction of it. More only fills the queue (and the evidence store) with unchecked claims.
MAX_PENDING_PER_KIND = 2


def _require_confirmed_email(user: User, *, to: str) -> None:
    if not user.has_confirmed_email:
        raise NotPermitted(
            f"Confirm your e-mail address before you {to}: follow the link we sent you, "
            "or ask for a new one.",
            code="email_not_verified",
        )


def can_verify(user: User | None) -> bool:
    """Staff verifiers (group "Verifiers") hold the permission; superusers hold every one."""
    return bool(user is not None and user.is_authenticated and user.has_perm(VERIFY_PERMISSION))


def _require_verifier(actor: User | None, subject: Attestation | ProfileClaim) -> None:
    """A verifier, with no conflict of interest in ``subject`` (``practitioners.conflicts``)."""
    if not can_verify(actor):
        raise NotPermitted("Only staff verifiers can decide on attestations and claims.")
    require_no_conflict(actor, subject)


# What a verifier reads of an attestation or a claim, compared between versions.
ATTESTATION_CONTENT_FIELDS = (
    "number",
    "issuing_authority",
    "license_type",
    "issued_on",
    "expires_on",
    "standing",
    "last_spore_test_on",
)


def attestation_content(attestation: Attestation) -> dict:
    data = {name: _jsonable(getattr(attestation, name)) for name in ATTESTATION_CONTENT_FIELDS}
    data["evidence"] = "; ".join(
        f"{e.original_name} ({e.sha256[:12]})" for e in attestation.evidence.order_by("pk")
    )
    return data


def attestation_labels() -> dict[str, str]:
    return {name: _field_label(name) for name in ATTESTATION_CONTENT_FIELDS} | {
        "evidence": "Evidence files"
    }


CLAIM_LABELS = {"message": "Message to staff"}


def claim_content(claim: ProfileClaim) -> dict:
    return {"message": claim.message}


def _require_owner(actor: User | None, practitioner: Practitioner) -> None:
    if actor is None or not actor.is_authenticated or practitioner.owner_id != actor.pk:
        raise NotPermitted("Only the practitioner who owns this profile can do that.")


# --- Profile claims ----------------------------------------------------------------------


def _locked_claim(claim_id: int) -> ProfileClaim:
    return (
        ProfileClaim.objects.select_for_update(of=("self",))
        .select_related("practitioner__clinic", "user")
        .get(pk=claim_id)
    )


@transaction.atomic
def claim_submit(*, user: User, practitioner: Practitioner, message: str = "") -> ProfileClaim:
    """Ask staff to make ``user`` the owner of ``practitioner``; one pending claim at a time."""
    if not user.is_authenticated:
        raise NotPermitted("Sign in to claim a profile.")
    _require_confirmed_email(user, to="claim a profile")
    # The claimant's row is the lock that makes "at most 3 pending" hold under concurrency.
    User.objects.select_for_update().filter(pk=user.pk).first()
    if Practitioner.objects.filter(owner=user).exists():
        raise DomainError("Your account already manages a practitioner profile.")
    if practitioner.owner_id is not None:
        raise DomainError(
            "This profile is already managed by its practitioner. If that is wrong, "
            "contact us and we will look into it."
        )
    pending = ProfileClaim.objects.filter(user=user, status=ClaimStatus.PENDING)
    if pending.filter(practitioner=practitioner).exists():
        raise DomainError("You have already claimed this profile; staff will review it soon.")
    if pending.count() >= MAX_PENDING_CLAIMS_PER_USER:
        raise DomainError("You have too many claims awaiting review; wait for a decision first.")
    claim = ProfileClaim.objects.create(
        practitioner=practitioner, user=user, message=message.strip()
    )
    record(
        claim,
        action="claim.submitted",
        actor=user,
        to_status=ClaimStatus.PENDING,
    )
    return claim


def _claim_reject(
    claim: ProfileClaim, *, actor: User, reason: str, seen_version: int | None = None
) -> None:
    with decided_at(claim, seen_version, claim_content, CLAIM_LABELS) as expected:
        transition(
            claim,
            to=ClaimStatus.REJECTED,
            table=ProfileClaim.TRANSITIONS,
            action="claim.rejected",
            actor=actor,
            note=reason,
            changes={
                "decided_at": timezone.now(),
                "decided_by": actor,
                "decision_reason": reason,
            },
            expected=expected,
        )
    email_user(
        to=claim.user.email,
        subject="Your profile claim was not approved",
        template="practitioners/email/claim_rejected.txt",
        context={
            "claim": claim,
            "practitioner": claim.practitioner,
            "reason": reason,
            "site_url": settings.SITE_URL,
        },
    )


@transaction.atomic
def claim_approve(*, claim_id: int, actor: User, seen_version: int | None = None) -> ProfileClaim:
    """Make the claimant the profile's owner; other pending claims it settles are rejected."""
    claim = _locked_claim(claim_id)
    _require_verifier(actor, claim)
    with decided_at(claim, seen_version, claim_content, CLAIM_LABELS) as expected:
        transition(
            claim,
            to=ClaimStatus.APPROVED,
            table=ProfileClaim.TRANSITIONS,
            action="claim.approved",
            actor=actor,
            changes={"decided_at": timezone.now(), "decided_by": actor},
            expected=expected,
        )
    if Practitioner.objects.filter(owner=claim.user).exists():
        raise DomainError("This account already manages another practitioner profile.")
    # Conditional: only a profile nobody owns yet can be given an owner.
    updated = Practitioner.objects.filter(pk=claim.practitioner_id, owner__isnull=True).update(
        owner=claim.user
    )
    if updated != 1:
        raise DomainError("This profile already has an owner; reject this claim instead.")
    claim.practitioner.owner = claim.user
    bump_cache_generation_on_commit()  # the profile stops offering "Claim this profile"
    settled = (
        ProfileClaim.objects.select_for_update(of=("self",))
        .select_related("practitioner", "user")
        .filter(status=ClaimStatus.PENDING)
        .filter(Q(practitioner_id=claim.practitioner_id) | Q(user_id=claim.user_id))
    )
    for other in settled:
        reason = (
            "Another account's claim on this profile was approved."
            if other.practitioner_id == claim.practitioner_id
            else "Your account was approved as the owner of another profile."
        )
        _claim_reject(other, actor=actor, reason=reason)
    email_user(
        to=claim.user.email,
        subject="You now manage your practitioner profile",
        template="practitioners/email/claim_approved.txt",
        context={
            "claim": claim,
            "practitioner": claim.practitioner,
            "site_url": settings.SITE_URL,
        },
    )
    return claim


@transaction.atomic
def claim_reject(
    *, claim_id: int, actor: User, reason: str, seen_version: int | None = None
) -> ProfileClaim:
    """Refuse a profile claim with a reason the claimant is e-mailed."""
    if not reason.strip():
        raise DomainError("Say why the claim is rejected: the claimant is told.")
    claim = _locked_claim(claim_id)
    _require_verifier(actor, claim)
    _claim_reject(claim, actor=actor, reason=reason.strip(), seen_version=seen_version)
    return claim


# --- What a practitioner submits ---------------------------------------------------------


@transaction.atomic
def practitioner_set_npi(*, actor: User, practitioner: Practitioner, npi: str) -> Practitioner:
    """Set or clear the practitioner's NPI; the check digit and uniqueness are enforced."""
    _require_owner(actor, practitioner)
    npi = npi.strip() or None
    if npi:
        try:
            validate_npi(npi)
        except ValidationError as error:
            raise DomainError(error.messages[0]) from None
        if Practitioner.objects.filter(npi=npi).exclude(pk=practitioner.pk).exists():
            raise DomainError("This NPI is already on another profile; contact us if it is yours.")
    previous = practitioner.npi
    if previous == npi:
        return practitioner
    Practitioner.objects.filter(pk=practitioner.pk).update(npi=npi)
    practitioner.npi = npi
    record(
        practitioner,
        action="practitioner.npi_changed",
        actor=actor,
        data={"from": previous or "", "to": npi or ""},
    )
    return practitioner


# --- Licence numbers and renewals -----------------------------------------------------------

# The holder of a verified licence may submit its renewal under the same number from this
# long before it expires (or once its date has passed); verifying the renewal supersedes
# the old one. Before that, one live licence per number and authority, whoever holds it.
LICENCE_RENEWAL_WINDOW = timedelta(days=60)


class FieldError(DomainError):
    """A refusal about one field of a submission; the form shows it next to ``field``."""

    def __init__(self, message: str, *, field: str, code: str | None = None):
        super().__init__(message, code=code)
        self.field = field


def _licence_taken(number: str, issuing_authority: str) -> FieldError:
    return FieldError(
        f"Licence {number} from {issuing_authority} is already on file and awaiting review "
        "or verified. If it is yours and on another profile, contact us.",
        field="number",
        code="licence_number_taken",
    )


def _live_licences(*, number: str, issuing_authority: str):
    """Pending or verified licences with this number from this authority (any case)."""
    return Attestation.objects.filter(
        kind=AttestationKind.LICENSE,
        number=number,
        issuing_authority__iexact=issuing_authority,
        status__in=[AttestationStatus.PENDING, AttestationStatus.VERIFIED],
    )


def licence_renewal_opens_on(licence: Attestation) -> date | None:
    """The first day its holder may submit the renewal of this licence (None: not renewable)."""
    if (
        licence.kind != AttestationKind.LICENSE
        or licence.status != AttestationStatus.VERIFIED
        or licence.expires_on is None
    ):
        return None
    return licence.expires_on - LICENCE_RENEWAL_WINDOW


def licence_renewable(licence: Attestation, *, today: date | None = None) -> bool:
    """Whether the holder may submit the renewal of this verified licence today."""
    opens = licence_renewal_opens_on(licence)
    return opens is not None and (today or timezone.localdate()) >= opens


def _licence_to_renew(
    *,
    practitioner: Practitioner,
    number: str,
    issuing_authority: str,
    expires_on: date | None,
    today: date,
) -> Attestation | None:
    """Check a new licence's number against the live ones; return the one it renews, if any."""
    renewed = None
    for live in _live_licences(number=number, issuing_authority=issuing_authority):
        if live.practitioner_id != practitioner.pk:
            raise _licence_taken(number, issuing_authority)
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
                    "days": LICENCE_RENEWAL_WINDOW.days,
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
    pending = {
        a.licence_key
        for a in attestations
        if a.kind == AttestationKind.LICENSE and a.status == AttestationStatus.PENDING
    }
    return {
        a.pk
        for a in attestations
        if licence_renewable(a, today=today) and a.licence_key not in pending
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
        attestation.kind != AttestationKind.LICENSE
        or attestation.status != AttestationStatus.PENDING
    ):
        return None
    return (
        _live_licences(number=attestation.number, issuing_authority=attestation.issuing_authority)
        .filter(status=AttestationStatus.VERIFIED)
        .select_related("practitioner")
        .first()
    )


def _store_evidence(
    attestation: Attestation, uploads: Sequence[CheckedUpload], stored: list[Evidence]
) -> None:
    """Write each file to the evidence storage and its row; ``stored`` lists what was written."""
    for checked in uploads:
        evidence = Evidence(
            attestation=attestation,
            original_name=checked.original_name,
            content_type=checked.content_type,
            size=checked.size,
            sha256=checked.sha256,
            check_status=checked.check_status,
        )
        # The stored name is derived from the hash (models.evidence_path), never the upload's.
        evidence.file.save(checked.sha256, checked.upload, save=False)
        stored.append(evidence)
        evidence.save()


@transaction.atomic
def attestation_submit(
    *,
    actor: User,
    practitioner: Practitioner,
    kind: str,
    uploads: Sequence[CheckedUpload],
    number: str = "",
    issuing_authority: str = "",
    license_type: str = "",
    issued_on: date | None = None,
    expires_on: date | None = None,
    last_spore_test_on: date | None = None,
    answers: Mapping[str, tuple[bool, str]] | None = None,
) -> Attestation:
    """Submit a credential or a sterilization attestation, with its evidence, for review."""
    _require_owner(actor, practitioner)
    _require_confirmed_email(actor, to="submit an attestation")
    if kind not in AttestationKind.values:
        raise DomainError("Choose what kind of credential this is.")
    # The profile's row is the lock that makes the pending limit hold under concurrency.
    Practitioner.objects.select_for_update().filter(pk=practitioner.pk).first()
    waiting = practitioner.attestations.filter(kind=kind, status=AttestationStatus.PENDING)
    if waiting.count() >= MAX_PENDING_PER_KIND:
        label = AttestationKind(kind).label.lower()
        raise DomainError(
            f"You already have {MAX_PENDING_PER_KIND} {label} submissions waiting for review. "
            "Staff will decide on them first; you can submit again once one is decided.",
            code="too_many_pending",
        )
    if not uploads:
        raise DomainError("Attach at least one evidence file (PDF, JPEG or PNG).")
    if len(uploads) > MAX_FILES_PER_SUBMISSION:
        raise DomainError(f"Attach at most {MAX_FILES_PER_SUBMISSION} files.")
    today = timezone.localdate()
    if not valid_on(expires_on, today):
        raise DomainError(
            gettext("This expired on %(date)s; submit a current one.")
            % {"date": date_format(expires_on)}
        )
    if issued_on and expires_on and expires_on < issued_on:
        raise DomainError("The expiry date cannot be before the issue date.")
    is_sterilization = kind == AttestationKind.STERILIZATION
    if is_sterilization:
        answers = dict(answers or {})
        unanswered = [item.label for item in SterilizationItem if item.value not in answers]
        if unanswered:
            raise DomainError("Answer every item: " + "; ".join(unanswered) + ".")
        if last_spore_test_on is None or last_spore_test_on > today:
            raise DomainError("Give the date of your last passed spore test (not in the future).")
    number = normalize_licence_number(number)
    issuing_authority = " ".join(issuing_authority.split())
    renewed = None
    if kind == AttestationKind.LICENSE:
        if not (number and issuing_authority):
            raise DomainError("A licence needs its number and the authority that issued it.")
        renewed = _licence_to_renew(
            practitioner=practitioner,
            number=number,
            issuing_authority=issuing_authority,
            expires_on=expires_on,
            today=today,
        )
    attestation = Attestation(
        practitioner=practitioner,
        kind=kind,
        number="" if is_sterilization else number,
        issuing_authority="" if is_sterilization else issuing_authority,
        license_type=license_type.strip() if kind == AttestationKind.LICENSE else "",
        issued_on=None if is_sterilization else issued_on,
        # A sterilization attestation's validity starts when it is verified.
        expires_on=None if is_sterilization else expires_on,
        # The practitioner declares the licence active; a registry import confirms it.
        standing=Standing.ACTIVE if kind == AttestationKind.LICENSE else "",
        last_spore_test_on=last_spore_test_on if is_sterilization else None,
    )
    try:
        with transaction.atomic():
            attestation.save()
    except IntegrityError:
        # Submitted at the same moment by someone else: the constraint decided.
        raise _licence_taken(number, issuing_authority) from None
    if is_sterilization:
        SterilizationAnswer.objects.bulk_create(
            SterilizationAnswer(
                attestation=attestation,
                item=item,
                complies=answers[item][0],
                detail=answers[item][1].strip()[:500],
                attested_on=today,
            )
            for item in SterilizationItem.values
        )
    stored: list[Evidence] = []
    try:
        _store_evidence(attestation, uploads, stored)
        queue_evidence_checks(stored)
        record(
            attestation,
            action="attestation.submitted",
            actor=actor,
            to_status=AttestationStatus.PENDING,
            note=(
                f"Renewal of the licence valid until {renewed.expires_on.isoformat()}."
                if renewed
                else ""
            ),
            data={"evidence_files": len(uploads)} | ({"renews": renewed.pk} if renewed else {}),
        )
        refresh_badge(practitioner.pk)
    except BaseException:
        # The rows roll back with the transaction; the files would not, so remove them.
        for evidence in stored:
            evidence.file.delete(save=False)
        raise
    return attestation


@transaction.atomic
def attestation_add_evidence(
    *, actor: User, attestation_id: int, uploads: Sequence[CheckedUpload]
) -> Attestation:
    """Add evidence files to one's own attestation while it awaits review.

    The attestation's version moves on: a verifier who opened it before the files arrived
    is refused and shown the new files, never verifying what they did not see.
    """
    attestation = _locked(attestation_id)
    _require_owner(actor, attestation.practitioner)
    if attestation.status != AttestationStatus.PENDING:
        raise DomainError(
            "Files can be added only while the attestation awaits review; submit a new one."
        )
    if not uploads:
        raise DomainError("Attach at least one evidence file (PDF, JPEG or PNG).")
    on_file = attestation.evidence.count()
    if on_file + len(uploads) > MAX_FILES_PER_SUBMISSION:
        raise DomainError(
            f"An attestation has at most {MAX_FILES_PER_SUBMISSION} files; this one has "
            f"{on_file}, so add at most {max(MAX_FILES_PER_SUBMISSION - on_file, 0)}."
        )
    before = attestation_content(attestation)
    stored: list[Evidence] = []
    try:
        _store_evidence(attestation, uploads, stored)
        queue_evidence_checks(stored)
        record_edit(
            attestation,
            action="attestation.evidence_added",
            actor=actor,
            before=before,
            after=attestation_content(attestation),
            status=attestation.status,
        )
    except BaseException:
        # The rows roll back with the transaction; the files would not, so remove them.
        for evidence in stored:
            evidence.file.delete(save=False)
        raise
    return attestation


def normalize_licence_number(value: str) -> str:
    """Licence numbers are compared without spaces or case (“rn 555” is RN555)."""
    return "".join(value.split()).upper()


# --- Decisions -----------------------------------------------------------------------------


def _locked(attestation_id: int) -> Attestation:
    return (
        Attestation.objects.select_for_update(of=("self",))
        .select_related("practitioner__owner", "practitioner__clinic")
        .get(pk=attestation_id)
    )


def one_year_after(day: date) -> date:
    """The same calendar day a year later (28 February for 29 February)."""
    try:
        return day.replace(year=day.year + 1)
    except ValueError:
        return day.replace(year=day.year + 1, day=28)


def _default_expiry(attestation: Attestation, verified_on: date) -> date | None:
    if attestation.kind == AttestationKind.STERILIZATION:
        return one_year_after(verified_on)
    return attestation.expires_on


def _notify_owner(attestation: Attestation, *, subject: str, template: str, **extra) -> None:
    owner = attestation.practitioner.owner
    if owner is not None:
        email_user(
            to=owner.email,
            subject=subject,
            template=template,
            context={
                "attestation": attestation,
                "practitioner": attestation.practitioner,
                "site_url": settings.SITE_URL,
                **extra,
            },
        )


def _renewed(attestation: Attestation) -> bool:
    """Whether a newer attestation of the same kind is pending or verified and current."""
    newer = Attestation.objects.filter(
        practitioner_id=attestation.practitioner_id,
        kind=attestation.kind,
        submitted_at__gt=attestation.submitted_at,
        status__in=[AttestationStatus.PENDING, AttestationStatus.VERIFIED],
    )
    return newer.exists()


@transaction.atomic
def attestation_verify(
    *,
    attestation_id: int,
    actor: User | None,
    method: str = VerificationMethod.DOCUMENTS,
    source: str = "",
    expires_on: date | None = None,
    note: str = "",
    actor_label: str = "",
    seen_version: int | None = None,
) -> Attestation:
    """Mark a pending attestation verified, set its validity, and refresh the badge.

    A person verifying must hold the verifier permission; ``actor=None`` with an
    ``actor_label`` is a system decision (the licence registry import).
    """
    attestation = _locked(attestation_id)
    if actor is not None or not actor_label:
        _require_verifier(actor, attestation)
    now = timezone.now()
    expiry = expires_on or _default_expiry(attestation, timezone.localdate())
    if expiry is not None and expiry < timezone.localdate():
        raise DomainError("This attestation has already expired and cannot be verified.")
    if attestation.kind == AttestationKind.LICENSE and attestation.standing != Standing.ACTIVE:
        raise DomainError("A licence can be verified only in active standing.")
    shortfalls = sterilization_shortfalls(attestation)
    if shortfalls:
        raise DomainError(
            "This sterilization attestation cannot be verified: the practitioner did not "
            "answer “complies” to " + "; ".join(shortfalls) + ". Reject it with that reason; "
            "they can submit a new one once their practice complies.",
            code="sterilization_not_compliant",
        )
    replaced = _supersede_renewed(attestation, expiry=expiry, actor=actor, actor_label=actor_label)
    with decided_at(
        attestation, seen_version, attestation_content, attestation_labels()
    ) as expected:
        transition(
            attestation,
            to=AttestationStatus.VERIFIED,
            table=Attestation.TRANSITIONS,
            action="attestation.verified",
            actor=actor,
            actor_label=actor_label,
            note=note,
            changes={
                "verified_at": now,
                "verified_by": actor,
                "verification_method": method,
                "verification_source": source or "Staff review of submitted documents",
                "expires_on": expiry,
                "next_check_due": expiry,
                "decision_reason": "",
                "expiry_warning_sent_on": None,
            },
            data={"method": method, "expires_on": expiry.isoformat() if expiry else None}
            | ({"replaces": [old.pk for old in replaced]} if replaced else {}),
            expected=expected,
        )
    # Once, after both moves: the badge never sees the licence gone.
    refresh_badge(attestation.practitioner_id)
    return attestation


def _supersede_renewed(
    renewal: Attestation, *, expiry: date | None, actor: User | None, actor_label: str
) -> list[Attestation]:
    """Close the verified licence a renewal replaces, just before the renewal is verified.

    In the verifying transaction: others see the old licence verified until the renewal is,
    never both (the database allows one verified licence per number) and never neither.
    """
    if renewal.kind != AttestationKind.LICENSE:
        return []
    replaced = list(
        _live_licences(number=renewal.number, issuing_authority=renewal.issuing_authority)
        .filter(status=AttestationStatus.VERIFIED)
        .exclude(pk=renewal.pk)
        .select_for_update(of=("self",))
        .order_by("pk")
    )
    if any(old.practitioner_id != renewal.practitioner_id for old in replaced):
        raise DomainError(
            f"Licence {renewal.number} from {renewal.issuing_authority} is verified on another "
            "profile. Reject this one, or revoke that one first."
        )
    until = f", valid until {expiry.isoformat()}" if expiry else ""
    for old in replaced:
        # The product's statuses have none for "replaced": the old term is over, so `expired`;
        # its history says why (attestation.superseded).
        transition(
            old,
            to=AttestationStatus.EXPIRED,
            table=Attestation.TRANSITIONS,
            action="attestation.superseded",
            actor=actor,
            actor_label=actor_label,
            note=f"Replaced by its renewal{until}.",
            data={"renewal": renewal.pk},
        )
    return replaced


def _reject(
    attestation: Attestation,
    *,
    actor: User | None,
    reason: str,
    actor_label: str = "",
    seen_version: int | None = None,
):
    with decided_at(
        attestation, seen_version, attestation_content, attestation_labels()
    ) as expected:
        transition(
            attestation,
            to=AttestationStatus.REJECTED,
            table=Attestation.TRANSITIONS,
            action="attestation.rejected",
            actor=actor,
            actor_label=actor_label,
            note=reason,
            changes={"decision_reason": reason},
            expected=expected,
        )
    refresh_badge(attestation.practitioner_id)
    _notify_owner(
        attestation,
        subject="Your attestation was not accepted",
        template="practitioners/email/attestation_rejected.txt",
        reason=reason,
    )


@transaction.atomic
def attestation_reject(
    *, attestation_id: int, actor: User, reason: str, seen_version: int | None = None
) -> Attestation:
    """Reject a pending attestation with a reason the practitioner is e-mailed."""
    if not reason.strip():
        raise DomainError("Say why the attestation is rejected: the practitioner is told.")
    attestation = _locked(attestation_id)
    _require_verifier(actor, attestation)
    _reject(attestation, actor=actor, reason=reason.strip(), seen_version=seen_version)
    return attestation


@transaction.atomic
def attestation_revoke(
    *, attestation_id: int, actor: User, reason: str, seen_version: int | None = None
) -> Attestation:
    """Withdraw a verified attestation (staff), e.g. after a complaint or a lapsed licence."""
    if not reason.strip():
        raise DomainError("Say why the verification is revoked.")
    attestation = _locked(attestation_id)
    _require_verifier(actor, attestation)
    reason = reason.strip()
    with decided_at(
        attestation, seen_version, attestation_content, attestation_labels()
    ) as expected:
        transition(
            attestation,
            to=AttestationStatus.REVOKED,
            table=Attestation.TRANSITIONS,
            action="attestation.revoked",
            actor=actor,
            note=reason,
            changes={"decision_reason": reason},
            expected=expected,
        )
    refresh_badge(attestation.practitioner_id)
    _notify_owner(
        attestation,
        subject="A verification on your profile was revoked",
        template="practitioners/email/attestation_revoked.txt",
        reason=reason,
    )
    return attestation


EXPIRY_ACTOR = "expiry job"


@transaction.atomic
def attestation_expire(*, attestation_id: int, today: date | None = None) -> Attestation:
    """Lapse a verified attestation whose expiry date has passed."""
    today = today or timezone.localdate()
    attestation = _locked(attestation_id)
    if valid_on(attestation.expires_on, today):
        raise DomainError("This attestation has not reached its expiry date.")
    transition(
        attestation,
        to=AttestationStatus.EXPIRED,
        table=Attestation.TRANSITIONS,
        action="attestation.expired",
        actor_label=EXPIRY_ACTOR,
        note=f"Expired on {attestation.expires_on.isoformat()}",
    )
    refresh_badge(attestation.practitioner_id, today=today)
    if not _renewed(attestation):
        _notify_owner(
            attestation,
            subject="A verification on your profile has expired",
            template="practitioners/email/attestation_expired.txt",
        )
    return attestation


def _lapse_for_standing(attestation: Attestation, *, actor_label: str, source: str) -> None:
    """A verified licence whose standing is no longer active loses its verification."""
    to = (
        AttestationStatus.EXPIRED
        if attestation.standing == Standing.EXPIRED
        else AttestationStatus.REVOKED
    )
    reason = f"{source} reports this licence as {attestation.get_standing_display().lower()}."
    transition(
        attestation,
        to=to,
        table=Attestation.TRANSITIONS,
        action=f"attestation.{to}",
        actor_label=actor_label,
        reason=f"standing_{attestation.standing}",
        note=reason,
        changes={"decision_reason": reason},
    )
    refresh_badge(attestation.practitioner_id)
    _notify_owner(
        attestation,
        subject="A licence on your profile is no longer verified",
        template="practitioners/email/attestation_standing_lapsed.txt",
        reason=reason,
    )


@transaction.atomic
def attestation_lapse_standing(*, attestation_id: int) -> Attestation:
    """Take the verification off a licence whose recorded standing is no longer active."""
    attestation = _locked(attestation_id)
    if attestation.kind != AttestationKind.LICENSE or attestation.standing in (
        Standing.ACTIVE,
        "",
    ):
        raise DomainError("Only a licence whose standing is not active lapses this way.")
    _lapse_for_standing(attestation, actor_label=EXPIRY_ACTOR, source="The licence record")
    return attestation


@transaction.atomic
def attestation_send_expiry_warning(
    *, attestation_id: int, today: date | None = None, days: int = 30
) -> bool:
    """E-mail the practitioner once that a verification expires within ``days``.

    Returns whether a warning was sent; ``expiry_warning_sent_on`` makes it once only.
    """
    today = today or timezone.localdate()
    attestation = _locked(attestation_id)
    if (
        attestation.status != AttestationStatus.VERIFIED
        or attestation.expiry_warning_sent_on is not None
        or attestation.expires_on is None
        or not today <= attestation.expires_on <= today + timedelta(days=days)
    ):
        return False
    Attestation.objects.filter(pk=attestation.pk).update(expiry_warning_sent_on=today)
    attestation.expiry_warning_sent_on = today
    record(
        attestation,
        action="attestation.expiry_warning_sent",
        actor_label=EXPIRY_ACTOR,
        note=f"Expires on {attestation.expires_on.isoformat()}",
    )
    if not _renewed(attestation):
        _notify_owner(
            attestation,
            subject="A verification on your profile expires soon",
            template="practitioners/email/attestation_expiring.txt",
            days_left=(attestation.expires_on - today).days,
        )
    return True


# --- The licence registry ------------------------------------------------------------------


class RegistryOutcome(StrEnum):
    VERIFIED = "verified"
    UPDATED = "updated"
    LAPSED = "lapsed"
    REJECTED = "rejected"
    UNCHANGED = "unchanged"


@transaction.atomic
def attestation_apply_registry(
    *,
    attestation_id: int,
    authority: str,
    standing: str,
    license_type: str,
    issued_on: date,
    expires_on: date,
    today: date | None = None,
) -> RegistryOutcome:
    """Bring one licence in line with its registry entry, recording every change.

    A pending licence is verified (active, unexpired) or rejected (not active, or already
    expired) from the registry; a verified one takes the registry's standing and dates
    and loses its verification if the standing is no longer active or its date passed.
    Applying the same entry twice changes and records nothing the second time.
    """
    today = today or timezone.localdate()
    attestation = _locked(attestation_id)
    label = f"licence registry: {authority}"[:80]
    source = f"{authority} licence registry"
    registry_values = {
        "standing": standing,
        "license_type": license_type or attestation.license_type,
        "issued_on": issued_on,
        "expires_on": expires_on,
    }
    if attestation.status == AttestationStatus.PENDING:
        if standing != Standing.ACTIVE or not valid_on(expires_on, today):
            Attestation.objects.filter(pk=attestation.pk).update(**registry_values)
            for name, value in registry_values.items():
                setattr(attestation, name, value)
            reason = (
                f"The {source} shows this licence expired on {expires_on.isoformat()}."
                if standing == Standing.ACTIVE
                else f"The {source} reports this licence as {standing}."
            )
            _reject(attestation, actor=None, actor_label=label, reason=reason)
            return RegistryOutcome.REJECTED
        Attestation.objects.filter(pk=attestation.pk).update(**registry_values)
        for name, value in registry_values.items():
            setattr(attestation, name, value)
        attestation_verify(
            attestation_id=attestation.pk,
            actor=None,
            actor_label=label,
            method=VerificationMethod.REGISTRY,
            source=source,
            expires_on=expires_on,
            note="Matched number, authority and name in the registry.",
        )
        return RegistryOutcome.VERIFIED
    if attestation.status != AttestationStatus.VERIFIED:
        return RegistryOutcome.UNCHANGED
    wanted = {
        **registry_values,
        "verification_method": VerificationMethod.REGISTRY,
        "verification_source": source,
        "next_check_due": expires_on,
    }
    changed = {name: value for name, value in wanted.items() if getattr(attestation, name) != value}
    if not changed:
        return RegistryOutcome.UNCHANGED
    if "expires_on" in changed:
        changed["expiry_warning_sent_on"] = None  # a renewed date deserves a new reminder
    before = {name: _jsonable(getattr(attestation, name)) for name in changed}
    Attestation.objects.filter(pk=attestation.pk).update(**changed)
    for name, value in changed.items():
        setattr(attestation, name, value)
    record(
        attestation,
        action="attestation.registry_updated",
        actor_label=label,
        from_status=attestation.status,
        to_status=attestation.status,
        note="Updated from the registry: " + ", ".join(sorted(before)),
        data={
            "before": before,
            "after": {name: _jsonable(value) for name, value in changed.items()},
        },
    )
    if standing != Standing.ACTIVE:
        _lapse_for_standing(attestation, actor_label=label, source=f"The {source}")
        return RegistryOutcome.LAPSED
    if not valid_on(expires_on, today):
        transition(
            attestation,
            to=AttestationStatus.EXPIRED,
            table=Attestation.TRANSITIONS,
            action="attestation.expired",
            actor_label=label,
            note=f"The {source} shows this licence expired on {expires_on.isoformat()}.",
        )
        refresh_badge(attestation.practitioner_id, today=today)
        _notify_owner(
            attestation,
            subject="A verification on your profile has expired",
            template="practitioners/email/attestation_expired.txt",
        )
        return RegistryOutcome.LAPSED
    refresh_badge(attestation.practitioner_id, today=today)
    return RegistryOutcome.UPDATED


def _jsonable(value):
    return value.isoformat() if isinstance(value, date) else value


# --- Corrections in the Django admin ---------------------------------------------------------

# Decided by the services above, never typed in: the admin shows them read-only.
DECISION_FIELDS = (
    "status",
    "verified_at",
    "verified_by",
    "verification_method",
    "decision_reason",
)


def can_edit_in_admin(user: User | None, attestation: Attestation | None, *, action: str) -> bool:
    """Whether ``user`` may ``action`` ("add", "change", "delete") this attestation in the admin.

    Their Django permission, and never where they have a conflict of interest (as for
    decisions).
    """
    if user is None or not user.is_authenticated:
        return False
    if not user.has_perm(f"practitioners.{action}_attestation"):
        return False
    return attestation is None or not has_conflict_of_interest(user, attestation)


def _require_admin_editor(
    actor: User, action: str, attestation: Attestation, *practitioner_ids: int
) -> None:
    if not can_edit_in_admin(actor, attestation, action=action):
        raise NotPermitted("You cannot change this attestation.")
    if Practitioner.objects.filter(pk__in=practitioner_ids, owner_id=actor.pk).exists():
        raise NotPermitted("You cannot change attestations on your own profile.")


def _audit_value(attestation: Attestation, name: str):
    """A field's value as the audit record keeps it (the id for a relation)."""
    return _jsonable(getattr(attestation, Attestation._meta.get_field(name).attname))


def _field_label(name: str) -> str:
    return capfirst(str(Attestation._meta.get_field(name).verbose_name))


def _recorded_fields() -> list[str]:
    return [field.name for field in Attestation._meta.concrete_fields if not field.primary_key]


@transaction.atomic
def attestation_admin_change(
    *, attestation: Attestation, fields: Sequence[str], actor: User
) -> AuditEntry | None:
    """Save a staff member's changes to ``fields`` of an attestation and record them.

    ``attestation`` carries the new values. Only those fields are written, so a decision
    taken meanwhile (a verification, an expiry) is never overwritten, and the status never
    changes here. One audit entry lists each changed field with its old and new value;
    nothing changed, nothing written or recorded (None). A new expiry date re-arms the
    reminder, and the badges are refreshed, since any detail may change what they show.
    """
    fields = list(dict.fromkeys(fields))
    decided = sorted(set(fields) & set(DECISION_FIELDS))
    if decided:
        raise DomainError(
            f"{', '.join(decided)} change only through the verification queue, not by editing."
        )
    stored = (
        Attestation.objects.select_for_update(of=("self",))
        .select_related("practitioner")
        .get(pk=attestation.pk)
    )
    _require_admin_editor(actor, "change", stored, attestation.practitioner_id)
    changed = [
        name for name in fields if _audit_value(stored, name) != _audit_value(attestation, name)
    ]
    if not changed:
        return None
    if (
        "expires_on" in changed
        and "expiry_warning_sent_on" not in fields
        and stored.expiry_warning_sent_on is not None
    ):
        attestation.expiry_warning_sent_on = None  # a new date deserves a new reminder
        changed.append("expiry_warning_sent_on")
    before = {name: _audit_value(stored, name) for name in changed}
    after = {name: _audit_value(attestation, name) for name in changed}
    attestation.save(update_fields=changed)  # post_save also makes cached pages stale
    # A correction changes what a verifier read: a decision taken on the old text is refused.
    replaced = stored.version
    bump_version(attestation)
    for name in DECISION_FIELDS:  # what is stored, not what the form was opened with
        attname = Attestation._meta.get_field(name).attname
        setattr(attestation, attname, getattr(stored, attname))
    entry = record(
        attestation,
        action="attestation.admin_changed",
        actor=actor,
        from_status=stored.status,
        to_status=stored.status,
        note="Changed by staff: "
        + "; ".join(
            f"{_field_label(name)}: {before[name] or '(empty)'} → {after[name] or '(empty)'}"
            for name in changed
        ),
        data={"version": replaced, "before": before, "after": after},
    )
    for practitioner_id in dict.fromkeys([stored.practitioner_id, attestation.practitioner_id]):
        refresh_badge(practitioner_id)
    return entry


@transaction.atomic
def attestation_admin_add(*, attestation: Attestation, actor: User) -> AuditEntry:
    """Save an attestation a staff member adds in the admin (pending review) and record it."""
    _require_admin_editor(actor, "add", None, attestation.practitioner_id)
    if attestation.status != AttestationStatus.PENDING:
        raise DomainError("An attestation is added pending review; verify it in the queue.")
    attestation.save()
    entry = record(
        attestation,
        action="attestation.admin_added",
        actor=actor,
        to_status=attestation.status,
        data={"after": {name: _audit_value(attestation, name) for name in _recorded_fields()}},
    )
    refresh_badge(attestation.practitioner_id)
    return entry


@transaction.atomic
def attestation_admin_delete(*, attestation_id: int, actor: User) -> None:
    """Delete an attestation from the admin, recording what it was, and refresh the badge."""
    attestation = _locked(attestation_id)
    _require_admin_editor(actor, "delete", attestation)
    record(
        attestation,
        action="attestation.admin_deleted",
        actor=actor,
        from_status=attestation.status,
        data={"before": {name: _audit_value(attestation, name) for name in _recorded_fields()}},
    )
    practitioner_id = attestation.practitioner_id
    attestation.delete()
    refresh_badge(practitioner_id)
