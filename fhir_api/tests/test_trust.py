"""The trust rules hold here too: on any day, each VerificationResult says what the
profile's mark says of the same attestation (``practitioners.trust.attestation_mark``)."""

import datetime
from html import unescape

import pytest
import time_machine
from django.utils import timezone

from fhir_api.resources.verification_result import STATUS_OF_MARK
from fhir_api.tests.conftest import validated
from practitioners.tests.factories import AttestationFactory
from practitioners.trust import Mark, attestation_mark

pytestmark = pytest.mark.django_db
DAY = datetime.timedelta(days=1)


@pytest.fixture(autouse=True)
def no_page_cache(settings):
    settings.PAGE_CACHE_SECONDS = 0


def licence_in(state: str, today: datetime.date):
    """A licence that shows ``state`` on ``today + 30 days``."""
    soon, later = today + 10 * DAY, today + 400 * DAY
    fields = {
        "current": {"verified": True, "expires_on": later},
        "lapsed": {"verified": True, "expires_on": soon},
        "expired": {"verified": True, "status": "expired", "expires_on": soon},
        "revoked": {"verified": True, "status": "revoked", "decision_reason": "Board order"},
        "suspended": {"verified": True, "standing": "suspended"},
        "pending": {},
        "rejected": {"status": "rejected", "decision_reason": "Illegible"},
    }[state]
    return AttestationFactory(**fields)


@pytest.mark.parametrize(
    "state", ["current", "lapsed", "expired", "revoked", "suspended", "pending", "rejected"]
)
def test_verification_result_status_matches_the_profiles_mark(fhir, client, state):
    today = timezone.localdate()
    attestation = licence_in(state, today)
    with time_machine.travel(today + 30 * DAY):
        day = timezone.localdate()
        result = validated(fhir.get(f"/fhir/r4/VerificationResult/{attestation.pk}").json())
        profile = unescape(client.get(attestation.practitioner.get_absolute_url()).content.decode())
        rest = fhir.get(f"/api/v1/practitioners/{attestation.practitioner_id}/")
    mark = attestation_mark(attestation, day)
    assert mark.code == state
    coding = result["extension"][0]["valueCoding"]
    assert coding["code"] == mark.code == Mark(state)
    assert coding["display"] == mark.label
    assert result["status"] == STATUS_OF_MARK[mark.code]
    assert f"status-{mark.tone}" in profile
    assert mark.label in profile
    (shown,) = rest.json()["verification"]["attestations"]
    assert shown["display_status"] == coding["code"]
    # An unchecked claim shows no details, as on the profile.
    assert ("primarySource" in result) == mark.shows_details


def test_a_licence_lapsing_overnight_changes_its_verification_result_the_next_day(fhir):
    today = timezone.localdate()
    attestation = AttestationFactory(verified=True, expires_on=today + 3 * DAY)
    url = f"/fhir/r4/VerificationResult/{attestation.pk}"
    for offset, status in ((3, "validated"), (4, "req-revalid")):
        just_after_midnight = datetime.datetime.combine(today + offset * DAY, datetime.time(0, 5))
        with time_machine.travel(timezone.make_aware(just_after_midnight)):
            assert fhir.get(url).json()["status"] == status
