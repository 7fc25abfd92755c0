"""``manage.py expire_attestations``: the daily expiry run (also a scheduled task)."""

from django.core.management.base import BaseCommand

from kernel.command_errors import add_today_argument, parse_today
from practitioners.expiry import run_expiry


class Command(BaseCommand):
    help = (
        "Move verified attestations past their expiry date to expired, take verification "
        "off licences no longer in active standing, refresh badges, and e-mail reminders "
        "30 days ahead. Safe to run more than once a day."
    )

    def add_arguments(self, parser):
        add_today_argument(parser)

    def handle(self, *args, today: str | None = None, **options):
        as_of = parse_today(today)
        report = run_expiry(today=as_of)
        self.stdout.write(self.style.SUCCESS(f"Expiry run: {report}."))
