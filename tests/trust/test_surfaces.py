"""Every surface tells the same truth: the profile, the search card and filter, the API list
and detail agree with the trust rules on the day they are read."""

import datetime
import re
from html import unescape

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from directory.tests.factories import UserFactory
from practitioners import services
from practitioners.badges import refresh_badge
from practitioners.models import ProfileClaim, SterilizationItem
from practitioners.tests.factories import (
    AttestationFactory,
    ClinicFactory,
    PractitionerFactory,
    ProfileClaimFactory,
)
from practitioners.tests.uploads import checked
from reviews.summaries import refresh_summary
from reviews.tests.factories import ComplicationFactory, ReviewFactory

pytestmark = pytest.mark.django_db
DAY = datetime.timedelta(days=1)


@pytest.fixture(autouse=True)
def no_page_cache(settings):
    settings.PAGE_CACHE_SECONDS = 0


def text(response) -> str:
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode())))


def section(response, name: str) -> str:
    html = response.content.decode()
    return html.split(f'id="{name}"', 1)[1].split("</section>", 1)[0]


def reviewed(practitioner, count: int, *, complications=()) -> None:
    month = timezone.localdate().replace(day=1)
    for n in range(count):
        review = ReviewFactory(
            practitioner=practitioner,
            published=True,
            rating=5,
            treatment_month=(month - n * 32 * DAY).replace(day=1),
        )
        for kind, severity in complications:
            ComplicationFactory(review=review, type=kind, severity=severity)
    refresh_summary(practitioner.pk)


def verified(**kwargs):
    practitioner = PractitionerFactory(**kwargs)
    AttestationFactory(practitioner=practitioner, verified=True, number="RN4242")
    AttestationFactory(practitioner=practitioner, verified=True, sterilization=True)
    refresh_badge(practitioner.pk)
    return practitioner


# --- Attestation marks on the profile -------------------------------------------------------


def test_a_suspended_licence_shows_no_green_verified_chip_on_the_profile(client):
    practitioner = verified()
    practitioner.attestations.filter(kind="license").update(standing="suspended")
    refresh_badge(practitioner.pk)

    response = client.get(practitioner.get_absolute_url())
    panel = section(response, "verification")

    assert "License suspended" in unescape(panel)
    assert 'status-bad">License suspended' in panel
    assert "Not verified" in text(response)
    # The sterilization attestation still counts; the licence chip is not green.
    assert panel.count("status-good") == 1


def test_a_lapsed_sterilization_attestation_shows_no_green_ticks(client):
    practitioner = verified()
    sterilization = practitioner.attestations.get(kind="sterilization")
    expiry = timezone.localdate() + 10 * DAY
    sterilization.expires_on = expiry
    sterilization.save(update_fields=["expires_on"])
    refresh_badge(practitioner.pk)

    with time_machine.travel(expiry + DAY):
        panel = section(client.get(practitioner.get_absolute_url()), "verification")

    assert "Lapsed" in panel
    assert "checklist-past" in panel
    assert "this attestation no longer counts toward the badge" in panel
    assert "status-good" in panel  # the licence, still current
    assert 'status-good">' not in panel.split("Sterilization attestation", 1)[1].split("</li>")[0]


def test_a_pending_credential_shows_as_submitted_without_its_unchecked_details(client):
    practitioner = PractitionerFactory()
    AttestationFactory(
        practitioner=practitioner,
        number="RN-UNCHECKED-77",
        issuing_authority="Board Nobody Checked",
        license_type="Made-up licence type",
    )

    page = text(client.get(practitioner.get_absolute_url()))

    assert "Submitted, not yet checked" in page
    assert "RN-UNCHECKED-77" not in page
    assert "Board Nobody Checked" not in page
    assert "Made-up licence type" not in page


def test_after_a_renewal_the_old_record_is_folded_into_a_dated_history(client):
    practitioner = verified()
    old = practitioner.attestations.get(kind="sterilization")
    old.status = "expired"
    old.save(update_fields=["status"])
    AttestationFactory(practitioner=practitioner, verified=True, sterilization=True)
    refresh_badge(practitioner.pk)

    panel = section(client.get(practitioner.get_absolute_url()), "verification")

    assert panel.count('class="card attestation"') == 2  # one licence, one sterilization
    assert "Earlier sterilization attestation record (1)" in unescape(panel)
    assert "<details" in panel


def test_a_renewal_waiting_behind_a_current_licence_is_mentioned_not_shown_as_a_fact(client):
    practitioner = verified()
    AttestationFactory(practitioner=practitioner, number="RN4242")  # pending renewal

    page = text(client.get(practitioner.get_absolute_url()))

    assert "A renewal was submitted on" in page
    assert "and is not yet checked" in page


# --- The review threshold on every surface ---------------------------------------------------


def test_below_five_reviews_a_search_card_shows_no_rating_and_no_safety_statement(client):
    practitioner = PractitionerFactory(first_name="Few", last_name="Reviews")
    reviewed(practitioner, 4)

    page = text(client.get("/practitioners/?q=Reviews"))

    assert "4 reviews in the last 24 months: too few for a rating or a safety summary" in page
    assert "No severe complications" not in page


def test_from_five_reviews_a_search_card_shows_the_rating_and_the_safety_statement(client):
    practitioner = PractitionerFactory(first_name="Enough", last_name="Reviews")
    reviewed(practitioner, 5)

    page = text(client.get("/practitioners/?q=Reviews"))

    assert "No severe complications in 5 reviews" in page
    assert "too few for a rating" not in page


def test_the_api_list_says_insufficient_below_five_reviews_and_a_number_from_five(
    partner_client,
):
    few, enough = PractitionerFactory(), PractitionerFactory()
    reviewed(few, 4)
    reviewed(enough, 5)

    rows = {
        row["id"]: row
        for row in partner_client.get(reverse("api:practitioner-list")).json()["results"]
    }

    assert rows[few.pk]["rating"] == "insufficient"
    assert isinstance(rows[enough.pk]["rating"], float)


def test_the_api_shows_a_pending_attestation_without_its_unchecked_details(partner_client):
    practitioner = PractitionerFactory()
    AttestationFactory(practitioner=practitioner, issuing_authority="Board Nobody Checked")

    data = partner_client.get(reverse("api:practitioner-detail", args=[practitioner.pk])).json()
    [pending] = data["verification"]["attestations"]

    assert pending["display_status"] == "pending"
    assert pending["counts_toward_badge"] is False
    assert pending["issuing_authority"] is None
    assert pending["expires_on"] is None
    assert "Board Nobody Checked" not in str(data)


def test_the_api_list_and_detail_and_the_search_agree_on_the_badge_the_day_after_expiry(
    partner_client, client
):
    practitioner = verified()
    last_day = timezone.localdate() + 3 * DAY
    practitioner.attestations.filter(kind="license").update(expires_on=last_day)
    refresh_badge(practitioner.pk)
    detail = reverse("api:practitioner-detail", args=[practitioner.pk])

    for day, expected in ((last_day, True), (last_day + DAY, False)):
        with time_machine.travel(datetime.datetime.combine(day, datetime.time(0, 5))):
            listed = partner_client.get(reverse("api:practitioner-list")).json()["results"]
            found = partner_client.get(reverse("api:practitioner-list"), {"verified": "1"})
            assert listed[0]["verified"] is expected, day
            assert partner_client.get(detail).json()["verification"]["verified"] is expected
            assert (len(found.json()["results"]) == 1) is expected
            html = client.get(practitioner.get_absolute_url()).content.decode()
            assert ("badge-verified" in html) is expected


# --- Claims and attestations need a confirmed e-mail ----------------------------------------


def test_an_unconfirmed_account_cannot_claim_a_profile_and_is_told_how_to_confirm(client):
    user = UserFactory(email_verified_at=None)
    practitioner = PractitionerFactory()
    client.force_login(user)

    page = client.get(reverse("dashboard:claim", args=[practitioner.slug]))
    refused = client.post(
        reverse("dashboard:claim", args=[practitioner.slug]), {"message": "It is me."}
    )

    assert "Confirm your e-mail address to claim a profile" in text(page)
    assert refused.status_code == 400
    assert not ProfileClaim.objects.exists()


def test_the_claims_queue_shows_whether_the_claimants_domain_matches_the_clinics(client, verifier):
    clinic = ClinicFactory(email_domain="glowclinic.com")
    ProfileClaimFactory(
        practitioner=PractitionerFactory(clinic=clinic),
        user=UserFactory(email="dana@glowclinic.com"),
    )
    ProfileClaimFactory(
        practitioner=PractitionerFactory(clinic=clinic),
        user=UserFactory(email="someone@gmail.com"),
    )
    client.force_login(verifier)

    page = text(client.get(reverse("verification:claims")))

    assert "Matches the clinic (glowclinic.com)" in page
    assert "Does not match the clinic : gmail.com, the clinic uses glowclinic.com" in page


def test_the_dashboard_offers_no_submit_again_while_a_renewal_is_pending(
    client, practitioner_owner
):
    practitioner = practitioner_owner.practitioner_profile
    AttestationFactory(practitioner=practitioner, sterilization=True, status="expired")
    client.force_login(practitioner_owner)
    assert "Submit again" in text(client.get(reverse("dashboard:home")))

    services.attestation_submit(
        actor=practitioner_owner,
        practitioner=practitioner,
        kind="sterilization",
        uploads=checked(),
        last_spore_test_on=timezone.localdate(),
        answers=dict.fromkeys(SterilizationItem.values, (True, "")),
    )
    page = text(client.get(reverse("dashboard:home")))

    assert "Submit again" not in page
    assert "A newer submission is on file." in page
