"""Fixtures of the FHIR API tests: a client holding a ``read,fhir`` key, and validation of
every answer with the R4B models of ``fhir.resources``."""

from types import SimpleNamespace

import pytest
from fhir.resources.R4B import get_fhir_model_class
from rest_framework.test import APIClient

from partners.tests.factories import partner_key
from practitioners.tests.factories import (
    AttestationFactory,
    ClinicFactory,
    PractitionerFactory,
    procedure,
)
from reviews.summaries import refresh_summary
from tests.api.conftest import published_review, verified_practitioner


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def export_storage(settings, tmp_path):
    """Each test's bulk export files in its own folder."""
    settings.STORAGES = {
        **settings.STORAGES,
        "fhir_exports": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path / "fhir-exports", "base_url": None},
        },
    }
    return tmp_path / "fhir-exports"


def validated(resource: dict) -> dict:
    """``resource`` unchanged, after its R4B model accepted it (raises if not)."""
    get_fhir_model_class(resource["resourceType"]).model_validate(resource)
    return resource


def fhir_client(*scopes: str, name: str = "FHIR partner") -> APIClient:
    key, raw_key = partner_key(name=name, scopes=scopes or ["read", "fhir"])
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw_key}")
    client.partner = key.partner
    return client


@pytest.fixture
def fhir(db):
    """A client with a ``read,fhir`` key."""
    return fhir_client()


@pytest.fixture
def directory(db):
    """Two practitioners in two states: Dana in Austin (verified, NPI, six reviews with
    complications) and Lee in Los Angeles (a pending licence, two reviews)."""
    dana = verified_practitioner(
        first_name="Dana",
        last_name="Okafor",
        npi="1234567893",
        clinic=ClinicFactory(name="Austin Skin", region="TX"),
    )
    for n in range(6):
        published_review(
            dana, rating=4, complications=[("hyperpigmentation", "moderate")] if n % 2 else []
        )
    refresh_summary(dana.pk)
    lee = PractitionerFactory(
        first_name="Lee",
        last_name="Marsh",
        npi="1245319599",
        clinic=ClinicFactory(
            name="Venice Derm", city="Los Angeles", region="CA", latitude=34.05, longitude=-118.24
        ),
        procedures=[procedure("chemical_peel")],
    )
    AttestationFactory(practitioner=lee, number="CA-1")
    for _ in range(2):
        published_review(lee)
    refresh_summary(lee.pk)
    return SimpleNamespace(dana=dana, lee=lee)
