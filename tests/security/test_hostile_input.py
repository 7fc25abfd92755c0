"""Random, huge, malformed and hostile input: never a 500, never a partial write.

Every form is found by reading the page that shows it (its field names come from the
HTML), then posted with generated values: unicode and control characters, markup and
script, SQL fragments, numbers far out of range, impossible dates, and bodies over the
upload limit. API payloads and search parameters get the same treatment. A refused
request (4xx) must leave every table as it was.
"""

import json
import re
from html import unescape

import pytest
from django.apps import apps
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .conftest import World, client_for
from .test_authorization_matrix import PAGE_ROLES, TABLE, mounted_routes

HOSTILE_SAMPLES = [
    "",
    " ",
    "\x00",
    "nul\x00inside",
    "\r\nSet-Cookie: injected=1",
    "\u202egnp.exe",
    "<script>alert('x')</script>",
    '"><img src=x onerror=alert(1)>',
    "{{ settings.SECRET_KEY }}",
    "{% debug %}",
    "' OR '1'='1",
    "'; DROP TABLE reviews_review; --",
    "1) UNION SELECT password FROM directory_user --",
    "%' AND 1=1 --",
    "-1",
    "0",
    "-99999999999999999999999",
    "99999999999999999999999",
    "1e309",
    "NaN",
    "-inf",
    "2024-02-30",
    "0000-00-00",
    "9999-12-31",
    "-0001-01-01",
    "1970-01-01T00:00:00+99:00",
    "../../../../etc/passwd",
    "%00",
    "🙂" * 500,
    "A" * 70_000,
]
hostile_text = st.one_of(
    st.sampled_from(HOSTILE_SAMPLES),
    st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=200),
    st.integers().map(str),
    st.floats().map(str),
    st.dates().map(str),
)
# Values a form would accept, mixed in so that hostile values also reach the deeper checks
# (a form refusing its first field never tests the rest).
PLAUSIBLE = [
    "1",
    "3",
    "5",
    "on",
    "yes",
    "no",
    "unknown",
    "III",
    "V",
    "mild",
    "severe",
    "infection",
    "hyperpigmentation",
    "prescription",
    "resolved",
    "microneedling",
    "approve",
    "publish",
    "reject",
    "meets_policy",
    "fake",
    "license",
    "0.5",
    "patient@example.com",
    "A long enough plain-text account of the treatment, its aftercare and results.",
    "correct horse battery staple",
]


def plausible_values() -> st.SearchStrategy[str]:
    from reviews.tests.factories import last_month

    month = last_month()
    return st.sampled_from([*PLAUSIBLE, month.isoformat(), month.strftime("%Y-%m")])


hostile_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | hostile_text,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=8,
)

# POST-only actions have their form on another page; read the fields there.
FORM_PAGES = {
    "moderation/next/": "moderation/",
    "dashboard/attestations/<int:pk>/evidence/": "dashboard/attestations/<int:pk>/",
    "moderation/bulk-approve/": "moderation/",
    "moderation/reviews/<int:pk>/claim/": "moderation/reviews/<int:pk>/",
    "moderation/reviews/<int:pk>/release/": "moderation/reviews/<int:pk>/",
    "moderation/reviews/<int:pk>/decide/": "moderation/reviews/<int:pk>/",
    "moderation/responses/<int:pk>/decide/": "moderation/responses/",
    "moderation/alerts/<int:pk>/resolve/": "moderation/alerts/",
    "verification/attestations/<int:pk>/verify/": "verification/attestations/<int:pk>/",
    "verification/attestations/<int:pk>/reject/": "verification/attestations/<int:pk>/",
    "verification/attestations/<int:pk>/revoke/": "verification/attestations/<int:pk>/",
    "verification/claims/<int:pk>/approve/": "verification/claims/",
    "verification/claims/<int:pk>/reject/": "verification/claims/",
    "accounts/verify/resend/": "accounts/signup/done/",
    "accounts/logout/": "",
}
FIELD_NAME = re.compile(r"<(?:input|select|textarea)\b[^>]*\bname=\"(?P<name>[^\"]+)\"", re.I)
POST_FORM = re.compile(r"<form\b[^>]*method=\"post\"[^>]*>.*?</form>", re.S | re.I)
# Tables a refused request must leave alone.
WATCHED_MODELS = [
    "directory.User",
    "directory.AuditEntry",
    "practitioners.Practitioner",
    "practitioners.Attestation",
    "practitioners.Evidence",
    "practitioners.ProfileClaim",
    "reviews.Review",
    "reviews.Complication",
    "reviews.ReviewRevision",
    "reviews.ReviewReport",
    "reviews.ReviewInvitation",
    "reviews.PractitionerResponse",
    "reviews.SafetyAlert",
]


def row_counts() -> dict[str, int]:
    return {label: apps.get_model(label).objects.count() for label in WATCHED_MODELS}


def form_routes() -> list[str]:
    """Page routes some signed-in role (or a visitor, for sign-in forms) may POST to."""
    routes = []
    for route, row in TABLE.items():
        if row.api or "POST" not in row.expect:
            continue
        if any(status in (200, 302, 400) for status in row.statuses("POST")[1:]) or (
            row.statuses("POST")[0] in (200, 400)
        ):
            routes.append(route)
    return sorted(routes)


def poster_role(route: str) -> str:
    statuses = dict(zip(PAGE_ROLES, TABLE[route].statuses("POST"), strict=True))
    for role, status in statuses.items():
        if status in (200, 400):
            return role
    return next(role for role, status in statuses.items() if status == 302 and role != "anonymous")


def field_names(client: Client, world: World, route: str) -> list[str]:
    source = FORM_PAGES.get(route, route)
    names = {"title", "body", "note", "reason", "decision", "email", "password", "npi", "message"}
    if source in TABLE:
        response = client.get(TABLE[source].path(world))
        if not response.streaming and response["Content-Type"].startswith("text/html"):
            for form in POST_FORM.finditer(response.content.decode()):
                names.update(unescape(m.group("name")) for m in FIELD_NAME.finditer(form.group(0)))
    names.discard("csrfmiddlewaretoken")
    return sorted(names)


FORM_ROUTES = form_routes()


@pytest.mark.slow
@pytest.mark.django_db
@pytest.mark.parametrize("route", FORM_ROUTES)
def test_no_form_answers_hostile_input_with_an_error_or_a_partial_write(route: str, world: World):
    if route not in mounted_routes():
        pytest.fail(f"{route!r} is not mounted")
    role = poster_role(route)
    client = client_for(world, role, api_row=False)
    path = TABLE[route].path(world)
    names = field_names(client, world, route)

    @settings(
        max_examples=15,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(data=st.fixed_dictionaries(dict.fromkeys(names, hostile_text | plausible_values())))
    def post_hostile(data):
        before = row_counts()
        response = client.post(path, data)
        assert response.status_code < 500, (path, role, data)
        if response.status_code >= 400:
            assert row_counts() == before, (path, role, data)

    post_hostile()


@pytest.mark.django_db
def test_a_body_over_the_upload_limit_is_refused_with_413_and_changes_nothing(world: World):
    client = client_for(world, "patient", api_row=False)
    before = row_counts()
    response = Client(raise_request_exception=False).post(
        "/accounts/login/", {"username": "x", "password": "y" * (3 * 1024 * 1024)}
    )
    assert response.status_code == 413
    path = f"/reviews/{world.pending_review.pk}/edit/"
    response = client.post(path, {"title": "t", "body": "b" * (3 * 1024 * 1024)})
    assert response.status_code == 413
    assert row_counts() == before


SEARCH_PARAMETERS = [
    "q",
    "procedure",
    "near",
    "lat",
    "lng",
    "radius_km",
    "verified",
    "profession",
    "min_rating",
    "skin_type",
    "no_severe",
    "exclude_complication",
    "sort",
    "page",
    "cursor",
    "complication",
    "rating",
    "page_size",
]


@pytest.mark.slow
@pytest.mark.django_db
def test_search_and_profile_filters_never_fail_on_hostile_parameters(world: World):
    html = Client()
    api = client_for(world, "key_read", api_row=True)
    pages = [
        (html, "/practitioners/"),
        (html, f"/practitioners/{world.practitioner.slug}/"),
        (api, "/api/v1/practitioners/"),
        (api, "/api/v1/reviews/"),
        (api, f"/api/v1/practitioners/{world.practitioner.pk}/reviews/"),
    ]

    @settings(
        max_examples=60, deadline=None, database=None, suppress_health_check=list(HealthCheck)
    )
    @given(
        params=st.dictionaries(
            st.sampled_from(SEARCH_PARAMETERS),
            hostile_text.filter(lambda value: "\x00" not in value and len(value) < 5000),
            max_size=6,
        ),
        which=st.integers(min_value=0, max_value=len(pages) - 1),
    )
    def search(params, which):
        client, path = pages[which]
        response = client.get(path, params)
        # 414: the parameters made the address longer than the documented 4,096 bytes.
        assert response.status_code in (200, 400, 404, 414), (path, params, response.status_code)
        if path.startswith("/api/") and response.status_code != 200:
            assert "error" in response.json() or "detail" in response.json()

    search()


@pytest.mark.slow
@pytest.mark.django_db
def test_no_api_payload_gives_an_error_or_a_partial_write(world: World):
    client = client_for(world, "key_all_scopes", api_row=True)
    invitation_fields = ["practitioner", "procedure", "email", "treatment_date"]

    @settings(
        max_examples=60, deadline=None, database=None, suppress_health_check=list(HealthCheck)
    )
    @given(
        body=st.one_of(
            st.fixed_dictionaries(dict.fromkeys(invitation_fields, hostile_json)),
            st.fixed_dictionaries({"url": hostile_json, "events": hostile_json}),
            hostile_json,
        ),
        path=st.sampled_from(["/api/v1/review-invitations/", "/api/v1/webhooks/"]),
        idempotency_key=st.one_of(st.none(), hostile_text.filter(lambda v: v.isprintable())),
    )
    def post(body, path, idempotency_key):
        before = row_counts()
        headers = {"Idempotency-Key": idempotency_key[:300]} if idempotency_key else {}
        response = client.post(
            path, json.dumps(body), content_type="application/json", headers=headers
        )
        assert response.status_code < 500, (path, body, response.content[:300])
        if response.status_code >= 400:
            assert row_counts() == before, (path, body)

    post()


@pytest.mark.django_db
def test_malformed_json_and_wrong_content_types_are_refused_with_400_or_415(world: World):
    client = client_for(world, "key_all_scopes", api_row=True)
    before = row_counts()
    for body, content_type in [
        ("{not json", "application/json"),
        ('{"email": "a@b.c"' + "]" * 10_000, "application/json"),
        ("\x00\x01\x02", "application/json"),
        ("email=a@b.c", "application/x-www-form-urlencoded"),
        ("<xml/>", "text/xml"),
    ]:
        response = client.post("/api/v1/review-invitations/", body, content_type=content_type)
        assert response.status_code in (400, 415), (body[:40], response.status_code)
        assert "error" in response.json()
    assert row_counts() == before
