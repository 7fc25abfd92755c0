"""The pages on a 390x844 phone in Chromium: what is on the first screen, nothing wider than
the screen, tables that fit or show they scroll, the filters behind a "Filters" control that
works without JavaScript, and axe-core's verdict. Screenshots land in test-artifacts/."""

import json

import pytest
from django.conf import settings
from django.test import Client

from practitioners.tests.factories import AttestationFactory
from tests.browser import test_pages

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
FIRST_SCREEN = PHONE["height"]

# The same practitioners, reviews and badges as the page tests (Ann, Bob, Cy in Texas).
world = test_pages.world
no_page_cache = test_pages.no_page_cache


@pytest.fixture
def phone(browser):
    # Our CSP refuses injected scripts, as it should: axe is let in by bypassing it here only.
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, bypass_csp=True)
    yield context.new_page()
    context.close()


def bottom(locator) -> float:
    box = locator.bounding_box()
    assert box is not None, f"{locator} is not displayed"
    return box["y"] + box["height"]


def top(locator) -> float:
    box = locator.bounding_box()
    assert box is not None, f"{locator} is not displayed"
    return box["y"]


def overflow(page) -> int:
    """How many pixels the page is wider than the screen (0: no sideways scrolling)."""
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


def axe_violations(page) -> list[dict]:
    page.add_script_tag(path=str(test_pages.axe_script()))
    results = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", test_pages.AXE_TAGS
    )
    return [
        {"rule": v["id"], "help": v["help"], "where": [n["target"] for n in v["nodes"]][:5]}
        for v in results["violations"]
    ]


def tables_that_clip(page) -> list[str]:
    """Captions of tables wider than their box with no way to scroll to the rest.

    A table passes when it fits, or when its box scrolls sideways (overflow auto), can be
    reached with the keyboard, and draws the edge shadows that show more is there.
    """
    return page.evaluate(
        """() => [...document.querySelectorAll('table')].filter(table => {
            const box = table.parentElement;
            const width = box.clientWidth + 1;
            if (box.scrollWidth <= width && table.scrollWidth <= width) return false;
            const style = getComputedStyle(box);
            const scrolls = ['auto', 'scroll'].includes(style.overflowX);
            const cue = style.backgroundImage.includes('gradient');
            return !(scrolls && cue && box.tabIndex === 0);
          }).map(table => (table.caption ? table.caption.innerText : table.outerHTML))"""
    )


def test_the_home_search_fits_the_first_screen_of_a_phone(live_server, phone, artifacts, world):
    phone.goto(f"{live_server.url}/")
    phone.screenshot(path=artifacts / "phone-home.png")

    search = phone.get_by_role("button", name="Search")
    assert bottom(search) <= FIRST_SCREEN
    fields = phone.locator(".hero-search .field")
    gaps = [top(fields.nth(i + 1)) - bottom(fields.nth(i)) for i in range(fields.count() - 1)]
    assert max(gaps) < 24, f"gaps between the search fields: {gaps}"
    assert overflow(phone) <= 0
    assert axe_violations(phone) == []


def test_the_first_result_is_on_the_first_screen_with_the_filters_folded(
    live_server, phone, artifacts, world
):
    phone.goto(f"{live_server.url}/practitioners/?near=Austin")
    phone.screenshot(path=artifacts / "phone-search.png")

    first_result = phone.locator(".result-name").first
    assert bottom(first_result) <= FIRST_SCREEN
    assert not phone.get_by_label("Procedure", exact=True).is_visible()
    assert overflow(phone) <= 0
    violations = axe_violations(phone)
    assert violations == [], json.dumps(violations, indent=2)

    phone.get_by_text("Filters", exact=False).first.click()
    phone.screenshot(path=artifacts / "phone-search-filters.png", full_page=True)
    assert phone.get_by_label("Procedure", exact=True).is_visible()
    assert overflow(phone) <= 0


def test_the_filters_open_and_apply_without_javascript(live_server, browser, world):
    context = browser.new_context(viewport=PHONE, is_mobile=True, java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/practitioners/?near=Austin")
        page.locator("summary", has_text="Filters").click()
        page.get_by_label("Verified license and sterilization").check()
        page.get_by_role("button", name="Show practitioners").click()
        names = test_pages.result_names(page)
        toggle = page.locator("summary", has_text="Filters").inner_text()
    finally:
        context.close()

    assert names == ["Ann Lee"]
    assert "(2 in use)" in toggle  # near Austin, verified only


def test_the_filters_stand_open_beside_the_results_on_a_desktop(live_server, page, world):
    page.set_viewport_size(DESKTOP)
    page.goto(f"{live_server.url}/practitioners/?near=Austin")

    assert page.get_by_label("Procedure", exact=True).is_visible()
    assert not page.locator("summary", has_text="Filters").is_visible()
    filters = page.locator("form.filters").bounding_box()
    results = page.locator(".results").bounding_box()
    assert filters["x"] + filters["width"] <= results["x"]  # side by side
    assert abs(filters["y"] - results["y"]) < 5


@pytest.mark.parametrize("slug", ["ann-lee-austin", "bob-ray-austin"], ids=["verified", "not"])
def test_the_profile_leads_with_the_badge_and_the_safety_summary_on_a_phone(
    live_server, phone, artifacts, world, slug
):
    phone.goto(f"{live_server.url}/practitioners/{slug}/")
    phone.screenshot(path=artifacts / f"phone-profile-{slug}.png")
    phone.screenshot(path=artifacts / f"phone-profile-{slug}-full.png", full_page=True)
    phone.locator("#safety").screenshot(path=artifacts / f"phone-profile-{slug}-safety.png")

    assert bottom(phone.locator(".profile-status .badge")) <= FIRST_SCREEN
    assert bottom(phone.get_by_role("heading", name="Safety summary")) <= FIRST_SCREEN
    assert top(phone.locator("#safety")) < top(phone.locator("#verification"))
    assert overflow(phone) <= 0
    assert tables_that_clip(phone) == []
    violations = axe_violations(phone)
    assert violations == [], json.dumps(violations, indent=2)


def test_the_profile_tables_stack_without_clipping_on_a_small_phone(
    live_server, browser, artifacts, world
):
    # 320 px: a small phone, or 390 px at 120% zoom.
    context = browser.new_context(viewport={"width": 320, "height": 700}, is_mobile=True)
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/practitioners/ann-lee-austin/")
        page.locator(".skin-type-table").scroll_into_view_if_needed()
        page.screenshot(path=artifacts / "phone-320-profile-table.png")
        clipped = tables_that_clip(page)
        page_overflow = overflow(page)
    finally:
        context.close()

    assert clipped == []
    assert page_overflow <= 0


def test_the_profile_keeps_the_badge_beside_the_name_on_a_desktop(
    live_server, page, artifacts, world
):
    page.set_viewport_size(DESKTOP)
    page.goto(f"{live_server.url}/practitioners/ann-lee-austin/")
    page.screenshot(path=artifacts / "desktop-profile.png")
    page.screenshot(path=artifacts / "desktop-profile-full.png", full_page=True)

    name = page.get_by_role("heading", name="Ann Lee", level=1).bounding_box()
    badge = page.locator(".profile-status .badge").bounding_box()
    assert badge["x"] > name["x"] + name["width"]  # a column of its own, to the right
    assert badge["y"] < name["y"] + name["height"] + 40
    assert bottom(page.get_by_role("heading", name="Safety summary")) <= DESKTOP["height"]
    assert tables_that_clip(page) == []


@pytest.mark.parametrize(
    "path",
    ["/practitioners/?near=Austin&skin_type=V", "/practitioners/ann-lee-austin/?skin_type=V"],
    ids=["search", "profile"],
)
def test_a_skin_type_search_and_the_profile_it_opens_read_well_on_a_phone(
    live_server, phone, artifacts, world, path
):
    phone.goto(f"{live_server.url}{path}")
    name = "search" if "?near" in path else "profile"
    phone.screenshot(path=artifacts / f"phone-skin-type-{name}.png", full_page=True)

    assert "Type V" in phone.inner_text("main")
    assert overflow(phone) <= 0
    assert tables_that_clip(phone) == []
    violations = axe_violations(phone)
    assert violations == [], json.dumps(violations, indent=2)


SIGNED_IN_PHONE_PAGES = {
    "dashboard": "/dashboard/",
    "licence-form": "/dashboard/credentials/new/",
    "sterilization-form": "/dashboard/sterilization/new/",
    "review-form": "/practitioners/ann-lee-austin/review/",
    "transparency": "/transparency/",
}


@pytest.mark.parametrize("name", list(SIGNED_IN_PHONE_PAGES))
def test_the_pages_of_the_journeys_read_well_on_a_phone(
    live_server, phone, artifacts, world, practitioner_owner, name
):
    # A practitioner with a pending licence: the dashboard shows its table of attestations.
    AttestationFactory(practitioner=practitioner_owner.practitioner_profile)
    client = Client()
    client.force_login(practitioner_owner)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    phone.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}]
    )

    response = phone.goto(f"{live_server.url}{SIGNED_IN_PHONE_PAGES[name]}")
    phone.screenshot(path=artifacts / f"phone-{name}.png", full_page=True)

    assert response.status == 200
    assert overflow(phone) <= 0
    assert tables_that_clip(phone) == []
    violations = axe_violations(phone)
    assert violations == [], json.dumps(violations, indent=2)
