"""The world every authorization and page check runs in: one of everything, per role."""

import datetime
from dataclasses import dataclass, field

import pytest

from directory.tests.clients import Client
from directory.tests.factories import UserFactory
from practitioners.tests.factories import (
    AttestationFactory,
    EvidenceFactory,
    PractitionerFactory,
    ProfileClaimFactory,
)
from reviews.tests.factories import (
    PractitionerResponseFactory,
    ReviewFactory,
    ReviewReportFactory,
    SafetyAlertFactory,
    last_month,
)


@dataclass
class World:
    """One of everything, owned by the role fixtures' users."""

    users: dict[str, object]
    practitioner: object
    other_practitioner: object
    unclaimed: object
    published_review: object
    pending_review: object
    attestation: object
    evidence: object
    claim: object
    response: object
    alert: object
    keys: dict[str, str] = field(default_factory=dict)
    webhook: int = 0


@pytest.fixture
def fast_password_hashing(settings):
    # Six accounts per row: Argon2 would spend most of the run hashing factory passwords.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def world(
    fast_password_hashing,
    patient,
    other_patient,
    practitioner_owner,
    other_practitioner_owner,
    moderator,
    verifier,
) -> World:
    practitioner = practitioner_owner.practitioner_profile
    published = ReviewFactory(author=patient, practitioner=practitioner, published=True)
    attestation = AttestationFactory(practitioner=practitioner)
    unclaimed = PractitionerFactory()
    ReviewReportFactory(review=published, reporter=other_patient)
    keys, webhook = partner_keys()
    return World(
        users={
            "anonymous": None,
            "patient": patient,
            "other_patient": other_patient,
            "practitioner": practitioner_owner,
            "other_practitioner": other_practitioner_owner,
            "moderator": moderator,
            "verifier": verifier,
            # The same staff, signed in with their password only (no code typed yet).
            "moderator_without_code": moderator,
            "verifier_without_code": verifier,
            # A moderator and verifier whose account has no authenticator app yet.
            "staff_without_app": UserFactory(
                display_name="Newt", roles=["Moderators", "Verifiers"], second_factor=False
            ),
        },
        practitioner=practitioner,
        other_practitioner=other_practitioner_owner.practitioner_profile,
        unclaimed=unclaimed,
        published_review=published,
        pending_review=ReviewFactory(
            author=patient,
            practitioner=practitioner,
            treatment_month=last_month() - datetime.timedelta(days=40),
        ),
        attestation=attestation,
        evidence=EvidenceFactory(attestation=attestation),
        claim=ProfileClaimFactory(practitioner=unclaimed, user=other_patient),
        response=PractitionerResponseFactory(review=published, author=practitioner_owner),
        alert=SafetyAlertFactory(practitioner=practitioner),
        keys=keys,
        webhook=webhook,
    )


def partner_keys() -> tuple[dict[str, str], int]:
    """Raw API keys, one per API role, and a webhook endpoint of the webhooks key's partner."""
    from partners.models import WebhookEndpoint
    from partners.services import partner_key_create, partner_key_revoke

    keys = {}
    webhook = 0
    for role, scopes in (
        ("key_read", ["read"]),
        ("key_invite", ["invite"]),
        ("key_webhooks", ["webhooks"]),
        ("key_all_scopes", ["read", "invite", "webhooks"]),
        ("key_revoked", ["read", "invite", "webhooks"]),
    ):
        key, raw = partner_key_create(name=f"Partner {role}", scopes=scopes)
        keys[role] = raw
        if role == "key_revoked":
            partner_key_revoke(key_id=key.pk)
        if role == "key_webhooks":
            webhook = WebhookEndpoint.objects.create(
                partner=key.partner,
                url="https://hooks.example.org/directory",
                secret="whsec_matrix",
                events=["review.published"],
            ).pk
    return keys, webhook


# The roles whose session passed the second factor (staff among them typed a code).
PASSED_SECOND_FACTOR = {
    "patient",
    "other_patient",
    "practitioner",
    "other_practitioner",
    "moderator",
    "verifier",
    "admin",
}


def client_for(world: World, role: str, api_row: bool) -> Client:
    client = Client(raise_request_exception=False)
    if api_row:
        if role == "signed_in_patient":
            client.force_login(world.users["patient"])
        elif role.startswith("key_"):
            client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {world.keys[role]}"
        return client
    user = world.users[role]
    if user is not None:
        client.force_login(user, second_factor=role in PASSED_SECOND_FACTOR)
    return client
