"""Public practitioner pages: the search and the profile."""

from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext
from django.views.decorators.http import require_safe

from kernel.caching import cache_public_page
from listings import cards, selectors
from listings.distance import DEFAULT_RADIUS, RADIUS_CHOICES, DistanceUnit, active_unit
from listings.filters import (
    MAX_RADIUS_KM,
    RADIUS_UNITS,
    PractitionerFilterSet,
    ReviewFilterSet,
    Sort,
)
from listings.skin_types import attach_public_responses, attach_skin_type_facts, safety_summary
from practitioners.attestation_history import attestation_groups
from practitioners.badges import compute_badge
from practitioners.models import Practitioner, Profession
from practitioners.roles import claim_invitation
from reviews.models import ComplicationType, SkinType
from reviews.summaries import fresh_summary

PAGE_SIZE = 20
REVIEWS_PAGE_SIZE = 10
MIN_RATING_CHOICES = ("3", "3.5", "4", "4.5")
LOCATION_KEYS = ("near", "lat", "lng", *RADIUS_UNITS)


@dataclass(frozen=True)
class FilterLink:
    """An active filter, or a way to relax the search: a label and the URL without it."""

    label: str
    url: str


def _url(
    params: QueryDict, *, drop: tuple[str, ...] = (), drop_value: tuple[str, str] | None = None
) -> str:
    kept = params.copy()
    for key in (*drop, "page"):
        kept.pop(key, None)
    if drop_value is not None:
        key, value = drop_value
        kept.setlist(key, [v for v in kept.getlist(key) if v != value])
    if kept.get("sort") == Sort.DISTANCE and not any(kept.get(k) for k in ("near", "lat")):
        kept.pop("sort")
    for key in [k for k, values in kept.lists() if not any(values)]:
        kept.pop(key)
    query = kept.urlencode()
    return f"?{query}" if query else "?"


def _active_filters(
    filterset: PractitionerFilterSet, params: QueryDict, unit: DistanceUnit
) -> list[FilterLink]:
    """Each filter in effect, with the URL of the same search without it."""
    data = filterset.form.cleaned_data
    links: list[FilterLink] = []
    if data.get("q"):
        links.append(FilterLink(f"Matching “{data['q']}”", _url(params, drop=("q",))))
    if data.get("procedure"):
        links.append(FilterLink(data["procedure"].name, _url(params, drop=("procedure",))))
    if filterset.place is not None:
        label = capfirst(unit.within(filterset.radius, filterset.place.name))
        links.append(FilterLink(label, _url(params, drop=LOCATION_KEYS)))
    if data.get("verified"):
        links.append(FilterLink("Verified only", _url(params, drop=("verified",))))
    if data.get("profession"):
        label = Profession(data["profession"]).label
        links.append(FilterLink(label, _url(params, drop=("profession",))))
    if data.get("min_rating") is not None:
        label = f"Rated {data['min_rating']:g} or more"
        links.append(FilterLink(label, _url(params, drop=("min_rating",))))
    if data.get("skin_type"):
        label = f"Reviewed by skin type {data['skin_type']}"
        links.append(FilterLink(label, _url(params, drop=("skin_type",))))
    if data.get("no_severe"):
        links.append(FilterLink("No severe complications", _url(params, drop=("no_severe",))))
    for kind in data.get("exclude_complication") or ():
        label = f"No {ComplicationType(kind).label.lower()} reported"
        links.append(FilterLink(label, _url(params, drop_value=("exclude_complication", kind))))
    return links


def _wider_radius(
    filterset: PractitionerFilterSet, params: QueryDict, unit: DistanceUnit
) -> FilterLink | None:
    """The next radius choice (in the visitor's unit) above the one searched, if any."""
    if filterset.place is None or filterset.radius >= MAX_RADIUS_KM:
        return None
    current = round(unit.from_km(filterset.radius), 3)
    wider = next((r for r in (*RADIUS_CHOICES, unit.max_radius) if r > current), None)
    if wider is None:
        return None
    widened = params.copy()
    for key in (*RADIUS_UNITS, "page"):
        widened.pop(key, None)
    widened[unit.parameter] = str(wider)
    label = gettext("Search within %(distance)s instead") % {"distance": unit.radius_label(wider)}
    return FilterLink(label, f"?{widened.urlencode()}")


@require_safe
@cache_public_page
def practitioner_list(request: HttpRequest) -> HttpResponse:
    """The search: every public filter, a page of results, and a way out of an empty one."""
    params = request.GET
    unit = active_unit()
    filterset = selectors.practitioner_search(params, unit=unit)
    errors: list[tuple[str, str]] = []
    page = None
    try:
        number = selectors.page_number(params.get("page"))
    except selectors.InvalidPage as error:
        errors.append(("page", str(error)))
        number = 1
    skin_type = ""
    results = []
    if filterset.is_valid():
        page = selectors.slice_page(filterset.qs, number, PAGE_SIZE)
        skin_type = filterset.form.cleaned_data.get("skin_type") or ""
        if skin_type:
            attach_skin_type_facts(list(page.object_list), skin_type)
        results = cards.render_cards(page.object_list, skin_type=skin_type)
    else:
        for name, messages in filterset.errors.items():
            errors.extend((name, message) for message in messages)
    active = _active_filters(filterset, params, unit) if filterset.is_valid() else []
    pagination_query = params.copy()
    pagination_query.pop("page", None)
    context = {
        "filterset": filterset,
        "form": filterset.form,
        "values": _form_values(filterset),
        "errors": errors,
        "error_fields": {name for name, _ in errors},
        "page": page,
        "cards": results,
        "active_filters": active,
        "wider_radius": _wider_radius(filterset, params, unit) if page is not None else None,
        "place": filterset.place,
        "radius": filterset.radius,
        "unit": unit,
        "place_within": unit.within(filterset.radius, filterset.place.name)
        if filterset.place is not None
        else "",
        "sort_order": filterset.sort_order if filterset.is_valid() else "",
        "query": pagination_query.urlencode(),
        "procedures": filterset.form.fields["procedure"].queryset.only("slug", "name"),
        "professions": Profession.choices,
        "skin_types": SkinType.choices,
        "complication_types": ComplicationType.choices,
        "sorts": Sort.choices,
        "radius_options": _radius_options(filterset, unit),
        "min_rating_choices": MIN_RATING_CHOICES,
    }
    status = 400 if errors else 200
    return render(request, "practitioners/list.html", context, status=status)


@dataclass(frozen=True)
class RadiusOption:
    value: str
    label: str
    selected: bool


def _radius_options(filterset: PractitionerFilterSet, unit: DistanceUnit) -> list[RadiusOption]:
    """The radius choices in the visitor's unit; a radius from the URL is kept selected."""
    options = [float(r) for r in RADIUS_CHOICES]
    chosen = round(unit.from_km(filterset.radius), 1) if filterset.is_valid() else None
    if chosen is None:
        raw = filterset.form.data.get(unit.parameter, "")
        try:
            typed = float(raw) if raw else float(DEFAULT_RADIUS)
        except ValueError:
            typed = None
        if typed is not None and 1 <= typed <= unit.max_radius:
            chosen = typed
    if chosen is not None and chosen not in options:
        options = sorted({*options, chosen})
    return [
        RadiusOption(f"{value:g}", unit.radius_label(value), value == chosen) for value in options
    ]


def _form_values(filterset: PractitionerFilterSet) -> dict[str, Any]:
    """What the patient typed, to put back into the form (raw, so bad input can be fixed)."""
    data = filterset.form.data
    return {
        "q": data.get("q", ""),
        "near": data.get("near", ""),
        "lat": data.get("lat", ""),
        "lng": data.get("lng", ""),
        "procedure": data.get("procedure", ""),
        "profession": data.get("profession", ""),
        "min_rating": data.get("min_rating", ""),
        "skin_type": data.get("skin_type", ""),
        "verified": data.get("verified", "") in ("1", "true", "on", "yes"),
        "no_severe": data.get("no_severe", "") in ("1", "true", "on", "yes"),
        "exclude_complication": data.getlist("exclude_complication"),
        "sort": data.get("sort", ""),
    }


def _write_review_url(practitioner: Practitioner) -> str:
    try:
        return reverse("reviews:write", kwargs={"slug": practitioner.slug})
    except NoReverseMatch:  # the review form's public URL: /practitioners/<slug>/review/
        return f"{practitioner.get_absolute_url()}review/"


@require_safe
@cache_public_page
def practitioner_detail(request: HttpRequest, slug: str) -> HttpResponse:
    """The profile: verification, safety summary with its chart, and filtered reviews."""
    practitioner = selectors.practitioner_profile(slug)
    today = timezone.localdate()
    attestations = practitioner.attestations.all()
    summary = fresh_summary(
        getattr(practitioner, "summary", None), practitioner_id=practitioner.pk, today=today
    )
    reviews: ReviewFilterSet = selectors.review_search(practitioner, request.GET)
    errors: list[tuple[str, str]] = []
    try:
        number = selectors.page_number(request.GET.get("page"))
    except selectors.InvalidPage as error:
        errors.append(("page", str(error)))
        number = 1
    page = None
    if reviews.is_valid():
        page = selectors.slice_page(reviews.qs, number, REVIEWS_PAGE_SIZE)
        attach_public_responses(list(page.object_list))
    else:
        for name, messages in reviews.errors.items():
            errors.extend((name, message) for message in messages)
    query = request.GET.copy()
    query.pop("page", None)
    review_filters_active = any(request.GET.get(k) for k in ("complication", "skin_type", "rating"))
    badge = compute_badge(attestations, today=today)
    context = {
        "practitioner": practitioner,
        "badge": badge,
        "claim_pitch": claim_invitation(practitioner, badge),
        "attestation_groups": attestation_groups(attestations, today),
        "write_review_url": _write_review_url(practitioner),
        "safety": safety_summary(summary),
        "reviews": reviews,
        "review_values": {
            k: request.GET.get(k, "") for k in ("complication", "skin_type", "rating")
        },
        "review_filters_active": review_filters_active,
        "page": page,
        "errors": errors,
        "error_fields": {name for name, _ in errors},
        "query": query.urlencode(),
        "complication_types": ComplicationType.choices,
        "skin_types": SkinType.choices,
        "ratings": [(str(n), f"{n} star{'s' if n > 1 else ''}") for n in range(5, 0, -1)],
    }
    return render(request, "practitioners/detail.html", context, status=400 if errors else 200)
