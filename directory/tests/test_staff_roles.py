"""What the staff roles may do in /admin/: what the README promises the demo staff account.

The account is made by ``seed_demo``'s ``ensure_demo_accounts``: staff, in the Moderators
and Verifiers groups, never a superuser.
"""

import pytest

from demo.accounts import ensure_demo_accounts
from directory.tests.clients import Client
from directory.tests.factories import UserFactory
from kernel.models import AuditEntry
from practitioners.tests.factories import (
    AttestationFactory,
    EvidenceFactory,
    PractitionerFactory,
    ProfileClaimFactory,
)
from practitioners.tests.test_admin import admin_form, change_url
from reviews.tests.factories import (
    ComplicationFactory,
    PractitionerResponseFactory,
    ReviewFactory,
    ReviewReportFactory,
    SafetyAlertFactory,
)

pytestmark = pytest.mark.django_db

# The README's list, "Demo accounts": the changelists the staff account can open.
MODERATOR_PAGES = [
    "reviews/review",
    "reviews/reviewrevision",
    "reviews/reviewreport",
    "reviews/practitionerresponse",
    "reviews/safetyalert",
    "reviews/practitionersummary",
    "directory/auditentry",
]
VERIFIER_PAGES = [
    "practitioners/practitioner",
    "practitioners/clinic",
    "practitioners/procedure",
    "practitioners/attestation",
    "practitioners/profileclaim",
    "directory/auditentry",
]
SUPERUSER_ONLY_PAGES = [
    "directory/user",
    "partners/partner",
    "partners/partnerkey",
    "partners/webhookendpoint",
    "reviews/reviewinvitation",
]


@pytest.fixture
def demo_staff_client() -> Client:
    staff = ensure_demo_accounts().staff
    assert staff.is_staff
    assert not staff.is_superuser
    client = Client()
    client.force_login(staff)
    return client


@pytest.fixture
def world():
    """One of everything the pages list, so each changelist and change page has a row."""
    practitioner = PractitionerFactory(first_name="Ada", last_name="Lovelace")
    licence = AttestationFactory(practitioner=practitioner, verified=True, number="RN4242")
    EvidenceFactory(attestation=licence)
    AttestationFactory(practitioner=practitioner, verified=True, sterilization=True)
    review = ReviewFactory(practitioner=practitioner, title="Careful and clean")
    ComplicationFactory(review=review)
    ReviewReportFactory(review=review)
    PractitionerResponseFactory(review=review)
    SafetyAlertFactory(practitioner=practitioner)
    ProfileClaimFactory(practitioner=practitioner)
    return {"practitioner": practitioner, "licence": licence, "review": review}


@pytest.mark.parametrize("page", sorted(set(MODERATOR_PAGES + VERIFIER_PAGES)))
def test_the_demo_staff_account_opens_every_admin_list_the_readme_promises(
    demo_staff_client, world, page
):
    response = demo_staff_client.get(f"/admin/{page}/")

    assert response.status_code == 200, page


def test_the_admin_index_lists_the_models_of_both_roles_and_nothing_else(demo_staff_client):
    listed = {
        f"{app['app_label']}/{model['object_name'].lower()}"
        for app in demo_staff_client.get("/admin/").context["app_list"]
        for model in app["models"]
    }

    assert listed == set(MODERATOR_PAGES + VERIFIER_PAGES)


@pytest.mark.parametrize("page", SUPERUSER_ONLY_PAGES)
def test_accounts_partner_keys_and_invitations_stay_closed_to_the_demo_staff(
    demo_staff_client, page
):
    assert demo_staff_client.get(f"/admin/{page}/").status_code == 403


def test_a_review_opens_read_only_for_a_moderator_with_its_complications(demo_staff_client, world):
    response = demo_staff_client.get(f"/admin/reviews/review/{world['review'].pk}/change/")

    assert response.status_code == 200
    assert response.context["has_change_permission"] is False
    assert "Careful and clean" in response.content.decode()
    assert (
        demo_staff_client.post(
            f"/admin/reviews/review/{world['review'].pk}/change/", {"title": "Edited by staff"}
        ).status_code
        == 403
    )
    world["review"].refresh_from_db()
    assert world["review"].title == "Careful and clean"


def test_a_verifier_corrects_an_attestation_in_the_admin_and_the_change_is_recorded(
    demo_staff_client, world
):
    licence = world["licence"]
    data = admin_form(demo_staff_client, licence)  # what the page's form submits
    data["issuing_authority"] = "Texas Board of Nursing (corrected)"

    response = demo_staff_client.post(change_url(licence), data)

    assert response.status_code == 302, response.context and response.context["errors"]
    licence.refresh_from_db()
    assert licence.issuing_authority == "Texas Board of Nursing (corrected)"
    assert AuditEntry.objects.for_object(licence).filter(action="attestation.admin_changed")


def test_a_verifier_adds_a_procedure_in_the_admin(demo_staff_client):
    response = demo_staff_client.post(
        "/admin/practitioners/procedure/add/",
        {"name": "Microneedling with exosomes", "slug": "exosome_microneedling", "is_active": "on"},
    )

    assert response.status_code == 302
    assert demo_staff_client.get("/admin/practitioners/procedure/").status_code == 200


def test_a_staff_member_in_neither_group_still_sees_no_model_in_the_admin():
    client = Client()
    client.force_login(UserFactory(is_staff=True))

    assert client.get("/admin/").context["app_list"] == []
    assert client.get("/admin/reviews/review/").status_code == 403
