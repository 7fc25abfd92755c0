"""Who sees the practitioner dashboard link, which sign-up copy, and the claim line's promise."""

import datetime
import re
from html import unescape

import pytest
from django.utils import timezone

from accounts.roles import CLAIM_INTENT, REVIEW_INTENT, signup_intent
from directory.tests.clients import Client
from practitioners.badges import refresh_badge
from practitioners.models import ClaimStatus, ProfileClaim
from practitioners.tests.factories import AttestationFactory, PractitionerFactory
from reviews.summaries import refresh_summary
from reviews.tests.factories import ReviewFactory

pytestmark = pytest.mark.django_db

DASHBOARD_LINK = re.compile(r'<a href="/dashboard/"[^>]*>Practitioner dashboard</a>')


@pytest.fixture(autouse=True)
def no_page_cache(settings):
    settings.PAGE_CACHE_SECONDS = 0


def text(response) -> str:
    html = re.sub(r"<[^>]+>", " ", response.content.decode())
    return re.sub(r"\s+", " ", unescape(html))


def shows_dashboard_link(client) -> bool:
    response = client.get("/practitioners/")
    assert response.status_code == 200
    return bool(DASHBOARD_LINK.search(response.content.decode()))


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


# -- The "Practitioner dashboard" link -----------------------------------------------------


def test_an_anonymous_visitor_sees_no_dashboard_link(client):
    assert not shows_dashboard_link(client)


def test_a_patient_sees_no_dashboard_link(patient):
    assert not shows_dashboard_link(signed_in(patient))


def test_a_practitioner_who_manages_a_profile_sees_the_dashboard_link(practitioner_owner):
    assert shows_dashboard_link(signed_in(practitioner_owner))


def test_a_user_whose_claim_awaits_staff_sees_the_dashboard_link(patient):
    ProfileClaim.objects.create(practitioner=PractitionerFactory(), user=patient)

    assert shows_dashboard_link(signed_in(patient))


def test_a_rejected_claim_alone_does_not_make_a_practitioner(patient):
    ProfileClaim.objects.create(
        practitioner=PractitionerFactory(), user=patient, status=ClaimStatus.REJECTED
    )

    assert not shows_dashboard_link(signed_in(patient))


def test_staff_without_a_profile_see_no_dashboard_link(verifier, moderator):
    assert not shows_dashboard_link(signed_in(verifier))
    assert not shows_dashboard_link(signed_in(moderator))


def test_a_visitor_who_followed_claim_this_profile_sees_the_dashboard_link(client):
    practitioner = PractitionerFactory()

    response = client.get(f"/dashboard/claim/{practitioner.slug}/")

    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next=/dashboard/claim/{practitioner.slug}/"
    assert shows_dashboard_link(client)


def test_the_claim_intent_survives_signing_in(client, patient):
    practitioner = PractitionerFactory()
    client.get(f"/dashboard/claim/{practitioner.slug}/")

    client.force_login(patient)

    assert shows_dashboard_link(client)
    assert client.get(f"/dashboard/claim/{practitioner.slug}/").status_code == 200


# -- Sign-up copy by intent --------------------------------------------------------------


def test_sign_up_from_claim_this_profile_speaks_of_claiming_and_verification(client):
    practitioner = PractitionerFactory()
    login = client.get(f"/dashboard/claim/{practitioner.slug}/", follow=True)
    assert "Create an account to claim your profile." in text(login)
    signup_link = re.search(r'<a href="(/accounts/signup/[^"]+)">', login.content.decode())[1]

    page = text(client.get(unescape(signup_link)))

    assert "Create an account to claim your practitioner profile." in page
    assert "our staff check every claim" in page
    assert "submit your license and sterilization attestation for verification" in page
    assert "review practitioners you were treated by" not in page


def test_sign_up_otherwise_speaks_of_reviews(client):
    page = text(client.get("/accounts/signup/"))
    from_a_review = text(client.get("/accounts/signup/?next=/practitioners/ann-lee/review/"))

    assert "An account lets you review practitioners you were treated by." in page
    assert "An account lets you review practitioners you were treated by." in from_a_review
    assert "claim" not in page.lower()
    assert "Create an account to write reviews." in text(client.get("/accounts/login/"))


@pytest.mark.parametrize(
    "next_url",
    [
        "https://elsewhere.example/dashboard/claim/ann-lee/",
        "//elsewhere.example/dashboard/claim/ann-lee/",
        "/dashboard/claim/",
        "/dashboard/claim/not a slug/",
        "/nowhere/dashboard/claim/ann-lee/",
        "",
        None,
    ],
)
def test_only_one_of_our_claim_pages_as_next_means_claiming(next_url):
    assert signup_intent(next_url) is REVIEW_INTENT


def test_a_claim_page_with_a_query_string_still_means_claiming():
    assert signup_intent("/dashboard/claim/ann-lee/?from=profile") is CLAIM_INTENT


def test_a_hostile_next_on_the_sign_up_page_gets_the_review_copy_and_no_error(client):
    response = client.get("/accounts/signup/?next=javascript:alert(1)//dashboard/claim/x/")

    assert response.status_code == 200
    assert "An account lets you review practitioners" in text(response)


# -- The claim line on a profile -----------------------------------------------------------


def verified_practitioner(**kwargs):
    practitioner = PractitionerFactory(**kwargs)
    AttestationFactory(practitioner=practitioner, verified=True)
    AttestationFactory(practitioner=practitioner, verified=True, sterilization=True)
    refresh_badge(practitioner.pk)
    return practitioner


def test_a_verified_unclaimed_profile_invites_a_claim_without_promising_verification(client):
    practitioner = verified_practitioner()

    page = text(client.get(practitioner.get_absolute_url()))

    assert "Is this you? Claim this profile to keep it up to date and respond to reviews." in page
    assert "get it verified" not in page


def test_an_unverified_unclaimed_profile_offers_verification_through_a_claim(client):
    practitioner = PractitionerFactory()

    page = text(client.get(practitioner.get_absolute_url()))

    assert "Is this you? Claim this profile to keep it up to date and get it verified." in page


def test_a_managed_profile_has_no_claim_line(client, practitioner_owner):
    practitioner = practitioner_owner.practitioner_profile

    page = text(client.get(practitioner.get_absolute_url()))

    assert "Claim this profile" not in page


# -- Plain words for the rating --------------------------------------------------------------


def reviewed_practitioner(count=5):
    practitioner = PractitionerFactory()
    for n in range(count):
        month = timezone.localdate().replace(day=1) - datetime.timedelta(days=31 * n + 1)
        ReviewFactory(
            practitioner=practitioner,
            published=True,
            rating=5,
            treatment_month=month.replace(day=1),
        )
    refresh_summary(practitioner.pk)
    return practitioner


def test_the_profile_says_rating_in_plain_words_and_explains_how_it_works(client):
    practitioner = reviewed_practitioner()

    response = client.get(practitioner.get_absolute_url())
    page = text(response)

    assert "Bayesian" not in page
    assert "Rating rated 4.5 out of 5" in page
    assert "How ratings work" in page
    assert "counts every practitioner as if they started with a few average reviews" in page
    assert 'href="/docs/product/#how-ratings-work"' in response.content.decode()


def test_the_search_links_to_how_ratings_work_and_the_docs_section_exists(client):
    reviewed_practitioner()

    search = client.get("/practitioners/")
    docs = client.get("/docs/product/")

    assert 'href="/docs/product/#how-ratings-work">How ratings work</a>' in (
        search.content.decode()
    )
    assert 'id="how-ratings-work"' in docs.content.decode()
    assert "five extra reviews of 4 stars" in text(docs)
