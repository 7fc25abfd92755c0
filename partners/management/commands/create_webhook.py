"""``manage.py create_webhook NAME URL [--events …]`` — register an endpoint, print its secret."""

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kernel.command_errors import refusal_as_command_error
from partners.models import Partner, WebhookEvent
from partners.services import webhook_endpoint_create


class Command(BaseCommand):
    help = (
        "Register a webhook endpoint for an existing partner and print its signing secret "
        "once. Events: " + ", ".join(WebhookEvent.values) + " (default: all)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name", help="The partner's name.")
        parser.add_argument("url", help="The HTTPS URL that receives the events.")
        parser.add_argument("--events", default="", help="Comma-separated event types.")

    def handle(self, *args, name: str, url: str, events: str, **options) -> None:
        partner = Partner.objects.filter(name=name.strip()).first()
        if partner is None:
            raise CommandError(f"No partner is called {name!r}; create a key for it first.")
        chosen = [event.strip() for event in events.split(",") if event.strip()] or None
        with refusal_as_command_error():
            endpoint, secret = webhook_endpoint_create(partner=partner, url=url, events=chosen)
        self.stderr.write(
            f"Endpoint {endpoint.pk} for {partner.name}: {', '.join(endpoint.events)}. "
            "Its signing secret (not shown again):"
        )
        self.stdout.write(secret)
