"""Review pages, mounted at the site root with full paths (see directory/urls.py).

``practitioners/<slug>/review/`` is matched here because the practitioners app only
matches ``<slug>/``.
"""

from django.urls import path

from reviews import views

app_name = "reviews"

# One path() per page: a declaration list, alike in form to every other URL list.
urlpatterns = [
    path("practitioners/<slug:slug>/review/", views.write_review, name="write"),
    path("reviews/mine/", views.my_reviews, name="mine"),
    path("reviews/<int:pk>/submitted/", views.review_submitted, name="submitted"),
    path("reviews/<int:pk>/edit/", views.edit_review, name="edit"),
    path("reviews/<int:pk>/withdraw/", views.withdraw_review, name="withdraw"),
    path("reviews/<int:pk>/respond/", views.respond, name="respond"),
    path("reviews/practice/", views.practice_reviews, name="practice"),
    path("invitations/new/", views.invite, name="invite"),
]
