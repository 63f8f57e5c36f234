"""Opening the clinic's database at start-up, without Qt.

The app calls :func:`open_clinic` in the background while it shows progress; the CLI and
the tests can call it directly.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from sqlalchemy import text
from sqlalchemy.exc import ArgumentError, OperationalError

from dcms_desktop.config import Settings
from dcms_desktop.credentials import complete_database_url, complete_redis_url, redact
from dcms_desktop.data import migrate
from dcms_desktop.data.cache import build_cache
from dcms_desktop.data.engine import create_database
from dcms_desktop.data.events import build_bus
from dcms_desktop.domain.errors import DcmsError
from dcms_desktop.services.context import ServiceContext

log = logging.getLogger(__name__)

Progress = Callable[[str, int, int], None]


class StartupError(DcmsError):
    """The clinic's database can't be opened; the message says why, for a person."""


def describe_connection_error(url: str, exc: Exception) -> str:
    """One line saying why the database can't be reached, for a person."""
    detail = str(getattr(exc, "orig", exc)).strip().splitlines()[0] if str(exc) else ""
    lowered = detail.lower()
    where = redact(url)
    if "password authentication failed" in lowered or "no password supplied" in lowered:
        return f"Wrong or missing password for {where} (store one with `dcms config set-password`)."
    if "does not exist" in lowered and "database" in lowered:
        return f"The database named in {where} does not exist on the server."
    if "could not translate host name" in lowered or "name or service not known" in lowered:
        return f"Unknown host in {where}: check the server name."
    if "connection refused" in lowered or "timeout" in lowered or "timed out" in lowered:
        return f"Cannot reach the database server of {where}: is it running and reachable?"
    if "unable to open database file" in lowered:
        return f"Cannot open the SQLite file of {where}: check the folder exists and is writable."
    return f"Cannot connect to {where}: {detail}"


def open_clinic(settings: Settings, progress: Progress | None = None) -> ServiceContext:
    """Connect to the configured database and Redis and get the schema ready.

    The embedded SQLite file is upgraded to this app's schema by itself (it belongs to
    this workstation alone). A clinic server's schema is only checked: an upgrade there
    is an admin's decision (``dcms db upgrade``). ``settings.demo`` fills an empty demo
    database with the small demo clinic on first use.
    """
    report = progress or (lambda phase, done, total: None)
    report("Opening the clinic database", 0, 1)
    try:
        database = create_database(complete_database_url(settings.database_url))
        with database.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except (ArgumentError, ValueError) as exc:
        raise StartupError(
            f"The database address {redact(settings.database_url)} is not valid."
        ) from exc
    except OperationalError as exc:
        raise StartupError(describe_connection_error(settings.database_url, exc)) from exc

    state = migrate.status(database.engine)
    if settings.is_embedded and state in ("empty", "older"):
        report("Preparing the database", 0, 1)
        migrate.upgrade(database.engine)
    elif state == "empty":
        raise StartupError(
            f"The clinic database {database.describe()} is empty: an admin must run "
            "`dcms db upgrade` on it first."
        )
    elif state == "older":
        raise StartupError(
            f"The clinic database {database.describe()} has an older schema than this app: "
            "an admin must run `dcms db upgrade`."
        )
    elif state == "newer":
        raise StartupError(
            f"The clinic database {database.describe()} was upgraded by a newer DCMS Desktop; "
            "install that version on this workstation."
        )

    if settings.demo:
        from dcms_desktop.services.demo import demo_exists, generate_demo

        if not demo_exists(database):
            generate_demo(database, "small", progress=report)
    report("Ready", 1, 1)

    redis_url = complete_redis_url(settings.redis_url)
    return ServiceContext(
        database=database,
        cache=build_cache(redis_url),
        bus=build_bus(redis_url, settings.workstation),
        workstation=settings.workstation,
    )
