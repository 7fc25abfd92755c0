"""The practitioner's dashboard: claiming a profile and submitting attestations with evidence."""

import datetime

import pytest
from django.utils import timezone

from kernel.models import AuditEntry
from practitioners.models import Attestation, Evidence, ProfileClaim, SterilizationItem
from practitioners.tests.factories import AttestationFactory, PractitionerFactory
from practitioners.tests.uploads import PDF_BYTES, exe_named_pdf, html_named_png, jpeg, pdf, png

pytestmark = pytest.mark.django_db

IN_A_YEAR = (timezone.localdate() + datetime.timedelta(days=365)).isoformat()


def licence_post(**overrides):
    data = {
        "kind": "license",
        "number": "RN 12345",
        "issuing_authority": "Texas Board of Nursing",
        "license_type": "Registered Nurse",
        "issued_on": "2021-05-01",
        "expires_on": IN_A_YEAR,
        "evidence": [pdf(), png()],
    }
    data.update(overrides)
    return data


def sterilization_post(**overrides):
    data = {f"item_{item.value}": "yes" for item in SterilizationItem}
    data.update(
        {
            "last_spore_test_on": (timezone.localdate() - datetime.timedelta(days=7)).isoformat(),
            "evidence": [jpeg()],
        }
    )
    data.update(overrides)
    return data


def test_the_dashboard_asks_an_anonymous_visitor_to_sign_in(client):
    response = client.get("/dashboard/")
    assert response.status_code == 302
    assert "/login/" in response["Location"]


def test_a_user_without_a_profile_is_shown_how_to_claim_one(client, patient):
    client.force_login(patient)
    body = client.get("/dashboard/").content.decode()
    assert "Find your profile" in body
    assert "You have not claimed a profile." in body


def test_an_unowned_profile_invites_its_practitioner_to_claim_it(client):
    practitioner = PractitionerFactory()
    body = client.get(practitioner.get_absolute_url()).content.decode()
    assert "Claim this profile" in body
    assert f"/dashboard/claim/{practitioner.slug}/" in body


def test_an_owned_profile_does_not_offer_a_claim(client, practitioner_owner):
    body = client.get(practitioner_owner.practitioner_profile.get_absolute_url()).content.decode()
    assert "Claim this profile" not in body


def test_a_signed_in_user_claims_a_profile_and_sees_it_pending(client, patient):
    practitioner = PractitionerFactory(first_name="Ana", last_name="Lima")
    client.force_login(patient)
    assert "Send my claim" in client.get(f"/dashboard/claim/{practitioner.slug}/").content.decode()
    response = client.post(
        f"/dashboard/claim/{practitioner.slug}/", {"message": "My clinic e-mail is ana@x"}
    )
    assert response.status_code == 302
    claim = ProfileClaim.objects.get()
    assert (claim.user, claim.practitioner, claim.status) == (patient, practitioner, "pending")
    body = client.get("/dashboard/").content.decode()
    assert "Ana Lima" in body
    assert "staff will e-mail you the decision" in body


def test_claiming_the_same_profile_twice_says_so_instead_of_failing(client, patient):
    practitioner = PractitionerFactory()
    client.force_login(patient)
    client.post(f"/dashboard/claim/{practitioner.slug}/", {"message": ""})
    response = client.post(f"/dashboard/claim/{practitioner.slug}/", {"message": ""})
    assert response.status_code == 400
    assert "already claimed this profile" in response.content.decode()
    assert ProfileClaim.objects.count() == 1


def test_a_user_without_a_profile_cannot_open_the_submission_forms(client, patient):
    client.force_login(patient)
    response = client.get("/dashboard/credentials/new/")
    assert response.status_code == 302
    assert response["Location"] == "/dashboard/"


def test_the_owner_submits_a_licence_with_evidence_files(client, practitioner_owner):
    client.force_login(practitioner_owner)
    response = client.post("/dashboard/credentials/new/", licence_post())
    assert response.status_code == 302
    licence = Attestation.objects.get()
    assert (licence.kind, licence.status, licence.number) == ("license", "pending", "RN12345")
    assert Evidence.objects.filter(attestation=licence).count() == 2
    body = client.get("/dashboard/").content.decode()
    assert "RN12345" in body
    assert "Submitted, not yet checked" in body


@pytest.mark.parametrize(
    ("upload", "name"), [(exe_named_pdf, "licence.pdf"), (html_named_png, "photo.png")]
)
def test_a_forged_upload_is_refused_with_a_clear_message(client, practitioner_owner, upload, name):
    client.force_login(practitioner_owner)
    response = client.post("/dashboard/credentials/new/", licence_post(evidence=[upload()]))
    assert response.status_code == 400
    body = response.content.decode()
    assert f"“{name}” is not a PDF, JPEG or PNG file" in body
    assert not Attestation.objects.exists()
    assert not Evidence.objects.exists()


def test_an_oversized_upload_is_refused_with_the_limit(client, practitioner_owner, settings):
    settings.EVIDENCE_MAX_BYTES = 1024
    client.force_login(practitioner_owner)
    from django.core.files.uploadedfile import SimpleUploadedFile

    big = SimpleUploadedFile("scan.pdf", PDF_BYTES + b" " * 2000)
    response = client.post("/dashboard/credentials/new/", licence_post(evidence=[big]))
    assert response.status_code == 400
    assert "is 2.1\xa0KB; files can be at most 1.0\xa0KB" in response.content.decode()
    assert not Attestation.objects.exists()


def test_a_licence_without_evidence_or_number_is_refused_field_by_field(client, practitioner_owner):
    client.force_login(practitioner_owner)
    response = client.post(
        "/dashboard/credentials/new/", licence_post(number="", evidence=[], expires_on="")
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "A licence needs its number." in body
    assert "A licence needs its expiry date." in body
    assert "Attach at least one evidence file." in body
    assert 'role="alert"' in body


def test_a_hostile_date_is_a_form_error_not_a_server_error(client, practitioner_owner):
    client.force_login(practitioner_owner)
    response = client.post(
        "/dashboard/credentials/new/", licence_post(expires_on="2026-02-31", issued_on="<b>")
    )
    assert response.status_code == 400
    assert "<b>" not in response.content.decode()


def test_the_owner_submits_a_sterilization_attestation(client, practitioner_owner):
    client.force_login(practitioner_owner)
    response = client.post(
        "/dashboard/sterilization/new/",
        sterilization_post(detail_autoclave="Class B autoclave, weekly spore tests"),
    )
    assert response.status_code == 302
    attestation = Attestation.objects.get(kind="sterilization")
    assert attestation.items.count() == len(SterilizationItem)
    assert attestation.items.get(item="autoclave").detail == "Class B autoclave, weekly spore tests"


def test_each_sterilization_item_must_be_answered(client, practitioner_owner):
    client.force_login(practitioner_owner)
    data = sterilization_post()
    del data["item_spore_testing"]
    response = client.post("/dashboard/sterilization/new/", data)
    assert response.status_code == 400
    assert "Answer this item yes or no." in response.content.decode()
    assert not Attestation.objects.exists()


def test_a_spore_test_date_in_the_future_is_refused(client, practitioner_owner):
    client.force_login(practitioner_owner)
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    response = client.post(
        "/dashboard/sterilization/new/", sterilization_post(last_spore_test_on=tomorrow)
    )
    assert response.status_code == 400
    assert "This date is in the future." in response.content.decode()


def test_a_rejected_attestation_shows_its_reason_and_can_be_submitted_again(
    client, practitioner_owner
):
    licence = AttestationFactory(
        practitioner=practitioner_owner.practitioner_profile,
        status="rejected",
        decision_reason="The <scan> is unreadable",
        number="RN9",
    )
    client.force_login(practitioner_owner)
    body = client.get("/dashboard/").content.decode()
    assert "The &lt;scan&gt; is unreadable" in body
    assert f"/dashboard/credentials/new/?again={licence.pk}" in body
    form = client.get(f"/dashboard/credentials/new/?again={licence.pk}").content.decode()
    assert 'value="RN9"' in form


def test_the_owner_sees_the_timeline_without_staff_names(client, practitioner_owner, verifier):
    from practitioners import services

    licence = AttestationFactory(practitioner=practitioner_owner.practitioner_profile)
    services.attestation_reject(attestation_id=licence.pk, actor=verifier, reason="Blurry.")
    client.force_login(practitioner_owner)
    body = client.get(f"/dashboard/attestations/{licence.pk}/").content.decode()
    assert "Rejected" in body
    assert "by Staff" in body
    assert verifier.display_name not in body


def test_nobody_else_can_see_an_attestation(client, practitioner_owner, other_practitioner_owner):
    licence = AttestationFactory(practitioner=practitioner_owner.practitioner_profile)
    client.force_login(other_practitioner_owner)
    assert client.get(f"/dashboard/attestations/{licence.pk}/").status_code == 404


def test_a_wrong_npi_check_digit_is_explained(client, practitioner_owner):
    client.force_login(practitioner_owner)
    response = client.post("/dashboard/npi/", {"npi": "1234567890"}, follow=True)
    assert "check digit is wrong" in response.content.decode()
    practitioner_owner.practitioner_profile.refresh_from_db()
    assert practitioner_owner.practitioner_profile.npi is None


def test_a_valid_npi_is_saved(client, practitioner_owner):
    client.force_login(practitioner_owner)
    client.post("/dashboard/npi/", {"npi": "1234567893"})
    practitioner_owner.practitioner_profile.refresh_from_db()
    assert practitioner_owner.practitioner_profile.npi == "1234567893"


def test_the_dashboard_says_exactly_what_the_badge_is_missing(client, practitioner_owner):
    AttestationFactory(practitioner=practitioner_owner.practitioner_profile, verified=True)
    AttestationFactory(practitioner=practitioner_owner.practitioner_profile, sterilization=True)
    client.force_login(practitioner_owner)
    body = client.get("/dashboard/").content.decode()
    assert "Not verified" in body
    assert "Sterilization attestation pending review" in body


def test_the_dashboard_takes_the_same_queries_whatever_the_number_of_attestations(
    client, practitioner_owner, django_assert_max_num_queries
):
    practitioner = practitioner_owner.practitioner_profile
    client.force_login(practitioner_owner)
    AttestationFactory(practitioner=practitioner)
    with django_assert_max_num_queries(12) as few:
        client.get("/dashboard/")
    for _ in range(6):
        AttestationFactory(practitioner=practitioner)
    with django_assert_max_num_queries(12) as many:
        client.get("/dashboard/")
    assert len(many.captured_queries) == len(few.captured_queries)


def test_submissions_are_recorded_in_the_audit_trail(client, practitioner_owner):
    client.force_login(practitioner_owner)
    client.post("/dashboard/credentials/new/", licence_post())
    entry = AuditEntry.objects.get(action="attestation.submitted")
    assert entry.actor == practitioner_owner


def test_the_dashboard_links_to_review_invitations_and_practice_reviews(client, practitioner_owner):
    from django.urls import reverse

    client.force_login(practitioner_owner)
    body = client.get("/dashboard/").content.decode()
    assert f'href="{reverse("reviews:invite")}"' in body
    assert f'href="{reverse("reviews:practice")}"' in body


def test_a_practitioner_finds_the_dashboard_in_the_main_navigation(client, practitioner_owner):
    client.force_login(practitioner_owner)
    assert 'href="/dashboard/"' in client.get("/").content.decode()


def test_a_verifier_is_pointed_to_the_verification_queue(client, verifier):
    client.force_login(verifier)
    assert 'href="/verification/"' in client.get("/dashboard/").content.decode()


def test_the_upload_forms_still_refuse_a_post_without_the_csrf_token(practitioner_owner):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(practitioner_owner)
    assert client.post("/dashboard/credentials/new/", licence_post()).status_code == 403
    assert client.post("/dashboard/sterilization/new/", sterilization_post()).status_code == 403
    assert not Attestation.objects.exists()
