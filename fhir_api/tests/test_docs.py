"""The FHIR guide is published, and the partner API's reference and guide lead to it."""

import pytest

pytestmark = pytest.mark.django_db


def test_the_api_reference_and_guide_link_to_the_fhir_guide(client):
    assert 'href="/docs/fhir/"' in client.get("/api/docs/").content.decode()
    assert 'href="/docs/fhir/"' in client.get("/docs/api/").content.decode()
    page = client.get("/docs/fhir/")
    assert page.status_code == 200
    assert "FHIR R4 directory API" in page.content.decode()
