"""Root URLs. Public paths are part of the product contract (docs/product.md)."""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from accounts.security import ThrottledLoginView, ThrottledPasswordResetView
from directory import views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("moderation-policy/", views.moderation_policy, name="moderation_policy"),
    path("transparency/", views.transparency, name="transparency"),
    path("accounts/login/", ThrottledLoginView.as_view(), name="login"),
    path(
        "accounts/password_reset/",
        ThrottledPasswordResetView.as_view(),
        name="password_reset",
    ),
    path("accounts/two-factor/", include("accounts.second_factor_views")),
    path("accounts/", include("accounts.registration_urls")),
    path("account/", include("accounts.account_views")),
    path("practitioners/", include("listings.urls")),
    # Full paths: practitioners/<slug>/review/, reviews/…, invitations/new/.
    path("", include("reviews.urls")),
    path("dashboard/", include("practitioners.dashboard_urls")),
    path("verification/", include("practitioners.verification_urls")),
    path("", include("reviews.moderation_urls")),
    path("admin/", admin.site.urls),
    path("api/", include("directory.api_urls")),
    # The FHIR R4 directory API (docs/fhir.md): read-only, for partner keys.
    path("fhir/r4/", include("fhir_api.urls")),
    path("docs/", include("directory.docs_views")),
    # Django's set_language (POST, CSRF-checked): the footer's language switch.
    path("i18n/", include("django.conf.urls.i18n")),
]

handler400 = "kernel.limits.bad_request"
handler500 = "kernel.middleware.server_error"

if settings.BENCH_FLOOR:
    from directory.bench_views import floor

    urlpatterns.append(path("bench/floor", floor, name="bench_floor"))
