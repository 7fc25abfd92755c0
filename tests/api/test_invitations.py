"""POST /api/v1/review-invitations/: validated, e-mailed to the patient, idempotent."""

import datetime

import pytest
from django.core import mail
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from partners.models import IdempotencyRecord
from practitioners.tests.factories import PractitionerFactory, ProcedureFactory
from reviews.invitations import hash_token
from reviews.models import ReviewInvitation
from tests.races import at_once

pytestmark = pytest.mark.django_db

URL = reverse("api:review-invitation-create")


@pytest.fixture
def practitioner(db):
    # get-or-create: a transactional test may run after the seeded procedures were flushed.
    microneedling = ProcedureFactory(slug="microneedling", name="Microneedling")
    return PractitionerFactory(first_name="Ana", last_name="Lopez", procedures=[microneedling])


def body(who, **changes) -> dict:
    return {
        "practitioner": who.pk,
        "procedure": "microneedling",
        "email": "patient@example.com",
        "treatment_date": (timezone.localdate() - datetime.timedelta(days=7)).isoformat(),
        **changes,
    }


def test_a_partner_invites_a_patient_who_gets_the_link_by_email_and_the_partner_never_sees_it(
    partner_client, practitioner, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = partner_client.post(URL, body(practitioner), format="json")

    assert response.status_code == 201
    invitation = ReviewInvitation.objects.get()
    assert response.json() == {
        "id": invitation.pk,
        "practitioner": practitioner.pk,
        "procedure": "microneedling",
        "treatment_date": body(practitioner)["treatment_date"],
        "status": "sent",
        "created_at": response.json()["created_at"],
        "expires_at": response.json()["expires_at"],
    }
    assert invitation.partner_name == partner_client.key.partner.name
    [email] = mail.outbox
    assert email.to == ["patient@example.com"]
    token = email.body.split("invitation=")[1].split()[0]
    assert hash_token(token) == invitation.token_hash
    assert token not in response.content.decode()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"practitioner": 999_999}, "practitioner"),
        ({"practitioner": "seven"}, "practitioner"),
        ({"procedure": "tattoo"}, "procedure"),
        ({"procedure": "chemical_peel"}, "procedure"),
        ({"email": "not-an-address"}, "email"),
        ({"treatment_date": "2999-01-01"}, "treatment_date"),
        ({"treatment_date": "1990-01-01"}, "treatment_date"),
        ({"treatment_date": "yesterday"}, "treatment_date"),
        ({"email": None}, "email"),
    ],
)
def test_an_invalid_invitation_is_a_400_naming_the_field_and_creates_nothing(
    partner_client, practitioner, changes, field
):
    response = partner_client.post(URL, body(practitioner, **changes), format="json")

    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == [field]
    assert not ReviewInvitation.objects.exists()
    assert mail.outbox == []


def test_a_procedure_the_practitioner_does_not_offer_is_refused_in_words(
    partner_client, practitioner
):
    response = partner_client.post(
        URL, body(practitioner, procedure="chemical_peel"), format="json"
    )

    assert response.json()["error"]["fields"] == {
        "procedure": ["Ana Lopez does not list Chemical peel among their procedures."]
    }


@pytest.mark.parametrize(
    "raw",
    [b"not json", b"[1, 2]", b'"a string"', b"{"],
)
def test_a_body_that_is_not_a_json_object_is_a_400(partner_client, raw):
    response = partner_client.post(URL, raw, content_type="application/json")

    assert response.status_code == 400
    assert response.json()["error"]["code"] in {"parse_error", "invalid"}


def test_a_form_encoded_body_is_a_415(partner_client, practitioner):
    response = partner_client.post(URL, body(practitioner))

    assert response.status_code == 415
    assert response.json()["error"]["code"] == "unsupported_media_type"


def test_the_same_idempotency_key_and_body_return_the_first_answer_and_create_nothing(
    partner_client, practitioner, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = partner_client.post(
            URL, body(practitioner), format="json", HTTP_IDEMPOTENCY_KEY="order-1234"
        )
        again = partner_client.post(
            URL, body(practitioner), format="json", HTTP_IDEMPOTENCY_KEY="order-1234"
        )

    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert first["Idempotent-Replayed"] == "false"
    assert ReviewInvitation.objects.count() == 1
    assert len(mail.outbox) == 1


def test_the_same_idempotency_key_with_another_body_is_a_409(partner_client, practitioner):
    partner_client.post(URL, body(practitioner), format="json", HTTP_IDEMPOTENCY_KEY="k-1")

    response = partner_client.post(
        URL,
        body(practitioner, email="someone-else@example.com"),
        format="json",
        HTTP_IDEMPOTENCY_KEY="k-1",
    )

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "idempotency_key_reused"
    assert ReviewInvitation.objects.count() == 1


def test_idempotency_keys_belong_to_one_partner_key(
    partner_client, client_with_scopes, practitioner
):
    other = client_with_scopes("read", "invite")

    partner_client.post(URL, body(practitioner), format="json", HTTP_IDEMPOTENCY_KEY="shared")
    response = other.post(URL, body(practitioner), format="json", HTTP_IDEMPOTENCY_KEY="shared")

    assert response.status_code == 201
    assert ReviewInvitation.objects.count() == 2


def test_a_refused_request_does_not_use_up_its_idempotency_key(partner_client, practitioner):
    refused = partner_client.post(
        URL, body(practitioner, email="nope"), format="json", HTTP_IDEMPOTENCY_KEY="retry-me"
    )
    corrected = partner_client.post(
        URL, body(practitioner), format="json", HTTP_IDEMPOTENCY_KEY="retry-me"
    )

    assert refused.status_code == 400
    assert corrected.status_code == 201


@pytest.mark.parametrize("key", ["", "   ", "x" * 256, "naïve-ключ", "tab\there"])
def test_a_malformed_idempotency_key_is_a_400(partner_client, practitioner, key):
    response = partner_client.post(URL, body(practitioner), format="json", HTTP_IDEMPOTENCY_KEY=key)

    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["Idempotency-Key"]
    assert not ReviewInvitation.objects.exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_requests_with_one_idempotency_key_create_one_invitation(
    client_with_scopes, practitioner
):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite serializes every write transaction anyway")
    raw_key = client_with_scopes("read", "invite").raw_key

    def send():
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw_key}")
        return client.post(URL, body(practitioner), format="json", HTTP_IDEMPOTENCY_KEY="race")

    responses = [response for _, response in at_once(*[send] * 4)]

    assert [r.status_code for r in responses] == [201] * 4
    assert len({r.json()["id"] for r in responses}) == 1
    assert ReviewInvitation.objects.count() == 1
    assert IdempotencyRecord.objects.count() == 1
