"""The partner REST API, mounted at /api/: version 1 endpoints, the schema and its docs."""

from django.urls import path, re_path
from drf_spectacular.views import SpectacularAPIView

from partners.api import views as partner_views
from partners.api.docs import api_docs
from partners.api.errors import not_found
from partners.api.practitioners import views as practitioner_views
from partners.api.reviews import views as review_views

app_name = "api"

# One path() per endpoint: a declaration list, alike in form to every other URL list.
urlpatterns = [
    path(
        "v1/practitioners/",
        practitioner_views.PractitionerListView.as_view(),
        name="practitioner-list",
    ),
    path(
        "v1/practitioners/<int:pk>/",
        practitioner_views.PractitionerDetailView.as_view(),
        name="practitioner-detail",
    ),
    path(
        "v1/practitioners/<int:pk>/reviews/",
        practitioner_views.PractitionerReviewListView.as_view(),
        name="practitioner-reviews",
    ),
    path("v1/reviews/", review_views.ReviewListView.as_view(), name="review-list"),
    path("v1/procedures/", practitioner_views.ProcedureListView.as_view(), name="procedure-list"),
    path(
        "v1/review-invitations/",
        review_views.ReviewInvitationCreateView.as_view(),
        name="review-invitation-create",
    ),
    path("v1/webhooks/", partner_views.WebhookEndpointListView.as_view(), name="webhook-list"),
    path(
        "v1/webhooks/<int:pk>/",
        partner_views.WebhookEndpointDetailView.as_view(),
        name="webhook-detail",
    ),
    path(
        "v1/webhooks/<int:pk>/deliveries/",
        partner_views.WebhookDeliveryListView.as_view(),
        name="webhook-deliveries",
    ),
    path(
        "v1/webhooks/<int:pk>/deliveries/<int:delivery_id>/replay/",
        partner_views.WebhookDeliveryReplayView.as_view(),
        name="webhook-delivery-replay",
    ),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", api_docs, name="docs"),
    re_path(r"^[\s\S]*$", not_found),  # any other path, newlines included
]
