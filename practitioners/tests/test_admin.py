"""Attestations in the Django admin: every change recorded, the status never typed in."""

import datetime
from html.parser import HTMLParser

import pytest
from django.contrib.auth.models import Permission
from django.core.cache import cache
from django.test import Client, override_settings
from django.utils import timezone

from directory.tests.factories import UserFactory
from kernel.models import AuditEntry
from practitioners import services
from practitioners.badges import refresh_badge
from practitioners.models import Attestation, Practitioner
from practitioners.tests.factories import (
    AttestationFactory,
    EvidenceFactory,
    PractitionerFactory,
)

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
YESTERDAY = TODAY - datetime.timedelta(days=1)
LOCAL_CACHE = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}


class _FormReader(HTMLParser):
    """What a browser would submit from the form with ``form_id``, as the page renders it."""

    def __init__(self, form_id: str):
        super().__init__()
        self.form_id = form_id
        self.inside = False
        self.data: dict[str, str] = {}
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.inside = attrs.get("id") == self.form_id
        if not self.inside:
            return
        name = attrs.get("name")
        if tag == "input" and name:
            kind = attrs.get("type", "text")
            if kind in ("submit", "button", "file", "image", "reset"):
                return
            if kind in ("checkbox", "radio") and "checked" not in attrs:
                return
            self.data[name] = attrs.get("value") or ""
        elif tag == "select" and name:
            self._select = name
            self.data.setdefault(name, "")
        elif tag == "option" and self._select and "selected" in attrs:
            self.data[self._select] = attrs.get("value") or ""
        elif tag == "textarea" and name:
            self._textarea = name
            self.data[name] = ""

    def handle_data(self, data):
        if self._textarea:
            self.data[self._textarea] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def admin_form(client: Client, attestation: Attestation) -> dict[str, str]:
    """The admin change form of ``attestation``, filled in as the page shows it."""
    response = client.get(change_url(attestation))
    assert response.status_code == 200
    reader = _FormReader("attestation_form")
    reader.feed(response.content.decode())
    assert "number" in reader.data, "the change form was not found on the page"
    return {**reader.data, "_save": "Save"}


def change_url(attestation: Attestation) -> str:
    return f"/admin/practitioners/attestation/{attestation.pk}/change/"


def admin_entries(attestation: Attestation) -> list[AuditEntry]:
    return [
        entry
        for entry in AuditEntry.objects.for_object(attestation)
        if entry.action.startswith("attestation.admin_")
    ]


@pytest.fixture
def staff():
    """A verifier who may also correct attestations in the admin."""
    user = UserFactory(display_name="Sam Staff", roles=["Verifiers"])
    user.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="practitioners",
            codename__in=["view_attestation", "change_attestation", "delete_attestation"],
        )
    )
    return user


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client


@pytest.fixture
def verified_practitioner():
    practitioner = PractitionerFactory(first_name="Ada", last_name="Lovelace")
    licence = AttestationFactory(practitioner=practitioner, verified=True, number="RN4242")
    AttestationFactory(practitioner=practitioner, verified=True, sterilization=True)
    EvidenceFactory(attestation=licence)
    refresh_badge(practitioner.pk)
    practitioner.licence = licence
    return practitioner


def test_an_expiry_date_changed_in_the_admin_is_recorded_with_who_and_both_dates_and_the_badge_follows(  # noqa: E501
    staff_client, staff, verified_practitioner, django_capture_on_commit_callbacks
):
    licence = verified_practitioner.licence
    old_date = licence.expires_on
    anonymous = Client()
    with override_settings(CACHES=LOCAL_CACHE, PAGE_CACHE_SECONDS=60):
        cache.clear()
        profile = verified_practitioner.get_absolute_url()
        assert "Not verified" not in anonymous.get(profile).content.decode()  # now cached

        with django_capture_on_commit_callbacks(execute=True):
            response = staff_client.post(
                change_url(licence),
                {**admin_form(staff_client, licence), "expires_on": YESTERDAY.isoformat()},
            )
        assert response.status_code == 302, response.content.decode()

        [entry] = admin_entries(licence)
        assert entry.action == "attestation.admin_changed"
        assert entry.actor == staff
        assert (entry.from_status, entry.to_status) == ("verified", "verified")
        assert entry.data == {
            "version": licence.version,
            "before": {"expires_on": old_date.isoformat()},
            "after": {"expires_on": YESTERDAY.isoformat()},
        }
        # Patients see the new date at once: the badge and the cached profile follow it.
        assert not Practitioner.objects.get(pk=verified_practitioner.pk).is_verified
        page = anonymous.get(profile).content.decode()
        assert "Not verified" in page
        assert f"License expired on {YESTERDAY:%b %-d, %Y}" in page
        cache.clear()
    # Staff read the change in the attestation's history.
    history = staff_client.get(f"/verification/attestations/{licence.pk}/").content.decode()
    assert "Details changed by staff" in history
    assert f"Expires on: {old_date.isoformat()} → {YESTERDAY.isoformat()}" in history
    assert str(staff) in history


def test_saving_the_admin_form_unchanged_records_nothing(staff_client, verified_practitioner):
    licence = verified_practitioner.licence
    response = staff_client.post(change_url(licence), admin_form(staff_client, licence))
    assert response.status_code == 302
    assert admin_entries(licence) == []
    assert Attestation.objects.get(pk=licence.pk).expires_on == licence.expires_on


def test_the_status_cannot_be_changed_in_the_admin(staff_client):
    licence = AttestationFactory()
    page = staff_client.get(change_url(licence)).content.decode()
    assert 'name="status"' not in page
    data = {**admin_form(staff_client, licence), "status": "verified"}
    assert staff_client.post(change_url(licence), data).status_code == 302
    assert Attestation.objects.get(pk=licence.pk).status == "pending"
    assert admin_entries(licence) == []


def test_an_admin_edit_never_undoes_a_decision_taken_while_the_form_was_open(
    staff_client, verifier
):
    licence = AttestationFactory(license_type="Registered Nurse")
    data = admin_form(staff_client, licence)  # opened while pending
    services.attestation_verify(attestation_id=licence.pk, actor=verifier)
    response = staff_client.post(change_url(licence), {**data, "license_type": "RN (compact)"})
    assert response.status_code == 302
    licence.refresh_from_db()
    assert (licence.status, licence.license_type) == ("verified", "RN (compact)")
    [entry] = admin_entries(licence)
    assert (entry.from_status, entry.to_status) == ("verified", "verified")
    assert entry.data["after"] == {"license_type": "RN (compact)"}


def test_a_later_expiry_date_set_in_the_admin_re_arms_the_expiry_reminder(
    staff_client, verified_practitioner
):
    licence = verified_practitioner.licence
    Attestation.objects.filter(pk=licence.pk).update(expiry_warning_sent_on=TODAY)
    later = licence.expires_on + datetime.timedelta(days=365)
    staff_client.post(
        change_url(licence), {**admin_form(staff_client, licence), "expires_on": later}
    )
    licence.refresh_from_db()
    assert (licence.expires_on, licence.expiry_warning_sent_on) == (later, None)
    [entry] = admin_entries(licence)
    assert entry.data["before"]["expiry_warning_sent_on"] == TODAY.isoformat()


def test_giving_a_licence_a_number_live_on_another_profile_is_a_form_error_not_a_server_error(
    staff_client,
):
    AttestationFactory(number="RN777", verified=True)
    licence = AttestationFactory(number="RN778", verified=True)
    data = {**admin_form(staff_client, licence), "number": "RN777"}
    response = staff_client.post(change_url(licence), data)
    assert response.status_code == 200
    assert "Another verified licence with this number and authority is on file." in (
        response.content.decode()
    )
    assert Attestation.objects.get(pk=licence.pk).number == "RN778"
    assert admin_entries(licence) == []


def test_the_admin_shows_evidence_and_sterilization_answers_but_cannot_change_them(
    client, verified_practitioner
):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    licence = verified_practitioner.licence
    sterilization = verified_practitioner.attestations.get(kind="sterilization")
    assert "evidence.pdf" in client.get(change_url(licence)).content.decode()
    page = client.get(change_url(sterilization)).content.decode()
    assert "Reusable instruments steam-sterilized (autoclave)" in page
    for attestation in (licence, sterilization):
        data = admin_form(client, attestation)
        editable = [
            name
            for name in data
            if name.startswith(("items-0-", "evidence-0-"))
            and name.rsplit("-", 1)[1] not in ("id", "attestation")
        ]
        assert editable == []
        assert client.post(change_url(attestation), data).status_code == 302
        assert admin_entries(attestation) == []


def test_deleting_an_attestation_in_the_admin_is_recorded_and_the_badge_lapses(
    staff_client, staff, verified_practitioner
):
    licence = verified_practitioner.licence
    response = staff_client.post(
        f"/admin/practitioners/attestation/{licence.pk}/delete/", {"post": "yes"}
    )
    assert response.status_code == 302
    assert not Attestation.objects.filter(pk=licence.pk).exists()
    [entry] = admin_entries(licence)
    assert (entry.action, entry.actor, entry.from_status) == (
        "attestation.admin_deleted",
        staff,
        "verified",
    )
    assert entry.data["before"]["number"] == "RN4242"
    assert not Practitioner.objects.get(pk=verified_practitioner.pk).is_verified


def test_a_staff_member_cannot_change_an_attestation_on_their_own_profile(staff_client, staff):
    licence = AttestationFactory(practitioner=PractitionerFactory(owner=staff))
    page = staff_client.get(change_url(licence))
    assert page.status_code == 200
    assert 'name="expires_on"' not in page.content.decode()  # shown, not editable
    data = {"expires_on": "2099-01-01", "initial-expires_on": "", "_save": "Save"}
    assert staff_client.post(change_url(licence), data).status_code == 403
    assert Attestation.objects.get(pk=licence.pk).expires_on == licence.expires_on
    assert admin_entries(licence) == []


def test_a_staff_member_cannot_move_an_attestation_onto_their_own_profile(staff_client, staff):
    own = PractitionerFactory(owner=staff)
    licence = AttestationFactory()
    data = {**admin_form(staff_client, licence), "practitioner": str(own.pk)}
    response = staff_client.post(change_url(licence), data)
    assert response.status_code == 200
    assert "You cannot add or move attestations onto your own profile." in (
        response.content.decode()
    )
    assert Attestation.objects.get(pk=licence.pk).practitioner_id == licence.practitioner_id
    assert admin_entries(licence) == []
