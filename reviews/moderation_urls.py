"""Moderation URLs, mounted at the site root: /moderation/… and /reviews/<id>/report/."""

from django.urls import path

from reviews import moderation_views as views

app_name = "moderation"

# One path() per page: a declaration list, alike in form to every other URL list.
urlpatterns = [
    path("moderation/", views.queue, name="queue"),
    path("moderation/next/", views.next_item, name="next"),
    path("moderation/bulk-approve/", views.bulk_approve_view, name="bulk_approve"),
    path("moderation/reviews/<int:pk>/", views.review_detail, name="review"),
    path("moderation/reviews/<int:pk>/claim/", views.review_claim, name="claim"),
    path("moderation/reviews/<int:pk>/release/", views.review_release, name="release"),
    path("moderation/reviews/<int:pk>/decide/", views.review_decide, name="decide"),
    path("moderation/responses/", views.responses, name="responses"),
    path("moderation/responses/<int:pk>/decide/", views.response_decide, name="response_decide"),
    path("moderation/alerts/", views.alerts, name="alerts"),
    path("moderation/alerts/<int:pk>/resolve/", views.alert_resolve_view, name="alert_resolve"),
    path("reviews/<int:pk>/report/", views.report, name="report"),
]
