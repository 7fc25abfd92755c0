"""Who may do what, for every URL: one table, checked request by request.

``TABLE`` maps each URL pattern (as the resolver spells it) to a sample path and, per HTTP
method, the status every role must get, in the order of ``PAGE_ROLES`` (HTML pages) or
``API_ROLES`` (the partner API). The walk over the URL resolver fails on any pattern
missing from the table, so a new URL cannot ship without deciding who may use it.

Statuses mean: 200/201 done or shown, 302 sent to sign in (or onwards after a
successful form), 400 refused input, 401 no credentials, 403 not allowed, 404 hidden or
absent, 405 wrong method; ``2FA`` is a 302 to the page that asks for a code or to the one
that sets up an authenticator app (``/accounts/two-factor/verify/``, ``…/setup/``), met
by staff who signed in with their password but have not typed a code yet
(``moderator_without_code``, ``verifier_without_code``) or have no authenticator app yet
(``staff_without_app``). The ``moderator`` and ``verifier`` roles passed the second factor.
Requests carry no form data: a permitted POST is refused as incomplete (400, or the form
shown again with errors as 200), so nothing changes and every role meets the same world.
Run with ``MATRIX_PRINT=1`` to print what each row answers today.
"""

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from directory.tests.clients import Client
from directory.tests.factories import UserFactory

from .conftest import PASSED_SECOND_FACTOR, World, client_for

PAGE_ROLES = (
    "anonymous",
    "patient",
    "other_patient",
    "practitioner",
    "other_practitioner",
    "moderator",
    "verifier",
    "moderator_without_code",
    "verifier_without_code",
    "staff_without_app",
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
# The admin is Django's own, guarded by its own staff and second-factor checks; a few of its
# pages stand for all of them (see test_the_admin_admits_only_staff_who_passed_the_second_factor).
DELEGATED_PREFIXES = ("admin/",)


@dataclass(frozen=True)
class Row:
    path: Callable[[World], str]
    expect: dict[str, str]
    api: bool = False

    def statuses(self, method: str) -> list[str]:
        return self.expect[method].split()


def page(path: str | Callable[[World], str], **expect: str) -> Row:
    return Row(path=path if callable(path) else (lambda w, p=path: p), expect=expect)


def api(path: str | Callable[[World], str], **expect: str) -> Row:
    return Row(path=path if callable(path) else (lambda w, p=path: p), expect=expect, api=True)


# Shorthands, in PAGE_ROLES order. Staff who have not passed the second factor are sent to
# it from every page but signing in and out (and before the method is checked):
#            anon pat  oth  prac oprac mod verif  mod-  verif- no app
EVERYONE = "200 200 200 200 200 200 200 2FA 2FA 2FA"
NOBODY = "405 405 405 405 405 405 405 2FA 2FA 2FA"
# Signing in, out and resetting a password are open to a staff member half-way through.
SIGNING_IN = "200 200 200 200 200 200 200 200 200 200"
SIGNING_IN_NOBODY = "405 405 405 405 405 405 405 405 405 405"
SIGNED_IN = "302 200 200 200 200 200 200 2FA 2FA 2FA"
# Signing in comes first: a visitor is sent to sign in whatever the method.
SIGNED_IN_READ_ONLY = "302 405 405 405 405 405 405 2FA 2FA 2FA"
MODERATORS = "302 403 403 403 403 200 403 2FA 2FA 2FA"
MODERATORS_READ_ONLY = "302 403 403 403 403 405 403 2FA 2FA 2FA"
MODERATORS_WRITE_ONLY = "302 403 403 403 403 405 403 2FA 2FA 2FA"
MODERATORS_ACTION = "302 403 403 403 403 302 403 2FA 2FA 2FA"
VERIFIERS = "302 403 403 403 403 403 200 2FA 2FA 2FA"
VERIFIERS_READ_ONLY = "302 403 403 403 403 403 405 2FA 2FA 2FA"
VERIFIERS_WRITE_ONLY = "302 403 403 403 403 403 405 2FA 2FA 2FA"
# In API_ROLES order: anon session read invite webhooks all revoked
API_READ = "401 401 200 403 403 200 401"
API_READ_ONLY = "401 401 405 403 403 405 401"
API_PUBLIC = "200 200 200 200 200 200 200"
API_NOBODY = "405 405 405 405 405 405 405"
# The FHIR API needs the fhir scope besides read, which none of these keys holds (its own
# tests use keys that do); whatever the method, the key is checked first.
FHIR_KEYED = "401 401 403 403 403 403 401"
FHIR_NO_EXPORT = "00000000-0000-4000-8000-000000000000"

TABLE: dict[str, Row] = {
    "": page("/", GET=EVERYONE, POST=NOBODY),
    "healthz": page("/healthz", GET=SIGNING_IN, POST=SIGNING_IN_NOBODY),
    "moderation-policy/": page("/moderation-policy/", GET=EVERYONE, POST=NOBODY),
    "transparency/": page("/transparency/", GET=EVERYONE, POST=NOBODY),
    # The published documentation (directory/docs.py): public pages, read-only.
    "docs/": page("/docs/", GET=EVERYONE, POST=NOBODY),
    "docs/<slug:slug>/": page("/docs/api/", GET=EVERYONE, POST=NOBODY),
    # Sign-in pages: a POST without data shows the form again with its errors.
    "accounts/login/": page("/accounts/login/", GET=SIGNING_IN, POST=SIGNING_IN),
    "accounts/logout/": page(
        "/accounts/logout/",
        GET=SIGNING_IN_NOBODY,
        POST="302 302 302 302 302 302 302 302 302 302",
    ),
    "accounts/password_change/": page("/accounts/password_change/", GET=SIGNED_IN, POST=SIGNED_IN),
    "accounts/password_change/done/": page(
        "/accounts/password_change/done/", GET=SIGNED_IN, POST=SIGNED_IN_READ_ONLY
    ),
    "accounts/password_reset/": page("/accounts/password_reset/", GET=SIGNING_IN, POST=SIGNING_IN),
    "accounts/password_reset/done/": page(
        "/accounts/password_reset/done/", GET=SIGNING_IN, POST=SIGNING_IN_NOBODY
    ),
    # A made-up token: the page says the link is invalid, to everyone.
    "accounts/reset/<uidb64>/<token>/": page(
        "/accounts/reset/MQ/set-password-token/", GET=SIGNING_IN, POST=SIGNING_IN
    ),
    "accounts/reset/done/": page("/accounts/reset/done/", GET=SIGNING_IN, POST=SIGNING_IN_NOBODY),
    # The second factor. Staff finish signing in with a code; an account with an app must
    # pass it before setting up another (a password alone cannot swap phones). Patients and
    # practitioners are never asked, and the pages say so.
    "accounts/two-factor/": page(
        "/accounts/two-factor/",
        GET="302 403 403 403 403 200 200 2FA 2FA 2FA",
        POST="302 403 403 403 403 405 405 2FA 2FA 2FA",
    ),
    "accounts/two-factor/verify/": page(
        "/accounts/two-factor/verify/",
        GET="302 302 302 302 302 302 302 200 200 2FA",
        POST="302 302 302 302 302 302 302 400 400 2FA",
    ),
    "accounts/two-factor/setup/": page(
        "/accounts/two-factor/setup/",
        GET="302 403 403 403 403 200 200 2FA 2FA 200",
        POST="302 403 403 403 403 400 400 2FA 2FA 400",
    ),
    # Recovery codes are made only by request: a bare POST is sent back to choose a button.
    "accounts/two-factor/recovery-codes/": page(
        "/accounts/two-factor/recovery-codes/",
        GET="302 403 403 403 403 200 200 2FA 2FA 2FA",
        POST="302 403 403 403 403 302 302 2FA 2FA 2FA",
    ),
    # Only right after codes were made; otherwise back to the codes page.
    "accounts/two-factor/recovery-codes/download/": page(
        "/accounts/two-factor/recovery-codes/download/",
        GET="302 403 403 403 403 302 302 2FA 2FA 2FA",
        POST="302 403 403 403 403 405 405 2FA 2FA 2FA",
    ),
    # A member's own data.
    "account/data/": page("/account/data/", GET=SIGNED_IN, POST=SIGNED_IN_READ_ONLY),
    "account/data/download/": page(
        "/account/data/download/", GET=SIGNED_IN, POST=SIGNED_IN_READ_ONLY
    ),
    "account/delete/": page(
        "/account/delete/", GET=SIGNED_IN, POST="302 400 400 400 400 400 400 2FA 2FA 2FA"
    ),
    # The public directory.
    "practitioners/": page("/practitioners/", GET=EVERYONE, POST=NOBODY),
    "practitioners/<slug:slug>/": page(
        lambda w: f"/practitioners/{w.practitioner.slug}/", GET=EVERYONE, POST=NOBODY
    ),
    # Sign-up and e-mail confirmation. A signed-in member is sent on from the sign-up page.
    "accounts/signup/": page(
        "/accounts/signup/",
        GET="200 302 302 302 302 302 302 2FA 2FA 2FA",
        POST="400 302 302 302 302 302 302 2FA 2FA 2FA",
    ),
    "accounts/signup/done/": page("/accounts/signup/done/", GET=EVERYONE, POST=NOBODY),
    # The footer's language switch (Django's set_language): anyone may choose their English;
    # it only sets a cookie and sends the visitor back.
    "i18n/setlang/": page(
        "/i18n/setlang/",
        GET="302 302 302 302 302 302 302 2FA 2FA 2FA",
        POST="302 302 302 302 302 302 302 2FA 2FA 2FA",
    ),
    "accounts/verify/resend/": page(
        "/accounts/verify/resend/",
        GET=SIGNED_IN_READ_ONLY,
        POST="302 302 302 302 302 302 302 2FA 2FA 2FA",
    ),
    # A made-up token is refused, whoever follows it.
    "accounts/verify/<str:token>/": page(
        "/accounts/verify/not-a-real-token/",
        GET="400 400 400 400 400 400 400 2FA 2FA 2FA",
        POST=NOBODY,
    ),
    # Reviews: anyone signed in may write one, except about their own practice.
    "practitioners/<slug:slug>/review/": page(
        lambda w: f"/practitioners/{w.practitioner.slug}/review/",
        GET="302 200 200 403 200 200 200 2FA 2FA 2FA",
        POST="302 400 400 403 400 400 400 2FA 2FA 2FA",
    ),
    "reviews/mine/": page("/reviews/mine/", GET=SIGNED_IN, POST=SIGNED_IN_READ_ONLY),
    # A review's own pages exist only for its author (404 hides it from everyone else).
    "reviews/<int:pk>/submitted/": page(
        lambda w: f"/reviews/{w.pending_review.pk}/submitted/",
        GET="302 200 404 404 404 404 404 2FA 2FA 2FA",
        POST=SIGNED_IN_READ_ONLY,
    ),
    "reviews/<int:pk>/edit/": page(
        lambda w: f"/reviews/{w.pending_review.pk}/edit/",
        GET="302 200 404 404 404 404 404 2FA 2FA 2FA",
        POST="302 400 404 404 404 404 404 2FA 2FA 2FA",
    ),
    # Withdrawing needs nothing but the author's POST: the author's goes through.
    "reviews/<int:pk>/withdraw/": page(
        lambda w: f"/reviews/{w.pending_review.pk}/withdraw/",
        GET="302 200 404 404 404 404 404 2FA 2FA 2FA",
        POST="302 302 404 404 404 404 404 2FA 2FA 2FA",
    ),
    # Only the practitioner who owns the reviewed profile may respond.
    "reviews/<int:pk>/respond/": page(
        lambda w: f"/reviews/{w.published_review.pk}/respond/",
        GET="302 403 403 200 404 403 403 2FA 2FA 2FA",
        POST="302 403 403 400 404 403 403 2FA 2FA 2FA",
    ),
    "reviews/<int:pk>/report/": page(
        lambda w: f"/reviews/{w.published_review.pk}/report/",
        GET=SIGNED_IN,
        POST="302 400 400 400 400 400 400 2FA 2FA 2FA",
    ),
    "reviews/practice/": page(
        "/reviews/practice/",
        GET="302 403 403 200 200 403 403 2FA 2FA 2FA",
        POST=SIGNED_IN_READ_ONLY,
    ),
    "invitations/new/": page(
        "/invitations/new/",
        GET="302 403 403 200 200 403 403 2FA 2FA 2FA",
        POST="302 403 403 400 400 403 403 2FA 2FA 2FA",
    ),
    # A practitioner's dashboard: anyone signed in sees it (to claim a profile); the
    # credential forms are for profile owners, each attestation for its own practitioner.
    "dashboard/": page("/dashboard/", GET=SIGNED_IN, POST=SIGNED_IN_READ_ONLY),
    "dashboard/claim/<slug:slug>/": page(
        lambda w: f"/dashboard/claim/{w.unclaimed.slug}/",
        GET=SIGNED_IN,
        POST="302 400 400 400 400 400 400 2FA 2FA 2FA",
    ),
    "dashboard/credentials/new/": page(
        "/dashboard/credentials/new/",
        GET="302 302 302 200 200 302 302 2FA 2FA 2FA",
        POST="302 302 302 400 400 302 302 2FA 2FA 2FA",
    ),
    "dashboard/sterilization/new/": page(
        "/dashboard/sterilization/new/",
        GET="302 302 302 200 200 302 302 2FA 2FA 2FA",
        POST="302 302 302 400 400 302 302 2FA 2FA 2FA",
    ),
    "dashboard/attestations/<int:pk>/": page(
        lambda w: f"/dashboard/attestations/{w.attestation.pk}/",
        GET="302 404 404 200 404 404 404 2FA 2FA 2FA",
        POST=SIGNED_IN_READ_ONLY,
    ),
    # Adding files to one's own attestation awaiting review: others find no such attestation.
    "dashboard/attestations/<int:pk>/evidence/": page(
        lambda w: f"/dashboard/attestations/{w.attestation.pk}/evidence/",
        GET=SIGNED_IN_READ_ONLY,
        POST="302 404 404 302 404 404 404 2FA 2FA 2FA",
    ),
    "dashboard/npi/": page(
        "/dashboard/npi/", GET=SIGNED_IN_READ_ONLY, POST="302 404 404 302 302 404 404 2FA 2FA 2FA"
    ),
    # Evidence: its practitioner and the verifiers, nobody else.
    "dashboard/evidence/<int:pk>/": page(
        lambda w: f"/dashboard/evidence/{w.evidence.pk}/",
        GET="302 404 404 200 404 404 200 2FA 2FA 2FA",
        POST=SIGNED_IN_READ_ONLY,
    ),
    # Staff: verification, for verifiers only.
    "verification/": page("/verification/", GET=VERIFIERS, POST=VERIFIERS_READ_ONLY),
    "verification/attestations/<int:pk>/": page(
        lambda w: f"/verification/attestations/{w.attestation.pk}/",
        GET=VERIFIERS,
        POST=VERIFIERS_READ_ONLY,
    ),
    # Verifying needs only the version the verifier saw (dates and note are optional):
    # without it the verifier's POST is refused as out of date.
    "verification/attestations/<int:pk>/verify/": page(
        lambda w: f"/verification/attestations/{w.attestation.pk}/verify/",
        GET=VERIFIERS_WRITE_ONLY,
        POST="302 403 403 403 403 403 400 2FA 2FA 2FA",
    ),
    "verification/attestations/<int:pk>/reject/": page(
        lambda w: f"/verification/attestations/{w.attestation.pk}/reject/",
        GET=VERIFIERS_WRITE_ONLY,
        POST="302 403 403 403 403 403 400 2FA 2FA 2FA",
    ),
    "verification/attestations/<int:pk>/revoke/": page(
        lambda w: f"/verification/attestations/{w.attestation.pk}/revoke/",
        GET=VERIFIERS_WRITE_ONLY,
        POST="302 403 403 403 403 403 400 2FA 2FA 2FA",
    ),
    "verification/claims/": page("/verification/claims/", GET=VERIFIERS, POST=VERIFIERS_READ_ONLY),
    "verification/claims/<int:pk>/approve/": page(
        lambda w: f"/verification/claims/{w.claim.pk}/approve/",
        GET=VERIFIERS_WRITE_ONLY,
        POST="302 403 403 403 403 403 302 2FA 2FA 2FA",
    ),
    "verification/claims/<int:pk>/reject/": page(
        lambda w: f"/verification/claims/{w.claim.pk}/reject/",
        GET=VERIFIERS_WRITE_ONLY,
        POST="302 403 403 403 403 403 302 2FA 2FA 2FA",
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
        POST="302 403 403 403 403 400 403 2FA 2FA 2FA",
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
    # The FHIR R4 API (fhir_api, docs/fhir.md): read-only, for keys with read and fhir; its
    # conformance resources are public, like the API schema.
    "fhir/r4/metadata": api("/fhir/r4/metadata", GET=API_PUBLIC, POST=API_NOBODY),
    "fhir/r4/StructureDefinition/<str:fhir_id>": api(
        "/fhir/r4/StructureDefinition/safety-summary", GET=API_PUBLIC, POST=API_NOBODY
    ),
    "fhir/r4/CodeSystem/<str:fhir_id>": api(
        "/fhir/r4/CodeSystem/procedure", GET=API_PUBLIC, POST=API_NOBODY
    ),
    "fhir/r4/<str:kind>": api("/fhir/r4/Practitioner", GET=FHIR_KEYED, POST=FHIR_KEYED),
    "fhir/r4/<str:kind>/<str:fhir_id>": api(
        lambda w: f"/fhir/r4/Practitioner/{w.practitioner.pk}", GET=FHIR_KEYED, POST=FHIR_KEYED
    ),
    "fhir/r4/$export": api("/fhir/r4/$export", GET=FHIR_KEYED, POST=FHIR_KEYED),
    "fhir/r4/$export-status/<uuid:export_id>": api(
        f"/fhir/r4/$export-status/{FHIR_NO_EXPORT}", GET=FHIR_KEYED, POST=FHIR_KEYED
    ),
    "fhir/r4/$export-file/<uuid:export_id>/<str:kind>.ndjson": api(
        f"/fhir/r4/$export-file/{FHIR_NO_EXPORT}/Practitioner.ndjson",
        GET=FHIR_KEYED,
        POST=FHIR_KEYED,
    ),
    "fhir/r4/^[\\s\\S]*$": api(
        "/fhir/r4/no/such/interaction",
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


SECOND_FACTOR_PAGES = ("/accounts/two-factor/verify/", "/accounts/two-factor/setup/")


def outcome(response) -> str:
    """The status, or ``2FA`` for a redirect to the second-factor pages."""
    if response.status_code == 302 and response["Location"].startswith(SECOND_FACTOR_PAGES):
        return "2FA"
    return str(response.status_code)


def observe(row: Row, world: World, method: str) -> list[str]:
    path = row.path(world)
    roles = API_ROLES if row.api else PAGE_ROLES
    outcomes = []
    for role in roles:
        client = client_for(world, role, row.api)
        send = getattr(client, method.lower())
        kwargs = {"content_type": "application/json"} if row.api and method != "GET" else {}
        outcomes.append(outcome(send(path, **kwargs)))
    return outcomes


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
        observed_row[method] = " ".join(observed)
        expected = row.statuses(method)
        for role, want, got in zip(roles, expected, observed, strict=True):
            if want != got:
                problems.append(f"{method} {row.path(world)} as {role}: expected {want}, got {got}")
    if os.environ.get("MATRIX_PRINT"):
        print(f"\n{route!r}: {observed_row}")
    assert not problems, "\n".join(problems)


ADMIN_PAGES = ("/admin/", "/admin/directory/user/", "/admin/reviews/review/")


@pytest.mark.django_db
@pytest.mark.parametrize("path", ADMIN_PAGES)
def test_the_admin_admits_only_staff_who_passed_the_second_factor(world: World, path: str):
    admin = UserFactory(display_name="Ada", is_staff=True, is_superuser=True)
    users = {**world.users, "admin": admin, "admin_without_code": admin}
    expected = {
        "anonymous": "admin sign-in",
        "patient": "admin sign-in",
        "other_patient": "admin sign-in",
        "practitioner": "admin sign-in",
        "other_practitioner": "admin sign-in",
        # Staff see the admin pages their role grants (moderators look up reviews), and
        # nothing else: user accounts are for superusers.
        "moderator": "403" if path == "/admin/directory/user/" else "200",
        "verifier": "200" if path == "/admin/" else "403",
        "moderator_without_code": "2FA",
        "verifier_without_code": "2FA",
        "staff_without_app": "2FA",
        "admin": "200",
        "admin_without_code": "2FA",
    }
    got = {}
    for role in expected:
        client = Client(raise_request_exception=False)
        if users[role] is not None:
            client.force_login(users[role], second_factor=role in PASSED_SECOND_FACTOR)
        response = client.get(path)
        got[role] = outcome(response)
        if got[role] == "302" and response["Location"].startswith("/admin/login/"):
            got[role] = "admin sign-in"
    assert got == expected


@pytest.mark.django_db
def test_a_staff_member_without_a_permission_cannot_open_that_admin_page(world: World):
    plain_staff = UserFactory(is_staff=True)  # with an app, and the session passed it
    client = Client()
    client.force_login(plain_staff)
    assert client.get("/admin/directory/user/").status_code == 403
    assert client.get("/admin/reviews/review/").status_code == 403


@pytest.mark.django_db
def test_a_session_half_way_through_the_second_factor_is_no_key_to_the_api(world: World):
    client = client_for(world, "moderator_without_code", api_row=False)

    response = client.get("/api/v1/practitioners/")

    assert response.status_code == 401
    assert response["Content-Type"] == "application/json"
