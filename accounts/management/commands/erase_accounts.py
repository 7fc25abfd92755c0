"""``manage.py erase_accounts``: erase accounts again after restoring a backup, or by id."""

from django.core.management.base import BaseCommand, CommandError

from accounts.privacy import account_erase, accounts_to_erase_again
from kernel.models import User


class Command(BaseCommand):
    help = (
        "Erase accounts as /account/delete/ does, without their password and without "
        "e-mailing them. After restoring a backup, --from-record erases again every account "
        "the audit record says was deleted (SECURITY.md, Backups)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("ids", nargs="*", type=int, help="Account ids to erase.")
        parser.add_argument(
            "--from-record",
            action="store_true",
            help="Erase every account with an account.deleted entry that holds data again.",
        )

    def handle(self, *args, ids: list[int], from_record: bool, **options):
        if not ids and not from_record:
            raise CommandError("Give account ids, or --from-record.")
        targets = sorted(set(ids) | set(accounts_to_erase_again() if from_record else []))
        missing = set(targets) - set(
            User.objects.filter(pk__in=targets).values_list("pk", flat=True)
        )
        if missing:
            raise CommandError(f"No account with id {', '.join(map(str, sorted(missing)))}.")
        for user_id in targets:
            account_erase(user_id=user_id, actor_label="staff erasure", notify=False)
        self.stdout.write(f"Erased {len(targets)} account(s).")
