"""Shared fixtures: real databases on both backends, real Redis, a fake keyring.

Data and service tests take the ``database`` fixture, which runs each test on SQLite and,
when ``DCMS_TEST_DATABASE_URL`` names a PostgreSQL server, on PostgreSQL too, each time on
a clean schema. Each pytest session gets a PostgreSQL database of its own (created from
the URL given, dropped at the end), so two runs on one server never see each other.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest
from keyring.backend import KeyringBackend
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from dcms_desktop.data import migrate
from dcms_desktop.data.cache import MemoryCache
from dcms_desktop.data.engine import Database, create_database
from dcms_desktop.data.events import LocalEventBus
from dcms_desktop.data.models import Base
from dcms_desktop.data.uow import UnitOfWork

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

PG_URL_VARIABLE = "DCMS_TEST_DATABASE_URL"
REDIS_URL_VARIABLE = "DCMS_TEST_REDIS_URL"
NO_PG_REASON = f"PostgreSQL not configured ({PG_URL_VARIABLE} is not set)"
NO_REDIS_REASON = f"Redis not configured ({REDIS_URL_VARIABLE} is not set)"


# -- keyring ------------------------------------------------------------------------------
class MemoryKeyring(KeyringBackend):
    """A keyring that forgets everything at the end of the test."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.passwords: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.passwords.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.passwords[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.passwords.pop((service, username), None)


@pytest.fixture(autouse=True)
def fake_keyring() -> Iterator[MemoryKeyring]:
    """Never touch the real OS keyring from a test."""
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


# -- PostgreSQL -----------------------------------------------------------------------------
def pg_admin_url() -> str | None:
    url = os.environ.get(PG_URL_VARIABLE)
    if not url:
        return None
    parsed = make_url(url)
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def create_scratch_pg_database(prefix: str) -> str:
    """Create an empty PostgreSQL database and return its URL (needs the admin URL)."""
    admin = pg_admin_url()
    assert admin is not None
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    engine = create_engine(admin, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return make_url(admin).set(database=name).render_as_string(hide_password=False)


def drop_scratch_pg_database(url: str) -> None:
    admin = pg_admin_url()
    assert admin is not None
    name = make_url(url).database
    engine = create_engine(admin, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


@pytest.fixture(scope="session")
def pg_session_url() -> Iterator[str]:
    """A PostgreSQL database migrated to head, shared by the session's tests."""
    if pg_admin_url() is None:
        pytest.skip(NO_PG_REASON)
    url = create_scratch_pg_database("dcms_test")
    engine = create_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
    yield url
    drop_scratch_pg_database(url)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated to head, copied for every test."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    database = create_database(f"sqlite:///{path}")
    migrate.upgrade(database.engine)
    database.dispose()
    return path


def _truncate_all(url: str) -> None:
    engine = create_engine(url)
    names = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The URL of a clean, migrated database on each backend."""
    if request.param == "sqlite":
        template = request.getfixturevalue("sqlite_template")
        path = tmp_path / "clinic.db"
        shutil.copyfile(template, path)
        return f"sqlite:///{path}"
    url = request.getfixturevalue("pg_session_url")
    _truncate_all(url)
    return url


@pytest.fixture
def database(database_url: str) -> Iterator[Database]:
    db = create_database(database_url)
    yield db
    db.dispose()


@pytest.fixture
def sqlite_database(tmp_path: Path, sqlite_template: Path) -> Iterator[Database]:
    """Only SQLite, for tests of SQLite's own behaviour."""
    path = tmp_path / "clinic.db"
    shutil.copyfile(sqlite_template, path)
    db = create_database(f"sqlite:///{path}")
    yield db
    db.dispose()


@pytest.fixture
def pg_database(pg_session_url: str) -> Iterator[Database]:
    """Only PostgreSQL, for tests of PostgreSQL's own behaviour (skips when not configured)."""
    _truncate_all(pg_session_url)
    db = create_database(pg_session_url)
    yield db
    db.dispose()


# -- Redis ----------------------------------------------------------------------------------
@pytest.fixture
def redis_url() -> Iterator[str]:
    """A Redis database emptied before the test (skips when Redis is not configured)."""
    url = os.environ.get(REDIS_URL_VARIABLE)
    if not url:
        pytest.skip(NO_REDIS_REASON)
    import redis

    client = redis.Redis.from_url(url)
    client.flushdb()
    client.close()
    yield url


# -- unit of work ---------------------------------------------------------------------------
@pytest.fixture
def memory_cache() -> MemoryCache:
    return MemoryCache()


@pytest.fixture
def local_bus() -> LocalEventBus:
    return LocalEventBus()


@pytest.fixture
def uow_factory(database: Database, memory_cache: MemoryCache, local_bus: LocalEventBus):
    """``uow_factory(write=True)`` opens a unit of work on the test database."""

    def make(*, write: bool = True) -> UnitOfWork:
        return UnitOfWork(database, memory_cache, local_bus, "test-ws", write=write)

    return make


@pytest.fixture
def service_context(database: Database, memory_cache: MemoryCache, local_bus: LocalEventBus):
    """A ServiceContext on the test database with the in-process cache and bus."""
    from dcms_desktop.services.context import ServiceContext

    return ServiceContext(database, memory_cache, local_bus, "test-ws")
