"""``manage.py revoke_partner_key PREFIX`` — revoke a key; its requests get 401 from now on."""

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kernel.command_errors import refusal_as_command_error
from partners.models import PartnerKey
from partners.services import partner_key_revoke


class Command(BaseCommand):
    help = "Revoke a partner API key by its public prefix (pdk_…)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("prefix", help="The key's prefix, as shown in the admin.")

    def handle(self, *args, prefix: str, **options) -> None:
        key = PartnerKey.objects.filter(prefix=prefix.strip()).first()
        if key is None:
            raise CommandError(f"No key has the prefix {prefix!r}.")
        with refusal_as_command_error():
            partner_key_revoke(key_id=key.pk)
        self.stdout.write(f"Revoked {key.prefix} ({key.partner}).")
