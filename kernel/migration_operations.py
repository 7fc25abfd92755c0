"""Migration operations the apps share."""

from django.db import migrations


def postgres_only_sql(forward: list[str], backward: list[str]) -> migrations.RunPython:
    """Run these statements on PostgreSQL and nothing elsewhere: triggers, operator classes
    and statistics SQLite has no form of (it reads its small tables without them)."""

    def run(statements):
        def apply(apps, schema_editor):
            if schema_editor.connection.vendor == "postgresql":
                for statement in statements:
                    schema_editor.execute(statement)

        return apply

    return migrations.RunPython(run(forward), run(backward))
