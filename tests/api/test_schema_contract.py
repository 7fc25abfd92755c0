"""The schema states exactly what the API enforces: each finding of the schema audit.

Each test reads what /api/schema/ promises for a parameter and sends the request both
ways, so the schema and the behaviour can only change together.
"""

import pytest
from django.urls import reverse

from partners.services import MAX_WEBHOOKS_PER_PARTNER
from partners.tests.factories import WebhookEndpointFactory

from .conftest import published_review, verified_practitioner

pytestmark = pytest.mark.django_db

REVIEW_LISTS = ["/api/v1/reviews/", "/api/v1/practitioners/{id}/reviews/"]


@pytest.fixture
def schema(client):
    return client.get(reverse("api:schema"), {"format": "json"}).json()


def parameter(schema, path: str, name: str, method: str = "get") -> dict:
    operation = schema["paths"][path][method]
    return next(p for p in operation["parameters"] if p["name"] == name)


@pytest.fixture
def reviewed():
    practitioner = verified_practitioner()
    for rating in (5, 3):
        published_review(practitioner, rating=rating)
    return practitioner


def review_list_url(path: str, practitioner) -> str:
    return path.replace("{id}", str(practitioner.pk))


@pytest.mark.parametrize("path", REVIEW_LISTS)
def test_rating_on_the_review_lists_is_a_whole_number_from_1_to_5_in_schema_and_api(
    schema, partner_client, reviewed, path
):
    assert parameter(schema, path, "rating")["schema"] == {
        "type": "integer",
        "enum": [1, 2, 3, 4, 5],
    }

    five = partner_client.get(review_list_url(path, reviewed), {"rating": 5})
    half = partner_client.get(review_list_url(path, reviewed), {"rating": "0.5"})

    assert five.status_code == 200
    assert [review["rating"] for review in five.json()["results"]] == [5]
    assert half.status_code == 400
    assert "rating" in half.json()["error"]["fields"]


def test_min_rating_takes_any_number_from_1_to_5_and_refuses_0_5(schema, partner_client):
    assert parameter(schema, "/api/v1/practitioners/", "min_rating")["schema"] == {
        "type": "number",
        "minimum": 1,
        "maximum": 5,
    }

    assert partner_client.get("/api/v1/practitioners/", {"min_rating": "4.5"}).status_code == 200
    refused = partner_client.get("/api/v1/practitioners/", {"min_rating": "0.5"})
    assert refused.status_code == 400
    assert refused.json()["error"]["fields"]["min_rating"] == ["Enter a rating between 1 and 5."]


@pytest.mark.parametrize(
    "path", ["/api/v1/practitioners/", "/api/v1/reviews/", "/api/v1/procedures/"]
)
def test_an_empty_cursor_is_documented_and_starts_at_the_first_page(schema, partner_client, path):
    cursor = parameter(schema, path, "cursor")
    assert cursor["allowEmptyValue"] is True

    response = partner_client.get(path, {"cursor": ""})

    assert response.status_code == 200
    assert response.json() == partner_client.get(path).json()


def test_a_cursor_the_api_did_not_issue_is_a_400_and_the_schema_says_so(schema, partner_client):
    cursor = parameter(schema, "/api/v1/procedures/", "cursor")
    assert "Any other value is a 400" in cursor["description"]

    response = partner_client.get("/api/v1/procedures/", {"cursor": "Ã"})

    assert response.status_code == 400
    assert "cursor" in response.json()["error"]["fields"]


def test_an_empty_profession_is_documented_and_means_every_profession(schema, partner_client):
    profession = parameter(schema, "/api/v1/practitioners/", "profession")
    assert profession["allowEmptyValue"] is True
    assert set(profession["schema"]["enum"]) >= {"physician", "nurse_practitioner"}
    verified_practitioner(profession="physician")
    verified_practitioner(profession="esthetician")

    empty = partner_client.get("/api/v1/practitioners/", {"profession": ""})
    unknown = partner_client.get("/api/v1/practitioners/", {"profession": "wizard"})

    assert empty.status_code == 200
    assert len(empty.json()["results"]) == 2
    assert unknown.status_code == 400


def test_every_search_filter_is_typed_from_the_filterset(schema):
    def typed(name):
        return parameter(schema, "/api/v1/practitioners/", name)["schema"]

    assert typed("lat") == {"type": "number", "minimum": -90, "maximum": 90}
    assert typed("radius_km") == {"type": "number", "minimum": 1, "maximum": 500}
    assert typed("q")["maxLength"] == 100
    assert typed("verified")["enum"] == ["0", "1", "false", "no", "off", "on", "true", "yes"]
    assert typed("sort")["enum"] == ["relevance", "rating", "reviews", "distance"]
    assert "microneedling" in typed("procedure")["enum"]
    exclude = parameter(schema, "/api/v1/practitioners/", "exclude_complication")
    assert exclude["schema"]["items"]["enum"][0] == "infection"
    assert exclude["explode"] is True


@pytest.mark.parametrize("value", ["TRUE", " 1", "2"])
def test_a_flag_is_one_of_the_documented_words_exactly(partner_client, value):
    response = partner_client.get("/api/v1/practitioners/", {"verified": value})

    assert response.status_code == 400
    assert response.json()["error"]["fields"]["verified"] == [
        "Use 1 to turn this filter on, or leave it out."
    ]


@pytest.mark.parametrize("value", ["abc", "0", "101", " 5", "+5", "1_0", "\u0665", "9" * 50])
def test_a_malformed_page_size_on_the_webhook_list_is_a_documented_400(
    schema, client_with_scopes, value
):
    hooks = client_with_scopes("read", "webhooks")
    assert "400" in schema["paths"]["/api/v1/webhooks/"]["get"]["responses"]

    response = hooks.get("/api/v1/webhooks/", {"page_size": value})

    assert response.status_code == 400
    assert response.json()["error"]["fields"]["page_size"] == [
        "Enter a whole number from 1 to 100."
    ]


def test_every_operation_lists_every_error_status_the_api_can_answer(schema):
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            statuses = set(operation["responses"])
            assert {"400", "401", "403", "405", "406", "413", "414", "429", "431", "503"} <= (
                statuses
            ), f"{method} {path}"
            assert ("404" in statuses) == ("{" in path), f"{method} {path}"
            assert "Retry-After" in operation["responses"]["503"]["headers"]


def test_an_over_long_address_on_the_webhook_list_is_a_414_the_schema_lists(
    schema, client_with_scopes
):
    hooks = client_with_scopes("read", "webhooks")
    assert "414" in schema["paths"]["/api/v1/webhooks/"]["get"]["responses"]

    response = hooks.get("/api/v1/webhooks/", {"page_size": "1" * 5000})

    assert response.status_code == 414
    assert response.json()["error"]["code"] == "uri_too_long"


def test_a_deleted_webhook_and_its_deliveries_answer_404(client_with_scopes):
    hooks = client_with_scopes("read", "webhooks")
    endpoint_id = hooks.post(
        "/api/v1/webhooks/", {"url": "https://hooks.example.com/in"}, format="json"
    ).json()["id"]

    assert hooks.delete(f"/api/v1/webhooks/{endpoint_id}/").status_code == 204

    assert hooks.get(f"/api/v1/webhooks/{endpoint_id}/").status_code == 404
    assert hooks.get(f"/api/v1/webhooks/{endpoint_id}/deliveries/").status_code == 404
    assert hooks.get("/api/v1/webhooks/").json()["results"] == []


def test_registering_past_the_webhook_limit_is_a_documented_409(schema, client_with_scopes):
    hooks = client_with_scopes("read", "webhooks")
    WebhookEndpointFactory.create_batch(MAX_WEBHOOKS_PER_PARTNER, partner=hooks.key.partner)
    assert "409" in schema["paths"]["/api/v1/webhooks/"]["post"]["responses"]

    response = hooks.post(
        "/api/v1/webhooks/", {"url": "https://hooks.example.com/in"}, format="json"
    )

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "too_many_webhooks"


def test_the_schema_links_a_new_webhook_to_reading_and_deleting_it(schema):
    links = schema["paths"]["/api/v1/webhooks/"]["post"]["responses"]["201"]["links"]

    assert links["GetWebhook"] == {
        "operationId": "v1_webhooks_retrieve",
        "parameters": {"id": "$response.body#/id"},
    }
    assert links["DeleteWebhook"]["operationId"] == "v1_webhooks_destroy"
    invitation = schema["paths"]["/api/v1/review-invitations/"]["post"]["responses"]["201"]
    assert invitation["links"]["GetPractitioner"]["parameters"] == {
        "id": "$response.body#/practitioner"
    }


def test_an_accept_header_without_json_is_a_documented_406(schema, partner_client):
    assert "406" in schema["paths"]["/api/v1/procedures/"]["get"]["responses"]

    response = partner_client.get("/api/v1/procedures/", HTTP_ACCEPT="text/html")

    assert response.status_code == 406
    assert response.json()["error"]["code"] == "not_acceptable"
