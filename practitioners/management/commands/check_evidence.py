"""``manage.py check_evidence``: check the uploaded images still waiting for their check."""

from collections import Counter

from django.core.management.base import BaseCommand
from tqdm import tqdm

from practitioners.evidence import check_evidence
from practitioners.models import Evidence, EvidenceCheck


class Command(BaseCommand):
    help = (
        "Decode, under the same limits as the task worker, every uploaded image still "
        "marked 'being checked' — for example after the worker was stopped or its queue "
        "lost — and record whether each can be used. Safe to run at any time."
    )

    def handle(self, *args, **options):
        waiting = list(
            Evidence.objects.filter(check_status=EvidenceCheck.CHECKING)
            .order_by("uploaded_at", "pk")
            .values_list("pk", flat=True)
        )
        outcomes: Counter = Counter()
        for evidence_id in tqdm(
            waiting, unit="file", disable=options["verbosity"] == 0, file=self.stderr
        ):
            outcomes[check_evidence(evidence_id)] += 1
        self.stdout.write(
            self.style.SUCCESS(
                f"Checked {len(waiting)} file(s): {outcomes['passed']} passed, "
                f"{outcomes['failed']} could not be read."
            )
        )
