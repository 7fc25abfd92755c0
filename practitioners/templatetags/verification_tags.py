"""Template filters for the verification timeline and evidence lists."""

from django import template

from kernel.models import AuditEntry

register = template.Library()

ACTION_LABELS = {
    "attestation.submitted": "Submitted",
    "attestation.verified": "Verified",
    "attestation.rejected": "Rejected",
    "attestation.revoked": "Verification revoked",
    "attestation.expired": "Expired",
    "attestation.superseded": "Replaced by a renewal",
    "attestation.admin_added": "Added by staff",
    "attestation.admin_changed": "Details changed by staff",
    "attestation.evidence_added": "Evidence files added",
    "attestation.admin_deleted": "Deleted by staff",
    "attestation.registry_updated": "Updated from the licence registry",
    "attestation.expiry_warning_sent": "Expiry reminder e-mailed",
    "evidence.unreadable": "A file could not be read",
    "claim.submitted": "Claim submitted",
    "claim.approved": "Claim approved",
    "claim.rejected": "Claim rejected",
}


@register.filter
def action_label(entry: AuditEntry) -> str:
    return ACTION_LABELS.get(entry.action, entry.action)


@register.simple_tag
def who_for_owner(entry: AuditEntry, user) -> str:
    """Who acted, as the practitioner sees it: staff stay anonymous to them."""
    if entry.actor_id and entry.actor_id == getattr(user, "pk", None):
        return "You"
    if entry.actor_id:
        return "Staff"
    return entry.actor_label or "System"


@register.filter
def is_image(content_type: str) -> bool:
    return content_type.startswith("image/")
