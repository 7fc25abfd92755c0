"""Webhook endpoints and their deliveries, as the partner who owns them sees them."""

from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from rest_framework import serializers

from partners.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint, WebhookEvent
from partners.subscriptions import allow_insecure_webhooks


class WebhookEndpointSerializer(serializers.ModelSerializer):
    events = serializers.ListField(child=serializers.ChoiceField(choices=WebhookEvent.choices))

    class Meta:
        model = WebhookEndpoint
        fields = ["id", "url", "events", "is_active", "created_at"]


class WebhookEndpointCreatedSerializer(WebhookEndpointSerializer):
    secret = serializers.CharField(
        help_text="Signs every delivery (HMAC-SHA256). Shown only in this answer: store it."
    )

    class Meta(WebhookEndpointSerializer.Meta):
        fields = [*WebhookEndpointSerializer.Meta.fields, "secret"]


# The URLs the schema offers: a host name (labels of at most 63 letters, digits or hyphens,
# 253 characters in all, ending in a top-level domain), an optional port, any path. The
# API also takes a numeric address when it is public; whether a name resolves to public
# addresses only is checked by the service, at registration and before each delivery.
WEBHOOK_URL_PATTERN = (
    r"^{scheme}://(?=[^/?#:]{{1,253}}(?:[/?#:]|$))"
    r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]{{0,61}}[A-Za-z0-9])?\.)+[A-Za-z]{{2,63}}"
    r"(?::[1-9][0-9]{{0,3}})?(?:[/?#]\S*)?$"
)


def webhook_url_pattern() -> str:
    """The pattern in force: plain HTTP too only where development allows it."""
    return WEBHOOK_URL_PATTERN.format(scheme="https?" if allow_insecure_webhooks() else "https")


class WebhookURLField(serializers.URLField):
    """A webhook URL (at most 500 characters); the service checks where it leads."""

    def __init__(self, **kwargs):
        super().__init__(max_length=500, **kwargs)


class WebhookURLFieldSchema(OpenApiSerializerFieldExtension):
    target_class = WebhookURLField

    def map_serializer_field(self, auto_schema, direction):
        return {
            "type": "string",
            "format": "uri",
            "maxLength": 500,
            "pattern": webhook_url_pattern(),
        }


class WebhookEndpointInputSerializer(serializers.Serializer):
    url = WebhookURLField(help_text="HTTPS URL that accepts POSTs.")
    events = serializers.ListField(
        child=serializers.ChoiceField(choices=WebhookEvent.choices),
        required=False,
        max_length=len(WebhookEvent.values),
        help_text="Events to receive; all of them when left out.",
    )


class WebhookAttemptSerializer(serializers.ModelSerializer):
    class Meta:
        model = WebhookAttempt
        fields = ["number", "started_at", "duration_ms", "status_code", "error", "succeeded"]


class WebhookDeliverySerializer(serializers.ModelSerializer):
    attempts = WebhookAttemptSerializer(many=True)

    class Meta:
        model = WebhookDelivery
        fields = [
            "id",
            "event_id",
            "event_type",
            "status",
            "attempt_count",
            "next_attempt_at",
            "created_at",
            "delivered_at",
            "payload",
            "attempts",
        ]
