"""The outbox: a change and its event commit together; subscribers hear of it after commit,
each on its own, retried with backoff, and a failing one changes nothing else."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from directory.tests.factories import UserFactory
from kernel import events, scheduling
from kernel.models import AuditEntry, Event, EventHandling, HandlingStatus
from kernel.workflow import record
from reviews.models import Review, ReviewStatus
from reviews.services import review_publish
from reviews.tests.factories import ReviewFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def registry(monkeypatch):
    """An empty subscriber registry for this test (the apps' subscribers are left out)."""
    monkeypatch.setattr(events, "_subscribers", {})


class Boom(Exception):
    pass


@pytest.fixture
def heard(registry):
    """Two subscribers of ``thing.happened``: one that fails, one that writes down the event."""
    calls = {"failing": 0, "listening": []}

    def failing(event):
        calls["failing"] += 1
        raise Boom("internal detail: db at 10.0.0.5:5432")

    def listening(event):
        calls["listening"].append((event.type, event.object_id, event.data))

    events.subscribe("thing.happened", failing, name="failing")
    events.subscribe("thing.happened", listening, name="listening")
    return calls


def test_every_recorded_decision_raises_its_event_with_its_audit_entry():
    user = UserFactory()

    entry = record(user, action="account.checked", from_status="a", to_status="b", reason="r")

    event = Event.objects.get()
    assert (event.type, event.subject, event.audit_entry) == ("account.checked", user, entry)
    assert event.data == {"from_status": "a", "to_status": "b", "reason": "r"}


def test_a_rolled_back_change_leaves_neither_its_audit_entry_nor_its_event():
    user = UserFactory()

    @transaction.atomic
    def decide_then_fail():
        record(user, action="account.checked")
        raise Boom

    with pytest.raises(Boom):
        decide_then_fail()

    assert not AuditEntry.objects.exists()
    assert not Event.objects.exists()


def test_an_event_nobody_subscribes_to_needs_no_relay(registry):
    event = events.raise_event("nobody.listens", UserFactory())

    assert event.relayed_at is not None
    assert events.sweep(now=timezone.now() + timedelta(hours=1)) == {"relayed": 0, "retried": 0}


def test_subscribers_hear_of_an_event_only_after_its_transaction_commits(
    heard, django_capture_on_commit_callbacks
):
    user = UserFactory()
    with django_capture_on_commit_callbacks() as callbacks:
        event = events.raise_event("thing.happened", user, data={"n": 1})
        assert heard["listening"] == []

    assert heard["listening"] == []  # the transaction has not committed yet
    for callback in callbacks:
        callback()
    assert heard["listening"] == [("thing.happened", user.pk, {"n": 1})]
    event.refresh_from_db()
    assert event.relayed_at is not None


def test_a_failing_subscriber_is_retried_on_its_own_and_shows_only_an_error_class(
    heard, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        event = events.raise_event("thing.happened", UserFactory())

    failing = EventHandling.objects.get(event=event, subscriber="failing")
    listening = EventHandling.objects.get(event=event, subscriber="listening")
    assert (listening.status, listening.attempt_count) == (HandlingStatus.DONE, 1)
    assert (failing.status, failing.attempt_count) == (HandlingStatus.RETRYING, 1)
    assert failing.error == "Boom"  # the class, never the exception's text
    assert failing.next_attempt_at > timezone.now() + timedelta(seconds=25)
    assert len(heard["listening"]) == 1


def test_retries_back_off_exponentially_and_give_up_after_the_last_attempt(
    heard, settings, django_capture_on_commit_callbacks
):
    settings.EVENT_HANDLING_MAX_ATTEMPTS = 3
    settings.EVENT_HANDLING_BACKOFF_SECONDS = 10
    with django_capture_on_commit_callbacks(execute=True):
        event = events.raise_event("thing.happened", UserFactory())
    failing = EventHandling.objects.get(event=event, subscriber="failing")

    waits = []
    for _ in range(2):
        failing.refresh_from_db()
        due = failing.next_attempt_at
        waits.append(round((due - timezone.now()).total_seconds() / 10) * 10)
        assert events.sweep(now=due - timedelta(seconds=1))["retried"] == 0  # not yet due
        events.sweep(now=due)

    failing.refresh_from_db()
    assert waits == [10, 20]
    assert (failing.status, failing.attempt_count) == (HandlingStatus.FAILED, 3)
    assert heard["failing"] == 3
    assert len(heard["listening"]) == 1  # the other subscriber was not run again


def test_the_sweep_relays_an_event_whose_relay_task_was_lost(heard):
    event = events.raise_event("thing.happened", UserFactory())  # its on-commit never runs

    assert events.sweep()["relayed"] == 0  # within the grace period the worker has it
    later = timezone.now() + events.RELAY_GRACE + timedelta(seconds=1)
    assert events.sweep(now=later)["relayed"] == 1

    assert heard["listening"] == [("thing.happened", event.object_id, {})]
    assert events.sweep(now=later)["relayed"] == 0


def test_relaying_an_event_twice_hands_it_over_once(heard, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        event = events.raise_event("thing.happened", UserFactory())

    assert events.relay_event(event.pk) == []
    assert len(heard["listening"]) == 1
    assert EventHandling.objects.filter(event=event).count() == 2


def test_the_relay_events_command_reports_what_it_did(heard):
    events.raise_event("thing.happened", UserFactory())
    out = StringIO()

    call_command("relay_events", stdout=out)

    assert out.getvalue().strip() == "0 events relayed, 0 handlings retried"


class RefusingQueue:
    """A task queue that is down (Redis unreachable): every enqueue raises."""

    name = "refused"

    def enqueue(self, *args, **kwargs):
        raise ConnectionError("Error 111 connecting to 10.0.0.7:6379. Connection refused.")


def test_a_queue_that_refuses_the_relay_and_the_emails_fails_no_decision(
    monkeypatch, moderator, django_capture_on_commit_callbacks, caplog
):
    monkeypatch.setattr(events, "relay_event_task", RefusingQueue())
    monkeypatch.setattr("kernel.notifications.send_email", RefusingQueue())
    review = ReviewFactory()

    with django_capture_on_commit_callbacks(execute=True):
        review_publish(review_id=review.pk, moderator=moderator)

    assert Review.objects.get(pk=review.pk).status == ReviewStatus.PUBLISHED
    event = Event.objects.get(type="review.published")
    assert event.relayed_at is None  # left for the sweep
    assert "Could not queue the e-mail 'Your review is published'" in caplog.text
    later = timezone.now() + events.RELAY_GRACE + timedelta(seconds=1)
    assert events.sweep(now=later)["relayed"] >= 1
    event.refresh_from_db()
    assert event.relayed_at is not None


def test_staff_see_the_outbox_filtered_by_type_and_cannot_change_it(admin_client, heard):
    user = UserFactory()
    wanted = events.raise_event("thing.happened", user, data={"n": 1})
    events.raise_event("other.thing", user)
    events.relay_event(wanted.pk)

    listed = admin_client.get("/admin/directory/event/", {"type": "thing.happened"})
    page = admin_client.get(f"/admin/directory/event/{wanted.pk}/change/")

    assert listed.status_code == 200
    assert [event.pk for event in listed.context["cl"].result_list] == [wanted.pk]
    assert page.status_code == 200
    assert b"Failed, will retry" in page.content  # the failing subscriber's handling
    assert b"Boom" in page.content
    assert b'name="_save"' not in page.content
    assert admin_client.get("/admin/directory/event/add/").status_code == 403
    assert admin_client.post(f"/admin/directory/event/{wanted.pk}/delete/").status_code == 403


def test_the_daily_jobs_sweep_the_outbox(heard, monkeypatch):
    event = events.raise_event("thing.happened", UserFactory())  # its relay task was lost
    later = timezone.now() + events.RELAY_GRACE + timedelta(seconds=1)
    monkeypatch.setattr(timezone, "now", lambda: later)

    reports = {job.label: report for job, report in scheduling.run_daily_jobs()}

    assert reports["daily outbox sweep"] == "1 events relayed, 0 handlings retried"
    event.refresh_from_db()
    assert event.relayed_at == later


def test_with_the_database_queue_a_failed_handling_is_queued_again_for_after_its_backoff(
    heard, database_task_backend, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        event = events.raise_event("thing.happened", UserFactory())
    [relay] = DBTaskResult.objects.filter(task_path="kernel.events.relay_event_task")

    with django_capture_on_commit_callbacks(execute=True):
        events.relay_event(relay.args_kwargs["args"][0])

    failing = EventHandling.objects.get(event=event, subscriber="failing")
    [retry] = DBTaskResult.objects.filter(task_path="kernel.events.handle_event_task")
    assert retry.args_kwargs["args"] == [failing.pk]
    assert abs((retry.run_after - failing.next_attempt_at).total_seconds()) < 2
    assert len(heard["listening"]) == 1
