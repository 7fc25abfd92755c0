"""Each resource the API produces, read and searched, is valid R4B and says what the
profile says."""

import pytest

from fhir_api.canonical import NPI_SYSTEM
from fhir_api.tests.conftest import validated

pytestmark = pytest.mark.django_db


def read(fhir, path: str) -> dict:
    response = fhir.get(f"/fhir/r4/{path}")
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/fhir+json; charset=utf-8"
    return validated(response.json())


def extension(resource: dict, slug: str) -> dict:
    (found,) = [e for e in resource["extension"] if e["url"].endswith(f"/{slug}")]
    return found


def parts(safety: dict) -> dict:
    return {part["url"]: part for part in safety["extension"]}


def test_practitioner_has_name_npi_and_the_current_licence(fhir, directory):
    dana = directory.dana
    practitioner = read(fhir, f"Practitioner/{dana.pk}")
    assert practitioner["name"][0] == {
        "use": "official",
        "text": "Dana Okafor",
        "family": "Okafor",
        "given": ["Dana"],
    }
    assert practitioner["identifier"] == [
        {"use": "official", "system": NPI_SYSTEM, "value": "1234567893"}
    ]
    licence = dana.attestations.get(kind="license")
    (qualification,) = practitioner["qualification"]
    assert qualification["identifier"] == [{"value": licence.number}]
    assert qualification["issuer"] == {"display": "Texas Board of Nursing"}
    assert qualification["period"] == {
        "start": licence.issued_on.isoformat(),
        "end": licence.expires_on.isoformat(),
    }
    assert practitioner["meta"]["lastUpdated"]


def test_a_pending_licence_is_no_qualification(fhir, directory):
    practitioner = read(fhir, f"Practitioner/{directory.lee.pk}")
    assert "qualification" not in practitioner


def test_practitioner_role_links_practitioner_clinic_and_coded_procedures(fhir, directory):
    dana = directory.dana
    role = read(fhir, f"PractitionerRole/{dana.pk}")
    assert role["practitioner"]["reference"] == f"Practitioner/{dana.pk}"
    assert role["organization"]["reference"] == f"Organization/{dana.clinic_id}"
    assert role["location"] == [
        {"reference": f"Location/{dana.clinic_id}", "display": "Austin Skin"}
    ]
    (specialty,) = role["specialty"]
    coding = specialty["coding"][0]
    assert coding["code"] == "microneedling"
    code_system = read(fhir, coding["system"].split("/fhir/r4/", 1)[1])
    assert "microneedling" in {concept["code"] for concept in code_system["concept"]}


def test_the_safety_summary_has_figures_from_the_review_threshold(fhir, directory):
    safety = parts(extension(read(fhir, f"PractitionerRole/{directory.dana.pk}"), "safety-summary"))
    summary = directory.dana.summary
    assert safety["reviewCount"]["valueInteger"] == 6
    assert safety["enoughReviews"]["valueBoolean"] is True
    assert safety["verified"]["valueBoolean"] is True
    assert safety["rating"]["valueDecimal"] == round(summary.shown_rating, 2)
    complication = {p["url"]: p for p in safety["complication"]["extension"]}
    assert complication["type"]["valueCode"] == "hyperpigmentation"
    assert complication["severity"]["valueCode"] == "moderate"
    assert complication["count"]["valueInteger"] == 3


def test_below_the_threshold_the_safety_summary_has_no_figures(fhir, directory):
    safety = parts(extension(read(fhir, f"PractitionerRole/{directory.lee.pk}"), "safety-summary"))
    assert safety["reviewCount"]["valueInteger"] == 2
    assert safety["enoughReviews"]["valueBoolean"] is False
    assert safety["verified"]["valueBoolean"] is False
    assert {"rating", "severeCount", "complication"}.isdisjoint(safety)


def test_the_extensions_definitions_are_served_at_their_canonical_urls(fhir, directory):
    role = read(fhir, f"PractitionerRole/{directory.dana.pk}")
    url = extension(role, "safety-summary")["url"]
    definition = read(fhir, url.split("/fhir/r4/", 1)[1])
    assert definition["url"] == url
    assert definition["type"] == "Extension"
    slices = {e.get("sliceName") for e in definition["differential"]["element"]}
    assert {"reviewCount", "rating", "complication", "type", "severity", "count"} <= slices
    result = read(fhir, f"VerificationResult/{directory.dana.attestations.first().pk}")
    mark = extension(result, "attestation-mark")
    assert read(fhir, mark["url"].split("/fhir/r4/", 1)[1])["url"] == mark["url"]
    marks = read(fhir, mark["valueCoding"]["system"].split("/fhir/r4/", 1)[1])
    assert mark["valueCoding"]["code"] in {concept["code"] for concept in marks["concept"]}


def test_organization_and_location_are_the_clinic(fhir, directory):
    clinic = directory.lee.clinic
    organization = read(fhir, f"Organization/{clinic.pk}")
    assert organization["name"] == "Venice Derm"
    assert organization["address"][0]["state"] == "CA"
    location = read(fhir, f"Location/{clinic.pk}")
    assert location["position"] == {"latitude": 34.05, "longitude": -118.24}
    assert location["address"]["city"] == "Los Angeles"
    assert location["managingOrganization"]["reference"] == f"Organization/{clinic.pk}"


def test_verification_results_of_the_sterilization_attestation(fhir, directory):
    sterilization = directory.dana.attestations.get(kind="sterilization")
    result = read(fhir, f"VerificationResult/{sterilization.pk}")
    assert result["target"] == [{"reference": f"Practitioner/{directory.dana.pk}"}]
    assert result["status"] == "validated"
    assert result["need"] == {"text": "Sterilization attestation"}
    assert result["lastPerformed"] == sterilization.verified_at.isoformat()
    assert result["primarySource"][0]["validationStatus"]["coding"][0]["code"] == "successful"


def test_a_verification_result_sourced_from_the_licence_roster(fhir, directory):
    licence = directory.dana.attestations.get(kind="license")
    licence.verification_method = "registry"
    licence.verification_source = "Texas Board of Nursing roster"
    licence.save()
    result = read(fhir, f"VerificationResult/{licence.pk}")
    source = result["primarySource"][0]
    assert source["who"] == {"display": "Texas Board of Nursing roster"}
    assert source["type"][0]["coding"][0]["code"] == "lic-board"
    assert result["validationType"]["coding"][0]["code"] == "primary"
    assert result["validationProcess"][0]["coding"][0]["code"] == "primary"
    assert result["nextScheduled"] == licence.next_check_due.isoformat()
    assert result["targetLocation"] == ["Practitioner.qualification"]


def test_a_pending_attestation_shows_no_source_or_dates(fhir, directory):
    pending = directory.lee.attestations.get()
    result = read(fhir, f"VerificationResult/{pending.pk}")
    assert result["status"] == "attested"
    assert {"primarySource", "lastPerformed", "nextScheduled", "validationProcess"}.isdisjoint(
        result
    )


def test_every_search_bundle_is_valid_with_includes(fhir, directory):
    searches = [
        "Practitioner?_revinclude=PractitionerRole:practitioner"
        "&_revinclude=VerificationResult:target",
        "PractitionerRole?_include=PractitionerRole:practitioner"
        "&_include=PractitionerRole:organization&_include=PractitionerRole:location",
        "Organization?_revinclude=Location:organization&_revinclude=PractitionerRole:organization",
        "Location?_include=Location:organization&_revinclude=PractitionerRole:location",
        "VerificationResult?_include=VerificationResult:target",
    ]
    for search in searches:
        bundle = read(fhir, search)
        assert bundle["type"] == "searchset"
        kinds = {entry["resource"]["resourceType"] for entry in bundle["entry"]}
        assert len(kinds) >= 2, search
        for entry in bundle["entry"]:
            resource = entry["resource"]
            assert entry["fullUrl"].endswith(
                f"/fhir/r4/{resource['resourceType']}/{resource['id']}"
            )


def test_the_capability_statement_lists_what_is_served(fhir, client):
    statement = validated(client.get("/fhir/r4/metadata").json())
    assert statement["fhirVersion"] == "4.0.1"
    (rest,) = statement["rest"]
    resources = {resource["type"]: resource for resource in rest["resource"]}
    assert set(resources) == {
        "Practitioner",
        "PractitionerRole",
        "Organization",
        "Location",
        "VerificationResult",
        "StructureDefinition",
        "CodeSystem",
    }
    role_params = {p["name"] for p in resources["PractitionerRole"]["searchParam"]}
    assert {"specialty", "location.address-state", "practitioner", "_lastUpdated"} <= role_params
    assert "near" in {p["name"] for p in resources["Location"]["searchParam"]}
    assert "VerificationResult:target" in resources["Practitioner"]["searchRevInclude"]
    assert rest["operation"][0]["name"] == "export"
