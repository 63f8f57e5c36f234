"""Connecting a workstation to the clinic server: test it, save it, or go back to local.

No Qt here: the connect dialog runs these in the background, and a script can too.

:func:`test_connection` says exactly what stands between this workstation and a usable
clinic database (an unknown host, nothing listening, a refused password, a missing
database, a schema older or newer than this app) and whether the Redis URL answers, each
with the input it is about (``field``) so the dialog can put the message next to it.
:func:`save_connection` writes the URLs to the config file, never a password: passwords go
to the OS keyring. :func:`use_local_database` takes the workstation back to its own file.

An upgrade of the server's schema (:func:`upgrade_database`) is offered when the schema
is empty or older. It is guarded by the person confirming they are the clinic's admin,
not by an app password: the PostgreSQL password typed into the dialog already allows
every change to that database (``dcms db upgrade`` needs nothing more), and the users of
a schema this app does not match yet can't be checked reliably by this app's code.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit, urlunsplit

import redis
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import OperationalError, SQLAlchemyError

from dcms_desktop.config import Settings, read_config_file, write_config_file
from dcms_desktop.credentials import (
    KeyringUnavailableError,
    complete_redis_url,
    database_account,
    load_password,
    redis_account,
    store_password,
)
from dcms_desktop.data import migrate
from dcms_desktop.data.cache import connect_redis, describe_redis_url
from dcms_desktop.data.engine import create_database
from dcms_desktop.domain.errors import DcmsError
from dcms_desktop.services.startup import describe_connection_error

log = logging.getLogger(__name__)

DEFAULT_PORT = 5432
REDIS_TIMEOUT_SECONDS = 3.0
OVERRIDING_VARIABLES = ("DCMS_DATABASE_URL", "DCMS_REDIS_URL")
RESTART_NOTE = "Restart DCMS Desktop to open the clinic with the new connection."


class Outcome(StrEnum):
    """What a test of the database or of Redis found."""

    OK = "ok"
    NOT_CONFIGURED = "not_configured"  # no Redis URL: fine, live sync is off
    INVALID = "invalid"
    UNKNOWN_HOST = "unknown_host"
    UNREACHABLE = "unreachable"
    NOT_ALLOWED = "not_allowed"
    UNKNOWN_USER = "unknown_user"
    WRONG_PASSWORD = "wrong_password"
    DATABASE_MISSING = "database_missing"
    SCHEMA_EMPTY = "schema_empty"
    SCHEMA_OLDER = "schema_older"
    SCHEMA_NEWER = "schema_newer"
    SCHEMA_FOREIGN = "schema_foreign"
    FAILED = "failed"


@dataclass(frozen=True)
class CheckResult:
    """One half of a report: what was found, in words, and the input it is about."""

    outcome: Outcome
    message: str
    field: str | None = None

    @property
    def ok(self) -> bool:
        return self.outcome in (Outcome.OK, Outcome.NOT_CONFIGURED)


@dataclass(frozen=True)
class ConnectionReport:
    """What :func:`test_connection` found about the database and about Redis."""

    database: CheckResult
    redis: CheckResult

    @property
    def ok(self) -> bool:
        """True when this workstation can open the clinic with these settings."""
        return self.database.ok and self.redis.ok

    @property
    def can_upgrade(self) -> bool:
        """True when an admin can bring the schema to this app's version from here."""
        return self.database.outcome in (Outcome.SCHEMA_EMPTY, Outcome.SCHEMA_OLDER)


@dataclass(frozen=True)
class ServerFields:
    """What the connect dialog shows: the configured server, its password from the keyring."""

    host: str = ""
    port: int = DEFAULT_PORT
    database: str = ""
    user: str = ""
    password: str = ""
    redis_url: str = ""
    uses_server: bool = False


class ConnectionSaveError(DcmsError):
    """The connection could not be saved; ``field`` names the input concerned."""


# -- building URLs --------------------------------------------------------------------------
def _port(port: int | str) -> int:
    text = str(port).strip()
    if not text:
        return DEFAULT_PORT
    try:
        number = int(text)
    except ValueError:
        raise ValueError("The port is a number, usually 5432") from None
    if not 0 < number < 65536:
        raise ValueError("The port is a number between 1 and 65535, usually 5432")
    return number


def database_url(
    host: str, port: int | str, database: str, user: str, password: str | None = None
) -> str:
    """The PostgreSQL URL of these fields (with the password only when one is given)."""
    url = URL.create(
        "postgresql+psycopg",
        username=user.strip() or None,
        password=password or None,
        host=host.strip(),
        port=_port(port),
        database=database.strip(),
    )
    return url.render_as_string(hide_password=False)


def split_redis_password(url: str) -> tuple[str, str | None]:
    """``url`` without its password, and the password (None when it had none)."""
    parts = urlsplit(url.strip())
    if parts.password is None:
        return url.strip(), None
    netloc = parts.hostname or ""
    if parts.port:
        netloc = f"{netloc}:{parts.port}"
    if parts.username:
        netloc = f"{quote(unquote(parts.username), safe='')}@{netloc}"
    bare = urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))
    return bare, unquote(parts.password)


def _invalid_fields(host: str, port: int | str, database: str, user: str) -> CheckResult | None:
    if not host.strip():
        return CheckResult(Outcome.INVALID, "Enter the clinic server's name or address", "host")
    try:
        _port(port)
    except ValueError as exc:
        return CheckResult(Outcome.INVALID, str(exc), "port")
    if not database.strip():
        return CheckResult(Outcome.INVALID, "Enter the name of the clinic database", "database")
    if not user.strip():
        return CheckResult(Outcome.INVALID, "Enter the database user name", "user")
    return None


# -- testing --------------------------------------------------------------------------------
def test_connection(
    host: str,
    port: int | str,
    database: str,
    user: str,
    password: str,
    redis_url: str | None,
) -> ConnectionReport:
    """Try the clinic server and Redis with these settings; say what is wrong, if anything.

    A Redis URL without a password is completed from the keyring, as at start-up.
    """
    return ConnectionReport(
        database=check_database(host, port, database, user, password),
        redis=check_redis(redis_url),
    )


test_connection.__test__ = False  # type: ignore[attr-defined]  # not a pytest test


def check_database(
    host: str, port: int | str, database: str, user: str, password: str
) -> CheckResult:
    """Connect to the server and compare its clinic schema with this app's."""
    invalid = _invalid_fields(host, port, database, user)
    if invalid is not None:
        return invalid
    url = database_url(host, port, database, user, password)
    where = f"{host.strip()}:{_port(port)}"
    db = create_database(url)
    try:
        with db.engine.connect() as conn:
            version = conn.dialect.server_version_info or ()
        state = migrate.status(db.engine)
    except OperationalError as exc:
        return _explain_connect_failure(url, exc, where, database.strip(), user.strip())
    except migrate.UnversionedSchemaError:
        return CheckResult(
            Outcome.SCHEMA_FOREIGN,
            f"The database “{database.strip()}” holds tables that DCMS Desktop did not "
            "create. Choose another database, or ask your IT admin for an empty one.",
            "database",
        )
    except SQLAlchemyError as exc:
        log.warning("testing %s failed: %s", where, type(exc).__name__)
        return CheckResult(Outcome.FAILED, describe_connection_error(url, exc))
    finally:
        db.dispose()
    return _schema_result(state, database.strip(), host.strip(), version)


def _schema_result(
    state: migrate.SchemaStatus, name: str, host: str, version: tuple[int, ...]
) -> CheckResult:
    if state == "current":
        server = f"PostgreSQL {'.'.join(str(v) for v in version[:2])}" if version else "PostgreSQL"
        return CheckResult(
            Outcome.OK, f"Connected to the clinic database “{name}” on {host} ({server})."
        )
    if state == "empty":
        return CheckResult(
            Outcome.SCHEMA_EMPTY,
            f"Connected, but “{name}” is empty: it must be set up as the clinic database "
            "before anyone can use it. An admin can do that here.",
            "database",
        )
    if state == "older":
        return CheckResult(
            Outcome.SCHEMA_OLDER,
            f"Connected, but “{name}” was made by an older DCMS Desktop and must be "
            "upgraded first. Only an admin should upgrade it: workstations still on the "
            "older version stop opening it until they are updated too.",
            "database",
        )
    return CheckResult(
        Outcome.SCHEMA_NEWER,
        f"Connected, but “{name}” was upgraded by a newer DCMS Desktop than this one. "
        "Install that version on this workstation.",
        "database",
    )


def _explain_connect_failure(
    url: str, exc: OperationalError, where: str, name: str, user: str
) -> CheckResult:
    detail = str(getattr(exc, "orig", exc)).lower()
    host = where.rsplit(":", 1)[0]
    if (
        "failed to resolve host" in detail
        or "could not translate host name" in detail
        or "name or service not known" in detail
        or "temporary failure in name resolution" in detail
        or "nodename nor servname" in detail
    ):
        return CheckResult(
            Outcome.UNKNOWN_HOST,
            f"No computer named “{host}” was found on the network: check the server name.",
            "host",
        )
    if "connection refused" in detail:
        return CheckResult(
            Outcome.UNREACHABLE,
            f"Nothing answers at {where}: check the server is on, PostgreSQL is running "
            "there and the port is right.",
            "host",
        )
    if "timeout" in detail or "timed out" in detail or "no route to host" in detail:
        return CheckResult(
            Outcome.UNREACHABLE,
            f"{where} did not answer in time: check the address, and that no firewall "
            "stands between this computer and the server.",
            "host",
        )
    if "password authentication failed" in detail:
        return CheckResult(
            Outcome.WRONG_PASSWORD,
            f"The server refused the password for the user “{user}”.",
            "password",
        )
    if "no password supplied" in detail:
        return CheckResult(
            Outcome.WRONG_PASSWORD,
            f"The server asks for the password of the user “{user}”.",
            "password",
        )
    if "role" in detail and "does not exist" in detail:
        return CheckResult(Outcome.UNKNOWN_USER, f"The server has no user named “{user}”.", "user")
    if "database" in detail and "does not exist" in detail:
        return CheckResult(
            Outcome.DATABASE_MISSING,
            f"The server has no database named “{name}”: check the name, or ask your IT "
            "admin to create it.",
            "database",
        )
    if "pg_hba.conf" in detail:
        return CheckResult(
            Outcome.NOT_ALLOWED,
            f"The server does not let this computer in as “{user}” to “{name}”: your IT "
            "admin must allow it (pg_hba.conf).",
            "host",
        )
    return CheckResult(Outcome.FAILED, describe_connection_error(url, exc))


def check_redis(url: str | None) -> CheckResult:
    """Ping Redis at ``url``; no URL is fine (live sync between workstations is off)."""
    if not url or not url.strip():
        return CheckResult(
            Outcome.NOT_CONFIGURED,
            "No Redis: this workstation works without it, but sees other workstations' "
            "changes only when it refreshes.",
        )
    try:
        full = complete_redis_url(url.strip()) or url.strip()
        client = connect_redis(full, timeout=2 * REDIS_TIMEOUT_SECONDS, health_check_interval=0)
        where = describe_redis_url(full)
    except ValueError:
        return CheckResult(
            Outcome.INVALID,
            "That is not a Redis URL: write it like redis://server:6379/0.",
            "redis_url",
        )
    try:
        client.ping()
    except redis.AuthenticationError:
        if split_redis_password(full)[1] is None:
            message = (
                f"Redis at {where} asks for a password: put it in the URL "
                "(redis://:password@server:6379/0); it is kept in the keyring."
            )
        else:
            message = f"Redis at {where} refused the user name or password in the URL."
        return CheckResult(Outcome.WRONG_PASSWORD, message, "redis_url")
    except redis.ConnectionError as exc:
        text = str(exc).lower()
        if "name or service not known" in text or "nodename nor servname" in text:
            return CheckResult(
                Outcome.UNKNOWN_HOST,
                f"No computer named in the Redis URL ({where}) was found on the network.",
                "redis_url",
            )
        return CheckResult(
            Outcome.UNREACHABLE,
            f"Nothing answers at {where}: check Redis is running there and the port is right.",
            "redis_url",
        )
    except redis.TimeoutError:
        return CheckResult(
            Outcome.UNREACHABLE, f"Redis at {where} did not answer in time.", "redis_url"
        )
    except redis.RedisError as exc:
        log.warning("testing Redis failed: %s", type(exc).__name__)
        return CheckResult(
            Outcome.FAILED, f"Redis at {where} answered with an error: {exc}", "redis_url"
        )
    finally:
        client.close()
    return CheckResult(
        Outcome.OK, f"Redis answers at {where}: workstations see each other's changes live."
    )


# -- upgrading ------------------------------------------------------------------------------
def upgrade_database(
    host: str, port: int | str, database: str, user: str, password: str
) -> CheckResult:
    """Create or upgrade the clinic schema on the server, then check it again.

    The caller asks first whether the person is the clinic's admin (module docstring).
    """
    invalid = _invalid_fields(host, port, database, user)
    if invalid is not None:
        return invalid
    url = database_url(host, port, database, user, password)
    db = create_database(url)
    try:
        migrate.upgrade(db.engine)
    except migrate.MigrationError as exc:
        return CheckResult(Outcome.FAILED, str(exc), "database")
    except OperationalError as exc:
        return _explain_connect_failure(
            url, exc, f"{host.strip()}:{_port(port)}", database.strip(), user.strip()
        )
    finally:
        db.dispose()
    log.info("upgraded the clinic schema on %s", make_url(url).host)
    return check_database(host, port, database, user, password)


# -- the configuration ----------------------------------------------------------------------
def current_fields(settings: Settings) -> ServerFields:
    """The dialog's starting values: the configured server and its stored password."""
    redis_url = settings.redis_url or ""
    try:
        url = make_url(settings.database_url)
    except Exception:  # a broken URL in the config: start from empty fields
        return ServerFields(redis_url=redis_url)
    if url.get_backend_name() != "postgresql":
        return ServerFields(redis_url=redis_url)
    password = url.password or load_password(database_account(settings.database_url)) or ""
    return ServerFields(
        host=url.host or "",
        port=url.port or DEFAULT_PORT,
        database=url.database or "",
        user=url.username or "",
        password=str(password),
        redis_url=split_redis_password(redis_url)[0],
        uses_server=True,
    )


def environment_overrides(env: Mapping[str, str] | None = None) -> list[str]:
    """The variables set on this computer that win over the config file."""
    env = os.environ if env is None else env
    return [name for name in OVERRIDING_VARIABLES if env.get(name)]


def save_connection(
    config_file: Path,
    host: str,
    port: int | str,
    database: str,
    user: str,
    password: str,
    redis_url: str | None,
) -> str:
    """Point this workstation at the clinic server; returns what it now uses, in words.

    The config file gets the URLs without passwords; the passwords go to the keyring
    (``ConnectionSaveError`` with ``field="password"`` when there is no keyring).
    Other keys of the config file (the workstation name) are kept.
    """
    invalid = _invalid_fields(host, port, database, user)
    if invalid is not None:
        raise ConnectionSaveError(invalid.message, field=invalid.field)
    url = database_url(host, port, database, user)
    bare_redis, redis_password = split_redis_password(redis_url or "")
    try:
        if password:
            store_password(database_account(url), password)
        if bare_redis and redis_password:
            store_password(redis_account(bare_redis), redis_password)
    except KeyringUnavailableError as exc:
        field = "password" if password else "redis_url"
        raise ConnectionSaveError(str(exc), field=field) from exc
    values = read_config_file(config_file)
    values["database_url"] = url
    if bare_redis:
        values["redis_url"] = bare_redis
    else:
        values.pop("redis_url", None)
    write_config_file(config_file, values)
    log.info("this workstation now uses the clinic server %s", make_url(url).host)
    return f"the clinic server {host.strip()}, database “{database.strip()}”"


def use_local_database(config_file: Path) -> None:
    """Take this workstation back to the database file on this computer.

    Removes the server and Redis URLs from the config file; the stored passwords stay in
    the keyring, so switching back to the server later needs only the server's name.
    """
    values = read_config_file(config_file)
    values.pop("database_url", None)
    values.pop("redis_url", None)
    write_config_file(config_file, values)
    log.info("this workstation now uses its local database")
