"""Moderation URLs, mounted at the site root: /moderation/… and /reviews/<id>/report/."""

from django.urls import path

from reviews import moderation_views as views

app_name = "moderation"

# One row a page: (route, view, URL name); a declaration table like every URL list.
PAGES = (
    ("moderation/", views.queue, "queue"),
    ("moderation/next/", views.next_item, "next"),
    ("moderation/bulk-approve/", views.bulk_approve_view, "bulk_approve"),
    ("moderation/reviews/<int:pk>/", views.review_detail, "review"),
    ("moderation/reviews/<int:pk>/claim/", views.review_claim, "claim"),
    ("moderation/reviews/<int:pk>/release/", views.review_release, "release"),
    ("moderation/reviews/<int:pk>/decide/", views.review_decide, "decide"),
    ("moderation/responses/", views.responses, "responses"),
    ("moderation/responses/<int:pk>/decide/", views.response_decide, "response_decide"),
    ("moderation/alerts/", views.alerts, "alerts"),
    ("moderation/alerts/<int:pk>/resolve/", views.alert_resolve_view, "alert_resolve"),
    ("reviews/<int:pk>/report/", views.report, "report"),
)

urlpatterns = [path(route, view, name=name) for route, view, name in PAGES]
