"""What members write is shown as text everywhere: pages, staff pages, the admin, e-mails."""

import pytest
from django.core import mail

from directory.tests.clients import Client
from directory.tests.factories import UserFactory
from reviews.services import review_publish
from reviews.tests.factories import (
    ComplicationFactory,
    PractitionerResponseFactory,
    ReviewFactory,
    ReviewReportFactory,
)

pytestmark = pytest.mark.django_db

SCRIPT = '<script>alert("pwned")</script>'
IMAGE = '"><img src=x onerror=alert(1)>'
PAYLOAD = f"{SCRIPT}{IMAGE}"


def assert_shown_as_text(html: str, where: str) -> None:
    assert SCRIPT not in html, where
    assert "<img src=x onerror" not in html, where
    assert "&lt;script&gt;alert(" in html, where


@pytest.fixture
def hostile(patient, other_patient, practitioner_owner, moderator):
    patient.display_name = f"Pat{IMAGE}"[:60]
    patient.save(update_fields=["display_name"])
    practitioner = practitioner_owner.practitioner_profile
    pending = ReviewFactory(
        author=patient,
        practitioner=practitioner,
        title=f"Title {SCRIPT}"[:120],
        body=f"Body text {PAYLOAD} and more words to read.",
    )
    ComplicationFactory(review=pending)
    review_publish(review_id=pending.pk, moderator=moderator)
    PractitionerResponseFactory(
        review=pending, author=practitioner_owner, body=f"Reply {PAYLOAD}", status="published"
    )
    ReviewReportFactory(review=pending, reporter=other_patient, note=f"Report {PAYLOAD}")
    return pending


def test_the_public_profile_shows_review_text_as_text(client, hostile):
    html = client.get(hostile.practitioner.get_absolute_url()).content.decode()
    assert "Body text" in html
    assert_shown_as_text(html, "profile")


def test_the_authors_own_review_list_shows_text_as_text(hostile, patient):
    client = Client()
    client.force_login(patient)
    assert_shown_as_text(client.get("/reviews/mine/").content.decode(), "my reviews")


def test_the_moderation_pages_show_text_as_text(hostile, moderator):
    client = Client()
    client.force_login(moderator)
    for path in (
        "/moderation/",
        f"/moderation/reviews/{hostile.pk}/",
        "/moderation/responses/",
    ):
        response = client.get(path)
        assert response.status_code == 200, path
        html = response.content.decode()
        assert SCRIPT not in html, path
        assert "<img src=x onerror" not in html, path


def test_the_admin_shows_member_text_as_text(hostile):
    admin = UserFactory(is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(admin)
    for path in (
        "/admin/reviews/review/",
        f"/admin/reviews/review/{hostile.pk}/change/",
        "/admin/reviews/reviewreport/",
        "/admin/directory/user/",
        "/admin/directory/auditentry/",
    ):
        response = client.get(path)
        assert response.status_code == 200, path
        html = response.content.decode()
        assert SCRIPT not in html, path
        assert "<img src=x onerror" not in html, path


def test_the_api_returns_member_text_as_json_never_as_html(hostile):
    from partners.services import partner_key_create

    _, raw = partner_key_create(name="Escaping partner", scopes=["read"])
    response = Client().get("/api/v1/reviews/", headers={"Authorization": f"Bearer {raw}"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert SCRIPT in str(response.json())  # data, exactly as written, for the partner to escape


def test_e_mails_are_plain_text_with_the_words_as_written(
    hostile, moderator, patient, django_capture_on_commit_callbacks
):
    """Plain-text e-mail has no markup to inject into; no HTML alternative is ever sent."""
    mail.outbox.clear()
    second = ReviewFactory(
        author=patient,
        practitioner=hostile.practitioner,
        treatment_month=hostile.treatment_month.replace(year=hostile.treatment_month.year - 1),
        title=f"Second {SCRIPT}"[:120],
    )
    with django_capture_on_commit_callbacks(execute=True):
        review_publish(review_id=second.pk, moderator=moderator)
    [message] = mail.outbox
    assert message.alternatives == []
    assert "Second <script>" in message.body  # not turned into &lt; entities in plain text
    assert "\n" not in message.subject
