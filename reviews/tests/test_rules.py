"""Each automatic moderation rule: what it catches, what it leaves alone, how it explains it."""

import datetime

import pytest
from django.utils import timezone

from directory.tests.factories import UserFactory
from practitioners.tests.factories import ClinicFactory, PractitionerFactory
from reviews.models import RuleHit
from reviews.rules import (
    REVIEW_RULES,
    account_burst,
    discloses_patient_details,
    duplicate_text,
    network_burst,
    new_account,
    response_contact_details,
    response_profanity,
    review_contact_details,
    review_profanity,
    screen_response,
    screen_review,
    severe_complication,
    tied_reviewer,
)
from reviews.tests.factories import (
    ComplicationFactory,
    PractitionerResponseFactory,
    ReviewFactory,
)

pytestmark = pytest.mark.django_db

PLAIN = "The nurse explained each step, used a new cartridge and checked on me the next day."


def old_author():
    return UserFactory(date_joined=timezone.now() - datetime.timedelta(days=400))


def review(**kwargs):
    kwargs.setdefault("author", old_author())
    kwargs.setdefault("body", PLAIN)
    kwargs.setdefault("title", "Careful treatment")
    return ReviewFactory(**kwargs)


# --- contact details ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("Call them on 512-555-0199 to book.", "512-555-0199"),
        ("Or phone +44 7700 900123.", "+44 7700 900123"),
        ("Write to glow@clinic-mail.com for deals", "glow@clinic-mail.com"),
        ("Book at https://glow.example/offer now", "https://glow.example/offer"),
        ("See www.glowskin.net", "www.glowskin.net"),
        ("Prices on glowskin.com/prices", "glowskin.com/prices"),
    ],
)
def test_contact_details_and_links_are_caught(text, found):
    hit = review_contact_details(review(body=text))
    assert hit is not None
    assert found in hit.evidence


def test_numbers_that_are_not_phone_numbers_are_left_alone():
    text = "On 2024-03-12 I paid $350 for 3 sessions at 1.5 mm; healed by 12/04/2024."
    assert review_contact_details(review(body=text)) is None


def test_a_response_with_a_phone_number_is_caught_too():
    response = PractitionerResponseFactory(body="Please call us on (512) 555 0199.")
    assert response_contact_details(response) is not None
    assert response_contact_details(PractitionerResponseFactory(body="Thank you.")) is None


# --- profanity ---------------------------------------------------------------------------


def test_words_from_the_list_are_caught_even_with_letter_swaps():
    hit = review_profanity(review(body="The receptionist was a total b1tch and the room was sh1t."))
    assert hit is not None
    assert "“bitch”" in hit.evidence
    assert "“shit”" in hit.evidence


def test_strong_criticism_without_abuse_is_not_flagged():
    text = "Terrible, painful, dangerous experience. Worst clinic ever; I would never go back."
    assert review_profanity(review(body=text)) is None


def test_words_that_merely_contain_a_listed_word_are_not_flagged():
    assert review_profanity(review(body="We met in Scunthorpe; the cocktail was fine.")) is None


def test_profanity_in_a_response_is_caught():
    assert (
        response_profanity(PractitionerResponseFactory(body="What a load of bullshit.")) is not None
    )


# --- duplicates --------------------------------------------------------------------------


def test_a_nearly_identical_text_for_the_same_practitioner_is_caught():
    practitioner = PractitionerFactory()
    first = review(practitioner=practitioner, body=PLAIN + " Highly recommended to everyone.")
    copy = review(practitioner=practitioner, body=PLAIN + " Highly recommended!")
    hit = duplicate_text(copy)
    assert hit is not None
    assert f"review #{first.pk}" in hit.evidence


def test_the_same_author_copying_a_review_to_another_practitioner_is_caught():
    author = old_author()
    review(author=author, body=PLAIN)
    assert duplicate_text(review(author=author, body=PLAIN)) is not None


def test_different_texts_about_the_same_practitioner_are_not_duplicates():
    practitioner = PractitionerFactory()
    review(practitioner=practitioner, body=PLAIN)
    other = review(
        practitioner=practitioner,
        body="Quick appointment, some redness for two days, results were subtle but real.",
    )
    assert duplicate_text(other) is None


# --- bursts ------------------------------------------------------------------------------


def test_a_third_review_from_one_account_within_24_hours_is_caught():
    author = old_author()
    review(author=author)
    review(author=author)
    hit = account_burst(review(author=author))
    assert hit is not None
    assert "3 reviews within 24 hours" in hit.explanation


def test_two_reviews_in_a_day_or_three_spread_over_days_are_fine():
    author = old_author()
    review(author=author, created_at=timezone.now() - datetime.timedelta(days=3))
    review(author=author)
    assert account_burst(review(author=author)) is None
    spread = old_author()
    review(author=spread, created_at=timezone.now() - datetime.timedelta(days=5))
    review(author=spread, created_at=timezone.now() - datetime.timedelta(days=2))
    assert account_burst(review(author=spread)) is None
    pair = old_author()
    review(author=pair)
    assert account_burst(review(author=pair)) is None


def test_three_reviews_from_one_network_address_are_caught_with_the_account_count():
    review(submitted_ip="203.0.113.7")
    review(submitted_ip="203.0.113.7")
    hit = network_burst(review(submitted_ip="203.0.113.7"))
    assert hit is not None
    assert "3 reviews from 3 accounts" in hit.explanation
    assert hit.evidence == "203.0.113.7"


def test_reviews_from_different_addresses_or_none_are_not_a_burst():
    review(submitted_ip="203.0.113.7")
    review(submitted_ip="198.51.100.2")
    assert network_burst(review(submitted_ip="203.0.113.9")) is None
    assert network_burst(review(submitted_ip=None)) is None


# --- ties to the practitioner ------------------------------------------------------------


def test_the_practitioners_own_account_is_caught():
    owner = old_author()
    practitioner = PractitionerFactory(owner=owner)
    hit = tied_reviewer(review(author=owner, practitioner=practitioner))
    assert hit is not None
    assert "owns this practitioner" in hit.explanation


def test_an_address_at_the_clinics_email_domain_is_caught():
    practitioner = PractitionerFactory(clinic=ClinicFactory(email_domain="glowskin.example"))
    author = UserFactory(email="frontdesk@GlowSkin.example")
    hit = tied_reviewer(review(author=author, practitioner=practitioner))
    assert hit is not None
    assert hit.evidence == "glowskin.example"


def test_a_colleague_at_the_same_clinic_is_caught():
    clinic = ClinicFactory()
    colleague = old_author()
    PractitionerFactory(clinic=clinic, owner=colleague)
    practitioner = PractitionerFactory(clinic=clinic)
    assert tied_reviewer(review(author=colleague, practitioner=practitioner)) is not None


def test_an_unrelated_patient_or_a_webmail_clinic_domain_is_not_a_tie():
    practitioner = PractitionerFactory(clinic=ClinicFactory(email_domain="gmail.com"))
    author = UserFactory(email="someone@gmail.com")
    assert tied_reviewer(review(author=author, practitioner=practitioner)) is None
    assert tied_reviewer(review()) is None


# --- new accounts ------------------------------------------------------------------------


def test_an_account_opened_an_hour_before_the_review_is_flagged():
    author = UserFactory(date_joined=timezone.now() - datetime.timedelta(hours=1))
    hit = new_account(review(author=author))
    assert hit is not None
    assert "1 hour old" in hit.explanation


def test_an_account_older_than_two_days_is_not_flagged():
    author = UserFactory(date_joined=timezone.now() - datetime.timedelta(days=3))
    assert new_account(review(author=author)) is None


# --- severe complications ----------------------------------------------------------------


def test_a_severe_complication_raises_priority_without_adding_suspicion():
    flagged = review()
    ComplicationFactory(review=flagged, type="infection", severity="severe")
    hits = screen_review(flagged)
    assert [(h.code, h.weight) for h in hits] == [("severe_complication", 0)]
    flagged.refresh_from_db()
    assert flagged.risk_score == 0
    assert "severe complication (infection)" in severe_complication(flagged).explanation


def test_a_mild_complication_is_not_a_severe_one():
    mild = review()
    ComplicationFactory(review=mild, severity="mild")
    assert severe_complication(mild) is None


# --- stored hits -------------------------------------------------------------------------


def test_screening_stores_each_hit_with_its_explanation_and_replaces_earlier_ones():
    flagged = review(body="Text me on 512-555-0199, what a shit place")
    screen_review(flagged)
    assert set(RuleHit.objects.filter(review=flagged).values_list("code", flat=True)) == {
        "contact_details",
        "profanity",
    }
    flagged.refresh_from_db()
    assert flagged.risk_score == 8
    flagged.body = PLAIN
    screen_review(flagged)
    assert not RuleHit.objects.filter(review=flagged).exists()


def test_every_rule_has_a_code_a_weight_and_a_plain_description():
    for code, rule in REVIEW_RULES.items():
        assert rule.code == code
        assert rule.description.endswith((".", ")."))


# --- practitioner responses disclosing patient details -----------------------------------


def respond(review_body, response_body, **review_kwargs):
    reviewed = review(body=review_body, published=True, **review_kwargs)
    return PractitionerResponseFactory(review=reviewed, body=response_body)


def test_a_response_naming_visit_dates_the_review_never_mentioned_is_caught():
    response = respond(
        PLAIN, "We saw you on March 3rd and again on 12/04/2024, as our records show."
    )
    hit = discloses_patient_details(response)
    assert hit is not None
    for expected in ("March 3rd", "12/04/2024", "our records"):
        assert expected in hit.evidence


def test_a_response_mentioning_other_treatments_is_caught():
    hit = discloses_patient_details(
        respond(PLAIN, "You also had Botox with us, which may explain it.")
    )
    assert hit is not None
    assert "Botox" in hit.evidence


def test_a_response_naming_the_patient_or_a_relative_is_caught():
    # A fixed display name: a random one could be "John", whose own name is not a disclosure.
    author = UserFactory(
        display_name="Pat", date_joined=timezone.now() - datetime.timedelta(days=400)
    )
    hit = discloses_patient_details(
        respond(PLAIN, "Dear Sarah, your husband, John said you were fine.", author=author)
    )
    assert hit is not None
    assert "Dear Sarah" in hit.evidence
    assert "your husband, John" in hit.evidence


def test_a_response_repeating_only_what_the_review_says_is_fine():
    author = UserFactory(
        display_name="Kim", date_joined=timezone.now() - datetime.timedelta(days=90)
    )
    response = respond(
        "Treated on March 3rd; I also had a chemical peel there and got an infection.",
        "Hi Kim, we are sorry about the infection after your chemical peel on March 3rd. "
        "Please contact the clinic so we can help.",
        author=author,
    )
    assert discloses_patient_details(response) is None


def test_screening_a_response_stores_its_hits():
    response = respond(PLAIN, "Your previous visits show you were prescribed antibiotics.")
    hits = screen_response(response)
    assert [h.code for h in hits] == ["discloses_patient_details"]
    response.refresh_from_db()
    assert response.risk_score == 6
