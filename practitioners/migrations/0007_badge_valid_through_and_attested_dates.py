"""The Verified badge becomes a date (``verified_through``) instead of a nightly flag, and
each sterilization answer carries the day it was attested."""

from datetime import date

from django.db import migrations, models
from django.utils import timezone

BADGE_KINDS = ("license", "sterilization")


def _valid_through(attestations) -> date | None:
    # The rule of practitioners.trust.badge_valid_through, frozen here as it stood.
    latest: dict[str, date] = {}
    for a in attestations:
        if a.kind not in BADGE_KINDS or a.status != "verified":
            continue
        if a.kind == "license" and a.standing != "active":
            continue
        through = a.expires_on or date.max
        latest[a.kind] = max(latest.get(a.kind, through), through)
    if any(kind not in latest for kind in BADGE_KINDS):
        return None
    return min(latest.values())


def forwards(apps, schema_editor):
    Practitioner = apps.get_model("practitioners", "Practitioner")
    Attestation = apps.get_model("practitioners", "Attestation")
    SterilizationAnswer = apps.get_model("practitioners", "SterilizationAnswer")
    for answer in SterilizationAnswer.objects.select_related("attestation").iterator():
        answer.attested_on = timezone.localdate(answer.attestation.submitted_at)
        answer.save(update_fields=["attested_on"])
    by_practitioner: dict[int, list] = {}
    for a in Attestation.objects.filter(kind__in=BADGE_KINDS, status="verified").iterator():
        by_practitioner.setdefault(a.practitioner_id, []).append(a)
    for practitioner_id, attestations in by_practitioner.items():
        Practitioner.objects.filter(pk=practitioner_id).update(
            verified_through=_valid_through(attestations)
        )
    Practitioner.objects.filter(is_verified=True).update(badge_announced=True)


class Migration(migrations.Migration):
    dependencies = [("practitioners", "0006_licence_renewal_constraints")]

    operations = [
        migrations.AddField(
            model_name="practitioner",
            name="verified_through",
            field=models.DateField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name="practitioner",
            name="badge_announced",
            field=models.BooleanField(default=False, editable=False),
        ),
        migrations.AddField(
            model_name="sterilizationanswer",
            name="attested_on",
            field=models.DateField(null=True),
        ),
        migrations.RunPython(forwards, migrations.RunPython.noop, elidable=True),
        migrations.AlterField(
            model_name="sterilizationanswer",
            name="attested_on",
            field=models.DateField(help_text="The day the practitioner gave this answer."),
        ),
        migrations.RemoveIndex(model_name="practitioner", name="practitioner_verified_idx"),
        migrations.RemoveField(model_name="practitioner", name="is_verified"),
        migrations.RemoveField(model_name="practitioner", name="verified_checked_at"),
        migrations.AddIndex(
            model_name="practitioner",
            index=models.Index(fields=["verified_through"], name="practitioner_verified_idx"),
        ),
    ]
