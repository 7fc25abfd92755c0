"""Why a visitor is signing up or in: one named function per rule.

Patients read and write reviews; visitors on their way to claiming a profile manage
one. The sign-up and sign-in pages ask these functions instead of deciding themselves.
"""

from dataclasses import dataclass

from django.http import HttpRequest
from django.urls import Resolver404, resolve
from django.utils.translation import gettext_lazy as _

from accounts.services import safe_next

# Set by the "Claim this profile" link's page: this visitor came to manage a profile.
CLAIM_INTENT_KEY = "claim_intent"


def note_claim_intent(request: HttpRequest) -> None:
    """Remember, for this visit, that the visitor followed a "Claim this profile" link."""
    if not request.session.get(CLAIM_INTENT_KEY):
        request.session[CLAIM_INTENT_KEY] = True


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
