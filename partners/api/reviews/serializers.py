"""What a partner sees of a review: the published, public fields — never the author's e-mail,
IP address, moderation notes or rule hits — and the invitation request they send."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from practitioners.models import Practitioner, Procedure
from reviews.models import Complication, PractitionerResponse, ResponseStatus, Review, SkinType
from reviews.services import treatment_date_problem


class ComplicationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Complication
        fields = ["type", "severity", "onset_days", "treatment_needed", "outcome"]


class ResponseSerializer(serializers.ModelSerializer):
    class Meta:
        model = PractitionerResponse
        fields = ["body", "published_at"]


class RatingsSerializer(serializers.Serializer):
    results = serializers.IntegerField(source="rating_results")
    hygiene = serializers.IntegerField(source="rating_hygiene")
    communication = serializers.IntegerField(source="rating_communication")
    aftercare = serializers.IntegerField(source="rating_aftercare")


class ReviewSerializer(serializers.ModelSerializer):
    """A published review as patients read it (complications are patient-reported)."""

    practitioner_id = serializers.IntegerField()
    procedure = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    author_name = serializers.CharField(source="author.display_name")
    verified_patient = serializers.BooleanField(source="is_verified_patient")
    ratings = RatingsSerializer(source="*")
    skin_type = serializers.SerializerMethodField()
    needle_depth_mm = serializers.DecimalField(
        max_digits=3, decimal_places=2, coerce_to_string=False, allow_null=True
    )
    complications = ComplicationSerializer(many=True)
    response = serializers.SerializerMethodField(help_text="The practitioner's reply, or null.")

    # The API's own field list, in the order partners read it; reviews.services.REVIEW_FIELDS
    # lists what an author may write, which differs (ratings are one object here).
    class Meta:
        model = Review
        fields = [
            "id",
            "practitioner_id",
            "procedure",
            "published_at",
            "treatment_month",
            "sessions",
            "rating",
            "ratings",
            "worth_it",
            "title",
            "body",
            "skin_type",
            "patch_test",
            "numbing",
            "needle_depth_mm",
            "verified_patient",
            "author_name",
            "complications",
            "response",
        ]

    @extend_schema_field(serializers.ChoiceField(choices=SkinType.choices, allow_null=True))
    def get_skin_type(self, review: Review) -> str | None:
        return review.skin_type or None

    @extend_schema_field(ResponseSerializer(allow_null=True))
    def get_response(self, review: Review) -> dict | None:
        try:
            response = review.response
        except PractitionerResponse.DoesNotExist:
            return None
        if response.status != ResponseStatus.PUBLISHED:
            return None
        return ResponseSerializer(response).data


class ReviewInvitationInputSerializer(serializers.Serializer):
    """A partner's request to invite a treated patient to review a practitioner."""

    practitioner = serializers.IntegerField(min_value=1, help_text="The practitioner's id.")
    procedure = serializers.SlugField(max_length=40, help_text="A procedure slug they offer.")
    email = serializers.EmailField(max_length=254, help_text="The patient's e-mail address.")
    treatment_date = serializers.DateField(help_text="ISO date; not in the future.")

    def validate_treatment_date(self, value):
        if problem := treatment_date_problem(value):
            raise serializers.ValidationError(problem)
        return value

    def validate(self, attrs: dict) -> dict:
        practitioner = Practitioner.objects.filter(pk=attrs["practitioner"]).first()
        if practitioner is None:
            raise serializers.ValidationError(
                {"practitioner": [f"No practitioner has the id {attrs['practitioner']}."]}
            )
        procedure = Procedure.objects.filter(slug=attrs["procedure"], is_active=True).first()
        if procedure is None:
            raise serializers.ValidationError(
                {"procedure": [f"“{attrs['procedure']}” is not a procedure we list."]}
            )
        if not practitioner.procedures.filter(pk=procedure.pk).exists():
            raise serializers.ValidationError(
                {
                    "procedure": [
                        f"{practitioner.full_name} does not list {procedure.name} "
                        "among their procedures."
                    ]
                }
            )
        return {**attrs, "practitioner": practitioner, "procedure": procedure}


class ReviewInvitationSerializer(serializers.Serializer):
    """The invitation as the partner sees it: no token (it goes to the patient) and no e-mail."""

    id = serializers.IntegerField()
    practitioner = serializers.IntegerField(source="practitioner_id")
    procedure = serializers.SlugField(source="procedure.slug")
    treatment_date = serializers.DateField()
    status = serializers.SerializerMethodField(help_text="`sent`, or `used` once reviewed.")
    created_at = serializers.DateTimeField()
    expires_at = serializers.DateTimeField()

    @extend_schema_field(serializers.ChoiceField(choices=["sent", "used"]))
    def get_status(self, invitation) -> str:
        return "used" if invitation.used_at else "sent"
