from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from practitioners import services
from practitioners.models import (
    Attestation,
    Clinic,
    Evidence,
    Practitioner,
    Procedure,
    ProfileClaim,
    SterilizationAnswer,
    verified_on,
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


class VerifiedTodayFilter(admin.SimpleListFilter):
    """The badge as patients see it today (from the stored valid-through date)."""

    title = "Verified badge"
    parameter_name = "verified"

    def lookups(self, request, model_admin):
        return [("1", "Verified today"), ("0", "Not verified today")]

    def queryset(self, request, queryset):
        today = timezone.localdate()
        if self.value() == "1":
            return queryset.filter(verified_on(today))
        if self.value() == "0":
            return queryset.exclude(verified_on(today))
        return queryset


@admin.register(Practitioner)
class PractitionerAdmin(admin.ModelAdmin):
    list_display = ["__str__", "profession", "clinic", "verified", "owner"]
    list_filter = [VerifiedTodayFilter, "profession", "procedures"]
    search_fields = ["first_name", "last_name", "slug", "npi", "clinic__name", "clinic__city"]
    list_select_related = ["clinic", "owner"]
    raw_id_fields = ["clinic", "owner"]
    readonly_fields = ["verified", "verified_through"]

    @admin.display(boolean=True, description="Verified today")
    def verified(self, practitioner: Practitioner) -> bool:
        return practitioner.is_verified

    filter_horizontal = ["procedures"]
    inlines = [AttestationInline]


class SterilizationAnswerInline(admin.TabularInline):
    """What the practitioner attested: read-only (they submit a new attestation to change it)."""

    model = SterilizationAnswer
    extra = 0
    fields = ["item", "complies", "detail"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class EvidenceInline(admin.TabularInline):
    """What the decision was based on: read-only, never added or removed here."""

    model = Evidence
    extra = 0
    fields = [
        "original_name",
        "content_type",
        "size",
        "uploaded_at",
        "check_status",
        "check_message",
    ]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class AttestationAdminForm(forms.ModelForm):
    """The admin builds its form from this one (its Meta comes from the ModelAdmin)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Each field posts the value the form was opened with, so only what the staff
        # member edited counts as changed: a verification recorded meanwhile (its dates,
        # its source) is not overwritten with what the page showed before it.
        for field in self.fields.values():
            field.show_hidden_initial = True

    editor = None  # the staff member, set by AttestationAdmin.get_form

    def clean_practitioner(self):
        practitioner = self.cleaned_data["practitioner"]
        if self.editor is not None and practitioner.owner_id == self.editor.pk:
            raise ValidationError("You cannot add or move attestations onto your own profile.")
        return practitioner

    def validate_constraints(self):
        # Django skips constraints on fields the form lacks; the licence-number rules
        # depend on the status, read-only here, so they are checked with the stored one.
        exclude = self._get_validation_exclusions() - {"status"}
        try:
            self.instance.validate_constraints(exclude=exclude)
        except ValidationError as error:
            self._update_errors(error)


@admin.register(Attestation)
class AttestationAdmin(admin.ModelAdmin):
    """Details can be corrected here; each change is recorded in the audit trail.

    Status is read-only: verify, reject and revoke go through the verification queue.
    Saves, additions and deletions go through the services, which write only the changed
    fields, record who changed what from what to what, and refresh the Verified badge, all
    in the admin's transaction.
    """

    form = AttestationAdminForm
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
    readonly_fields = list(services.DECISION_FIELDS)
    date_hierarchy = "submitted_at"
    inlines = [SterilizationAnswerInline, EvidenceInline]

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        form.editor = request.user  # a class made for this request
        return form

    def has_change_permission(self, request, obj=None):
        return services.can_edit_in_admin(request.user, obj, action="change")

    def has_delete_permission(self, request, obj=None):
        return services.can_edit_in_admin(request.user, obj, action="delete")

    def save_model(self, request, obj, form, change):
        if change:
            services.attestation_admin_change(
                attestation=obj, fields=form.changed_data, actor=request.user
            )
        else:
            services.attestation_admin_add(attestation=obj, actor=request.user)

    def delete_model(self, request, obj):
        services.attestation_admin_delete(attestation_id=obj.pk, actor=request.user)

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            for pk in queryset.values_list("pk", flat=True):
                services.attestation_admin_delete(attestation_id=pk, actor=request.user)


@admin.register(ProfileClaim)
class ProfileClaimAdmin(admin.ModelAdmin):
    list_display = ["practitioner", "user", "status", "created_at"]
    list_filter = ["status"]
    search_fields = ["practitioner__last_name", "user__email"]
    raw_id_fields = ["practitioner", "user"]
    readonly_fields = ["status", "decided_at"]
