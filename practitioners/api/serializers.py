"""What a partner sees of a practitioner: the public profile, how each attestation was
checked (never its evidence, reviewer or decision notes) and the safety summary."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from practitioners.badges import badge_for
from practitioners.models import (
    Attestation,
    Clinic,
    Practitioner,
    Procedure,
    SterilizationAnswer,
)
from reviews.models import PractitionerSummary
from reviews.summaries import MIN_REVIEWS_FOR_RATES

NOT_ENOUGH_REVIEWS = "not enough reviews yet"


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


class PractitionerSerializer(serializers.ModelSerializer):
    """One practitioner in a list: who, where, what they offer, badge and headline numbers."""

    name = serializers.CharField(source="full_name")
    clinic = ClinicSerializer(allow_null=True)
    procedures = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)
    verified = serializers.BooleanField(source="is_verified")
    rating = serializers.SerializerMethodField(help_text="Bayesian average (prior of 5 reviews).")
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

    @staticmethod
    def _summary(practitioner: Practitioner) -> PractitionerSummary | None:
        try:
            return practitioner.summary
        except PractitionerSummary.DoesNotExist:
            return None

    @extend_schema_field(serializers.FloatField(allow_null=True))
    def get_rating(self, practitioner: Practitioner) -> float | None:
        summary = self._summary(practitioner)
        return round(summary.bayesian_rating, 2) if summary and summary.review_count else None

    @extend_schema_field(serializers.IntegerField())
    def get_review_count(self, practitioner: Practitioner) -> int:
        summary = self._summary(practitioner)
        return summary.review_count if summary else 0

    @extend_schema_field(serializers.FloatField(allow_null=True))
    def get_distance_km(self, practitioner: Practitioner) -> float | None:
        distance = getattr(practitioner, "distance_km", None)
        return round(distance, 2) if distance is not None else None

    @extend_schema_field(serializers.URLField())
    def get_profile_url(self, practitioner: Practitioner) -> str:
        request = self.context.get("request")
        path = practitioner.get_absolute_url()
        return request.build_absolute_uri(path) if request else path


class SterilizationItemSerializer(serializers.ModelSerializer):
    class Meta:
        model = SterilizationAnswer
        fields = ["item", "complies"]


class AttestationSerializer(serializers.ModelSerializer):
    """How one attestation was checked (FHIR VerificationResult: source, date, next check)."""

    method = serializers.CharField(source="verification_method", allow_blank=True)
    source = serializers.CharField(source="verification_source", allow_blank=True)
    last_checked_at = serializers.DateTimeField(source="verified_at", allow_null=True)
    items = serializers.SerializerMethodField(help_text="Sterilization items only.")

    class Meta:
        model = Attestation
        fields = [
            "kind",
            "status",
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
        ]

    @extend_schema_field(SterilizationItemSerializer(many=True))
    def get_items(self, attestation: Attestation) -> list[dict]:
        return SterilizationItemSerializer(attestation.items.all(), many=True).data


class VerificationSerializer(serializers.Serializer):
    verified = serializers.BooleanField()
    missing = serializers.ListField(
        child=serializers.CharField(), help_text="What is missing or lapsed, in words."
    )
    attestations = AttestationSerializer(many=True)


class SafetySerializer(serializers.Serializer):
    """The 24-month safety summary; rates are null below 5 reviews (see ``rates_message``)."""

    window_months = serializers.IntegerField()
    review_count = serializers.IntegerField()
    rating = serializers.FloatField(allow_null=True)
    enough_reviews = serializers.BooleanField()
    rates_message = serializers.CharField(allow_blank=True)
    complication_rate = serializers.FloatField(allow_null=True)
    severe_count = serializers.IntegerField()
    complication_counts = serializers.DictField(
        child=serializers.DictField(child=serializers.IntegerField()),
        help_text="{complication: {severity: count}} over reviews of the window.",
    )
    darker_skin_review_count = serializers.IntegerField()
    darker_skin_hyperpigmentation_rate = serializers.FloatField(
        allow_null=True, help_text="Among reviewers of skin types IV to VI; null below 5 of them."
    )


def safety_summary(summary: PractitionerSummary | None) -> dict:
    """The public safety figures of a summary; rates only from 5 reviews up."""
    count = summary.review_count if summary else 0
    enough = count >= MIN_REVIEWS_FOR_RATES
    darker = summary.darker_skin_review_count if summary else 0
    return {
        "window_months": 24,
        "review_count": count,
        "rating": round(summary.bayesian_rating, 2) if summary and count else None,
        "enough_reviews": enough,
        "rates_message": "" if enough else NOT_ENOUGH_REVIEWS,
        "complication_rate": (
            round(summary.complication_review_count / count, 4) if enough else None
        ),
        "severe_count": summary.severe_count if summary else 0,
        "complication_counts": summary.complication_counts if summary else {},
        "darker_skin_review_count": darker,
        "darker_skin_hyperpigmentation_rate": (
            round(summary.darker_skin_hyperpigmentation_count / darker, 4)
            if darker >= MIN_REVIEWS_FOR_RATES
            else None
        ),
    }


class PractitionerDetailSerializer(PractitionerSerializer):
    """The profile: the list fields plus bio, NPI, verification and safety summaries."""

    verification = serializers.SerializerMethodField()
    safety = serializers.SerializerMethodField()

    class Meta(PractitionerSerializer.Meta):
        fields = [*PractitionerSerializer.Meta.fields, "bio", "npi", "verification", "safety"]

    @extend_schema_field(VerificationSerializer)
    def get_verification(self, practitioner: Practitioner) -> dict:
        badge = badge_for(practitioner)
        return VerificationSerializer(
            {
                "verified": badge.verified,
                "missing": badge.missing,
                "attestations": practitioner.attestations.all(),
            }
        ).data

    @extend_schema_field(SafetySerializer)
    def get_safety(self, practitioner: Practitioner) -> dict:
        return SafetySerializer(safety_summary(self._summary(practitioner))).data
