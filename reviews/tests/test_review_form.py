"""The review form at /practitioners/<slug>/review/: what a patient sees and is told."""

import datetime

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from directory.tests.factories import UserFactory
from practitioners.tests.factories import PractitionerFactory, procedure
from reviews.models import Review, ReviewStatus
from reviews.tests.factories import ReviewFactory, last_month

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()


def month(value: datetime.date) -> str:
    return f"{value:%Y-%m}"


def complication(index: int, **values) -> dict:
    return {f"complications-{index}-{name}": value for name, value in values.items()}


def review_data(rows: int = 2, **overrides) -> dict:
    """A complete, valid POST of the form with ``rows`` complication rows sent."""
    data = {
        "procedure": str(procedure().pk),
        "treatment_month": month(last_month()),
        "sessions": "2",
        "rating": "4",
        "rating_results": "4",
        "rating_hygiene": "5",
        "rating_communication": "4",
        "rating_aftercare": "3",
        "worth_it": "yes",
        "title": "Careful and clean",
        "body": "The clinic explained every step, opened a new sealed cartridge in front of me "
        "and called two days later to check on me.",
        "skin_type": "IV",
        "patch_test": "yes",
        "numbing": "yes",
        "needle_depth_mm": "",
        "complications-TOTAL_FORMS": str(rows),
        "complications-INITIAL_FORMS": "0",
        "complications-MIN_NUM_FORMS": "0",
        "complications-MAX_NUM_FORMS": "7",
    }
    for i in range(rows):
        data.update(
            complication(i, type="", severity="", onset_days="", treatment_needed="", outcome="")
        )
    data.update(overrides)
    return data


def infection(index: int = 0, **overrides) -> dict:
    values = {
        "type": "infection",
        "severity": "severe",
        "onset_days": "3",
        "treatment_needed": "prescription",
        "outcome": "resolved",
        **overrides,
    }
    return complication(index, **values)


@pytest.fixture
def practitioner():
    return PractitionerFactory(first_name="Ada", last_name="Lovelace")


@pytest.fixture
def url(practitioner):
    return reverse("reviews:write", kwargs={"slug": practitioner.slug})


@pytest.fixture
def signed_in(client, patient):
    client.force_login(patient)
    return client


def test_the_review_path_is_the_public_one(practitioner):
    assert (
        reverse("reviews:write", kwargs={"slug": practitioner.slug})
        == f"/practitioners/{practitioner.slug}/review/"
    )


def test_a_signed_in_patient_sees_the_form_with_accessible_groups_and_the_policy_link(
    signed_in, url
):
    response = signed_in.get(url)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Review Ada Lovelace" in html
    assert '<input type="month"' in html
    assert "<legend>Overall rating" in html
    assert "<legend>Hygiene" in html
    assert "Type IV — olive or light brown" in html
    assert reverse("moderation_policy") in html
    assert "Complications (patient-reported)" in html
    assert 'name="add_complication"' in html
    assert html.count("data-complication-row>") == 3  # two rows and the template row
    assert "js/review-form.js" in html
    assert "<script>" not in html
    assert 'style="' not in html


def test_an_anonymous_visitor_is_sent_to_sign_in(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_the_form_offers_only_the_practitioners_procedures(signed_in, url, practitioner):
    response = signed_in.get(url)
    options = response.context["form"].fields["procedure"].queryset
    assert list(options) == [procedure("microneedling")]


def test_a_patient_submits_a_review_with_two_complications_and_sees_it_pending(
    signed_in, url, patient
):
    data = review_data(
        **infection(0, severity="moderate"),
        **complication(
            1,
            type="hyperpigmentation",
            severity="mild",
            onset_days="10",
            treatment_needed="self_care",
            outcome="ongoing",
        ),
    )
    response = signed_in.post(url, data, follow=True)
    assert response.status_code == 200
    review = Review.objects.get()
    assert review.author == patient
    assert review.status == ReviewStatus.PENDING
    assert sorted(c.type for c in review.complications.all()) == [
        "hyperpigmentation",
        "infection",
    ]
    assert "Waiting for moderation" in response.content.decode()

    mine = signed_in.get(reverse("reviews:mine")).content.decode()
    assert "Careful and clean" in mine
    assert "Waiting for moderation" in mine
    assert "Infection (moderate)" in mine
    assert "Patient-reported complications" in mine


def test_a_severe_complication_brings_advice_to_see_a_doctor_and_the_reporting_routes(
    signed_in, url
):
    response = signed_in.post(url, review_data(**infection(0)), follow=True)
    html = response.content.decode()
    assert "Please see a doctor" in html
    assert "FDA MedWatch" in html
    assert "MHRA Yellow Card" in html
    assert "yellowcard.mhra.gov.uk" in html


def test_no_advice_is_shown_when_nothing_severe_was_reported(signed_in, url):
    response = signed_in.post(url, review_data(**infection(0, severity="mild")), follow=True)
    assert "MedWatch" not in response.content.decode()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("rating", "", "Choose a rating for “overall rating”."),
        ("rating", "6", "Select a valid choice."),
        ("rating_hygiene", "", "Choose a rating for “hygiene”."),
        ("procedure", "", "Choose which treatment you had."),
        ("treatment_month", "", "Enter the month of your treatment."),
        ("treatment_month", "March", "Enter the month as year and month, for example 2026-03."),
        ("treatment_month", "2026-13", "Enter the month as year and month"),
        ("sessions", "0", "Enter at least 1 session."),
        ("sessions", "51", "Enter at most 50 sessions."),
        ("sessions", "many", "Enter a whole number."),
        ("worth_it", "", "Say whether the treatment was worth it to you."),
        ("worth_it", "maybe", "Select a valid choice."),
        ("title", "", "Give your review a title."),
        ("title", "x" * 121, "Ensure this value has at most 120 characters"),
        ("body", "Too short.", "Write at least 50 characters"),
        ("body", "x" * 5001, "Keep your review under 5000 characters"),
        ("skin_type", "VII", "Select a valid choice."),
        ("patch_test", "perhaps", "Select a valid choice."),
        ("needle_depth_mm", "3.5", "Needle depth is at most 3 mm."),
        ("needle_depth_mm", "0.05", "Needle depth is at least 0.1 mm."),
        ("needle_depth_mm", "deep", "Enter a number."),
    ],
)
def test_each_invalid_field_is_refused_with_a_message_next_to_it(
    signed_in, url, field, value, message
):
    response = signed_in.post(url, review_data(**{field: value}))
    assert response.status_code == 400
    assert message in str(response.context["form"].errors[field])
    html = response.content.decode()
    assert f'id="id_{field}_error"' in html
    assert "Your review is not sent yet" in html
    assert Review.objects.count() == 0


def test_a_procedure_the_practitioner_does_not_offer_is_refused(signed_in, url):
    response = signed_in.post(url, review_data(procedure=str(procedure("dermal_filler").pk)))
    assert response.status_code == 400
    assert "Select a valid choice" in str(response.context["form"].errors["procedure"])


def test_a_treatment_month_in_the_future_is_refused(signed_in, url):
    next_month = (timezone.localdate().replace(day=1) + datetime.timedelta(days=32)).replace(day=1)
    response = signed_in.post(url, review_data(treatment_month=month(next_month)))
    assert response.status_code == 400
    assert "cannot be in the future" in str(response.context["form"].errors["treatment_month"])


def test_a_treatment_more_than_five_years_ago_is_refused(signed_in, url):
    old = timezone.localdate().replace(day=1) - datetime.timedelta(days=5 * 366 + 31)
    response = signed_in.post(url, review_data(treatment_month=month(old)))
    assert response.status_code == 400
    assert "more than 5 years ago" in str(response.context["form"].errors["treatment_month"])


def test_this_month_and_other_month_spellings_are_accepted(signed_in, url):
    today = timezone.localdate()
    response = signed_in.post(url, review_data(treatment_month=f"{today.month}/{today.year}"))
    assert response.status_code == 302
    assert Review.objects.get().treatment_month == today.replace(day=1)


def test_a_complication_without_a_severity_is_refused(signed_in, url):
    response = signed_in.post(url, review_data(**infection(0, severity="")))
    assert response.status_code == 400
    html = response.content.decode()
    assert "a complication without a severity cannot be counted" in html
    assert 'id="id_complications-0-severity_error"' in html
    assert Review.objects.count() == 0


@pytest.mark.parametrize(
    ("field", "message"),
    [
        ("type", "Choose which complication this was."),
        ("onset_days", "Enter how many days after the treatment it started"),
        ("treatment_needed", "Choose what treatment it needed"),
        ("outcome", "Choose whether it has resolved or is ongoing."),
    ],
)
def test_a_partly_filled_complication_says_what_is_missing(signed_in, url, field, message):
    response = signed_in.post(url, review_data(**infection(0, **{field: ""})))
    assert response.status_code == 400
    assert message in str(response.context["formset"].forms[0].errors[field])


def test_the_same_complication_twice_is_refused(signed_in, url):
    response = signed_in.post(url, review_data(**infection(0), **infection(1, severity="mild")))
    assert response.status_code == 400
    errors = str(response.context["formset"].forms[1].errors["type"])
    assert "You already reported infection in complication 1" in errors
    assert Review.objects.count() == 0


def test_an_onset_beyond_a_year_is_refused(signed_in, url):
    response = signed_in.post(url, review_data(**infection(0, onset_days="400")))
    assert response.status_code == 400
    assert "Enter at most 365 days." in response.content.decode()


def test_an_unknown_complication_type_is_refused(signed_in, url):
    response = signed_in.post(url, review_data(**infection(0, type="rash")))
    assert response.status_code == 400
    assert "Select a valid choice" in str(response.context["formset"].forms[0].errors["type"])


def test_a_tampered_complication_count_is_refused_without_an_error_page(signed_in, url):
    data = review_data()
    data["complications-TOTAL_FORMS"] = "100000"
    response = signed_in.post(url, data)
    assert response.status_code == 400
    assert Review.objects.count() == 0


@pytest.mark.parametrize(
    ("total", "initial", "rows_sent"),
    [
        ("-1", "0", 1),  # Django would build no row at all
        ("-7", "0", 2),
        ("0", "0", 1),  # the one row sent lies beyond the count
        ("1", "0", 2),  # the second row is dropped
        ("2", "5", 2),  # more "initial" rows than rows
        ("2", "-1", 2),
    ],
)
def test_a_forged_complication_row_count_is_a_form_error_never_a_dropped_complication(
    signed_in, url, total, initial, rows_sent
):
    data = review_data(rows=0)
    for index in range(rows_sent):
        kind = ("infection", "pain")[index]
        data.update(infection(index, type=kind))
    data["complications-TOTAL_FORMS"] = total
    data["complications-INITIAL_FORMS"] = initial

    response = signed_in.post(url, data)

    assert response.status_code == 400
    assert Review.objects.count() == 0
    html = response.content.decode()
    assert "Your review is not sent yet" in html
    assert "arrived with a wrong row count" in html
    assert "Nothing was saved" in str(response.context["formset"].non_form_errors())


def test_trailing_empty_rows_beyond_the_count_are_not_an_error(signed_in, url):
    data = review_data(rows=1, **infection(0))
    data.update(complication(1, type="", severity="", onset_days=""))

    response = signed_in.post(url, data)

    assert response.status_code == 302
    assert Review.objects.get().complications.count() == 1


def test_a_missing_management_form_is_refused_without_an_error_page(signed_in, url):
    data = {k: v for k, v in review_data().items() if not k.startswith("complications-")}
    response = signed_in.post(url, data)
    assert response.status_code == 400
    assert Review.objects.count() == 0


def test_add_another_complication_without_javascript_keeps_what_was_typed(signed_in, url):
    data = review_data(**infection(0), title="Kept title", add_complication="1")
    response = signed_in.post(url, data)
    html = response.content.decode()
    assert response.status_code == 200
    assert Review.objects.count() == 0
    assert 'value="Kept title"' in html
    assert html.count("data-complication-row>") == 4  # three rows and the template row
    assert 'name="complications-TOTAL_FORMS" value="3"' in html
    assert "Your review is not sent yet" not in html
    assert "A new empty complication row was added" in html


def test_the_add_button_disappears_when_every_complication_type_has_a_row(signed_in, url):
    data = review_data(rows=6, add_complication="1")
    response = signed_in.post(url, data)
    assert 'name="complications-TOTAL_FORMS" value="7"' in response.content.decode()
    assert 'name="add_complication"' not in response.content.decode()


def test_a_second_review_of_the_same_treatment_gets_a_clear_message(
    signed_in, url, patient, practitioner
):
    ReviewFactory(author=patient, practitioner=practitioner, treatment_month=last_month())
    response = signed_in.post(url, review_data())
    assert response.status_code == 400
    assert "You have already reviewed this procedure with this practitioner for that month" in (
        str(response.context["form"].errors["treatment_month"])
    )
    assert Review.objects.count() == 1


def test_the_daily_limit_is_shown_as_a_clear_message(signed_in, url, patient, settings):
    settings.REVIEWS_PER_ACCOUNT_PER_DAY = 1
    ReviewFactory(author=patient)
    response = signed_in.post(url, review_data())
    assert response.status_code == 429
    assert "You can submit at most 1 review a day" in response.content.decode()
    assert Review.objects.count() == 1


def test_an_unverified_account_is_told_to_confirm_and_offered_a_new_link(client, url):
    user = UserFactory(email_verified_at=None)
    client.force_login(user)
    response = client.get(url)
    html = response.content.decode()
    assert response.status_code == 403
    assert "Confirm your e-mail address to submit reviews" in html
    assert reverse("resend_verification") in html


def test_an_unverified_account_cannot_post_a_review_either(client, url):
    client.force_login(UserFactory(email_verified_at=None))
    response = client.post(url, review_data())
    assert response.status_code == 403
    assert Review.objects.count() == 0


def test_a_practitioner_cannot_review_their_own_practice(client, practitioner_owner):
    client.force_login(practitioner_owner)
    url = reverse("reviews:write", kwargs={"slug": practitioner_owner.practitioner_profile.slug})
    response = client.post(url, review_data())
    assert response.status_code == 403
    assert "You cannot review your own practice" in response.content.decode()
    assert Review.objects.count() == 0


def test_an_unknown_practitioner_is_a_404(signed_in):
    response = signed_in.get("/practitioners/nobody-here/review/")
    assert response.status_code == 404


def test_review_text_is_shown_escaped(signed_in, url):
    body = "<script>alert('x')</script> " + "The treatment itself went fine and was clean. " * 2
    signed_in.post(url, review_data(body=body, title="<b>bold</b>"))
    html = signed_in.get(reverse("reviews:mine")).content.decode()
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert" in html
    assert "&lt;b&gt;bold&lt;/b&gt;" in html


def test_mistakes_in_the_form_and_in_a_complication_are_shown_together(signed_in, url):
    response = signed_in.post(url, review_data(rating="", **infection(0, severity="")))
    html = response.content.decode()
    assert response.status_code == 400
    assert "Choose a rating for “overall rating”." in html
    assert "a complication without a severity cannot be counted" in html
    assert 'href="#id_complications-0-severity"' in html
