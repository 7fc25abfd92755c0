"""Every failure is an OperationOutcome with the right status — never HTML, never a 500."""

import json

import pytest
from django.db import OperationalError, connection
from rest_framework.test import APIClient

from fhir_api.tests.conftest import fhir_client, validated
from kernel.limits import bad_request
from kernel.middleware import server_error, service_unavailable
from partners.tests.factories import partner_key
from practitioners.tests.factories import PractitionerFactory

pytestmark = pytest.mark.django_db
FHIR_JSON = "application/fhir+json; charset=utf-8"


def outcome(response, status: int, issue: str) -> str:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == FHIR_JSON
    body = validated(json.loads(response.content))
    assert body["resourceType"] == "OperationOutcome"
    assert body["issue"][0]["severity"] == "error"
    assert body["issue"][0]["code"] == issue
    return body["issue"][0]["diagnostics"]


def test_a_request_without_a_key_is_a_401_outcome(client):
    response = client.get("/fhir/r4/Practitioner")
    assert "Authorization" in outcome(response, 401, "login")
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_an_unknown_key_is_a_401_outcome(client):
    response = client.get("/fhir/r4/Practitioner", HTTP_AUTHORIZATION="Bearer pdk_nope")
    outcome(response, 401, "login")


def test_a_key_without_the_fhir_scope_is_a_403_outcome(db):
    response = fhir_client("read").get("/fhir/r4/Practitioner")
    assert "fhir" in outcome(response, 403, "forbidden")


def test_a_throttled_key_gets_a_429_outcome_with_retry_after(db):
    _, raw_key = partner_key(name="Slow partner", scopes=["read", "fhir"], rate=1)
    headers = {"HTTP_AUTHORIZATION": f"Bearer {raw_key}"}
    client = APIClient()
    assert client.get("/fhir/r4/Organization", **headers).status_code == 200
    response = client.get("/fhir/r4/Organization", **headers)
    outcome(response, 429, "throttled")
    assert int(response["Retry-After"]) >= 1


@pytest.mark.parametrize(
    ("path", "status", "issue"),
    [
        ("/fhir/r4/Patient", 404, "not-supported"),
        ("/fhir/r4/Patient/1", 404, "not-supported"),
        ("/fhir/r4/Practitioner/999999", 404, "not-found"),
        ("/fhir/r4/Practitioner/abc", 404, "not-found"),
        ("/fhir/r4/Practitioner/a_b", 400, "invalid"),
        ("/fhir/r4/Practitioner/" + "9" * 65, 400, "invalid"),
        ("/fhir/r4/Practitioner?family=Smith", 400, "invalid"),
        ("/fhir/r4/Practitioner?name:missing=true", 400, "not-supported"),
        ("/fhir/r4/Practitioner?_sort=name", 400, "invalid"),
        ("/fhir/r4/Practitioner?_count=0", 400, "invalid"),
        ("/fhir/r4/Practitioner?_count=101", 400, "invalid"),
        ("/fhir/r4/Practitioner?_count=ten", 400, "invalid"),
        ("/fhir/r4/Practitioner?_cursor=abc", 400, "invalid"),
        ("/fhir/r4/Practitioner?_total=all", 400, "invalid"),
        ("/fhir/r4/Practitioner?_lastUpdated=yesterday", 400, "invalid"),
        ("/fhir/r4/Practitioner?_lastUpdated=ap2026-01-01", 400, "invalid"),
        ("/fhir/r4/Practitioner?_id=a_b", 400, "invalid"),
        ("/fhir/r4/Practitioner?_include=PractitionerRole:practitioner", 400, "invalid"),
        ("/fhir/r4/Practitioner?_format=xml", 400, "not-supported"),
        ("/fhir/r4/Practitioner?name=", 400, "invalid"),
        ("/fhir/r4/Organization?_lastUpdated=gt2026-13-45", 400, "invalid"),
        ("/fhir/r4/Location?near=north", 400, "invalid"),
        ("/fhir/r4/Location?near=30|-97|10|parsecs", 400, "invalid"),
        ("/fhir/r4/Location?near=91|-97|10|km", 400, "invalid"),
        ("/fhir/r4/Location?near=30|-97|900|km", 400, "invalid"),
        ("/fhir/r4/VerificationResult?target=Location/1", 400, "invalid"),
        ("/fhir/r4/StructureDefinition/nothing", 404, "not-found"),
        ("/fhir/r4/CodeSystem/nothing", 404, "not-found"),
        ("/fhir/r4/Practitioner/1/_history", 404, "not-found"),
        ("/fhir/r4/", 404, "not-found"),
    ],
)
def test_a_request_the_api_cannot_answer_is_an_outcome(fhir, path, status, issue):
    PractitionerFactory()
    outcome(fhir.get(path), status, issue)


def test_writes_are_refused_with_an_outcome(fhir):
    practitioner = PractitionerFactory()
    outcome(fhir.post("/fhir/r4/Practitioner", {}, format="json"), 405, "not-supported")
    outcome(fhir.delete(f"/fhir/r4/Practitioner/{practitioner.pk}"), 405, "not-supported")
    outcome(fhir.put(f"/fhir/r4/Practitioner/{practitioner.pk}", {}), 405, "not-supported")
    outcome(fhir.options("/fhir/r4/Practitioner"), 405, "not-supported")


def test_a_browser_asking_for_html_still_gets_fhir_json(fhir):
    response = fhir.get("/fhir/r4/Patient", HTTP_ACCEPT="text/html")
    outcome(response, 404, "not-supported")
    response = fhir.get("/fhir/r4/Organization", HTTP_ACCEPT="text/html")
    assert response.status_code == 200
    assert response["Content-Type"] == FHIR_JSON


def test_a_request_refused_before_any_view_is_an_outcome_too(fhir):
    response = fhir.get("/fhir/r4/Practitioner?name=" + "a" * 5000)
    outcome(response, 414, "too-costly")
    assert response["Cache-Control"] == "no-store"


def test_a_database_outage_is_a_503_outcome(fhir, monkeypatch):
    fhir.raise_request_exception = False
    fhir.get("/fhir/r4/metadata")  # the key is looked up and cached before the outage

    def refuse(*args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(connection, "ensure_connection", refuse)
    response = fhir.get("/fhir/r4/Practitioner")
    outcome(response, 503, "transient")
    assert response["Retry-After"] == "30"


def test_the_kernels_handlers_answer_outcomes_under_fhir(rf):
    request = rf.get("/fhir/r4/Practitioner")
    outcome(bad_request(request, ValueError("bad")), 400, "invalid")
    outcome(service_unavailable(request), 503, "transient")
    outcome(server_error(request), 500, "exception")
