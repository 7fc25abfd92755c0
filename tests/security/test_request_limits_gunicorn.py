"""The documented request limits, against real gunicorn under production settings.

Gunicorn's own limits (``gunicorn.conf.py``) sit above the application's, so a request
over an application limit reaches Django and gets the API's JSON error (or a page), not
gunicorn's plain error page; only beyond gunicorn's limits does gunicorn answer itself.
"""

import json

import pytest

from .production_server import Site, production_site

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    with production_site(
        tmp_path_factory.mktemp("limits"), suffix="limits", extra_env={"WEB_CONCURRENCY": "1"}
    ) as site:
        site.key = site.manage(
            "create_partner_key", "Limits partner", "--scopes", "read,invite,webhooks"
        ).strip()
        yield site


def api_error(answer: tuple[int, dict, bytes], status: int, code: str) -> dict:
    got, headers, body = answer
    assert got == status, body[:300]
    assert headers["Content-Type"].startswith("application/json"), headers
    error = json.loads(body)["error"]
    assert set(error) == {"code", "message", "fields"}
    assert error["code"] == code
    return error


def page(answer: tuple[int, dict, bytes], status: int) -> str:
    got, headers, body = answer
    assert got == status, body[:300]
    assert headers["Content-Type"].startswith("text/html"), headers
    return body.decode()


def test_an_over_long_api_address_gets_the_apis_json_414(site: Site):
    answer = site.request("GET", "/api/v1/practitioners/?q=" + "a" * 6000)

    error = api_error(answer, 414, "uri_too_long")
    assert "at most 4,096 bytes" in error["message"]


def test_an_over_long_page_address_gets_the_sites_414_page(site: Site):
    html = page(site.request("GET", "/practitioners/?q=" + "a" * 6000), 414)

    assert "That address is too long" in html


def test_an_over_long_api_header_gets_the_apis_json_431(site: Site):
    answer = site.request("GET", "/api/v1/procedures/", headers={"X-Note": "n" * 12_000})

    error = api_error(answer, 431, "headers_too_large")
    assert error["message"] == (
        "The X-Note header is 12,008 bytes; one header may have at most 8,190 bytes."
    )


def test_an_over_long_cookie_gets_the_sites_431_page(site: Site):
    html = page(site.request("GET", "/", headers={"Cookie": "c=" + "x" * 12_000}), 431)

    assert "clearing this site" in html


def test_more_than_a_hundred_headers_get_the_apis_json_431(site: Site):
    headers = {f"X-Extra-{n}": "1" for n in range(110)}

    api_error(site.request("GET", "/api/v1/procedures/", headers=headers), 431, "headers_too_large")


def test_a_body_over_two_megabytes_gets_the_apis_json_413(site: Site):
    body = json.dumps({"url": "x" * (2 * 1024 * 1024)}).encode()
    headers = {"Authorization": f"Bearer {site.key}", "Content-Type": "application/json"}

    answer = site.request("POST", "/api/v1/webhooks/", body=body, headers=headers)

    error = api_error(answer, 413, "request_too_large")
    assert f"{len(body):,} bytes" in error["message"]


@pytest.mark.parametrize("path", ["/api/v1/review-invitations/", "/api/v1/webhooks/"])
def test_json_nested_two_thousand_levels_deep_gets_a_400(site: Site, path: str):
    headers = {"Authorization": f"Bearer {site.key}", "Content-Type": "application/json"}

    answer = site.request("POST", path, body=b"[" * 2000 + b"]" * 2000, headers=headers)

    api_error(answer, 400, "too_deep")


def test_beyond_gunicorns_own_limit_gunicorn_refuses_the_request_line_itself(site: Site):
    status, headers, _ = site.request("GET", "/api/v1/practitioners/?q=" + "a" * 9000)

    assert status == 414
    assert not headers.get("Content-Type", "").startswith("application/json")


def test_the_server_keeps_answering_after_every_refusal(site: Site):
    status, _, body = site.request(
        "GET", "/api/v1/procedures/", headers={"Authorization": f"Bearer {site.key}"}
    )

    assert status == 200, body[:300]
    assert site.request("GET", "/healthz")[0] == 200
    assert "Traceback" not in site.log.read_text()
