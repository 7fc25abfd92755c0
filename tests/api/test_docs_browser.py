"""The API reference at /api/docs/ renders in real Chromium under the site's strict CSP."""

import shutil

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def page(monkeypatch):
    # Only for this test: Playwright's sync API runs an event loop in the test thread.
    monkeypatch.setenv("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    if executable is None:
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable, args=["--no-sandbox", "--disable-gpu"]
        )
        page = browser.new_page()
        page.console_errors = []
        page.on(
            "console",
            lambda m: page.console_errors.append(m.text) if m.type == "error" else None,
        )
        yield page
        browser.close()


def test_the_docs_page_shows_every_endpoint_without_a_csp_violation(live_server, page):
    page.goto(f"{live_server.url}/api/docs/")

    page.wait_for_selector("text=/api/v1/review-invitations/", timeout=20_000)
    for path in ("/api/v1/practitioners/", "/api/v1/reviews/", "/api/v1/procedures/"):
        assert page.locator(f"text={path}").first.is_visible()
    assert page.locator("button.authorize").is_visible()
    assert page.console_errors == []


def test_the_reference_links_to_the_api_guide_which_reads_well_on_a_phone(live_server, page):
    page.goto(f"{live_server.url}/api/docs/")
    guide = page.get_by_role("link", name="partner API guide")
    guide.wait_for(timeout=20_000)

    # Swagger UI opens links in a new tab; following the link's address in this page keeps
    # the console watched from the first byte (a reload of the new tab races its opening).
    href = guide.get_attribute("href")
    assert href == "/docs/api/"
    page.goto(f"{live_server.url}{href}")
    page.wait_for_load_state("load")

    assert page.url == f"{live_server.url}/docs/api/"
    assert page.get_by_role("heading", level=1).inner_text() == "Partner REST API (v1)"
    page.set_viewport_size({"width": 390, "height": 844})
    page.get_by_role("link", name="2. Errors").click()
    assert page.url.endswith("/docs/api/#2-errors")
    # Nothing wider than the screen but the code blocks and tables, which scroll.
    overflow = page.evaluate("document.documentElement.scrollWidth")
    assert overflow <= 390
    assert page.console_errors == []
