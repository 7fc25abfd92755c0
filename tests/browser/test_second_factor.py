"""Staff two-step sign-in in real Chromium, at desktop width and on a 390x844 phone: set up
an authenticator app from the page, keep the recovery codes, sign in with a code and with a
recovery code. axe-core checks every page; screenshots land in test-artifacts/."""

import json
import re
from base64 import b32decode
from pathlib import Path

import pytest
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from directory.tests.factories import PASSWORD, UserFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]

AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
VIEWPORTS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}


def axe_script() -> Path:
    axe_package = pytest.importorskip(
        "axe_playwright_python", reason="axe-playwright-python (which ships axe.min.js) is missing"
    )
    return Path(axe_package.__file__).with_name("axe.min.js")


def axe_violations(page) -> list[dict]:
    page.add_script_tag(path=str(axe_script()))
    results = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS
    )
    return [
        {"rule": v["id"], "help": v["help"], "where": [n["target"] for n in v["nodes"]][:5]}
        for v in results["violations"]
    ]


def check(page, artifacts: Path, name: str) -> None:
    """No accessibility violation, nothing wider than the screen; a screenshot to look at."""
    page.screenshot(path=artifacts / f"two-factor-{name}.png", full_page=True)
    violations = axe_violations(page)
    assert violations == [], json.dumps(violations, indent=2)
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{name}: {overflow}px wider than the screen"


def code_for(secret: str, steps_ahead: int = 0) -> str:
    """What an authenticator app shows for a base32 secret typed in by hand."""
    return f"{totp(b32decode(secret.replace(' ', '')), drift=steps_ahead):06d}"


@pytest.fixture
def browser_page(browser, viewport):
    # Our CSP refuses injected scripts, as it should: axe is let in by bypassing it here only.
    context = browser.new_context(viewport=VIEWPORTS[viewport], bypass_csp=True)
    page = context.new_page()
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.console_errors = errors
    yield page
    context.close()


def sign_in_with_password(page, base: str, email: str, next_url: str) -> None:
    page.goto(f"{base}/accounts/login/?next={next_url}")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_a_new_moderator_sets_up_the_app_keeps_the_codes_and_signs_in_with_both(
    live_server, browser_page, artifacts, viewport
):
    page = browser_page
    base = live_server.url
    staff = UserFactory(
        email=f"newt-{viewport}@example.org",
        display_name="Newt",
        roles=["Moderators"],
        second_factor=False,
    )

    # After the password, the set-up page: a QR code and the key to type by hand.
    sign_in_with_password(page, base, staff.email, "/moderation/")
    page.wait_for_url("**/accounts/two-factor/setup/?next=%2Fmoderation%2F")
    assert page.get_by_role("heading", name="Set up two-step sign-in").is_visible()
    qr = page.get_by_role("img", name="QR code to scan with your authenticator app")
    assert qr.is_visible()
    box = qr.bounding_box()
    assert box["width"] >= 150  # big enough to scan from the screen
    assert box["x"] + box["width"] <= VIEWPORTS[viewport]["width"]
    secret = page.inner_text("#secret-key")
    assert re.fullmatch(r"([A-Z2-7]{4} ){7}[A-Z2-7]{4}", secret)
    assert page.get_by_role("link", name="My reviews").count() == 0  # nothing else opens yet
    check(page, artifacts, f"setup-{viewport}")

    # A mistyped code is explained, tied to the field.
    field = page.get_by_label("6-digit code from the app")
    field.fill("12345")
    page.get_by_role("button", name="Turn on two-step sign-in").click()
    assert "Enter the 6-digit code your authenticator app shows" in page.inner_text("main")
    check(page, artifacts, f"setup-error-{viewport}")

    page.get_by_label("6-digit code from the app").fill(code_for(secret))
    page.get_by_role("button", name="Turn on two-step sign-in").click()

    # The recovery codes, once, with a download and (JavaScript on) a Print button.
    page.wait_for_url("**/accounts/two-factor/recovery-codes/?next=%2Fmoderation%2F")
    codes = page.locator(".recovery-codes code").all_inner_texts()
    assert len(codes) == 10
    assert all(re.fullmatch(r"[a-z2-7]{4}-[a-z2-7]{4}", code) for code in codes)
    assert page.get_by_role("button", name="Print").is_visible()
    with page.expect_download() as download:
        page.get_by_role("link", name="Download as a text file").click()
    text = Path(download.value.path()).read_text()
    assert all(code in text for code in codes)
    check(page, artifacts, f"recovery-codes-{viewport}")
    page.get_by_role("button", name="I have saved my recovery codes").click()
    page.wait_for_url(f"{base}/moderation/")
    assert page.get_by_role("heading", name=re.compile("Moderation")).first.is_visible()

    # Signing in again: the code page, a wrong code, then the app's next code.
    page.get_by_role("button", name=re.compile("Sign out")).click()
    sign_in_with_password(page, base, staff.email, "/moderation/")
    page.wait_for_url("**/accounts/two-factor/verify/?next=%2Fmoderation%2F")
    check(page, artifacts, f"verify-{viewport}")
    wrong = f"{(int(code_for(secret, steps_ahead=1)) + 1) % 10**6:06d}"
    page.get_by_label("Code").fill(wrong)
    page.get_by_role("button", name="Continue").click()
    assert "That code is not right" in page.inner_text("main")
    check(page, artifacts, f"verify-error-{viewport}")
    # django-otp makes the next try wait a second after a wrong code; let it pass.
    TOTPDevice.objects.filter(user=staff).update(
        throttling_failure_timestamp=timezone.now() - timezone.timedelta(minutes=1)
    )
    # Read off the app just before typing: on a loaded machine the steps above can take
    # longer than the one step of tolerance.
    page.get_by_label("Code").fill(code_for(secret, steps_ahead=1))
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(f"{base}/moderation/")

    # Without the phone: a recovery code, typed in capitals, works once.
    page.get_by_role("button", name=re.compile("Sign out")).click()
    sign_in_with_password(page, base, staff.email, "/moderation/")
    page.get_by_text("No phone to hand?").click()
    assert page.get_by_text("Enter one of the recovery codes").is_visible()
    page.get_by_label("Code").fill(codes[0].upper())
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url("**/accounts/two-factor/?next=%2Fmoderation%2F")
    assert "9 recovery codes left" in page.inner_text("main")
    check(page, artifacts, f"overview-{viewport}")
    page.get_by_role("link", name="Continue").click()
    page.wait_for_url(f"{base}/moderation/")
    # Nothing refused by the CSP and no script error (a refused code answers 400).
    assert [error for error in page.console_errors if "status of 4" not in error] == []
