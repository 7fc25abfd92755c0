"""Forms for writing a review, its complications, invitations and practitioner responses.

They check what a person can fix on the page (messages next to the field); the services
enforce the same business rules again for every other caller.
"""

import re
from datetime import date
from decimal import Decimal

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.forms import formset_factory
from django.forms.formsets import INITIAL_FORM_COUNT, TOTAL_FORM_COUNT
from django.utils import timezone

from reviews.models import (
    ComplicationType,
    Outcome,
    Severity,
    SkinType,
    TreatmentNeeded,
    WorthIt,
    YesNoUnknown,
)
from reviews.services import (
    BODY_MAX_LENGTH,
    BODY_MIN_LENGTH,
    COMPLICATION_FIELDS,
    RESPONSE_MAX_LENGTH,
    RESPONSE_MIN_LENGTH,
    REVIEW_FIELDS,
    TITLE_MIN_LENGTH,
    treatment_date_problem,
)

RATING_CHOICES = [
    ("5", "5 - excellent"),
    ("4", "4 - good"),
    ("3", "3 - average"),
    ("2", "2 - poor"),
    ("1", "1 - very poor"),
]

# What each Fitzpatrick type means, in words a patient recognises.
SKIN_TYPE_DESCRIPTIONS = {
    SkinType.I: "very fair; always burns, never tans",
    SkinType.II: "fair; usually burns, tans with difficulty",
    SkinType.III: "light to medium; sometimes burns, tans gradually",
    SkinType.IV: "olive or light brown; rarely burns, tans easily",
    SkinType.V: "brown; very rarely burns, tans very easily",
    SkinType.VI: "dark brown to black; never burns",
}
SKIN_TYPE_CHOICES = [
    ("", "Prefer not to say"),
    *[(value, f"{label} — {SKIN_TYPE_DESCRIPTIONS[value]}") for value, label in SkinType.choices],
]

MONTH_RE = re.compile(r"^\s*(?:(\d{4})[-/.](\d{1,2})|(\d{1,2})[-/.](\d{4}))\s*$")


def parse_month(value: str) -> date | None:
    """'2026-03' (what <input type=month> sends), '2026/3' or '03/2026' → 1 March 2026."""
    match = MONTH_RE.match(value or "")
    if not match:
        return None
    year, month = (match[1], match[2]) if match[1] else (match[4], match[3])
    try:
        return date(int(year), int(month), 1)
    except ValueError:
        return None


class MonthInput(forms.TextInput):
    input_type = "month"

    def format_value(self, value):
        if isinstance(value, date):
            return f"{value:%Y-%m}"
        return super().format_value(value)


class MonthField(forms.Field):
    """A calendar month; browsers without a month picker show a text box taking YYYY-MM."""

    widget = MonthInput
    default_error_messages = {
        "invalid": "Enter the month as year and month, for example 2026-03.",
    }

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, date):
            return value.replace(day=1)
        parsed = parse_month(str(value))
        if parsed is None:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return parsed

    def validate(self, value):
        super().validate(value)
        if value is not None and (problem := treatment_date_problem(value)):
            raise forms.ValidationError(problem, code="out_of_range")

    def widget_attrs(self, widget):
        attrs = super().widget_attrs(widget)
        attrs.update(
            {
                "max": f"{timezone.localdate():%Y-%m}",
                "placeholder": "YYYY-MM",
                "pattern": r"[0-9]{4}-[0-9]{2}",
            }
        )
        return attrs


def rating_field(label: str, help_text: str = "") -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=label,
        choices=RATING_CHOICES,
        coerce=int,
        widget=forms.RadioSelect(attrs={"class": "rating-option"}),
        help_text=help_text,
        error_messages={"required": f"Choose a rating for “{label.lower()}”."},
    )


class ReviewForm(forms.Form):
    """Everything about one treatment except its complications (a formset of its own)."""

    procedure = forms.ModelChoiceField(
        queryset=None,
        empty_label="Choose the treatment",
        error_messages={"required": "Choose which treatment you had."},
    )
    treatment_month = MonthField(
        label="Month of treatment",
        help_text="The month of your (last) session, for example 2026-03.",
        error_messages={"required": "Enter the month of your treatment."},
    )
    sessions = forms.IntegerField(
        label="Number of sessions",
        min_value=1,
        max_value=50,
        initial=1,
        error_messages={
            "required": "Enter how many sessions you had.",
            "min_value": "Enter at least 1 session.",
            "max_value": "Enter at most 50 sessions.",
        },
    )
    rating = rating_field("Overall rating")
    rating_results = rating_field("Results", "How the treatment met what you were told.")
    rating_hygiene = rating_field(
        "Hygiene", "Clean room, new sealed needle cartridge, gloves, skin cleansing."
    )
    rating_communication = rating_field(
        "Communication", "Risks, aftercare and costs explained before the treatment."
    )
    rating_aftercare = rating_field("Aftercare", "Follow-up and help when you had questions.")
    worth_it = forms.ChoiceField(
        label="Was it worth it?",
        choices=WorthIt.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Say whether the treatment was worth it to you."},
    )
    title = forms.CharField(
        label="Title",
        min_length=TITLE_MIN_LENGTH,
        max_length=120,
        help_text="Sum up your experience in a few words.",
        error_messages={"required": "Give your review a title."},
    )
    body = forms.CharField(
        label="Your review",
        min_length=BODY_MIN_LENGTH,
        max_length=BODY_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text=(
            f"Plain text, {BODY_MIN_LENGTH} to {BODY_MAX_LENGTH} characters. Describe what "
            "happened before, during and after. Do not include names, phone numbers or links."
        ),
        error_messages={
            "required": "Write your review.",
            "min_length": (
                f"Write at least {BODY_MIN_LENGTH} characters so other patients learn "
                "something (you wrote %(show_value)d)."
            ),
            "max_length": (
                f"Keep your review under {BODY_MAX_LENGTH} characters (you wrote %(show_value)d)."
            ),
        },
    )
    skin_type = forms.ChoiceField(
        label="Your skin type (Fitzpatrick scale)",
        choices=SKIN_TYPE_CHOICES,
        required=False,
        widget=forms.RadioSelect,
        help_text=(
            "Optional. Some complications, such as hyperpigmentation, are more frequent on "
            "types IV to VI, so this helps patients with skin like yours."
        ),
    )
    patch_test = forms.ChoiceField(
        label="Was a patch test done before the treatment?",
        choices=YesNoUnknown.choices,
        initial=YesNoUnknown.UNKNOWN,
        widget=forms.RadioSelect,
    )
    numbing = forms.ChoiceField(
        label="Was a numbing cream used?",
        choices=YesNoUnknown.choices,
        initial=YesNoUnknown.UNKNOWN,
        widget=forms.RadioSelect,
    )
    needle_depth_mm = forms.DecimalField(
        label="Needle depth in millimetres, if you know it",
        required=False,
        max_digits=3,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.1")), MaxValueValidator(Decimal(3))],
        widget=forms.NumberInput(attrs={"step": "0.05", "min": "0.1", "max": "3"}),
        help_text="Optional, between 0.1 and 3 mm. Leave empty if you were not told.",
        error_messages={
            "min_value": "Needle depth is at least 0.1 mm.",
            "max_value": "Needle depth is at most 3 mm.",
        },
    )

    def __init__(self, *args, procedures, locked: bool = False, **kwargs):
        """``procedures`` limits the choice to the practitioner's; ``locked`` fixes the
        procedure and month (a review through an invitation keeps what it vouched for)."""
        super().__init__(*args, **kwargs)
        self.fields["procedure"].queryset = procedures
        if locked:
            for name in ("procedure", "treatment_month"):
                self.fields[name].disabled = True
                self.fields[name].help_text = "Confirmed by the practitioner's invitation."

    def review_fields(self) -> dict:
        """The cleaned values the services take, without the procedure."""
        return {name: self.cleaned_data[name] for name in REVIEW_FIELDS}


def _optional_choice(label: str, choices: list[tuple[str, str]]) -> forms.ChoiceField:
    return forms.ChoiceField(label=label, choices=[("", "Choose…"), *choices], required=False)


class ComplicationForm(forms.Form):
    """One patient-reported complication. A row left completely empty is ignored."""

    type = _optional_choice("Complication", ComplicationType.choices)
    severity = _optional_choice("Severity", Severity.choices)
    onset_days = forms.IntegerField(
        label="Started (days after treatment)",
        min_value=0,
        max_value=365,
        required=False,
        help_text="0 for the same day.",
        error_messages={
            "min_value": "Enter 0 or more days.",
            "max_value": "Enter at most 365 days.",
        },
    )
    treatment_needed = _optional_choice("Treatment needed", TreatmentNeeded.choices)
    outcome = _optional_choice("Outcome", Outcome.choices)

    MISSING = {
        "type": "Choose which complication this was.",
        "severity": (
            "Choose how severe it was: a complication without a severity cannot be counted."
        ),
        "onset_days": "Enter how many days after the treatment it started (0 for the same day).",
        "treatment_needed": "Choose what treatment it needed (“None” if it needed none).",
        "outcome": "Choose whether it has resolved or is ongoing.",
    }

    def is_blank(self) -> bool:
        data = getattr(self, "cleaned_data", {})
        return all(data.get(name) in (None, "") for name in COMPLICATION_FIELDS)

    def clean(self):
        data = super().clean()
        if self.is_blank():
            return data
        for name, message in self.MISSING.items():
            if data.get(name) in (None, "") and name not in self.errors:
                self.add_error(name, message)
        return data


ROW_COUNT_TAMPERED = (
    "The complications section arrived with a wrong row count, so some rows may be missing. "
    "Nothing was saved: check your complications and send the form again."
)


class BaseComplicationFormSet(forms.BaseFormSet):
    def clean(self):
        # Django builds max(0, TOTAL_FORMS) rows and ignores every row numbered beyond it,
        # so a forged count would silently drop what the patient reported.
        if not self._row_count_matches_rows_sent():
            raise forms.ValidationError(ROW_COUNT_TAMPERED, code="row_count")
        if any(self.errors):
            return
        seen: dict[str, int] = {}
        for number, form in enumerate(self.forms, start=1):
            if form.is_blank():
                continue
            kind = form.cleaned_data["type"]
            if kind in seen:
                label = ComplicationType(kind).label.lower()
                form.add_error(
                    "type",
                    f"You already reported {label} in complication {seen[kind]}; "
                    "describe each complication once.",
                )
            else:
                seen[kind] = number
        if any(self.errors):
            raise forms.ValidationError("Some complications need a correction (see below).")

    def _row_count_matches_rows_sent(self) -> bool:
        """Whether the management form's counts are sane and cover every row sent."""
        counts = self.management_form.cleaned_data
        total, initial = counts.get(TOTAL_FORM_COUNT), counts.get(INITIAL_FORM_COUNT)
        if total is None or initial is None or total < 0 or not 0 <= initial <= total:
            return False
        fields = "|".join(COMPLICATION_FIELDS)
        row_field = re.compile(rf"^{re.escape(self.prefix)}-(\d+)-({fields})$")
        for name, value in self.data.items():
            match = row_field.match(name)
            if match and int(match.group(1)) >= total and str(value).strip():
                return False
        return True

    def complications(self) -> list[dict]:
        """The filled-in rows, as the services take them."""
        return [
            {name: form.cleaned_data[name] for name in COMPLICATION_FIELDS}
            for form in self.forms
            if not form.is_blank()
        ]


COMPLICATION_PREFIX = "complications"
MAX_COMPLICATIONS = len(ComplicationType.values)
EMPTY_COMPLICATION_ROWS = 2

ComplicationFormSet = formset_factory(
    ComplicationForm,
    formset=BaseComplicationFormSet,
    extra=EMPTY_COMPLICATION_ROWS,
    max_num=MAX_COMPLICATIONS,
    absolute_max=MAX_COMPLICATIONS,
    validate_max=True,
)


def posted_rows(data, prefix: str = COMPLICATION_PREFIX) -> list[dict]:
    """The complication rows a browser sent, as initial data for a re-rendered form."""
    try:
        total = int(data.get(f"{prefix}-TOTAL_FORMS", 0))
    except (TypeError, ValueError):
        total = 0
    total = max(0, min(total, MAX_COMPLICATIONS))
    return [
        {name: data.get(f"{prefix}-{i}-{name}", "") for name in COMPLICATION_FIELDS}
        for i in range(total)
    ]


def complication_formset(*, data=None, initial=None, extra: int = EMPTY_COMPLICATION_ROWS):
    """A bound formset for ``data``; otherwise an unbound one showing the ``initial`` rows
    followed by ``extra`` empty ones (never more than one row per complication type)."""
    if data is not None:
        return ComplicationFormSet(data, prefix=COMPLICATION_PREFIX)
    initial = list(initial or [])[:MAX_COMPLICATIONS]
    formset = ComplicationFormSet(initial=initial, prefix=COMPLICATION_PREFIX)
    formset.extra = max(0, min(extra, MAX_COMPLICATIONS - len(initial)))
    return formset


class InvitationForm(forms.Form):
    """A practitioner invites a patient they treated to write a verified review."""

    email = forms.EmailField(
        label="Patient's e-mail address",
        max_length=254,
        help_text="We send the invitation link to this address and keep it private.",
        error_messages={"required": "Enter the patient's e-mail address."},
    )
    procedure = forms.ModelChoiceField(
        queryset=None,
        empty_label="Choose the treatment",
        error_messages={"required": "Choose which treatment the patient had."},
    )
    treatment_date = forms.DateField(
        label="Date of treatment",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        input_formats=["%Y-%m-%d", "%d/%m/%Y", "%m/%d/%Y"],
        help_text="For example 2026-03-14.",
        error_messages={
            "required": "Enter the date of the treatment.",
            "invalid": "Enter the date as year-month-day, for example 2026-03-14.",
        },
    )

    def __init__(self, *args, procedures, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["procedure"].queryset = procedures

    def clean_treatment_date(self):
        value = self.cleaned_data["treatment_date"]
        if problem := treatment_date_problem(value):
            raise forms.ValidationError(problem)
        return value


class ResponseForm(forms.Form):
    body = forms.CharField(
        label="Your public response",
        min_length=RESPONSE_MIN_LENGTH,
        max_length=RESPONSE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=(
            f"Plain text, up to {RESPONSE_MAX_LENGTH} characters. Do not disclose anything "
            "about the patient beyond what the review says — not their name, visits, "
            "treatment records or anything they told you in confidence."
        ),
        error_messages={
            "required": "Write your response.",
            "min_length": f"Write at least {RESPONSE_MIN_LENGTH} characters.",
            "max_length": (
                f"Keep your response under {RESPONSE_MAX_LENGTH} characters "
                "(you wrote %(show_value)d)."
            ),
        },
    )
