"""The verification queue's filters: kind, status, age, text search, order."""

import datetime
import re
from html import unescape

import pytest
from django.utils import timezone

from practitioners.tests.factories import AttestationFactory, ClinicFactory, PractitionerFactory

pytestmark = pytest.mark.django_db
NOW = timezone.now()


def listed(response) -> list[str]:
    """The queue's items as a verifier reads their headings."""
    return [
        unescape(h)
        for h in re.findall(r'<h2 id="att-\d+"><a [^>]+>([^<]+)</a>', response.content.decode())
    ]


@pytest.fixture
def queue(client, verifier):
    client.force_login(verifier)
    return lambda query="": client.get(f"/verification/{query}")


@pytest.fixture
def waiting():
    ada = PractitionerFactory(
        first_name="Ada", last_name="Lovelace", clinic=ClinicFactory(name="Glow Skin")
    )
    bo = PractitionerFactory(first_name="Bo", last_name="Diddley")
    AttestationFactory(
        practitioner=ada, number="RN500123", submitted_at=NOW - datetime.timedelta(days=40)
    )
    AttestationFactory(
        practitioner=bo, sterilization=True, submitted_at=NOW - datetime.timedelta(days=3)
    )
    AttestationFactory(
        practitioner=bo, number="PA777", submitted_at=NOW - datetime.timedelta(hours=2)
    )
    AttestationFactory(practitioner=ada, sterilization=True, status="rejected")


def test_by_default_the_queue_shows_what_awaits_review_oldest_first(queue, waiting):
    assert listed(queue()) == [
        "License — Ada Lovelace",
        "Sterilization attestation — Bo Diddley",
        "License — Bo Diddley",
    ]


def test_newest_first_puts_the_latest_submission_on_top(queue, waiting):
    assert listed(queue("?order=newest"))[0] == "License — Bo Diddley"


def test_the_kind_filter_keeps_that_kind(queue, waiting):
    assert listed(queue("?kind=sterilization")) == ["Sterilization attestation — Bo Diddley"]


def test_the_age_filter_keeps_what_has_waited_longer_than_asked(queue, waiting):
    assert listed(queue("?age=7")) == ["License — Ada Lovelace"]
    assert len(listed(queue("?age=1"))) == 2


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("lovelace", ["License — Ada Lovelace"]),
        ("glow", ["License — Ada Lovelace"]),
        ("pa 777", ["License — Bo Diddley"]),
        ("500123", ["License — Ada Lovelace"]),
        ("bo diddley", ["Sterilization attestation — Bo Diddley", "License — Bo Diddley"]),
    ],
)
def test_search_finds_a_name_a_clinic_or_a_number(queue, waiting, text, expected):
    assert listed(queue(f"?q={text}")) == expected


def test_another_status_lists_decided_attestations(queue, waiting):
    assert listed(queue("?status=rejected")) == ["Sterilization attestation — Ada Lovelace"]


def test_nothing_matching_says_so_with_a_way_back(queue, waiting):
    page = queue("?q=nobody-by-that-name").content.decode()

    assert "Nothing matches these filters." in page
    assert 'href="?status=pending">Clear filters' in page


@pytest.mark.parametrize("query", ["?status=bogus", "?kind=passport", "?age=-3", "?q=" + "x" * 200])
def test_a_bad_filter_is_explained_and_the_default_queue_shown(queue, waiting, query):
    response = queue(query)

    assert response.status_code == 400
    assert "There is a problem with the filters" in response.content.decode()
    assert len(listed(response)) == 3
