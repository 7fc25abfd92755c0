"""Recount every practitioner's summary from the reviews and report any drift.

Practitioners are read in batches by primary key: three queries per batch (summaries,
published reviews, their complications), counted with the same ``tally`` the services use,
so 100k practitioners take a few hundred queries. A difference is checked once more under
the summary's row lock — the lock every decision takes before it recounts — so a decision
committing during the run is not mistaken for drift.
"""

from collections import defaultdict
from dataclasses import asdict
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone
from tqdm import tqdm

from practitioners.models import Practitioner
from reviews.models import Complication, PractitionerSummary, Review, ReviewStatus
from reviews.summaries import refresh_summary, stored_counts, summary_drift, tally


class Command(BaseCommand):
    help = (
        "Recount every practitioner summary from the published reviews and report any "
        "field that differs. Exits with an error when drift is found, unless --fix rewrites it."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--fix", action="store_true", help="Rewrite drifted or missing summaries."
        )
        parser.add_argument(
            "--batch-size",
            type=int,
            default=1000,
            help="Practitioners recounted per batch (default 1000).",
        )
        parser.add_argument("--no-progress", action="store_true", help="Hide the progress bar.")

    def handle(self, *args: Any, fix: bool, batch_size: int, no_progress: bool, **options):
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        today = timezone.localdate()
        total = Practitioner.objects.count()
        problems: dict[int, dict | None] = {}  # None: no summary row at all
        last_id = 0
        with tqdm(
            total=total,
            unit="practitioner",
            disable=no_progress or options["verbosity"] == 0,
            file=self.stderr._out,
        ) as bar:
            while True:
                ids = list(
                    Practitioner.objects.filter(pk__gt=last_id)
                    .order_by("pk")
                    .values_list("pk", flat=True)[:batch_size]
                )
                if not ids:
                    break
                last_id = ids[-1]
                problems.update(self._check_batch(ids, today))
                bar.update(len(ids))
        # Confirm each difference under the summary's row lock before reporting it.
        confirmed = {
            pid: drift for pid, drift in problems.items() if self._confirm(pid, drift, today)
        }
        names = dict(Practitioner.objects.filter(pk__in=confirmed).values_list("pk", "slug"))
        for pid, drift in sorted(confirmed.items()):
            if drift is None:
                self.stdout.write(f"Practitioner {pid} ({names.get(pid)}): no summary row.")
                continue
            details = "; ".join(
                f"{name} stored {stored!r}, recounted {fresh!r}"
                for name, (stored, fresh) in sorted(drift.items())
            )
            self.stdout.write(f"Practitioner {pid} ({names.get(pid)}): {details}.")
        if not confirmed:
            self.stdout.write(self.style.SUCCESS(f"Checked {total} practitioners: no drift."))
            return
        if fix:
            for pid in sorted(confirmed):
                refresh_summary(pid, today=today)
            self.stdout.write(
                self.style.SUCCESS(f"Fixed {len(confirmed)} of {total} practitioner summaries.")
            )
            return
        raise CommandError(
            f"{len(confirmed)} of {total} practitioner summaries differ from a recount; "
            "run with --fix to rewrite them."
        )

    def _check_batch(self, ids: list[int], today) -> dict[int, dict | None]:
        summaries = {s.practitioner_id: s for s in PractitionerSummary.objects.filter(pk__in=ids)}
        reviews: dict[int, list] = defaultdict(list)
        for pid, *row in (
            Review.objects.filter(practitioner_id__in=ids, status=ReviewStatus.PUBLISHED)
            .order_by()
            .values_list("practitioner_id", "id", "rating", "skin_type", "treatment_month")
        ):
            reviews[pid].append(row)
        complications: dict[int, list] = defaultdict(list)
        for pid, *row in (
            Complication.objects.filter(
                review__practitioner_id__in=ids, review__status=ReviewStatus.PUBLISHED
            )
            .order_by()
            .values_list("review__practitioner_id", "review_id", "type", "severity")
        ):
            complications[pid].append(row)
        found: dict[int, dict | None] = {}
        for pid in ids:
            summary = summaries.get(pid)
            if summary is None:
                found[pid] = None
                continue
            stored = asdict(stored_counts(summary))
            fresh = asdict(tally(reviews.get(pid, ()), complications.get(pid, ()), today=today))
            drift = {k: (stored[k], fresh[k]) for k in fresh if stored[k] != fresh[k]}
            if drift:
                found[pid] = drift
        return found

    def _confirm(self, practitioner_id: int, drift: dict | None, today) -> bool:
        if drift is None:
            return not PractitionerSummary.objects.filter(pk=practitioner_id).exists()
        with transaction.atomic():
            summary = PractitionerSummary.objects.select_for_update().get(pk=practitioner_id)
            fresh = summary_drift(summary, today=today)
        if fresh:
            drift.clear()
            drift.update(fresh)
        return bool(fresh)
