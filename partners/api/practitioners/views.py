"""Partner API: practitioners (search with the site's own filters), profiles, procedures."""

from django.shortcuts import get_object_or_404
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema
from rest_framework import generics

from listings.filters import PractitionerFilterSet, ReviewFilterSet
from partners.api.base import PartnerAPIMixin
from partners.api.caching import CachedPublicReadsMixin
from partners.api.practitioners.selectors import (
    api_practitioner_detail,
    api_practitioner_list,
    api_procedures,
)
from partners.api.practitioners.serializers import (
    PractitionerDetailSerializer,
    PractitionerSerializer,
    ProcedureSerializer,
)
from partners.api.reviews.selectors import public_reviews
from partners.api.reviews.serializers import ReviewSerializer
from practitioners.models import Practitioner

# Words for the schema; each parameter's type, choices and bounds come from the FilterSet.
SEARCH_DESCRIPTIONS = {
    "q": "Name, clinic or city.",
    "procedure": "A procedure slug (see `/api/v1/procedures/`).",
    "near": "A city (“Austin”, “Portland, OR”) or US ZIP code, resolved offline; an unknown "
    "place is a 400. Not together with `lat`/`lng`.",
    "lat": "Latitude, with `lng`, instead of `near`.",
    "lng": "Longitude, with `lat`.",
    "radius_km": "Search radius around the place (default 25).",
    "verified": "`1` keeps practitioners with a current licence and sterilization attestation.",
    "profession": "One profession.",
    "min_rating": "Minimum Bayesian rating of practitioners with reviews.",
    "skin_type": "Practitioners with published reviews from that Fitzpatrick skin type.",
    "no_severe": "`1` keeps practitioners with enough recent reviews and no severe complication.",
    "exclude_complication": "Repeatable: no published report of that complication.",
    "sort": "Order of the results; `distance` needs `near` or `lat`+`lng`.",
}


class PartnerPractitionerFilterSet(PractitionerFilterSet):
    """The site's search filters, with the radius in km only: the API's contract."""

    radius_mi = None


@extend_schema(tags=["practitioners"], summary="Search practitioners")
class PractitionerListView(CachedPublicReadsMixin, PartnerAPIMixin, generics.ListAPIView):
    """Practitioners matching the same filters as the site's search page, in its order.

    `verified=1` keeps practitioners with a current licence and sterilization attestation;
    `near` (a city or ZIP code) or `lat`+`lng` with `radius_km` limits to a radius and adds
    `distance_km`; `no_severe=1` drops anyone with a severe complication reported in the last
    24 months.
    """

    serializer_class = PractitionerSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = PartnerPractitionerFilterSet
    filter_descriptions = SEARCH_DESCRIPTIONS
    schema_links = {
        "GET": {
            200: {
                "GetFirstPractitioner": (
                    "v1_practitioners_retrieve",
                    {"id": "$response.body#/results/0/id"},
                ),
            }
        }
    }

    def get_queryset(self):
        return api_practitioner_list()


@extend_schema(tags=["practitioners"], summary="A practitioner's profile")
class PractitionerDetailView(CachedPublicReadsMixin, PartnerAPIMixin, generics.RetrieveAPIView):
    """Profile, verification summary (each attestation, how and when it was checked) and the
    24-month safety summary."""

    serializer_class = PractitionerDetailSerializer

    def get_queryset(self):
        return api_practitioner_detail()


@extend_schema(tags=["practitioners"], summary="A practitioner's published reviews")
class PractitionerReviewListView(PartnerAPIMixin, generics.ListAPIView):
    """Published reviews of one practitioner, newest first, with the profile page's filters."""

    serializer_class = ReviewSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = ReviewFilterSet

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return public_reviews().none()
        practitioner = get_object_or_404(Practitioner.objects.only("id"), pk=self.kwargs["pk"])
        return public_reviews().filter(practitioner=practitioner)


@extend_schema(tags=["procedures"], summary="Procedures")
class ProcedureListView(PartnerAPIMixin, generics.ListAPIView):
    """The treatments practitioners offer and patients review; use the slugs as filters."""

    serializer_class = ProcedureSerializer

    def get_queryset(self):
        return api_procedures()
