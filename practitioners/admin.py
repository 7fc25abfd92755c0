from django.contrib import admin

from practitioners.models import (
    Attestation,
    Clinic,
    Evidence,
    Practitioner,
    Procedure,
    ProfileClaim,
    SterilizationAnswer,
)


@admin.register(Procedure)
class ProcedureAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Clinic)
class ClinicAdmin(admin.ModelAdmin):
    list_display = ["name", "city", "region", "postal_code", "country"]
    list_filter = ["country"]
    search_fields = ["name", "city", "postal_code"]


class AttestationInline(admin.TabularInline):
    model = Attestation
    extra = 0
    fields = ["kind", "status", "number", "issuing_authority", "expires_on", "verified_at"]
    readonly_fields = fields
    show_change_link = True
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Practitioner)
class PractitionerAdmin(admin.ModelAdmin):
    list_display = ["__str__", "profession", "clinic", "is_verified", "owner"]
    list_filter = ["is_verified", "profession", "procedures"]
    search_fields = ["first_name", "last_name", "slug", "npi", "clinic__name", "clinic__city"]
    list_select_related = ["clinic", "owner"]
    raw_id_fields = ["clinic", "owner"]
    readonly_fields = ["is_verified", "verified_checked_at"]
    filter_horizontal = ["procedures"]
    inlines = [AttestationInline]


class SterilizationAnswerInline(admin.TabularInline):
    model = SterilizationAnswer
    extra = 0


class EvidenceInline(admin.TabularInline):
    model = Evidence
    extra = 0
    fields = ["original_name", "content_type", "size", "uploaded_at"]
    readonly_fields = fields


@admin.register(Attestation)
class AttestationAdmin(admin.ModelAdmin):
    """Status is read-only here: verify, reject and revoke go through the verification queue."""

    list_display = [
        "__str__",
        "kind",
        "status",
        "standing",
        "expires_on",
        "verified_at",
        "submitted_at",
    ]
    list_filter = ["kind", "status", "standing", "verification_method"]
    search_fields = ["number", "issuing_authority", "practitioner__last_name", "practitioner__slug"]
    list_select_related = ["practitioner"]
    raw_id_fields = ["practitioner", "verified_by"]
    readonly_fields = [
        "status",
        "verified_at",
        "verified_by",
        "verification_method",
        "decision_reason",
    ]
    date_hierarchy = "submitted_at"
    inlines = [SterilizationAnswerInline, EvidenceInline]


@admin.register(ProfileClaim)
class ProfileClaimAdmin(admin.ModelAdmin):
    list_display = ["practitioner", "user", "status", "created_at"]
    list_filter = ["status"]
    search_fields = ["practitioner__last_name", "user__email"]
    raw_id_fields = ["practitioner", "user"]
    readonly_fields = ["status", "decided_at"]
