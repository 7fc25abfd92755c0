"""The review filters of the API: the profile page's filters plus who and what."""

import django_filters
from django import forms

from listings.filters import ReviewFilterSet
from practitioners.models import Procedure

# Ids are 64-bit (BigAutoField): a larger number can be no one's.
MAX_ID = 2**63 - 1


class IdFilter(django_filters.NumberFilter):
    """A whole-number id (django-filter's NumberFilter would take ``1.5``)."""

    field_class = forms.IntegerField


class PartnerReviewFilterSet(ReviewFilterSet):
    """``complication``, ``skin_type`` and ``rating`` as on a profile, plus
    ``practitioner`` (id) and ``procedure`` (slug) across the directory."""

    practitioner = IdFilter(
        field_name="practitioner_id",
        min_value=1,
        max_value=MAX_ID,
        label="Practitioner id",
        error_messages={
            "invalid": "Enter a practitioner id (a whole number).",
            "min_value": "Enter a practitioner id (a whole number).",
            "max_value": "Enter a practitioner id (a whole number).",
        },
    )
    procedure = django_filters.ModelChoiceFilter(
        queryset=Procedure.objects.all(),
        to_field_name="slug",
        label="Procedure",
        error_messages={"invalid_choice": "“%(value)s” is not a procedure we list."},
    )

    class Meta(ReviewFilterSet.Meta):
        fields = [*ReviewFilterSet.Meta.fields, "practitioner", "procedure"]
