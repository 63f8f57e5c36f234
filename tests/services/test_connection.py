"""Testing, saving and dropping a clinic-server connection (services/connection.py).

Every outcome the connect dialog explains is produced for real: a throw-away PostgreSQL
cluster with password authentication (the shared server trusts everyone), a port nothing
listens on, a host name that can't resolve, scratch databases at every schema state, and
throw-away Redis servers with and without a password.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import keyring
import pytest
from keyring.backend import KeyringBackend
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from dcms_desktop.config import load_settings, read_config_file, write_config_file
from dcms_desktop.credentials import complete_database_url, complete_redis_url
from dcms_desktop.data import migrate
from dcms_desktop.services import connection
from dcms_desktop.services.connection import ConnectionSaveError, Outcome
from tests.conftest import (
    NO_PG_REASON,
    REDIS_URL_VARIABLE,
    create_scratch_pg_database,
    drop_scratch_pg_database,
    pg_admin_url,
)
from tests.data.redis_servers import RedisServers

PASSWORD = "correct horse battery staple"


# -- a PostgreSQL cluster that asks for passwords ------------------------------------------
def _pg_bin_dir() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class PasswordPostgres:
    """A throw-away PostgreSQL cluster with scram-sha-256 authentication on 127.0.0.1."""

    bin_dir: Path
    directory: Path
    port: int
    user: str = "postgres"
    password: str = PASSWORD

    def _run(self, *args: str) -> None:
        command = [str(self.bin_dir / args[0]), *args[1:]]
        if os.geteuid() == 0:  # PostgreSQL refuses to run as root
            command = ["runuser", "-u", "postgres", "--", *command]
        done = subprocess.run(command, capture_output=True, text=True, timeout=30)
        if done.returncode != 0:
            raise RuntimeError(f"{args[0]} failed: {done.stdout}\n{done.stderr}")

    def start(self) -> None:
        pwfile = self.directory / "pwfile"
        pwfile.write_text(self.password + "\n")
        if os.geteuid() == 0:
            for path in (self.directory, pwfile):
                shutil.chown(path, "postgres", "postgres")
        data = self.directory / "data"
        self._run(
            "initdb", "-D", str(data), "-U", self.user, "--auth=scram-sha-256",
            f"--pwfile={pwfile}", "--no-sync", "-E", "UTF8", "--locale=C",
        )  # fmt: skip
        options = f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1 -c fsync=off"
        log = str(self.directory / "server.log")
        self._run("pg_ctl", "-D", str(data), "-w", "-l", log, "-o", options, "start")

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.directory / "data"), "-m", "immediate", "stop")

    def create_database(self, name: str) -> None:
        url = connection.database_url("127.0.0.1", self.port, "postgres", self.user, PASSWORD)
        engine = create_engine(url, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        engine.dispose()


def start_password_postgres() -> PasswordPostgres:
    """Start a cluster (about a second); skips only when PostgreSQL isn't installed."""
    bin_dir = _pg_bin_dir()
    if bin_dir is None:
        pytest.skip("PostgreSQL server binaries (initdb, pg_ctl) are not installed")
    directory = Path(tempfile.mkdtemp(prefix="dcms-pgpw-"))
    server = PasswordPostgres(bin_dir, directory, free_port())
    try:
        server.start()
    except Exception:
        shutil.rmtree(directory, ignore_errors=True)
        raise
    return server


@contextmanager
def clinic_on_password_postgres() -> Iterator[PasswordPostgres]:
    """A password-protected cluster holding a current clinic database named "clinic"."""
    server = start_password_postgres()
    try:
        server.create_database("clinic")
        url = connection.database_url("127.0.0.1", server.port, "clinic", server.user, PASSWORD)
        engine = create_engine(url)
        migrate.upgrade(engine)
        engine.dispose()
        yield server
    finally:
        server.stop()
        shutil.rmtree(server.directory, ignore_errors=True)


@pytest.fixture(scope="module")
def password_pg() -> Iterator[PasswordPostgres]:
    with clinic_on_password_postgres() as server:
        yield server


# -- the shared server -----------------------------------------------------------------------
@dataclass(frozen=True)
class Shared:
    host: str
    port: int
    user: str
    password: str

    def check(self, database: str) -> connection.CheckResult:
        return connection.check_database(self.host, self.port, database, self.user, self.password)


@pytest.fixture
def shared() -> Shared:
    admin = pg_admin_url()
    if admin is None:
        pytest.skip(NO_PG_REASON)
    url = make_url(admin)
    return Shared(url.host or "127.0.0.1", url.port or 5432, url.username or "", url.password or "")


@pytest.fixture
def scratch(shared: Shared) -> Iterator[str]:
    """The name of an empty database on the shared server, dropped afterwards."""
    url = create_scratch_pg_database("dcms_connect")
    yield make_url(url).database or ""
    drop_scratch_pg_database(url)


def _scratch_engine(shared: Shared, name: str):
    return create_engine(
        connection.database_url(shared.host, shared.port, name, shared.user, shared.password)
    )


# -- the database ----------------------------------------------------------------------------
def test_the_right_password_on_a_current_schema_is_reported_ready(password_pg) -> None:
    report = connection.test_connection(
        "127.0.0.1", password_pg.port, "clinic", "postgres", PASSWORD, None
    )
    assert report.ok
    assert report.database.outcome is Outcome.OK
    assert "Connected to the clinic database “clinic” on 127.0.0.1 (PostgreSQL" in (
        report.database.message
    )
    assert not report.can_upgrade


def test_a_wrong_password_is_named_as_such_next_to_the_password(password_pg) -> None:
    result = connection.check_database(
        "127.0.0.1", password_pg.port, "clinic", "postgres", "not the password"
    )
    assert (result.outcome, result.field) == (Outcome.WRONG_PASSWORD, "password")
    assert result.message == "The server refused the password for the user “postgres”."
    assert "not the password" not in result.message


def test_a_missing_password_is_asked_for(password_pg) -> None:
    result = connection.check_database("127.0.0.1", password_pg.port, "clinic", "postgres", "")
    assert (result.outcome, result.field) == (Outcome.WRONG_PASSWORD, "password")
    assert "asks for the password" in result.message


def test_a_port_nothing_listens_on_is_reported_unreachable() -> None:
    port = free_port()
    started = time.monotonic()
    result = connection.check_database("127.0.0.1", port, "clinic", "dcms", "x")
    assert (result.outcome, result.field) == (Outcome.UNREACHABLE, "host")
    assert result.message.startswith(f"Nothing answers at 127.0.0.1:{port}")
    assert time.monotonic() - started < 5


def test_a_host_name_that_does_not_resolve_is_reported_unknown() -> None:
    result = connection.check_database("no-such-server.invalid", 5432, "clinic", "dcms", "x")
    assert (result.outcome, result.field) == (Outcome.UNKNOWN_HOST, "host")
    assert "No computer named “no-such-server.invalid”" in result.message


def test_a_database_the_server_does_not_have_is_reported_missing(shared: Shared) -> None:
    name = f"dcms_missing_{uuid.uuid4().hex[:8]}"
    result = shared.check(name)
    assert (result.outcome, result.field) == (Outcome.DATABASE_MISSING, "database")
    assert f"no database named “{name}”" in result.message


def test_a_user_the_server_does_not_know_is_reported(shared: Shared) -> None:
    result = connection.check_database(shared.host, shared.port, "postgres", "nobody_here", "")
    assert (result.outcome, result.field) == (Outcome.UNKNOWN_USER, "user")


def test_an_empty_database_can_be_set_up_from_the_dialog(shared: Shared, scratch: str) -> None:
    result = shared.check(scratch)
    assert result.outcome is Outcome.SCHEMA_EMPTY
    assert connection.ConnectionReport(result, connection.check_redis(None)).can_upgrade

    after = connection.upgrade_database(
        shared.host, shared.port, scratch, shared.user, shared.password
    )
    assert after.outcome is Outcome.OK


def test_an_older_schema_is_reported_and_an_upgrade_brings_it_to_this_version(
    shared: Shared, scratch: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = _scratch_engine(shared, scratch)
    migrate.upgrade(engine)
    # A copy of the scripts with one more revision plays this (newer) application.
    scripts = tmp_path / "scripts"
    shutil.copytree(migrate.script_location(), scripts)
    (scripts / "versions" / "9999_next.py").write_text(
        f'revision = "9999"\ndown_revision = "{migrate.head()}"\n'
        "branch_labels = None\ndepends_on = None\n\n\n"
        "def upgrade() -> None:\n    pass\n\n\ndef downgrade() -> None:\n    pass\n"
    )
    monkeypatch.setattr(migrate, "script_location", lambda: scripts)

    result = shared.check(scratch)
    assert (result.outcome, result.field) == (Outcome.SCHEMA_OLDER, "database")
    assert "older DCMS Desktop" in result.message and "Only an admin" in result.message

    after = connection.upgrade_database(
        shared.host, shared.port, scratch, shared.user, shared.password
    )
    assert after.outcome is Outcome.OK
    assert migrate.current(engine) == "9999"
    engine.dispose()


def test_a_schema_from_a_newer_app_is_reported_and_not_offered_an_upgrade(
    shared: Shared, scratch: str
) -> None:
    engine = _scratch_engine(shared, scratch)
    migrate.upgrade(engine)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = 'f00dfeed'"))
    engine.dispose()

    result = shared.check(scratch)
    assert result.outcome is Outcome.SCHEMA_NEWER
    assert "newer DCMS Desktop" in result.message
    assert not connection.ConnectionReport(result, connection.check_redis(None)).can_upgrade
    refused = connection.upgrade_database(
        shared.host, shared.port, scratch, shared.user, shared.password
    )
    assert refused.outcome is Outcome.FAILED
    assert "newer version" in refused.message


def test_a_database_holding_someone_elses_tables_is_refused(shared: Shared, scratch: str) -> None:
    engine = _scratch_engine(shared, scratch)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE users (id integer)"))
    engine.dispose()
    result = shared.check(scratch)
    assert (result.outcome, result.field) == (Outcome.SCHEMA_FOREIGN, "database")


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        (("  ", 5432, "clinic", "dcms"), "host"),
        (("server", "port", "clinic", "dcms"), "port"),
        (("server", 70000, "clinic", "dcms"), "port"),
        (("server", 5432, "", "dcms"), "database"),
        (("server", 5432, "clinic", " "), "user"),
    ],
)
def test_incomplete_fields_are_named_without_trying_the_server(fields, field) -> None:
    result = connection.check_database(*fields, "x")
    assert (result.outcome, result.field) == (Outcome.INVALID, field)


# -- Redis -----------------------------------------------------------------------------------
def test_no_redis_url_is_fine_and_says_what_it_means() -> None:
    result = connection.check_redis("  ")
    assert result.outcome is Outcome.NOT_CONFIGURED and result.ok
    assert "without it" in result.message


def test_a_running_redis_answers() -> None:
    url = os.environ.get(REDIS_URL_VARIABLE)
    if not url:
        pytest.skip(f"Redis not configured ({REDIS_URL_VARIABLE} is not set)")
    result = connection.check_redis(url)
    assert result.outcome is Outcome.OK and result.ok


def test_redis_auth_failures_are_told_apart_and_never_show_the_password(tmp_path: Path) -> None:
    with RedisServers(tmp_path) as servers:
        guarded = servers.start(password="redis secret")
        wrong = connection.check_redis(guarded.url_with(password="guess"))
        missing = connection.check_redis(guarded.url_with())
        right = connection.check_redis(guarded.url)
    assert (wrong.outcome, wrong.field) == (Outcome.WRONG_PASSWORD, "redis_url")
    assert "refused the user name or password" in wrong.message
    assert "guess" not in wrong.message
    assert missing.outcome is Outcome.WRONG_PASSWORD
    assert "asks for a password" in missing.message
    assert right.outcome is Outcome.OK


def test_redis_password_stored_in_the_keyring_completes_a_url_without_one(
    tmp_path: Path,
) -> None:
    with RedisServers(tmp_path) as servers:
        guarded = servers.start(password="redis secret")
        connection.save_connection(
            tmp_path / "config.toml", "db", 5432, "clinic", "dcms", "", guarded.url
        )
        result = connection.check_redis(guarded.url_with())
    assert result.outcome is Outcome.OK


@pytest.mark.parametrize(
    ("url", "outcome"),
    [
        ("http://server:6379", Outcome.INVALID),
        ("redis://127.0.0.1:notaport/0", Outcome.INVALID),
        ("redis://no-such-server.invalid:6379/0", Outcome.UNKNOWN_HOST),
    ],
)
def test_bad_redis_urls_are_explained(url: str, outcome: Outcome) -> None:
    result = connection.check_redis(url)
    assert (result.outcome, result.field) == (outcome, "redis_url")


def test_a_redis_port_nothing_listens_on_is_unreachable() -> None:
    port = free_port()
    result = connection.check_redis(f"redis://127.0.0.1:{port}/0")
    assert result.outcome is Outcome.UNREACHABLE
    assert f"127.0.0.1:{port}" in result.message


# -- saving ----------------------------------------------------------------------------------
def test_saving_writes_urls_without_passwords_and_keeps_the_passwords_in_the_keyring(
    tmp_path: Path, fake_keyring
) -> None:
    config = tmp_path / "cfg" / "config.toml"
    write_config_file(config, {"workstation": "front-desk-1"})

    where = connection.save_connection(
        config,
        " server.clinic ",
        "5433",
        "clinic",
        "dcms",
        "pg secret",
        "redis://:r%40s@cache:6379/2",
    )

    assert where == "the clinic server server.clinic, database “clinic”"
    text_on_disk = config.read_text()
    assert "secret" not in text_on_disk and "r@s" not in text_on_disk
    assert read_config_file(config) == {
        "workstation": "front-desk-1",
        "database_url": "postgresql+psycopg://dcms@server.clinic:5433/clinic",
        "redis_url": "redis://cache:6379/2",
    }
    settings = load_settings({"DCMS_CONFIG_DIR": str(config.parent)})
    assert make_url(complete_database_url(settings.database_url)).password == "pg secret"
    assert complete_redis_url(settings.redis_url) == "redis://:r%40s@cache:6379/2"
    assert sorted(fake_keyring.passwords.values()) == ["pg secret", "r@s"]


def test_the_dialog_starts_from_the_saved_server_and_its_stored_password(tmp_path: Path) -> None:
    config_dir = tmp_path / "cfg"
    connection.save_connection(
        config_dir / "config.toml", "server", 5433, "clinic", "dcms", "pg secret", ""
    )
    settings = load_settings({"DCMS_CONFIG_DIR": str(config_dir)})
    assert connection.current_fields(settings) == connection.ServerFields(
        host="server",
        port=5433,
        database="clinic",
        user="dcms",
        password="pg secret",
        redis_url="",
        uses_server=True,
    )


def test_using_the_local_database_removes_the_server_but_keeps_the_rest(tmp_path: Path) -> None:
    config_dir = tmp_path / "cfg"
    config = config_dir / "config.toml"
    write_config_file(config, {"workstation": "chair-2"})
    connection.save_connection(config, "server", 5432, "clinic", "dcms", "pw", "redis://cache")

    connection.use_local_database(config)

    assert read_config_file(config) == {"workstation": "chair-2"}
    settings = load_settings({"DCMS_CONFIG_DIR": str(config_dir), "DCMS_DATA_DIR": "/d"})
    assert settings.is_embedded and settings.redis_url is None
    assert not connection.current_fields(settings).uses_server


class _NoKeyring(KeyringBackend):
    priority = 0  # type: ignore[assignment]

    def get_password(self, service: str, username: str) -> str | None:
        return None

    def set_password(self, service: str, username: str, password: str) -> None:
        raise AssertionError("must not be called")

    def delete_password(self, service: str, username: str) -> None:
        pass


def test_without_a_keyring_nothing_is_saved_and_the_password_field_says_why(
    tmp_path: Path,
) -> None:
    config = tmp_path / "config.toml"
    keyring.set_keyring(_NoKeyring())
    with pytest.raises(ConnectionSaveError) as refused:
        connection.save_connection(config, "server", 5432, "clinic", "dcms", "pw", "")
    assert refused.value.field == "password"
    assert "keyring" in refused.value.message
    assert not config.exists()


def test_saving_incomplete_fields_is_refused_naming_the_field(tmp_path: Path) -> None:
    with pytest.raises(ConnectionSaveError) as refused:
        connection.save_connection(tmp_path / "c.toml", "", 5432, "clinic", "dcms", "pw", "")
    assert refused.value.field == "host"


def test_environment_variables_that_win_over_the_config_file_are_named() -> None:
    assert connection.environment_overrides({"DCMS_DATABASE_URL": "postgresql://x/y"}) == [
        "DCMS_DATABASE_URL"
    ]
    assert connection.environment_overrides({}) == []
