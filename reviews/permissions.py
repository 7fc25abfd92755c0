"""Who may moderate, and who may decide on a given review: one predicate each.

The queue, its decisions, bulk approval and safety alerts all ask these. They live apart
from ``reviews.moderation`` because the review services (through ``reviews.alerts``) need
them too and ``reviews.moderation`` imports those services.
"""

from django.db import models

from kernel.errors import NotPermitted
from kernel.models import User
from practitioners.conflicts import Ties, has_conflict_of_interest, require_no_conflict

MODERATE_PERMISSION = "reviews.moderate_review"


def can_moderate(user: User | None) -> bool:
    """An active, signed-in user holding the moderation permission."""
    return bool(
        user and user.is_authenticated and user.is_active and user.has_perm(MODERATE_PERMISSION)
    )


def may_decide_on(user: User | None, subject: models.Model, ties: Ties | None = None) -> bool:
    """Who may publish a review (or a practitioner's response) — or reject, hide or send it
    back: a moderator with no conflict of interest in it (``practitioners.conflicts``).

    Whether the item may move at all (still pending, not claimed by someone else, the
    version the moderator read) is the workflow's question, not this one.
    """
    return can_moderate(user) and not has_conflict_of_interest(user, subject, ties)


def require_may_decide_on(user: User | None, subject: models.Model) -> None:
    """Refuse, with the reason in words, a decision ``may_decide_on`` does not allow."""
    if not can_moderate(user):
        raise NotPermitted("Only moderators can do this.")
    require_no_conflict(user, subject)
