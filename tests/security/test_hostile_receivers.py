"""Receivers that fail in every way cannot delay a decision or lose an event.

Three endpoints, each subscribed to every event type, answer 500, hang longer than the
delivery timeout, or close the connection without a word. Every state change the product
has is then driven once with the production task backend (the database queue): each
decision returns at once, its event is recorded, and when the worker has run, every
endpoint has one delivery per webhook event type, logged as failed-and-retrying with an
error class a partner can read — never our error text.
"""

import datetime
import time
from decimal import Decimal

import pytest
from django.tasks import task_backends
from django.utils import timezone
from django_tasks_db import DatabaseBackend
from django_tasks_db.management.commands.db_worker import Worker

from directory.tests.factories import UserFactory
from kernel.models import Event, EventHandling, HandlingStatus
from partners import egress
from partners.egress import Failure
from partners.models import DeliveryStatus, WebhookDelivery, WebhookEvent
from partners.services import webhook_endpoint_create
from partners.tests.factories import PartnerFactory
from practitioners import services as verification
from practitioners.models import AttestationStatus, ClaimStatus, Standing, SterilizationItem
from practitioners.tests.factories import (
    AttestationFactory,
    PractitionerFactory,
    ProfileClaimFactory,
    procedure,
)
from practitioners.tests.uploads import checked
from reviews import moderation
from reviews import services as reviews
from reviews.models import ResponseStatus, Review, ReviewStatus
from reviews.tests.factories import ReviewFactory, last_month
from tests.api.receiver import HostileReceiver, Receiver

QUEUES = ["default", "email", "webhooks", "scheduled"]
TIMEOUT = 0.5
PROMPT = 1.0  # seconds a decision may take, far below any receiver's failure

REVIEW_FIELDS = {
    "treatment_month": last_month(),
    "sessions": 2,
    "rating": 4,
    "rating_results": 4,
    "rating_hygiene": 5,
    "rating_communication": 4,
    "rating_aftercare": 3,
    "worth_it": "yes",
    "title": "Careful and clean",
    "body": "The clinic explained every step and used a new cartridge each time.",
    "skin_type": "IV",
    "patch_test": "yes",
    "numbing": "yes",
    "needle_depth_mm": Decimal("0.50"),  # the Decimal that once broke publishing
}


@pytest.fixture
def database_queue():
    task_backends["default"] = DatabaseBackend("default", {"QUEUES": QUEUES, "OPTIONS": {}})
    yield
    del task_backends["default"]


@pytest.fixture
def receivers(settings):
    settings.PARTNER_WEBHOOKS_ALLOW_INSECURE = True
    settings.PARTNER_WEBHOOK_TIMEOUT_SECONDS = TIMEOUT
    started = {
        "500": Receiver(statuses=[500]).start(),
        "hang": Receiver(delay=TIMEOUT * 4).start(),
        "close": HostileReceiver("hang_up").start(),
    }
    with egress.allow_loopback_for_tests():
        yield started
    for receiver in started.values():
        receiver.stop()


@pytest.fixture
def endpoints(receivers):
    """One endpoint per receiver, each subscribed to every event type (the default)."""
    return {
        name: webhook_endpoint_create(partner=PartnerFactory(), url=receiver.url)[0]
        for name, receiver in receivers.items()
    }


def run_worker() -> None:
    Worker(
        queue_names=QUEUES,
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="test-worker",
        excluded_queue_names=[],
    ).run()


class Decisions:
    """Runs each state change and remembers how long it took."""

    def __init__(self):
        self.took: dict[str, float] = {}

    def __call__(self, label: str, change):
        started = time.monotonic()
        result = change()
        self.took[label] = time.monotonic() - started
        return result


def drive_every_state_change(moderator, verifier) -> dict:
    """Each kind of state change the product has, once; returns what it acted on."""
    decide = Decisions()
    owner = UserFactory(display_name="Dr Owner")
    practitioner = PractitionerFactory(owner=owner)
    patient, reporter = UserFactory(), UserFactory()

    # Reviews: submitted, changes requested, resubmitted, published (with a needle depth).
    review = decide(
        "review submitted",
        lambda: reviews.review_submit(
            author=patient,
            practitioner=practitioner,
            procedure=procedure(),
            fields=REVIEW_FIELDS,
        ),
    )
    decide(
        "review changes requested",
        lambda: reviews.review_request_changes(
            review_id=review.pk, moderator=moderator, reason="off_topic", note="Say more."
        ),
    )
    decide(
        "review resubmitted",
        lambda: reviews.review_edit(
            review_id=review.pk, author=patient, fields=REVIEW_FIELDS, complications=[]
        ),
    )
    decide(
        "review published",
        lambda: reviews.review_publish(review_id=review.pk, moderator=moderator),
    )
    rejected = ReviewFactory(practitioner=practitioner)
    decide(
        "review rejected",
        lambda: reviews.review_reject(review_id=rejected.pk, moderator=moderator, reason="fake"),
    )
    withdrawn = ReviewFactory(practitioner=practitioner, published=True)
    decide(
        "review withdrawn",
        lambda: reviews.review_withdraw(review_id=withdrawn.pk, author=withdrawn.author),
    )
    # Reports: one upheld (the review is hidden), one dismissed.
    upheld = ReviewFactory(practitioner=practitioner, published=True)
    dismissed = ReviewFactory(practitioner=practitioner, published=True)
    for reported in (upheld, dismissed):
        decide(
            f"review {reported.pk} reported",
            lambda reported=reported: moderation.report_review(
                review_id=reported.pk, reporter=reporter, reason="offensive"
            ),
        )
    decide(
        "report upheld",
        lambda: moderation.report_uphold(
            review_id=upheld.pk, moderator=moderator, reason="offensive"
        ),
    )
    decide(
        "report dismissed",
        lambda: moderation.report_dismiss(review_id=dismissed.pk, moderator=moderator),
    )
    # Responses: one published, one rejected.
    published_response = decide(
        "response submitted",
        lambda: reviews.response_submit(
            review_id=review.pk, author=owner, body="Thank you for taking the time to write."
        ),
    )
    decide(
        "response published",
        lambda: reviews.response_publish(response_id=published_response.pk, moderator=moderator),
    )
    rejected_response = reviews.response_submit(
        review_id=dismissed.pk, author=owner, body="We are sorry to read this, call us."
    )
    decide(
        "response rejected",
        lambda: reviews.response_reject(
            response_id=rejected_response.pk, moderator=moderator, reason="offensive"
        ),
    )

    # Claims: submitted, approved, rejected.
    claim = decide(
        "claim submitted",
        lambda: verification.claim_submit(
            user=UserFactory(), practitioner=PractitionerFactory(), message="It is me."
        ),
    )
    decide("claim approved", lambda: verification.claim_approve(claim_id=claim.pk, actor=verifier))
    doubtful = ProfileClaimFactory()
    decide(
        "claim rejected",
        lambda: verification.claim_reject(
            claim_id=doubtful.pk, actor=verifier, reason="No proof of identity."
        ),
    )

    # Attestations: submitted and verified until the badge is gained, then lost.
    licence = decide(
        "licence submitted",
        lambda: verification.attestation_submit(
            actor=owner,
            practitioner=practitioner,
            kind="license",
            uploads=checked(),
            number="RN4242",
            issuing_authority="Texas Board of Nursing",
            license_type="Registered Nurse",
            issued_on=datetime.date(2021, 1, 1),
            expires_on=timezone.localdate() + datetime.timedelta(days=300),
        ),
    )
    decide(
        "licence verified",
        lambda: verification.attestation_verify(attestation_id=licence.pk, actor=verifier),
    )
    sterilization = decide(
        "sterilization submitted",
        lambda: verification.attestation_submit(
            actor=owner,
            practitioner=practitioner,
            kind="sterilization",
            uploads=checked(),
            last_spore_test_on=timezone.localdate(),
            answers={item.value: (True, "") for item in SterilizationItem},
        ),
    )
    decide(
        "sterilization verified (badge gained)",
        lambda: verification.attestation_verify(attestation_id=sterilization.pk, actor=verifier),
    )
    decide(
        "licence revoked (badge lost)",
        lambda: verification.attestation_revoke(
            attestation_id=licence.pk, actor=verifier, reason="The board suspended it."
        ),
    )
    pending = AttestationFactory(practitioner=practitioner)
    decide(
        "attestation rejected",
        lambda: verification.attestation_reject(
            attestation_id=pending.pk, actor=verifier, reason="The scan is unreadable."
        ),
    )
    lapsed = AttestationFactory(
        practitioner=practitioner,
        verified=True,
        expires_on=timezone.localdate() - datetime.timedelta(days=1),
    )
    decide("attestation expired", lambda: verification.attestation_expire(attestation_id=lapsed.pk))
    suspended = AttestationFactory(practitioner=practitioner, verified=True)
    suspended.standing = Standing.SUSPENDED
    suspended.save(update_fields=["standing"])
    decide(
        "licence lapsed (standing)",
        lambda: verification.attestation_lapse_standing(attestation_id=suspended.pk),
    )
    decide(
        "NPI changed",
        lambda: verification.practitioner_set_npi(
            actor=owner, practitioner=practitioner, npi="1234567893"
        ),
    )
    return {
        "took": decide.took,
        "review": review,
        "hidden": upheld,
        "withdrawn": withdrawn,
        "claim": claim,
        "licence": licence,
        "practitioner": practitioner,
    }


EVERY_STATE_CHANGE = {
    "review.submitted",
    "review.changes_requested",
    "review.resubmitted",
    "review.published",
    "review.rejected",
    "review.withdrawn",
    "review.reported",
    "report.upheld",
    "report.dismissed",
    "review.hidden",
    "response.submitted",
    "response.published",
    "response.rejected",
    "claim.submitted",
    "claim.approved",
    "claim.rejected",
    "attestation.submitted",
    "attestation.verified",
    "attestation.revoked",
    "attestation.rejected",
    "attestation.expired",
    "practitioner.verification_changed",
    "practitioner.npi_changed",
}

ERROR_CLASS = {
    "500": ("HTTP 500", 500),
    "hang": (Failure.TIMEOUT, None),
    "close": (Failure.CLOSED, None),
}


@pytest.mark.django_db(transaction=True)
def test_no_receiver_failure_delays_a_decision_or_loses_an_event(
    database_queue, receivers, endpoints, moderator, verifier
):
    driven = drive_every_state_change(moderator, verifier)

    slow = {label: took for label, took in driven["took"].items() if took >= PROMPT}
    assert slow == {}, f"decisions waited for something: {slow}"
    # Every decision stands as made.
    assert Review.objects.get(pk=driven["review"].pk).status == ReviewStatus.PUBLISHED
    assert driven["review"].response.status == ResponseStatus.PUBLISHED
    assert Review.objects.get(pk=driven["hidden"].pk).status == ReviewStatus.HIDDEN
    assert Review.objects.get(pk=driven["withdrawn"].pk).status == ReviewStatus.WITHDRAWN
    driven["claim"].refresh_from_db()
    assert driven["claim"].status == ClaimStatus.APPROVED
    driven["licence"].refresh_from_db()
    assert driven["licence"].status == AttestationStatus.REVOKED
    # Every change recorded its event, and nothing was sent before the worker ran.
    assert EVERY_STATE_CHANGE - set(Event.objects.values_list("type", flat=True)) == set()
    badge = Event.objects.filter(type="practitioner.verification_changed")
    assert [event.data["verified"] for event in badge] == [True, False]
    assert not WebhookDelivery.objects.exists()

    run_worker()

    # The relay handed every event to its subscribers, each handling done on its own.
    assert not Event.objects.filter(relayed_at__isnull=True).exists()
    assert set(EventHandling.objects.values_list("status", flat=True)) == {HandlingStatus.DONE}
    for name, endpoint in endpoints.items():
        deliveries = WebhookDelivery.objects.filter(endpoint=endpoint)
        assert set(deliveries.values_list("event_type", flat=True)) == set(WebhookEvent.values)
        assert set(deliveries.values_list("status", flat=True)) == {DeliveryStatus.RETRYING}
        error, status_code = ERROR_CLASS[name]
        attempts = [delivery.attempts.get() for delivery in deliveries]
        assert {(a.error, a.status_code, a.succeeded) for a in attempts} == {
            (error, status_code, False)
        }, name
    assert receivers["hang"].received  # it was reached, and hung
