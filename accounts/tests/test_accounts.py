"""Patient accounts: sign-up, e-mail confirmation, sign-in/out and password reset."""

import re
from datetime import timedelta

import pytest
from django.core import mail, signing
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from accounts.services import VERIFY_SALT, email_verify, verification_token
from directory.tests.factories import PASSWORD, UserFactory
from kernel.errors import DomainError
from kernel.models import User

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a fresh and long passphrase 42"


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()


@pytest.fixture
def emails(django_capture_on_commit_callbacks):
    """Run on-commit callbacks (the e-mail queue) inside the block."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def signup_data(**overrides):
    return {
        "display_name": "Sam from Leeds",
        "email": "Sam@Example.com",
        "password1": NEW_PASSWORD,
        "password2": NEW_PASSWORD,
        **overrides,
    }


def link(message, pattern=r"https?://\S+") -> str:
    return re.search(pattern, message.body).group(0)


def path_of(url: str) -> str:
    return "/" + url.split("://", 1)[1].split("/", 1)[1]


def test_a_visitor_signs_up_confirms_the_address_and_signs_in(client, emails):
    with emails():
        response = client.post(reverse("signup"), signup_data(), follow=True)
    assert "Check your inbox" in response.content.decode()
    user = User.objects.get()
    assert user.email == "sam@example.com"
    assert user.display_name == "Sam from Leeds"
    assert user.email_verified_at is None
    assert user.check_password(NEW_PASSWORD)
    message = mail.outbox[0]
    assert message.to == ["sam@example.com"]
    assert message.subject == "Confirm your e-mail address"

    response = client.get(path_of(link(message)), follow=True)
    assert "your e-mail address is confirmed" in response.content.decode()
    user.refresh_from_db()
    assert user.email_verified_at is not None

    response = client.post(
        reverse("login"), {"username": "sam@example.com", "password": NEW_PASSWORD}
    )
    assert response.status_code == 302
    assert client.get(reverse("reviews:mine")).status_code == 200


def test_the_confirmation_link_leads_back_to_the_page_the_patient_came_from(client, emails):
    with emails():
        client.post(reverse("signup") + "?next=/practitioners/x/review/", signup_data())
    response = client.get(path_of(link(mail.outbox[0])))
    assert response["Location"] == reverse("login") + "?next=%2Fpractitioners%2Fx%2Freview%2F"


def test_signup_never_follows_a_next_address_on_another_site(client, emails):
    with emails():
        client.post(reverse("signup") + "?next=https://evil.example/", signup_data())
    _, next_url = email_verify(path_of(link(mail.outbox[0])).split("/")[-2])
    assert next_url == ""


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"email": "not-an-address"}, "email", "Enter an e-mail address like name@example.com."),
        ({"display_name": ""}, "display_name", "Choose the name shown next to your reviews."),
        ({"display_name": "sam@example.com"}, "display_name", "do not use your e-mail address"),
        ({"display_name": "12345"}, "display_name", "Use at least one letter"),
        ({"password2": "something else entirely"}, "password2", "The two passwords are different."),
        ({"password1": "short", "password2": "short"}, "password1", "too short"),
        ({"password1": "password123", "password2": "password123"}, "password1", "too common"),
    ],
)
def test_signup_mistakes_are_explained_next_to_the_field(client, overrides, field, message):
    response = client.post(reverse("signup"), signup_data(**overrides))
    assert response.status_code == 400
    assert message in str(response.context["form"].errors[field])
    assert f'id="id_{field}_error"' in response.content.decode()
    assert User.objects.count() == 0


def test_signing_up_with_a_registered_address_reveals_nothing_and_emails_the_owner(client, emails):
    UserFactory(email="sam@example.com", display_name="Original")
    with emails():
        response = client.post(reverse("signup"), signup_data(), follow=True)
    assert "Check your inbox" in response.content.decode()
    assert User.objects.count() == 1
    assert mail.outbox[0].subject == "You already have an account"
    assert User.objects.get().display_name == "Original"


def test_an_expired_confirmation_link_gets_a_clear_page(client, monkeypatch):
    user = UserFactory(email_verified_at=None)
    four_days_ago = (timezone.now() - timedelta(days=4)).timestamp()
    with monkeypatch.context() as patch:
        patch.setattr("time.time", lambda: four_days_ago)
        stale = verification_token(user)
    response = client.get(reverse("verify_email", args=[stale]))
    assert response.status_code == 410
    assert "This confirmation link has expired" in response.content.decode()
    user.refresh_from_db()
    assert user.email_verified_at is None


def test_a_tampered_confirmation_link_gets_a_clear_page(client):
    user = UserFactory(email_verified_at=None)
    token = verification_token(user)
    response = client.get(reverse("verify_email", args=[token[:-2] + "xx"]))
    assert response.status_code == 400
    assert "This confirmation link is not valid" in response.content.decode()
    user.refresh_from_db()
    assert user.email_verified_at is None


def test_a_link_for_an_address_no_longer_on_the_account_is_refused(client):
    user = UserFactory(email="old@example.com", email_verified_at=None)
    token = verification_token(user)
    User.objects.filter(pk=user.pk).update(email="new@example.com")
    response = client.get(reverse("verify_email", args=[token]))
    assert response.status_code == 400
    assert "no longer on the account" in response.content.decode()


def test_an_unconfirmed_account_can_ask_for_a_new_link_once_a_minute(client, emails):
    user = UserFactory(email_verified_at=None)
    client.force_login(user)
    with emails():
        response = client.post(reverse("resend_verification"), follow=True)
    assert "We sent a new confirmation link" in response.content.decode()
    assert len(mail.outbox) == 1
    with emails():
        response = client.post(reverse("resend_verification"), follow=True)
    assert "less than a minute ago" in response.content.decode()
    assert len(mail.outbox) == 1


def test_a_confirmed_account_is_told_it_needs_no_new_link(client, patient):
    client.force_login(patient)
    response = client.post(reverse("resend_verification"), follow=True)
    assert "already confirmed" in response.content.decode()


def test_resending_needs_a_sign_in(client):
    response = client.post(reverse("resend_verification"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_my_reviews_offers_an_unconfirmed_account_a_new_link(client):
    client.force_login(UserFactory(email_verified_at=None))
    html = client.get(reverse("reviews:mine")).content.decode()
    assert "Confirm your e-mail address to submit reviews" in html
    assert reverse("resend_verification") in html


def test_a_patient_signs_in_and_out(client, patient):
    response = client.post(reverse("login"), {"username": patient.email, "password": PASSWORD})
    assert response.status_code == 302
    assert "Sign out (Pat)" in client.get(reverse("home")).content.decode()
    client.post(reverse("logout"))
    assert "Sign out" not in client.get(reverse("home")).content.decode()


def test_the_sign_in_page_offers_sign_up_and_password_reset(client):
    html = client.get(reverse("login")).content.decode()
    assert reverse("signup") in html
    assert reverse("password_reset") in html


def test_a_patient_resets_a_forgotten_password_through_the_emailed_link(client, emails):
    user = UserFactory(email="forgetful@example.com", email_verified_at=None)
    with emails():
        response = client.post(
            reverse("password_reset"), {"email": "forgetful@example.com"}, follow=True
        )
    assert "Check your inbox" in response.content.decode()
    message = mail.outbox[0]
    assert message.subject == "Reset your password on the Skin Practitioner Directory"
    reset_path = path_of(link(message))
    response = client.get(reset_path, follow=True)
    assert "Choose a new password" in response.content.decode()
    response = client.post(
        response.redirect_chain[-1][0],
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
        follow=True,
    )
    assert "Your password is changed" in response.content.decode()
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    # The link reached the inbox, so the address is confirmed too.
    assert user.email_verified_at is not None


def test_a_reset_for_an_unknown_address_says_the_same_and_sends_nothing(client, emails):
    with emails():
        response = client.post(
            reverse("password_reset"), {"email": "nobody@example.com"}, follow=True
        )
    assert "Check your inbox" in response.content.decode()
    assert mail.outbox == []


def test_a_used_reset_link_gets_a_clear_page(client, emails):
    UserFactory(email="forgetful@example.com")
    with emails():
        client.post(reverse("password_reset"), {"email": "forgetful@example.com"})
    reset_path = path_of(link(mail.outbox[0]))
    form_url = client.get(reset_path, follow=True).redirect_chain[-1][0]
    client.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    response = client.get(reset_path, follow=True)
    assert "This link did not work" in response.content.decode()


def test_a_signed_in_patient_changes_the_password(client, patient):
    client.force_login(patient)
    response = client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
        follow=True,
    )
    assert "Your password is changed" in response.content.decode()
    patient.refresh_from_db()
    assert patient.check_password(NEW_PASSWORD)


def test_the_email_address_is_never_shown_next_to_a_published_review(client):
    from reviews.tests.factories import ReviewFactory

    review = ReviewFactory(
        published=True, author=UserFactory(email="secret@example.com", display_name="Kim")
    )
    html = client.get(review.practitioner.get_absolute_url()).content.decode()
    assert "Kim" in html
    assert "secret@example.com" not in html


def test_email_verify_rejects_a_payload_that_is_not_ours():
    token = signing.dumps(["not", "a", "dict"], salt=VERIFY_SALT)
    with pytest.raises(DomainError):
        email_verify(token)
