"""The three demo accounts. Only ``seed_demo`` creates them; the README lists them.

Their addresses use the reserved ``.example`` domain and their passwords are public, so
they exist only in a demo database — never run ``seed_demo`` against production. The demo
staff member's second factor is public too: an authenticator with a published secret, so
a newcomer can sign in without a phone (``manage.py demo_totp`` prints its code) or add
the secret to any authenticator app.
"""

from base64 import b32decode
from dataclasses import dataclass

from django.contrib.auth.models import Group
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from kernel.models import User


class SeedError(Exception):
    """The database is not ready to be seeded; the message says what to do."""


STAFF_EMAIL = "staff@demo.example"
STAFF_PASSWORD = "staff-demo-password"  # noqa: S105 — a published demo password
PATIENT_EMAIL = "patient@demo.example"
PATIENT_PASSWORD = "patient-demo-password"  # noqa: S105
PRACTITIONER_EMAIL = "practitioner@demo.example"
PRACTITIONER_PASSWORD = "practitioner-demo-password"  # noqa: S105

STAFF_GROUPS = ("Moderators", "Verifiers")
# The demo staff member's authenticator secret (base32, as authenticator apps take it):
# published in the README, like the password. It spells "skin-directory-demo!".
STAFF_TOTP_SECRET = "ONVWS3RNMRUXEZLDORXXE6JNMRSW23ZB"  # noqa: S105 — a published demo secret
STAFF_TOTP_NAME = "Demo authenticator (published secret)"

# The profile the demo practitioner owns: the first practitioner every seed creates.
DEMO_PRACTITIONER_FIRST_NAME = "Dana"
DEMO_PRACTITIONER_LAST_NAME = "Whitfield"


@dataclass(frozen=True)
class DemoAccounts:
    staff: User
    patient: User
    practitioner: User


def _account(email: str, password: str, display_name: str, **flags) -> User:
    user = User.objects.filter(email=email).first() or User(email=email)
    user.display_name = display_name
    user.is_active = True
    user.email_verified_at = user.email_verified_at or timezone.now()
    for name, value in flags.items():
        setattr(user, name, value)
    # Reset on every seed so the README's passwords always work.
    user.set_password(password)
    user.save()
    return user


def demo_totp_key() -> str:
    """The published secret as django-otp stores it (hex)."""
    return b32decode(STAFF_TOTP_SECRET).hex()


def ensure_demo_authenticator(staff: User) -> TOTPDevice:
    """Give the demo staff member the published authenticator, and nothing else: any other
    device (and recovery codes made in an earlier demo) is removed on every seed."""
    TOTPDevice.objects.filter(user=staff).delete()
    StaticDevice.objects.filter(user=staff).delete()
    return TOTPDevice.objects.create(
        user=staff, name=STAFF_TOTP_NAME, key=demo_totp_key(), confirmed=True
    )


def ensure_demo_accounts() -> DemoAccounts:
    """Create (or restore) the demo staff member, patient and practitioner accounts."""
    staff = _account(STAFF_EMAIL, STAFF_PASSWORD, "Sam (demo staff)", is_staff=True)
    groups = list(Group.objects.filter(name__in=STAFF_GROUPS))
    if len(groups) != len(STAFF_GROUPS):
        raise SeedError(
            f"The staff groups {', '.join(STAFF_GROUPS)} are missing: run migrate first."
        )
    staff.groups.add(*groups)
    ensure_demo_authenticator(staff)
    patient = _account(PATIENT_EMAIL, PATIENT_PASSWORD, "Pat D.", is_staff=False)
    practitioner = _account(
        PRACTITIONER_EMAIL,
        PRACTITIONER_PASSWORD,
        f"Dr {DEMO_PRACTITIONER_FIRST_NAME} {DEMO_PRACTITIONER_LAST_NAME}",
        is_staff=False,
    )
    return DemoAccounts(staff=staff, patient=patient, practitioner=practitioner)
