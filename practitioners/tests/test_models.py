import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from practitioners.models import Attestation
from practitioners.npi import is_valid_npi, validate_npi
from practitioners.tests.factories import AttestationFactory, ClinicFactory, PractitionerFactory

FULLWIDTH_DIGITS = "".join(chr(0xFF10 + int(d)) for d in "1234567893")


@pytest.mark.parametrize("npi", ["1234567893", "1245319599", "1003000126"])
def test_a_real_npi_passes_the_check_digit(npi):
    assert is_valid_npi(npi)


@pytest.mark.parametrize(
    "npi",
    ["1234567890", "1245319590", "123456789", "12345678931", "12345a7893", FULLWIDTH_DIGITS],
)
def test_a_wrong_npi_is_refused(npi):
    assert not is_valid_npi(npi)
    with pytest.raises(ValidationError):
        validate_npi(npi)


def test_a_wrong_check_digit_gets_a_message_that_says_so():
    with pytest.raises(ValidationError, match="check digit"):
        validate_npi("1234567890")


@pytest.mark.django_db
def test_the_database_refuses_an_npi_that_is_not_ten_digits():
    with pytest.raises(IntegrityError):
        PractitionerFactory(npi="12345")


@pytest.mark.django_db
def test_the_database_refuses_a_latitude_outside_the_globe():
    with pytest.raises(IntegrityError):
        ClinicFactory(latitude=91)


@pytest.mark.django_db
def test_the_database_refuses_a_licence_without_a_number():
    with pytest.raises(IntegrityError):
        AttestationFactory(number="")


@pytest.mark.django_db
def test_two_practitioners_cannot_both_hold_one_live_licence_number():
    AttestationFactory(number="MD-1", issuing_authority="Texas Medical Board")
    with pytest.raises(IntegrityError):
        AttestationFactory(number="MD-1", issuing_authority="Texas Medical Board")


@pytest.mark.django_db
def test_one_licence_number_is_verified_once_with_at_most_one_renewal_pending_beside_it():
    licence = {"number": "MD-1", "issuing_authority": "Texas Medical Board"}
    AttestationFactory(**licence, verified=True)
    AttestationFactory(**licence)  # a renewal awaiting review
    with pytest.raises(IntegrityError):
        AttestationFactory(**licence, verified=True)


@pytest.mark.django_db
def test_a_rejected_licence_number_can_be_submitted_again():
    AttestationFactory(number="MD-1", issuing_authority="Texas Medical Board", status="rejected")
    AttestationFactory(number="MD-1", issuing_authority="Texas Medical Board")
    assert Attestation.objects.count() == 2


@pytest.mark.django_db
def test_the_database_refuses_a_verified_attestation_without_a_verification_date():
    with pytest.raises(IntegrityError):
        AttestationFactory(status="verified", verified_at=None)
