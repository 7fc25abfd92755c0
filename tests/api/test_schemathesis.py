"""Schemathesis, with every check, against the whole API on a seeded live server.

The schemathesis CLI reads /api/schema/ and runs all its phases — the schema's examples,
coverage of every boundary (each enum value, each bound and one past it, empty values,
missing and extra parameters), random fuzzing, and stateful sequences that follow the
schema's OpenAPI links (register a webhook → read it → delete it → read it again) — in
both modes: valid requests must be accepted, invalid ones refused with a documented
status. Every check is on (``--checks all``): no 5xx, every status, header, content type
and body as the schema says, valid data accepted, invalid data rejected, a created
resource readable, a deleted one gone, authentication not ignored, and more.

The server is the test's own live server on a small dataset that has every kind of
thing the API returns; the hooks module explains the few rules OpenAPI cannot state.
"""

import datetime
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.utils import timezone

from listings import geo
from partners import egress
from partners.models import DeliveryStatus, WebhookDelivery
from partners.services import webhook_endpoint_create
from partners.tests.dns import PUBLIC_ADDRESS, StubResolver
from partners.tests.factories import partner_key
from practitioners.tests.factories import ClinicFactory, PractitionerFactory, ProcedureFactory
from reviews.summaries import refresh_summary
from reviews.tests.factories import PractitionerResponseFactory

from .conftest import published_review, verified_practitioner
from .receiver import Receiver

ROOT = Path(__file__).resolve().parents[2]
SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")
# Enough cases per operation to cover every parameter, small enough for CI on two cores.
MAX_EXAMPLES = 10
SEED = 20261128


class EveryNameIsPublic(StubResolver):
    """Any host name a webhook URL may carry resolves to a public address, as on the
    internet (numeric addresses are still judged for what they are)."""

    def _addresses(self, host: str) -> list[str]:
        return [PUBLIC_ADDRESS]


def seed_directory() -> dict:
    """A few practitioners with enough reviews for every figure, one with too few, reviews
    with and without complications, skin types and a published reply."""
    # get_or_create: a transactional test may or may not find the migration's procedures.
    microneedling = ProcedureFactory(slug="microneedling", name="Microneedling")
    peel = ProcedureFactory(slug="chemical_peel", name="Chemical peel")
    rated = verified_practitioner(
        clinic=ClinicFactory(city="Austin", region="TX"), procedures=[microneedling, peel]
    )
    for n in range(6):
        review = published_review(
            rated,
            skin_type=["II", "V"][n % 2],
            complications=[("pain", "mild")] if n % 3 == 0 else [],
        )
    PractitionerResponseFactory(review=review, status="published", published_at=timezone.now())
    newcomer = PractitionerFactory(npi=None, procedures=[peel])
    published_review(newcomer, complications=[("infection", "severe")])
    for practitioner in (rated, newcomer):
        refresh_summary(practitioner.pk)
    return {
        "practitioner": rated.pk,
        "procedure": microneedling.slug,
        "places": ["Austin", "78701", "Austin, TX"],
    }


@pytest.fixture
def seeded_api(live_server, transactional_db, settings, monkeypatch):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # The seeded endpoint's receiver is plain HTTP on 127.0.0.1 (replays reach it).
    settings.PARTNER_WEBHOOKS_ALLOW_INSECURE = True
    settings.PARTNER_WEBHOOK_TIMEOUT_SECONDS = 1
    monkeypatch.setattr(egress, "getaddrinfo", EveryNameIsPublic())
    geo.warm()  # as the WSGI module does before serving: the place index takes seconds
    receiver = Receiver().start()
    with egress.allow_loopback_for_tests():
        seed = seed_directory()
        key, raw_key = partner_key(scopes=["read", "invite", "webhooks"], rate=100_000)
        endpoint, _secret = webhook_endpoint_create(partner=key.partner, url=receiver.url)
        WebhookDelivery.objects.create(
            endpoint=endpoint,
            event_type="review.published",
            payload={"id": "seeded", "type": "review.published", "data": {}},
            status=DeliveryStatus.FAILED,
            attempt_count=8,
            created_at=timezone.now() - datetime.timedelta(hours=1),
        )
        yield live_server.url, raw_key, seed
    receiver.stop()


def run_schemathesis(
    url: str, raw_key: str, seed: dict, workdir: Path
) -> subprocess.CompletedProcess:
    command = [
        str(SCHEMATHESIS),
        "run",
        f"{url}/api/schema/?format=json",
        "--checks=all",
        "--mode=all",
        "--phases=examples,coverage,fuzzing,stateful",
        f"--max-examples={MAX_EXAMPLES}",
        f"--seed={SEED}",
        "--generation-database=none",
        "--workers=2",
        "--request-timeout=30",
        "--no-color",
        "--output-truncate=false",
        "-H",
        f"Authorization: Bearer {raw_key}",
    ]
    env = {
        **os.environ,
        "SCHEMATHESIS_HOOKS": "tests.api.schemathesis_hooks",
        "API_FUZZ_SEED": json.dumps(seed),
        "PYTHONPATH": str(ROOT),
    }
    return subprocess.run(
        # Run outside the checkout: schemathesis keeps a cache in its working directory.
        command,
        cwd=workdir,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


@pytest.mark.slow
def test_every_schemathesis_check_passes_in_every_phase_and_mode(seeded_api, tmp_path):
    result = run_schemathesis(*seeded_api, workdir=tmp_path)

    report = result.stdout + result.stderr
    print(report)  # the phases' timings and coverage, shown with -s or on failure
    assert "Operations:       12 selected / 12 total" in report, report
    assert "Stateful" in report, report
    assert result.returncode == 0, report
