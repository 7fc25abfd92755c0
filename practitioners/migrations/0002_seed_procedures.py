"""The procedures SPEC.md names; staff can add more in the admin. Safe to re-run."""

from django.db import migrations

PROCEDURES = [
    ("microneedling", "Microneedling", "Collagen induction therapy with fine needles."),
    ("rf_microneedling", "RF microneedling", "Microneedling combined with radio-frequency energy."),
    ("prp_microneedling", "PRP microneedling", "Microneedling with platelet-rich plasma."),
    ("chemical_peel", "Chemical peel", "A chemical solution that removes the outer skin layers."),
    ("laser_resurfacing", "Laser resurfacing", "Ablative or non-ablative laser skin resurfacing."),
    ("dermal_filler", "Dermal filler", "Injectable fillers for volume and lines."),
]


def add_procedures(apps, schema_editor):
    Procedure = apps.get_model("practitioners", "Procedure")
    for slug, name, description in PROCEDURES:
        Procedure.objects.update_or_create(
            slug=slug, defaults={"name": name, "description": description}
        )


class Migration(migrations.Migration):
    dependencies = [("practitioners", "0001_initial")]

    operations = [migrations.RunPython(add_procedures, migrations.RunPython.noop)]
