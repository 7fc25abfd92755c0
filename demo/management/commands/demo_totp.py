"""``manage.py demo_totp``: the demo staff account's sign-in code, for a newcomer without a
phone. It works only for the demo account seeded with the published secret (README)."""

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.second_factor import current_code
from accounts.services import normalize_address
from demo import accounts
from kernel.models import User


class Command(BaseCommand):
    help = (
        "Print the code the demo staff account's authenticator shows now: the second step of "
        f"signing in as {accounts.STAFF_EMAIL}. Only for that demo account, while it uses the "
        "published demo secret; every real account uses its own authenticator app. The code "
        "goes to stdout alone, what it is for to stderr."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "email",
            nargs="?",
            default=accounts.STAFF_EMAIL,
            help=f"The demo staff account (default {accounts.STAFF_EMAIL}).",
        )

    def handle(self, *args, email: str, **options) -> None:
        email = normalize_address(email)
        if email in (accounts.PATIENT_EMAIL, accounts.PRACTITIONER_EMAIL):
            raise CommandError(
                f"{email} needs no code: patients and practitioners sign in with their "
                "password alone."
            )
        if email != accounts.STAFF_EMAIL:
            raise CommandError(
                f"demo_totp gives codes only for the demo staff account ({accounts.STAFF_EMAIL}). "
                "Every other account signs in with its own authenticator app; if its phone "
                "is lost, an administrator resets its two-step sign-in (SECURITY.md)."
            )
        staff = User.objects.filter(email=accounts.STAFF_EMAIL).first()
        if staff is None:
            raise CommandError(
                "There is no demo staff account in this database: `manage.py seed_demo` "
                "creates it (on a demo database only, never on production)."
            )
        device = TOTPDevice.objects.filter(
            user=staff, confirmed=True, key=accounts.demo_totp_key()
        ).first()
        if device is None:
            raise CommandError(
                f"{accounts.STAFF_EMAIL} no longer uses the published demo secret (its "
                "authenticator was replaced or reset), so its codes are not known here. "
                "Run `manage.py seed_demo` again to restore the demo account."
            )
        now = current_code(device)
        self.stdout.write(now.code)
        if options["verbosity"] > 0:
            when = (
                f"the current code was just used, so this is the next one, accepted already; "
                f"it works for {now.seconds_left} s more"
                if now.is_next
                else f"it changes in {now.seconds_left} s"
            )
            self.stderr.write(
                f"The second-step code for {accounts.STAFF_EMAIL} ({when}). Each code works "
                f"once. Or add the secret {accounts.STAFF_TOTP_SECRET} to an authenticator app."
            )
