import datetime
import hashlib

import factory
from django.utils import timezone

from practitioners.tests.factories import PractitionerFactory, procedure
from reviews.models import (
    Complication,
    PractitionerResponse,
    Review,
    ReviewInvitation,
    ReviewReport,
    ReviewStatus,
    RuleHit,
    SafetyAlert,
)


def last_month() -> datetime.date:
    return (timezone.localdate().replace(day=1) - datetime.timedelta(days=1)).replace(day=1)


class ReviewFactory(factory.django.DjangoModelFactory):
    """A pending review; ``ReviewFactory(published=True)`` for a published one.

    Factories write rows directly, so summaries are not refreshed: tests that need them
    call ``refresh_summary`` or go through the services.
    """

    class Meta:
        model = Review

    author = factory.SubFactory("directory.tests.factories.UserFactory")
    practitioner = factory.SubFactory(PractitionerFactory)
    procedure = factory.LazyFunction(procedure)
    treatment_month = factory.LazyFunction(last_month)
    sessions = 1
    rating = 4
    rating_results = 4
    rating_hygiene = 5
    rating_communication = 4
    rating_aftercare = 4
    worth_it = "yes"
    title = factory.Faker("sentence", nb_words=5)
    body = factory.Faker("paragraph", nb_sentences=5)
    skin_type = "III"

    class Params:
        published = factory.Trait(
            status=ReviewStatus.PUBLISHED, published_at=factory.LazyFunction(timezone.now)
        )


class ComplicationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Complication

    review = factory.SubFactory(ReviewFactory)
    type = "inflammation"
    severity = "mild"
    onset_days = 1
    treatment_needed = "self_care"
    outcome = "resolved"


class ReviewInvitationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ReviewInvitation

    practitioner = factory.SubFactory(PractitionerFactory)
    procedure = factory.LazyFunction(procedure)
    email = factory.Sequence(lambda n: f"patient{n}@example.com")
    treatment_date = factory.LazyFunction(
        lambda: timezone.localdate() - datetime.timedelta(days=10)
    )
    token_hash = factory.Sequence(lambda n: hashlib.sha256(f"token-{n}".encode()).hexdigest())
    expires_at = factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(days=30))


class PractitionerResponseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PractitionerResponse

    review = factory.SubFactory(ReviewFactory, published=True)
    author = factory.SubFactory("directory.tests.factories.UserFactory")
    body = "Thank you for your feedback; we are glad it went well."


class ReviewReportFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ReviewReport

    review = factory.SubFactory(ReviewFactory, published=True)
    reporter = factory.SubFactory("directory.tests.factories.UserFactory")
    reason = "fake"


class RuleHitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RuleHit

    review = factory.SubFactory(ReviewFactory)
    code = "contact_details"
    weight = 5
    explanation = "The text contains a phone number."


class SafetyAlertFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SafetyAlert

    practitioner = factory.SubFactory(PractitionerFactory)
    rule = "severe_infections_90_days"
    explanation = "2 severe infections within 90 days"
