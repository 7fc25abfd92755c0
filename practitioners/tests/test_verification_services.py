"""Every attestation and claim transition: allowed, forbidden and not permitted."""

import datetime

import pytest
from django.core import mail
from django.utils import timezone

from directory.tests.factories import UserFactory
from kernel.errors import DomainError, NotPermitted, TransitionNotAllowed
from kernel.models import AuditEntry
from practitioners import services
from practitioners.badges import refresh_badge
from practitioners.models import Attestation, ClaimStatus, Evidence, Practitioner, SterilizationItem
from practitioners.tests.factories import (
    AttestationFactory,
    PractitionerFactory,
    ProfileClaimFactory,
)
from practitioners.tests.uploads import checked, png

pytestmark = pytest.mark.django_db

ALL_YES = {item.value: (True, "") for item in SterilizationItem}


def audit(obj) -> list[AuditEntry]:
    return list(AuditEntry.objects.for_object(obj))


# --- verify ------------------------------------------------------------------------------


def test_a_verifier_verifies_a_pending_licence_and_one_audit_entry_records_it(verifier):
    licence = AttestationFactory()
    services.attestation_verify(attestation_id=licence.pk, actor=verifier)
    licence.refresh_from_db()
    assert licence.status == "verified"
    assert licence.verified_by == verifier
    assert licence.verification_method == "documents"
    assert licence.next_check_due == licence.expires_on
    [entry] = audit(licence)
    assert (entry.action, entry.actor, entry.from_status, entry.to_status) == (
        "attestation.verified",
        verifier,
        "pending",
        "verified",
    )


def test_a_verified_sterilization_attestation_is_valid_for_twelve_months(verifier):
    attestation = AttestationFactory(sterilization=True, expires_on=None)
    services.attestation_verify(attestation_id=attestation.pk, actor=verifier)
    attestation.refresh_from_db()
    today = timezone.localdate()
    assert attestation.expires_on == services.one_year_after(today)


def test_twelve_months_after_the_29th_of_february_is_the_28th():
    assert services.one_year_after(datetime.date(2028, 2, 29)) == datetime.date(2029, 2, 28)


def test_verifying_a_rejected_attestation_is_refused_and_writes_nothing(verifier):
    licence = AttestationFactory(status="rejected")
    with pytest.raises(TransitionNotAllowed):
        services.attestation_verify(attestation_id=licence.pk, actor=verifier)
    licence.refresh_from_db()
    assert licence.status == "rejected"
    assert audit(licence) == []


@pytest.mark.parametrize("role", ["patient", "moderator", "practitioner_owner"])
def test_only_a_verifier_may_verify(role, request):
    user = request.getfixturevalue(role)
    licence = AttestationFactory()
    with pytest.raises(NotPermitted):
        services.attestation_verify(attestation_id=licence.pk, actor=user)
    licence.refresh_from_db()
    assert licence.status == "pending"
    assert audit(licence) == []


def test_a_verifier_cannot_verify_their_own_profile():
    user = UserFactory(roles=["Verifiers"])
    practitioner = PractitionerFactory(owner=user)
    licence = AttestationFactory(practitioner=practitioner)
    with pytest.raises(NotPermitted, match="the practitioner profile you manage"):
        services.attestation_verify(attestation_id=licence.pk, actor=user)
    assert Attestation.objects.get(pk=licence.pk).status == "pending"


def test_a_licence_that_has_already_expired_cannot_be_verified(verifier):
    licence = AttestationFactory(
        expires_on=timezone.localdate() - datetime.timedelta(days=1),
        issued_on=datetime.date(2020, 1, 1),
    )
    with pytest.raises(DomainError, match="already expired"):
        services.attestation_verify(attestation_id=licence.pk, actor=verifier)
    assert audit(licence) == []


# --- reject ------------------------------------------------------------------------------


def test_a_rejection_records_the_reason_and_emails_the_practitioner(
    verifier, practitioner_owner, django_capture_on_commit_callbacks
):
    licence = AttestationFactory(practitioner=practitioner_owner.practitioner_profile)
    with django_capture_on_commit_callbacks(execute=True):
        services.attestation_reject(
            attestation_id=licence.pk, actor=verifier, reason="The scan is unreadable."
        )
    licence.refresh_from_db()
    assert licence.status == "rejected"
    assert licence.decision_reason == "The scan is unreadable."
    [entry] = audit(licence)
    assert (entry.to_status, entry.note) == ("rejected", "The scan is unreadable.")
    [email] = mail.outbox
    assert email.to == [practitioner_owner.email]
    assert "The scan is unreadable." in email.body
    assert "/dashboard/" in email.body


def test_a_rejection_without_a_reason_is_refused_and_writes_nothing(verifier):
    licence = AttestationFactory()
    with pytest.raises(DomainError, match="Say why"):
        services.attestation_reject(attestation_id=licence.pk, actor=verifier, reason="  ")
    assert Attestation.objects.get(pk=licence.pk).status == "pending"
    assert audit(licence) == []


def test_rejecting_a_verified_attestation_is_refused(verifier):
    licence = AttestationFactory(verified=True)
    with pytest.raises(TransitionNotAllowed):
        services.attestation_reject(attestation_id=licence.pk, actor=verifier, reason="No.")
    assert Attestation.objects.get(pk=licence.pk).status == "verified"
    assert audit(licence) == []


def test_a_patient_cannot_reject(patient):
    licence = AttestationFactory()
    with pytest.raises(NotPermitted):
        services.attestation_reject(attestation_id=licence.pk, actor=patient, reason="No.")
    assert Attestation.objects.get(pk=licence.pk).status == "pending"


# --- revoke ------------------------------------------------------------------------------


def test_a_verifier_revokes_a_verified_attestation_and_the_badge_lapses(verifier):
    practitioner = PractitionerFactory()
    licence = AttestationFactory(practitioner=practitioner, verified=True)
    AttestationFactory(practitioner=practitioner, verified=True, sterilization=True)
    refresh_badge(practitioner.pk)
    assert Practitioner.objects.get(pk=practitioner.pk).is_verified
    services.attestation_revoke(
        attestation_id=licence.pk, actor=verifier, reason="Board suspended the licence."
    )
    licence.refresh_from_db()
    assert licence.status == "revoked"
    assert [e.to_status for e in audit(licence)] == ["revoked"]
    assert not Practitioner.objects.get(pk=practitioner.pk).is_verified


def test_revoking_a_pending_attestation_is_refused(verifier):
    licence = AttestationFactory()
    with pytest.raises(TransitionNotAllowed):
        services.attestation_revoke(attestation_id=licence.pk, actor=verifier, reason="No.")
    assert audit(licence) == []


def test_a_moderator_cannot_revoke(moderator):
    licence = AttestationFactory(verified=True)
    with pytest.raises(NotPermitted):
        services.attestation_revoke(attestation_id=licence.pk, actor=moderator, reason="No.")
    assert Attestation.objects.get(pk=licence.pk).status == "verified"


# --- expire ------------------------------------------------------------------------------


def test_a_verified_attestation_past_its_date_expires_with_one_audit_entry():
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    licence = AttestationFactory(verified=True, expires_on=yesterday)
    services.attestation_expire(attestation_id=licence.pk)
    licence.refresh_from_db()
    assert licence.status == "expired"
    [entry] = audit(licence)
    assert (entry.who, entry.to_status) == ("expiry job", "expired")


def test_an_attestation_is_not_expired_on_its_expiry_date_itself():
    licence = AttestationFactory(verified=True, expires_on=timezone.localdate())
    with pytest.raises(DomainError, match="not reached"):
        services.attestation_expire(attestation_id=licence.pk)
    assert Attestation.objects.get(pk=licence.pk).status == "verified"


def test_a_pending_attestation_cannot_expire():
    licence = AttestationFactory(
        expires_on=timezone.localdate() - datetime.timedelta(days=3),
        issued_on=datetime.date(2020, 1, 1),
    )
    with pytest.raises(TransitionNotAllowed):
        services.attestation_expire(attestation_id=licence.pk)
    assert audit(licence) == []


# --- submit ------------------------------------------------------------------------------


def test_the_owner_submits_a_licence_with_evidence(practitioner_owner):
    practitioner = practitioner_owner.practitioner_profile
    attestation = services.attestation_submit(
        actor=practitioner_owner,
        practitioner=practitioner,
        kind="license",
        uploads=checked() + checked(png()),
        number=" rn 555 ",
        issuing_authority="Texas  Board of Nursing",
        license_type="Registered Nurse",
        issued_on=datetime.date(2021, 1, 1),
        expires_on=timezone.localdate() + datetime.timedelta(days=300),
    )
    assert (attestation.status, attestation.number, attestation.issuing_authority) == (
        "pending",
        "RN555",
        "Texas Board of Nursing",
    )
    assert attestation.standing == "active"
    files = list(Evidence.objects.filter(attestation=attestation))
    assert sorted(f.content_type for f in files) == ["application/pdf", "image/png"]
    # Stored under the hash, never the uploaded name.
    assert all(f.sha256 in f.file.name and "licence" not in f.file.name for f in files)
    assert [e.action for e in audit(attestation)] == ["attestation.submitted"]


def test_someone_else_cannot_submit_for_a_profile(other_practitioner_owner, practitioner_owner):
    with pytest.raises(NotPermitted):
        services.attestation_submit(
            actor=other_practitioner_owner,
            practitioner=practitioner_owner.practitioner_profile,
            kind="license",
            uploads=checked(),
            number="RN1",
            issuing_authority="Texas Board of Nursing",
        )
    assert not Attestation.objects.exists()


def test_a_licence_number_already_live_on_another_profile_is_refused_clearly(practitioner_owner):
    AttestationFactory(number="RN777", issuing_authority="Texas Board of Nursing")
    with pytest.raises(DomainError, match="already on file"):
        services.attestation_submit(
            actor=practitioner_owner,
            practitioner=practitioner_owner.practitioner_profile,
            kind="license",
            uploads=checked(),
            number="RN777",
            issuing_authority="Texas Board of Nursing",
        )
    assert Attestation.objects.count() == 1


def test_a_sterilization_attestation_needs_every_item_answered(practitioner_owner):
    answers = dict(ALL_YES)
    del answers["autoclave"]
    with pytest.raises(DomainError, match="Answer every item"):
        services.attestation_submit(
            actor=practitioner_owner,
            practitioner=practitioner_owner.practitioner_profile,
            kind="sterilization",
            uploads=checked(),
            last_spore_test_on=timezone.localdate(),
            answers=answers,
        )
    assert not Attestation.objects.exists()


def test_a_sterilization_attestation_is_stored_with_each_answer(practitioner_owner):
    answers = {**ALL_YES, "autoclave": (False, "We only use single-use instruments.")}
    attestation = services.attestation_submit(
        actor=practitioner_owner,
        practitioner=practitioner_owner.practitioner_profile,
        kind="sterilization",
        uploads=checked(),
        last_spore_test_on=timezone.localdate() - datetime.timedelta(days=3),
        answers=answers,
    )
    stored = {a.item: (a.complies, a.detail) for a in attestation.items.all()}
    assert stored == answers
    assert attestation.expires_on is None


def test_a_rejected_practitioner_can_resubmit(verifier, practitioner_owner):
    practitioner = practitioner_owner.practitioner_profile
    first = AttestationFactory(practitioner=practitioner, number="RN42")
    services.attestation_reject(attestation_id=first.pk, actor=verifier, reason="Blurry scan.")
    again = services.attestation_submit(
        actor=practitioner_owner,
        practitioner=practitioner,
        kind="license",
        uploads=checked(),
        number="RN42",
        issuing_authority=first.issuing_authority,
        expires_on=first.expires_on,
    )
    services.attestation_verify(attestation_id=again.pk, actor=verifier)
    assert Attestation.objects.get(pk=again.pk).status == "verified"


# --- claims ------------------------------------------------------------------------------


def test_a_signed_in_user_claims_an_unowned_profile(patient):
    practitioner = PractitionerFactory()
    claim = services.claim_submit(user=patient, practitioner=practitioner, message="It is me")
    assert claim.status == "pending"
    assert [e.action for e in audit(claim)] == ["claim.submitted"]


def test_nobody_can_claim_a_profile_that_already_has_an_owner(patient, practitioner_owner):
    with pytest.raises(DomainError, match="already managed"):
        services.claim_submit(user=patient, practitioner=practitioner_owner.practitioner_profile)


def test_an_owner_cannot_claim_a_second_profile(practitioner_owner):
    with pytest.raises(DomainError, match="already manages"):
        services.claim_submit(user=practitioner_owner, practitioner=PractitionerFactory())


def test_approving_a_claim_makes_the_claimant_the_only_owner(
    verifier, patient, other_patient, django_capture_on_commit_callbacks
):
    practitioner = PractitionerFactory()
    claim = ProfileClaimFactory(practitioner=practitioner, user=patient)
    rival = ProfileClaimFactory(practitioner=practitioner, user=other_patient)
    with django_capture_on_commit_callbacks(execute=True):
        services.claim_approve(claim_id=claim.pk, actor=verifier)
    claim.refresh_from_db()
    rival.refresh_from_db()
    assert claim.status == ClaimStatus.APPROVED
    assert claim.decided_by == verifier
    assert Practitioner.objects.get(pk=practitioner.pk).owner == patient
    assert rival.status == ClaimStatus.REJECTED
    assert "Another account" in rival.decision_reason
    assert [e.action for e in audit(claim)] == ["claim.approved"]
    assert {m.to[0] for m in mail.outbox} == {patient.email, other_patient.email}


def test_a_claim_on_a_profile_that_got_an_owner_meanwhile_cannot_be_approved(
    verifier, patient, practitioner_owner
):
    claim = ProfileClaimFactory(practitioner=practitioner_owner.practitioner_profile, user=patient)
    with pytest.raises(DomainError, match="already has an owner"):
        services.claim_approve(claim_id=claim.pk, actor=verifier)
    claim.refresh_from_db()
    assert claim.status == "pending"
    assert audit(claim) == []


def test_approving_a_decided_claim_is_refused(verifier):
    claim = ProfileClaimFactory(status="rejected")
    with pytest.raises(TransitionNotAllowed):
        services.claim_approve(claim_id=claim.pk, actor=verifier)
    assert audit(claim) == []


def test_only_a_verifier_may_approve_a_claim(patient, moderator):
    claim = ProfileClaimFactory(user=patient)
    for user in (patient, moderator):
        with pytest.raises(NotPermitted):
            services.claim_approve(claim_id=claim.pk, actor=user)
    assert Practitioner.objects.get(pk=claim.practitioner_id).owner is None


def test_a_rejected_claim_tells_the_claimant_why(
    verifier, patient, django_capture_on_commit_callbacks
):
    claim = ProfileClaimFactory(user=patient)
    with django_capture_on_commit_callbacks(execute=True):
        services.claim_reject(claim_id=claim.pk, actor=verifier, reason="No link to this clinic.")
    claim.refresh_from_db()
    assert (claim.status, claim.decision_reason) == ("rejected", "No link to this clinic.")
    assert "No link to this clinic." in mail.outbox[0].body


# --- NPI ---------------------------------------------------------------------------------


def test_an_npi_with_a_wrong_check_digit_is_refused(practitioner_owner):
    with pytest.raises(DomainError, match="check digit"):
        services.practitioner_set_npi(
            actor=practitioner_owner,
            practitioner=practitioner_owner.practitioner_profile,
            npi="1234567890",
        )
    assert Practitioner.objects.get(owner=practitioner_owner).npi is None


def test_the_owner_sets_a_valid_npi(practitioner_owner):
    services.practitioner_set_npi(
        actor=practitioner_owner,
        practitioner=practitioner_owner.practitioner_profile,
        npi="1234567893",
    )
    assert Practitioner.objects.get(owner=practitioner_owner).npi == "1234567893"


def test_a_failed_submission_leaves_no_evidence_file_behind(practitioner_owner, monkeypatch):
    from pathlib import Path

    from django.conf import settings

    def broken_record(*args, **kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr("practitioners.services.submissions.record", broken_record)
    root = Path(settings.EVIDENCE_ROOT)
    before = {p for p in root.rglob("*") if p.is_file()} if root.exists() else set()
    with pytest.raises(RuntimeError):
        services.attestation_submit(
            actor=practitioner_owner,
            practitioner=practitioner_owner.practitioner_profile,
            kind="license",
            uploads=checked(),
            number="RN31",
            issuing_authority="Texas Board of Nursing",
        )
    after = {p for p in root.rglob("*") if p.is_file()} if root.exists() else set()
    assert after == before
    assert not Attestation.objects.exists()


def submit_sterilization(owner):
    return services.attestation_submit(
        actor=owner,
        practitioner=owner.practitioner_profile,
        kind="sterilization",
        uploads=checked(),
        last_spore_test_on=timezone.localdate(),
        answers=ALL_YES,
    )


def test_a_third_pending_attestation_of_one_kind_is_refused_with_a_clear_message(
    practitioner_owner,
):
    submit_sterilization(practitioner_owner)
    submit_sterilization(practitioner_owner)  # a correction of the first: allowed

    with pytest.raises(DomainError, match="already have 2 sterilization attestation") as refused:
        submit_sterilization(practitioner_owner)

    assert refused.value.code == "too_many_pending"
    assert Attestation.objects.filter(status="pending").count() == 2


def test_the_pending_limit_counts_each_kind_apart(practitioner_owner):
    practitioner = practitioner_owner.practitioner_profile
    AttestationFactory.create_batch(2, practitioner=practitioner, sterilization=True)

    licence = services.attestation_submit(
        actor=practitioner_owner,
        practitioner=practitioner,
        kind="license",
        uploads=checked(),
        number="RN777",
        issuing_authority="Texas Board of Nursing",
        expires_on=timezone.localdate() + datetime.timedelta(days=300),
    )

    assert licence.status == "pending"


def test_a_decided_attestation_frees_its_place_in_the_pending_limit(practitioner_owner, verifier):
    first = submit_sterilization(practitioner_owner)
    submit_sterilization(practitioner_owner)
    services.attestation_reject(attestation_id=first.pk, actor=verifier, reason="Blurry log.")

    assert submit_sterilization(practitioner_owner).status == "pending"


def test_an_account_with_an_unconfirmed_email_cannot_submit_attestations(practitioner_owner):
    practitioner_owner.email_verified_at = None
    practitioner_owner.save(update_fields=["email_verified_at"])

    with pytest.raises(NotPermitted, match="Confirm your e-mail address") as refused:
        submit_sterilization(practitioner_owner)

    assert refused.value.code == "email_not_verified"
    assert not Attestation.objects.exists()


def test_each_sterilization_answer_carries_the_day_it_was_attested(practitioner_owner):
    attestation = submit_sterilization(practitioner_owner)

    assert {answer.attested_on for answer in attestation.items.all()} == {timezone.localdate()}


def test_a_sterilization_attestation_with_a_no_cannot_be_verified(verifier):
    attestation = AttestationFactory(
        sterilization=True, answers={"single_use_cartridges": False, "spore_testing": False}
    )

    with pytest.raises(DomainError, match="did not answer “complies” to") as refused:
        services.attestation_verify(attestation_id=attestation.pk, actor=verifier)

    assert "Sterile single-use needle cartridges, never reused" in refused.value.message
    assert "Biological indicator (spore) tests" in refused.value.message
    assert "Autoclave" not in refused.value.message
    attestation.refresh_from_db()
    assert attestation.status == "pending"
    assert not AuditEntry.objects.filter(action="attestation.verified").exists()


def test_a_sterilization_attestation_complying_on_every_item_can_be_verified(verifier):
    attestation = AttestationFactory(sterilization=True)

    services.attestation_verify(attestation_id=attestation.pk, actor=verifier)

    attestation.refresh_from_db()
    assert attestation.status == "verified"
