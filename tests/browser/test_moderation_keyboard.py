"""A moderator clears reviews with the keyboard in real Chromium; axe-core checks the pages."""

import json
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType

from directory.tests.clients import Client
from directory.tests.factories import UserFactory
from kernel.models import AuditEntry
from practitioners.tests.factories import PractitionerFactory, ProcedureFactory
from reviews.models import Review, ReviewReport
from reviews.tests.factories import ComplicationFactory, ReviewFactory, RuleHitFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]

AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]


@pytest.fixture(autouse=True)
def migrated_rows(live_server):
    """Rows the data migrations seed, which an earlier transactional test may have flushed."""
    ProcedureFactory(slug="microneedling", name="Microneedling")
    group, _ = Group.objects.get_or_create(name="Moderators")
    ContentType.objects.clear_cache()  # its ids may name rows the flush removed
    permission, _ = Permission.objects.get_or_create(
        content_type=ContentType.objects.get_for_model(Review),
        codename="moderate_review",
        defaults={"name": "Can moderate reviews, responses and reports"},
    )
    group.permissions.add(permission)


@pytest.fixture
def signed_in_moderator(browser, live_server, migrated_rows):
    """A browser context signed in as a moderator who passed the second factor (the session
    cookie of a real login)."""
    moderator = UserFactory(display_name="Mo", roles=["Moderators"])
    client = Client()
    client.force_login(moderator)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    contexts = []

    def open_context(**kwargs):
        context = browser.new_context(viewport={"width": 1280, "height": 900}, **kwargs)
        context.add_cookies(
            [{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}]
        )
        contexts.append(context)
        return context

    yield moderator, open_context
    for context in contexts:
        context.close()


def test_a_moderator_approves_and_rejects_with_the_keyboard(live_server, signed_in_moderator):
    moderator, open_context = signed_in_moderator
    practitioner = PractitionerFactory()
    first = ReviewFactory(practitioner=practitioner, title="First in line")
    second = ReviewFactory(practitioner=practitioner, title="Second in line")
    Review.objects.filter(pk=first.pk).update(submitted_at=second.submitted_at.replace(year=2020))
    page = open_context().new_page()
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)

    page.goto(f"{live_server.url}/moderation/")
    page.keyboard.press("n")
    page.wait_for_url(f"**/moderation/reviews/{first.pk}/")
    page.keyboard.press("a")
    page.wait_for_url(f"**/moderation/reviews/{second.pk}/")
    assert "“First in line” was published." in page.inner_text("main")

    page.keyboard.press("r")  # no reason yet: the list is focused and the page says why
    assert "Choose a policy reason first" in page.inner_text("#shortcut-status")
    assert page.evaluate("document.activeElement.id") == "id_reason"
    page.evaluate("document.activeElement.blur()")
    page.keyboard.press("7")
    assert page.locator("#id_reason").input_value() == "fake"
    page.keyboard.press("r")
    page.wait_for_url("**/moderation/")
    assert "“Second in line” was rejected." in page.inner_text("main")

    assert list(Review.objects.order_by("pk").values_list("status", flat=True)) == [
        "published",
        "rejected",
    ]
    rejected = AuditEntry.objects.get(action="review.rejected")
    assert (rejected.actor_id, rejected.reason) == (moderator.pk, "fake")
    assert errors == []


def axe_script() -> Path:
    axe_package = pytest.importorskip(
        "axe_playwright_python", reason="axe-playwright-python (which ships axe.min.js) is missing"
    )
    return Path(axe_package.__file__).with_name("axe.min.js")


@pytest.mark.parametrize("name", ["queue", "item", "alerts", "responses", "report"])
def test_the_moderation_pages_have_no_accessibility_violations(
    live_server, signed_in_moderator, artifacts, name
):
    _, open_context = signed_in_moderator
    review = ReviewFactory(title="Infected after the second session", has_severe_complication=True)
    ComplicationFactory(review=review, type="infection", severity="severe")
    RuleHitFactory(review=review)
    reported = ReviewFactory(published=True, title="Reported one")
    ReviewReport.objects.create(review=reported, reporter=UserFactory(), reason="fake")
    path = {
        "queue": "/moderation/",
        "item": f"/moderation/reviews/{review.pk}/",
        "alerts": "/moderation/alerts/",
        "responses": "/moderation/responses/",
        "report": f"/reviews/{reported.pk}/report/",
    }[name]
    # Our CSP refuses injected scripts, as it should: axe is let in by bypassing it here only.
    page = open_context(bypass_csp=True).new_page()
    response = page.goto(f"{live_server.url}{path}")
    page.add_script_tag(path=str(axe_script()))
    results = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS
    )
    page.screenshot(path=artifacts / f"axe-moderation-{name}.png", full_page=True)

    assert response.status == 200
    violations = [
        {"rule": v["id"], "help": v["help"], "where": [n["target"] for n in v["nodes"]][:5]}
        for v in results["violations"]
    ]
    assert violations == [], json.dumps(violations, indent=2)


def test_an_approval_of_a_review_edited_meanwhile_shows_what_changed(
    live_server, signed_in_moderator, artifacts
):
    from reviews.services import REVIEW_FIELDS, review_edit

    _, open_context = signed_in_moderator
    review = ReviewFactory(
        title="Calm and careful",
        body="The clinic was spotless and the aftercare sheet answered every question I had.",
    )
    page = open_context(bypass_csp=True).new_page()
    page.goto(f"{live_server.url}/moderation/reviews/{review.pk}/")
    edited = {name: getattr(review, name) for name in REVIEW_FIELDS}
    edited["body"] = review.body + " Call 555-0123 or see https://cheap-brows.example."
    review_edit(review_id=review.pk, author=review.author, fields=edited, complications=[])

    with page.expect_navigation() as navigation:
        page.get_by_role("button", name="Approve and publish").click()

    assert navigation.value.status == 409
    alert = page.get_by_role("alert").filter(has_text="Changed since you opened it")
    assert "555-0123" in alert.locator("ins").inner_text()
    assert "555-0123" not in alert.locator("del").inner_text()
    page.add_script_tag(path=str(axe_script()))
    results = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS
    )
    page.screenshot(path=artifacts / "moderation-changed-since.png", full_page=True)
    violations = [
        {"rule": v["id"], "help": v["help"], "where": [n["target"] for n in v["nodes"]][:5]}
        for v in results["violations"]
    ]
    assert violations == [], json.dumps(violations, indent=2)
    assert Review.objects.get(pk=review.pk).status == "pending"
