"""Attestations for demo practitioners: licences from their state's board, sterilization
attestations with their six items, and other credentials, in a plausible mix of states."""

from datetime import UTC, date, datetime, time, timedelta

from django.db.models.base import ModelState
from django.utils import timezone

from demo import vocab
from demo.randomness import pick
from demo.rates import (
    STERILIZATION_DETAILS,
    STERILIZATION_FAILURES,
)
from kernel.models import AuditEntry
from practitioners.credentials import one_year_after
from practitioners.models import (
    Attestation,
    AttestationKind,
    AttestationStatus,
    Standing,
    SterilizationAnswer,
    SterilizationItem,
    VerificationMethod,
)

_KIND_LABELS = dict(AttestationKind.choices)


_ATTESTATION_DEFAULTS = {f.attname: f.get_default() for f in Attestation._meta.concrete_fields}


def _as_loaded(values: dict) -> Attestation:
    """The attestation a query would return for this row, for ``compute_badge`` to read.

    Built as ``Model.from_db`` would be, but without ``__init__`` visiting every field:
    this runs for every attestation of a hundred thousand practitioners.
    """
    attestation = Attestation.__new__(Attestation)
    attestation._state = ModelState()
    attestation._state.adding = False
    attestation.__dict__.update(
        {name: values.get(name, default) for name, default in _ATTESTATION_DEFAULTS.items()}
    )
    return attestation


def _valid_until(verified: date, valid_days: int) -> date:
    """When an attestation verified on ``verified`` lapses (the services' own rule for a year)."""
    if valid_days == 365:
        return one_year_after(verified)
    return verified + timedelta(days=valid_days)


class CredentialRows:
    """Attestation rows, mixed into ``DemoSeeder`` (uses its ``rng``, ``writer``, dates, ids)."""

    def _attestation_row(self, practitioner_id: int, kind: str, **values) -> Attestation:
        attestation_id = self._new_id(Attestation)
        row = {
            "id": attestation_id,
            "practitioner_id": practitioner_id,
            "kind": kind,
            "number": "",
            "issuing_authority": "",
            "license_type": "",
            "issued_on": None,
            "expires_on": None,
            "standing": "",
            "last_spore_test_on": None,
            "verification_method": "",
            "verification_source": "",
            "verified_at": None,
            "verified_by_id": None,
            "next_check_due": None,
            "decision_reason": "",
            **values,
        }
        self.writer.add(
            "attestations",
            (
                attestation_id,
                practitioner_id,
                kind,
                row["status"],
                row["number"],
                row["issuing_authority"],
                row["license_type"],
                row["issued_on"],
                row["expires_on"],
                row["standing"],
                row["last_spore_test_on"],
                row["verification_method"],
                row["verification_source"],
                row["verified_at"],
                row["verified_by_id"],
                row["next_check_due"],
                row["decision_reason"],
                row["submitted_at"],
            ),
        )
        status = row["status"]
        label = f"{_KIND_LABELS[kind]} {row['number']}".strip() + f" — {self.current_name}"

        def audit(when, action, from_status, to_status, note="", *, by_staff=True):
            self.writer.add(
                "audit",
                (
                    self._new_id(AuditEntry),
                    when,
                    self.accounts.staff.pk if by_staff else None,
                    "" if by_staff else "expiry job",
                    action,
                    self.attestation_ct,
                    attestation_id,
                    label,
                    from_status,
                    to_status,
                    "",
                    note,
                ),
            )

        # The record of every step the row went through, as the services would write it.
        audit(row["submitted_at"], "attestation.submitted", "", AttestationStatus.PENDING)
        if row["verified_at"] is not None:
            audit(
                row["verified_at"],
                "attestation.verified",
                AttestationStatus.PENDING,
                AttestationStatus.VERIFIED,
            )
        if status in (
            AttestationStatus.REJECTED,
            AttestationStatus.REVOKED,
            AttestationStatus.EXPIRED,
        ):
            from_status = (
                AttestationStatus.PENDING
                if status == AttestationStatus.REJECTED
                else AttestationStatus.VERIFIED
            )
            audit(
                row["decided_at"],
                f"attestation.{status}",
                from_status,
                status,
                row["decision_reason"]
                or f"Expired on {row['expires_on'].isoformat() if row['expires_on'] else ''}",
                by_staff=status != AttestationStatus.EXPIRED,
            )
        return _as_loaded(row)

    def _decision_times(self, state: str, *, valid_days: int | None):
        """(submitted_at, verified_at, expires_on) that make ``state`` true today."""
        rng, anchor, today = self.rng, self.anchor, self.today
        if state == "pending":
            submitted = anchor - timedelta(days=rng.randint(0, 45), seconds=rng.randint(0, 86399))
            return submitted, None, None
        if state == "rejected":
            submitted = anchor - timedelta(days=rng.randint(8, 400), seconds=rng.randint(0, 86399))
            return submitted, None, None
        if state == "expired":
            verified = today - timedelta(days=(valid_days or 400) + rng.randint(2, 300))
            expires = _valid_until(verified, valid_days) if valid_days else verified
            if not valid_days:  # a licence's own expiry date, somewhere before today
                expires = today - timedelta(days=rng.randint(1, 300))
                verified = expires - timedelta(days=rng.randint(300, 700))
        else:
            verified = today - timedelta(days=rng.randint(1, 330))
            if valid_days:
                expires = _valid_until(verified, valid_days)
            else:
                expires = today + timedelta(days=rng.randint(20, 720))
        verified_at = datetime.combine(verified, time(rng.randint(13, 22)), tzinfo=UTC)
        submitted = verified_at - timedelta(days=rng.randint(1, 10), hours=rng.randint(0, 12))
        return submitted, verified_at, expires

    def _licence(self, practitioner_id, state, authority, licence_type, prefix) -> Attestation:
        rng = self.rng
        submitted, verified_at, expires = self._decision_times(state, valid_days=None)
        if expires is None:
            expires = self.today + timedelta(days=rng.randint(60, 720))
        issued = expires - timedelta(days=365 * rng.randint(2, 20))
        number = f"{prefix}{rng.randint(10, 99)}{practitioner_id:06d}"
        by_registry = rng.random() < 0.6
        values = {
            "status": state,
            "number": number,
            "issuing_authority": authority,
            "license_type": licence_type,
            "issued_on": issued,
            "expires_on": expires,
            "standing": Standing.ACTIVE,
            "submitted_at": submitted,
        }
        if verified_at is not None:
            values.update(
                verified_at=verified_at,
                verification_method=(
                    VerificationMethod.REGISTRY if by_registry else VerificationMethod.DOCUMENTS
                ),
                verification_source=(
                    f"{authority} license roster"
                    if by_registry
                    else "Staff review of submitted documents"
                ),
                verified_by_id=None if by_registry else self.accounts.staff.pk,
                next_check_due=expires,
            )
            if state == "verified" and rng.random() < 0.03:
                # The board reports a suspension: still verified, but not in good standing.
                values["standing"] = Standing.SUSPENDED
        if state == "expired":
            values["decided_at"] = datetime.combine(
                expires + timedelta(days=1), time(3), tzinfo=UTC
            )
        elif state == "rejected":
            values["decided_at"] = submitted + timedelta(days=rng.randint(1, 7))
            values["decision_reason"] = rng.choice(
                (
                    f"The number does not appear on the {authority} roster.",
                    "The name on the license does not match the profile.",
                    "The document uploaded is illegible; please upload a clear copy.",
                )
            )
        elif state == "revoked":
            values["decided_at"] = min(
                self.anchor, verified_at + timedelta(days=rng.randint(5, 60))
            )
            values["decision_reason"] = (
                f"{authority} reported disciplinary action; verification withdrawn."
            )
        return self._attestation_row(practitioner_id, AttestationKind.LICENSE, **values)

    def _sterilization(self, practitioner_id: int, state: str) -> Attestation:
        rng = self.rng
        submitted, verified_at, expires = self._decision_times(state, valid_days=365)
        spore_test = (verified_at.date() if verified_at else submitted.date()) - timedelta(
            days=rng.randint(1, 30)
        )
        values = {"status": state, "submitted_at": submitted, "last_spore_test_on": spore_test}
        failing = None
        if verified_at is not None:
            values.update(
                verified_at=verified_at,
                expires_on=expires,
                next_check_due=expires,
                verification_method=VerificationMethod.DOCUMENTS,
                verification_source="Staff review of autoclave logs and spore-test reports",
                verified_by_id=self.accounts.staff.pk,
            )
        if state == "expired":
            values["decided_at"] = datetime.combine(
                expires + timedelta(days=1), time(3), tzinfo=UTC
            )
        elif state == "rejected":
            failing = rng.choice(tuple(STERILIZATION_FAILURES))
            values["decided_at"] = submitted + timedelta(days=rng.randint(1, 7))
            values["decision_reason"] = f"{STERILIZATION_FAILURES[failing]}."
        elif state == "revoked":
            values["decided_at"] = min(
                self.anchor, verified_at + timedelta(days=rng.randint(5, 90))
            )
            values["decision_reason"] = "A patient complaint showed cartridges were being reused."
        elif state == "pending" and rng.random() < 0.1:
            failing = rng.choice(tuple(STERILIZATION_FAILURES))
        attestation = self._attestation_row(
            practitioner_id, AttestationKind.STERILIZATION, **values
        )
        for item in SterilizationItem:
            complies = item != failing
            detail = STERILIZATION_DETAILS[item] if complies else STERILIZATION_FAILURES[item]
            if item == SterilizationItem.SPORE_TESTING and complies:
                detail += f"; last pass {spore_test.isoformat()}"
            self.writer.add(
                "sterilization_answers",
                (
                    self._new_id(SterilizationAnswer),
                    attestation.pk,
                    item.value,
                    complies,
                    detail,
                    timezone.localdate(values["submitted_at"]),
                ),
            )
        return attestation

    def _other_credentials(self, practitioner_id: int, profession: str) -> None:
        rng = self.rng
        kinds = []
        if profession == "physician" and rng.random() < 0.7:
            kinds.append(
                (AttestationKind.BOARD_CERTIFICATION, rng.choice(vocab.SPECIALTY_BOARDS), 3650)
            )
        prescribers = ("physician", "nurse_practitioner", "physician_assistant")
        if profession in prescribers and rng.random() < 0.5:
            kinds.append((AttestationKind.MALPRACTICE_INSURANCE, rng.choice(vocab.INSURERS), 365))
        if rng.random() < 0.35:
            maker, course = rng.choice(vocab.DEVICE_TRAININGS)
            kinds.append((AttestationKind.DEVICE_TRAINING, f"{maker} — {course}", None))
        for kind, source, valid_days in kinds:
            if valid_days:
                state = pick(rng, (("verified", 0.8), ("pending", 0.15), ("expired", 0.05)))
            else:  # a training certificate does not lapse
                state = pick(rng, (("verified", 0.85), ("pending", 0.15)))
            submitted, verified_at, expires = self._decision_times(state, valid_days=valid_days)
            values = {
                "status": state,
                "submitted_at": submitted,
                "issuing_authority": source,
                "number": f"{kind[:2].upper()}-{rng.randint(100000, 999999)}",
                "expires_on": expires if valid_days else None,
            }
            if verified_at is not None:
                values.update(
                    verified_at=verified_at,
                    verification_method=VerificationMethod.DOCUMENTS,
                    verification_source="Staff review of submitted documents",
                    verified_by_id=self.accounts.staff.pk,
                    next_check_due=expires if valid_days else None,
                )
            if state == "expired":
                values["decided_at"] = datetime.combine(
                    expires + timedelta(days=1), time(3), tzinfo=UTC
                )
            self._attestation_row(practitioner_id, kind, **values)
