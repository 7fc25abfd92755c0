"""What every staff decision form sends besides its own fields: the version the decider saw."""

from django import forms

STALE_FORM = "This page is out of date: reload it, read the item again and decide."


class SeenVersionForm(forms.Form):
    """The hidden ``version`` field of a decision form (``kernel.versions``)."""

    version = forms.IntegerField(
        min_value=1,
        widget=forms.HiddenInput,
        error_messages={
            "required": STALE_FORM,
            "invalid": STALE_FORM,
            "min_value": STALE_FORM,
        },
    )

    def seen(self) -> int | None:
        return self.cleaned_data["version"] if self.is_valid() else None
