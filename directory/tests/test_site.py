import pytest
from django.db import connection

pytestmark = pytest.mark.django_db


def test_healthz_says_ok_when_the_database_answers(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert response["Cache-Control"].startswith("max-age=0")


def test_healthz_says_unavailable_when_the_database_fails(client, monkeypatch):
    def broken_cursor(*args, **kwargs):
        raise connection.Database.OperationalError("server closed the connection")

    monkeypatch.setattr(connection, "cursor", broken_cursor)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["status"] == "unavailable"


def test_healthz_refuses_post(client):
    assert client.post("/healthz").status_code == 405


def test_home_page_offers_a_search_box_with_the_procedures(client):
    response = client.get("/")
    assert response.status_code == 200
    body = response.content.decode()
    assert 'role="search"' in body
    assert "RF microneedling" in body


def test_pages_carry_a_strict_content_security_policy(client):
    policy = client.get("/")["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "unsafe-inline" not in policy


def test_the_moderation_policy_lists_every_reason_code(client):
    from reviews.policy import PolicyReason

    body = client.get("/moderation-policy/").content.decode()
    for reason in PolicyReason:
        assert f"<code>{reason.value}</code>" in body
    assert "never remove a review because it is negative" in body
