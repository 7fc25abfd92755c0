"""Forms of the moderation pages and of the report page."""

from django import forms
from django.core.exceptions import ValidationError

from reviews.models import ReportReason
from reviews.moderation import BULK_MAX, NOTE_MAX_LENGTH, Decision
from reviews.policy import PolicyReason

REASON_CHOICES = [("", "Choose a reason…"), *PolicyReason.choices]


def _decision_field(choices: list[tuple[str, str]]) -> forms.ChoiceField:
    return forms.ChoiceField(
        choices=choices,
        error_messages={"required": "Choose a decision.", "invalid_choice": "Choose a decision."},
    )


def _reason_field(help_text: str = "") -> forms.ChoiceField:
    return forms.ChoiceField(
        choices=REASON_CHOICES,
        required=False,
        label="Policy reason",
        help_text=help_text,
        error_messages={"invalid_choice": "Choose a reason from the moderation policy."},
    )


def _note_field(rows: int, help_text: str = "") -> forms.CharField:
    return forms.CharField(
        widget=forms.Textarea(attrs={"rows": rows}),
        required=False,
        max_length=NOTE_MAX_LENGTH,
        label="Note (optional)",
        help_text=help_text,
    )


class RulingForm(forms.Form):
    """A decision with a policy reason and a note; the decisions in ``NEEDS_REASON`` need one."""

    NEEDS_REASON: frozenset[str] = frozenset()

    def clean(self):
        data = super().clean()
        if data.get("decision") in self.NEEDS_REASON and not data.get("reason"):
            self.add_error("reason", "Choose the reason from the moderation policy.")
        return data


class ReviewDecisionForm(RulingForm):
    """One form, one submit button per decision; refusals need a policy reason."""

    decision = _decision_field(
        [
            (Decision.APPROVE, "Approve"),
            (Decision.REJECT, "Reject"),
            (Decision.REQUEST_CHANGES, "Request changes"),
            (Decision.UPHOLD, "Uphold the report"),
            (Decision.DISMISS, "Dismiss the report"),
        ]
    )
    reason = _reason_field(
        "Required to reject, request changes or uphold a report. The author is told."
    )
    note = _note_field(3, "Sent to the author with a refusal, and kept in the record.")

    NEEDS_REASON = frozenset({Decision.REJECT, Decision.REQUEST_CHANGES, Decision.UPHOLD})


class ResponseDecisionForm(RulingForm):
    decision = _decision_field([(Decision.APPROVE, "Publish"), (Decision.REJECT, "Reject")])
    reason = _reason_field()
    note = _note_field(2)

    NEEDS_REASON = frozenset({Decision.REJECT})


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
