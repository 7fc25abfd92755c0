"""Credential kinds are data: what each description says is what the services do.

The tests read a kind's description and check that the site behaves accordingly; a few
change one description (as adding a kind would) and watch the behaviour follow.
"""

import dataclasses
import datetime

import pytest
from django.utils import timezone

from kernel.errors import DomainError
from practitioners import credentials, services
from practitioners.attestation_history import attestation_groups
from practitioners.badges import compute_badge
from practitioners.credentials import (
    CREDENTIAL_KINDS,
    AttestationKind,
    credential_kind,
    one_year_after,
)
from practitioners.forms import CredentialForm
from practitioners.models import SterilizationItem
from practitioners.tests.factories import AttestationFactory
from practitioners.tests.uploads import checked

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
LICENCE = credential_kind(AttestationKind.LICENSE)
STERILIZATION = credential_kind(AttestationKind.STERILIZATION)
ALL_YES = {item.value: (True, "") for item in SterilizationItem}


def days(n: int) -> datetime.date:
    return TODAY + datetime.timedelta(days=n)


@pytest.fixture
def redescribe(monkeypatch):
    """Change one kind's description for the test, as editing CREDENTIAL_KINDS would."""

    def change(code: str, **values) -> None:
        monkeypatch.setitem(
            credentials._BY_CODE, code, dataclasses.replace(credential_kind(code), **values)
        )

    return change


def test_every_stored_kind_is_described_once():
    assert sorted(kind.code for kind in CREDENTIAL_KINDS) == sorted(AttestationKind.values)


def test_the_badge_needs_exactly_the_kinds_described_as_counting_toward_it():
    wordings = [
        str(k.badge_wording.none_on_file) for k in CREDENTIAL_KINDS if k.counts_toward_badge
    ]
    assert compute_badge([], today=TODAY).missing == wordings
    assert wordings == ["no license on file", "no sterilization attestation on file"]


def test_a_kind_with_a_term_is_valid_for_that_term_from_its_verification(verifier):
    attestation = AttestationFactory(sterilization=True, expires_on=None)
    services.attestation_verify(attestation_id=attestation.pk, actor=verifier)
    attestation.refresh_from_db()
    assert STERILIZATION.term is one_year_after
    assert attestation.expires_on == one_year_after(TODAY)


def test_giving_a_kind_a_term_gives_its_verifications_that_term(verifier, redescribe):
    redescribe(AttestationKind.DEVICE_TRAINING, term=lambda day: day + datetime.timedelta(days=90))
    training = AttestationFactory(
        kind=AttestationKind.DEVICE_TRAINING, standing="", expires_on=None
    )
    services.attestation_verify(attestation_id=training.pk, actor=verifier)
    training.refresh_from_db()
    assert training.expires_on == days(90)


def test_a_kind_without_a_term_keeps_its_printed_expiry(verifier):
    insurance = AttestationFactory(
        kind=AttestationKind.MALPRACTICE_INSURANCE, standing="", expires_on=days(200)
    )
    services.attestation_verify(attestation_id=insurance.pk, actor=verifier)
    insurance.refresh_from_db()
    assert insurance.expires_on == days(200)


def _verified_licence(owner, *, expires_in: int):
    return AttestationFactory(
        practitioner=owner.practitioner_profile,
        verified=True,
        number="RN777",
        issuing_authority="Texas Board of Nursing",
        expires_on=days(expires_in),
    )


def _submit_renewal(owner, *, expires_on: datetime.date):
    return services.attestation_submit(
        actor=owner,
        practitioner=owner.practitioner_profile,
        kind=AttestationKind.LICENSE,
        uploads=checked(),
        number="RN777",
        issuing_authority="Texas Board of Nursing",
        expires_on=expires_on,
    )


def test_the_licence_renewal_opens_its_window_before_expiry(practitioner_owner):
    window = LICENCE.renewal_window.days
    licence = _verified_licence(practitioner_owner, expires_in=window + 1)
    with pytest.raises(DomainError) as refused:
        _submit_renewal(practitioner_owner, expires_on=days(window + 400))
    assert refused.value.code == "renewal_not_open"
    assert f"{window} days before it expires" in refused.value.message
    assert services.renewals_open([licence], today=days(1)) == {licence.pk}
    assert services.renewals_open([licence], today=TODAY) == set()


def test_a_wider_renewal_window_lets_the_renewal_in_earlier(practitioner_owner, redescribe):
    window = LICENCE.renewal_window.days
    redescribe(AttestationKind.LICENSE, renewal_window=datetime.timedelta(days=window + 30))
    _verified_licence(practitioner_owner, expires_in=window + 1)
    renewal = _submit_renewal(practitioner_owner, expires_on=days(window + 400))
    assert renewal.status == "pending"
    assert services.licence_being_renewed(renewal).number == "RN777"


def test_a_sterilization_no_answer_blocks_verification(verifier):
    attestation = AttestationFactory(sterilization=True, answers={"autoclave": False})
    with pytest.raises(DomainError) as refused:
        services.attestation_verify(attestation_id=attestation.pk, actor=verifier)
    assert refused.value.code == "sterilization_not_compliant"
    assert SterilizationItem.AUTOCLAVE.label in refused.value.message
    attestation.refresh_from_db()
    assert attestation.status == "pending"


def test_the_checklist_kind_keeps_no_issuer_details(practitioner_owner):
    attestation = services.attestation_submit(
        actor=practitioner_owner,
        practitioner=practitioner_owner.practitioner_profile,
        kind=AttestationKind.STERILIZATION,
        uploads=checked(),
        number="IGNORED",
        issuing_authority="Nobody",
        expires_on=days(30),
        last_spore_test_on=days(-3),
        answers=ALL_YES,
    )
    assert (attestation.number, attestation.issuing_authority, attestation.expires_on) == (
        "",
        "",
        None,
    )


def test_a_register_kind_needs_its_number_and_other_kinds_do_not(practitioner_owner):
    submit = {
        "actor": practitioner_owner,
        "practitioner": practitioner_owner.practitioner_profile,
        "uploads": checked(),
        "issuing_authority": "American Board of Dermatology",
        "expires_on": days(300),
    }
    with pytest.raises(DomainError):
        services.attestation_submit(kind=AttestationKind.LICENSE, **submit)
    board = services.attestation_submit(kind=AttestationKind.BOARD_CERTIFICATION, **submit)
    assert (board.status, board.standing) == ("pending", "")


def test_the_credential_form_offers_every_kind_but_the_checklist():
    offered = {value for value, _ in CredentialForm.KINDS}
    assert offered == {k.code for k in CREDENTIAL_KINDS if not k.checklist}


def test_the_profile_lists_kinds_in_the_described_order():
    practitioner = AttestationFactory(
        kind=AttestationKind.DEVICE_TRAINING, standing=""
    ).practitioner
    AttestationFactory(practitioner=practitioner, sterilization=True)
    AttestationFactory(practitioner=practitioner)
    groups = attestation_groups(practitioner.attestations.all(), TODAY)
    assert [g.current.kind for g in groups] == [
        AttestationKind.LICENSE,
        AttestationKind.STERILIZATION,
        AttestationKind.DEVICE_TRAINING,
    ]
