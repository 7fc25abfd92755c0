"""Review pages, mounted at the site root with full paths (see directory/urls.py).

``practitioners/<slug>/review/`` is matched here because the practitioners app only
matches ``<slug>/``.
"""

from django.urls import path

from reviews import views

app_name = "reviews"

# One row a page: (route, view, URL name); a declaration table like every URL list.
PAGES = (
    ("practitioners/<slug:slug>/review/", views.write_review, "write"),
    ("reviews/mine/", views.my_reviews, "mine"),
    ("reviews/<int:pk>/submitted/", views.review_submitted, "submitted"),
    ("reviews/<int:pk>/edit/", views.edit_review, "edit"),
    ("reviews/<int:pk>/withdraw/", views.withdraw_review, "withdraw"),
    ("reviews/<int:pk>/respond/", views.respond, "respond"),
    ("reviews/practice/", views.practice_reviews, "practice"),
    ("invitations/new/", views.invite, "invite"),
)

urlpatterns = [path(route, view, name=name) for route, view, name in PAGES]
