"""When each clinic, practitioner and attestation last changed (FHIR ``meta.lastUpdated``).

Existing rows start from the best time they already record: a practitioner's creation,
an attestation's decision or else its submission; clinics record none, so this migration's.
"""

import django.utils.timezone
from django.db import migrations, models
from django.db.models import F
from django.db.models.functions import Coalesce


def from_recorded_times(apps, schema_editor):
    apps.get_model("practitioners", "Practitioner").objects.update(updated_at=F("created_at"))
    apps.get_model("practitioners", "Attestation").objects.update(
        updated_at=Coalesce(F("verified_at"), F("submitted_at"))
    )


class Migration(migrations.Migration):
    dependencies = [("practitioners", "0010_attestation_and_claim_version")]

    operations = [
        migrations.AddField(
            model_name=model,
            name="updated_at",
            field=models.DateTimeField(
                auto_now=True, db_index=True, default=django.utils.timezone.now
            ),
            preserve_default=False,
        )
        for model in ("clinic", "practitioner", "attestation")
    ] + [migrations.RunPython(from_recorded_times, migrations.RunPython.noop, elidable=True)]
