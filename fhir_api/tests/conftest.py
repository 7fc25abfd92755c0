"""Fixtures of the FHIR API tests: a client holding a ``read,fhir`` key, and validation of
every answer with the R4B models of ``fhir.resources``."""

import pytest
from fhir.resources.R4B import get_fhir_model_class
from rest_framework.test import APIClient

from partners.tests.factories import partner_key


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
    _, raw_key = partner_key(name=name, scopes=scopes or ["read", "fhir"])
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw_key}")
    return client


@pytest.fixture
def fhir(db):
    """A client with a ``read,fhir`` key."""
    return fhir_client()
