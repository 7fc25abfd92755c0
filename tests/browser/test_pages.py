"""What a patient does in a real browser: search, filter, open a profile — and axe-core's verdict.

Screenshots of each key page land in test-artifacts/ (git-ignored) for a human to look at.
"""

import datetime
import json
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from directory.tests.factories import UserFactory
from practitioners.badges import refresh_badge
from practitioners.models import Procedure
from practitioners.tests.factories import (
    AttestationFactory,
    ClinicFactory,
    PractitionerFactory,
)
from reviews.invitations import hash_token
from reviews.models import ResponseStatus
from reviews.summaries import refresh_summary
from reviews.tests.factories import (
    ComplicationFactory,
    PractitionerResponseFactory,
    ReviewFactory,
    ReviewInvitationFactory,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]

AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]


def axe_script() -> Path:
    axe_package = pytest.importorskip(
        "axe_playwright_python", reason="axe-playwright-python (which ships axe.min.js) is missing"
    )
    return Path(axe_package.__file__).with_name("axe.min.js")


@pytest.fixture(autouse=True)
def no_page_cache(settings):
    settings.PAGE_CACHE_SECONDS = 0


def month(n_ago: int) -> datetime.date:
    day = timezone.localdate().replace(day=1)
    for _ in range(n_ago):
        day = (day - datetime.timedelta(days=1)).replace(day=1)
    return day


def microneedling() -> Procedure:
    procedure, _ = Procedure.objects.get_or_create(
        slug="microneedling", defaults={"name": "Microneedling"}
    )
    return procedure


def verified(practitioner):
    AttestationFactory(
        practitioner=practitioner,
        verified=True,
        verification_method="registry",
        verification_source="Texas Board of Nursing licence roster",
        next_check_due=timezone.localdate() + datetime.timedelta(days=300),
    )
    AttestationFactory(
        practitioner=practitioner,
        verified=True,
        sterilization=True,
        verification_source="Staff review of autoclave logs and spore-test reports",
        next_check_due=timezone.localdate() + datetime.timedelta(days=200),
    )
    refresh_badge(practitioner.pk)


REVIEWS = [
    ("Careful and thorough", 5, "IV", [("inflammation", "mild")]),
    ("Clear explanations", 5, "II", []),
    ("Some darkening afterwards", 4, "V", [("hyperpigmentation", "moderate")]),
    ("Clean clinic, good results", 5, "III", []),
    ("Took time with my skin type", 4, "VI", [("pain", "mild"), ("inflammation", "moderate")]),
    ("Would go back", 5, "I", []),
]


@pytest.fixture
def world():
    """Ann (Austin, verified, reviewed), Bob (Austin, a severe infection), Cy (Dallas)."""
    procedure = microneedling()
    austin = {"city": "Austin", "region": "TX", "latitude": 30.2672, "longitude": -97.7431}
    ann = PractitionerFactory(
        first_name="Ann",
        last_name="Lee",
        slug="ann-lee-austin",
        profession="registered_nurse",
        clinic=ClinicFactory(name="Glow Skin Studio", address_line="500 Congress Ave", **austin),
        bio="Registered nurse focusing on microneedling for acne scarring.",
        procedures=[procedure],
    )
    verified(ann)
    author = UserFactory(display_name="Yuki P.")
    for n, (title, rating, skin_type, complications) in enumerate(REVIEWS):
        review = ReviewFactory(
            practitioner=ann,
            author=author,
            procedure=procedure,
            published=True,
            title=title,
            rating=rating,
            skin_type=skin_type,
            treatment_month=month(n + 1),
            published_at=timezone.now() - datetime.timedelta(days=n),
            is_verified_patient=n % 2 == 0,
            body="I had three sessions. The practitioner did a patch test first and "
            "explained the aftercare. My skin healed well.",
        )
        for kind, severity in complications:
            ComplicationFactory(review=review, type=kind, severity=severity, onset_days=2)
        if n == 2:
            PractitionerResponseFactory(
                review=review,
                status=ResponseStatus.PUBLISHED,
                published_at=timezone.now(),
                body="Thank you for telling us. We adjusted depth for darker skin since.",
            )
    refresh_summary(ann.pk)

    bob = PractitionerFactory(
        first_name="Bob",
        last_name="Ray",
        slug="bob-ray-austin",
        clinic=ClinicFactory(name="Quick Derm", **austin),
        procedures=[procedure],
    )
    bad = ReviewFactory(practitioner=bob, procedure=procedure, published=True, rating=2)
    ComplicationFactory(review=bad, type="infection", severity="severe")
    refresh_summary(bob.pk)

    dallas = {"city": "Dallas", "region": "TX", "latitude": 32.7767, "longitude": -96.7970}
    cy = PractitionerFactory(
        first_name="Cy",
        last_name="New",
        slug="cy-new-dallas",
        clinic=ClinicFactory(**dallas),
        procedures=[procedure],
    )
    verified(cy)
    return {"ann": ann, "bob": bob, "cy": cy}


def result_names(page) -> list[str]:
    return page.locator(".result-name a").all_inner_texts()


def test_a_patient_searches_filters_and_opens_a_profile(live_server, page, artifacts, world):
    page.goto(f"{live_server.url}/")
    page.screenshot(path=artifacts / "home.png", full_page=True)

    page.get_by_label("Near").fill("Austin")
    page.get_by_role("button", name="Search").click()

    assert result_names(page) == ["Ann Lee"]  # "Verified only" is ticked on the home page
    page.get_by_label("Verified license and sterilization").uncheck()
    page.get_by_role("button", name="Show practitioners").click()
    assert sorted(result_names(page)) == ["Ann Lee", "Bob Ray"]

    page.get_by_label("No severe complication in 5+ reviews").check()
    page.get_by_label("Sort by").select_option("rating")
    page.get_by_role("button", name="Show practitioners").click()
    assert result_names(page) == ["Ann Lee"]
    chip = page.get_by_role(
        "link", name=re.compile(r"No severe complications\W+remove this filter")
    )
    assert chip.is_visible()
    assert "mi away" in page.locator(".result").first.inner_text()
    page.screenshot(path=artifacts / "search.png", full_page=True)

    page.get_by_role("link", name="Ann Lee").click()
    assert page.get_by_role("heading", name="Ann Lee", level=1).is_visible()
    verification = page.locator("#verification")
    assert "License registry" in verification.inner_text()
    assert "Next check due" in verification.inner_text()
    chart = page.get_by_role("img", name="Complications reported, by type and severity")
    assert chart.is_visible()
    complications = page.get_by_role("table", name=re.compile("^Complications reported"))
    assert complications.filter(has_text="Prolonged inflammation").is_visible()
    assert "Response from Ann Lee" in page.locator("#reviews").inner_text()
    page.screenshot(path=artifacts / "profile.png", full_page=True)

    page.get_by_label("Complication", exact=True).select_option("hyperpigmentation")
    page.get_by_role("button", name="Filter reviews").click()
    # all_inner_texts() does not wait: read the filtered page, not the one being replaced.
    page.wait_for_url("**complication=hyperpigmentation**")
    page.wait_for_load_state()
    assert page.locator(".review-title").all_inner_texts() == ["Some darkening afterwards"]

    assert page.console_errors == []  # no script or style refused by the CSP


def test_the_pages_read_well_on_a_phone(live_server, browser, artifacts, world):
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/practitioners/?near=Austin")
        width = page.evaluate("document.documentElement.scrollWidth")
        page.screenshot(path=artifacts / "search-phone.png", full_page=True)
        page.goto(f"{live_server.url}/practitioners/ann-lee-austin/")
        profile_width = page.evaluate("document.documentElement.scrollWidth")
        page.screenshot(path=artifacts / "profile-phone.png", full_page=True)
    finally:
        context.close()

    assert width <= 390  # nothing forces sideways scrolling
    assert profile_width <= 390


def test_the_search_works_without_javascript(live_server, browser, world):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/practitioners/")
        page.get_by_label("Name, clinic or city").fill("glow")
        page.get_by_role("button", name="Show practitioners").click()
        names = result_names(page)
        page.get_by_label("Near").fill("Nowhereville Qwerty")
        page.get_by_role("button", name="Show practitioners").click()
        problem = page.get_by_role("alert").inner_text()
    finally:
        context.close()

    assert names == ["Ann Lee"]
    assert "We couldn't find a place called “Nowhereville Qwerty”" in problem


PAGES = {
    "home": "/",
    "search": "/practitioners/?near=Austin&radius_km=50",
    "search-everything": "/practitioners/?q=ann&near=Austin&verified=1&no_severe=1"
    "&exclude_complication=infection&skin_type=IV&min_rating=4&profession=registered_nurse"
    "&procedure=microneedling&sort=distance",
    "search-empty": "/practitioners/?near=Austin&exclude_complication=pain&verified=1",
    "search-errors": "/practitioners/?near=Qwertyville&sort=cheapest&min_rating=9",
    "profile": "/practitioners/ann-lee-austin/",
    "profile-filtered": "/practitioners/ann-lee-austin/?skin_type=VI",
    "profile-unverified": "/practitioners/bob-ray-austin/",
    "review-form": "review-form",
    "invitation-welcome": "invitation-welcome",
    "invitation-other-address": "invitation-other-address",
}
SIGNED_IN_PAGES = {"review-form", "invitation-other-address"}


@pytest.mark.parametrize("name", list(PAGES))
def test_the_page_has_no_accessibility_violations(live_server, browser, artifacts, world, name):
    path = PAGES[name]
    cookies = []
    if name == "review-form":
        path = reverse("reviews:write", kwargs={"slug": "ann-lee-austin"})
    if name.startswith("invitation-"):
        # An invitation sent to jane@example.com, opened signed out or by another account.
        token = "an-invitation-token-for-the-browser"
        ReviewInvitationFactory(
            practitioner=world["ann"],
            procedure=microneedling(),
            email="jane@example.com",
            token_hash=hash_token(token),
        )
        path = reverse("reviews:write", kwargs={"slug": "ann-lee-austin"}) + f"?invitation={token}"
    if name in SIGNED_IN_PAGES:
        client = Client()
        client.force_login(UserFactory(display_name="Pat"))
        session = client.cookies[settings.SESSION_COOKIE_NAME].value
        cookies = [{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}]
    # Our CSP refuses injected scripts, as it should: axe is let in by bypassing it here only.
    context = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)
    context.add_cookies(cookies)
    page = context.new_page()
    try:
        response = page.goto(f"{live_server.url}{path}")
        page.add_script_tag(path=str(axe_script()))
        results = page.evaluate(
            "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS
        )
        page.screenshot(path=artifacts / f"axe-{name}.png", full_page=True)
    finally:
        context.close()

    assert response.status < 500
    violations = [
        {
            "rule": v["id"],
            "impact": v["impact"],
            "help": v["help"],
            "where": [node["target"] for node in v["nodes"]][:5],
        }
        for v in results["violations"]
    ]
    assert violations == [], json.dumps(violations, indent=2)
