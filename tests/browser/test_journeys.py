"""The two journeys a newcomer makes, in Chromium on a 390x844 phone, with nothing typed
that a person would not type: a new patient from sign-up to a submitted review, and a new
practitioner from claiming a profile to the Verified badge (a staff verifier deciding in
between, signed in with a password and their authenticator app's code).

The e-mailed confirmation link is read from the outbox, as the patient reads it in their
mail. Every step leaves a screenshot in test-artifacts/journey-*.png to look at.
"""

import re

import pytest
from django.core import mail
from django.core.cache import cache
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from directory.tests.factories import PASSWORD, UserFactory
from practitioners.models import Procedure
from practitioners.tests.factories import ClinicFactory, PractitionerFactory
from practitioners.tests.uploads import PDF_BYTES, image_bytes
from tests.browser import test_pages
from tests.browser.test_phone_layout import tables_that_clip

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
NEW_PASSWORD = "a long and fresh passphrase 42"
LICENCE = re.compile(r"licen[cs]e", re.I)

world = test_pages.world
no_page_cache = test_pages.no_page_cache


@pytest.fixture(autouse=True)
def _served_here(settings, live_server):
    # As `make run` does for the address it serves: e-mailed links point at this server.
    settings.SITE_URL = live_server.url


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()  # the sign-up and sign-in rate limits count per address


def new_page(browser, viewport: str):
    if viewport == "phone":
        context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    else:
        context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.console_errors = errors
    return context, page


@pytest.fixture
def patient_page(browser, viewport):
    context, page = new_page(browser, viewport)
    yield page
    context.close()


@pytest.fixture
def phone(browser):
    context, page = new_page(browser, "phone")
    yield page
    context.close()


@pytest.fixture
def desk(browser):
    context, page = new_page(browser, "desktop")
    yield page
    context.close()


class Steps:
    """Numbered screenshots of one journey, phone-sized (the first screen) or whole page."""

    def __init__(self, artifacts, name: str):
        self.artifacts, self.name, self.n = artifacts, name, 0

    def __call__(self, page, label: str) -> None:
        self.n += 1
        page.screenshot(path=self.artifacts / f"journey-{self.name}-{self.n:02d}-{label}.png")
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{label}: {overflow}px wider than the screen"
        assert tables_that_clip(page) == [], f"{label}: a table is cut off"


def go(page, target) -> None:
    """Click a link or button and wait for the page it leads to (screenshots come next)."""
    with page.expect_navigation():
        target.click()


def confirmation_link(address: str) -> str:
    """The link in the last e-mail sent to ``address``, as the reader would click it."""
    message = [m for m in mail.outbox if address in m.to][-1]
    return re.search(r"https?://\S+", message.body).group(0)


def sign_up(page, name: str, email: str) -> None:
    page.get_by_label("Public display name").fill(name)
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("Password again").fill(NEW_PASSWORD)
    go(page, page.get_by_role("button", name=re.compile("Create")))


def sign_in(page, email: str, password: str) -> None:
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(password)
    go(page, page.get_by_role("button", name="Sign in"))


@pytest.mark.parametrize("viewport", ["phone", "desktop"])
def test_a_new_patient_signs_up_confirms_searches_and_submits_a_review(
    live_server, patient_page, artifacts, world, viewport
):
    page, step = patient_page, Steps(artifacts, f"patient-{viewport}")
    page.goto(f"{live_server.url}/")
    step(page, "home")
    page.get_by_label("Near").fill("Austin")
    go(page, page.get_by_role("button", name="Search"))
    step(page, "results")
    go(page, page.get_by_role("link", name="Ann Lee"))
    step(page, "profile")
    go(page, page.get_by_role("link", name="Write a review").first)
    step(page, "asked-to-sign-in")
    go(page, page.get_by_role("main").get_by_role("link", name=re.compile("Create an account")))
    step(page, "sign-up")
    sign_up(page, "Robin", "robin@example.com")
    step(page, "check-your-email")

    page.goto(confirmation_link("robin@example.com"))
    step(page, "confirmed")
    if page.get_by_label("Password").count():
        sign_in(page, "robin@example.com", NEW_PASSWORD)
    page.wait_for_url("**/practitioners/ann-lee-austin/review/**")
    step(page, "review-form")

    page.get_by_label("Procedure").select_option(label="Microneedling")
    page.get_by_label("Month of treatment").fill(test_pages.month(2).strftime("%Y-%m"))
    page.get_by_label("Number of sessions").fill("2")
    for group in ("Overall rating", "Results", "Hygiene", "Communication", "Aftercare"):
        page.get_by_role("group", name=re.compile(group)).get_by_label("4 - good").check()
    page.get_by_role("group", name="Was it worth it?").get_by_label("Worth it", exact=True).check()
    page.get_by_label("Title").fill("Careful, and honest about my skin")
    page.get_by_label("Your review").fill(
        "She did a patch test first and explained the aftercare. Some darkening on my "
        "cheeks for two weeks, then it faded. I would go back."
    )
    page.get_by_label(re.compile("Type V \u2014")).check()
    step(page, "review-filled")
    go(page, page.get_by_role("button", name=re.compile("Submit|Send|Publish")))
    step(page, "review-submitted")

    assert "moderat" in page.inner_text("main").lower()
    assert page.console_errors == []


def test_a_new_practitioner_claims_a_profile_and_ends_up_verified(
    live_server, phone, desk, artifacts, tmp_path
):
    procedure, _ = Procedure.objects.get_or_create(
        slug="microneedling", defaults={"name": "Microneedling"}
    )
    PractitionerFactory(
        first_name="Dana",
        last_name="Whitfield",
        slug="dana-whitfield",
        profession="registered_nurse",
        clinic=ClinicFactory(name="Whitfield Skin", city="Austin", region="TX"),
        procedures=[procedure],
    )
    verifier = UserFactory(email="vera@example.org", display_name="Vera", roles=["Verifiers"])
    device = TOTPDevice.objects.get(user=verifier)
    licence_scan = tmp_path / "licence.pdf"
    licence_scan.write_bytes(PDF_BYTES)
    spore_report = tmp_path / "spore-test.png"
    spore_report.write_bytes(image_bytes("PNG"))

    page, step = phone, Steps(artifacts, "practitioner")
    base = live_server.url

    # Dana finds her own profile and claims it, creating an account on the way.
    page.goto(f"{base}/")
    page.get_by_label("Name, clinic or city").fill("Whitfield")
    page.get_by_label("Verified practitioners only").uncheck()
    go(page, page.get_by_role("button", name="Search"))
    step(page, "search")
    go(page, page.get_by_role("link", name="Dana Whitfield"))
    step(page, "profile-unclaimed")
    go(page, page.get_by_role("link", name="Claim this profile"))
    step(page, "asked-to-sign-in")
    go(page, page.get_by_role("main").get_by_role("link", name=re.compile("Create an account")))
    sign_up(page, "Dana Whitfield", "dana@whitfieldskin.com")
    step(page, "check-your-email")
    page.goto(confirmation_link("dana@whitfieldskin.com"))
    if page.get_by_label("Password").count():
        sign_in(page, "dana@whitfieldskin.com", NEW_PASSWORD)
    page.wait_for_url("**/dashboard/claim/dana-whitfield/**")
    step(page, "claim-form")
    page.get_by_label("How can we confirm this profile is yours?").fill(
        "My nursing license is RN 845512 with the Texas Board of Nursing."
    )
    go(page, page.get_by_role("button", name="Send my claim"))
    step(page, "claim-sent")
    assert "claim" in page.inner_text("main").lower()

    # Vera, a verifier, signs in with her password and her app's code, and approves it.
    desk.goto(f"{base}/verification/claims/")
    sign_in(desk, verifier.email, PASSWORD)
    desk.get_by_label("Code").fill(f"{totp(device.bin_key):06d}")
    go(desk, desk.get_by_role("button", name="Continue"))
    desk.wait_for_url(f"{base}/verification/claims/")
    Steps(artifacts, "verifier")(desk, "claims")
    go(desk, desk.get_by_role("button", name=re.compile("Approve")).first)
    Steps(artifacts, "verifier-approved")(desk, "claims")
    assert "now manages Dana Whitfield" in desk.inner_text("main")

    # Dana submits her licence and her sterilization attestation.
    go(
        page,
        page.get_by_role("navigation", name="Main").get_by_role(
            "link", name="Practitioner dashboard"
        ),
    )
    step(page, "dashboard")
    go(page, page.get_by_role("link", name=LICENCE).filter(has_text="Add"))
    page.get_by_label("Number").fill("RN845512")
    page.get_by_label("Issued by").fill("Texas Board of Nursing")
    page.get_by_label(re.compile(r"licen[cs]e type", re.I)).fill("Registered Nurse")
    page.get_by_label("Expires on").fill("2028-06-30")
    page.get_by_label("Evidence files").set_input_files(licence_scan)
    step(page, "licence-form")
    go(page, page.get_by_role("button", name="Submit for verification"))
    step(page, "licence-sent")
    assert "submitted" in page.get_by_role("status").inner_text()
    go(
        page,
        page.get_by_role("navigation", name="Main").get_by_role(
            "link", name="Practitioner dashboard"
        ),
    )
    go(page, page.get_by_role("link", name=re.compile("sterilization attestation", re.I)))
    for radio in page.get_by_role("radio", name="Yes").all():
        radio.check()
    page.get_by_label(re.compile("last passed spore")).fill(
        test_pages.month(1).strftime("%Y-%m-%d")
    )
    page.get_by_label("Evidence files").set_input_files(spore_report)
    step(page, "sterilization-form")
    go(page, page.get_by_role("button", name="Submit for verification"))
    step(page, "sterilization-sent")
    assert "submitted" in page.get_by_role("status").inner_text()

    # Vera verifies both from the queue.
    for n in range(2):
        desk.goto(f"{base}/verification/")
        Steps(artifacts, f"verifier-queue-{n}")(desk, "queue")
        go(desk, desk.locator(".queue a[href*='/verification/attestations/']").first)
        Steps(artifacts, f"verifier-attestation-{n}")(desk, "attestation")
        go(desk, desk.get_by_role("button", name="Verify", exact=True))
        Steps(artifacts, f"verifier-verified-{n}")(desk, "verified")
        assert "Verified: " in desk.get_by_role("status").inner_text()

    # Her public profile, opened from her dashboard, now carries the badge.
    page.reload()
    go(
        page,
        page.get_by_role("navigation", name="Main").get_by_role(
            "link", name="Practitioner dashboard"
        ),
    )
    go(page, page.get_by_role("main").get_by_role("link", name="Dana Whitfield").first)
    step(page, "profile-verified")
    badge = page.locator(".profile-status .badge")
    assert badge.inner_text().strip() == "Verified"
    assert badge.bounding_box()["y"] + badge.bounding_box()["height"] <= PHONE["height"]
    assert page.console_errors == []
