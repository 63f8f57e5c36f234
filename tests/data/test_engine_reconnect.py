"""A PostgreSQL connection that died in the pool (server restart, dropped link) is
replaced without the user seeing an error, once it has sat idle; a burst of reads pays no
liveness round trip."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import DBAPIError

import dcms_desktop.data.engine as engine_module
from dcms_desktop.data.engine import Database, create_database


def _kill_other_backends(url: str) -> int:
    """Terminate every other session on the test database, as a server restart would."""
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        killed = conn.execute(
            text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        ).scalar_one()
    admin.dispose()
    return int(killed)


@pytest.fixture
def idle_pinged(pg_session_url: str) -> Iterator[Database]:
    """A database whose pooled connections count as idle at once (threshold 0 s)."""
    db = create_database(pg_session_url, idle_ping_seconds=0.0)
    yield db
    db.dispose()


def _read(db: Database) -> int:
    with db.read_sessions() as session:
        return int(session.execute(text("SELECT 1")).scalar_one())


def test_a_connection_killed_while_idle_is_replaced_without_an_error(
    idle_pinged: Database, pg_session_url: str
) -> None:
    assert _read(idle_pinged) == 1
    assert _kill_other_backends(pg_session_url) >= 1

    assert _read(idle_pinged) == 1  # the ping found it dead; a fresh one served the read


def _count_pings(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    pings: list[object] = []
    real = engine_module._ping

    def counting(dbapi_connection: object) -> None:
        pings.append(dbapi_connection)
        real(dbapi_connection)

    monkeypatch.setattr(engine_module, "_ping", counting)
    return pings


def test_a_connection_handed_back_a_moment_ago_is_not_pinged(
    pg_session_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    pings = _count_pings(monkeypatch)
    db = create_database(pg_session_url)  # the default threshold: seconds, not 0
    try:
        for _ in range(5):
            _read(db)
    finally:
        db.dispose()
    assert pings == []


def test_an_idle_connection_is_pinged_once_per_checkout(
    idle_pinged: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    pings = _count_pings(monkeypatch)
    for _ in range(3):
        _read(idle_pinged)
    assert len(pings) == 2  # the first checkout opened a new connection: nothing to ping


def test_after_a_restart_a_busy_pool_fails_one_read_and_recovers(pg_session_url: str) -> None:
    db = create_database(pg_session_url)
    try:
        _read(db)
        _kill_other_backends(pg_session_url)
        with pytest.raises(DBAPIError):
            _read(db)
        assert _read(db) == 1  # SQLAlchemy saw the disconnect and refilled the pool
    finally:
        db.dispose()
