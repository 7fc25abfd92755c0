"""The OpenAPI schema, the docs page under the site's CSP, and the one error shape."""

import re

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db

ENDPOINTS = {
    "/api/v1/practitioners/": {"get"},
    "/api/v1/practitioners/{id}/": {"get"},
    "/api/v1/practitioners/{id}/reviews/": {"get"},
    "/api/v1/reviews/": {"get"},
    "/api/v1/procedures/": {"get"},
    "/api/v1/review-invitations/": {"post"},
    "/api/v1/webhooks/": {"get", "post"},
    "/api/v1/webhooks/{id}/": {"get", "delete"},
    "/api/v1/webhooks/{id}/deliveries/": {"get"},
    "/api/v1/webhooks/{id}/deliveries/{delivery_id}/replay/": {"post"},
}


@pytest.fixture
def schema(client):
    response = client.get(reverse("api:schema"), {"format": "json"})
    assert response.status_code == 200
    return response.json()


def test_the_schema_describes_every_endpoint_and_the_bearer_scheme(schema):
    paths = {path: set(ops) - {"parameters"} for path, ops in schema["paths"].items()}

    assert paths == ENDPOINTS
    assert schema["components"]["securitySchemes"]["PartnerKey"] == {
        "type": "http",
        "scheme": "bearer",
        "description": "A partner API key: `Authorization: Bearer pdk_…`.",
    }
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            assert operation["security"] == [{"PartnerKey": []}], (path, method)
            for status in ("401", "403", "429"):
                error = operation["responses"][status]["content"]["application/json"]
                assert error["schema"] == {"$ref": "#/components/schemas/Error"}, (path, status)


def test_the_schema_lists_every_search_parameter_and_the_errors_they_can_cause(schema):
    search = schema["paths"]["/api/v1/practitioners/"]["get"]
    names = {parameter["name"] for parameter in search["parameters"]}

    assert names >= {
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
        "cursor",
        "page_size",
    }
    assert "400" in search["responses"]
    assert "Retry-After" in search["responses"]["429"]["headers"]
    invite = schema["paths"]["/api/v1/review-invitations/"]["post"]
    assert {"201", "400", "409"} <= set(invite["responses"])
    assert "Idempotency-Key" in {p["name"] for p in invite["parameters"]}


def test_the_docs_page_runs_under_the_sites_content_security_policy(client):
    response = client.get(reverse("api:docs"))

    assert response.status_code == 200
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "style-src 'self'" in policy
    html = response.content.decode()
    assert not re.search(r"<script(?![^>]*\ssrc=)[^>]*>", html), "no inline scripts"
    assert "<style" not in html
    assert " style=" not in html
    assert "//cdn" not in html
    for src in re.findall(r'(?:src|href)="/static/([^"]+)"', html):
        assert finders.find(src), src
    assert 'data-schema-url="/api/schema/"' in html


def test_an_unknown_api_path_is_a_json_404(partner_client):
    response = partner_client.get("/api/v2/practitioners/")

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_a_method_the_endpoint_does_not_have_is_a_405(partner_client):
    response = partner_client.delete(reverse("api:practitioner-list"))

    assert response.status_code == 405
    assert response.json() == {
        "error": {
            "code": "method_not_allowed",
            "message": 'Method "DELETE" not allowed.',
            "fields": {},
        }
    }


def test_the_schema_and_docs_need_no_key():
    client = APIClient()

    assert client.get(reverse("api:schema")).status_code == 200
    assert client.get(reverse("api:docs")).status_code == 200


@pytest.mark.parametrize(
    "path",
    ["/api/v1/practitioners/%0A/reviews/", "/api/v1/practitioners/-1/", "/api/v1/%F2%BF%BD%87"],
)
def test_any_unmatched_api_path_answers_json_even_with_odd_characters(partner_client, path):
    for method in ("get", "post", "delete"):
        response = getattr(partner_client, method)(path)

        assert response.status_code == 404, (method, path)
        assert response["Content-Type"] == "application/json"
