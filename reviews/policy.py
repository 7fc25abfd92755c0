"""The published moderation policy: the only reasons a review or response may be refused.

Moderation is content-neutral: a review is never removed because it is negative or because
the practitioner asks. Every rejection, change request or hidden review cites one of these
codes, and the author is told which.
"""

from django.db import models


# An enumeration like the models' choices; alike in form only.
class PolicyReason(models.TextChoices):
    PERSONAL_DATA = "personal_data", "Personal or identifying information"
    CONTACT_OR_ADVERTISING = "contact_or_advertising", "Contact details, links or advertising"
    OFFENSIVE = "offensive", "Abusive, hateful or threatening language"
    NOT_FIRSTHAND = "not_firsthand", "Not a first-hand patient experience"
    CONFLICT_OF_INTEREST = "conflict_of_interest", "Conflict of interest"
    DUPLICATE = "duplicate", "Duplicate of another review"
    FAKE = "fake", "Fake or incentivised review"
    OFF_TOPIC = "off_topic", "Not about the treatment or the practitioner"
    MEDICAL_MISINFORMATION = "medical_misinformation", "Dangerous medical advice"


DESCRIPTIONS = {
    PolicyReason.PERSONAL_DATA: (
        "Names, phone numbers, addresses, dates of birth or other details that identify a "
        "patient, a staff member or anyone else."
    ),
    PolicyReason.CONTACT_OR_ADVERTISING: (
        "Phone numbers, e-mail addresses, web links, or promotion of a product or business."
    ),
    PolicyReason.OFFENSIVE: (
        "Insults, slurs, threats or harassment. Strong criticism of the treatment is allowed."
    ),
    PolicyReason.NOT_FIRSTHAND: (
        "Reviews must describe a treatment the author had. Second-hand stories are not accepted."
    ),
    PolicyReason.CONFLICT_OF_INTEREST: (
        "Reviews by the practitioner, their staff, family, or competitors."
    ),
    PolicyReason.DUPLICATE: "The same experience posted more than once, or copied text.",
    PolicyReason.FAKE: "Invented experiences, or reviews written for payment or discounts.",
    PolicyReason.OFF_TOPIC: "Not about the treatment, its results or the care received.",
    PolicyReason.MEDICAL_MISINFORMATION: (
        "Advice that could put another patient at risk, such as treating an infection at home "
        "instead of seeing a doctor."
    ),
}

# Recorded when a moderator approves: "meets the policy".
APPROVAL_REASON = "meets_policy"


def policy_reasons() -> list[tuple[str, str, str]]:
    """(code, title, description) for every reason, in the order the policy page lists them."""
    return [(reason.value, reason.label, DESCRIPTIONS[reason]) for reason in PolicyReason]


def reason_label(code: str) -> str:
    """The human title of a policy reason code, as the author is told it; unknown codes as given."""
    if code == APPROVAL_REASON:
        return "Meets the moderation policy"
    try:
        return PolicyReason(code).label
    except ValueError:
        return code
