from django.contrib import admin

from kernel.admin_tools import ReadOnlyInline
from reviews.models import (
    Complication,
    PractitionerResponse,
    PractitionerSummary,
    Review,
    ReviewInvitation,
    ReviewReport,
    ReviewRevision,
    RuleHit,
    SafetyAlert,
)


class ComplicationInline(admin.TabularInline):
    model = Complication
    extra = 0


class RuleHitInline(ReadOnlyInline):
    model = RuleHit
    fk_name = "review"
    fields = ["code", "weight", "explanation", "evidence"]


@admin.register(Review)
class ReviewAdmin(admin.ModelAdmin):
    """Status is read-only: decisions go through the moderation queue, which records them."""

    list_display = [
        "title",
        "practitioner",
        "procedure",
        "rating",
        "status",
        "has_severe_complication",
        "submitted_at",
    ]
    list_filter = [
        "status",
        "has_severe_complication",
        "is_verified_patient",
        "skin_type",
        "procedure",
    ]
    search_fields = ["title", "body", "practitioner__last_name", "author__email"]
    list_select_related = ["practitioner", "procedure"]
    raw_id_fields = ["author", "practitioner", "invitation", "claimed_by"]
    readonly_fields = [
        "status",
        "published_at",
        "risk_score",
        "has_severe_complication",
        "submitted_ip",
    ]
    date_hierarchy = "submitted_at"
    inlines = [ComplicationInline, RuleHitInline]


@admin.register(ReviewRevision)
class ReviewRevisionAdmin(admin.ModelAdmin):
    list_display = ["review", "created_at"]
    raw_id_fields = ["review"]
    readonly_fields = ["review", "created_at", "snapshot"]


@admin.register(ReviewInvitation)
class ReviewInvitationAdmin(admin.ModelAdmin):
    list_display = [
        "practitioner",
        "procedure",
        "treatment_date",
        "created_at",
        "expires_at",
        "used_at",
    ]
    list_filter = ["procedure"]
    search_fields = ["practitioner__last_name", "email"]
    raw_id_fields = ["practitioner", "created_by"]
    readonly_fields = ["token_hash", "used_at"]


@admin.register(PractitionerResponse)
class PractitionerResponseAdmin(admin.ModelAdmin):
    list_display = ["review", "author", "status", "created_at"]
    list_filter = ["status"]
    raw_id_fields = ["review", "author"]
    readonly_fields = ["status", "published_at", "risk_score"]


@admin.register(ReviewReport)
class ReviewReportAdmin(admin.ModelAdmin):
    list_display = ["review", "reason", "status", "created_at"]
    list_filter = ["status", "reason"]
    raw_id_fields = ["review", "reporter"]
    readonly_fields = ["status", "resolved_at"]


@admin.register(SafetyAlert)
class SafetyAlertAdmin(admin.ModelAdmin):
    list_display = ["practitioner", "rule", "status", "created_at"]
    list_filter = ["status", "rule"]
    raw_id_fields = ["practitioner", "reviews"]
    readonly_fields = ["status"]


@admin.register(PractitionerSummary)
class PractitionerSummaryAdmin(admin.ModelAdmin):
    """Derived from the reviews; recomputed, never edited by hand."""

    list_display = [
        "practitioner",
        "review_count",
        "bayesian_rating",
        "severe_count",
        "computed_at",
    ]
    raw_id_fields = ["practitioner"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False
