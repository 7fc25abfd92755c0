"""Search parameters, and Bundles whose next links stay stable while data changes."""

import datetime

import pytest
import time_machine
from django.utils import timezone

from fhir_api.canonical import NPI_SYSTEM
from fhir_api.tests.conftest import validated
from practitioners.models import Attestation, Clinic, Practitioner
from practitioners.services import attestation_revoke
from practitioners.tests.factories import AttestationFactory, PractitionerFactory
from reviews.summaries import refresh_summary

pytestmark = pytest.mark.django_db


def search(fhir, query: str) -> dict:
    response = fhir.get(f"/fhir/r4/{query}")
    assert response.status_code == 200, response.content
    return validated(response.json())


def ids(bundle: dict, mode: str = "match") -> list[int]:
    return [
        int(e["resource"]["id"]) for e in bundle.get("entry", []) if e["search"]["mode"] == mode
    ]


def test_practitioner_by_name_and_npi(fhir, directory):
    dana, lee = directory.dana, directory.lee
    assert ids(search(fhir, "Practitioner?name=oka")) == [dana.pk]
    assert ids(search(fhir, "Practitioner?name=lee")) == [lee.pk]
    assert ids(search(fhir, "Practitioner?name=dana,lee")) == [dana.pk, lee.pk]
    assert ids(search(fhir, "Practitioner?name:contains=arsh")) == [lee.pk]
    assert ids(search(fhir, "Practitioner?name:exact=Dan")) == []
    assert ids(search(fhir, f"Practitioner?identifier={NPI_SYSTEM}|1234567893")) == [dana.pk]
    assert ids(search(fhir, "Practitioner?identifier=1245319599")) == [lee.pk]
    assert ids(search(fhir, "Practitioner?identifier=http://other|1245319599")) == []


def test_practitioner_role_by_specialty_and_state(fhir, directory):
    dana, lee = directory.dana, directory.lee
    assert ids(search(fhir, "PractitionerRole?specialty=microneedling")) == [dana.pk]
    system = search(fhir, f"PractitionerRole/{lee.pk}")["specialty"][0]["coding"][0]["system"]
    assert ids(search(fhir, f"PractitionerRole?specialty={system}|chemical_peel")) == [lee.pk]
    assert ids(search(fhir, "PractitionerRole?location.address-state=tx")) == [dana.pk]
    assert ids(search(fhir, "PractitionerRole?location.address-state=CA")) == [lee.pk]
    assert ids(search(fhir, "PractitionerRole?practitioner=Practitioner/" + str(lee.pk))) == [
        lee.pk
    ]


def test_location_near_a_point(fhir, directory):
    austin, los_angeles = directory.dana.clinic_id, directory.lee.clinic_id
    assert ids(search(fhir, "Location?near=30.27|-97.74|10|km")) == [austin]
    assert ids(search(fhir, "Location?near=34.0|-118.2|20|mi")) == [los_angeles]
    assert ids(search(fhir, "Location?near=34.0|-118.2|20|[mi_i]")) == [los_angeles]
    assert ids(search(fhir, "Location?near=40.7|-74.0|100|km")) == []
    assert ids(search(fhir, "Location?address-state=CA")) == [los_angeles]


def test_verification_results_by_target(fhir, directory):
    dana = directory.dana
    expected = sorted(dana.attestations.values_list("pk", flat=True))
    assert ids(search(fhir, f"VerificationResult?target=Practitioner/{dana.pk}")) == expected
    assert ids(search(fhir, f"VerificationResult?target={dana.pk}")) == expected


def test_id_and_last_updated(fhir, directory):
    dana, lee = directory.dana, directory.lee
    assert ids(search(fhir, f"Practitioner?_id={lee.pk},{dana.pk}")) == [dana.pk, lee.pk]
    assert ids(search(fhir, "Practitioner?_id=nobody")) == []
    Practitioner.objects.filter(pk=dana.pk).update(
        updated_at=timezone.now() - datetime.timedelta(days=10)
    )
    week_ago = (timezone.localdate() - datetime.timedelta(days=7)).isoformat()
    assert ids(search(fhir, f"Practitioner?_lastUpdated=gt{week_ago}")) == [lee.pk]
    assert ids(search(fhir, f"Practitioner?_lastUpdated=lt{week_ago}")) == [dana.pk]
    assert ids(search(fhir, f"Practitioner?_lastUpdated=ge2000-01&_lastUpdated=le{week_ago}")) == [
        dana.pk
    ]
    today = timezone.localdate().isoformat()
    assert ids(search(fhir, f"Practitioner?_lastUpdated={today}")) == [lee.pk]
    soon = timezone.now() + datetime.timedelta(seconds=2)
    soon = soon.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert ids(search(fhir, f"Practitioner?_lastUpdated=le{soon}")) == [dana.pk, lee.pk]
    assert ids(search(fhir, f"Practitioner?_lastUpdated=gt{soon}")) == []


def test_includes_and_revincludes_follow_the_references(fhir, directory):
    dana = directory.dana
    bundle = search(
        fhir,
        f"Practitioner?_id={dana.pk}&_revinclude=VerificationResult:target"
        "&_revinclude=PractitionerRole:practitioner",
    )
    included = {(e["resource"]["resourceType"], e["resource"]["id"]) for e in bundle["entry"][1:]}
    assert included == {
        ("PractitionerRole", str(dana.pk)),
        *(("VerificationResult", str(pk)) for pk in dana.attestations.values_list("pk", flat=True)),
    }
    assert bundle["total"] == 1
    bundle = search(fhir, "VerificationResult?_include=VerificationResult:target:Practitioner")
    assert sorted(ids(bundle, "include")) == sorted([dana.pk, directory.lee.pk])


def walk(fhir, first: str, *, during=None) -> tuple[list[int], list[int]]:
    """Every match's id following next links from ``first``, and each page's total."""
    seen, totals, url, page = [], [], f"/fhir/r4/{first}", 0
    while url:
        bundle = validated(fhir.get(url).json())
        seen += ids(bundle)
        totals.append(bundle["total"])
        page += 1
        if during and page == 2:
            during()
        url = next((link["url"] for link in bundle["link"] if link["relation"] == "next"), None)
    return seen, totals


def test_walking_next_links_returns_every_match_once(fhir):
    PractitionerFactory.create_batch(23)
    seen, totals = walk(fhir, "Practitioner?_count=5")
    assert totals[0] == Practitioner.objects.count() == 23
    assert sorted(seen) == sorted(Practitioner.objects.values_list("pk", flat=True))
    assert len(seen) == len(set(seen))


def test_a_row_added_mid_walk_neither_duplicates_nor_skips_another(fhir):
    PractitionerFactory.create_batch(12)
    before = set(Practitioner.objects.values_list("pk", flat=True))
    added = []
    first = Practitioner.objects.order_by("pk").first()

    def change():
        added.append(PractitionerFactory().pk)
        first.delete()  # already served: the later pages must not shift

    seen, totals = walk(fhir, "Practitioner?_count=4", during=change)
    assert len(seen) == len(set(seen))
    assert set(seen) == before | set(added)
    assert totals[0] == 12
    assert totals[-1] == Practitioner.objects.count() == 12


def test_pages_of_a_filtered_search_keep_the_filter(fhir):
    PractitionerFactory.create_batch(6, first_name="Sam")
    PractitionerFactory.create_batch(3, first_name="Alex")
    seen, totals = walk(fhir, "PractitionerRole?_count=2")
    assert len(seen) == totals[0] == 9
    seen, totals = walk(fhir, "Practitioner?name=sam&_count=4")
    assert len(seen) == totals[0] == 6


def test_verification_results_on_a_page_know_their_renewals(fhir):
    today = timezone.localdate()
    old = AttestationFactory(verified=True, number="RN1", expires_on=today, status="expired")
    renewal = AttestationFactory(
        practitioner=old.practitioner, verified=True, number="RN1", issued_on=today
    )
    with time_machine.travel(today + datetime.timedelta(days=1)):
        bundle = search(fhir, f"VerificationResult?_id={old.pk}")
    assert Attestation.objects.filter(pk__in=[old.pk, renewal.pk]).count() == 2
    (entry,) = bundle["entry"]
    mark = entry["resource"]["extension"][0]["valueCoding"]["code"]
    assert mark == "replaced"


def test_organizations_and_locations_search_by_last_updated(fhir, directory):
    austin, venice = directory.dana.clinic, directory.lee.clinic
    Clinic.objects.filter(pk=austin.pk).update(
        updated_at=timezone.now() - datetime.timedelta(days=10)
    )
    week_ago = (timezone.localdate() - datetime.timedelta(days=7)).isoformat()
    for kind in ("Organization", "Location"):
        bundle = search(fhir, f"{kind}?_lastUpdated=gt{week_ago}")
        assert ids(bundle) == [venice.pk]
        assert bundle["entry"][0]["resource"]["meta"]["lastUpdated"]
        assert ids(search(fhir, f"{kind}?_lastUpdated=le{week_ago}")) == [austin.pk]


def test_a_renamed_practitioner_is_last_updated_now(fhir, directory):
    dana = directory.dana
    Practitioner.objects.filter(pk=dana.pk).update(
        updated_at=timezone.now() - datetime.timedelta(days=10)
    )
    week_ago = (timezone.localdate() - datetime.timedelta(days=7)).isoformat()
    assert ids(search(fhir, f"Practitioner?_lastUpdated=gt{week_ago}")) == [directory.lee.pk]
    dana.refresh_from_db()
    dana.last_name = "Okafor-Reyes"
    dana.save()
    assert ids(search(fhir, f"Practitioner?_lastUpdated=gt{week_ago}")) == [
        dana.pk,
        directory.lee.pk,
    ]


def test_revoking_a_licence_moves_its_verification_result_and_practitioner(
    fhir, directory, verifier
):
    dana = directory.dana
    licence = dana.attestations.get(kind="license")
    long_ago = timezone.now() - datetime.timedelta(days=10)
    Attestation.objects.filter(practitioner=dana).update(updated_at=long_ago)
    Practitioner.objects.filter(pk=dana.pk).update(updated_at=long_ago)
    week_ago = (timezone.localdate() - datetime.timedelta(days=7)).isoformat()
    assert ids(search(fhir, f"VerificationResult?target={dana.pk}&_lastUpdated=gt{week_ago}")) == []

    attestation_revoke(
        attestation_id=licence.pk, actor=verifier, reason="The board suspended the licence."
    )

    changed = search(fhir, f"VerificationResult?target={dana.pk}&_lastUpdated=gt{week_ago}")
    assert ids(changed) == [licence.pk]
    assert changed["entry"][0]["resource"]["status"] == "reval-fail"
    # Its qualification went from the Practitioner resource, so that changed too.
    assert ids(search(fhir, f"Practitioner?_id={dana.pk}&_lastUpdated=gt{week_ago}")) == [dana.pk]


def test_total_is_given_up_to_the_counting_limit_unless_asked_accurately(fhir, monkeypatch):
    PractitionerFactory.create_batch(4)
    assert search(fhir, "Practitioner")["total"] == 4
    monkeypatch.setattr("fhir_api.search.TOTAL_COUNTED_UP_TO", 3)

    broad = search(fhir, "Practitioner?_count=2")

    assert "total" not in broad
    assert len(ids(broad)) == 2
    assert any(link["relation"] == "next" for link in broad["link"])
    assert search(fhir, "Practitioner?_total=accurate")["total"] == 4
    assert search(fhir, "Practitioner?_total=estimate&name=nobody")["total"] == 0
    assert "total" not in search(fhir, "Practitioner?_total=none&_count=1")


def test_a_clinic_change_or_a_summary_recount_dates_the_role(fhir, directory):
    dana, lee = directory.dana, directory.lee
    Practitioner.objects.update(updated_at=timezone.now() - datetime.timedelta(days=10))
    week_ago = (timezone.localdate() - datetime.timedelta(days=7)).isoformat()
    assert ids(search(fhir, f"PractitionerRole?_lastUpdated=gt{week_ago}")) == []

    clinic = Clinic.objects.get(pk=lee.clinic_id)
    clinic.name = "Venice Dermatology"
    clinic.save()
    assert ids(search(fhir, f"PractitionerRole?_lastUpdated=gt{week_ago}")) == [lee.pk]

    refresh_summary(dana.pk)
    changed = search(fhir, f"PractitionerRole?_lastUpdated=gt{week_ago}")
    assert ids(changed) == [dana.pk, lee.pk]
    assert changed["entry"][0]["resource"]["meta"]["lastUpdated"] >= week_ago


def test_the_guides_accurate_total_counts_every_match(fhir, directory):
    bundle = search(fhir, "PractitionerRole?specialty=microneedling&_total=accurate&_count=1")

    offering = Practitioner.objects.filter(procedures__slug="microneedling").count()
    assert bundle["total"] == offering >= 1
    assert len(ids(bundle)) == 1
