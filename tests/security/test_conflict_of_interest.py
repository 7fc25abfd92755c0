"""One conflict-of-interest rule for moderators and verifiers (``practitioners.conflicts``).

For every kind of tie between a member of staff and an item — they wrote or claimed it, it
answers their own review, it is about the profile they manage, a colleague at their clinic,
a practice at their e-mail domain, or a profile they are claiming — and for each role that
decides such items (the moderator or verifier, and a superuser holding every role): the
queue marks the item instead of offering a decision, the decision endpoint answers 403 with
the reason, nothing changes, and an unrelated colleague in the same role can decide it.
"""

from collections.abc import Callable
from dataclasses import dataclass

import pytest

from directory.tests.clients import Client
from directory.tests.factories import UserFactory
from practitioners.conflicts import conflict_of_interest
from practitioners.models import Attestation, ProfileClaim
from practitioners.tests.factories import (
    AttestationFactory,
    ClinicFactory,
    PractitionerFactory,
    ProfileClaimFactory,
)
from reviews.models import PractitionerResponse, Review
from reviews.tests.factories import PractitionerResponseFactory, ReviewFactory

pytestmark = pytest.mark.django_db

DOMAIN = "glow-clinic.example"


@dataclass(frozen=True)
class Kind:
    role: str  # the group that decides this kind of item
    queue: str
    marker: str  # what the queue shows instead of the decision form
    decide: Callable  # item -> (url, data)
    form_action: Callable  # item -> the decision form's action, absent for a conflicted item
    status: Callable  # item -> its stored status


REVIEW = Kind(
    "Moderators",
    "/moderation/",
    "Not yours to decide: conflict of interest",
    lambda r: (f"/moderation/reviews/{r.pk}/decide/", {"decision": "approve", "version": 1}),
    lambda r: f'value="{r.pk}:',
    lambda r: Review.objects.get(pk=r.pk).status,
)
RESPONSE = Kind(
    "Moderators",
    "/moderation/responses/",
    "You cannot decide on this response:",
    lambda r: (f"/moderation/responses/{r.pk}/decide/", {"decision": "approve", "version": 1}),
    lambda r: f'action="/moderation/responses/{r.pk}/decide/"',
    lambda r: PractitionerResponse.objects.get(pk=r.pk).status,
)
ATTESTATION = Kind(
    "Verifiers",
    "/verification/",
    "Not yours to decide:",
    lambda a: (f"/verification/attestations/{a.pk}/verify/", {"version": 1}),
    lambda a: f'action="/verification/attestations/{a.pk}/verify/"',
    lambda a: Attestation.objects.get(pk=a.pk).status,
)
CLAIM = Kind(
    "Verifiers",
    "/verification/claims/",
    "Not yours to decide:",
    lambda c: (f"/verification/claims/{c.pk}/approve/", {"version": 1}),
    lambda c: f'action="/verification/claims/{c.pk}/approve/"',
    lambda c: ProfileClaim.objects.get(pk=c.pk).status,
)


def colleague_of(staff):
    """A practitioner at the clinic where ``staff`` manages a profile."""
    own = PractitionerFactory(owner=staff)
    return PractitionerFactory(clinic=own.clinic)


def at_their_domain(staff):
    return PractitionerFactory(clinic=ClinicFactory(email_domain=DOMAIN))


def they_claim(staff):
    return ProfileClaimFactory(user=staff).practitioner


CASES = {
    # Moderators: reviews
    "their own review": (REVIEW, lambda s: ReviewFactory(author=s), "you wrote or claimed"),
    "a review of the profile they manage": (
        REVIEW,
        lambda s: ReviewFactory(practitioner=PractitionerFactory(owner=s)),
        "the practitioner profile you manage",
    ),
    "a review of a colleague at their clinic": (
        REVIEW,
        lambda s: ReviewFactory(practitioner=colleague_of(s)),
        "a colleague at",
    ),
    "a review of a practice at their e-mail domain": (
        REVIEW,
        lambda s: ReviewFactory(practitioner=at_their_domain(s)),
        f"own domain ({DOMAIN})",
    ),
    "a review of a profile they are claiming": (
        REVIEW,
        lambda s: ReviewFactory(practitioner=they_claim(s)),
        "you are claiming",
    ),
    # Moderators: practitioner responses
    "their own response": (
        RESPONSE,
        lambda s: PractitionerResponseFactory(
            author=s, review__practitioner=PractitionerFactory(owner=s)
        ),
        "you wrote or claimed",
    ),
    "a response to their own review": (
        RESPONSE,
        lambda s: PractitionerResponseFactory(review__author=s),
        "you wrote or claimed",
    ),
    "a response from a colleague at their clinic": (
        RESPONSE,
        lambda s: PractitionerResponseFactory(review__practitioner=colleague_of(s)),
        "a colleague at",
    ),
    # Verifiers: attestations
    "an attestation of the profile they manage": (
        ATTESTATION,
        lambda s: AttestationFactory(practitioner=PractitionerFactory(owner=s)),
        "the practitioner profile you manage",
    ),
    "an attestation of a colleague at their clinic": (
        ATTESTATION,
        lambda s: AttestationFactory(practitioner=colleague_of(s)),
        "a colleague at",
    ),
    "an attestation of a practice at their e-mail domain": (
        ATTESTATION,
        lambda s: AttestationFactory(practitioner=at_their_domain(s)),
        f"own domain ({DOMAIN})",
    ),
    # Verifiers: profile claims
    "their own claim": (CLAIM, lambda s: ProfileClaimFactory(user=s), "you wrote or claimed"),
    "a claim on a colleague's profile at their clinic": (
        CLAIM,
        lambda s: ProfileClaimFactory(practitioner=colleague_of(s)),
        "a colleague at",
    ),
    "a rival claim on a profile they are claiming": (
        CLAIM,
        lambda s: ProfileClaimFactory(practitioner=they_claim(s)),
        "you are claiming",
    ),
    "a claim on a practice at their e-mail domain": (
        CLAIM,
        lambda s: ProfileClaimFactory(practitioner=at_their_domain(s)),
        f"own domain ({DOMAIN})",
    ),
}


def staff_member(role: str, kind: Kind):
    email = f"sam@{DOMAIN}"
    if role == "superuser":
        return UserFactory(email=email, is_staff=True, is_superuser=True)
    return UserFactory(email=email, roles=[kind.role])


@pytest.mark.parametrize("role", ["in their role", "superuser"])
@pytest.mark.parametrize("case", list(CASES))
def test_staff_cannot_decide_an_item_they_have_a_conflict_of_interest_in(case, role):
    kind, make, reason = CASES[case]
    staff = staff_member("superuser" if role == "superuser" else kind.role, kind)
    item = make(staff)
    before = kind.status(item)
    client = Client()
    client.force_login(staff)

    assert reason in conflict_of_interest(staff, item)
    queue = client.get(kind.queue).content.decode()
    assert kind.marker in queue
    assert kind.form_action(item) not in queue
    url, data = kind.decide(item)
    refused = client.post(url, data)
    assert refused.status_code == 403
    text = refused.content.decode()
    assert "You cannot decide on this" in text
    assert reason in text
    assert kind.status(item) == before

    # The refusal is about this member of staff, not the item: a colleague decides it.
    colleague = Client()
    colleague.force_login(UserFactory(roles=[kind.role]))
    assert colleague.post(url, data).status_code == 302
    assert kind.status(item) != before


def test_a_moderator_is_not_offered_their_own_review_by_take_the_next_review():
    moderator = UserFactory(roles=["Moderators"])
    ReviewFactory(author=moderator)
    client = Client()
    client.force_login(moderator)
    page = client.post("/moderation/next/", follow=True)
    assert "The queue is clear" in page.content.decode()


def test_a_moderator_cannot_claim_a_review_of_their_own_practice():
    moderator = UserFactory(roles=["Moderators"])
    review = ReviewFactory(practitioner=PractitionerFactory(owner=moderator))
    client = Client()
    client.force_login(moderator)
    page = client.post(f"/moderation/reviews/{review.pk}/claim/", follow=True)
    assert "You cannot decide on this review" in page.content.decode()
    assert Review.objects.get(pk=review.pk).claimed_by_id is None


def test_a_shared_webmail_domain_ties_nobody_to_a_practice():
    moderator = UserFactory(email="mo@gmail.com", roles=["Moderators"])
    review = ReviewFactory(practitioner__clinic=ClinicFactory(email_domain="gmail.com"))
    assert conflict_of_interest(moderator, review) is None
