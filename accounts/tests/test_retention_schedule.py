"""The retention purge runs every day as a scheduled task, the same purge as the command."""

import datetime
import io
import zoneinfo

import pytest
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from accounts import tasks
from reviews.models import Review, ReviewInvitation
from reviews.tests.factories import ReviewFactory, ReviewInvitationFactory

pytestmark = pytest.mark.django_db

PURGE_TASK = "accounts.tasks.purge_personal_data_daily"
OLD = datetime.timedelta(days=91)


@pytest.fixture
def expired_personal_data(client, patient):
    """An old review's sender address, an unused long-expired invitation, an expired session."""
    old_review = ReviewFactory(author=patient, submitted_ip="203.0.113.1")
    Review.objects.filter(pk=old_review.pk).update(created_at=timezone.now() - OLD)
    recent_review = ReviewFactory(submitted_ip="203.0.113.2")
    stale = ReviewInvitationFactory(email="gone@example.com", expires_at=timezone.now() - OLD)
    waiting = ReviewInvitationFactory(email="waiting@example.com")
    client.force_login(patient)
    Session.objects.update(expire_date=timezone.now() - datetime.timedelta(days=1))
    return {"old": old_review, "recent": recent_review, "stale": stale, "waiting": waiting}


def run_command() -> None:
    call_command("purge_personal_data", stdout=io.StringIO())


def run_task() -> None:
    tasks.purge_personal_data_daily.call()


@pytest.mark.parametrize("run", [run_command, run_task], ids=["command", "scheduled task"])
def test_the_command_and_the_daily_task_erase_the_same_expired_personal_data(
    expired_personal_data, run
):
    run()
    data = expired_personal_data
    assert Review.objects.get(pk=data["old"].pk).submitted_ip is None
    assert Review.objects.get(pk=data["recent"].pk).submitted_ip == "203.0.113.2"
    assert ReviewInvitation.objects.get(pk=data["stale"].pk).email == "erased@erased.invalid"
    assert ReviewInvitation.objects.get(pk=data["waiting"].pk).email == "waiting@example.com"
    assert not Session.objects.exists()


def test_the_daily_task_reports_what_it_erased(expired_personal_data):
    assert tasks.purge_personal_data_daily.call() == {
        "review_addresses": 1,
        "invitation_addresses": 1,
    }


def test_schedule_jobs_queues_the_daily_purge_once_however_often_it_runs(database_task_backend):
    out = io.StringIO()
    call_command("schedule_jobs", stdout=out)
    call_command("schedule_jobs", stdout=out)
    [queued] = DBTaskResult.objects.filter(task_path=PURGE_TASK)
    assert queued.queue_name == "scheduled"
    assert timezone.localtime(queued.run_after).time() == datetime.time(3, 30)
    assert "Queued the daily personal-data purge for" in out.getvalue()
    assert "The daily personal-data purge is already queued" in out.getvalue()


def test_the_daily_purge_queues_its_next_run_for_tomorrow_in_the_sites_time_zone(
    database_task_backend, settings, monkeypatch
):
    settings.TIME_ZONE = "Pacific/Auckland"
    # 15:00 UTC on 1 March is 04:00 on 2 March in Auckland: the next run is 3 March, 03:30.
    now = datetime.datetime(2026, 3, 1, 15, 0, tzinfo=datetime.UTC)
    monkeypatch.setattr(timezone, "now", lambda: now)

    tasks.purge_personal_data_daily.call()

    [queued] = DBTaskResult.objects.filter(task_path=PURGE_TASK, status="READY")
    auckland = zoneinfo.ZoneInfo("Pacific/Auckland")
    assert queued.run_after == datetime.datetime(2026, 3, 3, 3, 30, tzinfo=auckland)


def test_a_run_does_not_queue_a_second_next_run_when_one_is_waiting(database_task_backend):
    call_command("schedule_jobs", stdout=io.StringIO())
    tasks.purge_personal_data_daily.call()
    assert DBTaskResult.objects.filter(task_path=PURGE_TASK, status="READY").count() == 1
