"""``manage.py reset_second_factor EMAIL``: the lost-phone procedure from the server, for
when no administrator who passed the second factor can use the admin's action."""

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.second_factor import second_factor_reset
from accounts.services import normalize_address
from kernel.models import User


# A management command in Django's form (help, arguments, handle), like every other.
class Command(BaseCommand):
    help = (
        "Remove an account's authenticator app and recovery codes, so that it sets up a new "
        "app at its next sign-in; recorded in the audit record. Check first, out of band, "
        "that the request comes from the account's owner (SECURITY.md)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("email", help="The account's e-mail address.")
        parser.add_argument(
            "--by",
            default="",
            help="Who asked and who checked, for the audit record (e.g. 'ticket 1234, checked "
            "by phone by J. Admin').",
        )

    def handle(self, *args, email: str, by: str, **options) -> None:
        user = User.objects.filter(email__iexact=normalize_address(email)).first()
        if user is None:
            raise CommandError(f"No account has the address {email!r}.")
        removed = second_factor_reset(
            user=user, actor_label=f"manage.py reset_second_factor {by}".strip()
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"Removed {removed} device{'s' if removed != 1 else ''} of {user.email}: it "
                "sets up a new authenticator app at its next sign-in."
            )
        )
