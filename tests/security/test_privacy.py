"""A patient downloads everything held about them, and deletes their account."""

import json
import os

import pytest
from django.core import mail
from django.utils import timezone

from directory.tests.factories import PASSWORD, UserFactory
from kernel.models import AuditEntry
from practitioners.models import Practitioner
from practitioners.tests.factories import PractitionerFactory, procedure
from reviews.models import Review, ReviewInvitation, ReviewReport, ReviewRevision, ReviewStatus
from reviews.moderation import report_review
from reviews.services import (
    response_publish,
    response_submit,
    review_edit,
    review_publish,
    review_submit,
)
from reviews.summaries import refresh_summary, summary_drift
from reviews.tests.factories import ReviewFactory, ReviewInvitationFactory, last_month

pytestmark = pytest.mark.django_db

SECRET_TITLE = "Infection after my session, Jane Q. Patient"
SECRET_BODY = (
    "I am Jane Q. Patient from 12 Elm Street; the clinic reused cartridges and my cheek "
    "became infected two days later. I needed antibiotics."
)


def review_fields(**overrides):
    fields = {
        "treatment_month": last_month(),
        "sessions": 2,
        "rating": 2,
        "rating_results": 2,
        "rating_hygiene": 1,
        "rating_communication": 3,
        "rating_aftercare": 2,
        "worth_it": "no",
        "title": SECRET_TITLE,
        "body": SECRET_BODY,
        "skin_type": "V",
    }
    fields.update(overrides)
    return fields


INFECTION = {
    "type": "infection",
    "severity": "moderate",
    "onset_days": 2,
    "treatment_needed": "prescription",
    "outcome": "resolved",
}


@pytest.fixture
def history(patient, moderator, practitioner_owner):
    """A patient with a published, edited review, a response to it, a report and an invitation."""
    patient.email_verified_at = timezone.now()
    patient.save(update_fields=["email_verified_at"])
    practitioner = practitioner_owner.practitioner_profile
    review = review_submit(
        author=patient,
        practitioner=practitioner,
        procedure=procedure(),
        fields=review_fields(),
        complications=[INFECTION],
        ip="203.0.113.77",
    )
    review_publish(review_id=review.pk, moderator=moderator, note=f"Mentions {SECRET_TITLE}")
    review_edit(
        review_id=review.pk,
        author=patient,
        fields=review_fields(body=SECRET_BODY + " It has healed now."),
        complications=[INFECTION],
    )
    review_publish(review_id=review.pk, moderator=moderator)
    response = response_submit(
        review_id=review.pk,
        author=practitioner_owner,
        body="We are sorry to read this and have changed our cartridge supplier.",
    )
    response_publish(response_id=response.pk, moderator=moderator)
    others_review = ReviewFactory(published=True, practitioner=PractitionerFactory())
    report_review(
        review_id=others_review.pk,
        reporter=patient,
        reason="fake",
        note="My neighbour Jane wrote this one herself.",
    )
    ReviewInvitationFactory(email=patient.email.upper(), practitioner=practitioner)
    ReviewInvitationFactory(email="someone.else@example.com")
    mail.outbox.clear()
    return {"review": Review.objects.get(pk=review.pk), "practitioner": practitioner}


def download(client, user):
    client.force_login(user)
    response = client.get("/account/data/download/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="my-data-')
    assert "no-cache" in response["Cache-Control"]
    return json.loads(response.content)


def test_the_data_page_offers_the_download_and_the_deletion(client, patient):
    client.force_login(patient)
    body = client.get("/account/data/").content.decode()
    assert "Download my data" in body
    assert "/account/data/download/" in body
    assert "/account/delete/" in body


def test_signed_out_visitors_are_sent_to_sign_in_for_their_data(client):
    response = client.get("/account/data/download/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


def test_a_patient_downloads_everything_held_about_them(client, patient, history):
    data = download(client, patient)
    assert data["account"]["email"] == patient.email
    assert data["account"]["display_name"] == "Pat"
    [review] = data["reviews"]
    assert review["title"] == SECRET_TITLE
    assert review["body"].endswith("It has healed now.")
    assert review["status"] == "published"
    assert review["submitted_ip"] == "203.0.113.77"
    assert review["practitioner"]["slug"] == history["practitioner"].slug
    assert review["complications"] == [INFECTION]
    [revision] = review["revisions"]
    assert revision["snapshot"]["body"] == SECRET_BODY
    assert review["practitioner_response"]["body"].startswith("We are sorry")
    assert [d["action"] for d in review["moderation_decisions"]] == [
        "review.submitted",
        "review.published",
        "review.resubmitted",
        "review.edited",
        "review.published",
    ]
    [report] = data["reports"]
    assert report["note"] == "My neighbour Jane wrote this one herself."
    [invitation] = data["invitations"]
    assert invitation["practitioner"] == history["practitioner"].full_name


def test_the_download_holds_nothing_about_other_people(client, patient, other_patient, history):
    ReviewFactory(author=other_patient, title="Olive's own review")
    raw = json.dumps(download(client, patient))
    assert "Olive's own review" not in raw
    assert other_patient.email not in raw
    assert "someone.else@example.com" not in raw
    # Moderators' internal notes are not the patient's data.
    assert "Mentions" not in raw


def test_deleting_asks_for_the_password_and_deletes_nothing_when_it_is_wrong(
    client, patient, history
):
    client.force_login(patient)
    response = client.post("/account/delete/", {"password": "not it", "confirm": "on"})
    assert response.status_code == 400
    assert "That password is not correct. Nothing was deleted." in response.content.decode()
    patient.refresh_from_db()
    assert patient.is_active
    assert Review.objects.get(pk=history["review"].pk).status == ReviewStatus.PUBLISHED


def test_deleting_needs_the_confirmation_box(client, patient, history):
    client.force_login(patient)
    response = client.post("/account/delete/", {"password": PASSWORD})
    assert response.status_code == 400
    assert "This field is required" in response.content.decode()
    patient.refresh_from_db()
    assert patient.is_active


def test_deleting_an_account_withdraws_and_erases_its_reviews(
    client, patient, history, django_capture_on_commit_callbacks
):
    review = history["review"]
    practitioner = Practitioner.objects.get(pk=history["practitioner"].pk)
    assert practitioner.summary.review_count == 1
    former_email = patient.email

    client.force_login(patient)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/account/delete/", {"password": PASSWORD, "confirm": "on"}, follow=True
        )
    assert response.status_code == 200
    assert "Your account has been deleted" in response.content.decode()
    assert "_auth_user_id" not in client.session

    review.refresh_from_db()
    assert review.status == ReviewStatus.WITHDRAWN
    assert (review.title, review.body, review.skin_type, review.submitted_ip) == ("", "", "", None)
    assert ReviewRevision.objects.get(review=review).snapshot == {"erased": True}
    # The summary was recounted through the review service: no review, no drift.
    practitioner = Practitioner.objects.get(pk=practitioner.pk)
    assert practitioner.summary.review_count == 0
    assert summary_drift(practitioner.summary) == {}
    # The profile page no longer shows it.
    page = client.get(practitioner.get_absolute_url()).content.decode()
    assert "reused cartridges" not in page

    patient.refresh_from_db()
    assert not patient.is_active
    assert not patient.has_usable_password()
    assert patient.email == f"deleted-{patient.pk}@deleted.invalid"
    assert patient.display_name == "Former member"
    assert ReviewReport.objects.get(reporter=patient).note == ""
    assert not ReviewInvitation.objects.filter(email__iexact=former_email).exists()
    assert ReviewInvitation.objects.filter(email="someone.else@example.com").exists()
    [goodbye] = mail.outbox
    assert goodbye.to == [former_email]
    assert "Your account has been deleted" in goodbye.subject


def test_the_moderation_record_keeps_the_decisions_but_no_personal_text(client, patient, history):
    review = history["review"]
    client.force_login(patient)
    client.post("/account/delete/", {"password": PASSWORD, "confirm": "on"})

    entries = list(AuditEntry.objects.for_object(review))
    assert [e.action for e in entries] == [
        "review.submitted",
        "review.published",
        "review.resubmitted",
        "review.edited",
        "review.published",
        "review.withdrawn",
    ]
    assert entries[1].reason == "meets_policy"
    everything = " ".join(
        f"{e.object_repr} {e.note} {json.dumps(e.data)}" for e in AuditEntry.objects.all()
    )
    assert "Jane" not in everything
    assert "Elm Street" not in everything
    assert f"Review #{review.pk} (erased)" in entries[0].object_repr
    assert AuditEntry.objects.filter(action="account.deleted", object_id=patient.pk).exists()


def test_a_deleted_account_cannot_sign_in_again(client, patient, history):
    email = patient.email
    client.force_login(patient)
    client.post("/account/delete/", {"password": PASSWORD, "confirm": "on"})
    response = client.post("/accounts/login/", {"username": email, "password": PASSWORD})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_deleting_an_account_signs_it_out_of_every_other_session(client, patient, history):
    from django.test import Client

    elsewhere = Client()
    elsewhere.force_login(patient)
    client.force_login(patient)
    client.post("/account/delete/", {"password": PASSWORD, "confirm": "on"})
    assert elsewhere.get("/account/data/").status_code == 302


def test_an_account_with_only_withdrawn_reviews_deletes_cleanly(client, patient):
    review = ReviewFactory(author=patient, status=ReviewStatus.WITHDRAWN)
    refresh_summary(review.practitioner_id)
    client.force_login(patient)
    response = client.post("/account/delete/", {"password": PASSWORD, "confirm": "on"})
    assert response.status_code == 302
    review.refresh_from_db()
    assert review.body == ""


def test_wrong_passwords_on_the_deletion_form_are_throttled_like_sign_in(client, patient, settings):
    from django.core.cache import cache

    cache.clear()
    settings.LOGIN_FAILURES_PER_ACCOUNT = 2
    client.force_login(patient)
    for attempt in range(2):
        client.post("/account/delete/", {"password": f"guess {attempt}", "confirm": "on"})
    response = client.post("/account/delete/", {"password": PASSWORD, "confirm": "on"})
    assert response.status_code == 403
    assert "Too many wrong passwords" in response.content.decode()
    patient.refresh_from_db()
    assert patient.is_active
    cache.clear()


def test_another_member_cannot_delete_someone_else_by_posting_their_password(
    client, patient, other_patient, history
):
    client.force_login(other_patient)
    client.post("/account/delete/", {"password": PASSWORD, "confirm": "on"})
    patient.refresh_from_db()
    assert patient.is_active
    assert Review.objects.get(pk=history["review"].pk).status == ReviewStatus.PUBLISHED
    # The password is the same factory password, so other_patient's own account went.
    other_patient.refresh_from_db()
    assert not other_patient.is_active


def test_staff_accounts_lose_their_roles_when_deleted(client):
    staff = UserFactory(roles=["Moderators"])
    client.force_login(staff)
    client.post("/account/delete/", {"password": PASSWORD, "confirm": "on"})
    staff.refresh_from_db()
    assert not staff.is_staff
    assert not staff.groups.exists()


def test_the_daily_purge_erases_old_sender_addresses_and_unused_invitation_addresses(patient):
    from datetime import timedelta

    from django.core.management import call_command

    old = ReviewFactory(author=patient, submitted_ip="203.0.113.1")
    Review.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=91))
    recent = ReviewFactory(submitted_ip="203.0.113.2")
    stale = ReviewInvitationFactory(
        email="gone@example.com", expires_at=timezone.now() - timedelta(days=91)
    )
    used = ReviewInvitationFactory(
        email="kept@example.com",
        expires_at=timezone.now() - timedelta(days=91),
        used_at=timezone.now() - timedelta(days=100),
    )
    waiting = ReviewInvitationFactory(email="waiting@example.com")

    call_command("purge_personal_data", stdout=open(os.devnull, "w"))  # noqa: SIM115

    old.refresh_from_db()
    recent.refresh_from_db()
    assert old.submitted_ip is None
    assert recent.submitted_ip == "203.0.113.2"
    assert ReviewInvitation.objects.get(pk=stale.pk).email == "erased@erased.invalid"
    assert ReviewInvitation.objects.get(pk=used.pk).email == "kept@example.com"
    assert ReviewInvitation.objects.get(pk=waiting.pk).email == "waiting@example.com"


def test_the_daily_purge_deletes_expired_sessions(client, patient):
    from datetime import timedelta

    from django.contrib.sessions.models import Session
    from django.core.management import call_command

    client.force_login(patient)
    Session.objects.update(expire_date=timezone.now() - timedelta(days=1))
    call_command("purge_personal_data", stdout=open(os.devnull, "w"))  # noqa: SIM115
    assert not Session.objects.exists()


def test_after_a_restore_erase_accounts_erases_again_what_the_record_says_was_deleted(
    patient, other_patient, history, django_capture_on_commit_callbacks
):
    from django.core.management import call_command

    from accounts.privacy import account_delete

    email, review = patient.email, history["review"]
    account_delete(user=patient, password=PASSWORD)
    # A backup from before the deletion is restored: the rows hold the old data again.
    type(patient).objects.filter(pk=patient.pk).update(
        email=email, display_name="Pat", is_active=True
    )
    Review.objects.filter(pk=review.pk).update(title=SECRET_TITLE, body=SECRET_BODY)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        call_command("erase_accounts", "--from-record", stdout=open(os.devnull, "w"))  # noqa: SIM115

    patient.refresh_from_db()
    review.refresh_from_db()
    assert patient.email.endswith("@deleted.invalid")
    assert not patient.is_active
    assert (review.title, review.body) == ("", "")
    assert mail.outbox == []
    other_patient.refresh_from_db()
    assert other_patient.is_active
    assert AuditEntry.objects.filter(action="account.deleted", object_id=patient.pk).count() == 2


def test_erase_accounts_needs_ids_or_the_record(db):
    from django.core.management import CommandError, call_command

    with pytest.raises(CommandError, match="Give account ids"):
        call_command("erase_accounts")
    with pytest.raises(CommandError, match="No account with id 999999"):
        call_command("erase_accounts", "999999")
