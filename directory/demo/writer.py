"""Fast bulk inserts of plain row tuples: COPY on PostgreSQL, one prepared INSERT on SQLite.

``bulk_create`` builds a model instance and prepares every field of every row through
Django, which costs more than the insert itself at a million rows. The demo seed knows its
rows exactly, so it hands over tuples in a declared column order and lets the writer fill
every other column with the model field's default, prepared once. Values are converted
only where the database driver needs it (dates and JSON on SQLite, JSON on PostgreSQL).
Primary keys are assigned by the caller (``next_ids``) so related rows can point at each
other before anything is written; ``reset_sequences`` realigns PostgreSQL afterwards.
"""

import json
import time
from collections.abc import Callable, Iterable, Sequence
from contextlib import contextmanager
from datetime import UTC

from django.core.management.color import no_style
from django.db import connection, models
from django.db.models import Max

Row = Sequence[object]


def _sqlite_datetime(value):
    # Django's SQLite backend stores aware datetimes as naive UTC text.
    if value is None:
        return None
    if value.tzinfo is not UTC:
        value = value.astimezone(UTC)
    return value.replace(tzinfo=None).isoformat(" ")


def _isoformat(value):
    return None if value is None else value.isoformat()


def _to_text(value):
    return None if value is None else str(value)


def _to_json(value):
    return json.dumps(value)


def _converter(field: models.Field, vendor: str) -> Callable | None:
    kind = field.get_internal_type()
    if kind == "JSONField":
        return _to_json
    if vendor != "sqlite":
        return None
    if kind == "DateTimeField":
        return _sqlite_datetime
    if kind == "DateField":
        return _isoformat
    if kind == "DecimalField":
        return _to_text
    return None


class Table:
    """One model's rows, buffered and written in large batches."""

    def __init__(self, model: type[models.Model], fields: Sequence[str]):
        self.model = model
        self.rows: list[Row] = []
        self.written = 0
        self.seconds = 0.0
        concrete = {f.attname: f for f in model._meta.concrete_fields}
        unknown = set(fields) - set(concrete)
        if unknown:
            raise ValueError(f"{model.__name__} has no columns {sorted(unknown)}")
        vendor = connection.vendor
        rest = [f for name, f in concrete.items() if name not in fields]
        self.columns = [concrete[name].column for name in fields] + [f.column for f in rest]
        # Columns the caller does not give take the field's default, prepared by Django once.
        self.constants = tuple(f.get_db_prep_save(f.get_default(), connection) for f in rest)
        self.converters = [
            (i, conv)
            for i, name in enumerate(fields)
            if (conv := _converter(concrete[name], vendor)) is not None
        ]

    def _prepared(self) -> Iterable[tuple]:
        constants, converters = self.constants, self.converters
        for row in self.rows:
            if converters:
                row = list(row)
                for i, convert in converters:
                    row[i] = convert(row[i])
            yield (*row, *constants)

    def flush(self) -> None:
        if not self.rows:
            return
        started = time.perf_counter()
        table = connection.ops.quote_name(self.model._meta.db_table)
        columns = ", ".join(connection.ops.quote_name(c) for c in self.columns)
        connection.ensure_connection()
        raw = connection.connection
        if connection.vendor == "postgresql":
            with (
                raw.cursor() as cursor,
                cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy,
            ):
                for row in self._prepared():
                    copy.write_row(row)
        else:
            placeholders = ", ".join("?" * len(self.columns))
            cursor = raw.cursor()
            try:
                # Table and column names come from the models, never from input.
                cursor.executemany(
                    f"INSERT INTO {table} ({columns}) VALUES ({placeholders})",  # noqa: S608
                    self._prepared(),
                )
            finally:
                cursor.close()
        self.written += len(self.rows)
        self.rows = []
        self.seconds += time.perf_counter() - started


@contextmanager
def bulk_session():
    """Tune this connection for one long write, and put it back as it was afterwards.

    On SQLite a large page cache keeps the indexes being filled in memory instead of
    spilling half-written pages to the WAL (the default cache is only 2 MB).
    """
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        (previous,) = cursor.fetchone()
        cursor.execute("PRAGMA cache_size = -1000000")  # about 1 GB, in KiB
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {int(previous)}")


def next_id(model: type[models.Model]) -> int:
    """The first primary key free after every existing row."""
    return (model._default_manager.aggregate(top=Max("pk"))["top"] or 0) + 1


def reset_sequences(models_: Iterable[type[models.Model]]) -> None:
    """Move PostgreSQL's id sequences past the ids we assigned (SQLite follows by itself)."""
    statements = connection.ops.sequence_reset_sql(no_style(), list(models_))
    if statements:
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)


class Writer:
    """Tables written together, in the order given, so every row finds what it points at.

    Rows are buffered per table; ``flush_if_full`` writes every buffer, parents first, once
    they hold ``batch`` rows in all. Order matters beyond foreign keys: PostgreSQL triggers
    (a practitioner's search text reads its clinic) see only rows already written.
    """

    def __init__(self, tables: dict[str, Table], *, batch: int = 50_000):
        self.tables = tables
        self.batch = batch
        self.buffered = 0

    def add(self, name: str, row: Row) -> None:
        self.tables[name].rows.append(row)
        self.buffered += 1

    def flush_if_full(self) -> None:
        if self.buffered >= self.batch:
            self.flush()

    def flush(self) -> None:
        for table in self.tables.values():
            table.flush()
        self.buffered = 0

    def counts(self) -> dict[str, int]:
        return {name: table.written for name, table in self.tables.items()}
