"""The staff verification queue at /verification/ and the claims it decides."""

import datetime

import pytest
from django.utils import timezone

from kernel.models import AuditEntry
from practitioners.models import Attestation, Practitioner, ProfileClaim
from practitioners.tests.factories import (
    AttestationFactory,
    EvidenceFactory,
    PractitionerFactory,
    ProfileClaimFactory,
)
from practitioners.tests.uploads import image_bytes

pytestmark = pytest.mark.django_db


def test_the_queue_sends_anonymous_visitors_to_sign_in(client):
    response = client.get("/verification/")
    assert response.status_code == 302
    assert "/login/" in response["Location"]


@pytest.mark.parametrize("role", ["patient", "moderator", "practitioner_owner"])
def test_the_queue_is_closed_to_everyone_but_verifiers(client, request, role):
    client.force_login(request.getfixturevalue(role))
    assert client.get("/verification/").status_code == 403
    assert client.get("/verification/claims/").status_code == 403
    licence = AttestationFactory()
    response = client.post(f"/verification/attestations/{licence.pk}/verify/")
    assert response.status_code == 403
    assert Attestation.objects.get(pk=licence.pk).status == "pending"


def test_the_queue_lists_pending_attestations_oldest_first_with_their_evidence(client, verifier):
    now = timezone.now()
    newer = AttestationFactory(submitted_at=now, practitioner__last_name="Newer")
    older = AttestationFactory(
        submitted_at=now - datetime.timedelta(days=3), practitioner__last_name="Older"
    )
    AttestationFactory(verified=True, practitioner__last_name="Alreadydone")
    photo = EvidenceFactory(
        attestation=older,
        original_name="spore.png",
        content_type="image/png",
        file__data=image_bytes("PNG"),
    )
    client.force_login(verifier)
    body = client.get("/verification/").content.decode()
    assert body.index("Older") < body.index("Newer")
    assert "Alreadydone" not in body
    assert f'src="/dashboard/evidence/{photo.pk}/"' in body
    assert 'alt="Evidence file spore.png"' in body
    assert newer.number in body


def test_the_queue_takes_the_same_queries_for_one_or_many_attestations(
    client, verifier, django_assert_max_num_queries
):
    client.force_login(verifier)
    EvidenceFactory(attestation=AttestationFactory())
    with django_assert_max_num_queries(15) as one:
        client.get("/verification/")
    for _ in range(5):
        EvidenceFactory(attestation=AttestationFactory(sterilization=True))
    with django_assert_max_num_queries(15) as many:
        client.get("/verification/")
    assert len(many.captured_queries) == len(one.captured_queries)


def test_a_verifier_verifies_from_the_queue(client, verifier):
    licence = AttestationFactory()
    client.force_login(verifier)
    response = client.post(
        f"/verification/attestations/{licence.pk}/verify/",
        {"return_to": "queue", "version": licence.version},
    )
    assert response.status_code == 302
    assert response["Location"] == "/verification/"
    licence.refresh_from_db()
    assert licence.status == "verified"
    assert AuditEntry.objects.get().actor == verifier


def test_a_second_decision_on_the_same_attestation_is_explained_not_a_crash(client, verifier):
    licence = AttestationFactory()
    client.force_login(verifier)
    client.post(f"/verification/attestations/{licence.pk}/verify/", {"version": licence.version})
    response = client.post(
        f"/verification/attestations/{licence.pk}/reject/",
        {"reject-reason": "late", "version": licence.version},
        follow=True,
    )
    assert response.status_code == 200
    assert "cannot go from “verified” to “rejected”" in response.content.decode()
    assert AuditEntry.objects.count() == 1


def test_a_rejection_without_a_reason_is_refused_and_nothing_changes(client, verifier):
    licence = AttestationFactory()
    client.force_login(verifier)
    response = client.post(f"/verification/attestations/{licence.pk}/reject/", {})
    assert response.status_code == 400
    assert "Give a reason" in response.content.decode()
    assert Attestation.objects.get(pk=licence.pk).status == "pending"


def test_a_verifier_rejects_then_revokes_and_the_timeline_shows_every_decision(client, verifier):
    pending = AttestationFactory()
    verified = AttestationFactory(verified=True)
    client.force_login(verifier)
    client.post(
        f"/verification/attestations/{pending.pk}/reject/",
        {"reject-reason": "Name differs", "version": pending.version},
    )
    client.post(
        f"/verification/attestations/{verified.pk}/revoke/",
        {"revoke-reason": "Complaint upheld", "version": verified.version},
    )
    assert Attestation.objects.get(pk=pending.pk).status == "rejected"
    assert Attestation.objects.get(pk=verified.pk).status == "revoked"
    body = client.get(f"/verification/attestations/{verified.pk}/").content.decode()
    assert "Verification revoked" in body
    assert f"by {verifier.display_name}" in body
    assert "Complaint upheld" in body
    assert "no further decision can be made" in body


def test_verifying_with_a_past_validity_date_is_a_form_error(client, verifier):
    licence = AttestationFactory()
    client.force_login(verifier)
    response = client.post(
        f"/verification/attestations/{licence.pk}/verify/", {"expires_on": "2001-01-01"}
    )
    assert response.status_code == 400
    assert "cannot end in the past" in response.content.decode()


def test_an_unknown_attestation_is_a_404(client, verifier):
    client.force_login(verifier)
    assert client.get("/verification/attestations/987654/").status_code == 404
    assert client.post("/verification/attestations/987654/verify/").status_code == 404


def test_the_verified_tab_lists_what_can_be_revoked(client, verifier):
    AttestationFactory(verified=True, practitioner__last_name="Verifiedone")
    AttestationFactory(practitioner__last_name="Pendingone")
    client.force_login(verifier)
    body = client.get("/verification/?status=verified&kind=license").content.decode()
    assert "Verifiedone" in body
    assert "Pendingone" not in body
    hostile = client.get("/verification/?status=<script>&page=zzz")
    assert hostile.status_code == 400
    assert "<script>" not in hostile.content.decode()
    assert "There is a problem with the filters" in hostile.content.decode()


def test_a_verifier_approves_a_claim_and_the_claimant_owns_the_profile(client, verifier, patient):
    claim = ProfileClaimFactory(user=patient, message="I work at <b>Clear Skin</b>")
    client.force_login(verifier)
    body = client.get("/verification/claims/").content.decode()
    assert patient.email in body
    assert "I work at &lt;b&gt;Clear Skin&lt;/b&gt;" in body
    response = client.post(f"/verification/claims/{claim.pk}/approve/", {"version": claim.version})
    assert response.status_code == 302
    assert Practitioner.objects.get(pk=claim.practitioner_id).owner == patient


def test_a_verifier_rejects_a_claim_with_a_reason(client, verifier, patient):
    claim = ProfileClaimFactory(user=patient)
    client.force_login(verifier)
    client.post(f"/verification/claims/{claim.pk}/reject/", {"reason": ""})
    assert ProfileClaim.objects.get(pk=claim.pk).status == "pending"
    client.post(
        f"/verification/claims/{claim.pk}/reject/",
        {"reason": "Not the same person", "version": claim.version},
    )
    claim.refresh_from_db()
    assert (claim.status, claim.decision_reason) == ("rejected", "Not the same person")


def test_the_claims_page_takes_the_same_queries_for_one_or_many_claims(
    client, verifier, django_assert_max_num_queries
):
    client.force_login(verifier)
    ProfileClaimFactory()
    # 12, and one more since the navigation asks whether to offer the practitioner dashboard.
    with django_assert_max_num_queries(13) as one:
        client.get("/verification/claims/")
    for _ in range(4):
        ProfileClaimFactory()
    with django_assert_max_num_queries(13) as many:
        client.get("/verification/claims/")
    assert len(many.captured_queries) == len(one.captured_queries)


def test_public_pages_never_mention_evidence(client):
    practitioner = PractitionerFactory(last_name="Publicname")
    attestation = AttestationFactory(practitioner=practitioner, verified=True)
    evidence = EvidenceFactory(attestation=attestation, original_name="secret-scan-4711.pdf")
    for url in (practitioner.get_absolute_url(), "/practitioners/", "/"):
        body = client.get(url).content.decode()
        assert "secret-scan-4711" not in body
        assert "/dashboard/evidence/" not in body
        assert evidence.sha256 not in body


def test_from_sign_in_to_verified_through_the_site_alone(
    client, patient, verifier, django_capture_on_commit_callbacks
):
    """A practitioner claims a profile, submits both attestations, and staff verify them."""
    from directory.tests.clients import Client
    from practitioners.tests.test_dashboard_views import licence_post, sterilization_post

    practitioner = PractitionerFactory(first_name="Rosa", last_name="Vale")
    staff = Client()
    staff.force_login(verifier)
    client.force_login(patient)

    client.post(f"/dashboard/claim/{practitioner.slug}/", {"message": "It is me"})
    claim = ProfileClaim.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        staff.post(f"/verification/claims/{claim.pk}/approve/", {"version": claim.version})
    assert "Your dashboard" in client.get("/dashboard/").content.decode()

    assert client.post("/dashboard/credentials/new/", licence_post()).status_code == 302
    assert client.post("/dashboard/sterilization/new/", sterilization_post()).status_code == 302
    assert "Not verified" in client.get(practitioner.get_absolute_url()).content.decode()

    for attestation in Attestation.objects.filter(status="pending"):
        staff.post(
            f"/verification/attestations/{attestation.pk}/verify/",
            {"version": attestation.version},
        )

    practitioner.refresh_from_db()
    assert practitioner.is_verified
    body = client.get(practitioner.get_absolute_url()).content.decode()
    assert "Not verified" not in body
    assert "Verified" in body
