"""Renewing a licence under the same number: the badge is kept, the old one is replaced."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.db import IntegrityError
from django.utils import timezone

from kernel.errors import DomainError
from kernel.models import AuditEntry, Event
from practitioners import services
from practitioners.badges import refresh_badge
from practitioners.models import Attestation, Practitioner
from practitioners.tests.factories import AttestationFactory
from practitioners.tests.uploads import checked, pdf

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
AUTHORITY = "Texas Board of Nursing"
WINDOW = services.LICENCE_RENEWAL_WINDOW.days


def days(n: int) -> datetime.date:
    return TODAY + datetime.timedelta(days=n)


@pytest.fixture
def holder(practitioner_owner):
    """A verified practitioner whose licence RN900 expires in ``WINDOW - 30`` days."""
    practitioner = practitioner_owner.practitioner_profile
    practitioner.licence = AttestationFactory(
        practitioner=practitioner,
        verified=True,
        number="RN900",
        issuing_authority=AUTHORITY,
        expires_on=days(WINDOW - 30),
    )
    AttestationFactory(practitioner=practitioner, verified=True, sterilization=True)
    refresh_badge(practitioner.pk)
    practitioner.user = practitioner_owner
    return practitioner


@pytest.fixture
def badge_changes(holder):
    """Badge changes raised after the holder got its badge (a lost badge would show here)."""
    since = Event.objects.order_by("-pk").values_list("pk", flat=True).first() or 0

    def raised() -> list[dict]:
        events = Event.objects.filter(pk__gt=since, type="practitioner.verification_changed")
        return list(events.values_list("data", flat=True))

    return raised


def renewal_post(**overrides):
    data = {
        "kind": "license",
        "number": "rn 900",
        "issuing_authority": AUTHORITY,
        "license_type": "Registered Nurse",
        "issued_on": "2020-01-01",
        "expires_on": days(WINDOW + 700).isoformat(),
        "evidence": [pdf()],
    }
    data.update(overrides)
    return data


def submit_renewal(practitioner, expires_on=None, number="RN900", actor=None):
    return services.attestation_submit(
        actor=actor or practitioner.user,
        practitioner=practitioner,
        kind="license",
        uploads=checked(),
        number=number,
        issuing_authority=AUTHORITY,
        expires_on=expires_on or days(WINDOW + 700),
    )


def is_verified(practitioner) -> bool:
    return Practitioner.objects.get(pk=practitioner.pk).is_verified


def test_a_renewal_inside_the_window_replaces_the_old_licence_once_verified_and_the_badge_stays(
    client, holder, verifier, badge_changes
):
    client.force_login(holder.user)
    assert client.post("/dashboard/credentials/new/", renewal_post()).status_code == 302
    renewal = Attestation.objects.get(number="RN900", status="pending")
    # While staff review it, the practitioner is still verified on the current licence.
    assert is_verified(holder)
    assert "badge-verified" in client.get("/dashboard/").content.decode()
    assert Attestation.objects.get(pk=holder.licence.pk).status == "verified"

    client.force_login(verifier)
    page = client.get(f"/verification/attestations/{renewal.pk}/").content.decode()
    assert "A renewal of" in page
    response = client.post(
        f"/verification/attestations/{renewal.pk}/verify/", {"version": renewal.version}
    )
    assert response.status_code == 302

    old, renewal = (Attestation.objects.get(pk=a.pk) for a in (holder.licence, renewal))
    assert (old.status, renewal.status) == ("expired", "verified")
    assert renewal.expires_on == days(WINDOW + 700)
    [entry] = AuditEntry.objects.for_object(old)
    assert [entry.action, entry.actor, entry.from_status, entry.to_status] == [
        "attestation.superseded",
        verifier,
        "verified",
        "expired",
    ]
    assert is_verified(holder)
    assert badge_changes() == []  # no partner was ever told the badge went
    profile = client.get(holder.get_absolute_url()).content.decode()
    assert "Replaced by a renewal" in profile
    assert "Not verified" not in profile


@pytest.mark.parametrize("days_left", [WINDOW, 1, 0, -3])
def test_a_renewal_is_accepted_from_the_first_day_of_the_window_and_after_the_expiry_date(
    holder, days_left
):
    Attestation.objects.filter(pk=holder.licence.pk).update(expires_on=days(days_left))
    renewal = submit_renewal(holder)
    assert renewal.status == "pending"
    [submitted] = AuditEntry.objects.for_object(renewal)
    assert submitted.data["renews"] == holder.licence.pk


def test_a_renewal_before_the_window_is_refused_next_to_the_number(client, holder):
    Attestation.objects.filter(pk=holder.licence.pk).update(expires_on=days(WINDOW + 1))
    client.force_login(holder.user)
    response = client.post("/dashboard/credentials/new/", renewal_post())
    assert response.status_code == 400
    message = (
        f"Your license RN900 is verified until {days(WINDOW + 1):%b %-d, %Y}. You can submit "
        f"its renewal from {days(1):%b %-d, %Y}, {WINDOW} days before it expires."
    )
    assert response.context["form"].errors["number"] == [message]
    assert message in response.content.decode()
    assert Attestation.objects.filter(number="RN900").count() == 1


def test_a_renewal_must_expire_after_the_licence_it_renews(client, holder):
    client.force_login(holder.user)
    response = client.post(
        "/dashboard/credentials/new/", renewal_post(expires_on=holder.licence.expires_on)
    )
    assert response.status_code == 400
    assert response.context["form"].errors["expires_on"] == [
        "A renewal must expire after the license it renews, which is valid until "
        f"{holder.licence.expires_on:%b %-d, %Y}."
    ]
    assert Attestation.objects.filter(number="RN900").count() == 1


def test_rejecting_a_renewal_leaves_the_old_licence_verified(holder, verifier, badge_changes):
    renewal = submit_renewal(holder)
    services.attestation_reject(
        attestation_id=renewal.pk, actor=verifier, reason="The scan is unreadable."
    )
    assert Attestation.objects.get(pk=holder.licence.pk).status == "verified"
    assert Attestation.objects.get(pk=renewal.pk).status == "rejected"
    assert is_verified(holder)
    assert badge_changes() == []


def test_a_second_renewal_cannot_wait_beside_a_pending_one(holder):
    submit_renewal(holder)
    with pytest.raises(DomainError, match="already awaiting review on your profile"):
        submit_renewal(holder, expires_on=days(WINDOW + 800))
    assert Attestation.objects.filter(number="RN900").count() == 2


def test_nobody_else_can_renew_a_licence_held_on_another_profile(holder, other_practitioner_owner):
    other = other_practitioner_owner.practitioner_profile
    other.user = other_practitioner_owner
    with pytest.raises(DomainError, match="already on file"):
        submit_renewal(other)
    assert Attestation.objects.filter(number="RN900").count() == 1


def test_a_licence_verified_on_another_profile_is_never_replaced_by_verifying_one(holder, verifier):
    # Only possible by editing rows directly: the verification still refuses it.
    intruder = AttestationFactory(
        number="RN900", issuing_authority=AUTHORITY, expires_on=days(WINDOW + 700)
    )
    with pytest.raises(DomainError, match="verified on another profile"):
        services.attestation_verify(attestation_id=intruder.pk, actor=verifier)
    assert Attestation.objects.get(pk=holder.licence.pk).status == "verified"
    assert Attestation.objects.get(pk=intruder.pk).status == "pending"


def test_the_database_refuses_two_verified_licences_with_one_number(holder):
    renewal = submit_renewal(holder)
    with pytest.raises(IntegrityError):
        Attestation.objects.filter(pk=renewal.pk).update(
            status="verified", verified_at=timezone.now()
        )


def test_a_renewal_verified_after_the_old_licence_lapsed_gives_the_badge_back(holder, verifier):
    renewal = submit_renewal(holder)
    services.attestation_expire(attestation_id=holder.licence.pk, today=days(WINDOW))
    refresh_badge(holder.pk)
    assert not is_verified(holder)
    services.attestation_verify(attestation_id=renewal.pk, actor=verifier)
    assert Attestation.objects.get(pk=holder.licence.pk).status == "expired"
    assert is_verified(holder)


def test_the_dashboard_offers_the_renewal_only_inside_the_window(client, holder):
    client.force_login(holder.user)
    link = f"/dashboard/credentials/new/?again={holder.licence.pk}"
    assert link in client.get("/dashboard/").content.decode()
    form = client.get(link)
    assert "Renewing license RN900" in form.content.decode()
    assert form.context["form"]["number"].value() == "RN900"

    Attestation.objects.filter(pk=holder.licence.pk).update(expires_on=days(WINDOW + 1))
    assert link not in client.get("/dashboard/").content.decode()
    assert "Renewing license" not in client.get(link).content.decode()


def test_the_dashboard_stops_offering_the_renewal_once_one_is_pending(client, holder):
    submit_renewal(holder)
    client.force_login(holder.user)
    page = client.get("/dashboard/").content.decode()
    assert f"?again={holder.licence.pk}" not in page
    assert "Awaiting staff review." in page


def import_roster(tmp_path, practitioner, expires_on: datetime.date) -> None:
    path = tmp_path / "roster.csv"
    path.write_text(
        "license_number,first_name,last_name,license_type,status,issue_date,expiration_date\n"
        f"RN900,{practitioner.first_name},{practitioner.last_name},Registered Nurse,active,"
        f"2020-01-01,{expires_on.isoformat()}\n",
        encoding="utf-8",
    )
    call_command(
        "import_license_registry",
        str(path),
        "--authority",
        AUTHORITY,
        stdout=io.StringIO(),
        stderr=io.StringIO(),
    )


def test_the_registry_verifies_a_renewal_only_once_it_lists_the_later_expiry_date(tmp_path, holder):
    renewal = submit_renewal(holder)
    import_roster(tmp_path, holder, holder.licence.expires_on)  # not renewed there yet
    assert Attestation.objects.get(pk=renewal.pk).status == "pending"
    assert Attestation.objects.get(pk=holder.licence.pk).status == "verified"

    import_roster(tmp_path, holder, days(WINDOW + 700))
    renewal.refresh_from_db()
    assert (renewal.status, renewal.verification_method) == ("verified", "registry")
    assert Attestation.objects.get(pk=holder.licence.pk).status == "expired"
    assert is_verified(holder)
