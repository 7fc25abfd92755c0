"""``may_decide_on``: the one answer to "who may publish a review?"."""

import pytest

from directory.tests.factories import UserFactory
from kernel.errors import NotPermitted
from practitioners.conflicts import ConflictOfInterest
from practitioners.tests.factories import ClinicFactory, PractitionerFactory
from reviews import moderation
from reviews.models import ReviewStatus
from reviews.permissions import may_decide_on
from reviews.tests.factories import ReviewFactory

pytestmark = pytest.mark.django_db


def pending_review(**kwargs):
    return ReviewFactory(status=ReviewStatus.PENDING, published_at=None, **kwargs)


def test_a_moderator_with_no_tie_to_the_review_may_publish_it(moderator):
    review = pending_review()
    assert may_decide_on(moderator, review)
    moderation.moderate_review(review_id=review.pk, moderator=moderator, decision="approve")
    review.refresh_from_db()
    assert review.status == ReviewStatus.PUBLISHED


def test_a_signed_in_patient_may_not_publish_a_review():
    review = pending_review()
    patient = UserFactory()
    assert not may_decide_on(patient, review)
    with pytest.raises(NotPermitted):
        moderation.moderate_review(review_id=review.pk, moderator=patient, decision="approve")
    review.refresh_from_db()
    assert review.status == ReviewStatus.PENDING


def test_a_moderator_may_not_publish_their_own_review(moderator):
    review = pending_review(author=moderator)
    assert not may_decide_on(moderator, review)
    with pytest.raises(ConflictOfInterest):
        moderation.moderate_review(review_id=review.pk, moderator=moderator, decision="approve")
    review.refresh_from_db()
    assert review.status == ReviewStatus.PENDING


def test_a_moderator_at_the_clinics_own_e_mail_domain_may_not_publish_its_reviews():
    clinic = ClinicFactory(email_domain="glow-clinic.example")
    review = pending_review(practitioner=PractitionerFactory(clinic=clinic))
    colleague = UserFactory(email="mo@glow-clinic.example", roles=["Moderators"])
    assert not may_decide_on(colleague, review)


def test_a_webmail_address_ties_a_moderator_to_no_clinic():
    clinic = ClinicFactory(email_domain="gmail.com")
    review = pending_review(practitioner=PractitionerFactory(clinic=clinic))
    moderator = UserFactory(email="mo@gmail.com", roles=["Moderators"])
    assert may_decide_on(moderator, review)
