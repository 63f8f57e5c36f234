"""Engines for the embedded SQLite file and for a PostgreSQL server.

SQLite gets WAL, foreign keys and a busy timeout on every pooled connection, and the
driver's own transaction handling is switched off so that we say ``BEGIN`` ourselves:
``BEGIN IMMEDIATE`` for a write unit of work (it takes the write lock up front, so a
read-then-write never dies half-way with SQLITE_BUSY) and a plain ``BEGIN`` for reads,
which WAL lets run beside a writer.

PostgreSQL connections are checked before use only when they have sat idle in the pool
for :data:`IDLE_PING_SECONDS` (:func:`_install_idle_ping`): a server restart or a dropped
link shows up after idle time, and a connection handed back a moment ago is alive, so the
round trip of a ping on every checkout (SQLAlchemy's ``pool_pre_ping``) buys nothing in a
burst of reads. A connection that dies while in use fails that one statement; SQLAlchemy
then recognises the disconnect and replaces every pooled connection.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, exc
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

log = logging.getLogger(__name__)

SQLITE_BUSY_TIMEOUT_MS = 10_000
IDLE_PING_SECONDS = 5.0
"""A pooled PostgreSQL connection idle longer than this is pinged before it is used."""
_LAST_USED = "dcms_last_used"
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


def _ping(dbapi_connection: Any) -> None:
    """One round trip on a raw psycopg connection, leaving no transaction open."""
    with dbapi_connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    if dbapi_connection.info.transaction_status:  # psycopg: 0 = idle
        dbapi_connection.rollback()


def _install_idle_ping(engine: Engine, idle_seconds: float) -> None:
    """Ping a pooled connection on checkout when it has been idle ``idle_seconds``.

    A dead connection raises ``DisconnectionError`` here, which makes the pool drop it and
    hand out a fresh one (SQLAlchemy's documented custom-ping recipe)."""

    @event.listens_for(engine, "checkin")
    def _on_checkin(_dbapi_connection: Any, record: Any) -> None:
        record.info[_LAST_USED] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _on_checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        last_used = record.info.get(_LAST_USED)
        if last_used is None or time.monotonic() - last_used < idle_seconds:
            return  # new, or handed back a moment ago
        try:
            _ping(dbapi_connection)
        except Exception as error:
            log.info("a pooled database connection was dead; reconnecting (%s)", error)
            raise exc.DisconnectionError() from error


def create_database(
    url: str, *, echo: bool = False, idle_ping_seconds: float = IDLE_PING_SECONDS
) -> Database:
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
        kwargs.update(pool_size=5, max_overflow=5)
        kwargs["connect_args"] = {"connect_timeout": 5, "application_name": "dcms-desktop"}
        engine = create_engine(url, **kwargs)
        _install_idle_ping(engine, idle_ping_seconds)
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
