"""Site-wide models: the user account, the append-only decision record and the event outbox."""

import uuid

from django.contrib.auth.models import AbstractUser, UserManager
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone

from kernel.retries import retry_transitions

# Shared webmail domains say nothing about who employs the reviewer.
WEBMAIL_DOMAINS = frozenset(
    {
        "gmail.com",
        "googlemail.com",
        "outlook.com",
        "hotmail.com",
        "live.com",
        "yahoo.com",
        "icloud.com",
        "me.com",
        "aol.com",
        "proton.me",
        "protonmail.com",
        "gmx.com",
    }
)


class AccountManager(UserManager):
    """Accounts are identified by e-mail; there is no separate username."""

    use_in_migrations = True

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("An e-mail address is required")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra_fields)


class User(AbstractUser):
    """A patient, a practitioner or a staff member.

    Roles are permissions, not types: moderators hold ``reviews.moderate_review``,
    verifiers ``practitioners.verify_attestation``; a practitioner is a user who owns a
    ``Practitioner`` profile. The e-mail is private: only ``display_name`` is ever public.
    """

    username = None
    first_name = None
    last_name = None
    email = models.EmailField("e-mail address", unique=True)
    display_name = models.CharField(
        max_length=60, help_text="The only name shown next to your reviews."
    )
    email_verified_at = models.DateTimeField(null=True, blank=True)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = ["display_name"]

    objects = AccountManager()

    class Meta:
        constraints = [
            models.UniqueConstraint(Lower("email"), name="user_email_ci_unique"),
        ]

    def __str__(self) -> str:
        return self.display_name or self.email

    @property
    def email_domain(self) -> str:
        return self.email.rpartition("@")[2].lower()

    @property
    def employer_domain(self) -> str:
        """The e-mail domain when it can say who employs the account; "" for webmail."""
        domain = self.email_domain
        return "" if domain in WEBMAIL_DOMAINS else domain

    @property
    def has_confirmed_email(self) -> bool:
        """The account followed the link we e-mailed: a real, reachable person."""
        return self.email_verified_at is not None


class AuditQuerySet(models.QuerySet):
    """Entries are written once and never changed: bulk edits are refused."""

    def update(self, **kwargs):
        raise PermissionError("The audit record is append-only")

    def delete(self):
        raise PermissionError("The audit record is append-only")

    def for_object(self, obj: models.Model) -> "AuditQuerySet":
        return self.filter(
            content_type=ContentType.objects.get_for_model(obj), object_id=obj.pk
        ).select_related("actor")


class AuditEntry(models.Model):
    """One moderation or verification decision: who moved what from which state to which, and why.

    ``action`` is a dotted code (``review.published``, ``attestation.verified``); the
    reason is a policy reason code where the decision needs one. ``object_repr`` keeps
    what the object was called when it was acted on, as Django's LogEntry does.
    """

    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        "directory.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_label = models.CharField(
        max_length=80,
        blank=True,
        help_text="System actor when there is no user (registry, expiry).",
    )
    action = models.CharField(max_length=64, db_index=True)
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT)
    object_id = models.PositiveBigIntegerField()
    subject = GenericForeignKey("content_type", "object_id")
    object_repr = models.CharField(max_length=200)
    from_status = models.CharField(max_length=32, blank=True)
    to_status = models.CharField(max_length=32, blank=True)
    reason = models.CharField(max_length=64, blank=True)
    note = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)

    objects = AuditQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name_plural = "audit entries"
        indexes = [models.Index(fields=["content_type", "object_id", "created_at"])]

    def __str__(self) -> str:
        return f"{self.action} {self.object_repr} {self.from_status}→{self.to_status}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise PermissionError("The audit record is append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("The audit record is append-only")

    @property
    def who(self) -> str:
        return str(self.actor) if self.actor_id else (self.actor_label or "system")


class Event(models.Model):
    """A domain event in the transactional outbox: something happened to ``subject``.

    Written in the same transaction as the change it reports (``kernel.events``), so
    a change and its event commit or roll back together. The worker's relay hands each
    event to its subscribers after commit (``relayed_at``); each subscriber's handling is
    an ``EventHandling`` row, retried on its own. ``data`` is what the event carries in
    plain JSON (statuses, a reason, the badge's reasons); subscribers read the subject
    itself for anything else.
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    type = models.CharField(max_length=64, db_index=True)
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT)
    object_id = models.PositiveBigIntegerField()
    subject = GenericForeignKey("content_type", "object_id")
    # No copy of the subject's name: erasing personal data must not have to find it here.
    data = models.JSONField(default=dict, blank=True)
    occurred_at = models.DateTimeField(default=timezone.now)
    audit_entry = models.ForeignKey(
        AuditEntry, null=True, blank=True, on_delete=models.PROTECT, related_name="events"
    )
    relayed_at = models.DateTimeField(
        null=True, blank=True, help_text="When the relay handed it to its subscribers."
    )

    class Meta:
        ordering = ["occurred_at", "id"]
        indexes = [
            models.Index(fields=["content_type", "object_id"], name="event_subject_idx"),
            models.Index(
                fields=["occurred_at"],
                condition=models.Q(relayed_at__isnull=True),
                name="event_unrelayed_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.type} {self.content_type.model} #{self.object_id}"


# The states of the retry schedule (kernel.retries); webhook deliveries declare their own
# choices because their success is worded for partners. Declarations, alike in form only.
class HandlingStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    RETRYING = "retrying", "Failed, will retry"
    DONE = "done", "Done"
    FAILED = "failed", "Gave up"


class EventHandling(models.Model):
    """One subscriber's handling of one event: its own attempts, backoff and outcome.

    ``error`` is the class of the last failure (the exception's type), never its text.
    """

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="handlings")
    subscriber = models.CharField(max_length=120)
    status = models.CharField(
        max_length=12, choices=HandlingStatus.choices, default=HandlingStatus.PENDING
    )
    attempt_count = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    error = models.CharField(max_length=120, blank=True)
    handled_at = models.DateTimeField(null=True, blank=True)

    TRANSITIONS = retry_transitions(HandlingStatus.DONE)

    class Meta:
        ordering = ["event", "subscriber"]
        constraints = [
            models.UniqueConstraint(
                fields=["event", "subscriber"], name="event_handled_once_per_subscriber"
            ),
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="handling_due_idx")]

    def __str__(self) -> str:
        return f"{self.event} → {self.subscriber}: {self.status}"
