"""Forms for the practitioner dashboard and the staff verification queue.

Forms check input and turn it into what the services take; the services decide.
Evidence files are judged by their content (``practitioners.evidence.check_upload``).
"""

from datetime import date

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext

from practitioners.credentials import credential_kind
from practitioners.evidence import MAX_FILES_PER_SUBMISSION, CheckedUpload, check_upload, max_bytes
from practitioners.models import AttestationKind, AttestationStatus, SterilizationItem, valid_on
from practitioners.npi import validate_npi


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class EvidenceField(forms.FileField):
    """One or more PDF, JPEG or PNG files, each checked by content and size."""

    widget = MultipleFileInput

    def __init__(self, **kwargs):
        kwargs.setdefault("label", "Evidence files")
        kwargs.setdefault(
            "help_text",
            "A scan or photo of the document: PDF, JPEG or PNG, up to "
            f"{max_bytes() // (1024 * 1024)} MB each, at most {MAX_FILES_PER_SUBMISSION} files.",
        )
        super().__init__(**kwargs)
        self.widget.attrs.setdefault("accept", ".pdf,.jpg,.jpeg,.png")

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else ([data] if data else [])
        files = [f for f in files if f]
        if not files:
            if self.required:
                raise ValidationError("Attach at least one evidence file.", code="required")
            return []
        if len(files) > MAX_FILES_PER_SUBMISSION:
            raise ValidationError(f"Attach at most {MAX_FILES_PER_SUBMISSION} files.")
        errors: list[ValidationError] = []
        checked: list[CheckedUpload] = []
        for upload in files:
            try:
                checked.append(check_upload(upload))
            except ValidationError as error:
                errors.append(error)
        if errors:
            raise ValidationError(errors)
        return checked


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class Form(forms.Form):
    """Our forms: labels without Django's trailing colon."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


def _not_in_future(value: date | None) -> None:
    if value and value > timezone.localdate():
        raise ValidationError("This date is in the future.")


class ClaimForm(Form):
    message = forms.CharField(
        label="How can we confirm this profile is yours?",
        help_text=(
            "For example your work e-mail at the clinic, or your licence number. "
            "Staff read this; it is never shown publicly."
        ),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
        required=False,
    )


class AddEvidenceForm(Form):
    """More evidence for an attestation that awaits review."""

    evidence = EvidenceField(label="Add evidence files")


class NpiForm(Form):
    npi = forms.CharField(
        label="NPI (US National Provider Identifier)",
        help_text="10 digits. Leave empty to remove it.",
        max_length=10,
        required=False,
        validators=[validate_npi],
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )

    def clean_npi(self) -> str:
        return self.cleaned_data["npi"].strip()


class CredentialForm(Form):
    """A licence or another credential, with its evidence."""

    # The sterilization checklist has its own form.
    KINDS = [
        (kind.value, kind.label) for kind in AttestationKind if not credential_kind(kind).checklist
    ]

    kind = forms.ChoiceField(label="What is it?", choices=KINDS, initial=AttestationKind.LICENSE)
    number = forms.CharField(
        label="Number", max_length=64, required=False, help_text="Required for a licence."
    )
    issuing_authority = forms.CharField(
        label="Issued by",
        max_length=120,
        help_text="The board, jurisdiction or organisation, e.g. “Texas Board of Nursing”.",
    )
    license_type = forms.CharField(
        label="Licence type", max_length=80, required=False, help_text="E.g. Registered Nurse."
    )
    issued_on = forms.DateField(
        label="Issued on", required=False, widget=DateInput(), validators=[_not_in_future]
    )
    expires_on = forms.DateField(label="Expires on", required=False, widget=DateInput())
    evidence = EvidenceField()

    def clean_expires_on(self) -> date | None:
        value = self.cleaned_data.get("expires_on")
        if not valid_on(value, timezone.localdate()):
            raise ValidationError(
                gettext("This expired on %(date)s; submit a current one.")
                % {"date": date_format(value)}
            )
        return value

    def clean(self):
        cleaned = super().clean()
        kind = credential_kind(cleaned["kind"]) if cleaned.get("kind") else None
        if kind is not None and kind.on_register and not (cleaned.get("number") or "").strip():
            self.add_error("number", "A licence needs its number.")
        if (
            kind is not None
            and kind.needs_expiry_date
            and not cleaned.get("expires_on")
            and "expires_on" not in self.errors
        ):
            self.add_error("expires_on", "A licence needs its expiry date.")
        issued, expires = cleaned.get("issued_on"), cleaned.get("expires_on")
        if issued and expires and expires < issued:
            self.add_error("expires_on", "The expiry date cannot be before the issue date.")
        return cleaned


class SterilizationForm(Form):
    """Each sterilization item answered yes or no, the last spore-test pass, and evidence."""

    ANSWERS = [("yes", "Yes"), ("no", "No")]

    last_spore_test_on = forms.DateField(
        label="Date of your last passed spore (biological indicator) test",
        widget=DateInput(),
        validators=[_not_in_future],
    )
    evidence = EvidenceField(
        help_text=(
            "For example the spore-test report, autoclave log and cartridge invoices: PDF, "
            f"JPEG or PNG, up to {max_bytes() // (1024 * 1024)} MB each."
        )
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        items = {}
        for item in SterilizationItem:
            items[f"item_{item.value}"] = forms.ChoiceField(
                label=f"Do you follow this? {item.label}",
                choices=self.ANSWERS,
                widget=forms.RadioSelect,
                error_messages={"required": "Answer this item yes or no."},
            )
            items[f"detail_{item.value}"] = forms.CharField(
                label=f"Details: {item.label} (optional)",
                max_length=500,
                required=False,
            )
        # Items first, in the order of the attestation, then the date and the evidence.
        self.fields = {**items, **self.fields}

    def item_fields(self):
        for item in SterilizationItem:
            yield self[f"item_{item.value}"], self[f"detail_{item.value}"]

    def answers(self) -> dict[str, tuple[bool, str]]:
        return {
            item.value: (
                self.cleaned_data[f"item_{item.value}"] == "yes",
                self.cleaned_data.get(f"detail_{item.value}", ""),
            )
            for item in SterilizationItem
        }


class VerifyForm(Form):
    expires_on = forms.DateField(
        label="Valid until",
        required=False,
        widget=DateInput(),
        help_text=(
            "Leave empty to use the licence's own expiry date, or 12 months from today for a "
            "sterilization attestation."
        ),
    )
    note = forms.CharField(
        label="Note for the record (optional)",
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def clean_expires_on(self) -> date | None:
        value = self.cleaned_data.get("expires_on")
        if not valid_on(value, timezone.localdate()):
            raise ValidationError("The validity cannot end in the past.")
        return value


class ReasonForm(Form):
    reason = forms.CharField(
        label="Reason (sent to the practitioner)",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Give a reason: the practitioner is told why."},
    )

    def clean_reason(self) -> str:
        value = self.cleaned_data["reason"].strip()
        if not value:
            raise ValidationError("Give a reason: the practitioner is told why.")
        return value


class QueueFilterForm(Form):
    """The verification queue's filters: status, kind, how long it has waited, and text.

    Every field is optional and a bad value is an error shown beside the form, never a
    server error; the queue then shows its default view.
    """

    STATUSES = {
        AttestationStatus.PENDING: "Awaiting review",
        AttestationStatus.VERIFIED: "Verified (soonest to expire first)",
        AttestationStatus.REJECTED: "Rejected",
        AttestationStatus.EXPIRED: "Expired",
        AttestationStatus.REVOKED: "Revoked",
    }
    AGES = {
        "": "Any time",
        "1": "More than a day ago",
        "7": "More than a week ago",
        "30": "More than 30 days ago",
    }
    ORDERS = {"oldest": "Oldest first", "newest": "Newest first"}

    status = forms.ChoiceField(choices=list(STATUSES.items()), required=False, label="Show")
    kind = forms.ChoiceField(
        choices=[("", "All kinds"), *AttestationKind.choices], required=False, label="Kind"
    )
    age = forms.ChoiceField(choices=list(AGES.items()), required=False, label="Submitted")
    q = forms.CharField(
        max_length=100,
        required=False,
        label="Name or number",
        help_text="A practitioner's or clinic's name, or part of a licence or credential number.",
    )
    order = forms.ChoiceField(choices=list(ORDERS.items()), required=False, label="Order")

    def filters(self) -> dict:
        """The cleaned filters for ``verification_queue`` (defaults if the form is invalid)."""
        data = self.cleaned_data if self.is_valid() else {}
        return {
            "status": data.get("status") or AttestationStatus.PENDING,
            "kind": data.get("kind") or "",
            "min_age_days": int(data["age"]) if data.get("age") else 0,
            "text": data.get("q") or "",
            "newest_first": data.get("order") == "newest",
        }
