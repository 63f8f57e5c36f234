"""Schema migrations (Alembic) run from code: ``dcms db upgrade``, the connect dialog, tests.

The scripts travel inside the package as ``dcms_desktop.migrations`` (the repository's
``migrations/`` directory), so no ``alembic.ini`` is needed: the Alembic configuration is
built here and the migration environment works on the connection handed to it.

Every run is one transaction. On PostgreSQL it first takes an advisory lock, so two
workstations starting a new version at once upgrade one after the other (the second finds
nothing to do). On SQLite foreign keys are switched off while tables are rebuilt (batch
migrations copy, drop and rename tables, and a DROP with foreign keys on would cascade)
and the result is checked with ``PRAGMA foreign_key_check`` before the commit.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Literal

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.script.revision import RevisionError
from alembic.util import CommandError
from sqlalchemy import Connection, Engine, inspect, text

import dcms_desktop.migrations
from dcms_desktop.data.models import Base

log = logging.getLogger(__name__)

SchemaStatus = Literal["empty", "older", "current", "newer"]

VIEW_NAMES = frozenset({"patient_summary", "low_stock_alerts", "revenue_summary"})
"""Views created by the migrations; they have no model, so autogenerate must skip them."""

PG_ONLY_CONSTRAINTS = frozenset({"ex_appointments_dentist_overlap"})
"""PostgreSQL-only constraints of the migrations that the models do not declare."""

# Arbitrary constant naming the advisory lock held while migrating ("dcms" in ASCII).
_PG_MIGRATION_LOCK = 0x64636D73


class MigrationError(Exception):
    """The database cannot be migrated as asked; the message says why, for a person."""


class DatabaseNewerError(MigrationError):
    """The database was upgraded by a newer version of the application."""


class UnversionedSchemaError(MigrationError):
    """The database holds DCMS tables but no migration stamp: it was not made by us."""


def script_location() -> Path:
    """The directory of the migration scripts, installed or in a source checkout."""
    return Path(dcms_desktop.migrations.__file__).resolve().parent


def alembic_config(connection: Connection | None = None) -> Config:
    """An Alembic configuration for our scripts, optionally bound to ``connection``."""
    config = Config()
    config.set_main_option("script_location", str(script_location()))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def _scripts() -> ScriptDirectory:
    return ScriptDirectory.from_config(alembic_config())


def head() -> str:
    """The newest revision this version of the application knows."""
    revision = _scripts().get_current_head()
    if revision is None:  # pragma: no cover - there is always a first revision
        raise MigrationError("no migration scripts found")
    return revision


def current(engine: Engine) -> str | None:
    """The revision the database is at, ``None`` when it was never migrated."""
    with engine.connect() as conn:
        return _current(conn)


def _current(conn: Connection) -> str | None:
    return MigrationContext.configure(conn).get_current_revision()


def status(engine: Engine) -> SchemaStatus:
    """Where the database stands against this version of the application.

    ``empty``: nothing of ours yet; ``older``: needs an upgrade; ``current``: at head;
    ``newer``: stamped with a revision this version does not know (a newer application
    upgraded it). Raises :class:`UnversionedSchemaError` when DCMS tables exist without
    a stamp.
    """
    with engine.connect() as conn:
        return _status(conn)


def _status(conn: Connection) -> SchemaStatus:
    revision = _current(conn)
    if revision is None:
        ours = set(inspect(conn).get_table_names()) & set(Base.metadata.tables)
        if ours:
            raise UnversionedSchemaError(
                "This database already holds clinic tables that were not created by DCMS "
                "migrations; it cannot be upgraded automatically."
            )
        return "empty"
    scripts = _scripts()
    try:
        scripts.get_revision(revision)
    except (CommandError, RevisionError):
        return "newer"
    return "current" if revision == scripts.get_current_head() else "older"


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Take the database to ``revision`` (default: the newest); a no-op when it is there."""
    with _migration_connection(engine) as conn:
        if _status(conn) == "newer":
            raise DatabaseNewerError(
                "This database was upgraded by a newer version of DCMS "
                f"(revision {_current(conn)}); install that version to use it."
            )
        log.info("upgrading %s database to %s", conn.dialect.name, revision)
        command.upgrade(alembic_config(conn), revision)


def downgrade(engine: Engine, revision: str) -> None:
    """Take the database back to ``revision`` (``"base"`` removes everything of ours)."""
    with _migration_connection(engine) as conn:
        log.info("downgrading %s database to %s", conn.dialect.name, revision)
        command.downgrade(alembic_config(conn), revision)


def new_revision(engine: Engine, message: str, rev_id: str | None = None) -> Path:
    """Write a new revision script from the difference between ``engine`` and the models.

    For developers: ``engine`` should be a scratch database at head. Returns the script.
    """
    with engine.connect() as conn:
        script = command.revision(
            alembic_config(conn), message=message, autogenerate=True, rev_id=rev_id
        )
    if script is None or isinstance(script, list):  # pragma: no cover - one head only
        raise MigrationError("autogenerate produced no single script")
    return Path(script.path)


@contextmanager
def _migration_connection(engine: Engine) -> Iterator[Connection]:
    with engine.connect() as conn:
        is_sqlite = conn.dialect.name == "sqlite"
        # PRAGMA foreign_keys is ignored inside a transaction: set it before BEGIN.
        foreign_keys_were_on = is_sqlite and _sqlite_pragma(conn, "PRAGMA foreign_keys") == 1
        if foreign_keys_were_on:
            _sqlite_pragma(conn, "PRAGMA foreign_keys = OFF")
        try:
            with conn.begin():
                if is_sqlite and not conn.connection.driver_connection.in_transaction:
                    # A plain pysqlite engine runs DDL outside any transaction; make the
                    # whole run one (our own engines have already said BEGIN).
                    conn.exec_driver_sql("BEGIN")
                if conn.dialect.name == "postgresql":
                    lock = text("SELECT pg_advisory_xact_lock(:key)")
                    conn.execute(lock, {"key": _PG_MIGRATION_LOCK})
                yield conn
                if is_sqlite:
                    _check_sqlite_foreign_keys(conn)
        finally:
            if foreign_keys_were_on:
                _sqlite_pragma(conn, "PRAGMA foreign_keys = ON")


def _sqlite_pragma(conn: Connection, sql: str) -> Any:
    """Run a PRAGMA on the driver connection, outside SQLAlchemy's transaction handling."""
    cursor = conn.connection.cursor()
    try:
        cursor.execute(sql)
        row = cursor.fetchone()
    finally:
        cursor.close()
    return row[0] if row else None


def _check_sqlite_foreign_keys(conn: Connection) -> None:
    broken = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    if broken:
        tables = sorted({row[0] for row in broken})
        raise MigrationError(
            "The migration left rows pointing at missing records in "
            + ", ".join(tables)
            + "; nothing was changed."
        )


def include_object(
    obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any
) -> bool:
    """Tell autogenerate to leave alone what the migrations make and the models don't.

    The views (reflected as tables) and PostgreSQL's exclusion constraint (and its
    index) live only in the migrations.
    """
    if type_ == "table" and name in VIEW_NAMES:
        return False
    return not (type_ in {"index", "constraint"} and name in PG_ONLY_CONSTRAINTS)
