"""Verified-patient invitations: creating them, and every way a link can fail."""

import datetime
import re

import pytest
from django.core import mail
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from directory.tests.factories import UserFactory
from kernel.errors import DomainError, RateLimited
from practitioners.tests.factories import PractitionerFactory, procedure
from reviews.invitations import (
    InvitationExpired,
    InvitationForAnotherAddress,
    InvitationInvalid,
    InvitationUsed,
    hash_token,
    invitation_create,
    invitation_for_token,
)
from reviews.models import Review, ReviewInvitation
from reviews.tests.test_review_form import review_data

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()


@pytest.fixture
def practitioner():
    return PractitionerFactory(first_name="Grace", last_name="Hopper")


def create(practitioner, **overrides):
    values = {
        "practitioner": practitioner,
        "procedure": procedure(),
        "email": "treated@example.com",
        "treatment_date": timezone.localdate() - datetime.timedelta(days=20),
        **overrides,
    }
    return invitation_create(**values)


def link_in(message) -> str:
    return re.search(r"http\S+invitation=\S+", message.body).group(0)


def link_path(practitioner, token) -> str:
    return reverse("reviews:write", kwargs={"slug": practitioner.slug}) + f"?invitation={token}"


def test_an_invitation_stores_only_the_hash_and_emails_the_link(
    practitioner, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invitation, token = create(practitioner)
    assert invitation.token_hash == hash_token(token)
    assert token not in invitation.token_hash
    assert invitation.expires_at - invitation.created_at == datetime.timedelta(days=30)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["treated@example.com"]
    assert "Grace Hopper" in message.body
    assert f"/practitioners/{practitioner.slug}/review/?invitation={token}" in link_in(message)
    assert "works only for an account with that address" in message.body


def test_an_invitation_for_a_procedure_the_practitioner_does_not_offer_is_refused(practitioner):
    with pytest.raises(DomainError, match="does not list Dermal"):
        create(practitioner, procedure=procedure("dermal_filler"))
    assert ReviewInvitation.objects.count() == 0


@pytest.mark.parametrize("email", ["", "not-an-address", "a@b"])
def test_an_invitation_needs_a_valid_email(practitioner, email):
    with pytest.raises(DomainError, match="valid e-mail"):
        create(practitioner, email=email)


def test_an_invitation_for_a_future_treatment_is_refused(practitioner):
    with pytest.raises(DomainError, match="future"):
        create(practitioner, treatment_date=timezone.localdate() + datetime.timedelta(days=1))


def test_a_practitioner_account_is_limited_in_invitations_a_day(practitioner, settings):
    settings.REVIEW_INVITATIONS_PER_ACCOUNT_PER_DAY = 2
    owner = UserFactory()
    for n in range(2):
        create(practitioner, email=f"p{n}@example.com", created_by=owner)
    with pytest.raises(RateLimited, match="at most 2 invitations a day"):
        create(practitioner, email="p3@example.com", created_by=owner)


def test_a_valid_token_gives_the_invitation(practitioner):
    invitation, token = create(practitioner)
    assert invitation_for_token(token, practitioner) == invitation


def test_a_forged_token_is_invalid(practitioner):
    create(practitioner)
    with pytest.raises(InvitationInvalid, match="not valid for this practitioner"):
        invitation_for_token("x" * 43, practitioner)


def test_a_token_for_another_practitioner_is_invalid(practitioner):
    _, token = create(practitioner)
    with pytest.raises(InvitationInvalid):
        invitation_for_token(token, PractitionerFactory())


def test_a_used_token_says_it_was_used(practitioner):
    invitation, token = create(practitioner)
    ReviewInvitation.objects.filter(pk=invitation.pk).update(used_at=timezone.now())
    with pytest.raises(InvitationUsed, match="already been used"):
        invitation_for_token(token, practitioner)


def test_an_expired_token_says_it_expired(practitioner):
    invitation, token = create(practitioner)
    ReviewInvitation.objects.filter(pk=invitation.pk).update(
        expires_at=timezone.now() - datetime.timedelta(minutes=1)
    )
    with pytest.raises(InvitationExpired, match="expired on"):
        invitation_for_token(token, practitioner)


# --- Following the link ----------------------------------------------------------------


def test_an_invited_patient_writes_a_review_with_the_verified_patient_mark(
    client, patient, practitioner
):
    invitation, token = create(practitioner, email=patient.email)
    url = reverse("reviews:write", kwargs={"slug": practitioner.slug}) + f"?invitation={token}"
    client.force_login(patient)
    page = client.get(url).content.decode()
    assert "Verified patient." in page
    assert 'name="invitation"' in page

    # The procedure and month come from the invitation, whatever the browser sends.
    data = review_data(invitation=token, treatment_month="2020-01", procedure="")
    response = client.post(
        reverse("reviews:write", kwargs={"slug": practitioner.slug}), data, follow=True
    )
    review = Review.objects.get()
    assert review.is_verified_patient
    assert review.invitation == invitation
    assert review.treatment_month == invitation.treatment_date.replace(day=1)
    assert "verified patient" in response.content.decode()
    invitation.refresh_from_db()
    assert invitation.used_at is not None


def test_a_used_link_gets_a_friendly_410_page(client, patient, practitioner):
    invitation, token = create(practitioner)
    ReviewInvitation.objects.filter(pk=invitation.pk).update(used_at=timezone.now())
    client.force_login(patient)
    url = reverse("reviews:write", kwargs={"slug": practitioner.slug}) + f"?invitation={token}"
    response = client.get(url)
    assert response.status_code == 410
    assert "This invitation was already used" in response.content.decode()


def test_an_expired_link_gets_a_friendly_410_page_even_before_sign_in(client, practitioner):
    invitation, token = create(practitioner)
    ReviewInvitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now())
    url = reverse("reviews:write", kwargs={"slug": practitioner.slug}) + f"?invitation={token}"
    response = client.get(url)
    assert response.status_code == 410
    assert "This invitation has expired" in response.content.decode()


def test_a_forged_link_gets_a_friendly_400_page(client, patient, practitioner):
    client.force_login(patient)
    url = reverse("reviews:write", kwargs={"slug": practitioner.slug}) + "?invitation=forged"
    response = client.get(url)
    assert response.status_code == 400
    html = response.content.decode()
    assert "This invitation link is not valid" in html
    assert "without the “verified patient” mark" in html


def test_a_link_used_on_another_practitioners_page_is_refused(client, patient, practitioner):
    _, token = create(practitioner, email=patient.email)
    other = PractitionerFactory()
    client.force_login(patient)
    url = reverse("reviews:write", kwargs={"slug": other.slug}) + f"?invitation={token}"
    response = client.post(url, review_data(invitation=token))
    assert response.status_code == 400
    assert Review.objects.count() == 0


def test_a_link_cannot_be_spent_twice(client, patient, practitioner):
    _, token = create(practitioner, email=patient.email)
    url = reverse("reviews:write", kwargs={"slug": practitioner.slug})
    client.force_login(patient)
    assert client.post(url, review_data(invitation=token)).status_code == 302
    response = client.post(url, review_data(invitation=token, treatment_month="2020-01"))
    assert response.status_code == 410
    assert "This invitation was already used" in response.content.decode()
    assert Review.objects.count() == 1


def test_an_anonymous_visitor_with_a_valid_link_is_invited_to_sign_in_or_sign_up(
    client, practitioner
):
    _, token = create(practitioner)
    url = reverse("reviews:write", kwargs={"slug": practitioner.slug}) + f"?invitation={token}"
    html = client.get(url).content.decode()
    assert "Create an account" in html
    assert reverse("signup") + "?next=" in html


# --- Only the invited address can use the link --------------------------------------------


@pytest.mark.parametrize(
    ("invited", "account"),
    [
        ("Jane.Doe@Example.COM", "jane.doe@example.com"),
        ("jane.doe@example.com", "JANE.DOE@EXAMPLE.COM"),
        ("  jane.doe@example.com ", "jane.doe@example.com"),
    ],
)
def test_the_invited_address_in_any_letter_case_writes_a_verified_review(
    client, practitioner, invited, account
):
    invitation, token = create(practitioner, email=invited)
    client.force_login(UserFactory(email=account))
    page = client.get(link_path(practitioner, token))
    assert page.status_code == 200
    assert "Verified patient." in page.content.decode()

    url = reverse("reviews:write", kwargs={"slug": practitioner.slug})
    assert client.post(url, review_data(invitation=token)).status_code == 302
    review = Review.objects.get()
    assert review.is_verified_patient
    assert review.invitation == invitation


def test_a_forwarded_link_is_refused_to_another_account_with_a_partly_masked_address(
    client, other_patient, practitioner
):
    invitation, token = create(practitioner, email="jane@example.com")
    client.force_login(other_patient)
    response = client.get(link_path(practitioner, token))

    assert response.status_code == 403
    html = response.content.decode()
    assert "This invitation was sent to a different e-mail address" in html
    assert "j•••@example.com" in html
    assert "jane@example.com" not in html
    assert f"You are signed in as {other_patient.email}" in html
    assert "Sign out and sign in with j•••@example.com" in html
    assert f'action="{reverse("logout")}"' in html
    assert 'name="next" value="' + link_path(practitioner, token) in html
    invitation.refresh_from_db()
    assert invitation.used_at is None


def test_a_forwarded_link_cannot_be_spent_by_posting_the_form(client, other_patient, practitioner):
    invitation, token = create(practitioner, email="jane@example.com")
    client.force_login(other_patient)
    url = reverse("reviews:write", kwargs={"slug": practitioner.slug})
    response = client.post(url, review_data(invitation=token))

    assert response.status_code == 403
    assert "sent to a different e-mail address" in response.content.decode()
    assert Review.objects.count() == 0
    invitation.refresh_from_db()
    assert invitation.used_at is None


def test_after_a_refusal_the_invited_patient_can_still_use_the_link(
    client, other_patient, practitioner
):
    invitation, token = create(practitioner, email="jane@example.com")
    client.force_login(other_patient)
    assert client.get(link_path(practitioner, token)).status_code == 403

    client.force_login(UserFactory(email="jane@example.com"))
    url = reverse("reviews:write", kwargs={"slug": practitioner.slug})
    assert client.post(url, review_data(invitation=token)).status_code == 302
    assert Review.objects.get().invitation == invitation


def test_signing_out_from_the_refusal_comes_back_to_the_invitation_signed_out(
    client, other_patient, practitioner
):
    _, token = create(practitioner, email="jane@example.com")
    client.force_login(other_patient)
    response = client.post(reverse("logout"), {"next": link_path(practitioner, token)})
    assert response.status_code == 302
    assert response["Location"] == link_path(practitioner, token)
    html = client.get(response["Location"]).content.decode()
    assert "Create an account" in html
    assert "<strong>j•••@example.com</strong>" in html


def test_a_used_link_says_it_was_used_even_to_another_account(client, other_patient, practitioner):
    invitation, token = create(practitioner, email="jane@example.com")
    ReviewInvitation.objects.filter(pk=invitation.pk).update(used_at=timezone.now())
    client.force_login(other_patient)
    response = client.get(link_path(practitioner, token))
    assert response.status_code == 410
    assert "This invitation was already used" in response.content.decode()


def test_the_service_refuses_a_token_for_another_address(practitioner, other_patient):
    _, token = create(practitioner, email="jane@example.com")
    with pytest.raises(InvitationForAnotherAddress, match=r"different e-mail address \(j•••@"):
        invitation_for_token(token, practitioner, user=other_patient)


def test_an_anonymous_visitor_is_told_which_address_the_link_works_for(client, practitioner):
    _, token = create(practitioner, email="jane@example.com")
    response = client.get(link_path(practitioner, token))
    assert response.status_code == 200
    html = response.content.decode()
    assert "the invitation works only for that address" in html
    assert "<strong>j•••@example.com</strong>" in html
    assert "jane@example.com" not in html


def test_signing_up_from_an_invitation_does_not_reveal_the_invited_address(client, practitioner):
    _, token = create(practitioner, email="jane@example.com")
    response = client.get(reverse("signup"), {"next": link_path(practitioner, token)})
    assert response.status_code == 200
    assert "jane@example.com" not in response.content.decode()


def test_an_invited_visitor_signs_up_with_the_invited_address_and_writes_a_verified_review(
    client, practitioner, django_capture_on_commit_callbacks
):
    invitation, token = create(practitioner, email="Jane@Example.com")
    link = link_path(practitioner, token)
    assert client.get(reverse("signup"), {"next": link}).status_code == 200

    password = "a fresh and long passphrase 42"
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("signup"),
            {
                "display_name": "Jane",
                "email": "jane@example.com",
                "password1": password,
                "password2": password,
                "next": link,
            },
        )
    confirm_url = re.search(r"https?://[^/\s]+(/\S+)", mail.outbox[-1].body).group(1)
    client.get(confirm_url)
    response = client.post(
        reverse("login"), {"username": "jane@example.com", "password": password, "next": link}
    )
    assert response["Location"] == link
    assert "Verified patient." in client.get(link).content.decode()

    url = reverse("reviews:write", kwargs={"slug": practitioner.slug})
    assert client.post(url, review_data(invitation=token)).status_code == 302
    assert Review.objects.get().invitation == invitation


# --- The practitioner's invitation page ------------------------------------------------


def test_a_practitioner_invites_a_patient_from_the_invitation_page(
    client, practitioner_owner, django_capture_on_commit_callbacks
):
    client.force_login(practitioner_owner)
    page = client.get(reverse("reviews:invite"))
    assert page.status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("reviews:invite"),
            {
                "email": "someone@example.com",
                "procedure": str(procedure().pk),
                "treatment_date": f"{timezone.localdate() - datetime.timedelta(days=3):%Y-%m-%d}",
            },
            follow=True,
        )
    html = response.content.decode()
    assert "Invitation sent to someone@example.com" in html
    assert "Waiting (expires" in html
    invitation = ReviewInvitation.objects.get()
    assert invitation.practitioner == practitioner_owner.practitioner_profile
    assert invitation.created_by == practitioner_owner
    assert mail.outbox[0].to == ["someone@example.com"]


def test_the_invitation_form_explains_each_mistake(client, practitioner_owner):
    client.force_login(practitioner_owner)
    response = client.post(
        reverse("reviews:invite"),
        {"email": "nope", "procedure": "", "treatment_date": "2999-01-01"},
    )
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert "Enter a valid email address." in str(errors["email"])
    assert "Choose which treatment the patient had." in str(errors["procedure"])
    assert "cannot be in the future" in str(errors["treatment_date"])
    assert ReviewInvitation.objects.count() == 0


def test_only_a_practitioner_with_a_profile_can_invite(client, patient):
    client.force_login(patient)
    response = client.get(reverse("reviews:invite"))
    assert response.status_code == 403
    assert "For practitioners only" in response.content.decode()
