"""Engines for the embedded SQLite file and for a PostgreSQL server.

SQLite gets WAL, foreign keys and a busy timeout on every pooled connection, and the
driver's own transaction handling is switched off so that we say ``BEGIN`` ourselves:
``BEGIN IMMEDIATE`` for a write unit of work (it takes the write lock up front, so a
read-then-write never dies half-way with SQLITE_BUSY) and a plain ``BEGIN`` for reads,
which WAL lets run beside a writer.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

log = logging.getLogger(__name__)

SQLITE_BUSY_TIMEOUT_MS = 10_000
_WRITE_OPTION = "dcms_write"


@dataclass
class Database:
    """One configured database: a read engine and a write engine sharing one pool."""

    url: str
    engine: Engine
    write_engine: Engine
    read_sessions: sessionmaker[Session]
    write_sessions: sessionmaker[Session]

    @property
    def backend(self) -> str:
        """``"sqlite"`` or ``"postgresql"``."""
        return self.engine.dialect.name

    def describe(self) -> str:
        """Where the data lives, for a status bar: the file, or host/database."""
        url = make_url(self.url)
        if self.backend == "sqlite":
            return f"SQLite {url.database or 'in memory'}"
        return f"PostgreSQL {url.host or 'local socket'}/{url.database}"

    def dispose(self) -> None:
        self.engine.dispose()


def _install_sqlite_pragmas(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event below emit BEGIN itself.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        if connection.get_execution_options().get(_WRITE_OPTION):
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            connection.exec_driver_sql("BEGIN")


def create_database(url: str, *, echo: bool = False) -> Database:
    """Build the engines for ``url`` (``sqlite:///file`` or ``postgresql+psycopg://…``)."""
    parsed = make_url(url)
    kwargs: dict[str, Any] = {"echo": echo, "future": True}
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        kwargs["connect_args"] = {
            "check_same_thread": False,
            "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000,
        }
        engine = create_engine(url, **kwargs)
        _install_sqlite_pragmas(engine)
    elif parsed.get_backend_name() == "postgresql":
        if parsed.drivername == "postgresql":
            url = parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
        kwargs.update(pool_pre_ping=True, pool_size=5, max_overflow=5)
        kwargs["connect_args"] = {"connect_timeout": 5, "application_name": "dcms-desktop"}
        engine = create_engine(url, **kwargs)
    else:
        raise ValueError(
            f"unsupported database {parsed.get_backend_name()!r}: use sqlite or postgresql"
        )
    write_engine = engine.execution_options(**{_WRITE_OPTION: True})
    read_engine = engine
    if engine.dialect.name == "postgresql":
        # Under READ COMMITTED every statement takes its own snapshot even inside a
        # transaction, so a read-only unit of work loses nothing in autocommit and saves
        # the BEGIN and ROLLBACK round trips.
        read_engine = engine.execution_options(isolation_level="AUTOCOMMIT")
    return Database(
        url=url,
        engine=engine,
        write_engine=write_engine,
        read_sessions=sessionmaker(bind=read_engine, expire_on_commit=False),
        write_sessions=sessionmaker(bind=write_engine, expire_on_commit=False),
    )
