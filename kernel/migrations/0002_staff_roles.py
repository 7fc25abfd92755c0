"""Staff roles as groups: Moderators and Verifiers. Safe to re-run."""

from django.db import migrations

from kernel.reference_data import ensure_staff_roles


def add_roles(apps, schema_editor):
    ensure_staff_roles(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("directory", "0001_initial"),
        ("practitioners", "0001_initial"),
        ("reviews", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(add_roles, migrations.RunPython.noop)]
