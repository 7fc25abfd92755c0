"""Staff views of partners: keys by prefix (revocable), webhook endpoints, every delivery attempt.

Keys are created with ``manage.py create_partner_key`` (the raw key is printed once);
the admin never shows a key, its hash or a webhook secret.
"""

from django.contrib import admin

from kernel.admin_tools import ReadOnlyInline, apply_to_each
from partners import services
from partners.models import Partner, PartnerKey, WebhookAttempt, WebhookDelivery, WebhookEndpoint


class PartnerKeyInline(ReadOnlyInline):
    model = PartnerKey
    fields = ["prefix", "scopes", "rate_per_minute", "created_at", "last_used_at", "revoked_at"]
    show_change_link = True


@admin.register(Partner)
class PartnerAdmin(admin.ModelAdmin):
    list_display = ["name", "created_at"]
    search_fields = ["name"]
    inlines = [PartnerKeyInline]


@admin.register(PartnerKey)
class PartnerKeyAdmin(admin.ModelAdmin):
    list_display = [
        "prefix",
        "partner",
        "scopes",
        "rate_per_minute",
        "created_at",
        "last_used_at",
        "revoked_at",
    ]
    list_filter = [("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["prefix", "partner__name"]
    list_select_related = ["partner"]
    fields = [
        "partner",
        "prefix",
        "scopes",
        "rate_per_minute",
        "created_at",
        "created_by",
        "last_used_at",
        "revoked_at",
    ]
    readonly_fields = [
        "partner",
        "prefix",
        "created_at",
        "created_by",
        "last_used_at",
        "revoked_at",
    ]
    actions = ["revoke"]

    def has_add_permission(self, request):
        # The raw key must be shown exactly once, outside any page or message store.
        return False

    @admin.action(description="Revoke selected keys", permissions=["change"])
    def revoke(self, request, queryset):
        apply_to_each(
            self,
            request,
            queryset,
            lambda key: services.partner_key_revoke(key_id=key.pk, actor=request.user),
            label=lambda key: key.prefix,
            done="Revoked {} key(s).",
        )


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    list_display = ["url", "partner", "events", "is_active", "created_at"]
    list_filter = ["is_active"]
    search_fields = ["url", "partner__name"]
    list_select_related = ["partner"]
    fields = ["partner", "url", "events", "is_active", "created_at"]
    readonly_fields = ["partner", "created_at"]

    def has_add_permission(self, request):
        # Created by the partner (API) or `manage.py create_webhook`, which show the secret once.
        return False


class WebhookAttemptInline(ReadOnlyInline):
    model = WebhookAttempt
    fields = ["number", "started_at", "duration_ms", "status_code", "error", "succeeded"]


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = [
        "event_type",
        "endpoint",
        "status",
        "attempt_count",
        "next_attempt_at",
        "created_at",
        "delivered_at",
    ]
    list_filter = ["status", "event_type"]
    search_fields = ["endpoint__url", "endpoint__partner__name", "event_id"]
    list_select_related = ["endpoint", "endpoint__partner"]
    date_hierarchy = "created_at"
    readonly_fields = [
        "endpoint",
        "domain_event",  # the outbox row it announces (read-only: never a list of every event)
        "event_id",
        "event_type",
        "payload",
        "status",
        "attempt_count",
        "next_attempt_at",
        "created_at",
        "delivered_at",
    ]
    inlines = [WebhookAttemptInline]
    actions = ["replay"]

    def has_add_permission(self, request):
        return False

    @admin.action(description="Send selected deliveries again", permissions=["change"])
    def replay(self, request, queryset):
        apply_to_each(
            self,
            request,
            queryset,
            lambda delivery: services.webhook_delivery_replay(
                delivery_id=delivery.pk, actor=request.user
            ),
            label=lambda delivery: f"Delivery {delivery.pk}",
            done="Queued {} delivery(ies) again.",
        )
