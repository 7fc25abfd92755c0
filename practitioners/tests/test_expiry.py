"""The daily expiry run: the boundary day, reminders once, lapsed standing, and its schedule."""

import datetime
import io
import zoneinfo

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from directory.tests.factories import UserFactory
from kernel.models import AuditEntry
from practitioners import tasks
from practitioners.badges import badge_for, refresh_badge
from practitioners.expiry import run_expiry
from practitioners.models import Attestation, Practitioner
from practitioners.tests.factories import AttestationFactory, PractitionerFactory

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)
EXPIRY = datetime.date(2026, 3, 1)


@pytest.fixture
def verified_practitioner():
    """A Verified practitioner with an owner, whose licence expires on 2026-03-01."""
    practitioner = PractitionerFactory(owner=UserFactory(email="dr@example.com"))
    AttestationFactory(
        practitioner=practitioner,
        verified=True,
        expires_on=EXPIRY,
        issued_on=datetime.date(2020, 1, 1),
    )
    AttestationFactory(
        practitioner=practitioner,
        verified=True,
        sterilization=True,
        expires_on=datetime.date(2026, 12, 31),
    )
    refresh_badge(practitioner.pk, today=EXPIRY - DAY * 40)
    return practitioner


def licence_of(practitioner: Practitioner) -> Attestation:
    return practitioner.attestations.get(kind="license")


def test_on_its_expiry_date_a_licence_still_counts(verified_practitioner):
    report = run_expiry(today=EXPIRY)
    assert report.expired == 0
    assert licence_of(verified_practitioner).status == "verified"
    assert badge_for(verified_practitioner, today=EXPIRY).verified


def test_the_day_after_its_expiry_date_the_licence_expires_and_the_badge_lapses(
    verified_practitioner, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        report = run_expiry(today=EXPIRY + DAY)
    assert report.expired == 1
    assert licence_of(verified_practitioner).status == "expired"
    verified_practitioner.refresh_from_db()
    assert not verified_practitioner.is_verified
    assert badge_for(verified_practitioner, today=EXPIRY + DAY).missing == [
        "license expired on Mar 1, 2026"
    ]
    [email] = [m for m in mail.outbox if "expired" in m.subject]
    assert email.to == ["dr@example.com"]
    assert "expired on Mar 1, 2026" in email.body


def test_running_twice_changes_nothing_the_second_time(verified_practitioner):
    run_expiry(today=EXPIRY + DAY)
    entries = AuditEntry.objects.count()
    before = list(Attestation.objects.values())
    report = run_expiry(today=EXPIRY + DAY)
    assert (report.expired, report.lapsed_standing, report.warned) == (0, 0, 0)
    assert AuditEntry.objects.count() == entries
    assert list(Attestation.objects.values()) == before


@pytest.mark.parametrize(
    ("zone", "utc_now", "expires"),
    [
        # 12:00 UTC on 1 March is already 2 March in Auckland: the licence has lapsed there.
        ("Pacific/Auckland", datetime.datetime(2026, 3, 1, 12, 0), True),
        # 05:00 UTC on 2 March is still 1 March in Los Angeles: its expiry day, still valid.
        ("America/Los_Angeles", datetime.datetime(2026, 3, 2, 5, 0), False),
    ],
)
def test_the_expiry_day_is_the_sites_local_day(
    verified_practitioner, settings, monkeypatch, zone, utc_now, expires
):
    settings.TIME_ZONE = zone
    fixed = utc_now.replace(tzinfo=datetime.UTC)
    monkeypatch.setattr(timezone, "now", lambda: fixed)
    run_expiry()
    assert (licence_of(verified_practitioner).status == "expired") is expires


def test_a_reminder_is_sent_once_thirty_days_before(
    verified_practitioner, django_capture_on_commit_callbacks
):
    assert run_expiry(today=EXPIRY - DAY * 31).warned == 0
    with django_capture_on_commit_callbacks(execute=True):
        assert run_expiry(today=EXPIRY - DAY * 30).warned == 1
        assert run_expiry(today=EXPIRY - DAY * 29).warned == 0
    licence = licence_of(verified_practitioner)
    assert licence.expiry_warning_sent_on == EXPIRY - DAY * 30
    [email] = mail.outbox
    assert email.subject == "A verification on your profile expires soon"
    assert "expires on Mar 1, 2026, in 30 days" in email.body
    assert [e.action for e in AuditEntry.objects.for_object(licence)] == [
        "attestation.expiry_warning_sent"
    ]


def test_a_verified_licence_no_longer_in_active_standing_loses_verification(
    verified_practitioner,
):
    Attestation.objects.filter(kind="license").update(standing="suspended")
    report = run_expiry(today=EXPIRY - DAY * 40)
    assert report.lapsed_standing == 1
    licence = licence_of(verified_practitioner)
    assert licence.status == "revoked"
    assert "suspended" in licence.decision_reason
    verified_practitioner.refresh_from_db()
    assert not verified_practitioner.is_verified


def test_a_renewed_attestation_does_not_get_an_expiry_email(
    verified_practitioner, django_capture_on_commit_callbacks
):
    AttestationFactory(
        practitioner=verified_practitioner,
        verified=True,
        number="RN-NEW",
        expires_on=datetime.date(2030, 1, 1),
        submitted_at=timezone.now() + DAY,
    )
    with django_capture_on_commit_callbacks(execute=True):
        run_expiry(today=EXPIRY + DAY)
    assert licence_of_number(verified_practitioner, "RN-NEW").status == "verified"
    assert not [m for m in mail.outbox if "expired" in m.subject]
    verified_practitioner.refresh_from_db()
    assert verified_practitioner.is_verified


def licence_of_number(practitioner, number):
    return practitioner.attestations.get(number=number)


def test_the_command_reports_what_it_did(verified_practitioner):
    out = io.StringIO()
    call_command("expire_attestations", "--today", "2026-03-02", stdout=out)
    assert "1 expired" in out.getvalue()


def test_the_command_refuses_a_malformed_date():
    from django.core.management import CommandError

    with pytest.raises(CommandError, match="--today must be a date"):
        call_command("expire_attestations", "--today", "yesterday")


# --- The schedule ---------------------------------------------------------------------------


def test_the_next_run_is_tomorrow_at_three_in_the_sites_time_zone(settings):
    settings.TIME_ZONE = "America/New_York"
    zone = zoneinfo.ZoneInfo("America/New_York")
    evening = datetime.datetime(2026, 3, 1, 22, 0, tzinfo=zone)
    assert tasks.next_daily_run(evening) == datetime.datetime(2026, 3, 2, 3, 0, tzinfo=zone)
    early = datetime.datetime(2026, 3, 1, 1, 0, tzinfo=zone)
    assert tasks.next_daily_run(early) == datetime.datetime(2026, 3, 1, 3, 0, tzinfo=zone)


def test_schedule_jobs_queues_one_daily_run_and_only_one(database_task_backend):
    out = io.StringIO()
    call_command("schedule_jobs", stdout=out)
    call_command("schedule_jobs", stdout=out)
    [queued] = DBTaskResult.objects.filter(
        task_path="practitioners.tasks.expire_attestations_daily"
    )
    assert queued.queue_name == "scheduled"
    assert timezone.localtime(queued.run_after).time() == datetime.time(3, 0)
    assert "Queued the daily expiry job" in out.getvalue()
    assert "already queued" in out.getvalue()


def test_the_daily_task_runs_the_expiry_and_queues_tomorrows_run(
    database_task_backend, verified_practitioner, monkeypatch
):
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: EXPIRY + DAY)
    result = tasks.expire_attestations_daily.call()
    assert result.startswith("1 expired")
    assert licence_of(verified_practitioner).status == "expired"
    assert DBTaskResult.objects.filter(status="READY").count() == 1
