"""``manage.py purge_personal_data``: erase personal data whose retention has run out."""

from django.core.management.base import BaseCommand

from accounts.privacy import purge_expired_personal_data


# A management command in Django's form (help, arguments, handle), like every other.
class Command(BaseCommand):
    help = (
        "Erase review sender addresses older than 90 days and e-mail addresses of invitations "
        "unused 90 days after expiry, and delete expired sessions (SECURITY.md). The same "
        "purge runs daily as a scheduled task once `manage.py schedule_jobs` has queued it; "
        "running it by hand as well is harmless."
    )

    def handle(self, *args, **options):
        erased = purge_expired_personal_data()
        self.stdout.write(
            f"Erased {erased['review_addresses']} review sender addresses and "
            f"{erased['invitation_addresses']} invitation e-mail addresses; "
            "expired sessions deleted."
        )
