"""/verification/: the staff verification queue (docs/product.md names the path)."""

from django.urls import path

from practitioners import verification_views as views

app_name = "verification"

# A plain list of path()s, alike in shape to every app's URLconf: the routes read best so.
urlpatterns = [
    path("", views.queue, name="queue"),
    path("attestations/<int:pk>/", views.attestation_detail, name="attestation"),
    path("attestations/<int:pk>/verify/", views.attestation_verify, name="verify"),
    path("attestations/<int:pk>/reject/", views.attestation_reject, name="reject"),
    path("attestations/<int:pk>/revoke/", views.attestation_revoke, name="revoke"),
    path("claims/", views.claims, name="claims"),
    path("claims/<int:pk>/approve/", views.claim_approve, name="claim_approve"),
    path("claims/<int:pk>/reject/", views.claim_reject, name="claim_reject"),
]
