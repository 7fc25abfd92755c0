"""Who may do what, for every URL: one table, checked request by request.

``TABLE`` maps each URL pattern (as the resolver spells it) to a sample path and, per HTTP
method, the status every role must get, in the order of ``PAGE_ROLES`` (HTML pages) or
``API_ROLES`` (the partner API). The walk over the URL resolver fails on any pattern
missing from the table, so a new URL cannot ship without deciding who may use it.

Statuses mean: 200/201 done or shown, 302 sent to sign in (or onwards after a
successful form), 400 refused input, 401 no credentials, 403 not allowed, 404 hidden or
absent, 405 wrong method.
Requests carry no form data: a permitted POST is refused as incomplete (400, or the form
shown again with errors as 200), so nothing changes and every role meets the same world.
Run with ``MATRIX_PRINT=1`` to print what each row answers today.
"""

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from directory.tests.factories import UserFactory

from .conftest import World, client_for

PAGE_ROLES = (
    "anonymous",
    "patient",
    "other_patient",
    "practitioner",
    "other_practitioner",
    "moderator",
    "verifier",
)
API_ROLES = (
    "anonymous",
    "signed_in_patient",
    "key_read",
    "key_invite",
    "key_webhooks",
    "key_all_scopes",
    "key_revoked",
)
# The admin is Django's own, guarded by its own staff check; a few of its pages stand for
# all of them (see test_the_admin_admits_only_staff).
DELEGATED_PREFIXES = ("admin/",)


@dataclass(frozen=True)
class Row:
    path: Callable[[World], str]
    expect: dict[str, str]
    api: bool = False

    def statuses(self, method: str) -> list[int]:
        return [int(code) for code in self.expect[method].split()]


def page(path: str | Callable[[World], str], **expect: str) -> Row:
    return Row(path=path if callable(path) else (lambda w, p=path: p), expect=expect)


def api(path: str | Callable[[World], str], **expect: str) -> Row:
    return Row(path=path if callable(path) else (lambda w, p=path: p), expect=expect, api=True)


# Shorthands, in PAGE_ROLES order:
#            anon pat  oth  prac oprac mod verif
EVERYONE = "200 200 200 200 200 200 200"
NOBODY = "405 405 405 405 405 405 405"
SIGNED_IN = "302 200 200 200 200 200 200"
# Signing in comes first: a visitor is sent to sign in whatever the method.
SIGNED_IN_READ_ONLY = "302 405 405 405 405 405 405"
MODERATORS = "302 403 403 403 403 200 403"
MODERATORS_READ_ONLY = "302 403 403 403 403 405 403"
MODERATORS_WRITE_ONLY = "302 403 403 403 403 405 403"
MODERATORS_ACTION = "302 403 403 403 403 302 403"
VERIFIERS = "302 403 403 403 403 403 200"
VERIFIERS_READ_ONLY = "302 403 403 403 403 403 405"
VERIFIERS_WRITE_ONLY = "302 403 403 403 403 403 405"
# In API_ROLES order: anon session read invite webhooks all revoked
API_READ = "401 401 200 403 403 200 401"
API_READ_ONLY = "401 401 405 403 403 405 401"
API_PUBLIC = "200 200 200 200 200 200 200"
API_NOBODY = "405 405 405 405 405 405 405"

TABLE: dict[str, Row] = {
    "": page("/", GET=EVERYONE, POST=NOBODY),
    "healthz": page("/healthz", GET=EVERYONE, POST=NOBODY),
    "moderation-policy/": page("/moderation-policy/", GET=EVERYONE, POST=NOBODY),
    # The published documentation (directory/docs.py): public pages, read-only.
    "docs/": page("/docs/", GET=EVERYONE, POST=NOBODY),
    "docs/<slug:slug>/": page("/docs/api/", GET=EVERYONE, POST=NOBODY),
    # Sign-in pages: a POST without data shows the form again with its errors.
    "accounts/login/": page("/accounts/login/", GET=EVERYONE, POST=EVERYONE),
    "accounts/logout/": page(
        "/accounts/logout/", GET="405 405 405 405 405 405 405", POST="302 302 302 302 302 302 302"
    ),
    "accounts/password_change/": page("/accounts/password_change/", GET=SIGNED_IN, POST=SIGNED_IN),
    "accounts/password_change/done/": page(
        "/accounts/password_change/done/", GET=SIGNED_IN, POST=SIGNED_IN_READ_ONLY
    ),
    "accounts/password_reset/": page("/accounts/password_reset/", GET=EVERYONE, POST=EVERYONE),
    "accounts/password_reset/done/": page(
        "/accounts/password_reset/done/", GET=EVERYONE, POST=NOBODY
    ),
    # A made-up token: the page says the link is invalid, to everyone.
    "accounts/reset/<uidb64>/<token>/": page(
        "/accounts/reset/MQ/set-password-token/", GET=EVERYONE, POST=EVERYONE
    ),
    "accounts/reset/done/": page("/accounts/reset/done/", GET=EVERYONE, POST=NOBODY),
    # A member's own data.
    "account/data/": page("/account/data/", GET=SIGNED_IN, POST=SIGNED_IN_READ_ONLY),
    "account/data/download/": page(
        "/account/data/download/", GET=SIGNED_IN, POST=SIGNED_IN_READ_ONLY
    ),
    "account/delete/": page("/account/delete/", GET=SIGNED_IN, POST="302 400 400 400 400 400 400"),
    # The public directory.
    "practitioners/": page("/practitioners/", GET=EVERYONE, POST=NOBODY),
    "practitioners/<slug:slug>/": page(
        lambda w: f"/practitioners/{w.practitioner.slug}/", GET=EVERYONE, POST=NOBODY
    ),
    # Sign-up and e-mail confirmation. A signed-in member is sent on from the sign-up page.
    "accounts/signup/": page(
        "/accounts/signup/",
        GET="200 302 302 302 302 302 302",
        POST="400 302 302 302 302 302 302",
    ),
    "accounts/signup/done/": page("/accounts/signup/done/", GET=EVERYONE, POST=NOBODY),
    "accounts/verify/resend/": page(
        "/accounts/verify/resend/", GET=SIGNED_IN_READ_ONLY, POST="302 302 302 302 302 302 302"
    ),
    # A made-up token is refused, whoever follows it.
    "accounts/verify/<str:token>/": page(
        "/accounts/verify/not-a-real-token/", GET="400 400 400 400 400 400 400", POST=NOBODY
    ),
    # Reviews: anyone signed in may write one, except about their own practice.
    "practitioners/<slug:slug>/review/": page(
        lambda w: f"/practitioners/{w.practitioner.slug}/review/",
        GET="302 200 200 403 200 200 200",
        POST="302 400 400 403 400 400 400",
    ),
    "reviews/mine/": page("/reviews/mine/", GET=SIGNED_IN, POST=SIGNED_IN_READ_ONLY),
    # A review's own pages exist only for its author (404 hides it from everyone else).
    "reviews/<int:pk>/submitted/": page(
        lambda w: f"/reviews/{w.pending_review.pk}/submitted/",
        GET="302 200 404 404 404 404 404",
        POST=SIGNED_IN_READ_ONLY,
    ),
    "reviews/<int:pk>/edit/": page(
        lambda w: f"/reviews/{w.pending_review.pk}/edit/",
        GET="302 200 404 404 404 404 404",
        POST="302 400 404 404 404 404 404",
    ),
    # Withdrawing needs nothing but the author's POST: the author's goes through.
    "reviews/<int:pk>/withdraw/": page(
        lambda w: f"/reviews/{w.pending_review.pk}/withdraw/",
        GET="302 200 404 404 404 404 404",
        POST="302 302 404 404 404 404 404",
    ),
    # Only the practitioner who owns the reviewed profile may respond.
    "reviews/<int:pk>/respond/": page(
        lambda w: f"/reviews/{w.published_review.pk}/respond/",
        GET="302 403 403 200 404 403 403",
        POST="302 403 403 400 404 403 403",
    ),
    "reviews/<int:pk>/report/": page(
        lambda w: f"/reviews/{w.published_review.pk}/report/",
        GET=SIGNED_IN,
        POST="302 400 400 400 400 400 400",
    ),
    "reviews/practice/": page(
        "/reviews/practice/", GET="302 403 403 200 200 403 403", POST=SIGNED_IN_READ_ONLY
    ),
    "invitations/new/": page(
        "/invitations/new/",
        GET="302 403 403 200 200 403 403",
        POST="302 403 403 400 400 403 403",
    ),
    # A practitioner's dashboard: anyone signed in sees it (to claim a profile); the
    # credential forms are for profile owners, each attestation for its own practitioner.
    "dashboard/": page("/dashboard/", GET=SIGNED_IN, POST=SIGNED_IN_READ_ONLY),
    "dashboard/claim/<slug:slug>/": page(
        lambda w: f"/dashboard/claim/{w.unclaimed.slug}/",
        GET=SIGNED_IN,
        POST="302 400 400 400 400 400 400",
    ),
    "dashboard/credentials/new/": page(
        "/dashboard/credentials/new/",
        GET="302 302 302 200 200 302 302",
        POST="302 302 302 400 400 302 302",
    ),
    "dashboard/sterilization/new/": page(
        "/dashboard/sterilization/new/",
        GET="302 302 302 200 200 302 302",
        POST="302 302 302 400 400 302 302",
    ),
    "dashboard/attestations/<int:pk>/": page(
        lambda w: f"/dashboard/attestations/{w.attestation.pk}/",
        GET="302 404 404 200 404 404 404",
        POST=SIGNED_IN_READ_ONLY,
    ),
    "dashboard/npi/": page(
        "/dashboard/npi/", GET=SIGNED_IN_READ_ONLY, POST="302 404 404 302 302 404 404"
    ),
    # Evidence: its practitioner and the verifiers, nobody else.
    "dashboard/evidence/<int:pk>/": page(
        lambda w: f"/dashboard/evidence/{w.evidence.pk}/",
        GET="302 404 404 200 404 404 200",
        POST=SIGNED_IN_READ_ONLY,
    ),
    # Staff: verification, for verifiers only.
    "verification/": page("/verification/", GET=VERIFIERS, POST=VERIFIERS_READ_ONLY),
    "verification/attestations/<int:pk>/": page(
        lambda w: f"/verification/attestations/{w.attestation.pk}/",
        GET=VERIFIERS,
        POST=VERIFIERS_READ_ONLY,
    ),
    # Verifying needs no field (dates and note are optional): the verifier's POST succeeds.
    "verification/attestations/<int:pk>/verify/": page(
        lambda w: f"/verification/attestations/{w.attestation.pk}/verify/",
        GET=VERIFIERS_WRITE_ONLY,
        POST="302 403 403 403 403 403 302",
    ),
    "verification/attestations/<int:pk>/reject/": page(
        lambda w: f"/verification/attestations/{w.attestation.pk}/reject/",
        GET=VERIFIERS_WRITE_ONLY,
        POST="302 403 403 403 403 403 400",
    ),
    "verification/attestations/<int:pk>/revoke/": page(
        lambda w: f"/verification/attestations/{w.attestation.pk}/revoke/",
        GET=VERIFIERS_WRITE_ONLY,
        POST="302 403 403 403 403 403 400",
    ),
    "verification/claims/": page("/verification/claims/", GET=VERIFIERS, POST=VERIFIERS_READ_ONLY),
    "verification/claims/<int:pk>/approve/": page(
        lambda w: f"/verification/claims/{w.claim.pk}/approve/",
        GET=VERIFIERS_WRITE_ONLY,
        POST="302 403 403 403 403 403 302",
    ),
    "verification/claims/<int:pk>/reject/": page(
        lambda w: f"/verification/claims/{w.claim.pk}/reject/",
        GET=VERIFIERS_WRITE_ONLY,
        POST="302 403 403 403 403 403 302",
    ),
    # Staff: moderation, for moderators only. Actions answer by redirecting to the queue
    # with a message (an incomplete decision changes nothing).
    "moderation/": page("/moderation/", GET=MODERATORS, POST=MODERATORS_READ_ONLY),
    "moderation/next/": page(
        "/moderation/next/", GET=MODERATORS_WRITE_ONLY, POST=MODERATORS_ACTION
    ),
    "moderation/bulk-approve/": page(
        "/moderation/bulk-approve/", GET=MODERATORS_WRITE_ONLY, POST=MODERATORS_ACTION
    ),
    "moderation/reviews/<int:pk>/": page(
        lambda w: f"/moderation/reviews/{w.pending_review.pk}/",
        GET=MODERATORS,
        POST=MODERATORS_READ_ONLY,
    ),
    "moderation/reviews/<int:pk>/claim/": page(
        lambda w: f"/moderation/reviews/{w.pending_review.pk}/claim/",
        GET=MODERATORS_WRITE_ONLY,
        POST=MODERATORS_ACTION,
    ),
    "moderation/reviews/<int:pk>/release/": page(
        lambda w: f"/moderation/reviews/{w.pending_review.pk}/release/",
        GET=MODERATORS_WRITE_ONLY,
        POST=MODERATORS_ACTION,
    ),
    "moderation/reviews/<int:pk>/decide/": page(
        lambda w: f"/moderation/reviews/{w.pending_review.pk}/decide/",
        GET=MODERATORS_WRITE_ONLY,
        POST="302 403 403 403 403 400 403",
    ),
    "moderation/responses/": page(
        "/moderation/responses/", GET=MODERATORS, POST=MODERATORS_READ_ONLY
    ),
    "moderation/responses/<int:pk>/decide/": page(
        lambda w: f"/moderation/responses/{w.response.pk}/decide/",
        GET=MODERATORS_WRITE_ONLY,
        POST=MODERATORS_ACTION,
    ),
    "moderation/alerts/": page("/moderation/alerts/", GET=MODERATORS, POST=MODERATORS_READ_ONLY),
    "moderation/alerts/<int:pk>/resolve/": page(
        lambda w: f"/moderation/alerts/{w.alert.pk}/resolve/",
        GET=MODERATORS_WRITE_ONLY,
        POST=MODERATORS_ACTION,
    ),
    # The partner API: keys only (a browser session counts for nothing), every endpoint
    # needs "read", invitations also "invite" and webhooks also "webhooks"; a revoked key
    # is no key. A partner sees only its own webhook endpoints.
    "api/v1/practitioners/": api("/api/v1/practitioners/", GET=API_READ, POST=API_READ_ONLY),
    "api/v1/practitioners/<int:pk>/": api(
        lambda w: f"/api/v1/practitioners/{w.practitioner.pk}/", GET=API_READ, POST=API_READ_ONLY
    ),
    "api/v1/practitioners/<int:pk>/reviews/": api(
        lambda w: f"/api/v1/practitioners/{w.practitioner.pk}/reviews/",
        GET=API_READ,
        POST=API_READ_ONLY,
    ),
    "api/v1/reviews/": api("/api/v1/reviews/", GET=API_READ, POST=API_READ_ONLY),
    "api/v1/procedures/": api("/api/v1/procedures/", GET=API_READ, POST=API_READ_ONLY),
    "api/v1/review-invitations/": api(
        "/api/v1/review-invitations/",
        GET="401 401 403 403 403 405 401",
        POST="401 401 403 403 403 400 401",
    ),
    "api/v1/webhooks/": api(
        "/api/v1/webhooks/",
        GET="401 401 403 403 403 200 401",
        POST="401 401 403 403 403 400 401",
    ),
    "api/v1/webhooks/<int:pk>/": api(
        lambda w: f"/api/v1/webhooks/{w.webhook}/",
        GET="401 401 403 403 403 404 401",
        POST="401 401 403 403 403 405 401",
        DELETE="401 401 403 403 403 404 401",
    ),
    "api/v1/webhooks/<int:pk>/deliveries/": api(
        lambda w: f"/api/v1/webhooks/{w.webhook}/deliveries/",
        GET="401 401 403 403 403 404 401",
        POST="401 401 403 403 403 405 401",
    ),
    "api/v1/webhooks/<int:pk>/deliveries/<int:delivery_id>/replay/": api(
        lambda w: f"/api/v1/webhooks/{w.webhook}/deliveries/1/replay/",
        GET="401 401 403 403 403 405 401",
        POST="401 401 403 403 403 404 401",
    ),
    # The schema and its docs are public, like the directory they describe.
    "api/schema/": api("/api/schema/", GET=API_PUBLIC, POST=API_NOBODY),
    "api/docs/": api("/api/docs/", GET=API_PUBLIC, POST=API_NOBODY),
    "api/^[\\s\\S]*$": api(
        "/api/v1/no-such-endpoint/",
        GET="404 404 404 404 404 404 404",
        POST="404 404 404 404 404 404 404",
    ),
}


def walk(patterns, prefix: str = "") -> Iterator[str]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from walk(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern)


def mounted_routes() -> set[str]:
    return {
        route
        for route in walk(get_resolver().url_patterns)
        if not route.startswith(DELEGATED_PREFIXES)
    }


def test_every_url_has_an_entry_in_the_authorization_table():
    missing = sorted(mounted_routes() - TABLE.keys())
    assert not missing, (
        "Decide who may use these URLs and add them to TABLE in "
        f"tests/security/test_authorization_matrix.py: {missing}"
    )


def test_every_entry_of_the_table_names_a_mounted_url():
    stale = sorted(TABLE.keys() - mounted_routes())
    assert not stale, f"These TABLE entries match no URL any more: {stale}"


def observe(row: Row, world: World, method: str) -> list[int]:
    path = row.path(world)
    roles = API_ROLES if row.api else PAGE_ROLES
    statuses = []
    for role in roles:
        client = client_for(world, role, row.api)
        send = getattr(client, method.lower())
        kwargs = {"content_type": "application/json"} if row.api and method != "GET" else {}
        statuses.append(send(path, **kwargs).status_code)
    return statuses


@pytest.mark.django_db
@pytest.mark.parametrize("route", sorted(TABLE))
def test_each_role_gets_the_expected_status(route: str, world: World):
    if route not in mounted_routes():
        pytest.fail(f"{route!r} is in the table but not mounted")
    row = TABLE[route]
    roles = API_ROLES if row.api else PAGE_ROLES
    problems = []
    observed_row = {}
    for method in row.expect:
        observed = observe(row, world, method)
        observed_row[method] = " ".join(map(str, observed))
        expected = row.statuses(method)
        for role, want, got in zip(roles, expected, observed, strict=True):
            if want != got:
                problems.append(f"{method} {row.path(world)} as {role}: expected {want}, got {got}")
    if os.environ.get("MATRIX_PRINT"):
        print(f"\n{route!r}: {observed_row}")
    assert not problems, "\n".join(problems)


@pytest.mark.django_db
def test_the_admin_admits_only_staff(world: World):
    for role in PAGE_ROLES:
        response = client_for(world, role, api_row=False).get("/admin/")
        user = world.users[role]
        if user is not None and user.is_staff:
            assert response.status_code == 200, role
        else:
            assert response.status_code == 302, role
            assert response["Location"].startswith("/admin/login/"), role


@pytest.mark.django_db
def test_a_staff_member_without_a_permission_cannot_open_that_admin_page(world: World):
    plain_staff = UserFactory(is_staff=True)
    client = Client()
    client.force_login(plain_staff)
    assert client.get("/admin/directory/user/").status_code == 403
    assert client.get("/admin/reviews/review/").status_code == 403
