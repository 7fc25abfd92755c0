"""What a partner sees of a practitioner: the public profile, how each attestation was
checked (never its evidence, reviewer or decision notes) and the safety summary.

The same trust rules as the pages: the badge from ``verified_through`` compared with
today, each attestation's ``display_status`` from ``practitioners.trust``, no details of
an attestation nobody has checked, and below the review threshold every rating and
safety figure is the string ``"insufficient"``, never a number.
"""

from datetime import date

from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from practitioners.attestation_history import mark_renewed_licences
from practitioners.badges import compute_badge
from practitioners.models import (
    Attestation,
    Clinic,
    Practitioner,
    Procedure,
    SterilizationAnswer,
    badge_holds,
)
from practitioners.trust import Mark, attestation_mark, counts_toward_badge
from reviews.models import PractitionerSummary, has_enough_reviews, summary_of
from reviews.summaries import MIN_REVIEWS_FOR_RATES, WINDOW_MONTHS, fresh_summary

# Stands for the slug in the profile URL reversed once per page (a valid slug itself).
SLUG_PLACEHOLDER = "slug-placeholder"
NOT_ENOUGH_REVIEWS = "not enough reviews yet"
# What a figure says below the review threshold, in place of a number.
INSUFFICIENT = "insufficient"


def figure_or_insufficient(schema_type: str, *, nullable: bool = False, **extra) -> dict:
    """The OpenAPI schema of a figure that is a number, or "insufficient" below the threshold."""
    number = {"type": schema_type, **extra}
    if nullable:
        number["nullable"] = True
    return {"oneOf": [number, {"type": "string", "enum": [INSUFFICIENT]}]}


def _today(context: dict) -> date:
    return context.get("today") or timezone.localdate()


def _text(value) -> str | None:
    """A text field as DRF's ``CharField`` gives it: ``str``, and ``None`` stays ``None``."""
    return None if value is None else str(value)


def _number(value) -> float | None:
    return None if value is None else float(value)


class ProcedureSerializer(serializers.ModelSerializer):
    class Meta:
        model = Procedure
        fields = ["slug", "name", "description"]


class ClinicSerializer(serializers.ModelSerializer):
    class Meta:
        model = Clinic
        fields = [
            "name",
            "address_line",
            "city",
            "region",
            "postal_code",
            "country",
            "latitude",
            "longitude",
        ]

    def to_representation(self, clinic: Clinic) -> dict:
        return clinic_row(clinic)


def clinic_row(clinic: Clinic) -> dict:
    """A clinic as ``ClinicSerializer``'s declared fields give it, built directly: a list
    page serializes up to 100 (tests/api checks both give the same answer)."""
    return {
        "name": _text(clinic.name),
        "address_line": _text(clinic.address_line),
        "city": _text(clinic.city),
        "region": _text(clinic.region),
        "postal_code": _text(clinic.postal_code),
        "country": _text(clinic.country),
        "latitude": _number(clinic.latitude),
        "longitude": _number(clinic.longitude),
    }


class PractitionerSerializer(serializers.ModelSerializer):
    """One practitioner in a list: who, where, what they offer, badge and headline numbers."""

    name = serializers.CharField(source="full_name")
    clinic = ClinicSerializer(allow_null=True)
    procedures = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)
    verified = serializers.SerializerMethodField(help_text="The Verified badge today.")
    rating = serializers.SerializerMethodField(
        help_text=(
            'Bayesian average (prior of 5 reviews); "insufficient" below '
            f"{MIN_REVIEWS_FOR_RATES} reviews in the last {WINDOW_MONTHS} months."
        )
    )
    review_count = serializers.SerializerMethodField(help_text="Published, last 24 months.")
    distance_km = serializers.SerializerMethodField(help_text="Only when searching near a place.")
    profile_url = serializers.SerializerMethodField()

    class Meta:
        model = Practitioner
        fields = [
            "id",
            "slug",
            "name",
            "first_name",
            "last_name",
            "profession",
            "clinic",
            "procedures",
            "verified",
            "rating",
            "review_count",
            "distance_km",
            "profile_url",
        ]

    @extend_schema_field(serializers.BooleanField())
    def get_verified(self, practitioner: Practitioner) -> bool:
        return badge_holds(practitioner.verified_through, self._today)

    @extend_schema_field(figure_or_insufficient("number", format="double"))
    def get_rating(self, practitioner: Practitioner) -> float | str:
        summary = summary_of(practitioner)
        if summary is None or summary.shown_rating is None:
            return INSUFFICIENT
        return round(summary.shown_rating, 2)

    @extend_schema_field(serializers.IntegerField())
    def get_review_count(self, practitioner: Practitioner) -> int:
        summary = summary_of(practitioner)
        return summary.review_count if summary else 0

    @extend_schema_field(serializers.FloatField(allow_null=True))
    def get_distance_km(self, practitioner: Practitioner) -> float | None:
        distance = getattr(practitioner, "distance_km", None)
        return round(distance, 2) if distance is not None else None

    @extend_schema_field(serializers.URLField())
    def get_profile_url(self, practitioner: Practitioner) -> str:
        # One reverse() and build_absolute_uri() per page, not per row: profile URLs differ
        # only by the slug, which is URL-safe as it is (a SlugField).
        before, after = self._profile_url_around_slug
        return f"{before}{practitioner.slug}{after}"

    @cached_property
    def _profile_url_around_slug(self) -> tuple[str, str]:
        path = reverse("practitioners:detail", kwargs={"slug": SLUG_PLACEHOLDER})
        request = self.context.get("request")
        url = request.build_absolute_uri(path) if request else path
        before, _, after = url.rpartition(SLUG_PLACEHOLDER)
        return before, after

    @cached_property
    def _today(self) -> date:
        return _today(self.context)

    def to_representation(self, practitioner: Practitioner) -> dict:
        """The declared fields' values, built directly: a list page has up to 100 rows, and
        DRF's generic walk over fields (attribute look-ups, a nested serializer, a method
        call per field) cost more than the rest of the row. The schema still comes from the
        declared fields, and tests/api checks both give the same answer."""
        clinic = practitioner.clinic
        return {
            "id": practitioner.pk,
            "slug": _text(practitioner.slug),
            "name": _text(practitioner.full_name),
            "first_name": _text(practitioner.first_name),
            "last_name": _text(practitioner.last_name),
            "profession": _text(practitioner.profession),
            "clinic": None if clinic is None else clinic_row(clinic),
            "procedures": [procedure.slug for procedure in practitioner.procedures.all()],
            "verified": self.get_verified(practitioner),
            "rating": self.get_rating(practitioner),
            "review_count": self.get_review_count(practitioner),
            "distance_km": self.get_distance_km(practitioner),
            "profile_url": self.get_profile_url(practitioner),
        }


class SterilizationItemSerializer(serializers.ModelSerializer):
    class Meta:
        model = SterilizationAnswer
        fields = ["item", "complies", "attested_on"]


# Shown only once staff or a registry have checked an attestation (trust.AttestationMark).
CHECKED_DETAILS = (
    "method",
    "source",
    "last_checked_at",
    "next_check_due",
    "issuing_authority",
    "license_type",
    "standing",
    "issued_on",
    "expires_on",
    "last_spore_test_on",
    "items",
)


class AttestationSerializer(serializers.ModelSerializer):
    """How one attestation was checked (FHIR VerificationResult: source, date, next check).

    ``display_status`` is what the profile shows today; ``counts_toward_badge`` is true
    only for what the Verified badge rests on today. An attestation nobody has checked yet
    (pending, or rejected) carries no details: they are unverified claims.
    """

    method = serializers.CharField(source="verification_method", allow_blank=True, allow_null=True)
    source = serializers.CharField(source="verification_source", allow_blank=True, allow_null=True)
    last_checked_at = serializers.DateTimeField(source="verified_at", allow_null=True)
    display_status = serializers.SerializerMethodField()
    counts_toward_badge = serializers.SerializerMethodField()
    items = serializers.SerializerMethodField(help_text="Sterilization items only.")

    class Meta:
        model = Attestation
        fields = [
            "kind",
            "status",
            "display_status",
            "counts_toward_badge",
            "submitted_at",
            *CHECKED_DETAILS,
        ]
        extra_kwargs = {name: {"allow_null": True} for name in CHECKED_DETAILS}

    def _mark(self, attestation: Attestation):
        return attestation_mark(
            attestation, _today(self.context), replaced=getattr(attestation, "renewed", False)
        )

    @extend_schema_field(serializers.ChoiceField(choices=[m.value for m in Mark]))
    def get_display_status(self, attestation: Attestation) -> str:
        return self._mark(attestation).code.value

    @extend_schema_field(serializers.BooleanField())
    def get_counts_toward_badge(self, attestation: Attestation) -> bool:
        return counts_toward_badge(attestation, _today(self.context))

    @extend_schema_field(SterilizationItemSerializer(many=True, allow_null=True))
    def get_items(self, attestation: Attestation) -> list[dict]:
        return SterilizationItemSerializer(attestation.items.all(), many=True).data

    def to_representation(self, attestation: Attestation) -> dict:
        data = super().to_representation(attestation)
        if not self._mark(attestation).shows_details:
            data.update(dict.fromkeys(CHECKED_DETAILS))
        return data


class VerificationSerializer(serializers.Serializer):
    verified = serializers.BooleanField()
    verified_through = serializers.DateField(
        allow_null=True, help_text="The last day the badge holds unless renewed or revoked."
    )
    missing = serializers.ListField(
        child=serializers.CharField(), help_text="What is missing or lapsed, in words."
    )
    attestations = AttestationSerializer(many=True)


class SafetySerializer(serializers.Serializer):
    """The 24-month safety summary.

    Below 5 reviews (``enough_reviews`` false) every rating, rate and count of
    complications is the string "insufficient": nothing reads as a number or as
    reassurance.
    """

    window_months = serializers.IntegerField()
    review_count = serializers.IntegerField()
    enough_reviews = serializers.BooleanField()
    reviews_needed = serializers.IntegerField(help_text="Reviews still needed for figures.")
    rates_message = serializers.CharField(allow_blank=True)
    rating = serializers.SerializerMethodField()
    complication_rate = serializers.SerializerMethodField()
    severe_count = serializers.SerializerMethodField()
    complication_counts = serializers.SerializerMethodField(
        help_text="{complication: {severity: count}} over reviews of the window."
    )
    darker_skin_review_count = serializers.IntegerField()
    darker_skin_hyperpigmentation_rate = serializers.SerializerMethodField(
        help_text='Among reviewers of skin types IV to VI; "insufficient" below 5 of them.'
    )

    @extend_schema_field(figure_or_insufficient("number", format="double"))
    def get_rating(self, data: dict):
        return data["rating"]

    @extend_schema_field(figure_or_insufficient("number", format="double"))
    def get_complication_rate(self, data: dict):
        return data["complication_rate"]

    @extend_schema_field(figure_or_insufficient("integer"))
    def get_severe_count(self, data: dict):
        return data["severe_count"]

    @extend_schema_field(
        {
            "oneOf": [
                {
                    "type": "object",
                    "additionalProperties": {
                        "type": "object",
                        "additionalProperties": {"type": "integer"},
                    },
                },
                {"type": "string", "enum": [INSUFFICIENT]},
            ]
        }
    )
    def get_complication_counts(self, data: dict):
        return data["complication_counts"]

    @extend_schema_field(figure_or_insufficient("number", format="double"))
    def get_darker_skin_hyperpigmentation_rate(self, data: dict):
        return data["darker_skin_hyperpigmentation_rate"]


def safety_summary(summary: PractitionerSummary | None) -> dict:
    """The public safety figures of a summary: numbers from the review threshold up only."""
    count = summary.review_count if summary else 0
    enough = has_enough_reviews(count)
    darker = summary.darker_skin_review_count if summary else 0
    return {
        "window_months": WINDOW_MONTHS,
        "review_count": count,
        "enough_reviews": enough,
        "reviews_needed": max(MIN_REVIEWS_FOR_RATES - count, 0),
        "rates_message": "" if enough else NOT_ENOUGH_REVIEWS,
        "rating": round(summary.shown_rating, 2) if enough else INSUFFICIENT,
        "complication_rate": (
            round(summary.complication_review_count / count, 4) if enough else INSUFFICIENT
        ),
        "severe_count": summary.severe_count if enough else INSUFFICIENT,
        "complication_counts": summary.complication_counts if enough else INSUFFICIENT,
        "darker_skin_review_count": darker,
        "darker_skin_hyperpigmentation_rate": (
            round(summary.darker_skin_hyperpigmentation_count / darker, 4)
            if enough and has_enough_reviews(darker)
            else INSUFFICIENT
        ),
    }


class PractitionerDetailSerializer(PractitionerSerializer):
    """The profile: the list fields plus bio, NPI, verification and safety summaries."""

    verification = serializers.SerializerMethodField()
    safety = serializers.SerializerMethodField()

    class Meta(PractitionerSerializer.Meta):
        fields = [*PractitionerSerializer.Meta.fields, "bio", "npi", "verification", "safety"]

    def to_representation(self, practitioner: Practitioner) -> dict:
        return {
            **super().to_representation(practitioner),
            "bio": _text(practitioner.bio),
            "npi": _text(practitioner.npi),
            "verification": self.get_verification(practitioner),
            "safety": self.get_safety(practitioner),
        }

    @extend_schema_field(VerificationSerializer)
    def get_verification(self, practitioner: Practitioner) -> dict:
        today = _today(self.context)
        attestations = list(practitioner.attestations.all())
        mark_renewed_licences(attestations)
        badge = compute_badge(attestations, today=today)
        return VerificationSerializer(
            {
                "verified": badge.verified,
                "verified_through": badge.valid_through if badge.verified else None,
                "missing": badge.missing,
                "attestations": attestations,
            },
            context=self.context,
        ).data

    @extend_schema_field(SafetySerializer)
    def get_safety(self, practitioner: Practitioner) -> dict:
        summary = fresh_summary(
            summary_of(practitioner),
            practitioner_id=practitioner.pk,
            today=_today(self.context),
        )
        return SafetySerializer(safety_summary(summary)).data
