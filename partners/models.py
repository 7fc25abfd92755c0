"""Partners of the REST API: their keys, rate windows, idempotent requests and webhooks.

Field, index and constraint declarations that look alike across models are declarations
(each names its own table's columns), not logic one piece could serve.
"""

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from kernel.errors import DomainError
from kernel.retries import retry_transitions
from partners.subscriptions import WebhookEvent, parse_events, validate_webhook_url


class Scope(models.TextChoices):
    READ = "read", "Read the directory"
    INVITE = "invite", "Send review invitations"
    WEBHOOKS = "webhooks", "Manage webhook endpoints"
    FHIR = "fhir", "Read the FHIR R4 directory API"


DEFAULT_RATE_PER_MINUTE = 600


class Partner(models.Model):
    """A booking platform, insurer or clinic software that uses the API.

    Keys belong to a partner so a key can be rotated without losing the partner's webhooks.
    """

    name = models.CharField(max_length=120, unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class PartnerKey(models.Model):
    """One API key. Only its SHA-256 is stored; ``prefix`` is the public part shown to staff."""

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="keys")
    prefix = models.CharField(max_length=16, unique=True, editable=False)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    scopes = models.JSONField(default=list, help_text="Any of: read, invite, webhooks, fhir.")
    rate_per_minute = models.PositiveIntegerField(
        default=DEFAULT_RATE_PER_MINUTE,
        validators=[MinValueValidator(1), MaxValueValidator(100_000)],
        help_text="Requests allowed per minute, counted across every server process.",
    )
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(rate_per_minute__gte=1), name="partner_key_rate_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.partner})"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    def clean(self) -> None:
        if not isinstance(self.scopes, list) or not self.scopes:
            raise ValidationError({"scopes": "A list of at least one scope."})
        unknown = [scope for scope in self.scopes if scope not in Scope.values]
        if unknown:
            raise ValidationError(
                {"scopes": f"Unknown scope {unknown[0]!r}; choose from {', '.join(Scope.values)}."}
            )

    def has_scope(self, scope: str) -> bool:
        return scope in self.scopes


class ThrottleWindow(models.Model):
    """Requests a key made in one fixed one-minute window (used when there is no Redis)."""

    key = models.ForeignKey(PartnerKey, on_delete=models.CASCADE, related_name="+")
    window = models.BigIntegerField(help_text="Minutes since the Unix epoch.")
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["key", "window"], name="throttle_one_row_per_window"),
        ]

    def __str__(self) -> str:
        return f"{self.key_id}@{self.window}: {self.count}"


class IdempotencyRecord(models.Model):
    """The first successful answer to a POST sent with an ``Idempotency-Key``.

    The unique constraint is what makes two concurrent requests with one key produce one
    invitation: the second insert waits for the first transaction and then fails.
    """

    partner_key = models.ForeignKey(
        PartnerKey, on_delete=models.CASCADE, related_name="idempotency_records"
    )
    key = models.CharField(max_length=255)
    request_hash = models.CharField(max_length=64, help_text="SHA-256 of method, path and body.")
    response_status = models.PositiveSmallIntegerField()
    response_body = models.JSONField()
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["partner_key", "key"], name="idempotency_key_once_per_partner_key"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.key} ({self.partner_key.prefix})"


class WebhookEndpoint(models.Model):
    """An HTTPS URL a partner wants events posted to, and the secret they are signed with."""

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="webhooks")
    url = models.URLField(max_length=500)
    secret = models.CharField(max_length=80, editable=False)
    events = models.JSONField(default=list)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["is_active"], name="webhook_active_idx")]

    def __str__(self) -> str:
        return f"{self.url} ({self.partner})"

    def clean(self) -> None:
        try:
            self.url = validate_webhook_url(self.url)
        except DomainError as error:
            raise ValidationError({"url": error.message}) from None
        try:
            self.events = parse_events(self.events if isinstance(self.events, list) else None)
        except DomainError as error:
            raise ValidationError({"events": error.message}) from None


# The retry schedule's states (kernel.retries), worded for partners: a declaration per model.
class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    RETRYING = "retrying", "Failed, will retry"
    SUCCEEDED = "succeeded", "Delivered"
    FAILED = "failed", "Gave up"


# Model declarations: the Meta and __str__ are alike in form to IdempotencyKey's only.
class WebhookDelivery(models.Model):
    """One event sent to one endpoint, over one or more attempts."""

    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries"
    )
    # The domain event it reports; ``event_id`` is that event's id, the same at every
    # endpoint and on a replay, so partners can drop duplicates.
    domain_event = models.ForeignKey(
        "directory.Event",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="webhook_deliveries",
    )
    event_id = models.UUIDField(default=uuid.uuid4, editable=False)
    event_type = models.CharField(max_length=64, choices=WebhookEvent.choices)
    payload = models.JSONField()
    status = models.CharField(
        max_length=12, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempt_count = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    delivered_at = models.DateTimeField(null=True, blank=True)

    TRANSITIONS = retry_transitions(DeliveryStatus.SUCCEEDED)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "webhook deliveries"
        indexes = [
            models.Index(fields=["endpoint", "-created_at"], name="delivery_endpoint_idx"),
            models.Index(fields=["status", "next_attempt_at"], name="delivery_status_idx"),
        ]
        constraints = [
            # A relay that runs twice for one event sends it once per endpoint.
            models.UniqueConstraint(
                fields=["endpoint", "domain_event"], name="delivery_once_per_event_and_endpoint"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} → {self.endpoint.url}"


class WebhookAttempt(models.Model):
    """One HTTP request of a delivery: what came back, or why nothing did."""

    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.CASCADE, related_name="attempts")
    number = models.PositiveSmallIntegerField()
    started_at = models.DateTimeField(default=timezone.now)
    duration_ms = models.PositiveIntegerField(default=0)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.CharField(max_length=500, blank=True)
    succeeded = models.BooleanField(default=False)

    class Meta:
        ordering = ["delivery", "number"]

    def __str__(self) -> str:
        outcome = self.status_code or self.error or "no answer"
        return f"Attempt {self.number}: {outcome}"
