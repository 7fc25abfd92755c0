"""Partner API: published reviews, and review invitations (idempotent)."""

from django.db import transaction
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from partners.api.base import PartnerAPIMixin
from partners.api.reviews.filters import PartnerReviewFilterSet
from partners.api.reviews.selectors import public_reviews
from partners.api.reviews.serializers import (
    ReviewInvitationInputSerializer,
    ReviewInvitationSerializer,
    ReviewSerializer,
)
from partners.idempotency import KEY_MAX_LENGTH, run_idempotent, validate_idempotency_key
from partners.models import Scope
from reviews.invitations import invitation_create


@extend_schema(tags=["reviews"], summary="Published reviews")
class ReviewListView(PartnerAPIMixin, generics.ListAPIView):
    """Published reviews across the directory, newest first. Nothing else ever leaves the
    API: no pending, rejected or hidden reviews, no e-mail addresses or moderation notes."""

    serializer_class = ReviewSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = PartnerReviewFilterSet
    schema_links = {
        "GET": {
            200: {
                "GetReviewedPractitioner": (
                    "v1_practitioners_retrieve",
                    {"id": "$response.body#/results/0/practitioner_id"},
                )
            }
        }
    }

    def get_queryset(self):
        return public_reviews()


@extend_schema(
    tags=["review invitations"],
    summary="Invite a treated patient to review",
    request=ReviewInvitationInputSerializer,
    responses={201: ReviewInvitationSerializer},
    parameters=[
        OpenApiParameter(
            "Idempotency-Key",
            {
                "type": "string",
                "minLength": 1,
                "maxLength": KEY_MAX_LENGTH,
                "pattern": "^[ -~]*[!-~][ -~]*$",
            },
            location=OpenApiParameter.HEADER,
            required=False,
            description=(
                "Any unique string up to 255 characters. Resending the same key with the same "
                "body returns the first answer and creates nothing; with another body, 409."
            ),
        )
    ],
)
class ReviewInvitationCreateView(PartnerAPIMixin, APIView):
    """E-mails the patient a one-time link; the review they write is marked "verified
    patient". The link's token is never returned: it goes only to the patient."""

    required_scopes = (Scope.INVITE,)
    error_statuses = (409,)
    schema_links = {
        "POST": {
            201: {
                "GetPractitioner": (
                    "v1_practitioners_retrieve",
                    {"id": "$response.body#/practitioner"},
                ),
                "ListPractitionerReviews": (
                    "v1_practitioners_reviews_list",
                    {"id": "$response.body#/practitioner"},
                ),
            }
        }
    }

    def post(self, request, *args, **kwargs):
        key = validate_idempotency_key(request.headers.get("Idempotency-Key"))
        if key is None:
            code, body = self._create(request)
            return Response(body, status=code)
        code, body, replayed = run_idempotent(
            partner_key=request.auth,
            key=key,
            fingerprint_parts=[request.method, request.path, request.data],
            action=lambda: self._create(request),
        )
        return Response(body, status=code, headers={"Idempotent-Replayed": str(replayed).lower()})

    def _create(self, request) -> tuple[int, dict]:
        if not isinstance(request.data, dict):
            raise ValidationError("Send a JSON object.")
        serializer = ReviewInvitationInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        with transaction.atomic():
            invitation, _token = invitation_create(
                practitioner=data["practitioner"],
                procedure=data["procedure"],
                email=data["email"],
                treatment_date=data["treatment_date"],
                partner_name=request.auth.partner.name,
            )
        return status.HTTP_201_CREATED, ReviewInvitationSerializer(invitation).data
