"""Partner API: a partner's own webhook endpoints, their deliveries, and replays."""

from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.response import Response
from rest_framework.views import APIView

from partners import services
from partners.api.base import PartnerAPIMixin
from partners.api.serializers import (
    WebhookDeliverySerializer,
    WebhookEndpointCreatedSerializer,
    WebhookEndpointInputSerializer,
    WebhookEndpointSerializer,
)
from partners.models import Scope, WebhookAttempt, WebhookDelivery, WebhookEndpoint


class WebhookScopeMixin(PartnerAPIMixin):
    required_scopes = (Scope.WEBHOOKS,)

    def endpoints(self):
        # A deleted (disabled) endpoint is gone for the partner: not listed, and it and its
        # deliveries answer 404. Staff keep its delivery history in the admin.
        return WebhookEndpoint.objects.filter(
            partner_id=self.request.auth.partner_id, is_active=True
        ).order_by("created_at", "id")


@extend_schema(tags=["webhooks"])
class WebhookEndpointListView(WebhookScopeMixin, generics.ListAPIView):
    """This partner's webhook endpoints (without their secrets)."""

    serializer_class = WebhookEndpointSerializer
    error_statuses = (409,)
    schema_links = {
        "POST": {
            201: {
                "GetWebhook": ("v1_webhooks_retrieve", {"id": "$response.body#/id"}),
                "DeleteWebhook": ("v1_webhooks_destroy", {"id": "$response.body#/id"}),
                "ListDeliveries": ("v1_webhooks_deliveries_list", {"id": "$response.body#/id"}),
            }
        },
        "GET": {
            200: {
                "GetFirstWebhook": ("v1_webhooks_retrieve", {"id": "$response.body#/results/0/id"}),
            }
        },
    }

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return WebhookEndpoint.objects.none()
        return self.endpoints()

    @extend_schema(
        summary="Register a webhook endpoint",
        request=WebhookEndpointInputSerializer,
        responses={201: WebhookEndpointCreatedSerializer},
    )
    def post(self, request, *args, **kwargs):
        serializer = WebhookEndpointInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        endpoint, secret = services.webhook_endpoint_create(
            partner=request.auth.partner,
            url=serializer.validated_data["url"],
            events=serializer.validated_data.get("events"),
        )
        endpoint.secret = secret
        return Response(
            WebhookEndpointCreatedSerializer(endpoint).data, status=status.HTTP_201_CREATED
        )


@extend_schema(tags=["webhooks"])
class WebhookEndpointDetailView(WebhookScopeMixin, generics.RetrieveDestroyAPIView):
    """One endpoint; DELETE disables it (its delivery history is kept)."""

    serializer_class = WebhookEndpointSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return WebhookEndpoint.objects.none()
        return self.endpoints()

    def perform_destroy(self, instance):
        services.webhook_endpoint_disable(endpoint_id=instance.pk)


def _deliveries():
    return WebhookDelivery.objects.prefetch_related(
        Prefetch("attempts", queryset=WebhookAttempt.objects.order_by("number"))
    ).order_by("-created_at", "-id")


@extend_schema(tags=["webhooks"], summary="Deliveries to one endpoint, newest first")
class WebhookDeliveryListView(WebhookScopeMixin, generics.ListAPIView):
    """Every event sent to the endpoint, with each attempt's status code, error and time."""

    serializer_class = WebhookDeliverySerializer
    schema_links = {
        "GET": {
            200: {
                "ReplayFirstDelivery": (
                    "v1_webhooks_deliveries_replay_create",
                    {"id": "$request.path.id", "delivery_id": "$response.body#/results/0/id"},
                )
            }
        }
    }

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return WebhookDelivery.objects.none()
        endpoint = get_object_or_404(self.endpoints(), pk=self.kwargs["pk"])
        return _deliveries().filter(endpoint=endpoint)


@extend_schema(
    tags=["webhooks"],
    summary="Send a delivery again",
    request=None,
    responses={202: WebhookDeliverySerializer},
)
class WebhookDeliveryReplayView(WebhookScopeMixin, APIView):
    """Queue the same event (same id and payload, fresh signature) for another attempt."""

    error_statuses = (404, 409)

    def post(self, request, pk: int, delivery_id: int):
        endpoint = get_object_or_404(self.endpoints(), pk=pk)
        delivery = get_object_or_404(WebhookDelivery, pk=delivery_id, endpoint=endpoint)
        services.webhook_delivery_replay(delivery_id=delivery.pk)
        return Response(
            WebhookDeliverySerializer(_deliveries().get(pk=delivery.pk)).data,
            status=status.HTTP_202_ACCEPTED,
        )
