"""Practitioners, where they work, what they offer, and the attestations that verify them."""

from datetime import date

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from practitioners.credentials import (
    AttestationKind,
    Standing,
    SterilizationItem,
    credential_key,
    licence_key,
)
from practitioners.npi import validate_npi


def valid_on(last_day: date | None, today: date) -> bool:
    """When does it lapse? The one answer, for an attestation and for the badge alike.

    Valid through its last day (an expiry date, or the badge's ``verified_through``): that
    day still counts, it lapses the day after. An attestation without an expiry date never
    lapses by date.
    """
    return last_day is None or last_day >= today


def badge_holds(verified_through: date | None, today: date) -> bool:
    """Whether a badge valid through ``verified_through`` is shown on ``today``.

    None means the badge never held; otherwise it lapses as everything does (``valid_on``).
    """
    return verified_through is not None and valid_on(verified_through, today)


# ``valid_on`` as query conditions: the same rule, spelled in SQL for the database to filter.


def lapsed_by(today: date) -> Q:
    """``not valid_on`` as a query condition on attestations (no expiry date never lapses)."""
    return Q(expires_on__lt=today)


def verified_on(today: date) -> Q:
    """``badge_holds`` as a query condition on practitioners (indexed)."""
    return Q(verified_through__gte=today)


class Procedure(models.Model):
    """A treatment patients review (a table so staff can add more)."""

    slug = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=80)
    description = models.TextField(blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Profession(models.TextChoices):
    PHYSICIAN = "physician", "Physician"
    NURSE_PRACTITIONER = "nurse_practitioner", "Nurse practitioner"
    PHYSICIAN_ASSISTANT = "physician_assistant", "Physician assistant"
    REGISTERED_NURSE = "registered_nurse", "Registered nurse"
    ESTHETICIAN = "esthetician", "Esthetician"
    OTHER = "other", "Other"


class Clinic(models.Model):
    """A place where practitioners treat patients, with its address and coordinates."""

    name = models.CharField(max_length=120)
    address_line = models.CharField(max_length=200)
    city = models.CharField(max_length=80)
    region = models.CharField(max_length=80, blank=True, help_text="State, county or province.")
    postal_code = models.CharField(max_length=16, blank=True)
    country = models.CharField(max_length=2, default="US", help_text="ISO 3166 code.")
    latitude = models.FloatField(validators=[MinValueValidator(-90), MaxValueValidator(90)])
    longitude = models.FloatField(validators=[MinValueValidator(-180), MaxValueValidator(180)])
    email_domain = models.CharField(
        max_length=120, blank=True, help_text="Staff e-mail domain, used to spot tied reviewers."
    )
    # When anything about the row last changed: FHIR's meta.lastUpdated, _lastUpdated, _since.
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(latitude__gte=-90, latitude__lte=90), name="clinic_latitude_range"
            ),
            models.CheckConstraint(
                condition=Q(longitude__gte=-180, longitude__lte=180),
                name="clinic_longitude_range",
            ),
        ]
        indexes = [
            # The bounding-box prefilter of a radius search reads this index.
            models.Index(fields=["latitude", "longitude"], name="clinic_lat_lng_idx"),
            models.Index(fields=["city"], name="clinic_city_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.name}, {self.city}"

    def save(self, *args, **kwargs) -> None:
        super().save(*args, **kwargs)
        # Each practitioner's listing shows their clinic, so it changed too.
        self.practitioners.update(updated_at=self.updated_at)


class Practitioner(models.Model):
    """A public profile of someone who performs skin treatments.

    ``verified_through`` is the last day the Verified badge holds, written only by
    ``badges.refresh_badge`` from the attestations (``trust.badge_valid_through``). It is a
    date, not a flag, so search can filter on it through an index and agree with the
    profile on every day, with no job needing to run at midnight.
    """

    first_name = models.CharField(max_length=60)
    last_name = models.CharField(max_length=60)
    slug = models.SlugField(max_length=140, unique=True)
    profession = models.CharField(max_length=32, choices=Profession.choices)
    npi = models.CharField(
        "NPI",
        max_length=10,
        null=True,
        blank=True,
        unique=True,
        validators=[validate_npi],
        help_text="US National Provider Identifier, 10 digits with a valid check digit.",
    )
    bio = models.TextField(blank=True, max_length=4000)
    clinic = models.ForeignKey(
        Clinic, null=True, blank=True, on_delete=models.SET_NULL, related_name="practitioners"
    )
    procedures = models.ManyToManyField(Procedure, related_name="practitioners", blank=True)
    owner = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="practitioner_profile",
        help_text="The account that claimed this profile (set when staff approve a claim).",
    )
    verified_through = models.DateField(null=True, blank=True, editable=False)
    # What partners were last told (verification.changed webhooks), so that a badge lapsing
    # by date is still announced when the daily job next looks.
    badge_announced = models.BooleanField(default=False, editable=False)
    # Name, clinic and city, lower-cased and unaccented, for text search on PostgreSQL:
    # written by database triggers (migration 0005), read through GIN indexes by
    # listings.search. Empty on SQLite, where search reads the columns themselves.
    search_text = models.TextField(blank=True, default="", editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    # When anything a listing shows about them last changed: moved by save(), every status
    # change, column write, badge refresh (an attestation changed), summary recount and
    # clinic save. FHIR partners ask it with _lastUpdated and _since.
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        ordering = ["last_name", "first_name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(npi__isnull=True) | Q(npi__regex=r"^[0-9]{10}$"),
                name="practitioner_npi_ten_digits",
            ),
        ]
        indexes = [
            models.Index(fields=["verified_through"], name="practitioner_verified_idx"),
            models.Index(fields=["profession"], name="practitioner_profession_idx"),
        ]

    def __str__(self) -> str:
        return self.full_name

    def get_absolute_url(self) -> str:
        return reverse("practitioners:detail", kwargs={"slug": self.slug})

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def is_verified(self) -> bool:
        """The Verified badge as shown today (the site's date), from ``verified_through``."""
        return badge_holds(self.verified_through, timezone.localdate())


class ClaimStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"


class ProfileClaim(models.Model):
    """A user's request to own a practitioner profile; staff approve it."""

    practitioner = models.ForeignKey(Practitioner, on_delete=models.CASCADE, related_name="claims")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile_claims"
    )
    status = models.CharField(max_length=16, choices=ClaimStatus.choices, default="pending")
    # Bumped on every change its author makes and on every decision: a staff decision names
    # the version the decider saw and is refused if it has moved since (kernel.versions).
    version = models.PositiveIntegerField(default=1, editable=False)
    message = models.TextField(blank=True, max_length=2000)
    created_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decision_reason = models.TextField(blank=True, help_text="Why it was rejected.")

    TRANSITIONS = {
        ClaimStatus.PENDING: frozenset({ClaimStatus.APPROVED, ClaimStatus.REJECTED}),
    }

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["practitioner", "user"],
                condition=Q(status="pending"),
                name="claim_one_pending_per_user_and_profile",
            ),
        ]

    def __str__(self) -> str:
        return f"Claim of {self.practitioner} by {self.user}"

    def decision_parties(self):
        """Who a decision on this claim concerns (practitioners.conflicts)."""
        return {self.user_id}, self.practitioner


# Django enums, alike in shape to Profession by design: each is its own vocabulary.
class AttestationStatus(models.TextChoices):
    PENDING = "pending", "Pending review"
    VERIFIED = "verified", "Verified"
    REJECTED = "rejected", "Rejected"
    EXPIRED = "expired", "Expired"
    REVOKED = "revoked", "Revoked"


class VerificationMethod(models.TextChoices):
    REGISTRY = "registry", _("License registry")
    DOCUMENTS = "documents", "Documents reviewed by staff"


class Attestation(models.Model):
    """A claim a practitioner makes about themselves that staff or a registry verify.

    Credentials (a licence, board certification, insurance, device training) and the
    sterilization attestation share one life cycle, one queue and one audit trail; the
    licence-only fields are empty for other kinds. ``expires_on`` is the date after which
    the attestation lapses: a licence's own expiry, or 12 months after verification for a
    sterilization attestation. ``next_check_due`` carries FHIR VerificationResult's
    "next scheduled validation".
    """

    Kind = AttestationKind
    Status = AttestationStatus

    TRANSITIONS = {
        AttestationStatus.PENDING: frozenset(
            {AttestationStatus.VERIFIED, AttestationStatus.REJECTED}
        ),
        AttestationStatus.VERIFIED: frozenset(
            {AttestationStatus.EXPIRED, AttestationStatus.REVOKED}
        ),
    }

    practitioner = models.ForeignKey(
        Practitioner, on_delete=models.CASCADE, related_name="attestations"
    )
    kind = models.CharField(max_length=32, choices=AttestationKind.choices)
    status = models.CharField(
        max_length=16, choices=AttestationStatus.choices, default=AttestationStatus.PENDING
    )
    # Bumped on every change its author makes and on every decision: a staff decision names
    # the version the decider saw and is refused if it has moved since (kernel.versions).
    version = models.PositiveIntegerField(default=1, editable=False)
    # Credential details (a licence needs number and authority).
    number = models.CharField(max_length=64, blank=True)
    issuing_authority = models.CharField(
        max_length=120, blank=True, help_text="Jurisdiction or board that issued it."
    )
    license_type = models.CharField(max_length=80, blank=True)
    issued_on = models.DateField(null=True, blank=True)
    expires_on = models.DateField(null=True, blank=True)
    standing = models.CharField(max_length=16, choices=Standing.choices, blank=True)
    # Sterilization only.
    last_spore_test_on = models.DateField(
        null=True, blank=True, help_text="Date of the last passed biological indicator test."
    )
    # How it was checked (FHIR VerificationResult: primary source, validation date, next).
    verification_method = models.CharField(
        max_length=16, choices=VerificationMethod.choices, blank=True
    )
    verification_source = models.CharField(max_length=160, blank=True)
    verified_at = models.DateTimeField(null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    next_check_due = models.DateField(null=True, blank=True)
    decision_reason = models.TextField(blank=True, help_text="Why it was rejected or revoked.")
    submitted_at = models.DateTimeField(default=timezone.now)
    # Moved by save() and every status change (kernel.status_change honours auto_now).
    updated_at = models.DateTimeField(auto_now=True, db_index=True)
    # Reminders already sent, so the daily expiry job never sends one twice.
    expiry_warning_sent_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["submitted_at", "id"]
        permissions = [("verify_attestation", "Can verify, reject and revoke attestations")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind="license") | (~Q(number="") & ~Q(issuing_authority="")),
                name="attestation_license_has_number_and_authority",
            ),
            models.CheckConstraint(
                condition=Q(expires_on__isnull=True)
                | Q(issued_on__isnull=True)
                | Q(expires_on__gte=models.F("issued_on")),
                name="attestation_expires_after_issue",
            ),
            models.CheckConstraint(
                condition=~Q(status="verified") | Q(verified_at__isnull=False),
                name="attestation_verified_has_date",
            ),
            # One live licence per number per authority: at most one verified and one
            # pending. Both at once only while a renewal awaits review: the submission
            # service allows it for the holder of the verified one, within the licence's
            # renewal window (practitioners.credentials) of its expiry, and verifying the
            # renewal ends the old one's term (expired) in the same transaction. These are
            # the licence's register rules (CredentialKind.on_register) in SQL.
            models.UniqueConstraint(
                fields=["issuing_authority", "number"],
                condition=Q(kind="license", status="verified"),
                name="attestation_one_verified_license_per_number",
                violation_error_message=(
                    "Another verified licence with this number and authority is on file."
                ),
            ),
            models.UniqueConstraint(
                fields=["issuing_authority", "number"],
                condition=Q(kind="license", status="pending"),
                name="attestation_one_pending_license_per_number",
                violation_error_message=(
                    "Another licence with this number and authority is awaiting review."
                ),
            ),
        ]
        indexes = [
            models.Index(fields=["status", "submitted_at"], name="attestation_queue_idx"),
            models.Index(fields=["practitioner", "kind", "status"], name="attestation_owner_idx"),
            models.Index(fields=["status", "expires_on"], name="attestation_expiry_idx"),
            # The licence registry import looks licences up by number, chunk by chunk.
            models.Index(fields=["number"], name="attestation_number_idx"),
        ]

    def __str__(self) -> str:
        label = self.get_kind_display()
        if self.number:
            label += f" {self.number}"
        return f"{label} — {self.practitioner}"

    def decision_parties(self):
        """An attestation concerns only its practitioner (practitioners.conflicts)."""
        return set(), self.practitioner

    @property
    def licence_key(self) -> tuple[str, str]:
        """What makes two licences the same one (``credentials.licence_key``)."""
        return licence_key(self)

    @property
    def credential_key(self) -> tuple[str, ...]:
        """What makes two attestations records of the same credential (``credentials``)."""
        return credential_key(self)


class SterilizationAnswer(models.Model):
    """One item of a sterilization attestation, answered."""

    attestation = models.ForeignKey(Attestation, on_delete=models.CASCADE, related_name="items")
    item = models.CharField(max_length=32, choices=SterilizationItem.choices)
    complies = models.BooleanField()
    detail = models.CharField(max_length=500, blank=True)
    attested_on = models.DateField(help_text="The day the practitioner gave this answer.")

    class Meta:
        ordering = ["attestation", "item"]
        constraints = [
            models.UniqueConstraint(fields=["attestation", "item"], name="sterilization_item_once"),
        ]

    def __str__(self) -> str:
        return f"{self.get_item_display()}: {'yes' if self.complies else 'no'}"


def evidence_storage():
    from django.core.files.storage import storages

    return storages["evidence"]


def evidence_path(instance: "Evidence", filename: str) -> str:
    # The stored name never reuses the uploaded one: it may carry anything.
    return f"{instance.attestation.practitioner_id}/{instance.sha256[:2]}/{instance.sha256}"


class EvidenceCheck(models.TextChoices):
    """Where an uploaded file is in its content check (images are decoded in the background)."""

    CHECKING = "checking", "Being checked"
    PASSED = "passed", "Checked"
    FAILED = "failed", "Could not be read"


class Evidence(models.Model):
    """A document backing an attestation. Stored outside the public media path.

    Images are decoded after the upload, in the task worker (``practitioners.evidence``):
    until then ``check_status`` is ``checking`` and the file is not served.
    """

    attestation = models.ForeignKey(Attestation, on_delete=models.CASCADE, related_name="evidence")
    file = models.FileField(storage=evidence_storage, upload_to=evidence_path)
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=40)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_at = models.DateTimeField(default=timezone.now)
    check_status = models.CharField(
        max_length=10, choices=EvidenceCheck.choices, default=EvidenceCheck.CHECKING
    )
    check_message = models.CharField(
        max_length=300, blank=True, help_text="Why the file could not be used, for its uploader."
    )
    checked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["uploaded_at"]
        verbose_name_plural = "evidence"
        constraints = [
            models.CheckConstraint(
                condition=Q(content_type__in=["application/pdf", "image/jpeg", "image/png"]),
                name="evidence_allowed_types",
            ),
        ]

    def __str__(self) -> str:
        return self.original_name
