"""A moderator's decision applies to the version they read, or to nothing.

The author edits a review (or the practitioner a response) after the moderator opened it:
the moderator's decision is refused with 409, the page shows what changed field by field,
nothing is published, and a decision on the version now shown goes through.
"""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from kernel.models import AuditEntry
from kernel.versions import ItemChanged
from reviews.models import PractitionerResponse, Review
from reviews.moderation import moderate_review
from reviews.services import response_submit, review_edit, review_publish
from reviews.tests.factories import PractitionerResponseFactory, ReviewFactory
from tests.races import at_once as _at_once

ORIGINAL = (
    "The treatment was calm and careful; the clinic was spotless and the aftercare sheet "
    "answered every question I had afterwards."
)
EDITED = ORIGINAL + " Call me on 555-0123 or see https://cheap-brows.example for a discount."

FIELDS = {
    "treatment_month": None,  # filled from the review: editing keeps the month
    "sessions": 1,
    "rating": 4,
    "rating_results": 4,
    "rating_hygiene": 5,
    "rating_communication": 4,
    "rating_aftercare": 4,
    "worth_it": "yes",
    "title": "Calm and careful",
    "skin_type": "III",
    "patch_test": "unknown",
    "numbing": "unknown",
    "needle_depth_mm": None,
}


def seen_version(page) -> int:
    """The version a decision form on this page carries (its hidden field)."""
    return int(re.search(r'name="version" value="(\d+)"', page.text).group(1))


def author_edits(review: Review, body: str = EDITED) -> None:
    fields = {**FIELDS, "treatment_month": review.treatment_month, "body": body}
    review_edit(review_id=review.pk, author=review.author, fields=fields, complications=[])


@pytest.fixture
def pending_review(db):
    return ReviewFactory(title="Calm and careful", body=ORIGINAL)


@pytest.mark.django_db
def test_approving_a_review_its_author_edited_after_it_was_opened_is_refused_showing_the_edit(
    client, moderator, pending_review
):
    client.force_login(moderator)
    opened = client.get(reverse("moderation:review", args=[pending_review.pk]))
    author_edits(pending_review)

    response = client.post(
        reverse("moderation:decide", args=[pending_review.pk]),
        {"decision": "approve", "version": seen_version(opened)},
    )

    assert response.status_code == 409
    assert "Changed since you opened it" in response.text
    assert "you saw version 1; it is now version 2" in response.text
    changed = re.search(r"<tr><th scope=\"row\">Body</th>(.*?)</tr>", response.text, re.S)
    assert changed is not None
    assert "555-0123" not in changed.group(1).split("<ins>")[0]
    assert "555-0123" in changed.group(1).split("<ins>")[1]
    review = Review.objects.get(pk=pending_review.pk)
    assert review.status == "pending"
    assert not AuditEntry.objects.for_object(review).filter(action="review.published").exists()
    profile = client.get(review.practitioner.get_absolute_url()).text
    assert "555-0123" not in profile


@pytest.mark.django_db
def test_after_the_refusal_the_moderator_decides_on_the_version_now_shown(
    client, moderator, pending_review
):
    client.force_login(moderator)
    opened = client.get(reverse("moderation:review", args=[pending_review.pk]))
    author_edits(pending_review)
    url = reverse("moderation:decide", args=[pending_review.pk])
    refused = client.post(url, {"decision": "approve", "version": seen_version(opened)})

    again = client.post(
        url, {"decision": "reject", "reason": "personal_data", "version": seen_version(refused)}
    )

    assert again.status_code == 302
    assert Review.objects.get(pk=pending_review.pk).status == "rejected"


@pytest.mark.django_db
def test_a_decision_form_without_its_version_is_refused_as_out_of_date(
    client, moderator, pending_review
):
    client.force_login(moderator)
    response = client.post(
        reverse("moderation:decide", args=[pending_review.pk]), {"decision": "approve"}
    )
    assert response.status_code == 400
    assert "This page is out of date" in response.text
    assert Review.objects.get(pk=pending_review.pk).status == "pending"


@pytest.mark.django_db
def test_every_edit_and_every_decision_moves_the_version_on(moderator, pending_review):
    assert pending_review.version == 1
    author_edits(pending_review)
    assert Review.objects.get(pk=pending_review.pk).version == 2
    review_publish(review_id=pending_review.pk, moderator=moderator, seen_version=2)
    assert Review.objects.get(pk=pending_review.pk).version == 3


@pytest.mark.django_db
def test_dismissing_a_report_on_a_review_edited_since_it_was_opened_is_refused(moderator, patient):
    from reviews.moderation import report_review

    review = ReviewFactory(published=True, title="Calm and careful", body=ORIGINAL)
    report_review(review_id=review.pk, reporter=patient, reason="offensive")
    author_edits(review)  # back to pending, with the edit

    with pytest.raises(ItemChanged) as refused:
        moderate_review(
            review_id=review.pk, moderator=moderator, decision="dismiss", seen_version=1
        )

    assert [change.label for change in refused.value.changes] == ["Body"]


@pytest.mark.django_db
def test_bulk_approval_skips_a_review_edited_since_the_queue_showed_it(client, moderator):
    kept = ReviewFactory(body="Quick session, friendly staff, and my brows healed evenly.")
    # An established author, so that the edit raises no rule hit (new accounts do).
    edited = ReviewFactory(
        title="Calm and careful",
        body=ORIGINAL,
        author__date_joined=timezone.now() - timedelta(days=400),
    )
    client.force_login(moderator)
    queue = client.get(reverse("moderation:queue")).text
    ticked = re.findall(r'name="review" value="([\d:]+)"', queue)
    assert sorted(ticked) == sorted([f"{kept.pk}:1", f"{edited.pk}:1"])
    author_edits(edited, body=ORIGINAL.replace("spotless", "tidy"))

    page = client.post(reverse("moderation:bulk_approve"), {"review": ticked}, follow=True)

    assert "Published 1 review." in page.text
    assert f"Review #{edited.pk} was not approved: This review changed after you opened it" in (
        page.text
    )
    assert Review.objects.get(pk=edited.pk).status == "pending"
    assert Review.objects.get(pk=kept.pk).status == "published"


# --- Responses ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_publishing_a_response_edited_after_the_page_was_opened_is_refused_showing_the_edit(
    client, moderator, practitioner_owner
):
    review = ReviewFactory(published=True, practitioner=practitioner_owner.practitioner_profile)
    answer = response_submit(
        review_id=review.pk, author=practitioner_owner, body="Thank you for visiting us."
    )
    client.force_login(moderator)
    opened = client.get(reverse("moderation:responses"))
    response_submit(
        review_id=review.pk,
        author=practitioner_owner,
        body="Thank you. Book again at https://promo.example and call 555-0199.",
    )

    page = client.post(
        reverse("moderation:response_decide", args=[answer.pk]),
        {"decision": "approve", "version": seen_version(opened)},
    )

    assert page.status_code == 409
    assert "Changed since you opened it" in page.text
    assert "Thank you for visiting us." in page.text
    assert "https://promo.example" in page.text
    answer.refresh_from_db()
    assert (answer.status, answer.version) == ("pending", 2)
    assert "promo.example" not in client.get(review.practitioner.get_absolute_url()).text


@pytest.mark.django_db
def test_a_response_resubmitted_after_publication_shows_the_published_text_as_before(
    moderator, practitioner_owner
):
    from reviews.moderation import moderate_response

    answer = PractitionerResponseFactory(
        author=practitioner_owner,
        review__practitioner=practitioner_owner.practitioner_profile,
        body="First reply, as published.",
    )
    moderate_response(
        response_id=answer.pk, moderator=moderator, decision="approve", seen_version=1
    )
    response_submit(review_id=answer.review_id, author=practitioner_owner, body="Second reply.")

    with pytest.raises(ItemChanged) as refused:
        moderate_response(
            response_id=answer.pk, moderator=moderator, decision="approve", seen_version=2
        )

    [change] = refused.value.changes
    assert (change.label, change.before, change.after) == (
        "Response",
        "First reply, as published.",
        "Second reply.",
    )
    assert PractitionerResponse.objects.get(pk=answer.pk).status == "pending"


# --- At the same moment (PostgreSQL: row locks; SQLite: the conditional UPDATE) ------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_an_edit_racing_an_approval_never_publishes_the_edited_text():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: its row locks are what is raced")
    from directory.tests.factories import UserFactory

    moderator = UserFactory(roles=["Moderators"])
    for _ in range(5):
        review = ReviewFactory(body=ORIGINAL)
        results = _at_once(
            lambda r=review: author_edits(r),
            lambda r=review: moderate_review(
                review_id=r.pk, moderator=moderator, decision="approve", seen_version=1
            ),
        )
        edit, approval = results
        assert edit[0] == "ok", edit
        review.refresh_from_db()
        # Either the approval came first (and the edit sent the review back to pending), or
        # the edit came first and the approval of version 1 was refused: never published edited.
        assert (review.status, review.body) == ("pending", EDITED)
        if approval[0] == "error":
            assert isinstance(approval[1], ItemChanged)
            assert not AuditEntry.objects.for_object(review).filter(action="review.published")
        else:
            published = AuditEntry.objects.for_object(review).get(action="review.published")
            edited = AuditEntry.objects.for_object(review).get(action="review.edited")
            assert published.pk < edited.pk


@pytest.mark.django_db
def test_a_practitioner_who_deletes_their_account_leaves_no_edited_text_in_the_record(
    client, practitioner_owner
):
    from directory.tests.factories import PASSWORD

    review = ReviewFactory(published=True, practitioner=practitioner_owner.practitioner_profile)
    response_submit(review_id=review.pk, author=practitioner_owner, body="Dear Jane, thank you.")
    response_submit(review_id=review.pk, author=practitioner_owner, body="Thank you, all.")
    assert AuditEntry.objects.filter(action="response.edited", data__has_key="before").exists()
    client.force_login(practitioner_owner)

    client.post("/account/delete/", {"password": PASSWORD, "confirm": "on"})

    kept = [str(data) for data in AuditEntry.objects.values_list("data", flat=True)]
    assert not any("Jane" in data for data in kept)
    assert AuditEntry.objects.filter(action="response.edited").exists()
