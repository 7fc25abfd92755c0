"""The procedures docs/product.md names; staff can add more in the admin. Safe to re-run."""

from django.db import migrations

from kernel.reference_data import ensure_procedures


def add_procedures(apps, schema_editor):
    ensure_procedures(apps)


class Migration(migrations.Migration):
    dependencies = [("practitioners", "0001_initial")]

    operations = [migrations.RunPython(add_procedures, migrations.RunPython.noop)]
