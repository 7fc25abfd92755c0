"""Indexes for "name starts with", as FHIR's string search asks it (``istartswith``:
``UPPER(column::text) LIKE 'OKA%'``), on PostgreSQL. A pattern operator class lets a
B-tree serve a prefix LIKE whatever the database's collation; SQLite has none and
reads its (small) tables instead."""

from django.db import migrations

from kernel.migration_operations import postgres_only_sql

INDEXES = {
    "practitioner_first_name_prefix_idx": ("practitioners_practitioner", "first_name"),
    "practitioner_last_name_prefix_idx": ("practitioners_practitioner", "last_name"),
    "clinic_name_prefix_idx": ("practitioners_clinic", "name"),
}
FORWARD = [
    f'CREATE INDEX IF NOT EXISTS {name} ON {table} ((UPPER("{column}"::text)) text_pattern_ops)'
    for name, (table, column) in INDEXES.items()
]
BACKWARD = [f"DROP INDEX IF EXISTS {name}" for name in INDEXES]


class Migration(migrations.Migration):
    dependencies = [("practitioners", "0011_updated_at")]

    operations = [postgres_only_sql(FORWARD, BACKWARD)]
