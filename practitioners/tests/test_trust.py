"""The trust rules (practitioners/trust.py): what each attestation may claim on a given day,
and when the Verified badge holds. Pure functions: no database, "today" passed in."""

import datetime

import pytest

from practitioners.badges import compute_badge
from practitioners.models import Attestation, SterilizationAnswer, SterilizationItem, badge_holds
from practitioners.trust import (
    DomainMatch,
    Mark,
    Tone,
    attestation_mark,
    badge_valid_through,
    claimant_domain_match,
    counts_toward_badge,
)

TODAY = datetime.date(2026, 6, 15)
DAY = datetime.timedelta(days=1)


def licence(status="verified", standing="active", expires_on=TODAY + 100 * DAY, number="RN1"):
    return Attestation(
        kind="license",
        status=status,
        standing=standing,
        number=number,
        issuing_authority="Texas Board of Nursing",
        expires_on=expires_on,
    )


def sterilization(status="verified", expires_on=TODAY + 100 * DAY):
    return Attestation(kind="sterilization", status=status, expires_on=expires_on)


# --- Marks: one per status, green only for what counts toward the badge today -------------


@pytest.mark.parametrize(
    ("attestation", "code", "label", "tone"),
    [
        (licence(), Mark.CURRENT, "Verified", Tone.GOOD),
        (sterilization(), Mark.CURRENT, "Verified", Tone.GOOD),
        (licence(standing="suspended"), Mark.SUSPENDED, "License suspended", Tone.BAD),
        (licence(standing="revoked"), Mark.SUSPENDED, "License revoked", Tone.BAD),
        (licence(expires_on=TODAY - DAY), Mark.LAPSED, "Lapsed", Tone.BAD),
        (sterilization(expires_on=TODAY - DAY), Mark.LAPSED, "Lapsed", Tone.BAD),
        (licence(status="expired"), Mark.EXPIRED, "Expired", Tone.BAD),
        (licence(status="revoked"), Mark.REVOKED, "Verification revoked", Tone.BAD),
        (licence(status="pending"), Mark.PENDING, "Submitted, not yet checked", Tone.WAITING),
        (sterilization(status="rejected"), Mark.REJECTED, "Not accepted", Tone.BAD),
        (
            Attestation(kind="board_certification", status="verified"),
            Mark.CURRENT,
            "Verified",
            Tone.CHECKED,
        ),
    ],
    ids=[
        "current-licence",
        "current-sterilization",
        "suspended",
        "revoked-standing",
        "lapsed-licence",
        "lapsed-sterilization",
        "expired",
        "revoked",
        "pending",
        "rejected",
        "other-credential",
    ],
)
def test_each_status_shows_its_own_mark_and_only_what_counts_is_green(
    attestation, code, label, tone
):
    mark = attestation_mark(attestation, TODAY)

    assert (mark.code, mark.label, mark.tone) == (code, label, tone)
    assert mark.is_green == counts_toward_badge(attestation, TODAY)


def test_a_licence_replaced_by_its_renewal_says_so_and_is_not_green():
    mark = attestation_mark(licence(status="expired"), TODAY, replaced=True)

    assert (mark.code, mark.label, mark.is_green) == (Mark.REPLACED, "Replaced by a renewal", False)


def test_unchecked_attestations_show_no_details_and_checked_ones_do():
    assert not attestation_mark(licence(status="pending"), TODAY).shows_details
    assert not attestation_mark(licence(status="rejected"), TODAY).shows_details
    assert attestation_mark(licence(), TODAY).shows_details
    assert attestation_mark(licence(status="revoked"), TODAY).shows_details


# --- The expiry date: valid on the day, gone the day after ----------------------------------


def test_an_attestation_counts_on_its_expiry_date_and_not_the_day_after():
    on_the_day = licence(expires_on=TODAY)

    assert counts_toward_badge(on_the_day, TODAY)
    assert attestation_mark(on_the_day, TODAY).code == Mark.CURRENT
    assert not counts_toward_badge(on_the_day, TODAY + DAY)
    assert attestation_mark(on_the_day, TODAY + DAY).code == Mark.LAPSED


def test_the_badge_holds_on_its_last_day_and_not_the_day_after():
    attestations = [licence(expires_on=TODAY + 30 * DAY), sterilization(expires_on=TODAY)]
    through = badge_valid_through(attestations)

    assert through == TODAY
    assert badge_holds(through, TODAY)
    assert not badge_holds(through, TODAY + DAY)
    assert compute_badge(attestations, today=TODAY).verified
    lapsed = compute_badge(attestations, today=TODAY + DAY)
    assert not lapsed.verified
    assert lapsed.missing == [f"sterilization attestation expired on {TODAY:%b %-d, %Y}"]


def test_the_badge_lasts_as_long_as_the_later_of_two_licences_and_the_sterilization():
    attestations = [
        licence(expires_on=TODAY + 10 * DAY),
        licence(expires_on=TODAY + 90 * DAY, number="RN2"),
        sterilization(expires_on=TODAY + 60 * DAY),
    ]

    assert badge_valid_through(attestations) == TODAY + 60 * DAY


@pytest.mark.parametrize(
    "attestations",
    [
        [licence(standing="suspended"), sterilization()],
        [licence(status="pending"), sterilization()],
        [licence(), sterilization(status="revoked")],
        [licence()],
        [Attestation(kind="board_certification", status="verified"), sterilization()],
    ],
    ids=["suspended", "pending", "revoked", "no-sterilization", "not-a-licence"],
)
def test_without_both_supporting_attestations_the_badge_never_holds(attestations):
    assert badge_valid_through(attestations) is None
    assert not compute_badge(attestations, today=TODAY).verified


def test_the_reasons_and_the_stored_date_agree_every_day_around_a_lapse():
    attestations = [licence(expires_on=TODAY + 3 * DAY), sterilization(expires_on=TODAY + 5 * DAY)]
    through = badge_valid_through(attestations)
    for offset in range(-2, 9):
        day = TODAY + offset * DAY
        badge = compute_badge(attestations, today=day)
        assert badge.verified == badge_holds(through, day) == (not badge.missing), day


# --- Sterilization: every item "complies" --------------------------------------------------


@pytest.mark.django_db
def test_one_no_among_the_sterilization_items_is_named_as_the_shortfall():
    from practitioners.credentials import sterilization_shortfalls
    from practitioners.tests.factories import AttestationFactory

    complying = AttestationFactory(sterilization=True)
    reusing = AttestationFactory(sterilization=True, answers={"single_use_cartridges": False})
    unanswered = AttestationFactory(sterilization=True, answers=False)
    SterilizationAnswer.objects.create(
        attestation=unanswered, item="autoclave", complies=True, attested_on=TODAY
    )

    assert sterilization_shortfalls(complying) == []
    assert sterilization_shortfalls(reusing) == [SterilizationItem.SINGLE_USE_CARTRIDGES.label]
    assert len(sterilization_shortfalls(unanswered)) == len(SterilizationItem) - 1


# --- Claims: the claimant's e-mail domain beside the clinic's ------------------------------


@pytest.mark.parametrize(
    ("email_domain", "clinic_domain", "expected"),
    [
        ("glowclinic.com", "glowclinic.com", DomainMatch.MATCHES),
        ("mail.glowclinic.com", "GlowClinic.com", DomainMatch.MATCHES),
        ("gmail.com", "glowclinic.com", DomainMatch.DIFFERS),
        ("notglowclinic.com", "glowclinic.com", DomainMatch.DIFFERS),
        ("glowclinic.com", "", DomainMatch.UNKNOWN),
    ],
)
def test_the_claimants_domain_is_compared_with_the_clinics(email_domain, clinic_domain, expected):
    assert claimant_domain_match(email_domain, clinic_domain) == expected
