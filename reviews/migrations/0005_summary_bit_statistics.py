"""Statistics on each bit of the summary's skin-type and complication masks (PostgreSQL).

The search filters test one bit at a time (``skin_type_mask & 4 > 0``,
``complication_mask & 1 = 0``). Without statistics on those expressions PostgreSQL guesses
a fixed share of rows for each and can pick a plan that reads far more than a page; with
them, ANALYZE measures how common each bit is. SQLite has no such statistics: nothing to do.
"""

from django.db import migrations

from reviews.summaries import COMPLICATION_BITS, SKIN_TYPE_BITS

TABLE = "reviews_practitionersummary"
BITS = [("skin_type_mask", name, bit) for name, bit in SKIN_TYPE_BITS.items()] + [
    ("complication_mask", name, bit) for name, bit in COMPLICATION_BITS.items()
]


def _name(column: str, value: str) -> str:
    return f"summary_{column.split('_')[0]}_{value.lower()}_bit_stat"


def create_statistics(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for column, value, bit in BITS:
        schema_editor.execute(
            f"CREATE STATISTICS IF NOT EXISTS {_name(column, value)} ON (({column} & {bit})) "
            f"FROM {TABLE}"
        )
    schema_editor.execute(f"ANALYZE {TABLE}")


def drop_statistics(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for column, value, _bit in BITS:
        schema_editor.execute(f"DROP STATISTICS IF EXISTS {_name(column, value)}")


class Migration(migrations.Migration):
    dependencies = [("reviews", "0004_review_and_response_version")]

    operations = [migrations.RunPython(create_statistics, drop_statistics)]
