"""The partner REST API, mounted at /api/: version 1 endpoints, the schema and its docs."""

from django.urls import path, re_path
from drf_spectacular.views import SpectacularAPIView

from partners.api import views as partner_views
from partners.api.docs import api_docs
from partners.api.errors import not_found
from partners.api.practitioners import views as practitioner_views
from partners.api.reviews import views as review_views

app_name = "api"

# Version 1, one row an endpoint: (route below v1/, class-based view, URL name).
V1_ENDPOINTS = (
    ("practitioners/", practitioner_views.PractitionerListView, "practitioner-list"),
    ("practitioners/<int:pk>/", practitioner_views.PractitionerDetailView, "practitioner-detail"),
    (
        "practitioners/<int:pk>/reviews/",
        practitioner_views.PractitionerReviewListView,
        "practitioner-reviews",
    ),
    ("reviews/", review_views.ReviewListView, "review-list"),
    ("procedures/", practitioner_views.ProcedureListView, "procedure-list"),
    ("review-invitations/", review_views.ReviewInvitationCreateView, "review-invitation-create"),
    ("webhooks/", partner_views.WebhookEndpointListView, "webhook-list"),
    ("webhooks/<int:pk>/", partner_views.WebhookEndpointDetailView, "webhook-detail"),
    ("webhooks/<int:pk>/deliveries/", partner_views.WebhookDeliveryListView, "webhook-deliveries"),
    (
        "webhooks/<int:pk>/deliveries/<int:delivery_id>/replay/",
        partner_views.WebhookDeliveryReplayView,
        "webhook-delivery-replay",
    ),
)

urlpatterns = [
    *(path(f"v1/{route}", view.as_view(), name=name) for route, view, name in V1_ENDPOINTS),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", api_docs, name="docs"),
    re_path(r"^[\s\S]*$", not_found),  # any other path, newlines included
]
