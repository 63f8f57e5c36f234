"""Alembic environment for DCMS: runs on the connection ``dcms_desktop.data.migrate`` hands in.

The application never reads an ``alembic.ini``: ``migrate.alembic_config()`` builds the
configuration and puts the connection in ``config.attributes["connection"]`` (pytest-alembic
does the same). To write a new revision, upgrade a scratch database to head and let
autogenerate compare it with the models::

    python -c "from sqlalchemy import create_engine; from dcms_desktop.data import migrate; \\
        e = create_engine('sqlite:////tmp/scratch.db'); migrate.upgrade(e); \\
        migrate.new_revision(e, 'what changes')"

then review the script it writes: autogenerate sees neither views nor triggers.

Revisions must run on SQLite and PostgreSQL alike: branch on
``op.get_context().dialect.name`` for what only one of them has, and use batch operations
(``with op.batch_alter_table(...)``) for table changes, which SQLite needs.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection, create_engine, pool

from dcms_desktop.data.migrate import include_object
from dcms_desktop.data.models import Base

config = context.config
target_metadata = Base.metadata


def _url() -> str:
    url = context.get_x_argument(as_dictionary=True).get("url") or config.get_main_option(
        "sqlalchemy.url"
    )
    if not url:
        raise RuntimeError(
            "no database given: run migrations with `dcms db upgrade` "
            "(or pass -x url=... to the alembic command)"
        )
    return url


def _configure(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        include_object=include_object,
        # SQLite can't ALTER most things: autogenerate writes batch operations for it.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )


def run_migrations_offline() -> None:
    """Write the SQL of the migrations instead of running it (``alembic upgrade --sql``)."""
    context.configure(
        url=_url(),
        target_metadata=target_metadata,
        include_object=include_object,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    """Run the migrations on the given connection, or on a fresh one to ``-x url``."""
    connection = config.attributes.get("connection")
    if connection is not None:
        # The caller owns the transaction (migrate.py wraps the whole run in one).
        _configure(connection)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = create_engine(_url(), poolclass=pool.NullPool)
    with engine.connect() as connection:
        _configure(connection)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
