"""Who may moderate: one predicate shared by the queue, its decisions and safety alerts.

It lives apart from ``reviews.moderation`` because the review services (through
``reviews.alerts``) need it too and ``reviews.moderation`` imports those services.
"""

from kernel.models import User

MODERATE_PERMISSION = "reviews.moderate_review"


def can_moderate(user: User | None) -> bool:
    """An active, signed-in user holding the moderation permission."""
    return bool(
        user and user.is_authenticated and user.is_active and user.has_perm(MODERATE_PERMISSION)
    )
