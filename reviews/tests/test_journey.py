"""The whole patient journey, as the issue's definition of done states it."""

import re

import pytest
from django.core import mail
from django.core.cache import cache
from django.urls import reverse

from practitioners.tests.factories import PractitionerFactory
from reviews.tests.test_review_form import complication, infection, review_data

pytestmark = pytest.mark.django_db

PASSWORD = "a fresh and long passphrase 42"


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()


def test_a_patient_signs_up_writes_a_review_with_two_complications_and_sees_it_pending(
    client, django_capture_on_commit_callbacks
):
    practitioner = PractitionerFactory(first_name="Ada", last_name="Lovelace")
    review_url = reverse("reviews:write", kwargs={"slug": practitioner.slug})

    # Signing up from the review form brings the patient back to it.
    response = client.get(review_url, follow=True)
    assert "Sign in" in response.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("signup") + f"?next={review_url}",
            {
                "display_name": "Robin",
                "email": "robin@example.com",
                "password1": PASSWORD,
                "password2": PASSWORD,
            },
        )
    confirm_url = re.search(r"https?://[^/\s]+(/\S+)", mail.outbox[0].body).group(1)
    response = client.get(confirm_url)
    assert response["Location"] == f"{reverse('login')}?next={review_url.replace('/', '%2F')}"
    response = client.post(
        response["Location"],
        {"username": "robin@example.com", "password": PASSWORD, "next": review_url},
    )
    assert response["Location"] == review_url

    response = client.post(
        review_url,
        review_data(
            **infection(0, severity="moderate"),
            **complication(
                1,
                type="hyperpigmentation",
                severity="mild",
                onset_days="12",
                treatment_needed="self_care",
                outcome="ongoing",
            ),
        ),
        follow=True,
    )
    assert "Thank you — your review is received" in response.content.decode()

    html = client.get(reverse("reviews:mine")).content.decode()
    assert "Careful and clean" in html
    assert "Waiting for moderation" in html
    assert "Infection (moderate), Hyperpigmentation (mild)" in html
    # Not public yet.
    assert "Careful and clean" not in client.get(practitioner.get_absolute_url()).content.decode()
