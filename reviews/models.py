"""Patient reviews, the complications they report, and everything moderation keeps about them."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

RATING_VALIDATORS = [MinValueValidator(1), MaxValueValidator(5)]


# The choices below are what the database stores and forms offer: enumerations, alike in
# form only (as are the model field blocks further down).
class ReviewStatus(models.TextChoices):
    PENDING = "pending", "Pending moderation"
    PUBLISHED = "published", "Published"
    REJECTED = "rejected", "Rejected"
    CHANGES_REQUESTED = "changes_requested", "Changes requested"
    HIDDEN = "hidden", "Hidden after a report"
    WITHDRAWN = "withdrawn", "Withdrawn by its author"


class SkinType(models.TextChoices):
    I = "I", "Type I"  # noqa: E741 — Fitzpatrick types are Roman numerals
    II = "II", "Type II"
    III = "III", "Type III"
    IV = "IV", "Type IV"
    V = "V", "Type V"
    VI = "VI", "Type VI"


# Hyperpigmentation is far more frequent on these types; the safety summary reports it apart.
DARKER_SKIN_TYPES = frozenset({SkinType.IV, SkinType.V, SkinType.VI})

# The one review-count threshold. Below it no rating and no safety statement is shown
# anywhere (search cards, profile, API, webhooks), neither as a number nor as reassurance.
MIN_REVIEWS_FOR_FIGURES = 5


def has_enough_reviews(count: int) -> bool:
    """Whether ``count`` reviews are enough to show a rating or any safety figure."""
    return count >= MIN_REVIEWS_FOR_FIGURES


# The review form's closed answers: one TextChoices declaration each, alike in form only.
class WorthIt(models.TextChoices):
    YES = "yes", "Worth it"
    NOT_SURE = "not_sure", "Not sure"
    NO = "no", "Not worth it"


class YesNoUnknown(models.TextChoices):
    YES = "yes", "Yes"
    NO = "no", "No"
    UNKNOWN = "unknown", "Don't know"


class ComplicationType(models.TextChoices):
    INFECTION = "infection", "Infection"
    ALLERGIC_REACTION = "allergic_reaction", "Allergic reaction"
    HYPERPIGMENTATION = "hyperpigmentation", "Hyperpigmentation"
    SCARRING = "scarring", "Scarring"
    INFLAMMATION = "inflammation", "Prolonged inflammation"
    PAIN = "pain", "Post-treatment pain"
    OTHER = "other", "Other"


class Severity(models.TextChoices):
    MILD = "mild", "Mild"
    MODERATE = "moderate", "Moderate"
    SEVERE = "severe", "Severe"


class TreatmentNeeded(models.TextChoices):
    NONE = "none", "None"
    SELF_CARE = "self_care", "Self-care"
    PRESCRIPTION = "prescription", "Prescription"
    SPECIALIST = "specialist", "Specialist"
    EMERGENCY = "emergency", "Emergency care"


class Outcome(models.TextChoices):
    RESOLVED = "resolved", "Resolved"
    ONGOING = "ongoing", "Ongoing"


class Review(models.Model):
    """A patient's structured account of one treatment with one practitioner."""

    Status = ReviewStatus

    TRANSITIONS = {
        ReviewStatus.PENDING: frozenset(
            {
                ReviewStatus.PUBLISHED,
                ReviewStatus.REJECTED,
                ReviewStatus.CHANGES_REQUESTED,
                ReviewStatus.WITHDRAWN,
            }
        ),
        ReviewStatus.PUBLISHED: frozenset(
            {ReviewStatus.HIDDEN, ReviewStatus.PENDING, ReviewStatus.WITHDRAWN}
        ),
        ReviewStatus.CHANGES_REQUESTED: frozenset({ReviewStatus.PENDING, ReviewStatus.WITHDRAWN}),
        ReviewStatus.REJECTED: frozenset({ReviewStatus.WITHDRAWN}),
        ReviewStatus.HIDDEN: frozenset({ReviewStatus.WITHDRAWN}),
    }

    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="reviews"
    )
    practitioner = models.ForeignKey(
        "practitioners.Practitioner", on_delete=models.CASCADE, related_name="reviews"
    )
    procedure = models.ForeignKey(
        "practitioners.Procedure", on_delete=models.PROTECT, related_name="reviews"
    )
    status = models.CharField(
        max_length=20, choices=ReviewStatus.choices, default=ReviewStatus.PENDING
    )
    # Bumped on every change its author makes and on every decision: a staff decision names
    # the version the decider saw and is refused if it has moved since (kernel.versions).
    version = models.PositiveIntegerField(default=1, editable=False)
    treatment_month = models.DateField(help_text="First day of the month of the treatment.")
    sessions = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(50)]
    )
    rating = models.PositiveSmallIntegerField("overall rating", validators=RATING_VALIDATORS)
    rating_results = models.PositiveSmallIntegerField("results", validators=RATING_VALIDATORS)
    rating_hygiene = models.PositiveSmallIntegerField("hygiene", validators=RATING_VALIDATORS)
    rating_communication = models.PositiveSmallIntegerField(
        "communication", validators=RATING_VALIDATORS
    )
    rating_aftercare = models.PositiveSmallIntegerField("aftercare", validators=RATING_VALIDATORS)
    worth_it = models.CharField(max_length=10, choices=WorthIt.choices)
    title = models.CharField(max_length=120)
    body = models.TextField(max_length=5000)
    skin_type = models.CharField(max_length=3, choices=SkinType.choices, blank=True)
    patch_test = models.CharField(
        max_length=8, choices=YesNoUnknown.choices, default=YesNoUnknown.UNKNOWN
    )
    numbing = models.CharField(
        max_length=8, choices=YesNoUnknown.choices, default=YesNoUnknown.UNKNOWN
    )
    needle_depth_mm = models.DecimalField(
        max_digits=3,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0.1), MaxValueValidator(3)],
    )
    invitation = models.OneToOneField(
        "reviews.ReviewInvitation",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="review",
    )
    is_verified_patient = models.BooleanField(default=False)
    # Denormalised for the moderation queue's order; written by the review services.
    has_severe_complication = models.BooleanField(default=False)
    risk_score = models.PositiveSmallIntegerField(default=0)
    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    claimed_until = models.DateTimeField(null=True, blank=True)
    submitted_ip = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    submitted_at = models.DateTimeField(default=timezone.now)
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-published_at", "-id"]
        permissions = [("moderate_review", "Can moderate reviews, responses and reports")]
        constraints = [
            *[
                models.CheckConstraint(
                    condition=Q(**{f"{name}__gte": 1, f"{name}__lte": 5}),
                    name=f"review_{name}_1_to_5",
                )
                for name in (
                    "rating",
                    "rating_results",
                    "rating_hygiene",
                    "rating_communication",
                    "rating_aftercare",
                )
            ],
            models.CheckConstraint(
                condition=Q(sessions__gte=1, sessions__lte=50), name="review_sessions_range"
            ),
            models.CheckConstraint(
                condition=Q(needle_depth_mm__isnull=True)
                | Q(needle_depth_mm__gte=0.1, needle_depth_mm__lte=3),
                name="review_needle_depth_range",
            ),
            models.CheckConstraint(
                condition=Q(status__in=ReviewStatus.values), name="review_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(skin_type="") | Q(skin_type__in=SkinType.values),
                name="review_skin_type_valid",
            ),
            models.UniqueConstraint(
                fields=["author", "practitioner", "procedure", "treatment_month"],
                condition=~Q(status="withdrawn"),
                name="review_one_per_author_treatment",
            ),
        ]
        indexes = [
            models.Index(
                fields=["practitioner", "status", "-published_at"], name="review_profile_idx"
            ),
            models.Index(fields=["status", "-published_at"], name="review_public_list_idx"),
            models.Index(
                fields=["status", "-has_severe_complication", "submitted_at"],
                name="review_queue_idx",
            ),
            models.Index(fields=["author", "created_at"], name="review_author_idx"),
            models.Index(fields=["submitted_ip", "created_at"], name="review_ip_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    def decision_parties(self):
        """Who a decision on this review concerns (practitioners.conflicts)."""
        return {self.author_id}, self.practitioner

    @property
    def is_public(self) -> bool:
        return self.status == ReviewStatus.PUBLISHED


class ReviewRevision(models.Model):
    """An earlier version of a review, kept when its author edits it."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="revisions")
    created_at = models.DateTimeField(default=timezone.now)
    snapshot = models.JSONField()

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"Revision of review {self.review_id} at {self.created_at:%Y-%m-%d %H:%M}"


class Complication(models.Model):
    """A complication the patient reports (patient-reported, not a clinical finding)."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="complications")
    type = models.CharField(max_length=24, choices=ComplicationType.choices)
    severity = models.CharField(max_length=10, choices=Severity.choices)
    onset_days = models.PositiveSmallIntegerField(
        "onset (days after treatment)", validators=[MaxValueValidator(365)]
    )
    treatment_needed = models.CharField(max_length=16, choices=TreatmentNeeded.choices)
    outcome = models.CharField(max_length=10, choices=Outcome.choices)

    class Meta:
        ordering = ["review", "id"]
        constraints = [
            models.UniqueConstraint(fields=["review", "type"], name="complication_once_per_review"),
            models.CheckConstraint(
                condition=Q(type__in=ComplicationType.values), name="complication_type_valid"
            ),
            models.CheckConstraint(
                condition=Q(severity__in=Severity.values), name="complication_severity_valid"
            ),
            models.CheckConstraint(
                condition=Q(onset_days__lte=365), name="complication_onset_within_a_year"
            ),
        ]
        indexes = [models.Index(fields=["type", "severity"], name="complication_type_idx")]

    def __str__(self) -> str:
        return f"{self.get_type_display()} ({self.get_severity_display().lower()})"

    @property
    def is_severe(self) -> bool:
        return self.severity == Severity.SEVERE


class ReviewInvitation(models.Model):
    """A one-time link inviting a treated patient to leave a verified-patient review.

    Only a hash of the token is stored; the token itself is in the e-mailed link.
    """

    practitioner = models.ForeignKey(
        "practitioners.Practitioner", on_delete=models.CASCADE, related_name="invitations"
    )
    procedure = models.ForeignKey("practitioners.Procedure", on_delete=models.PROTECT)
    email = models.EmailField()
    treatment_date = models.DateField()
    token_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    partner_name = models.CharField(max_length=120, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Invitation to review {self.practitioner} ({self.procedure})"

    @property
    def is_expired(self) -> bool:
        return self.used_at is None and self.expires_at <= timezone.now()


class ResponseStatus(models.TextChoices):
    PENDING = "pending", "Pending moderation"
    PUBLISHED = "published", "Published"
    REJECTED = "rejected", "Rejected"


class PractitionerResponse(models.Model):
    """The practitioner's one public reply to a review, moderated before it shows."""

    Status = ResponseStatus

    TRANSITIONS = {
        ResponseStatus.PENDING: frozenset({ResponseStatus.PUBLISHED, ResponseStatus.REJECTED}),
        ResponseStatus.PUBLISHED: frozenset({ResponseStatus.PENDING}),
        ResponseStatus.REJECTED: frozenset({ResponseStatus.PENDING}),
    }

    review = models.OneToOneField(Review, on_delete=models.CASCADE, related_name="response")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="review_responses"
    )
    body = models.TextField(max_length=3000)
    status = models.CharField(
        max_length=16, choices=ResponseStatus.choices, default=ResponseStatus.PENDING
    )
    # Bumped on every change its author makes and on every decision: a staff decision names
    # the version the decider saw and is refused if it has moved since (kernel.versions).
    version = models.PositiveIntegerField(default=1, editable=False)
    risk_score = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["status", "created_at"], name="response_queue_idx")]

    def __str__(self) -> str:
        return f"Response to “{self.review}”"

    def decision_parties(self):
        """A reply concerns the review's author as much as the practitioner."""
        review = self.review
        return {self.author_id, review.author_id}, review.practitioner


class RuleHit(models.Model):
    """One automatic moderation rule that matched a review or a response."""

    review = models.ForeignKey(
        Review, null=True, blank=True, on_delete=models.CASCADE, related_name="rule_hits"
    )
    response = models.ForeignKey(
        PractitionerResponse,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="rule_hits",
    )
    code = models.CharField(max_length=40)
    weight = models.SmallIntegerField()
    explanation = models.CharField(max_length=300)
    evidence = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-weight", "code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(review__isnull=False, response__isnull=True)
                | Q(review__isnull=True, response__isnull=False),
                name="rule_hit_one_subject",
            ),
        ]

    def __str__(self) -> str:
        return self.code


# Declarations like every status enumeration; the values are this model's own.
class ReportReason(models.TextChoices):
    FAKE = "fake", "Fake or not a real patient"
    OFFENSIVE = "offensive", "Offensive"
    PRIVATE_INFORMATION = "private_information", "Discloses private information"
    CONFLICT_OF_INTEREST = "conflict_of_interest", "Conflict of interest"


class ReportStatus(models.TextChoices):
    OPEN = "open", "Open"
    UPHELD = "upheld", "Upheld"
    DISMISSED = "dismissed", "Dismissed"


class ReviewReport(models.Model):
    """A signed-in user's report that a published review breaks the policy."""

    Status = ReportStatus

    TRANSITIONS = {
        ReportStatus.OPEN: frozenset({ReportStatus.UPHELD, ReportStatus.DISMISSED}),
    }

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="reports")
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="review_reports"
    )
    reason = models.CharField(max_length=24, choices=ReportReason.choices)
    note = models.TextField(blank=True, max_length=1000)
    status = models.CharField(
        max_length=12, choices=ReportStatus.choices, default=ReportStatus.OPEN
    )
    created_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["review", "reporter"],
                condition=Q(status="open"),
                name="report_one_open_per_reporter",
            ),
        ]
        indexes = [models.Index(fields=["status", "created_at"], name="report_queue_idx")]

    def __str__(self) -> str:
        return f"Report of “{self.review}”: {self.get_reason_display()}"


class AlertStatus(models.TextChoices):
    OPEN = "open", "Open"
    RESOLVED = "resolved", "Resolved"


class SafetyAlert(models.Model):
    """Raised for staff when a practitioner collects too many severe complications in 90 days."""

    Status = AlertStatus

    TRANSITIONS = {AlertStatus.OPEN: frozenset({AlertStatus.RESOLVED})}

    practitioner = models.ForeignKey(
        "practitioners.Practitioner", on_delete=models.CASCADE, related_name="safety_alerts"
    )
    rule = models.CharField(max_length=40)
    explanation = models.CharField(max_length=300)
    reviews = models.ManyToManyField(Review, related_name="safety_alerts")
    status = models.CharField(max_length=12, choices=AlertStatus.choices, default="open")
    created_at = models.DateTimeField(default=timezone.now)
    resolution_note = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["practitioner", "rule"],
                condition=Q(status="open"),
                name="alert_one_open_per_rule",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.explanation} — {self.practitioner}"


class PractitionerSummary(models.Model):
    """Counts over a practitioner's published reviews, kept equal to a recount.

    Written only by ``summaries.refresh_summary``: in the same transaction as whatever
    changed what is published, and by the daily job on ``recount_due_on``, the first day
    a counted review leaves the 24-month window (so the figures never go stale as reviews
    age). ``skin_type_mask`` and ``complication_mask`` hold one bit per skin type /
    complication type (all published reviews) so search can filter on them without
    touching reviews.
    """

    practitioner = models.OneToOneField(
        "practitioners.Practitioner",
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="summary",
    )
    # All published reviews.
    published_count = models.PositiveIntegerField(default=0)
    skin_type_mask = models.PositiveIntegerField(default=0)
    complication_mask = models.PositiveIntegerField(default=0)
    # Published reviews of the last 24 months: the safety summary.
    review_count = models.PositiveIntegerField(default=0)
    rating_sum = models.PositiveIntegerField(default=0)
    rating_average = models.FloatField(null=True, blank=True)
    bayesian_rating = models.FloatField(default=0)
    rank_rating = models.FloatField(
        default=0,
        help_text="The rating search ranks and filters by: the Bayesian rating from the "
        "review threshold up, 0 below it (after every rated practitioner).",
    )
    complication_review_count = models.PositiveIntegerField(default=0)
    severe_count = models.PositiveIntegerField(default=0)
    complication_counts = models.JSONField(default=dict, blank=True)
    darker_skin_review_count = models.PositiveIntegerField(default=0)
    darker_skin_hyperpigmentation_count = models.PositiveIntegerField(default=0)
    by_skin_type = models.JSONField(
        default=dict,
        blank=True,
        help_text="Per skin type: reviews, reviews reporting a complication, severe ones, "
        "and complications by type (24 months).",
    )
    recount_due_on = models.DateField(
        null=True, blank=True, help_text="The first day a counted review leaves the window."
    )
    computed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name_plural = "practitioner summaries"
        constraints = [
            models.CheckConstraint(
                condition=Q(review_count__lte=models.F("published_count")),
                name="summary_window_within_total",
            ),
            models.CheckConstraint(
                condition=Q(rank_rating=0) | Q(review_count__gte=MIN_REVIEWS_FOR_FIGURES),
                name="summary_rating_ranked_from_threshold",
            ),
        ]
        indexes = [
            # The search's rating and review orders (listings/filters.py): ending on
            # the practitioner lets PostgreSQL walk the index and stop after one page.
            models.Index(fields=["-rank_rating", "practitioner"], name="summary_rank_order_idx"),
            models.Index(
                fields=["-review_count", "-rank_rating", "practitioner"],
                name="summary_review_count_order_idx",
            ),
            models.Index(fields=["severe_count"], name="summary_severe_idx"),
            # ``no_severe`` in the rating order: only the practitioners it can match, so
            # PostgreSQL walks them best rated first instead of sorting them all.
            models.Index(
                fields=["-rank_rating", "practitioner"],
                condition=Q(review_count__gte=MIN_REVIEWS_FOR_FIGURES, severe_count=0),
                name="summary_no_severe_rank_idx",
            ),
            models.Index(fields=["recount_due_on"], name="summary_recount_due_idx"),
        ]

    def __str__(self) -> str:
        return f"Summary of {self.practitioner_id}"

    @property
    def has_figures(self) -> bool:
        """Enough reviews in the window to show a rating and safety figures."""
        return has_enough_reviews(self.review_count)

    @property
    def shown_rating(self) -> float | None:
        """The rating patients see, or None below the review threshold."""
        return self.rank_rating if self.has_figures else None


def summary_of(practitioner) -> PractitionerSummary | None:
    """A practitioner's stored summary (as loaded), or None before their first review."""
    try:
        return practitioner.summary
    except PractitionerSummary.DoesNotExist:
        return None
