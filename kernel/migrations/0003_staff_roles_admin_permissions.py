"""Give the Moderators and Verifiers groups the admin permissions of their roles.

Databases migrated before the roles had them gain them here; on a new database 0002
already granted them. Only adds permissions, so it is safe to re-run.
"""

from django.db import migrations

from kernel.reference_data import ensure_staff_roles


def grant_admin_permissions(apps, schema_editor):
    ensure_staff_roles(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("directory", "0002_staff_roles"),
        ("practitioners", "0001_initial"),
        ("reviews", "0001_initial"),
    ]

    operations = [migrations.RunPython(grant_admin_permissions, migrations.RunPython.noop)]
