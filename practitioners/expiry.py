"""The daily expiry run: lapse what has passed its date, warn about what soon will.

``run_expiry`` is what ``manage.py expire_attestations`` and the scheduled task both call.
Each step goes through a service (one locked row, one audit entry, the badge refreshed),
and each only picks rows that still need it, so a second run on the same day finds nothing
to do. Dates are the site's local dates (settings.TIME_ZONE): an attestation is valid on
its expiry date and lapses the day after.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from django.utils import timezone

from kernel.errors import DomainError
from practitioners import services
from practitioners.credentials import Standing, kind_codes
from practitioners.models import Attestation, AttestationStatus, lapsed_by

WARNING_DAYS = 30


@dataclass
class ExpiryReport:
    expired: int = 0
    lapsed_standing: int = 0
    warned: int = 0
    skipped: int = 0

    def __str__(self) -> str:
        return (
            f"{self.expired} expired, {self.lapsed_standing} licences no longer in active "
            f"standing, {self.warned} reminders sent"
            + (f", {self.skipped} changed meanwhile and skipped" if self.skipped else "")
        )


def due_to_expire(today: date):
    return Attestation.objects.filter(lapsed_by(today), status=AttestationStatus.VERIFIED).order_by(
        "expires_on", "id"
    )


def due_to_lapse_for_standing():
    return (
        # credentials.standing_withdrawn, as a query
        Attestation.objects.filter(
            kind__in=kind_codes(on_register=True), status=AttestationStatus.VERIFIED
        )
        .exclude(standing__in=[Standing.ACTIVE, ""])
        .order_by("id")
    )


def due_a_warning(today: date):
    return Attestation.objects.filter(
        status=AttestationStatus.VERIFIED,
        expiry_warning_sent_on__isnull=True,
        expires_on__gte=today,
        expires_on__lte=today + timedelta(days=WARNING_DAYS),
    ).order_by("expires_on", "id")


def run_expiry(*, today: date | None = None) -> ExpiryReport:
    """Expire, lapse and warn as of ``today`` (the site's local date by default)."""
    today = today or timezone.localdate()
    report = ExpiryReport()
    for pk in list(due_to_expire(today).values_list("pk", flat=True)):
        try:
            services.attestation_expire(attestation_id=pk, today=today)
            report.expired += 1
        except DomainError:
            report.skipped += 1  # renewed or decided by someone else since we looked
    for pk in list(due_to_lapse_for_standing().values_list("pk", flat=True)):
        try:
            services.attestation_lapse_standing(attestation_id=pk)
            report.lapsed_standing += 1
        except DomainError:
            report.skipped += 1
    for pk in list(due_a_warning(today).values_list("pk", flat=True)):
        if services.attestation_send_expiry_warning(
            attestation_id=pk, today=today, days=WARNING_DAYS
        ):
            report.warned += 1
    return report
