"""The profile at /practitioners/<slug>/: verification, safety summary, chart and reviews."""

import datetime
import re
from html import unescape

import pytest
from django.utils import timezone

from directory.tests.factories import UserFactory
from practitioners.badges import refresh_badge
from practitioners.tests.factories import (
    AttestationFactory,
    EvidenceFactory,
    PractitionerFactory,
)
from reviews.models import ResponseStatus
from reviews.summaries import refresh_summary
from reviews.tests.factories import (
    ComplicationFactory,
    PractitionerResponseFactory,
    ReviewFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def no_page_cache(settings):
    settings.PAGE_CACHE_SECONDS = 0


@pytest.fixture
def practitioner():
    return PractitionerFactory(first_name="Dana", last_name="Whitfield", slug="dana-whitfield")


@pytest.fixture
def author():
    return UserFactory(display_name="Yuki")


def month(n_ago: int) -> datetime.date:
    day = timezone.localdate().replace(day=1)
    for _ in range(n_ago):
        day = (day - datetime.timedelta(days=1)).replace(day=1)
    return day


def publish(practitioner, author, n=1, *, complications=(), refresh=True, **fields):
    """``n`` published reviews by ``author``, a month apart, newest first."""
    reviews = []
    for i in range(n):
        values = {
            "skin_type": "III",
            "published_at": timezone.now() - datetime.timedelta(days=i),
            **fields,
        }
        review = ReviewFactory(
            practitioner=practitioner,
            author=author,
            published=True,
            treatment_month=month(i + 1),
            **values,
        )
        for kind, severity in complications:
            ComplicationFactory(review=review, type=kind, severity=severity)
        reviews.append(review)
    if refresh:
        refresh_summary(practitioner.pk)
    return reviews


def text(response) -> str:
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode())))


def review_titles(response) -> list[str]:
    return [
        unescape(t)
        for t in re.findall(r'class="review-title">([^<]+)</h3>', response.content.decode())
    ]


def profile(client, practitioner, query=""):
    return client.get(f"/practitioners/{practitioner.slug}/{query}")


def test_the_verification_panel_shows_how_and_when_each_attestation_was_checked(
    client, practitioner
):
    licence = AttestationFactory(
        practitioner=practitioner,
        verified=True,
        number="RN123456",
        issuing_authority="Texas Board of Nursing",
        verification_method="registry",
        verification_source="Texas Board of Nursing licence roster",
        verified_at=timezone.make_aware(datetime.datetime(2026, 3, 2, 10, 0)),
        next_check_due=datetime.date(2027, 3, 2),
        expires_on=timezone.localdate() + datetime.timedelta(days=300),
    )
    AttestationFactory(
        practitioner=practitioner,
        verified=True,
        sterilization=True,
        verification_source="Staff review of autoclave logs",
        next_check_due=datetime.date(2027, 1, 15),
    )
    refresh_badge(practitioner.pk)

    page = text(profile(client, practitioner))

    assert "Verified" in page
    assert "License — Registered Nurse" in page
    assert "Issued by Texas Board of Nursing" in page
    assert "Number RN123456" in page
    assert "How it was checked License registry" in page
    assert "Source Texas Board of Nursing licence roster" in page
    assert "Last checked Mar 2, 2026" in page
    assert "Next check due Mar 2, 2027" in page
    assert f"Valid until {licence.expires_on:%b %-d, %Y}" in page
    assert "How it was checked Documents reviewed by staff" in page
    assert "Next check due Jan 15, 2027" in page
    assert "Yes: Sterile single-use needle cartridges, never reused" in page


def test_the_panel_says_what_is_missing_for_the_badge(client, practitioner):
    AttestationFactory(
        practitioner=practitioner,
        verified=True,
        expires_on=timezone.localdate() - datetime.timedelta(days=3),
        issued_on=datetime.date(2020, 1, 1),
    )
    AttestationFactory(practitioner=practitioner, sterilization=True)  # pending

    page = text(profile(client, practitioner))

    assert "Not verified" in page
    assert "What is missing for the Verified badge:" in page
    expired = timezone.localdate() - datetime.timedelta(days=3)
    assert f"License expired on {expired:%b %-d, %Y}" in page
    assert "Sterilization attestation pending review" in page


def test_evidence_documents_never_appear_on_the_profile(client, practitioner):
    attestation = AttestationFactory(practitioner=practitioner, verified=True)
    EvidenceFactory(attestation=attestation, original_name="licence-scan-private.pdf")

    response = profile(client, practitioner)

    assert b"licence-scan-private" not in response.content
    assert b"evidence" not in response.content.lower().replace(b"evidence-based", b"")


def test_below_five_reviews_the_profile_shows_no_rating_and_no_safety_figure(
    client, practitioner, author
):
    publish(practitioner, author, 4, rating=5, complications=[("infection", "severe")])

    response = profile(client, practitioner)
    page = text(response)

    assert "Not enough reviews yet for a rating or a safety summary" in page
    assert "from 5 published reviews in the last 24 months, and this practitioner has 4" in page
    assert "Severe complications reported" not in page
    assert "No complications reported" not in page
    assert b"chart-svg" not in response.content
    assert (
        'class="stars"'
        not in response.content.decode().split('id="safety"')[1].split('id="reviews"')[0]
    )


def test_at_five_reviews_the_profile_shows_the_rating_and_safety_figures(
    client, practitioner, author
):
    publish(practitioner, author, 5, rating=5, complications=[("infection", "severe")])

    page = text(profile(client, practitioner))

    assert "for a rating or a safety summary" not in page
    assert "Severe complications reported 5" in page
    assert "Reviews reporting any complication 100% (5 of 5)" in page


def test_from_five_reviews_the_summary_shows_rating_and_shares(client, practitioner, author):
    publish(practitioner, author, 3, rating=5, skin_type="V", refresh=False)
    publish(
        practitioner,
        UserFactory(),
        2,
        rating=3,
        skin_type="IV",
        complications=[("hyperpigmentation", "moderate"), ("infection", "severe")],
    )
    publish(practitioner, UserFactory(), 1, rating=4, skin_type="VI")

    page = text(profile(client, practitioner))

    assert "Published reviews 6" in page
    # Bayesian: (5 * 4.0 + 3 * 5 + 2 * 3 + 4) / (5 + 6) = 45 / 11 = 4.09
    assert "rated 4.1 out of 5" in page
    assert "Reviews reporting any complication 33% (2 of 6)" in page
    assert "Severe complications reported 2" in page
    assert "Hyperpigmentation among skin types IV\u2013VI 33% (2 of 6)" in page


def test_the_chart_is_an_svg_image_with_a_text_alternative_and_a_table(
    client, practitioner, author
):
    publish(practitioner, author, 1, complications=[("infection", "severe"), ("pain", "mild")])
    publish(practitioner, UserFactory(), 1, complications=[("pain", "moderate")])
    publish(practitioner, UserFactory(), 3)

    response = profile(client, practitioner)
    html = response.content.decode()

    assert re.search(r'<svg class="chart-svg"[^>]*role="img"', html)
    assert '<title id="complication-chart-title">' in html
    assert "Infection: 1 severe; Post-treatment pain: 1 mild, 1 moderate" in unescape(html)
    page = text(response)
    assert "Mild Moderate Severe Total" in page
    assert "Post-treatment pain 1 1 0 2" in page
    assert "Infection 0 0 1 1" in page
    assert "style=" not in html


def test_without_complications_there_is_no_chart_but_a_plain_statement(
    client, practitioner, author
):
    publish(practitioner, author, 5)

    response = profile(client, practitioner)

    assert b"chart-svg" not in response.content
    assert "No complications reported in 5 reviews of the last 24 months." in text(response)


def test_reviews_are_newest_first_with_ratings_skin_type_and_patient_reported_tags(
    client, practitioner, author
):
    a_month_ago = timezone.now() - datetime.timedelta(days=30)
    publish(practitioner, UserFactory(), 1, title="Older visit", published_at=a_month_ago)
    (new,) = publish(practitioner, author, 1, title="Newer visit", refresh=False)
    ComplicationFactory(
        review=new, type="hyperpigmentation", severity="moderate", outcome="ongoing", onset_days=4
    )
    refresh_summary(practitioner.pk)

    response = profile(client, practitioner)
    page = text(response)

    assert review_titles(response) == ["Newer visit", "Older visit"]
    assert "Complications patient-reported" in page
    assert "Hyperpigmentation · moderate — began after 4 days" in page
    assert "ongoing" in page
    assert "Skin type Fitzpatrick III" in page
    assert "Results 4 out of 5" in page


def test_a_verified_patient_review_is_marked(client, practitioner, author):
    publish(practitioner, author, 1, is_verified_patient=True)

    assert "Yuki Verified patient" in text(profile(client, practitioner))


def test_only_a_published_response_is_shown(client, practitioner, author):
    shown, hidden = publish(practitioner, author, 2)
    PractitionerResponseFactory(
        review=shown, body="Thank you, we are glad.", status=ResponseStatus.PUBLISHED
    )
    PractitionerResponseFactory(review=hidden, body="A draft reply.", status=ResponseStatus.PENDING)

    page = text(profile(client, practitioner))

    assert "Response from Dana Whitfield" in page
    assert "Thank you, we are glad." in page
    assert "A draft reply." not in page


def test_unpublished_reviews_never_appear(client, practitioner, author):
    publish(practitioner, author, 1, title="Published one")
    ReviewFactory(practitioner=practitioner, title="Still pending")
    ReviewFactory(practitioner=practitioner, title="Hidden one", status="hidden")

    assert review_titles(profile(client, practitioner)) == ["Published one"]


def test_review_text_is_escaped(client, practitioner, author):
    publish(practitioner, author, 1, title="<b>bold</b>", body="<script>alert(1)</script>")

    response = profile(client, practitioner)

    assert b"<script>alert(1)" not in response.content
    assert b"&lt;script&gt;alert(1)&lt;/script&gt;" in response.content
    assert b"&lt;b&gt;bold&lt;/b&gt;" in response.content


def test_each_review_links_to_report_it_and_the_page_to_write_one(client, practitioner, author):
    (review,) = publish(practitioner, author, 1)

    html = profile(client, practitioner).content.decode()

    assert f'href="/reviews/{review.pk}/report/"' in html
    assert f'href="/practitioners/{practitioner.slug}/review/"' in html


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("?complication=infection", ["Infected"]),
        ("?skin_type=VI", ["Dark skin"]),
        ("?rating=2", ["Two stars"]),
        ("?complication=infection&skin_type=VI", []),
    ],
)
def test_reviews_filter_by_complication_skin_type_and_rating(
    client, practitioner, author, query, expected
):
    publish(practitioner, author, 1, title="Infected", complications=[("infection", "mild")])
    publish(practitioner, UserFactory(), 1, title="Dark skin", skin_type="VI")
    publish(practitioner, UserFactory(), 1, title="Two stars", rating=2)

    response = profile(client, practitioner, query)

    assert review_titles(response) == expected
    if not expected:
        assert "No published review matches these filters." in text(response)


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("?complication=boredom", "“boredom” is not a complication we know"),
        ("?skin_type=VII", "“VII” is not a Fitzpatrick skin type we know"),
        ("?rating=6", "“6” is not a rating we know"),
        ("?page=-1", "Page must be a whole number from 1 to 100"),
    ],
)
def test_a_bad_review_filter_gets_a_message_not_a_500(client, practitioner, query, message):
    response = profile(client, practitioner, query)

    assert response.status_code == 400
    assert message in text(response)


def test_reviews_are_paged_ten_at_a_time(client, practitioner, author):
    publish(practitioner, author, 12)

    first = profile(client, practitioner)
    second = profile(client, practitioner, "?page=2")

    assert len(review_titles(first)) == 10
    assert "Showing 1\u201310 of 12 published reviews" in text(first)
    assert len(review_titles(second)) == 2


def test_an_unknown_practitioner_is_a_404(client):
    assert client.get("/practitioners/nobody/").status_code == 404


@pytest.mark.parametrize("count", [1, 12])
def test_the_profile_runs_a_constant_number_of_queries(
    client, practitioner, author, django_assert_num_queries, count
):
    AttestationFactory(practitioner=practitioner, verified=True)
    AttestationFactory(practitioner=practitioner, verified=True, sterilization=True)
    reviews = publish(
        practitioner, author, count, complications=[("pain", "mild"), ("infection", "severe")]
    )
    for review in reviews:
        PractitionerResponseFactory(review=review, status=ResponseStatus.PUBLISHED)

    # 1 practitioner + clinic + summary, 2 procedures, 3 attestations, 4 sterilization
    # items, 5 the page of reviews with procedure, author and response, 6 complications.
    with django_assert_num_queries(6):
        response = profile(client, practitioner)

    assert len(review_titles(response)) == min(count, 10)
