"""Who sees what in the navigation and the sign-up copy: one named function per rule.

Patients read and write reviews; practitioners (or visitors on their way to claiming a
profile) manage one. The pages ask these functions instead of deciding themselves.
"""

from dataclasses import dataclass
from functools import cache

from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef
from django.http import HttpRequest
from django.urls import Resolver404, resolve
from django.utils.translation import gettext_lazy as _

from directory.accounts import safe_next

# Set by the "Claim this profile" link's page: this visitor came to manage a profile.
CLAIM_INTENT_KEY = "claim_intent"


def note_claim_intent(request: HttpRequest) -> None:
    """Remember, for this visit, that the visitor followed a "Claim this profile" link."""
    if not request.session.get(CLAIM_INTENT_KEY):
        request.session[CLAIM_INTENT_KEY] = True


def shows_practitioner_dashboard(request: HttpRequest) -> bool:
    """Whether the navigation offers the "Practitioner dashboard" link.

    To practitioners — a signed-in user who manages a profile or has a claim waiting for
    staff — and to visitors who came to claim a profile this visit. Patients, staff
    without a profile and other visitors have nothing there, so they don't see it.
    """
    session = getattr(request, "session", None)
    if session is not None and session.get(CLAIM_INTENT_KEY):
        return True
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return False
    from practitioners.models import ClaimStatus, Practitioner, ProfileClaim

    # One query on every signed-in page that shows the navigation.
    manages = Exists(Practitioner.objects.filter(owner=OuterRef("pk")))
    claims = Exists(ProfileClaim.objects.filter(user=OuterRef("pk"), status=ClaimStatus.PENDING))
    return get_user_model().objects.filter(pk=user.pk).filter(manages | claims).exists()


@dataclass(frozen=True)
class SignupIntent:
    """Why a visitor is creating an account, and the words the sign-up page uses for it."""

    code: str
    lede: str
    sign_in_prompt: str


REVIEW_INTENT = SignupIntent(
    code="review",
    lede=_(
        "An account lets you review practitioners you were treated by. Reviews show only "
        "your display name; your e-mail address is never shown to anyone."
    ),
    sign_in_prompt=_("to write reviews"),
)
CLAIM_INTENT = SignupIntent(
    code="claim",
    lede=_(
        "Create an account to claim your practitioner profile. After you confirm your "
        "e-mail address, you tell us why the profile is yours; our staff check every "
        "claim, and once it is approved you can submit your license and sterilization "
        "attestation for verification. Your e-mail address is never shown to anyone."
    ),
    sign_in_prompt=_("to claim your profile"),
)


def signup_intent(next_url: str | None) -> SignupIntent:
    """Claiming a profile when ``next`` (checked to be a path here) is a claim page; else reviews.

    The intent travels in the ``next`` parameter that the claim page's sign-in link carries;
    anything that is not one of our claim pages means the usual, review-writing account.
    """
    path = safe_next(next_url).partition("?")[0]
    if not path:
        return REVIEW_INTENT
    try:
        match = resolve(path)
    except Resolver404:
        return REVIEW_INTENT
    return CLAIM_INTENT if match.view_name == "dashboard:claim" else REVIEW_INTENT


def navigation(request: HttpRequest) -> dict:
    """Template context: the rules above, asked only by the pages that show them."""

    @cache
    def show_dashboard_link() -> bool:
        return shows_practitioner_dashboard(request)

    return {"show_dashboard_link": show_dashboard_link}


def claim_invitation(practitioner, badge) -> str:
    """What the profile's "Claim this profile" line promises; "" once someone manages it.

    Only an unverified profile is offered verification: a verified one already has the
    badge, so the claim is about keeping it current and answering reviews.
    """
    if practitioner.owner_id:
        return ""
    if badge.verified:
        return _("to keep it up to date and respond to reviews")
    return _("to keep it up to date and get it verified")
