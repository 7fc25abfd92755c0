"""Who sees the practitioner's side of the site, and what a profile offers to claim.

The navigation and the profile ask these functions instead of deciding themselves.
"""

from functools import cache

from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from accounts.roles import CLAIM_INTENT_KEY
from practitioners.models import ClaimStatus, Practitioner, ProfileClaim


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
    # One query on every signed-in page that shows the navigation.
    manages = Exists(Practitioner.objects.filter(owner=OuterRef("pk")))
    claims = Exists(ProfileClaim.objects.filter(user=OuterRef("pk"), status=ClaimStatus.PENDING))
    return get_user_model().objects.filter(pk=user.pk).filter(manages | claims).exists()


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
