"""What a verifier reads of an attestation or a claim, compared between versions
(``kernel.versions``), and the audit record's spelling of a value."""

from datetime import date

from django.utils.text import capfirst

from practitioners.models import Attestation, ProfileClaim

ATTESTATION_CONTENT_FIELDS = (
    "number",
    "issuing_authority",
    "license_type",
    "issued_on",
    "expires_on",
    "standing",
    "last_spore_test_on",
)


def jsonable(value):
    return value.isoformat() if isinstance(value, date) else value


def field_label(name: str) -> str:
    return capfirst(str(Attestation._meta.get_field(name).verbose_name))


def attestation_content(attestation: Attestation) -> dict:
    data = {name: jsonable(getattr(attestation, name)) for name in ATTESTATION_CONTENT_FIELDS}
    data["evidence"] = "; ".join(
        f"{e.original_name} ({e.sha256[:12]})" for e in attestation.evidence.order_by("pk")
    )
    return data


def attestation_labels() -> dict[str, str]:
    return {name: field_label(name) for name in ATTESTATION_CONTENT_FIELDS} | {
        "evidence": "Evidence files"
    }


CLAIM_LABELS = {"message": "Message to staff"}


def claim_content(claim: ProfileClaim) -> dict:
    return {"message": claim.message}
