"""``manage.py relay_events``: the outbox sweep, for a system cron next to the worker."""

from django.core.management.base import BaseCommand

from kernel.events import sweep


class Command(BaseCommand):
    help = (
        "Relay domain events the worker has not picked up (a task lost between commit and "
        "queue) and retry the subscribers whose next attempt is due. Safe to run at any "
        "time and as often as you like, e.g. every few minutes from cron."
    )

    def handle(self, *args, **options):
        report = sweep()
        self.stdout.write(
            self.style.SUCCESS(
                f"{report['relayed']} events relayed, {report['retried']} handlings retried"
            )
        )
