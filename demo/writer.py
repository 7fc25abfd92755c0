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
import queue
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from contextlib import contextmanager
from datetime import UTC

from django.core.management.color import no_style
from django.db import DEFAULT_DB_ALIAS, connection, connections, models
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Max
from django.utils import timezone

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


def _unset(field: models.Field):
    """What ``save()`` would write for a column nobody gave: an ``auto_now`` date is now."""
    if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        return timezone.now()
    return field.get_default()


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
        self.constants = tuple(f.get_db_prep_save(_unset(f), connection) for f in rest)
        self.converters = [
            (i, conv)
            for i, name in enumerate(fields)
            if (conv := _converter(concrete[name], vendor)) is not None
        ]
        self.vendor = vendor
        # Table and column names come from the models, never from input.
        table = connection.ops.quote_name(model._meta.db_table)
        columns = ", ".join(connection.ops.quote_name(c) for c in self.columns)
        self.copy_sql = f"COPY {table} ({columns}) FROM STDIN"
        placeholders = ", ".join("?" * len(self.columns))
        self.insert_sql = f"INSERT INTO {table} ({columns}) VALUES ({placeholders})"  # noqa: S608

    def _prepared(self, rows: list[Row]) -> Iterable[tuple]:
        constants, converters = self.constants, self.converters
        for row in rows:
            if converters:
                row = list(row)
                for i, convert in converters:
                    row[i] = convert(row[i])
            yield (*row, *constants)

    def write(self, database: BaseDatabaseWrapper, rows: list[Row]) -> None:
        """Write ``rows`` through ``database``'s own connection (COPY or one prepared INSERT).

        Errors come out as Django's (``django.db.IntegrityError`` …), as from the ORM.
        """
        started = time.perf_counter()
        raw = database.connection
        with database.wrap_database_errors:
            self._write(raw, rows)
        self.written += len(rows)
        self.seconds += time.perf_counter() - started

    def _write(self, raw, rows: list[Row]) -> None:
        if self.vendor == "postgresql":
            with raw.cursor() as cursor, cursor.copy(self.copy_sql) as copy:
                for row in self._prepared(rows):
                    copy.write_row(row)
        else:
            cursor = raw.cursor()
            try:
                cursor.executemany(self.insert_sql, self._prepared(rows))
            finally:
                cursor.close()


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

    Rows are buffered per table; ``flush_if_full`` hands every buffer over, parents first,
    once they hold ``batch`` rows in all. Order matters beyond foreign keys: PostgreSQL
    triggers (a practitioner's search text reads its clinic) see only rows already written.

    Inside ``background()`` the batches are written by a second thread on the same
    database connection (and so in the same transaction) while the caller generates the
    next ones: SQLite and psycopg release the GIL while the database works, so on two
    cores generating and writing overlap. The caller must not use the database meanwhile.
    """

    def __init__(self, tables: dict[str, Table], *, batch: int = 50_000):
        self.tables = tables
        self.batch = batch
        self.buffered = 0
        self._queue: queue.Queue | None = None
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None

    def add(self, name: str, row: Row) -> None:
        self.tables[name].rows.append(row)
        self.buffered += 1

    def flush_if_full(self) -> None:
        if self.buffered >= self.batch:
            self.flush()

    def flush(self) -> None:
        """Write every buffer, parents first (or queue them for the background writer)."""
        self._raise_background_error()
        batch = [(table, table.rows) for table in self.tables.values() if table.rows]
        for table in self.tables.values():
            table.rows = []
        self.buffered = 0
        if not batch:
            return
        if self._queue is not None:
            self._queue.put(batch)
        else:
            connection.ensure_connection()
            self._write(connection, batch)

    @staticmethod
    def _write(database: BaseDatabaseWrapper, batch) -> None:
        for table, rows in batch:
            table.write(database, rows)

    def _drain(self, database: BaseDatabaseWrapper) -> None:
        while (batch := self._queue.get()) is not None:
            if self._error is None:
                try:
                    self._write(database, batch)
                except BaseException as error:  # handed to the caller's thread
                    self._error = error

    def _raise_background_error(self) -> None:
        if self._error is not None:
            raise self._error

    @contextmanager
    def background(self):
        """Write in a second thread until the block ends; the block ends once all is written."""
        connection.ensure_connection()
        # Two batches in flight at most, so memory stays bounded whatever the size.
        self._queue = queue.Queue(maxsize=2)
        self._thread = threading.Thread(
            # The caller's connection object: Django's are per thread, this one is in the
            # caller's transaction.
            target=self._drain,
            args=(connections[DEFAULT_DB_ALIAS],),
            name="seed-writer",
            daemon=True,
        )
        self._thread.start()
        try:
            yield self
            self.flush()
        finally:
            self._queue.put(None)
            self._thread.join()
            self._queue = self._thread = None
        self._raise_background_error()

    def counts(self) -> dict[str, int]:
        return {name: table.written for name, table in self.tables.items()}
