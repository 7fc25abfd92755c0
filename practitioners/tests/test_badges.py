"""The Verified badge rule, branch by branch, with the exact words patients read."""

import datetime

import pytest
from django.utils import timezone

from practitioners.badges import compute_badge, refresh_badge
from practitioners.models import Attestation, Practitioner, badge_holds
from practitioners.tests.factories import AttestationFactory, PractitionerFactory

TODAY = datetime.date(2026, 3, 2)
BEFORE = datetime.datetime(2025, 1, 1, tzinfo=datetime.UTC)


def licence(status="verified", expires_on=datetime.date(2027, 1, 1), standing="active", **kw):
    return Attestation(
        kind="license",
        status=status,
        expires_on=expires_on,
        standing=standing,
        issuing_authority="Texas Board of Nursing",
        submitted_at=kw.pop("submitted_at", BEFORE),
        **kw,
    )


def sterilization(status="verified", expires_on=datetime.date(2027, 1, 1)):
    return Attestation(kind="sterilization", status=status, expires_on=expires_on)


def missing(*attestations) -> list[str]:
    return compute_badge(attestations, today=TODAY).missing


def test_a_current_active_licence_and_a_current_sterilization_attestation_make_verified():
    badge = compute_badge([licence(), sterilization()], today=TODAY)
    assert badge.verified
    assert badge.missing == []


def test_both_expiring_today_still_count():
    assert compute_badge(
        [licence(expires_on=TODAY), sterilization(expires_on=TODAY)], today=TODAY
    ).verified


def test_nothing_on_file_says_both_are_missing():
    assert missing() == ["no license on file", "no sterilization attestation on file"]


@pytest.mark.parametrize(
    ("licences", "reason"),
    [
        ([licence(expires_on=datetime.date(2026, 3, 1))], "license expired on Mar 1, 2026"),
        (
            [licence(status="expired", expires_on=datetime.date(2026, 3, 1))],
            "license expired on Mar 1, 2026",
        ),
        (
            [
                licence(status="expired", expires_on=datetime.date(2026, 3, 1)),
                licence(status="pending"),
            ],
            "license expired on Mar 1, 2026; a renewal is pending review",
        ),
        ([licence(standing="suspended")], "license suspended per Texas Board of Nursing"),
        (
            [licence(status="revoked", standing="revoked")],
            "license revoked per Texas Board of Nursing",
        ),
        ([licence(status="revoked")], "license verification revoked"),
        ([licence(status="pending")], "license pending review"),
        ([licence(status="rejected")], "license rejected; a new one has not been submitted"),
        ([licence(status="rejected"), licence(status="pending")], "license pending review"),
    ],
)
def test_each_way_a_licence_falls_short_is_said_exactly(licences, reason):
    assert missing(*licences, sterilization()) == [reason]


@pytest.mark.parametrize(
    ("attestations", "reason"),
    [
        (
            [sterilization(expires_on=datetime.date(2026, 3, 1))],
            "sterilization attestation expired on Mar 1, 2026",
        ),
        (
            [
                sterilization(status="expired", expires_on=datetime.date(2026, 3, 1)),
                sterilization(status="pending", expires_on=None),
            ],
            "sterilization attestation expired on Mar 1, 2026; a renewal is pending review",
        ),
        (
            [sterilization(status="pending", expires_on=None)],
            "sterilization attestation pending review",
        ),
        ([sterilization(status="revoked")], "sterilization attestation revoked"),
        (
            [sterilization(status="rejected", expires_on=None)],
            "sterilization attestation rejected; a new one has not been submitted",
        ),
    ],
)
def test_each_way_a_sterilization_attestation_falls_short_is_said_exactly(attestations, reason):
    assert missing(licence(), *attestations) == [reason]


def test_a_renewal_keeps_the_badge_while_the_old_one_lapses():
    old = sterilization(status="expired", expires_on=datetime.date(2026, 1, 1))
    assert compute_badge([licence(), old, sterilization()], today=TODAY).verified


def test_other_credentials_neither_give_nor_take_the_badge():
    insurance = Attestation(kind="malpractice_insurance", status="rejected")
    assert compute_badge([licence(), sterilization(), insurance], today=TODAY).verified
    board = Attestation(kind="board_certification", status="verified")
    assert not compute_badge([board, sterilization()], today=TODAY).verified


@pytest.mark.django_db
def test_refresh_badge_stores_the_last_day_the_badge_holds_for_search():
    practitioner = PractitionerFactory()
    licence_expiry = timezone.localdate() + datetime.timedelta(days=400)
    AttestationFactory(practitioner=practitioner, verified=True, expires_on=licence_expiry)
    sterile_expiry = timezone.localdate() + datetime.timedelta(days=200)
    AttestationFactory(
        practitioner=practitioner, verified=True, sterilization=True, expires_on=sterile_expiry
    )
    assert refresh_badge(practitioner.pk).verified
    stored = Practitioner.objects.get(pk=practitioner.pk)
    assert stored.verified_through == sterile_expiry  # the earlier of the two
    assert stored.is_verified
    assert badge_holds(stored.verified_through, sterile_expiry)
    assert not badge_holds(stored.verified_through, sterile_expiry + datetime.timedelta(days=1))
