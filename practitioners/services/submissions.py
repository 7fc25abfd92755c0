"""What a practitioner submits: a credential or the sterilization checklist, with evidence,
and more evidence while it awaits review. Licence renewals are checked in ``renewals``."""

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import date

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext

from kernel.errors import DomainError
from kernel.models import User
from kernel.versions import record_edit
from kernel.workflow import record
from practitioners.badges import refresh_badge
from practitioners.credentials import AttestationKind, Standing, SterilizationItem, credential_kind
from practitioners.evidence import MAX_FILES_PER_SUBMISSION, CheckedUpload, queue_evidence_checks
from practitioners.models import (
    Attestation,
    AttestationStatus,
    Evidence,
    Practitioner,
    SterilizationAnswer,
    valid_on,
)
from practitioners.services.access import (
    locked_attestation,
    require_confirmed_email,
    require_owner,
)
from practitioners.services.content import attestation_content
from practitioners.services.renewals import (
    licence_taken,
    licence_to_renew,
    normalize_licence_number,
)

# Waiting attestations of one kind a profile may have at once: a submission and one
# correction of it. More only fills the queue (and the evidence store) with unchecked claims.
MAX_PENDING_PER_KIND = 2


@contextmanager
def _evidence_stored(attestation: Attestation, uploads: Sequence[CheckedUpload]) -> Iterator[None]:
    """Write each file to the evidence storage and its row, and queue their checks.

    The name is derived from the hash (models.evidence_path), never the upload's. If the
    ``with`` block fails, the rows roll back with the transaction; the files would not, so
    they are removed.
    """
    stored: list[Evidence] = []
    try:
        for checked in uploads:
            evidence = Evidence(
                attestation=attestation,
                original_name=checked.original_name,
                content_type=checked.content_type,
                size=checked.size,
                sha256=checked.sha256,
                check_status=checked.check_status,
            )
            evidence.file.save(checked.sha256, checked.upload, save=False)
            stored.append(evidence)
            evidence.save()
        queue_evidence_checks(stored)
        yield
    except BaseException:
        for evidence in stored:
            evidence.file.delete(save=False)
        raise


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
    require_owner(actor, practitioner)
    require_confirmed_email(actor, to="submit an attestation")
    if kind not in AttestationKind.values:
        raise DomainError("Choose what kind of credential this is.")
    described = credential_kind(kind)
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
    if described.checklist:
        answers = dict(answers or {})
        unanswered = [item.label for item in SterilizationItem if item.value not in answers]
        if unanswered:
            raise DomainError("Answer every item: " + "; ".join(unanswered) + ".")
        if last_spore_test_on is None or last_spore_test_on > today:
            raise DomainError("Give the date of your last passed spore test (not in the future).")
    number = normalize_licence_number(number)
    issuing_authority = " ".join(issuing_authority.split())
    renewed = None
    if described.on_register:
        if not (number and issuing_authority):
            raise DomainError("A licence needs its number and the authority that issued it.")
        renewed = licence_to_renew(
            practitioner=practitioner,
            kind=kind,
            number=number,
            issuing_authority=issuing_authority,
            expires_on=expires_on,
            today=today,
        )
    attestation = Attestation(
        practitioner=practitioner,
        kind=kind,
        # The sterilization checklist is the practitioner's own word: no issuer's details.
        number="" if described.checklist else number,
        issuing_authority="" if described.checklist else issuing_authority,
        license_type=license_type.strip() if described.on_register else "",
        issued_on=None if described.checklist else issued_on,
        # A kind with a term (the sterilization attestation) is valid from its verification.
        expires_on=None if described.term else expires_on,
        # The practitioner declares the licence active; a registry import confirms it.
        standing=Standing.ACTIVE if described.on_register else "",
        last_spore_test_on=last_spore_test_on if described.checklist else None,
    )
    try:
        with transaction.atomic():
            attestation.save()
    except IntegrityError:
        # Submitted at the same moment by someone else: the constraint decided.
        raise licence_taken(number, issuing_authority) from None
    if described.checklist:
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
    with _evidence_stored(attestation, uploads):
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
    return attestation


@transaction.atomic
def attestation_add_evidence(
    *, actor: User, attestation_id: int, uploads: Sequence[CheckedUpload]
) -> Attestation:
    """Add evidence files to one's own attestation while it awaits review.

    The attestation's version moves on: a verifier who opened it before the files arrived
    is refused and shown the new files, never verifying what they did not see.
    """
    attestation = locked_attestation(attestation_id)
    require_owner(actor, attestation.practitioner)
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
    with _evidence_stored(attestation, uploads):
        record_edit(
            attestation,
            action="attestation.evidence_added",
            actor=actor,
            before=before,
            after=attestation_content(attestation),
            status=attestation.status,
        )
    return attestation
