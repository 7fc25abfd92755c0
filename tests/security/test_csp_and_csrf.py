"""Every page: a strict Content Security Policy, no inline script or style, CSRF on every form.

The pages are the ones in the authorization table, fetched as roles that may see them, so
a new page is covered as soon as it has its table entry.
"""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from reviews.models import Review, ReviewStatus

from .conftest import World, client_for
from .test_authorization_matrix import PAGE_ROLES, TABLE, mounted_routes

ROOT = Path(__file__).resolve().parents[2]
PAGE_ROUTES = sorted(route for route, row in TABLE.items() if not row.api)
SHOWN_ROUTES = sorted(route for route, row in TABLE.items() if "GET" in row.expect)

INLINE_SCRIPT = re.compile(r"<script\b(?P<attrs>[^>]*)>(?P<body>.*?)</script\s*>", re.S | re.I)
DATA_SCRIPT_TYPES = re.compile(r"type\s*=\s*[\"']application/(ld\+)?json[\"']", re.I)
STYLE_ATTRIBUTE = re.compile(r"<[a-z][^>]*\sstyle\s*=", re.I)
STYLE_ELEMENT = re.compile(r"<style\b", re.I)
EVENT_HANDLER = re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.I)
JAVASCRIPT_URL = re.compile(r"(href|src|action)\s*=\s*[\"']\s*javascript:", re.I)
POST_FORM = re.compile(
    r"<form\b[^>]*method\s*=\s*[\"']post[\"'][^>]*>(?P<body>.*?)</form>", re.S | re.I
)


def inline_code(html: str) -> list[str]:
    """Everything in ``html`` a strict CSP would block: inline scripts, styles and handlers."""
    found = []
    for match in INLINE_SCRIPT.finditer(html):
        if match.group("body").strip() and not DATA_SCRIPT_TYPES.search(match.group("attrs")):
            found.append(f"inline <script>: {match.group('body').strip()[:60]!r}")
    for pattern, label in (
        (STYLE_ATTRIBUTE, "style= attribute"),
        (STYLE_ELEMENT, "<style> element"),
        (EVENT_HANDLER, "on…= event handler"),
        (JAVASCRIPT_URL, "javascript: URL"),
    ):
        found.extend(f"{label}: {m.group(0)[:80]!r}" for m in pattern.finditer(html))
    return found


def policy_problems(header: str) -> list[str]:
    problems = []
    directives = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            directives[words[0]] = words[1:]
    # script-src, style-src and object-src fall back to default-src; frame-ancestors does not.
    fallback_to_none = directives.get("default-src") == ["'none'"]
    for required in ("default-src", "script-src", "style-src", "object-src", "frame-ancestors"):
        falls_back = fallback_to_none and required not in {"default-src", "frame-ancestors"}
        if required not in directives and not falls_back:
            problems.append(f"no {required}")
    for name, sources in directives.items():
        for source in [] if name == "sandbox" else sources:
            # A hash or nonce allows one known inline block, never inline code in general.
            allowed = (
                source in {"'self'", "'none'"}
                or source.startswith(("'sha256-", "'sha384-", "'sha512-", "'nonce-"))
                or (name == "img-src" and source == "data:")
            )
            if not allowed:
                problems.append(f"{name} allows {source}")
    return problems


def template_files() -> list[Path]:
    roots = [ROOT / "templates", *ROOT.glob("*/templates")]
    return sorted(path for root in roots for path in root.rglob("*.html"))


def test_the_checks_find_inline_code_when_there_is_some():
    html = (
        '<script>alert(1)</script><p style="color:red" onclick="x()">'
        '<a href="javascript:void(0)">x</a><style>p{}</style>'
        '<script type="application/json">{"data": 1}</script><script src="/s.js"></script>'
    )
    assert len(inline_code(html)) == 5
    assert policy_problems("default-src 'self'; script-src 'self' 'unsafe-inline' cdn.example")


def test_the_configured_policy_allows_nothing_inline_and_no_other_origin():
    from django.utils.csp import build_policy

    assert policy_problems(build_policy(settings.SECURE_CSP)) == []


def test_no_template_contains_inline_script_or_style():
    problems = {
        str(path.relative_to(ROOT)): inline_code(path.read_text()) for path in template_files()
    }
    problems = {path: found for path, found in problems.items() if found}
    assert template_files(), "no templates found"
    assert not problems, problems


def roles_that_see(route: str) -> list[str]:
    row = TABLE[route]
    statuses = row.statuses("GET")
    return [role for role, status in zip(PAGE_ROLES, statuses, strict=True) if status == 200][:2]


@pytest.mark.django_db
@pytest.mark.parametrize("route", SHOWN_ROUTES)
def test_every_page_carries_the_strict_policy_and_no_inline_code(route: str, world: World):
    if route not in mounted_routes():
        pytest.fail(f"{route!r} is not mounted")
    row = TABLE[route]
    path = row.path(world)
    roles = ["anonymous"] if row.api else roles_that_see(route)
    for role in roles:
        response = client_for(world, role, row.api).get(path)
        header = response.get("Content-Security-Policy", "")
        assert header, f"{path} as {role} has no Content-Security-Policy"
        assert policy_problems(header) == [], (path, role)
        if response["Content-Type"].startswith("text/html"):
            assert inline_code(response.content.decode()) == [], (path, role)


@pytest.mark.django_db
@pytest.mark.parametrize("route", PAGE_ROUTES)
def test_every_post_without_a_csrf_token_is_refused(route: str, world: World):
    if route not in mounted_routes():
        pytest.fail(f"{route!r} is not mounted")
    path = TABLE[route].path(world)
    for role in ("anonymous", "patient", "practitioner", "moderator", "verifier"):
        client = client_for(world, role, api_row=False)
        client.handler.enforce_csrf_checks = True
        response = client.post(path, {"title": "x", "password": "x", "decision": "approve"})
        if role == "anonymous" and response.status_code == 302:
            # Upload views check CSRF after sign-in (their upload handlers are set first).
            assert response["Location"].startswith("/accounts/login/"), path
            continue
        assert response.status_code == 403, (path, role, response.status_code)
        assert "This form has expired" in response.content.decode()
    # Nothing the refused requests named has changed.
    assert Review.objects.get(pk=world.pending_review.pk).status == ReviewStatus.PENDING


@pytest.mark.django_db
@pytest.mark.parametrize("route", [r for r in PAGE_ROUTES if "GET" in TABLE[r].expect])
def test_every_post_form_on_every_page_carries_a_csrf_token(route: str, world: World):
    if route not in mounted_routes():
        pytest.fail(f"{route!r} is not mounted")
    path = TABLE[route].path(world)
    for role in roles_that_see(route):
        response = client_for(world, role, api_row=False).get(path)
        if response.streaming or not response["Content-Type"].startswith("text/html"):
            continue
        html = response.content.decode()
        for form in POST_FORM.finditer(html):
            assert 'name="csrfmiddlewaretoken"' in form.group("body"), (
                path,
                role,
                form.group(0)[:200],
            )


def test_the_api_takes_no_cookies_so_it_needs_no_csrf_token(db):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/api/v1/review-invitations/", {}, content_type="application/json")
    assert response.status_code == 401
