import factory
from django.contrib.auth.models import Group
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from kernel.models import User

PASSWORD = "correct horse battery staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    display_name = factory.Faker("first_name")
    # Accounts have confirmed their e-mail unless a test says otherwise (only verified
    # accounts may submit reviews): UserFactory(email_verified_at=None) for one that has not.
    email_verified_at = factory.LazyFunction(timezone.now)
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        """UserFactory(roles=["Moderators"]) puts the user in those staff groups."""
        if extracted:
            self.is_staff = True
            self.groups.add(*[Group.objects.get(name=name) for name in extracted])
        if create:
            self.save()

    @factory.post_generation
    def second_factor(self, create, extracted, **kwargs):
        """Staff have set up an authenticator app unless a test says otherwise:
        UserFactory(roles=[...], second_factor=False) for one who has not yet."""
        if create and extracted is not False and (self.is_staff or self.is_superuser):
            TOTPDevice.objects.create(user=self, name="Authenticator app", confirmed=True)
