"""Safety alerts: 2 severe infections, or 3 severe complications, published within 90 days."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from kernel.errors import DomainError, NotPermitted, TransitionNotAllowed
from kernel.models import AuditEntry
from practitioners.tests.factories import PractitionerFactory
from reviews.alerts import alert_resolve
from reviews.models import SafetyAlert
from reviews.services import review_publish
from reviews.tests.factories import ComplicationFactory, ReviewFactory

pytestmark = pytest.mark.django_db


def publish_with(moderator, practitioner, *complications, published_days_ago=None):
    """A review of ``practitioner`` reporting (type, severity) pairs, published now or earlier."""
    if published_days_ago is not None:
        review = ReviewFactory(
            practitioner=practitioner,
            published=True,
            published_at=timezone.now() - datetime.timedelta(days=published_days_ago),
        )
    else:
        review = ReviewFactory(practitioner=practitioner)
    for kind, severity in complications:
        ComplicationFactory(review=review, type=kind, severity=severity)
    if published_days_ago is None:
        review_publish(review_id=review.pk, moderator=moderator)
    return review


def test_two_severe_infections_within_90_days_raise_an_alert_with_both_reviews(moderator):
    practitioner = PractitionerFactory()
    first = publish_with(moderator, practitioner, ("infection", "severe"))
    second = publish_with(moderator, practitioner, ("infection", "severe"))

    alert = SafetyAlert.objects.get()
    assert (alert.practitioner, alert.rule, alert.status) == (
        practitioner,
        "severe_infections_90_days",
        "open",
    )
    assert set(alert.reviews.all()) == {first, second}
    assert alert.explanation == "2 severe infections reported in reviews published within 90 days"
    assert AuditEntry.objects.for_object(alert).get().action == "safety_alert.raised"


def test_one_severe_infection_and_one_moderate_infection_raise_nothing(moderator):
    practitioner = PractitionerFactory()
    publish_with(moderator, practitioner, ("infection", "severe"))
    publish_with(moderator, practitioner, ("infection", "moderate"))
    assert not SafetyAlert.objects.exists()


def test_three_severe_complications_of_any_kind_raise_an_alert(moderator):
    practitioner = PractitionerFactory()
    publish_with(moderator, practitioner, ("scarring", "severe"))
    publish_with(moderator, practitioner, ("hyperpigmentation", "severe"))
    publish_with(moderator, practitioner, ("pain", "severe"))
    assert list(SafetyAlert.objects.values_list("rule", flat=True)) == [
        "severe_complications_90_days"
    ]


def test_two_severe_complications_that_are_not_infections_raise_nothing(moderator):
    practitioner = PractitionerFactory()
    publish_with(moderator, practitioner, ("scarring", "severe"))
    publish_with(moderator, practitioner, ("allergic_reaction", "severe"), ("pain", "mild"))
    assert not SafetyAlert.objects.exists()


def test_a_severe_infection_published_91_days_ago_does_not_count(moderator):
    practitioner = PractitionerFactory()
    publish_with(moderator, practitioner, ("infection", "severe"), published_days_ago=91)
    publish_with(moderator, practitioner, ("infection", "severe"))
    assert not SafetyAlert.objects.exists()


def test_a_severe_infection_published_89_days_ago_counts(moderator):
    practitioner = PractitionerFactory()
    publish_with(moderator, practitioner, ("infection", "severe"), published_days_ago=89)
    publish_with(moderator, practitioner, ("infection", "severe"))
    assert SafetyAlert.objects.filter(rule="severe_infections_90_days").exists()


def test_other_practitioners_severe_complications_do_not_count(moderator):
    publish_with(moderator, PractitionerFactory(), ("infection", "severe"))
    publish_with(moderator, PractitionerFactory(), ("infection", "severe"))
    assert not SafetyAlert.objects.exists()


def test_a_further_severe_infection_joins_the_open_alert_instead_of_a_duplicate(moderator):
    practitioner = PractitionerFactory()
    for _ in range(3):
        publish_with(moderator, practitioner, ("infection", "severe"))

    # Three severe infections are also three severe complications: one alert per rule.
    infections = SafetyAlert.objects.get(rule="severe_infections_90_days")
    assert infections.reviews.count() == 3
    assert infections.explanation.startswith("3 severe infections")
    assert SafetyAlert.objects.filter(rule="severe_complications_90_days").count() == 1
    assert SafetyAlert.objects.count() == 2


def test_resolving_an_alert_needs_a_note_and_is_recorded(moderator):
    practitioner = PractitionerFactory()
    publish_with(moderator, practitioner, ("infection", "severe"))
    publish_with(moderator, practitioner, ("infection", "severe"))
    alert = SafetyAlert.objects.get()

    with pytest.raises(DomainError, match="Say what was done"):
        alert_resolve(alert_id=alert.pk, moderator=moderator, note="  ")
    alert_resolve(alert_id=alert.pk, moderator=moderator, note="Called the clinic; verifier told.")

    alert.refresh_from_db()
    assert (alert.status, alert.resolution_note) == (
        "resolved",
        "Called the clinic; verifier told.",
    )
    entry = AuditEntry.objects.for_object(alert).get(action="safety_alert.resolved")
    assert (entry.actor, entry.from_status, entry.to_status) == (moderator, "open", "resolved")
    with pytest.raises(TransitionNotAllowed):
        alert_resolve(alert_id=alert.pk, moderator=moderator, note="Again.")


def test_a_patient_cannot_resolve_an_alert(patient, moderator):
    practitioner = PractitionerFactory()
    publish_with(moderator, practitioner, ("infection", "severe"))
    publish_with(moderator, practitioner, ("infection", "severe"))
    alert = SafetyAlert.objects.get()
    with pytest.raises(NotPermitted):
        alert_resolve(alert_id=alert.pk, moderator=patient, note="Nothing to see.")
    alert.refresh_from_db()
    assert alert.status == "open"


def test_a_new_severe_infection_after_resolution_raises_a_new_alert(moderator):
    practitioner = PractitionerFactory()
    publish_with(moderator, practitioner, ("infection", "severe"))
    publish_with(moderator, practitioner, ("infection", "severe"))
    alert_resolve(alert_id=SafetyAlert.objects.get().pk, moderator=moderator, note="Checked.")
    publish_with(moderator, practitioner, ("infection", "severe"))
    assert SafetyAlert.objects.filter(rule="severe_infections_90_days", status="open").count() == 1


def test_staff_see_open_alerts_with_the_reviews_behind_them_and_resolve_them(client, moderator):
    practitioner = PractitionerFactory(first_name="Ana", last_name="Lopez")
    first = publish_with(moderator, practitioner, ("infection", "severe"))
    publish_with(moderator, practitioner, ("infection", "severe"))
    alert = SafetyAlert.objects.get()
    client.force_login(moderator)

    dashboard = client.get(reverse("moderation:queue")).text
    missing_note = client.post(
        reverse("moderation:alert_resolve", args=[alert.pk]), {"note": ""}, follow=True
    )
    resolved = client.post(
        reverse("moderation:alert_resolve", args=[alert.pk]),
        {"note": "Licence board informed."},
        follow=True,
    )

    assert "Open safety alerts" in dashboard
    assert "Ana Lopez" in dashboard
    assert first.title.replace("'", "&#x27;") in dashboard
    assert "Infection (severe)" in dashboard
    assert "Say what was done about this alert." in missing_note.text
    assert "The alert for Ana Lopez is resolved." in resolved.text
    assert "Licence board informed." in resolved.text


def test_patients_cannot_open_the_alerts_page(client, patient):
    client.force_login(patient)
    assert client.get(reverse("moderation:alerts")).status_code == 403
