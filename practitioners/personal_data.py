"""What the practitioners domain holds about an account, for ``accounts.privacy``.

A member who claimed a profile: the claims they made, and the profiles they own.
``PractitionersConfig.ready()`` registers the holder.
"""

from typing import Any

from accounts.privacy import PersonalDataHolder, export_fields
from kernel.models import User
from practitioners.models import Practitioner, ProfileClaim


class ProfileClaims(PersonalDataHolder):
    """The profile claims a member made, and the profiles that are theirs."""

    name = "practitioners.claims"

    def export(self, user: User) -> dict[str, Any]:
        claims = ProfileClaim.objects.filter(user=user).select_related("practitioner")
        return {
            "profile_claims": [
                {
                    "practitioner": claim.practitioner.full_name,
                    **export_fields(claim, ("status", "message", "created_at", "decided_at")),
                }
                for claim in claims
            ]
        }

    def erase(self, user: User) -> None:
        """Erase what the claims said; the profiles stay, owned by no one."""
        ProfileClaim.objects.filter(user=user).update(message="")
        Practitioner.objects.filter(owner=user).update(owner=None)
