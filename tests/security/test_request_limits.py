"""Requests over the documented limits get the right status and a clear answer, never a 500.

Under /api/ every answer outside 2xx is JSON in the API's error shape; pages get a page.
The same limits are checked against real gunicorn in ``test_request_limits_gunicorn.py``.
"""

import json

import pytest
from django.db import OperationalError, connection
from django.test import Client

from kernel import limits
from partners.api.parsers import nesting_depth
from partners.models import WebhookEndpoint
from partners.tests.factories import partner_key
from reviews.models import ReviewInvitation

pytestmark = pytest.mark.django_db

TWO_MB = 2 * 1024 * 1024


@pytest.fixture
def api():
    _, raw = partner_key(scopes=["read", "invite", "webhooks"])
    return Client(raise_request_exception=False, HTTP_AUTHORIZATION=f"Bearer {raw}")


def assert_api_error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "fields"}
    assert body["error"]["code"] == code
    return body["error"]


def nested(levels: int) -> str:
    return "[" * levels + "]" * levels


@pytest.mark.parametrize("path", ["/api/v1/review-invitations/", "/api/v1/webhooks/"])
def test_json_nested_two_thousand_levels_deep_is_a_400_with_the_documented_depth(api, path):
    response = api.post(path, nested(2000), content_type="application/json")

    error = assert_api_error(response, 400, "too_deep")
    assert error["message"] == (
        "The JSON body is nested more than 32 levels deep; this API accepts at most 32."
    )
    assert not ReviewInvitation.objects.exists()
    assert not WebhookEndpoint.objects.exists()


@pytest.mark.parametrize("levels", [33, 500])
def test_json_just_past_the_depth_is_refused_however_the_decoder_copes(api, levels):
    body = json.dumps({"url": "https://hooks.example.com/", "events": json.loads(nested(levels))})

    response = api.post("/api/v1/webhooks/", body, content_type="application/json")

    assert_api_error(response, 400, "too_deep")


def test_json_within_the_depth_reaches_the_endpoint_and_its_own_validation(api):
    body = json.dumps({"url": "not a url", "events": json.loads(nested(30))})

    response = api.post("/api/v1/webhooks/", body, content_type="application/json")

    error = assert_api_error(response, 400, "invalid")
    assert "url" in error["fields"]


@pytest.mark.parametrize("path", ["/api/v1/review-invitations/", "/api/v1/webhooks/"])
def test_a_body_over_two_megabytes_is_a_413_with_both_sizes_in_bytes(api, path):
    body = json.dumps({"email": "a" * TWO_MB})

    response = api.post(path, body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="k")

    error = assert_api_error(response, 413, "request_too_large")
    assert error["message"] == (
        f"The request body is {len(body):,} bytes; at most 2,097,152 bytes (2 MB) are accepted."
    )


def test_a_body_of_exactly_two_megabytes_is_read_and_validated(api):
    padding = TWO_MB - len(json.dumps({"url": "", "events": []}))
    body = json.dumps({"url": "x" * padding, "events": []})
    assert len(body) == TWO_MB

    response = api.post("/api/v1/webhooks/", body, content_type="application/json")

    assert_api_error(response, 400, "invalid")


def test_an_oversized_body_is_refused_before_the_key_is_even_checked():
    response = Client().post(
        "/api/v1/webhooks/", "x" * (TWO_MB + 1), content_type="application/json"
    )

    assert_api_error(response, 413, "request_too_large")


def test_a_content_length_that_is_not_a_number_is_a_400(api):
    response = api.generic(
        "POST", "/api/v1/webhooks/", b"{}", "application/json", CONTENT_LENGTH="lots"
    )

    assert_api_error(response, 400, "invalid_content_length")


def test_an_address_over_4096_bytes_is_a_json_414_under_the_api(api):
    response = api.get("/api/v1/practitioners/", {"q": "a" * 4100})

    error = assert_api_error(response, 414, "uri_too_long")
    assert "at most 4,096 bytes" in error["message"]


def test_an_address_of_4096_bytes_is_answered_normally(api):
    path = "/api/v1/practitioners/?q="
    response = api.get(path + "a" * (4096 - len(path)))

    assert response.status_code == 400  # the search's own answer: the text is too long
    assert response.json()["error"]["code"] == "invalid"


def test_an_address_over_the_limit_is_a_414_page_elsewhere():
    response = Client().get("/practitioners/", {"q": "a" * 4100})

    assert response.status_code == 414
    assert response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    assert "That address is too long" in html
    assert "at most 4,096 bytes are accepted" in html


def test_a_header_over_8190_bytes_is_a_json_431_naming_the_header(api):
    response = api.get("/api/v1/procedures/", HTTP_X_NOTE="n" * 8200)

    error = assert_api_error(response, 431, "headers_too_large")
    assert error["message"].startswith("The X-Note header is 8,208 bytes;")


def test_too_many_headers_are_a_431(api):
    extra = {f"HTTP_X_H{n}": "1" for n in range(limits.MAX_HEADER_COUNT)}

    response = api.get("/api/v1/procedures/", **extra)

    assert_api_error(response, 431, "headers_too_large")


def test_headers_adding_up_to_more_than_32_kb_are_a_431(api):
    extra = {f"HTTP_X_H{n}": "v" * 4000 for n in range(9)}

    response = api.get("/api/v1/procedures/", **extra)

    error = assert_api_error(response, 431, "headers_too_large")
    assert "at most 32,768 bytes" in error["message"]


def test_an_oversized_cookie_gets_a_page_that_says_how_to_fix_it():
    response = Client(HTTP_COOKIE="big=" + "c" * 9000).get("/")

    assert response.status_code == 431
    assert "clearing this site\N{RIGHT SINGLE QUOTATION MARK}s cookies" in response.content.decode()


def test_a_form_with_more_than_two_megabytes_of_text_is_a_413_page():
    response = Client(raise_request_exception=False).post(
        "/accounts/login/", {"username": "x", "password": "y" * (3 * 1024 * 1024)}
    )

    assert response.status_code == 413
    assert "add up to more than 2,097,152 bytes" in response.content.decode()


def test_a_page_body_over_a_whole_evidence_submission_is_refused_before_it_is_read(settings):
    too_much = limits.page_body_max_bytes() + 1

    response = Client().generic(
        "POST", "/accounts/login/", b"", "text/plain", CONTENT_LENGTH=str(too_much)
    )

    assert response.status_code == 413
    assert f"The request body is {too_much:,} bytes" in response.content.decode()
    assert too_much > settings.EVIDENCE_MAX_FILES * settings.EVIDENCE_MAX_BYTES


def test_the_api_answers_503_in_its_error_shape_while_the_database_is_down(api, monkeypatch):
    def refuse(*args, **kwargs):
        raise OperationalError("connection to server at 127.0.0.1 failed: Connection refused")

    monkeypatch.setattr(connection, "ensure_connection", refuse)

    for path in ("/api/v1/practitioners/", "/api/v1/procedures/", "/api/v1/webhooks/"):
        response = api.get(path)
        error = assert_api_error(response, 503, "service_unavailable")
        assert error["message"].startswith("The directory is briefly unavailable")
        assert response["Retry-After"] == "30"
        assert "Connection refused" not in response.content.decode()


def test_an_unexpected_error_under_the_api_is_json_not_the_html_page(rf):
    from kernel.middleware import server_error

    request = rf.get("/api/v1/practitioners/")
    try:
        raise RuntimeError("a bug")
    except RuntimeError:
        response = server_error(request)

    assert response.status_code == 500
    assert json.loads(response.content)["error"]["code"] == "server_error"


def test_a_forged_host_under_the_api_is_a_json_400():
    response = Client(raise_request_exception=False).get(
        "/api/v1/procedures/", HTTP_HOST="evil.example"
    )

    assert_api_error(response, 400, "bad_request")


@pytest.mark.parametrize(
    ("value", "depth"),
    [(1, 0), ([], 1), ({"a": [1, {"b": []}]}, 4), ([[[]], []], 3)],
)
def test_nesting_depth_counts_arrays_and_objects(value, depth):
    assert nesting_depth(value) == depth


def test_a_refusal_page_carries_the_sites_security_headers():
    response = Client().get("/practitioners/", {"q": "a" * 4100})

    assert response.status_code == 414
    assert "default-src 'self'" in response["Content-Security-Policy"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
