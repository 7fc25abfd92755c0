import datetime

import factory
from django.utils import timezone

from practitioners.models import (
    Attestation,
    AttestationKind,
    AttestationStatus,
    Clinic,
    Evidence,
    Practitioner,
    Procedure,
    ProfileClaim,
    Standing,
    SterilizationAnswer,
    SterilizationItem,
)
from reviews.summaries import refresh_summary


def procedure(slug: str = "microneedling") -> Procedure:
    """The procedures the migration seeds, fetched by slug."""
    return Procedure.objects.get(slug=slug)


class ProcedureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Procedure
        django_get_or_create = ["slug"]

    slug = factory.Sequence(lambda n: f"procedure-{n}")
    name = factory.Sequence(lambda n: f"Procedure {n}")


class ClinicFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Clinic

    name = factory.Sequence(lambda n: f"Clear Skin Clinic {n}")
    address_line = factory.Faker("street_address")
    city = "Austin"
    region = "TX"
    postal_code = "78701"
    country = "US"
    latitude = 30.2672
    longitude = -97.7431
    email_domain = factory.Sequence(lambda n: f"clinic{n}.example")


class PractitionerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Practitioner
        skip_postgeneration_save = True

    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    slug = factory.Sequence(lambda n: f"practitioner-{n}")
    profession = "nurse_practitioner"
    clinic = factory.SubFactory(ClinicFactory)

    @factory.post_generation
    def summary(self, create, extracted, **kwargs):
        if create:
            # Recounted, so a fresh summary equals what verify_summaries expects.
            refresh_summary(self.pk)

    @factory.post_generation
    def procedures(self, create, extracted, **kwargs):
        if create:
            self.procedures.set(extracted or [procedure("microneedling")])


class AttestationFactory(factory.django.DjangoModelFactory):
    """A pending licence; use .verified() helpers in tests for other states."""

    class Meta:
        model = Attestation
        skip_postgeneration_save = True

    practitioner = factory.SubFactory(PractitionerFactory)
    kind = AttestationKind.LICENSE
    status = AttestationStatus.PENDING
    number = factory.Sequence(lambda n: f"RN{100000 + n}")
    issuing_authority = "Texas Board of Nursing"
    license_type = "Registered Nurse"
    issued_on = datetime.date(2020, 1, 1)
    expires_on = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=400))
    standing = Standing.ACTIVE

    class Params:
        verified = factory.Trait(
            status=AttestationStatus.VERIFIED,
            verified_at=factory.LazyFunction(timezone.now),
            verification_method="documents",
        )
        sterilization = factory.Trait(
            kind=AttestationKind.STERILIZATION,
            number="",
            issuing_authority="",
            license_type="",
            issued_on=None,
            standing="",
            last_spore_test_on=factory.LazyFunction(
                lambda: timezone.localdate() - datetime.timedelta(days=20)
            ),
        )

    @factory.post_generation
    def answers(self, create, extracted, **kwargs):
        """A sterilization attestation answers every item, "complies" unless told otherwise:
        ``answers={"autoclave": False}``; ``answers=False`` leaves it without answers."""
        if not create or self.kind != AttestationKind.STERILIZATION or extracted is False:
            return
        overrides = extracted or {}
        SterilizationAnswer.objects.bulk_create(
            SterilizationAnswer(
                attestation=self,
                item=item,
                complies=overrides.get(item, True),
                attested_on=timezone.localdate(self.submitted_at),
            )
            for item in SterilizationItem.values
        )


class SterilizationAnswerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SterilizationAnswer

    attestation = factory.SubFactory(AttestationFactory, sterilization=True, answers=False)
    item = SterilizationItem.AUTOCLAVE
    complies = True
    attested_on = factory.LazyFunction(timezone.localdate)


class EvidenceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Evidence

    attestation = factory.SubFactory(AttestationFactory)
    file = factory.django.FileField(filename="evidence.pdf", data=b"%PDF-1.4\n%%EOF\n")
    original_name = "evidence.pdf"
    content_type = "application/pdf"
    size = 15
    sha256 = factory.Sequence(lambda n: f"{n:064x}")
    check_status = "passed"


class ProfileClaimFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProfileClaim

    practitioner = factory.SubFactory(PractitionerFactory)
    user = factory.SubFactory("directory.tests.factories.UserFactory")
