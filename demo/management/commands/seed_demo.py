"""``manage.py seed_demo``: realistic, deterministic demo data, fast at any size."""

import time
from argparse import ArgumentTypeError

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from demo import accounts
from demo.accounts import SeedError
from demo.generate import DemoSeeder
from practitioners.models import Practitioner

MAX_PRACTITIONERS = 1_000_000
MAX_REVIEWS = 10_000_000


def count(value: str) -> int:
    """A whole number of zero or more, for argparse (which turns the error into a message)."""
    try:
        number = int(value)
    except ValueError:
        raise ArgumentTypeError(f"{value!r} is not a whole number.") from None
    if number < 0:
        raise ArgumentTypeError(f"counts cannot be negative (got {number}).")
    return number


class Command(BaseCommand):
    help = (
        "Fill the database with demo practitioners, clinics, attestations, patients and "
        "reviews, plus the demo accounts listed in the README. The same --seed on the same "
        "day writes the same data. Everything is written in one transaction."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--practitioners", type=count, default=300, help="How many (default 300)."
        )
        parser.add_argument("--reviews", type=count, default=3000, help="How many (default 3000).")
        parser.add_argument("--seed", type=int, default=1, help="Random seed (default 1).")
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing when the database already holds practitioners (used by make run).",
        )

    def handle(self, *args, practitioners: int, reviews: int, seed: int, if_empty: bool, **options):
        # call_command() passes keyword values without argparse's type check.
        for value in (practitioners, reviews):
            if not isinstance(value, int) or value < 0:
                raise CommandError(f"Counts are whole numbers of zero or more, not {value!r}.")
        if practitioners > MAX_PRACTITIONERS or reviews > MAX_REVIEWS:
            raise CommandError(
                f"At most {MAX_PRACTITIONERS:,} practitioners and {MAX_REVIEWS:,} reviews."
            )
        if reviews and not practitioners:
            raise CommandError("Reviews need at least one practitioner: raise --practitioners.")
        show = options["verbosity"] > 0
        if if_empty and Practitioner.objects.exists():
            if show:
                self.stdout.write("The database already holds practitioners: nothing to seed.")
            return
        bar: tqdm | None = None

        def phase(name: str, total: int) -> None:
            nonlocal bar
            if bar is not None:
                bar.close()
            bar = tqdm(total=total, desc=name, unit=f" {name}", disable=not show, file=self.stderr)

        def progress(done: int) -> None:
            if bar is not None:
                bar.update(done)

        started = time.monotonic()
        seeder = DemoSeeder(
            practitioners=practitioners, reviews=reviews, seed=seed, progress=progress, phase=phase
        )
        try:
            result = seeder.run()
        except SeedError as error:
            raise CommandError(str(error)) from error
        finally:
            if bar is not None:
                bar.close()
        elapsed = time.monotonic() - started
        if not show:
            return
        written = ", ".join(f"{n:,} {name.replace('_', ' ')}" for name, n in result.counts.items())
        self.stdout.write(self.style.SUCCESS(f"Seeded in {elapsed:.1f} s: {written}."))
        if options["verbosity"] > 1:
            for name, table in result.writer.tables.items():
                self.stdout.write(f"  {name}: {table.written:,} rows in {table.seconds:.1f} s")
        self.stdout.write("Demo accounts (see README):")
        for email, password in (
            (accounts.STAFF_EMAIL, accounts.STAFF_PASSWORD),
            (accounts.PATIENT_EMAIL, accounts.PATIENT_PASSWORD),
            (accounts.PRACTITIONER_EMAIL, accounts.PRACTITIONER_PASSWORD),
        ):
            self.stdout.write(f"  {email} / {password}")
        self.stdout.write(
            f"  {accounts.STAFF_EMAIL} signs in with a second step too: `manage.py demo_totp` "
            f"prints its code, or add the secret {accounts.STAFF_TOTP_SECRET} to an "
            "authenticator app."
        )
        if result.demo_practitioner_slug:
            self.stdout.write(
                f"The demo practitioner's profile: /practitioners/{result.demo_practitioner_slug}/"
            )
