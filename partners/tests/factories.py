import factory

from partners.models import Partner, PartnerKey, Scope, WebhookEndpoint
from partners.services import partner_key_create


class PartnerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Partner
        django_get_or_create = ["name"]

    name = factory.Sequence(lambda n: f"Partner {n}")


def partner_key(
    *, name: str = "Acme Booking", scopes=(Scope.READ,), rate: int | None = None
) -> tuple[PartnerKey, str]:
    """A key made the way staff make one (through the service); returns it and the raw key."""
    return partner_key_create(name=name, scopes=list(scopes), rate_per_minute=rate)


class WebhookEndpointFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WebhookEndpoint

    partner = factory.SubFactory(PartnerFactory)
    url = "https://hooks.example.com/directory"
    secret = factory.Sequence(lambda n: f"whsec_test_secret_{n:08d}")
    events = factory.LazyFunction(lambda: ["review.published", "practitioner.verification_changed"])
