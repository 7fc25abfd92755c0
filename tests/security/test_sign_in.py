"""Passwords, sign-in throttling, session rotation."""

import pytest
from django.contrib.auth.hashers import identify_hasher
from django.core.cache import cache
from django.test import Client, override_settings

from directory.tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()
    yield
    cache.clear()


def sign_in(client: Client, email: str, password: str, ip: str = "203.0.113.7"):
    return client.post(LOGIN, {"username": email, "password": password}, REMOTE_ADDR=ip)


def test_passwords_are_stored_as_argon2_hashes(patient):
    patient.refresh_from_db()
    assert patient.password.startswith("argon2$argon2id$")
    assert identify_hasher(patient.password).algorithm == "argon2"
    assert PASSWORD not in patient.password


def test_a_correct_password_signs_in_and_goes_home(client, patient):
    response = sign_in(client, patient.email, PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.get("/").context["user"] == patient


def test_a_wrong_password_says_so_without_saying_which_part_was_wrong(client, patient):
    response = sign_in(client, patient.email, "not my password")
    assert response.status_code == 200
    assert "Please enter a correct e-mail address and password" in response.content.decode()


@override_settings(LOGIN_FAILURES_PER_ACCOUNT=3)
def test_sign_in_pauses_for_an_account_after_too_many_wrong_passwords(client, patient):
    for attempt in range(3):
        assert sign_in(client, patient.email, f"wrong {attempt}").status_code == 200
    response = sign_in(client, patient.email, PASSWORD)
    assert response.status_code == 429
    assert response["Retry-After"] == "900"
    body = response.content.decode()
    assert "Too many wrong passwords for this account" in body
    assert "paused for 15 minutes" in body
    # Even the right password is not checked while paused: nobody is signed in.
    assert "_auth_user_id" not in client.session


@override_settings(LOGIN_FAILURES_PER_ACCOUNT=3)
def test_the_account_pause_holds_from_another_address_and_any_letter_case(client, patient):
    for attempt in range(3):
        sign_in(client, patient.email, f"wrong {attempt}", ip=f"198.51.100.{attempt}")
    response = sign_in(Client(), patient.email.upper(), PASSWORD, ip="192.0.2.200")
    assert response.status_code == 429


@override_settings(LOGIN_FAILURES_PER_ACCOUNT=3)
def test_the_pause_for_one_account_does_not_lock_out_another(client, patient, other_patient):
    for attempt in range(3):
        sign_in(client, patient.email, f"wrong {attempt}")
    assert sign_in(Client(), other_patient.email, PASSWORD, ip="192.0.2.9").status_code == 302


@override_settings(LOGIN_FAILURES_PER_ACCOUNT=3)
def test_a_correct_password_before_the_limit_clears_the_account_count(client, patient):
    sign_in(client, patient.email, "wrong 1")
    sign_in(client, patient.email, "wrong 2")
    assert sign_in(Client(), patient.email, PASSWORD).status_code == 302
    sign_in(client, patient.email, "wrong 3")
    sign_in(client, patient.email, "wrong 4")
    assert sign_in(Client(), patient.email, PASSWORD).status_code == 302


@override_settings(LOGIN_FAILURES_PER_ADDRESS=4, LOGIN_FAILURES_PER_ACCOUNT=100)
def test_sign_in_pauses_for_an_address_guessing_at_many_accounts(client, patient):
    for n in range(4):
        sign_in(client, f"nobody{n}@example.com", "guess", ip="203.0.113.50")
    response = sign_in(client, patient.email, PASSWORD, ip="203.0.113.50")
    assert response.status_code == 429
    assert "Too many failed sign-ins from your network" in response.content.decode()
    # Another address is unaffected.
    assert sign_in(Client(), patient.email, PASSWORD, ip="203.0.113.51").status_code == 302


@override_settings(LOGIN_FAILURES_PER_ACCOUNT=2, LOGIN_THROTTLE_WINDOW=60)
def test_the_pause_message_names_the_configured_window(client, patient):
    sign_in(client, patient.email, "a")
    sign_in(client, patient.email, "b")
    response = sign_in(client, patient.email, "c")
    assert response.status_code == 429
    assert "paused for 1 minutes" in response.content.decode()
    assert response["Retry-After"] == "60"


def test_the_throttle_counters_hold_no_e_mail_address(client, patient):
    from accounts.security import account_key

    key = account_key(patient.email)
    assert patient.email not in key
    sign_in(client, patient.email, "wrong")
    assert cache.get(key) == 1


def test_signing_in_rotates_the_session_key(client, patient):
    client.get(LOGIN)
    session = client.session
    session["before"] = "kept"
    session.save()
    before = session.session_key
    assert sign_in(client, patient.email, PASSWORD).status_code == 302
    after = client.session.session_key
    assert after != before
    assert client.session["before"] == "kept"
    assert client.session["_auth_user_id"] == str(patient.pk)


def test_signing_out_ends_the_session(client, patient):
    sign_in(client, patient.email, PASSWORD)
    key = client.session.session_key
    assert client.post("/accounts/logout/").status_code == 302
    assert client.session.session_key != key
    assert "_auth_user_id" not in client.session


def test_an_inactive_account_cannot_sign_in(client):
    user = UserFactory(is_active=False)
    response = sign_in(client, user.email, PASSWORD)
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


@override_settings(LOGIN_FAILURES_PER_ACCOUNT=3)
def test_the_admin_sign_in_is_throttled_with_the_same_counters(client, moderator):
    for attempt in range(2):
        sign_in(client, moderator.email, f"wrong {attempt}")
    response = client.post(
        "/admin/login/?next=/admin/",
        {"username": moderator.email, "password": "wrong again"},
        REMOTE_ADDR="203.0.113.7",
    )
    assert response.status_code == 200
    response = client.post(
        "/admin/login/?next=/admin/",
        {"username": moderator.email, "password": PASSWORD},
        REMOTE_ADDR="203.0.113.7",
    )
    assert "Too many wrong passwords for this account" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_password_reset_sends_at_most_three_e_mails_an_hour_to_one_address(
    client, patient, django_capture_on_commit_callbacks
):
    from django.core import mail

    mail.outbox.clear()
    pages = []
    for _ in range(5):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                "/accounts/password_reset/", {"email": patient.email}, REMOTE_ADDR="192.0.2.1"
            )
        pages.append((response.status_code, response["Location"]))
    # Every answer is the same, so the page reveals nothing about the limit or the account.
    assert set(pages) == {(302, "/accounts/password_reset/done/")}
    assert len(mail.outbox) == 3
    assert all(message.to == [patient.email] for message in mail.outbox)


@override_settings(PASSWORD_RESETS_PER_ADDRESS=2)
def test_password_reset_requests_from_one_network_address_are_limited(
    client, patient, other_patient, django_capture_on_commit_callbacks
):
    from django.core import mail

    mail.outbox.clear()
    for user in (patient, other_patient, patient):
        with django_capture_on_commit_callbacks(execute=True):
            client.post("/accounts/password_reset/", {"email": user.email}, REMOTE_ADDR="192.0.2.2")
    assert len(mail.outbox) == 2
