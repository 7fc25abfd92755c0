"""Fixtures for the partner API tests: clients holding keys of given scopes, rich data."""

import datetime

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from directory.tests.factories import UserFactory
from partners import throttling
from partners.tests.factories import partner_key
from practitioners.tests.factories import (
    AttestationFactory,
    ClinicFactory,
    EvidenceFactory,
    PractitionerFactory,
)
from reviews.summaries import refresh_summary
from reviews.tests.factories import (
    ComplicationFactory,
    PractitionerResponseFactory,
    ReviewFactory,
    ReviewReportFactory,
    RuleHitFactory,
)

PRIVATE_EMAIL_DOMAIN = "private.example"


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Argon2 is slow by design; these tests create many accounts and never sign in."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def client_with_scopes(db):
    """``client_with_scopes("read", "invite")`` — an API client holding a fresh key."""

    def make(*scopes: str, rate: int | None = None) -> APIClient:
        key, raw_key = partner_key(name="Scoped partner", scopes=scopes or ["read"], rate=rate)
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw_key}")
        client.key, client.raw_key = key, raw_key
        return client

    return make


def throttle_queries() -> int:
    """Statements the rate limit adds to a request: none with Redis; without it the
    counter's savepoint, UPDATE, SELECT and release."""
    return 0 if throttling.store() == "redis" else 4


def verified_practitioner(**kwargs):
    """A practitioner with a current licence and sterilization attestation (Verified)."""
    from practitioners.badges import refresh_badge

    practitioner = PractitionerFactory(**kwargs)
    AttestationFactory(
        practitioner=practitioner,
        verified=True,
        verification_source="Texas Board of Nursing online registry",
        next_check_due=timezone.localdate() + datetime.timedelta(days=400),
    )
    AttestationFactory(
        practitioner=practitioner,
        verified=True,
        sterilization=True,
        expires_on=timezone.localdate() + datetime.timedelta(days=300),
    )
    refresh_badge(practitioner.pk)
    practitioner.refresh_from_db()
    return practitioner


def published_review(practitioner, *, complications=(), **kwargs):
    review = ReviewFactory(practitioner=practitioner, published=True, **kwargs)
    for kind, severity in complications:
        ComplicationFactory(review=review, type=kind, severity=severity)
    return review


@pytest.fixture
def rich_practitioner(db):
    """A verified practitioner with everything private the API must never show around them:
    evidence, decision notes, reviewers' e-mails and IPs, rule hits, reports, hidden and
    pending reviews, unpublished responses."""
    practitioner = verified_practitioner(
        clinic=ClinicFactory(email_domain="clinic-private.example"),
        npi=None,
        bio="Licensed nurse practitioner.",
    )
    licence = practitioner.attestations.get(kind="license")
    licence.decision_reason = "PRIVATE-DECISION-NOTE"
    licence.save(update_fields=["decision_reason"])
    EvidenceFactory(attestation=licence, original_name="PRIVATE-EVIDENCE.pdf")
    sterilization = practitioner.attestations.get(kind="sterilization")
    sterilization.items.filter(item="autoclave").update(detail="PRIVATE-ITEM-DETAIL")
    authors = [UserFactory(email=f"reviewer{n}@{PRIVATE_EMAIL_DOMAIN}") for n in range(6)]
    for n, author in enumerate(authors):
        review = published_review(
            practitioner,
            author=author,
            submitted_ip="203.0.113.77",
            skin_type="V",
            complications=[("hyperpigmentation", "moderate")] if n % 2 else [],
        )
        RuleHitFactory(review=review, evidence="PRIVATE-RULE-EVIDENCE")
        ReviewReportFactory(review=review, note="PRIVATE-REPORT-NOTE")
    first = practitioner.reviews.order_by("id").first()
    PractitionerResponseFactory(review=first, status="published", published_at=timezone.now())
    second = practitioner.reviews.order_by("id")[1]
    PractitionerResponseFactory(review=second, body="PRIVATE-UNPUBLISHED-RESPONSE")
    for status in ("pending", "rejected", "hidden", "withdrawn", "changes_requested"):
        ReviewFactory(practitioner=practitioner, status=status, title=f"PRIVATE-{status}")
    refresh_summary(practitioner.pk)
    return practitioner
