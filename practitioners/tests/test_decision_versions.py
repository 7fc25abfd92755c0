"""A verifier's decision applies to the version of the attestation or claim they read.

An attestation corrected after the verifier opened it (a staff correction in the admin, the
way its details change while it waits) is not verified on the old reading: 409, what
changed field by field, nothing written.
"""

import datetime
import re
import threading

import pytest
from django.db import connection
from django.db.models import F
from django.utils import timezone

from directory.tests.factories import UserFactory
from kernel.models import AuditEntry
from kernel.versions import ItemChanged
from practitioners import services
from practitioners.models import Attestation, ProfileClaim
from practitioners.tests.factories import AttestationFactory, ProfileClaimFactory
from practitioners.tests.uploads import pdf


def seen_version(page) -> int:
    return int(re.search(r'name="version" value="(\d+)"', page.content.decode()).group(1))


def correct_expiry(attestation: Attestation, days: int = 30) -> datetime.date:
    """Another member of staff corrects the expiry date in the admin."""
    corrector = UserFactory(is_superuser=True, is_staff=True)
    new_date = timezone.localdate() + datetime.timedelta(days=days)
    edited = Attestation.objects.get(pk=attestation.pk)
    edited.expires_on = new_date
    services.attestation_admin_change(attestation=edited, fields=["expires_on"], actor=corrector)
    return new_date


@pytest.mark.django_db
def test_verifying_an_attestation_changed_after_it_was_opened_is_refused_showing_the_change(
    client, verifier
):
    licence = AttestationFactory()
    old_date = licence.expires_on
    client.force_login(verifier)
    opened = client.get(f"/verification/attestations/{licence.pk}/")
    new_date = correct_expiry(licence)

    page = client.post(
        f"/verification/attestations/{licence.pk}/verify/", {"version": seen_version(opened)}
    )

    assert page.status_code == 409
    text = page.content.decode()
    assert "Changed since you opened it" in text
    row = re.search(r'<th scope="row">Expires on</th>(.*?)</tr>', text, re.S).group(1)
    assert old_date.isoformat() in row.split("<ins>")[0]
    assert new_date.isoformat() in row.split("<ins>")[1]
    licence.refresh_from_db()
    assert (licence.status, licence.version) == ("pending", 2)
    assert not AuditEntry.objects.for_object(licence).filter(action="attestation.verified")
    # The page now carries the current version: verifying it goes through.
    again = client.post(
        f"/verification/attestations/{licence.pk}/verify/", {"version": seen_version(page)}
    )
    assert again.status_code == 302
    assert Attestation.objects.get(pk=licence.pk).status == "verified"


@pytest.mark.django_db
def test_rejecting_from_the_queue_an_attestation_changed_since_is_refused(client, verifier):
    licence = AttestationFactory()
    client.force_login(verifier)
    queue = client.get("/verification/")
    correct_expiry(licence)

    page = client.post(
        f"/verification/attestations/{licence.pk}/reject/",
        {"reject-reason": "Expired", "version": seen_version(queue), "return_to": "queue"},
    )

    assert page.status_code == 409
    assert "Expires on" in page.content.decode()
    assert Attestation.objects.get(pk=licence.pk).status == "pending"


@pytest.mark.django_db
def test_a_verification_without_its_version_is_refused_as_out_of_date(client, verifier):
    licence = AttestationFactory()
    client.force_login(verifier)
    page = client.post(f"/verification/attestations/{licence.pk}/verify/", {})
    assert page.status_code == 400
    assert "This page is out of date" in page.content.decode()
    assert Attestation.objects.get(pk=licence.pk).status == "pending"


@pytest.mark.django_db
def test_decisions_on_attestations_and_claims_move_their_version_on(verifier):
    licence = AttestationFactory()
    services.attestation_verify(attestation_id=licence.pk, actor=verifier, seen_version=1)
    services.attestation_revoke(
        attestation_id=licence.pk, actor=verifier, reason="Complaint", seen_version=2
    )
    assert Attestation.objects.get(pk=licence.pk).version == 3
    claim = ProfileClaimFactory()
    services.claim_reject(claim_id=claim.pk, actor=verifier, reason="No proof", seen_version=1)
    assert ProfileClaim.objects.get(pk=claim.pk).version == 2


@pytest.mark.django_db
def test_approving_a_claim_whose_version_moved_is_refused_from_the_claims_page(client, verifier):
    claim = ProfileClaimFactory(message="I work there")
    client.force_login(verifier)
    opened = client.get("/verification/claims/")
    # Claims have no edit of their own yet; any change to the row moves its version.
    ProfileClaim.objects.filter(pk=claim.pk).update(version=F("version") + 1)

    page = client.post(
        f"/verification/claims/{claim.pk}/approve/", {"version": seen_version(opened)}
    )

    assert page.status_code == 409
    assert "you saw version 1; it is now version 2" in page.content.decode()
    claim.refresh_from_db()
    assert claim.status == "pending"
    assert claim.practitioner.owner_id is None


# --- The practitioner adds evidence while it waits ------------------------------------------


@pytest.mark.django_db
def test_the_practitioner_adds_a_file_to_an_attestation_awaiting_review(client, practitioner_owner):
    licence = AttestationFactory(practitioner=practitioner_owner.practitioner_profile)
    client.force_login(practitioner_owner)
    assert "Add evidence" in client.get(f"/dashboard/attestations/{licence.pk}/").content.decode()

    page = client.post(
        f"/dashboard/attestations/{licence.pk}/evidence/",
        {"evidence": [pdf("renewal-letter.pdf")]},
        follow=True,
    )

    assert "Staff see the new files with your submission." in page.content.decode()
    assert "Evidence files added" in page.content.decode()  # in its history
    licence.refresh_from_db()
    assert [e.original_name for e in licence.evidence.all()] == ["renewal-letter.pdf"]
    assert licence.version == 2
    entry = AuditEntry.objects.for_object(licence).get(action="attestation.evidence_added")
    assert entry.actor == practitioner_owner


@pytest.mark.django_db
def test_files_cannot_be_added_to_a_decided_attestation(client, practitioner_owner, verifier):
    licence = AttestationFactory(practitioner=practitioner_owner.practitioner_profile)
    services.attestation_verify(attestation_id=licence.pk, actor=verifier)
    client.force_login(practitioner_owner)

    page = client.post(
        f"/dashboard/attestations/{licence.pk}/evidence/", {"evidence": [pdf()]}, follow=True
    )

    assert "Files can be added only while the attestation awaits review" in (page.content.decode())
    assert not licence.evidence.exists()


@pytest.mark.django_db
def test_verifying_after_the_practitioner_added_a_file_is_refused_showing_the_new_file(
    client, verifier, practitioner_owner
):
    from directory.tests.clients import Client

    licence = AttestationFactory(practitioner=practitioner_owner.practitioner_profile)
    client.force_login(verifier)
    opened = client.get(f"/verification/attestations/{licence.pk}/")
    owner = Client()
    owner.force_login(practitioner_owner)
    owner.post(
        f"/dashboard/attestations/{licence.pk}/evidence/", {"evidence": [pdf("other-name.pdf")]}
    )

    page = client.post(
        f"/verification/attestations/{licence.pk}/verify/", {"version": seen_version(opened)}
    )

    assert page.status_code == 409
    row = re.search(
        r'<th scope="row">Evidence files</th>(.*?)</tr>', page.content.decode(), re.S
    ).group(1)
    assert "other-name.pdf" in row.split("<ins>")[1]
    assert "other-name.pdf" not in row.split("<ins>")[0]
    assert Attestation.objects.get(pk=licence.pk).status == "pending"


def _at_once(*calls):
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(i, call):
        try:
            barrier.wait(timeout=10)
            results[i] = ("ok", call())
        except Exception as error:  # the test inspects what each thread got
            results[i] = ("error", error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_correction_racing_a_verification_never_verifies_the_unread_details():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: its row locks are what is raced")
    verifier = UserFactory(roles=["Verifiers"])
    for _ in range(5):
        licence = AttestationFactory()
        correction, verification = _at_once(
            lambda a=licence: correct_expiry(a),
            lambda a=licence: services.attestation_verify(
                attestation_id=a.pk, actor=verifier, seen_version=1
            ),
        )
        licence.refresh_from_db()
        entries = AuditEntry.objects.for_object(licence)
        if verification[0] == "ok":
            # Verified first on the version read; the correction then applied to it.
            assert correction[0] == "ok", correction
            assert licence.status == "verified"
            assert (
                entries.get(action="attestation.verified").pk
                < entries.get(action="attestation.admin_changed").pk
            )
        else:
            assert isinstance(verification[1], ItemChanged), verification
            assert licence.status == "pending"
            assert not entries.filter(action="attestation.verified").exists()
