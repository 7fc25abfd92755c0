from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from accounts.second_factor import second_factor_reset
from kernel.admin_tools import ReadOnlyAdmin, ReadOnlyInline
from kernel.models import AuditEntry, Event, EventHandling, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "display_name", "is_staff", "is_active", "date_joined"]
    list_filter = ["is_staff", "is_superuser", "is_active", "groups"]
    search_fields = ["email", "display_name"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        ("Profile", {"fields": ["display_name", "email_verified_at"]}),
        (
            "Permissions",
            {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]},
        ),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (
            None,
            {"classes": ["wide"], "fields": ["email", "display_name", "password1", "password2"]},
        ),
    ]
    actions = ["reset_second_factor"]

    @admin.action(
        description="Reset two-step sign-in (lost phone): set up a new app at next sign-in",
        permissions=["change"],
    )
    def reset_second_factor(self, request, queryset):
        """The lost-device procedure (SECURITY.md): confirm who is asking first, out of band."""
        for user in queryset:
            second_factor_reset(user=user, actor=request.user)
        count = len(queryset)
        self.message_user(
            request,
            f"Two-step sign-in reset for {count} account{'s' if count != 1 else ''}: each sets "
            "up a new authenticator app at its next sign-in. Recorded in the audit record.",
            messages.SUCCESS,
        )


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    """The decision record is read-only everywhere, the admin included."""

    list_display = [
        "created_at",
        "action",
        "object_repr",
        "from_status",
        "to_status",
        "reason",
        "who",
    ]
    list_filter = ["action", "content_type"]
    search_fields = ["object_repr", "reason", "note", "actor__email", "actor_label"]
    date_hierarchy = "created_at"
    list_select_related = ["actor", "content_type"]


class EventHandlingInline(ReadOnlyInline):
    model = EventHandling
    fields = ["subscriber", "status", "attempt_count", "next_attempt_at", "error", "handled_at"]

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Event)
class EventAdmin(ReadOnlyAdmin):
    """The outbox, read-only: what happened, when it was relayed, how each subscriber fared."""

    list_display = ["occurred_at", "type", "content_type", "object_id", "relayed_at"]
    list_filter = [
        "type",
        "content_type",
        ("relayed_at", admin.EmptyFieldListFilter),
        "handlings__status",
        "handlings__subscriber",
    ]
    search_fields = ["uuid", "type"]
    date_hierarchy = "occurred_at"
    list_select_related = ["content_type"]
    fields = [
        "uuid",
        "type",
        "content_type",
        "object_id",
        "data",
        "occurred_at",
        "audit_entry",
        "relayed_at",
    ]
    readonly_fields = fields
    inlines = [EventHandlingInline]
