"""Forms of the moderation pages and of the report page."""

from django import forms
from django.core.exceptions import ValidationError

from reviews.models import ReportReason
from reviews.moderation import BULK_MAX, NOTE_MAX_LENGTH, Decision
from reviews.policy import PolicyReason

REASON_CHOICES = [("", "Choose a reason…"), *PolicyReason.choices]


class ReviewDecisionForm(forms.Form):
    """One form, one submit button per decision; refusals need a policy reason."""

    decision = forms.ChoiceField(
        choices=[
            (Decision.APPROVE, "Approve"),
            (Decision.REJECT, "Reject"),
            (Decision.REQUEST_CHANGES, "Request changes"),
            (Decision.UPHOLD, "Uphold the report"),
            (Decision.DISMISS, "Dismiss the report"),
        ],
        error_messages={"required": "Choose a decision.", "invalid_choice": "Choose a decision."},
    )
    reason = forms.ChoiceField(
        choices=REASON_CHOICES,
        required=False,
        label="Policy reason",
        help_text="Required to reject, request changes or uphold a report. The author is told.",
        error_messages={"invalid_choice": "Choose a reason from the moderation policy."},
    )
    note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=NOTE_MAX_LENGTH,
        label="Note (optional)",
        help_text="Sent to the author with a refusal, and kept in the record.",
    )

    NEEDS_REASON = frozenset({Decision.REJECT, Decision.REQUEST_CHANGES, Decision.UPHOLD})

    def clean(self):
        data = super().clean()
        if data.get("decision") in self.NEEDS_REASON and not data.get("reason"):
            self.add_error("reason", "Choose the reason from the moderation policy.")
        return data


class ResponseDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[(Decision.APPROVE, "Publish"), (Decision.REJECT, "Reject")],
        error_messages={"required": "Choose a decision.", "invalid_choice": "Choose a decision."},
    )
    reason = forms.ChoiceField(
        choices=REASON_CHOICES,
        required=False,
        label="Policy reason",
        error_messages={"invalid_choice": "Choose a reason from the moderation policy."},
    )
    note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        max_length=NOTE_MAX_LENGTH,
        label="Note (optional)",
    )

    def clean(self):
        data = super().clean()
        if data.get("decision") == Decision.REJECT and not data.get("reason"):
            self.add_error("reason", "Choose the reason from the moderation policy.")
        return data


class IdListField(forms.Field):
    """A list of review ids from repeated checkboxes; anything but whole numbers is refused.

    A checkbox's value is "<id>:<version>" (the version the queue showed) or a bare id.
    """

    widget = forms.MultipleHiddenInput

    def to_python(self, value):
        if not value:
            return []
        if not isinstance(value, list | tuple):
            value = [value]
        if len(value) > BULK_MAX:
            raise ValidationError(f"Approve at most {BULK_MAX} reviews at a time.")
        try:
            return [_id_and_version(str(item)) for item in value]
        except (TypeError, ValueError):
            raise ValidationError("The selection was not understood; reload the queue.") from None


def _id_and_version(item: str) -> tuple[int, int | None]:
    pk, _, version = item.partition(":")
    return int(pk), int(version) if version else None


class BulkApproveForm(forms.Form):
    review = IdListField(
        error_messages={"required": "Tick the reviews to approve first."},
    )

    def clean(self):
        data = super().clean()
        pairs = data.get("review") or []
        data["review"] = [pk for pk, _ in pairs]
        data["review_versions"] = {pk: v for pk, v in pairs if v is not None}
        return data


class ReportForm(forms.Form):
    reason = forms.ChoiceField(
        choices=ReportReason.choices,
        widget=forms.RadioSelect,
        label="Why does this review break the policy?",
        error_messages={"required": "Choose a reason.", "invalid_choice": "Choose a reason."},
    )
    note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        max_length=NOTE_MAX_LENGTH,
        label="Anything the moderator should know (optional)",
        help_text="Only moderators read this.",
    )


class AlertResolveForm(forms.Form):
    note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=NOTE_MAX_LENGTH,
        label="What was done",
        error_messages={"required": "Say what was done about this alert."},
    )
