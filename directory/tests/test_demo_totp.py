"""The demo staff account's second step: a published secret, and `manage.py demo_totp`."""

from base64 import b32decode
from io import StringIO

import pytest
from django.core.cache import cache
from django.core.management import CommandError, call_command
from django_otp.oath import TOTP, totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.second_factor import current_code
from demo import accounts
from directory.tests.clients import Client
from directory.tests.factories import UserFactory
from kernel.models import User

pytestmark = pytest.mark.django_db

# The secret as the README prints it: what a newcomer types into an authenticator app.
README_SECRET = "ONVWS3RNMRUXEZLDORXXE6JNMRSW23ZB"


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def demo_staff():
    call_command("seed_demo", practitioners=2, reviews=0, verbosity=0, stdout=StringIO())
    return User.objects.get(email=accounts.STAFF_EMAIL)


def demo_totp(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("demo_totp", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def app_shows(steps_ahead: int = 0) -> str:
    """What an authenticator app with the README's secret shows now."""
    return f"{totp(b32decode(README_SECRET), drift=steps_ahead):06d}"


def test_the_seed_gives_the_demo_staff_member_the_published_authenticator(demo_staff):
    device = TOTPDevice.objects.get(user=demo_staff)

    assert device.confirmed
    assert device.bin_key == b"skin-directory-demo!"
    assert device.name == "Demo authenticator (published secret)"


def test_demo_totp_prints_the_code_an_app_with_the_readme_secret_shows(demo_staff):
    before = app_shows()
    out, err = demo_totp()
    after = app_shows()

    assert out.strip() in {before, after}  # the 30-second step may turn meanwhile
    assert out == f"{out.strip()}\n"  # the code alone on stdout, for scripts
    assert accounts.STAFF_EMAIL in err
    assert README_SECRET in err


def test_the_printed_code_finishes_the_demo_staff_sign_in(client, demo_staff):
    client.post(
        "/accounts/login/",
        {"username": accounts.STAFF_EMAIL, "password": accounts.STAFF_PASSWORD},
    )
    assert client.get("/moderation/")["Location"].startswith("/accounts/two-factor/verify/")

    code, _ = demo_totp()
    response = client.post("/accounts/two-factor/verify/", {"code": code.strip()})

    assert response.status_code == 302
    assert client.get("/moderation/").status_code == 200
    assert client.get("/verification/").status_code == 200
    assert client.get("/admin/").status_code == 200


def sign_in_with(code: str) -> int:
    client = Client()
    client.post(
        "/accounts/login/",
        {"username": accounts.STAFF_EMAIL, "password": accounts.STAFF_PASSWORD},
    )
    return client.post("/accounts/two-factor/verify/", {"code": code}).status_code


def test_a_second_sign_in_within_the_same_30_seconds_gets_a_fresh_code_that_works(demo_staff):
    first, _ = demo_totp()
    assert sign_in_with(first.strip()) == 302
    assert sign_in_with(first.strip()) == 400  # each code works once

    TOTPDevice.objects.filter(user=demo_staff).update(throttling_failure_timestamp=None)
    second, _ = demo_totp()

    assert second.strip() != first.strip()
    assert sign_in_with(second.strip()) == 302


def app_code_at(moment: float) -> str:
    """What an app with the README's secret shows at ``moment`` (Unix time)."""
    clock = TOTP(b32decode(README_SECRET))
    clock.time = moment
    return f"{clock.token():06d}"


def test_once_a_steps_code_is_used_the_code_to_type_is_the_next_steps():
    device = TOTPDevice(key=b"skin-directory-demo!".hex(), last_t=-1)
    at = 1_800_000_010.0  # 10 s into the 30-second step number 60,000,000

    fresh = current_code(device, at=at)
    assert (fresh.code, fresh.seconds_left, fresh.is_next) == (app_code_at(at), 20, False)

    device.last_t = 60_000_000
    used = current_code(device, at=at)
    assert (used.code, used.seconds_left, used.is_next) == (app_code_at(at + 30), 50, True)


@pytest.mark.parametrize(
    ("email", "message"),
    [
        ("patient@demo.example", "needs no code: patients and practitioners sign in"),
        ("practitioner@demo.example", "needs no code"),
        ("someone@example.org", "gives codes only for the demo staff account"),
    ],
)
def test_demo_totp_refuses_every_other_account(demo_staff, email, message):
    UserFactory(email="someone@example.org", is_staff=True)

    with pytest.raises(CommandError, match=message):
        demo_totp(email)


def test_demo_totp_refuses_once_the_demo_account_moved_to_its_own_secret(demo_staff):
    TOTPDevice.objects.filter(user=demo_staff).delete()
    TOTPDevice.objects.create(user=demo_staff, name="Own phone", confirmed=True)

    with pytest.raises(CommandError, match="no longer uses the published demo secret"):
        demo_totp()


def test_demo_totp_says_to_seed_when_there_is_no_demo_account():
    with pytest.raises(CommandError, match="There is no demo staff account in this database"):
        demo_totp()


def test_seeding_again_restores_the_published_secret_and_drops_other_devices(demo_staff):
    TOTPDevice.objects.filter(user=demo_staff).update(key="00" * 20)
    TOTPDevice.objects.create(user=demo_staff, name="pending", confirmed=False)

    call_command("seed_demo", practitioners=1, reviews=0, verbosity=0, stdout=StringIO())

    device = TOTPDevice.objects.get(user=demo_staff)
    assert device.bin_key == b"skin-directory-demo!"


def test_the_seed_tells_how_to_pass_the_second_step():
    out = StringIO()
    call_command("seed_demo", practitioners=1, reviews=0, stdout=out, stderr=StringIO())

    assert "`manage.py demo_totp` prints its code" in out.getvalue()
    assert README_SECRET in out.getvalue()
