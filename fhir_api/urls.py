"""Mounted at /fhir/r4/ (canonical.MOUNT). No trailing slashes: FHIR's URLs have none.

Route declarations look like every URL map's; each names its own views.
"""

from django.urls import path, re_path

from fhir_api import export_views, views
from fhir_api.definitions import CODE_SYSTEMS, STRUCTURE_DEFINITIONS
from fhir_api.outcomes import unknown_path

app_name = "fhir"

urlpatterns = [
    path("metadata", views.CapabilitiesView.as_view(), name="metadata"),
    path("$export", export_views.ExportView.as_view(), name="export"),
    path("$export-status/<uuid:export_id>", export_views.StatusView.as_view(), name="status"),
    path(
        "$export-file/<uuid:export_id>/<str:kind>.ndjson",
        export_views.FileView.as_view(),
        name="file",
    ),
    path(
        "StructureDefinition/<str:fhir_id>",
        views.DefinitionView.as_view(definitions=STRUCTURE_DEFINITIONS, kind="StructureDefinition"),
        name="structure-definition",
    ),
    path(
        "CodeSystem/<str:fhir_id>",
        views.DefinitionView.as_view(definitions=CODE_SYSTEMS, kind="CodeSystem"),
        name="code-system",
    ),
    path("<str:kind>", views.SearchView.as_view(), name="search"),
    path("<str:kind>/<str:fhir_id>", views.ReadView.as_view(), name="read"),
    re_path(r"^[\s\S]*$", unknown_path),  # any other path, newlines included
]
