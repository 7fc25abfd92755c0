"""Staff sign in with a second factor: set-up, codes, recovery codes, pauses, resets."""

import re
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.second_factor import authenticator_of
from directory.tests.clients import Client
from directory.tests.factories import PASSWORD, UserFactory
from kernel.models import AuditEntry

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"
VERIFY = "/accounts/two-factor/verify/"
SETUP = "/accounts/two-factor/setup/"
CODES = "/accounts/two-factor/recovery-codes/"
DOWNLOAD = "/accounts/two-factor/recovery-codes/download/"
OVERVIEW = "/accounts/two-factor/"


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()
    yield
    cache.clear()


def app_code(device: TOTPDevice, steps_ahead: int = 0) -> str:
    """What the authenticator app shows (RFC 6238, computed by django-otp's oath module)."""
    device.refresh_from_db()
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, steps_ahead):06d}"


def sign_in(client: Client, user, next_url: str = "", ip: str = "203.0.113.7"):
    data = {"username": user.email, "password": PASSWORD}
    if next_url:
        data["next"] = next_url
    return client.post(LOGIN, data, REMOTE_ADDR=ip)


def enter(client: Client, code: str, next_url: str = "", ip: str = "203.0.113.7"):
    data = {"code": code}
    if next_url:
        data["next"] = next_url
    return client.post(VERIFY, data, REMOTE_ADDR=ip)


def audit_actions(user) -> list[str]:
    return list(
        AuditEntry.objects.filter(object_id=user.pk, action__startswith="account.").values_list(
            "action", flat=True
        )
    )


def recovery_tokens(user) -> set[str]:
    return set(StaticToken.objects.filter(device__user=user).values_list("token", flat=True))


@pytest.fixture
def staff_with_app(moderator, verifier):
    """A moderator and verifier in one, who has set up an authenticator app."""
    from django.contrib.auth.models import Group

    moderator.groups.add(Group.objects.get(name="Verifiers"))
    return moderator


@pytest.fixture
def new_staff():
    """A moderator whose account was just made: no authenticator yet."""
    return UserFactory(display_name="Newt", roles=["Moderators"], second_factor=False)


# --- After the password -----------------------------------------------------------------


def test_after_the_password_staff_with_an_app_are_asked_for_a_code_before_any_page(
    client, staff_with_app
):
    response = sign_in(client, staff_with_app, next_url="/verification/")
    assert response["Location"] == "/verification/"

    response = client.get("/verification/")
    assert response.status_code == 302
    assert response["Location"] == f"{VERIFY}?next=%2Fverification%2F"
    page = client.get(response["Location"])
    assert page.status_code == 200
    body = page.content.decode()
    assert "Enter your code" in body
    assert 'autocomplete="one-time-code"' in body
    # Half signed in: the page offers nothing but the code and signing out.
    assert "My reviews" not in body
    assert "Sign out (Mo)" in body


def test_the_right_code_from_the_app_finishes_signing_in_and_goes_where_the_member_was_going(
    client, staff_with_app
):
    sign_in(client, staff_with_app)
    before = client.session.session_key

    response = enter(client, app_code(staff_with_app.authenticator), next_url="/verification/")

    assert response.status_code == 302
    assert response["Location"] == "/verification/"
    assert client.session.session_key != before  # a new session key for the full sign-in
    assert client.session[DEVICE_ID_SESSION_KEY] == staff_with_app.authenticator.persistent_id
    assert client.get("/verification/").status_code == 200
    assert client.get("/moderation/").status_code == 200


def test_codes_are_accepted_with_spaces_or_a_hyphen_as_apps_show_them(client, moderator):
    sign_in(client, moderator)
    code = app_code(moderator.authenticator)

    response = enter(client, f" {code[:3]} {code[3:]} ")

    assert response.status_code == 302


def test_each_code_from_the_app_works_only_once(client, moderator):
    code = app_code(moderator.authenticator)
    sign_in(client, moderator)
    assert enter(client, code).status_code == 302

    other = Client()
    sign_in(other, moderator)
    response = enter(other, code)

    assert response.status_code == 400
    assert "That code is not right" in response.content.decode()
    # The app's next code is accepted already (one step of clock tolerance).
    TOTPDevice.objects.filter(pk=moderator.authenticator.pk).update(
        throttling_failure_timestamp=timezone.now() - timedelta(minutes=1)
    )
    assert enter(other, app_code(moderator.authenticator, steps_ahead=1)).status_code == 302


def test_a_wrong_code_says_so_and_nothing_opens(client, moderator):
    sign_in(client, moderator)
    right = app_code(moderator.authenticator)
    wrong = f"{(int(right) + 500_000) % 1_000_000:06d}"

    response = enter(client, wrong)

    assert response.status_code == 400
    body = response.content.decode()
    assert "That code is not right" in body
    assert "check that your phone" in body
    assert DEVICE_ID_SESSION_KEY not in client.session
    assert client.get("/moderation/")["Location"].startswith(VERIFY)


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "Enter the 6-digit code from your authenticator app, or a recovery code."),
        ("12345", "That is not a code we recognise."),
        ("hello world", "That is not a code we recognise."),
        ("<script>alert(1)</script>", "That is not a code we recognise."),
        ("9" * 5000, "That is too long for a code."),
    ],
)
def test_input_that_is_not_a_code_is_explained_and_not_counted_as_a_guess(
    client, moderator, typed, message
):
    from accounts.security import code_account_key

    sign_in(client, moderator)

    response = enter(client, typed)

    assert response.status_code == 400
    assert message in response.content.decode()
    assert "<script>alert(1)</script>" not in response.content.decode()
    assert cache.get(code_account_key(moderator.pk)) is None


def test_a_staff_member_can_sign_out_from_the_code_page(client, moderator):
    sign_in(client, moderator)

    response = client.post("/accounts/logout/")

    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_patients_and_practitioners_are_never_asked_for_a_second_factor(
    client, patient, practitioner_owner
):
    for user in (patient, practitioner_owner):
        response = sign_in(client, user, next_url="/account/data/")
        assert response["Location"] == "/account/data/"
        assert client.get("/account/data/").status_code == 200
        assert client.get("/dashboard/").status_code == 200
        # The second-factor pages have nothing for them.
        assert client.get(VERIFY)["Location"] == "/"
        assert client.get(SETUP).status_code == 403
        assert "Two-step sign-in is for staff accounts" in client.get(OVERVIEW).content.decode()
        client.post("/accounts/logout/")


# --- Recovery codes ---------------------------------------------------------------------


@pytest.fixture
def staff_with_codes(client, moderator):
    """A moderator with an app and 10 recovery codes (``.codes``, as shown to them)."""
    client.force_login(moderator)
    client.post(CODES, {"action": "regenerate"})
    moderator.codes = client.session["two_factor_fresh_codes"]
    client.post(CODES, {"action": "saved"})
    client.logout()
    return moderator


def test_a_recovery_code_signs_in_once_and_is_then_used_up(client, staff_with_codes):
    code = staff_with_codes.codes[0]
    sign_in(client, staff_with_codes, next_url="/moderation/")

    response = enter(client, code, next_url="/moderation/")

    assert response.status_code == 302
    assert response["Location"] == f"{OVERVIEW}?next=%2Fmoderation%2F"
    page = client.get(response["Location"]).content.decode()
    assert "You signed in with a recovery code; it will not work again. 9 recovery codes left" in (
        page
    )
    assert client.get("/moderation/").status_code == 200
    assert len(recovery_tokens(staff_with_codes)) == 9
    assert "account.recovery_code_used" in audit_actions(staff_with_codes)

    other = Client()
    sign_in(other, staff_with_codes)
    response = enter(other, code)
    assert response.status_code == 400
    assert "it was already used" in response.content.decode()


def test_recovery_codes_are_accepted_in_capitals_with_spaces_or_without_the_hyphen(
    client, staff_with_codes
):
    for typed in (
        staff_with_codes.codes[1].upper(),
        staff_with_codes.codes[2].replace("-", ""),
        staff_with_codes.codes[3].replace("-", " "),
    ):
        attempt = Client()
        sign_in(attempt, staff_with_codes)
        assert enter(attempt, typed).status_code == 302, typed


def test_a_wrong_code_never_spends_a_recovery_code(client, staff_with_codes):
    sign_in(client, staff_with_codes)
    enter(client, "zzzz-zzzz")
    assert len(recovery_tokens(staff_with_codes)) == 10


def test_making_new_recovery_codes_cancels_the_old_ones(client, staff_with_codes):
    old = staff_with_codes.codes
    client.force_login(staff_with_codes)
    page = client.get(CODES).content.decode()
    assert "You have <strong>10</strong> unused recovery codes" in page
    assert old[0] not in page  # shown once, when made

    response = client.post(CODES, {"action": "regenerate"})

    assert response.status_code == 302
    page = client.get(CODES).content.decode()
    new = re.findall(r"<code>([a-z2-7]{4}-[a-z2-7]{4})</code>", page)
    assert len(new) == 10
    assert not set(new) & set(old)
    assert {code.replace("-", "") for code in new} == recovery_tokens(staff_with_codes)
    assert audit_actions(staff_with_codes).count("account.recovery_codes_issued") == 2


def test_new_recovery_codes_download_as_a_text_file_only_while_they_are_shown(client, moderator):
    client.force_login(moderator)
    client.post(CODES, {"action": "regenerate"})
    codes = client.session["two_factor_fresh_codes"]

    download = client.get(DOWNLOAD)

    assert download.status_code == 200
    assert download["Content-Type"] == "text/plain; charset=utf-8"
    assert download["Content-Disposition"] == 'attachment; filename="recovery-codes.txt"'
    assert "no-store" in download["Cache-Control"]
    text = download.content.decode()
    assert moderator.email in text
    assert all(code in text for code in codes)

    assert client.post(CODES, {"action": "saved"})["Location"] == OVERVIEW
    later = client.get(DOWNLOAD, follow=True)
    assert later.redirect_chain == [(CODES, 302)]
    assert "can be downloaded only while they are shown" in later.content.decode()
    assert not any(code in later.content.decode() for code in codes)


def test_an_unknown_button_on_the_recovery_codes_page_changes_nothing(client, staff_with_codes):
    client.force_login(staff_with_codes)
    response = client.post(CODES, {"action": "delete-everything"}, follow=True)
    assert "Choose one of the buttons on this page." in response.content.decode()
    assert len(recovery_tokens(staff_with_codes)) == 10


# --- Setting up an authenticator -------------------------------------------------------


def test_staff_without_an_app_are_sent_from_sign_in_to_set_one_up(client, new_staff):
    sign_in(client, new_staff, next_url="/moderation/")

    response = client.get("/moderation/", follow=True)

    assert response.redirect_chain == [(f"{SETUP}?next=%2Fmoderation%2F", 302)]
    body = response.content.decode()
    assert "Set up two-step sign-in" in body
    pending = TOTPDevice.objects.get(user=new_staff)
    assert not pending.confirmed
    # The QR code is inline SVG (nothing is fetched), and the secret is there to type in.
    assert '<svg role="img" aria-label="QR code to scan with your authenticator app"' in body
    assert "<img" not in body.split("<main", 1)[1]
    secret = response.context["provisioning"].secret
    assert re.fullmatch(r"[A-Z2-7]{32}", secret)
    assert " ".join(secret[i : i + 4] for i in range(0, 32, 4)) in body
    assert response.context["provisioning"].uri.startswith(
        "otpauth://totp/Skin%20Practitioner%20Directory%3A"
    )
    # Opening the page again shows the same secret (the app may already have it).
    assert client.get(SETUP).context["provisioning"].secret == secret


def test_confirming_the_set_up_with_a_code_turns_it_on_and_shows_recovery_codes_once(
    client, new_staff
):
    sign_in(client, new_staff)
    client.get(f"{SETUP}?next=/moderation/")
    pending = TOTPDevice.objects.get(user=new_staff)

    response = client.post(
        SETUP,
        {"device": pending.pk, "code": app_code(pending), "next": "/moderation/"},
        REMOTE_ADDR="203.0.113.7",
    )

    assert response.status_code == 302
    assert response["Location"] == f"{CODES}?next=%2Fmoderation%2F"
    pending.refresh_from_db()
    assert pending.confirmed
    assert authenticator_of(new_staff) == pending
    assert audit_actions(new_staff) == [
        "account.authenticator_added",
        "account.recovery_codes_issued",
    ]
    page = client.get(response["Location"]).content.decode()
    shown = re.findall(r"<code>([a-z2-7]{4}-[a-z2-7]{4})</code>", page)
    assert len(shown) == 10
    assert {code.replace("-", "") for code in shown} == recovery_tokens(new_staff)
    assert "This is the only time they are shown" in page
    assert "Download as a text file" in page
    # The session passed the second factor with the new app.
    assert client.get("/moderation/").status_code == 200

    done = client.post(CODES, {"action": "saved", "next": "/moderation/"})
    assert done["Location"] == "/moderation/"
    assert not any(code in client.get(CODES).content.decode() for code in shown)


def test_a_wrong_code_at_set_up_is_explained_and_turns_nothing_on(client, new_staff):
    sign_in(client, new_staff)
    client.get(SETUP)
    pending = TOTPDevice.objects.get(user=new_staff)
    right = app_code(pending)

    response = client.post(SETUP, {"device": pending.pk, "code": f"{(int(right) + 1) % 10**6:06d}"})

    assert response.status_code == 400
    assert "That code is not right" in response.content.decode()
    pending.refresh_from_db()
    assert not pending.confirmed
    assert not StaticDevice.objects.filter(user=new_staff).exists()
    assert audit_actions(new_staff) == []
    assert client.get("/moderation/")["Location"].startswith(SETUP)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"code": "123456"}, "This field is required."),
        ({"device": "not-a-number", "code": "123456"}, "Enter a whole number."),
        ({"device": "0", "code": "123456"}, "This set-up was finished or replaced"),
        ({"device": "PENDING", "code": "12"}, "Enter the 6-digit code your authenticator"),
        ({"device": "PENDING", "code": ""}, "Enter the 6-digit code your authenticator app shows"),
        ({"device": "PENDING", "code": "1" * 100}, "Ensure this value has at most 64"),
    ],
)
def test_set_up_answers_bad_input_with_a_message_never_a_500(client, new_staff, data, message):
    sign_in(client, new_staff)
    client.get(SETUP)
    pending = TOTPDevice.objects.get(user=new_staff)
    data = {key: str(pending.pk) if value == "PENDING" else value for key, value in data.items()}

    response = client.post(SETUP, data)

    assert response.status_code == 400
    assert message in response.content.decode()
    assert not TOTPDevice.objects.filter(user=new_staff, confirmed=True).exists()


def test_set_up_cannot_confirm_another_accounts_pending_app(client, new_staff):
    other = UserFactory(roles=["Verifiers"], second_factor=False)
    theirs = TOTPDevice.objects.create(user=other, name="pending", confirmed=False)
    sign_in(client, new_staff)

    response = client.post(SETUP, {"device": theirs.pk, "code": app_code(theirs)})

    assert response.status_code == 400
    theirs.refresh_from_db()
    assert not theirs.confirmed


def test_a_password_alone_cannot_replace_an_existing_app(client, moderator):
    sign_in(client, moderator)

    response = client.get(SETUP)

    assert response.status_code == 302
    assert response["Location"].startswith(VERIFY)
    assert not TOTPDevice.objects.filter(user=moderator, confirmed=False).exists()


def test_moving_to_a_new_phone_replaces_the_app_and_keeps_the_recovery_codes(
    client, staff_with_codes
):
    old = authenticator_of(staff_with_codes)
    client.force_login(staff_with_codes)
    page = client.get(SETUP)
    assert "Set up a new authenticator app" in page.content.decode()
    new = TOTPDevice.objects.get(user=staff_with_codes, confirmed=False)

    response = client.post(SETUP, {"device": new.pk, "code": app_code(new)})

    assert response["Location"] == OVERVIEW
    assert authenticator_of(staff_with_codes) == new
    assert not TOTPDevice.objects.filter(pk=old.pk).exists()
    assert len(recovery_tokens(staff_with_codes)) == 10
    assert "account.authenticator_replaced" in audit_actions(staff_with_codes)
    assert "codes from the old one no longer work" in client.get(OVERVIEW).content.decode()
    # Still signed in the whole way, now with the new app.
    assert client.get("/moderation/").status_code == 200


def test_the_overview_shows_the_app_and_how_many_recovery_codes_are_left(client, staff_with_codes):
    client.force_login(staff_with_codes)
    body = client.get(OVERVIEW).content.decode()
    assert "Set up on" in body
    assert "10 unused recovery codes left." in body
    tokens = StaticToken.objects.filter(device__user=staff_with_codes)
    StaticToken.objects.filter(pk__in=list(tokens.values_list("pk", flat=True)[:8])).delete()
    body = client.get(OVERVIEW).content.decode()
    assert "2 unused recovery codes left. <strong>Make new ones soon</strong>" in body


# --- Pauses -----------------------------------------------------------------------------


def wrong(device: TOTPDevice) -> str:
    return f"{(int(app_code(device)) + 123_457) % 1_000_000:06d}"


def let_the_app_back_off_pass(device: TOTPDevice) -> None:
    """django-otp waits 1, 2, 4… seconds after consecutive wrong codes: let that time pass."""
    TOTPDevice.objects.filter(pk=device.pk).update(
        throttling_failure_timestamp=timezone.now() - timedelta(days=1)
    )


@override_settings(LOGIN_FAILURES_PER_ACCOUNT=3)
def test_code_entry_pauses_for_an_account_after_too_many_wrong_codes(client, moderator):
    sign_in(client, moderator)
    for _ in range(3):
        assert enter(client, wrong(moderator.authenticator)).status_code == 400
        let_the_app_back_off_pass(moderator.authenticator)

    response = enter(client, app_code(moderator.authenticator))

    assert response.status_code == 429
    assert response["Retry-After"] == "900"
    assert "Too many wrong codes for this account" in response.content.decode()
    assert "paused for 15 minutes" in response.content.decode()
    assert DEVICE_ID_SESSION_KEY not in client.session
    # From another address and another session too.
    other = Client()
    sign_in(other, moderator, ip="198.51.100.4")
    assert enter(other, app_code(moderator.authenticator), ip="198.51.100.4").status_code == 429


@override_settings(LOGIN_FAILURES_PER_ACCOUNT=3)
def test_the_right_code_before_the_limit_clears_the_accounts_count(client, moderator):
    sign_in(client, moderator)
    for _ in range(2):
        enter(client, wrong(moderator.authenticator))
        let_the_app_back_off_pass(moderator.authenticator)
    assert enter(client, app_code(moderator.authenticator)).status_code == 302

    again = Client()
    sign_in(again, moderator)
    for _ in range(2):
        enter(again, wrong(moderator.authenticator))
        let_the_app_back_off_pass(moderator.authenticator)
    assert enter(again, app_code(moderator.authenticator, steps_ahead=1)).status_code == 302


@override_settings(LOGIN_FAILURES_PER_ADDRESS=3, LOGIN_FAILURES_PER_ACCOUNT=100)
def test_wrong_passwords_and_wrong_codes_from_one_network_share_one_limit(
    client, moderator, patient
):
    client.post(LOGIN, {"username": patient.email, "password": "guess"}, REMOTE_ADDR="192.0.2.8")
    client.post(LOGIN, {"username": patient.email, "password": "again"}, REMOTE_ADDR="192.0.2.8")
    sign_in(client, moderator, ip="192.0.2.8")
    enter(client, wrong(moderator.authenticator), ip="192.0.2.8")
    let_the_app_back_off_pass(moderator.authenticator)

    response = enter(client, app_code(moderator.authenticator), ip="192.0.2.8")

    assert response.status_code == 429
    assert "Too many failed sign-ins from your network" in response.content.decode()
    assert enter(client, app_code(moderator.authenticator), ip="192.0.2.9").status_code == 302


def test_after_a_wrong_code_the_next_try_waits_a_moment(client, moderator):
    sign_in(client, moderator)
    enter(client, wrong(moderator.authenticator))

    response = enter(client, app_code(moderator.authenticator))

    assert response.status_code == 429
    assert "Too many wrong codes in a row. Wait 1 second and try again." in (
        response.content.decode()
    )
    assert response["Retry-After"] == "1"
    let_the_app_back_off_pass(moderator.authenticator)
    assert enter(client, app_code(moderator.authenticator)).status_code == 302


# --- Resets and deletion ----------------------------------------------------------------


def test_an_administrator_resets_a_lost_phone_and_the_member_sets_up_a_new_app(
    admin_client, admin_user, staff_with_codes
):
    member = Client()
    member.force_login(staff_with_codes)
    assert member.get("/moderation/").status_code == 200

    response = admin_client.post(
        "/admin/directory/user/",
        {"action": "reset_second_factor", "_selected_action": [staff_with_codes.pk]},
        follow=True,
    )

    assert "Two-step sign-in reset for 1 account" in response.content.decode()
    assert not TOTPDevice.objects.filter(user=staff_with_codes).exists()
    assert not StaticDevice.objects.filter(user=staff_with_codes).exists()
    entry = AuditEntry.objects.get(action="account.second_factor_reset")
    assert entry.actor == admin_user
    assert entry.object_id == staff_with_codes.pk
    assert entry.data == {"devices_removed": 2}
    # The member's session lost its second factor with the device: set up a new app.
    assert member.get("/moderation/")["Location"] == f"{SETUP}?next=%2Fmoderation%2F"


def test_the_reset_command_is_the_lost_phone_procedure_without_the_admin(staff_with_codes):
    from io import StringIO

    out = StringIO()
    call_command(
        "reset_second_factor", staff_with_codes.email.upper(), "--by", "ticket 12", stdout=out
    )

    assert "Removed 2 devices" in out.getvalue()
    assert not TOTPDevice.objects.filter(user=staff_with_codes).exists()
    entry = AuditEntry.objects.get(action="account.second_factor_reset")
    assert entry.actor is None
    assert entry.actor_label == "manage.py reset_second_factor ticket 12"


def test_the_reset_command_names_an_unknown_address():
    from django.core.management import CommandError

    with pytest.raises(CommandError, match=r"No account has the address 'nobody@example\.com'"):
        call_command("reset_second_factor", "nobody@example.com")


def test_a_deleted_staff_account_keeps_no_second_factor_secrets(client, staff_with_codes):
    client.force_login(staff_with_codes)
    client.post("/account/delete/", {"password": PASSWORD, "confirm": "on"})

    assert not TOTPDevice.objects.filter(user=staff_with_codes).exists()
    assert not StaticDevice.objects.filter(user=staff_with_codes).exists()


# --- The checks behind the sign-in page -------------------------------------------------


def test_the_staff_pages_and_the_admin_check_the_second_factor_themselves(
    settings, moderator, verifier
):
    """Without the middleware that sends half-signed-in staff on, each staff entry point
    still refuses a session that has not passed the second factor."""
    from practitioners.tests.factories import AttestationFactory, EvidenceFactory

    settings.MIDDLEWARE = [
        name for name in settings.MIDDLEWARE if not name.endswith("SecondFactorMiddleware")
    ]
    evidence = EvidenceFactory(attestation=AttestationFactory())
    mod, ver = Client(), Client()
    mod.force_login(moderator, second_factor=False)
    ver.force_login(verifier, second_factor=False)

    for client, path in (
        (mod, "/moderation/"),
        (ver, "/verification/"),
        (ver, f"/dashboard/evidence/{evidence.pk}/"),
    ):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"].startswith(VERIFY), path
    admin = mod.get("/admin/", follow=True)
    assert admin.redirect_chain[-1][0] == f"{VERIFY}?next=%2Fadmin%2F"


def test_a_role_holder_without_the_staff_flag_is_still_asked_for_the_second_factor(client):
    holder = UserFactory(roles=["Moderators"], second_factor=False)
    holder.is_staff = False
    holder.save()
    client.force_login(holder)

    response = client.get("/moderation/")

    assert response["Location"] == f"{SETUP}?next=%2Fmoderation%2F"
    assert client.get(SETUP).status_code == 200
