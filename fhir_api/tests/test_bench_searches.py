"""The benchmark's FHIR searches (bench.workload.fhir_searches) are ones the API answers."""

import pytest

from bench import workload
from fhir_api.tests.conftest import validated

pytestmark = pytest.mark.django_db


def test_every_generated_fhir_search_is_answered(fhir, directory):
    vocabulary = workload.Vocabulary(
        surnames=[("Okafor", 1), ("Marsh", 1)],
        cities=[],
        postal_codes=[],
        words=[],
        coordinates=[(30.27, -97.74), (34.05, -118.24)],
        procedures=["microneedling", "chemical_peel"],
        professions=[],
        skin_types=[],
        complications=[],
        profile_slugs=[directory.dana.slug, directory.lee.slug],
        practitioner_ids=[directory.dana.pk, directory.lee.pk],
    )
    requests = workload.fhir_searches(vocabulary, 40, seed=3)
    assert {request.path.split("?")[0].rsplit("/", 1)[1] for request in requests} == {
        "Practitioner",
        "PractitionerRole",
        "Location",
        "VerificationResult",
    }
    for request in requests:
        response = fhir.get(request.path)
        assert response.status_code == 200, (request.path, response.content)
        assert validated(response.json())["type"] == "searchset"
