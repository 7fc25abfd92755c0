"""Property-based run of the whole API against its own OpenAPI schema on a live server.

Schemathesis generates requests from /api/schema/ (valid and invalid parameters and
bodies) and fails on any 5xx, undocumented status code, wrong content type or body that
does not match the schema.
"""

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from partners.services import webhook_endpoint_create
from partners.tests.factories import partner_key
from practitioners.tests.factories import ProcedureFactory

from .conftest import published_review, verified_practitioner

EXAMPLES = {GenerationMode.POSITIVE: 20, GenerationMode.NEGATIVE: 10}
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


@pytest.fixture
def api_schema(live_server, transactional_db, settings):
    settings.PARTNER_WEBHOOKS_ALLOW_INSECURE = True
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    ProcedureFactory(slug="microneedling", name="Microneedling")
    practitioner = verified_practitioner()
    for _ in range(2):
        published_review(practitioner, complications=[("pain", "mild")])
    key, raw_key = partner_key(scopes=["read", "invite", "webhooks"], rate=100_000)
    webhook_endpoint_create(partner=key.partner, url="https://hooks.example.com/directory")
    schema = schemathesis.openapi.from_url(f"{live_server.url}/api/schema/?format=json")
    schema.config.headers = {"Authorization": f"Bearer {raw_key}"}
    return schema


def check_operation(operation, mode: GenerationMode, headers: dict) -> None:
    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=EXAMPLES[mode],
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize=True,
        database=None,
    )
    def run(case):
        case.call_and_validate(headers=headers, checks=CHECKS)

    run()


@pytest.mark.slow
@pytest.mark.parametrize("mode", list(GenerationMode), ids=lambda mode: mode.value)
def test_the_api_answers_every_generated_request_as_its_schema_says(api_schema, mode):
    # schemathesis.pytest's own parametrization does not run under pytest 9, so the
    # operations are walked here; each gets its own Hypothesis run.
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) == 12

    for operation in operations:
        check_operation(operation, mode, api_schema.config.headers)
