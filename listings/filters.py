"""The one definition of the directory's search filters, shared by the HTML search and the API.

``PractitionerFilterSet`` implements every query parameter docs/product.md names for
``/practitioners/`` and ``GET /api/v1/practitioners/``. Bad values never raise: they
become form errors (``filterset.errors``) with a message a patient or a partner can act
on, and an invalid filterset's ``qs`` is empty. Derived filters read indexed columns:
``Practitioner.verified_through`` (compared with today, so the filter and the profile's
badge agree on every day) and the ``PractitionerSummary`` counters and bit masks.

What the safety filters promise: ``no_severe`` and ``min_rating`` match only practitioners
with enough reviews in the window for figures to be shown at all
(``reviews.models.has_enough_reviews``); a practitioner nobody has reviewed is not
"known to be safe".
"""

from decimal import Decimal
from typing import Any

import django_filters
from django import forms
from django.db.models import F, Q, QuerySet, TextChoices
from django.db.models.lookups import GreaterThan
from django.utils import timezone

from listings import distance, geo, search
from listings.distance import KILOMETRES, MILES, DistanceUnit
from practitioners.models import Practitioner, Procedure, Profession, verified_on
from reviews.models import MIN_REVIEWS_FOR_FIGURES, ComplicationType, Review, SkinType
from reviews.summaries import COMPLICATION_BITS, SKIN_TYPE_BITS, WINDOW_MONTHS

DEFAULT_RADIUS_KM = 25
MAX_RADIUS_KM = distance.MAX_RADIUS_KM
# The radius parameters and their units: the API takes km; American pages send miles.
RADIUS_UNITS: dict[str, DistanceUnit] = {"radius_km": KILOMETRES, "radius_mi": MILES}


class Sort(TextChoices):
    RELEVANCE = "relevance", "Best match"
    RATING = "rating", "Highest rated"
    REVIEWS = "reviews", "Most reviewed"
    DISTANCE = "distance", "Nearest first"


class FlagField(forms.Field):
    """``1`` turns a filter on; empty or ``0`` leaves it off; anything else is an error.

    The words are matched exactly (no case folding or trimming), so the API schema's list of
    them (``partners.api.schema``) is the whole truth about what is accepted.
    """

    TRUE = frozenset({"1", "true", "on", "yes"})
    FALSE = frozenset({"", "0", "false", "off", "no"})
    default_error_messages = {"invalid": "Use 1 to turn this filter on, or leave it out."}

    def to_python(self, value: Any) -> bool:
        if isinstance(value, bool):
            return value
        text = "" if value is None else str(value)
        if text in self.TRUE:
            return True
        if text in self.FALSE:
            return False
        raise forms.ValidationError(self.error_messages["invalid"], code="invalid")


class FlagFilter(django_filters.Filter):
    field_class = FlagField


def _choice_error(what: str, choices: list[str]) -> dict[str, str]:
    return {
        "invalid_choice": f"“%(value)s” is not a {what} we know. Use one of: {', '.join(choices)}."
    }


def _bounded_number(
    method: str, label: str, what: str, low: float, high: float
) -> django_filters.NumberFilter:
    """A number filter held to ``low``..``high``; every refusal says the range for ``what``."""
    message = f"Enter a {what} between {low:g} and {high:g}."
    return django_filters.NumberFilter(
        method=method,
        min_value=low,
        max_value=high,
        label=label,
        error_messages={"invalid": message, "min_value": message, "max_value": message},
    )


def _enum_choice(enum, what: str, *, filter_class=django_filters.ChoiceFilter, **options):
    """A filter over ``enum``'s choices; an unknown value is refused with the known ones listed."""
    return filter_class(
        choices=enum.choices, error_messages=_choice_error(what, enum.values), **options
    )


class PractitionerSearchForm(forms.Form):
    """Checks that concern several parameters at once: where "near" is, and what needs it."""

    place: geo.Place | None = None

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        near = data.get("near") or ""
        lat, lng = data.get("lat"), data.get("lng")
        self.place = None
        if (lat is None) != (lng is None) and "lat" not in self.errors and "lng" not in self.errors:
            self.add_error(
                "lng" if lng is None else "lat", "Give both lat and lng, or neither of them."
            )
        elif lat is not None and lng is not None:
            if near:
                self.add_error("near", "Use either a place in “near”, or lat and lng — not both.")
            else:
                self.place = geo.Place(
                    name=f"{lat}, {lng}", latitude=float(lat), longitude=float(lng)
                )
        elif near:
            try:
                self.place = geo.resolve_place(near)
            except geo.UnknownPlace as error:
                # The message quotes the visitor's text: pass it as a parameter, so a "%"
                # in it is never read as a format directive (django-filter's API errors
                # apply "%" to every message).
                message = forms.ValidationError("%(message)s", params={"message": str(error)})
                self.add_error("near", message)
        if data.get("radius_km") is not None and data.get("radius_mi") is not None:
            self.add_error("radius_mi", "Give the radius in km or in miles, not both.")
        if data.get("sort") == Sort.DISTANCE and self.place is None and not self.errors:
            self.add_error(
                "sort", "Sorting by distance needs a location: enter a city or ZIP code in “near”."
            )
        return data


class PractitionerFilterSet(django_filters.FilterSet):
    """Every search parameter of the product contract: filters combine, ordered by ``sort``."""

    q = django_filters.CharFilter(
        method="filter_q",
        max_length=search.MAX_QUERY_LENGTH,
        label="Name, clinic or city",
        error_messages={"max_length": "Search for at most %(limit_value)d characters."},
    )
    procedure = django_filters.ModelChoiceFilter(
        queryset=Procedure.objects.filter(is_active=True),
        to_field_name="slug",
        method="filter_procedure",
        label="Procedure",
        error_messages={"invalid_choice": "“%(value)s” is not a procedure we list."},
    )
    near = django_filters.CharFilter(
        method="filter_location",
        max_length=geo.MAX_QUERY_LENGTH,
        label="Near (city or ZIP code)",
        error_messages={"max_length": "Enter at most %(limit_value)d characters for a place."},
    )
    lat = _bounded_number("filter_location", "Latitude", "latitude", -90, 90)
    lng = _bounded_number("filter_location", "Longitude", "longitude", -180, 180)
    radius_km = _bounded_number("filter_location", "Within (km)", "radius in km", 1, MAX_RADIUS_KM)
    # The same radius in miles, for the pages in American English (never the API's).
    radius_mi = _bounded_number(
        "filter_location", "Within (miles)", "radius in miles", 1, MILES.max_radius
    )
    verified = FlagFilter(method="filter_verified", label="Verified practitioners only")
    profession = _enum_choice(Profession, "profession", label="Profession")
    min_rating = _bounded_number("filter_min_rating", "Minimum rating", "rating", 1, 5)
    skin_type = _enum_choice(
        SkinType,
        "Fitzpatrick skin type",
        method="filter_skin_type",
        label="Reviewed by patients of skin type",
    )
    no_severe = FlagFilter(
        method="filter_no_severe",
        label=(
            f"No severe complication in {MIN_REVIEWS_FOR_FIGURES}+ reviews "
            f"(last {WINDOW_MONTHS} months; practitioners with fewer reviews are left out)"
        ),
    )
    exclude_complication = _enum_choice(
        ComplicationType,
        "complication",
        filter_class=django_filters.MultipleChoiceFilter,
        method="filter_exclude_complication",
        label="Never reported",
    )
    sort = _enum_choice(Sort, "sort order", method="filter_sort", label="Sort by", empty_label=None)

    class Meta:
        model = Practitioner
        fields = ["profession"]
        form = PractitionerSearchForm

    def __init__(self, *args, unit: DistanceUnit = KILOMETRES, **kwargs) -> None:
        # The unit of the default radius: 25 km for the API, 25 of the visitor's unit on pages.
        self.unit = unit
        super().__init__(*args, **kwargs)

    # -- Filters (the location and the order are applied together in filter_queryset) ----

    def filter_q(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return search.filter_by_text(queryset, value)

    def filter_procedure(self, queryset: QuerySet, name: str, value: Procedure) -> QuerySet:
        return queryset.filter(procedures=value)

    def filter_verified(self, queryset: QuerySet, name: str, value: bool) -> QuerySet:
        if not value:
            return queryset
        return queryset.filter(verified_on(timezone.localdate()))

    def filter_no_severe(self, queryset: QuerySet, name: str, value: bool) -> QuerySet:
        if not value:
            return queryset
        return queryset.filter(
            summary__review_count__gte=MIN_REVIEWS_FOR_FIGURES, summary__severe_count=0
        )

    def filter_min_rating(self, queryset: QuerySet, name: str, value: Decimal) -> QuerySet:
        # rank_rating is 0 below the review threshold: no rating shown, no match.
        return queryset.filter(summary__rank_rating__gte=float(value))

    def filter_skin_type(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        bit = SKIN_TYPE_BITS[value]
        return queryset.filter(GreaterThan(F("summary__skin_type_mask").bitand(bit), 0))

    def filter_exclude_complication(
        self, queryset: QuerySet, name: str, value: list[str]
    ) -> QuerySet:
        # One test per bit rather than one of the combined mask: PostgreSQL keeps
        # statistics on each bit (reviews migration 0004), not on every combination.
        for kind in sorted(set(value)):
            bit = COMPLICATION_BITS[kind]
            queryset = queryset.alias(
                **{f"reported_{kind}": F("summary__complication_mask").bitand(bit)}
            ).filter(**{f"reported_{kind}": 0})
        return queryset

    def filter_location(self, queryset: QuerySet, name: str, value: Any) -> QuerySet:
        return queryset

    def filter_sort(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset

    # -- Location and order -------------------------------------------------------------

    @property
    def place(self) -> geo.Place | None:
        """Where the search is centred, once the form is valid; None without a location."""
        return self.form.place if self.is_valid() else None

    @property
    def radius(self) -> float:
        """The search radius in km, whichever unit it was given in (default: 25 of ``unit``)."""
        if self.is_valid():
            for parameter, unit in RADIUS_UNITS.items():
                value = self.form.cleaned_data.get(parameter)
                if value is not None:
                    return unit.to_km(value)
        return self.unit.default_radius_km

    @property
    def sort_order(self) -> str:
        """The sort in effect: the one asked for, or the best default for the search."""
        asked = self.form.cleaned_data.get("sort") if self.is_valid() else None
        if asked and asked != Sort.RELEVANCE:
            return asked
        if self.form.cleaned_data.get("q") if self.is_valid() else False:
            return Sort.RELEVANCE
        return Sort.DISTANCE if self.place is not None else Sort.RATING

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        if not self.is_valid():
            return queryset.none()
        queryset = super().filter_queryset(queryset)
        if self.place is not None:
            queryset = within_radius(queryset, self.place, self.radius)
        return order_by_sort(queryset, self.sort_order)


def within_radius(
    queryset: QuerySet, place: geo.Place, radius_km: float, *, prefix: str = "clinic__"
) -> QuerySet:
    """Practitioners whose clinic is within ``radius_km``, annotated with ``distance_km``.

    ``prefix`` leads from the queryset's rows to the clinic ("" for clinics themselves).
    The bounding box lets the (latitude, longitude) index discard far clinics before the
    exact distance is computed for the few that are left.
    """
    box = geo.bounding_box(place.latitude, place.longitude, radius_km)
    queryset = queryset.filter(
        **{f"{prefix}latitude__gte": box.min_lat, f"{prefix}latitude__lte": box.max_lat}
    )
    if box.crosses_antimeridian:
        queryset = queryset.filter(
            Q(**{f"{prefix}longitude__gte": box.min_lng})
            | Q(**{f"{prefix}longitude__lte": box.max_lng})
        )
    else:
        queryset = queryset.filter(
            **{f"{prefix}longitude__gte": box.min_lng, f"{prefix}longitude__lte": box.max_lng}
        )
    return queryset.annotate(
        distance_km=geo.distance_km(place.latitude, place.longitude, prefix=prefix)
    ).filter(distance_km__lte=radius_km)


def order_by_sort(queryset: QuerySet, sort: str) -> QuerySet:
    """Order search results; every order ends on the primary key so pages never overlap.

    The rating and review orders match the summary's (rank_rating, practitioner) and
    (review_count, rank_rating, practitioner) indexes. They need an inner join to the
    summary (every practitioner has one) so that PostgreSQL can walk the index and stop
    after one page, instead of sorting every practitioner. Practitioners with too few
    reviews for a rating come after every rated one.
    """
    annotations = queryset.query.annotations
    if sort == Sort.DISTANCE and "distance_km" in annotations:
        return queryset.order_by("distance_km", "pk")
    if sort == Sort.RELEVANCE and "search_rank" in annotations:
        return queryset.order_by(F("search_rank").desc(), F("summary__rank_rating").desc(), "pk")
    if sort == Sort.RELEVANCE and "distance_km" in annotations:
        return queryset.order_by("distance_km", "pk")
    queryset = queryset.filter(summary__isnull=False)
    if sort == Sort.REVIEWS:
        return queryset.order_by(
            F("summary__review_count").desc(),
            F("summary__rank_rating").desc(),
            "pk",
        )
    return queryset.order_by(F("summary__rank_rating").desc(), "pk")


class ReviewFilterSet(django_filters.FilterSet):
    """The filters of a practitioner's published reviews: complication, skin type, rating."""

    complication = _enum_choice(
        ComplicationType,
        "complication",
        method="filter_complication",
        label="Complication reported",
        empty_label="Any or none",
    )
    skin_type = _enum_choice(
        SkinType, "Fitzpatrick skin type", label="Skin type", empty_label="Any skin type"
    )
    rating = django_filters.TypedChoiceFilter(
        choices=[(str(n), f"{n} star{'s' if n > 1 else ''}") for n in range(5, 0, -1)],
        coerce=int,
        label="Overall rating",
        error_messages=_choice_error("rating", ["1", "2", "3", "4", "5"]),
    )

    class Meta:
        model = Review
        fields = ["skin_type", "rating"]

    def filter_complication(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(complications__type=value)

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        if not self.is_valid():
            return queryset.none()
        return super().filter_queryset(queryset)
