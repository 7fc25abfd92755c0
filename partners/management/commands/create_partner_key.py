"""``manage.py create_partner_key NAME --scopes read,invite`` — print a new API key once."""

from django.core.management.base import BaseCommand, CommandParser

from kernel.command_errors import refusal_as_command_error
from partners.models import DEFAULT_RATE_PER_MINUTE
from partners.services import partner_key_create


class Command(BaseCommand):
    help = (
        "Create an API key for a partner (created if new) and print it once. Only its hash is "
        "stored: the key cannot be shown again, only revoked and replaced."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name", help="The partner's name, e.g. “Acme Booking”.")
        parser.add_argument(
            "--scopes",
            default="read",
            help="Comma-separated: read, invite, webhooks, fhir (default: read).",
        )
        parser.add_argument(
            "--rate",
            type=int,
            default=DEFAULT_RATE_PER_MINUTE,
            help=f"Requests a minute (default {DEFAULT_RATE_PER_MINUTE}).",
        )

    def handle(self, *args, name: str, scopes: str, rate: int, **options) -> None:
        with refusal_as_command_error():
            key, raw_key = partner_key_create(name=name, scopes=scopes, rate_per_minute=rate)
        self.stderr.write(
            f"Key {key.prefix} for {key.partner.name}, scopes {','.join(key.scopes)}, "
            f"{key.rate_per_minute}/min. Store it now; it is not shown again:"
        )
        self.stdout.write(raw_key)
