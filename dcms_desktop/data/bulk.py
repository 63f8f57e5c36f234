"""Fast bulk insertion for filling a database in one go (the demo clinics, restores).

Rows are buffered per table and written in foreign-key order, so a caller can hand over
an appointment, its services and its bill in any order as long as each row's parents were
added no later than the row itself.

- PostgreSQL: ``COPY … FROM STDIN`` through psycopg 3 on the raw driver connection of
  the SQLAlchemy connection, inside its transaction. An order of magnitude faster than
  INSERTs. Values go in as Python objects (``Decimal`` for money, ``uuid.UUID``, aware
  ``datetime``); JSON columns are serialised here because COPY knows no JSON adapter.
- SQLite: ``executemany`` of a Core ``insert()``, so every column type does its own bind
  processing (money as integer cents, UUIDs as hex, times in the schema's text format).
  :func:`bulk_writer` also sets pragmas that only suit a fresh fill (a large page cache,
  temporary tables in memory, no fsync while filling) and restores them afterwards.

Python-side column defaults are not applied on PostgreSQL (COPY only knows server
defaults): give every column that has no server default.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from sqlalchemy import JSON, Connection, Table

from dcms_desktop.data.engine import Database
from dcms_desktop.data.models import Base

log = logging.getLogger(__name__)

Row = Mapping[str, Any]

DEFAULT_BUFFER_ROWS = 20_000

# Fresh-fill pragmas for SQLite and the values the engine sets for everyday work.
_SQLITE_FILL_PRAGMAS = {"synchronous": "OFF", "cache_size": "-262144", "temp_store": "MEMORY"}
_SQLITE_NORMAL_PRAGMAS = {"synchronous": "NORMAL", "cache_size": "-2000", "temp_store": "DEFAULT"}

_TABLE_ORDER = {table.name: index for index, table in enumerate(Base.metadata.sorted_tables)}


def _json_dump(value: Any) -> Any:
    return None if value is None else json.dumps(value, separators=(",", ":"))


class BulkWriter:
    """Buffers rows per table and writes them, parents first, when the buffer fills up.

    Every row of one table must carry the same keys. :meth:`flush` writes what is
    buffered; leaving :func:`bulk_writer` flushes and commits.
    """

    def __init__(self, connection: Connection, *, buffer_rows: int = DEFAULT_BUFFER_ROWS):
        self.connection = connection
        self.buffer_rows = buffer_rows
        self.is_postgresql = connection.dialect.name == "postgresql"
        self._buffers: dict[str, list[Row]] = {}
        self._tables: dict[str, Table] = {}
        self._buffered = 0
        self.counts: dict[str, int] = {}

    def add(self, table: Table, row: Row) -> None:
        """Queue one row for ``table``; may write the buffers out."""
        buffer = self._buffers.get(table.name)
        if buffer is None:
            buffer = self._buffers[table.name] = []
            self._tables[table.name] = table
        buffer.append(row)
        self._buffered += 1
        if self._buffered >= self.buffer_rows:
            self.flush()

    def add_all(self, table: Table, rows: Iterable[Row]) -> None:
        for row in rows:
            self.add(table, row)

    def flush(self) -> None:
        """Write every buffered row, tables in foreign-key order."""
        names = sorted(self._buffers, key=lambda name: _TABLE_ORDER.get(name, len(_TABLE_ORDER)))
        for name in names:
            rows = self._buffers[name]
            if not rows:
                continue
            table = self._tables[name]
            if self.is_postgresql:
                self._copy(table, rows)
            else:
                self.connection.execute(table.insert(), rows)
            self.counts[name] = self.counts.get(name, 0) + len(rows)
            rows.clear()
        self._buffered = 0

    def _copy(self, table: Table, rows: list[Row]) -> None:
        columns = list(rows[0].keys())
        converters: list[Callable[[Any], Any] | None] = [
            _json_dump if isinstance(table.c[name].type, JSON) else None for name in columns
        ]
        width = len(columns)
        column_list = ", ".join(f'"{name}"' for name in columns)
        raw = self.connection.connection.driver_connection
        assert raw is not None
        with (
            raw.cursor() as cursor,
            cursor.copy(f'COPY "{table.name}" ({column_list}) FROM STDIN') as copy,
        ):
            if any(converters):
                for row in rows:
                    if len(row) != width:
                        raise ValueError(f"rows of {table.name} must all have the same columns")
                    copy.write_row(
                        [
                            convert(row[name]) if convert else row[name]
                            for name, convert in zip(columns, converters, strict=True)
                        ]
                    )
            else:
                for row in rows:
                    if len(row) != width:
                        raise ValueError(f"rows of {table.name} must all have the same columns")
                    copy.write_row([row[name] for name in columns])


def _set_sqlite_pragmas(connection: Connection, pragmas: Mapping[str, str]) -> None:
    raw = connection.connection.driver_connection
    assert raw is not None
    for name, value in pragmas.items():
        raw.execute(f"PRAGMA {name} = {value}")


@contextmanager
def bulk_writer(
    database: Database, *, buffer_rows: int = DEFAULT_BUFFER_ROWS
) -> Iterator[BulkWriter]:
    """One write connection and one transaction with a :class:`BulkWriter` on it.

    The block commits when it ends normally (after a last flush) and rolls back, writing
    nothing, when it raises. ``writer.connection`` runs any other statement in the same
    transaction.
    """
    with database.write_engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            # Outside the transaction: SQLite refuses to change `synchronous` inside one.
            _set_sqlite_pragmas(connection, _SQLITE_FILL_PRAGMAS)
        try:
            with connection.begin():
                writer = BulkWriter(connection, buffer_rows=buffer_rows)
                yield writer
                writer.flush()
        finally:
            if sqlite:
                _set_sqlite_pragmas(connection, _SQLITE_NORMAL_PRAGMAS)
