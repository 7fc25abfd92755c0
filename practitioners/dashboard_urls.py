"""/dashboard/: a practitioner's own pages."""

from django.urls import path

from practitioners import dashboard_views as views

app_name = "dashboard"

urlpatterns = [
    path("", views.dashboard, name="home"),
    path("claim/<slug:slug>/", views.claim, name="claim"),
    path("credentials/new/", views.credential_new, name="credential_new"),
    path("sterilization/new/", views.sterilization_new, name="sterilization_new"),
    path("attestations/<int:pk>/", views.attestation_detail, name="attestation"),
    path(
        "attestations/<int:pk>/evidence/",
        views.attestation_add_evidence,
        name="attestation_add_evidence",
    ),
    path("npi/", views.npi_update, name="npi"),
    path("evidence/<int:pk>/", views.evidence_file, name="evidence"),
]
