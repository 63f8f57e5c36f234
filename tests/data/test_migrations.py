"""Alembic migrations on SQLite and PostgreSQL: up, down, idempotent, and equal to the models.

Each test gets an empty database of its own (a temporary SQLite file, or a scratch
PostgreSQL database), never the session's shared one.
"""

from __future__ import annotations

import re
import shutil
import threading
import uuid
import warnings
from collections.abc import Iterator
from datetime import UTC, date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import (
    CheckConstraint,
    Column,
    Engine,
    MetaData,
    String,
    create_engine,
    event,
    inspect,
    text,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from dcms_desktop.data import migrate
from dcms_desktop.data.engine import Database, create_database
from dcms_desktop.data.models import TABLES_WITH_UPDATED_AT, Base, Bill
from tests.conftest import (
    NO_PG_REASON,
    create_scratch_pg_database,
    drop_scratch_pg_database,
    pg_admin_url,
)
from tests.factories import make_appointment, make_dentist, make_patient

MODEL_TABLES = set(Base.metadata.tables)
MODEL_INDEXES = {index.name for table in Base.metadata.tables.values() for index in table.indexes}


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """An engine on a database with nothing in it, built as the application builds it."""
    if request.param == "sqlite":
        database = create_database(f"sqlite:///{tmp_path / 'empty.db'}")
        yield database.engine
        database.dispose()
        return
    if pg_admin_url() is None:
        pytest.skip(NO_PG_REASON)
    url = create_scratch_pg_database("dcms_migrations")
    database = create_database(url)
    try:
        yield database.engine
    finally:
        database.dispose()
        drop_scratch_pg_database(url)


def _fresh_model_metadata() -> MetaData:
    """A copy of the models' metadata, which a test may change without harm to others.

    ``to_metadata`` drops a constraint's ``ddl_if`` (the per-dialect tax rate CHECKs), so
    the copy gets it back.
    """
    copy = MetaData(naming_convention=Base.metadata.naming_convention)
    for table in Base.metadata.sorted_tables:
        copied = table.to_metadata(copy)
        conditional = {
            (c.name, str(c.sqltext)): c._ddl_if
            for c in table.constraints
            if isinstance(c, CheckConstraint) and c._ddl_if is not None
        }
        for constraint in copied.constraints:
            if isinstance(constraint, CheckConstraint):
                key = (constraint.name, str(constraint.sqltext))
                if key in conditional:
                    constraint._ddl_if = conditional[key]
    return copy


def _relations(engine: Engine) -> tuple[set[str], set[str]]:
    """The tables and the views of the database."""
    with engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            rows = conn.exec_driver_sql(
                "SELECT type, name FROM sqlite_master "
                "WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite_%'"
            ).all()
        else:
            rows = conn.exec_driver_sql(
                "SELECT CASE WHEN c.relkind = 'v' THEN 'view' ELSE 'table' END, c.relname "
                "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'v')"
            ).all()
    return {name for kind, name in rows if kind == "table"}, {
        name for kind, name in rows if kind == "view"
    }


def _database_indexes(engine: Engine) -> set[str]:
    """Named indexes that are not the backing of a primary key or UNIQUE constraint."""
    with engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            sql = (
                "SELECT name FROM sqlite_master WHERE type = 'index' "
                "AND name NOT LIKE 'sqlite_autoindex_%'"
            )
        else:
            sql = (
                "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema() "
                "AND indexname NOT IN (SELECT conname FROM pg_constraint)"
            )
        return set(conn.exec_driver_sql(sql).scalars())


def _pg_objects(engine: Engine) -> dict[str, set[str]]:
    with engine.connect() as conn:
        triggers = conn.exec_driver_sql(
            "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal"
        ).scalars()
        functions = conn.exec_driver_sql(
            "SELECT proname FROM pg_proc WHERE proname = 'update_updated_at_column'"
        ).scalars()
        exclusions = conn.exec_driver_sql(
            "SELECT conname FROM pg_constraint WHERE contype = 'x'"
        ).scalars()
        extensions = conn.exec_driver_sql("SELECT extname FROM pg_extension").scalars()
        return {
            "triggers": set(triggers),
            "functions": set(functions),
            "exclusions": set(exclusions),
            "extensions": set(extensions),
        }


# -- revisions --------------------------------------------------------------------------------
def test_migration_scripts_have_one_head_and_it_is_what_head_reports() -> None:
    scripts = ScriptDirectory.from_config(migrate.alembic_config())
    assert len(scripts.get_heads()) == 1
    assert migrate.head() == scripts.get_current_head()


def test_migration_scripts_are_found_inside_the_package() -> None:
    location = migrate.script_location()
    assert (location / "env.py").is_file()
    assert (location / "script.py.mako").is_file()
    assert any((location / "versions").glob("0001_*.py"))


# -- upgrade and downgrade --------------------------------------------------------------------
def test_upgrade_takes_an_empty_database_to_head_with_every_table_and_view(
    empty_engine: Engine,
) -> None:
    assert migrate.status(empty_engine) == "empty"
    assert migrate.current(empty_engine) is None

    migrate.upgrade(empty_engine)

    assert migrate.status(empty_engine) == "current"
    assert migrate.current(empty_engine) == migrate.head()
    tables, views = _relations(empty_engine)
    assert tables == MODEL_TABLES | {"alembic_version"}
    assert views == migrate.VIEW_NAMES
    assert _database_indexes(empty_engine) == MODEL_INDEXES


def test_second_upgrade_changes_nothing(empty_engine: Engine) -> None:
    migrate.upgrade(empty_engine)
    statements: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    event.listen(empty_engine, "before_cursor_execute", record)
    try:
        migrate.upgrade(empty_engine)
    finally:
        event.remove(empty_engine, "before_cursor_execute", record)

    changes = [
        s
        for s in statements
        if re.match(r"\s*(CREATE|ALTER|DROP|INSERT|UPDATE|DELETE)\b", s, re.IGNORECASE)
    ]
    assert changes == []
    assert migrate.status(empty_engine) == "current"


def test_every_revision_goes_down_and_up_again_and_base_leaves_nothing_behind(
    empty_engine: Engine,
) -> None:
    scripts = ScriptDirectory.from_config(migrate.alembic_config())
    revisions = list(reversed(list(scripts.walk_revisions())))
    for script in revisions:
        migrate.upgrade(empty_engine, script.revision)
        migrate.downgrade(empty_engine, script.down_revision or "base")
        migrate.upgrade(empty_engine, script.revision)
        assert migrate.current(empty_engine) == script.revision

    migrate.downgrade(empty_engine, "base")

    assert migrate.status(empty_engine) == "empty"
    tables, views = _relations(empty_engine)
    assert tables == {"alembic_version"}
    assert views == set()
    if empty_engine.dialect.name == "postgresql":
        leftovers = _pg_objects(empty_engine)
        assert leftovers["triggers"] == set()
        assert leftovers["functions"] == set()
        assert leftovers["exclusions"] == set()

    migrate.upgrade(empty_engine)
    assert migrate.status(empty_engine) == "current"


def test_an_older_database_is_reported_older_and_upgraded_to_head(
    empty_engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A copy of the scripts with one more (empty) revision plays the newer application.
    newer_scripts = _scripts_with_next_revision(tmp_path, "    pass")
    migrate.upgrade(empty_engine)
    monkeypatch.setattr(migrate, "script_location", lambda: newer_scripts)

    assert migrate.head() == "9999"
    assert migrate.status(empty_engine) == "older"
    migrate.upgrade(empty_engine)
    assert migrate.current(empty_engine) == "9999"
    assert migrate.status(empty_engine) == "current"


def _scripts_with_next_revision(tmp_path: Path, body: str) -> Path:
    """A copy of the migration scripts with one more revision, "9999", running ``body``."""
    scripts = tmp_path / "scripts"
    shutil.copytree(migrate.script_location(), scripts)
    (scripts / "versions" / "9999_next.py").write_text(
        "from alembic import op\n"
        "import sqlalchemy as sa\n\n"
        f'revision = "9999"\ndown_revision = "{migrate.head()}"\n'
        "branch_labels = None\ndepends_on = None\n\n\n"
        f"def upgrade() -> None:\n{body}\n\n\n"
        "def downgrade() -> None:\n    pass\n"
    )
    return scripts


@pytest.mark.parametrize("engine_kind", ["application", "plain"])
def test_a_failing_migration_leaves_the_database_as_it_was(
    empty_engine: Engine,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    engine_kind: str,
) -> None:
    migrate.upgrade(empty_engine)
    before = migrate.head()
    engine = empty_engine if engine_kind == "application" else create_engine(empty_engine.url)
    scripts = _scripts_with_next_revision(
        tmp_path,
        '    op.create_table("half_done", sa.Column("id", sa.Integer, primary_key=True))\n'
        '    op.add_column("users", sa.Column("nickname", sa.String(40)))\n'
        '    raise RuntimeError("the second half failed")',
    )
    monkeypatch.setattr(migrate, "script_location", lambda: scripts)

    with pytest.raises(RuntimeError, match="second half"):
        migrate.upgrade(engine)

    assert migrate.current(engine) == before
    tables, _views = _relations(engine)
    assert "half_done" not in tables
    with engine.connect() as conn:
        assert "nickname" not in {c["name"] for c in inspect(conn).get_columns("users")}
    engine.dispose()


def test_database_from_a_newer_version_is_reported_and_not_touched(empty_engine: Engine) -> None:
    migrate.upgrade(empty_engine)
    with empty_engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = 'f00dfeed'"))

    assert migrate.status(empty_engine) == "newer"
    with pytest.raises(migrate.DatabaseNewerError, match="newer version"):
        migrate.upgrade(empty_engine)
    assert migrate.current(empty_engine) == "f00dfeed"


def test_clinic_tables_without_a_migration_stamp_are_refused(empty_engine: Engine) -> None:
    _fresh_model_metadata().create_all(empty_engine)

    with pytest.raises(migrate.UnversionedSchemaError):
        migrate.status(empty_engine)
    with pytest.raises(migrate.UnversionedSchemaError):
        migrate.upgrade(empty_engine)


def test_sqlite_connections_keep_foreign_keys_on_after_a_migration(tmp_path: Path) -> None:
    database = create_database(f"sqlite:///{tmp_path / 'clinic.db'}")
    try:
        migrate.upgrade(database.engine)
        migrate.downgrade(database.engine, "base")
        migrate.upgrade(database.engine)
        with database.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    finally:
        database.dispose()


def test_two_workstations_upgrading_postgresql_at_once_both_succeed() -> None:
    if pg_admin_url() is None:
        pytest.skip(NO_PG_REASON)
    url = create_scratch_pg_database("dcms_migrations")
    engines = [create_engine(url), create_engine(url)]
    errors: list[BaseException] = []

    def run(engine: Engine) -> None:
        try:
            migrate.upgrade(engine)
        except BaseException as error:  # reported by the assertion below
            errors.append(error)

    try:
        threads = [threading.Thread(target=run, args=(engine,)) for engine in engines]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert errors == []
        assert migrate.status(engines[0]) == "current"
    finally:
        for engine in engines:
            engine.dispose()
        drop_scratch_pg_database(url)


# -- models and migrations agree ----------------------------------------------------------------
def _is_expression_index(index: Any) -> bool:
    return any(not isinstance(e, Column) for e in index.expressions)


def _without_expression_index_pairs(diffs: list[Any]) -> list[Any]:
    """Drop the remove-and-add pairs Alembic reports for every expression index.

    Alembic compares index expressions as text, and PostgreSQL hands them back re-bracketed,
    cast and collated (``lower((email)::text) COLLATE "C"``), so each one looks changed.
    test_migrated_schema_is_the_schema_create_all_makes compares them exactly instead. An
    index missing on one side is still reported.
    """

    def names(kind: str) -> set[str]:
        return {
            d[1].name
            for d in diffs
            if isinstance(d, tuple) and d[0] == kind and _is_expression_index(d[1])
        }

    paired = names("remove_index") & names("add_index")
    return [
        d
        for d in diffs
        if not (
            isinstance(d, tuple) and d[0] in {"remove_index", "add_index"} and d[1].name in paired
        )
    ]


def _differences(engine: Engine, metadata: MetaData) -> list[Any]:
    with engine.connect() as conn, warnings.catch_warnings():
        # SQLite can't reflect expression indexes; the index tests below cover them.
        warnings.filterwarnings("ignore", message="autogenerate skipping", category=UserWarning)
        warnings.filterwarnings(
            "ignore", message="Skipped unsupported reflection of expression-based index"
        )
        context = MigrationContext.configure(
            conn,
            opts={
                "target_metadata": metadata,
                "include_object": migrate.include_object,
                "compare_type": True,
                "compare_server_default": True,
            },
        )
        return _without_expression_index_pairs(compare_metadata(context, metadata))


def test_models_and_migrations_agree(empty_engine: Engine) -> None:
    migrate.upgrade(empty_engine)
    assert _differences(empty_engine, Base.metadata) == []


def test_model_comparison_notices_a_column_the_migrations_lack(empty_engine: Engine) -> None:
    migrate.upgrade(empty_engine)
    changed = _fresh_model_metadata()
    changed.tables["users"].append_column(Column("nickname", String(40)))

    differences = _differences(empty_engine, changed)

    assert [(d[0], d[2], d[3].name) for d in differences] == [("add_column", "users", "nickname")]


def test_every_check_constraint_of_the_models_is_in_the_database(empty_engine: Engine) -> None:

    migrate.upgrade(empty_engine)
    with empty_engine.connect() as conn:
        inspector = inspect(conn)
        for name, table in Base.metadata.tables.items():
            expected = {c.name for c in table.constraints if isinstance(c, CheckConstraint)}
            found = {c["name"] for c in inspector.get_check_constraints(name)}
            assert found == expected, name


def _sqlite_catalog(engine: Engine) -> dict[str, list[str]]:
    """Each table's and index's definition, one sorted line per column or constraint."""
    with engine.connect() as conn:
        rows = conn.exec_driver_sql(
            "SELECT name, sql FROM sqlite_master WHERE type IN ('table', 'index') "
            "AND sql IS NOT NULL AND name <> 'alembic_version'"
        ).all()
    catalog = {}
    for name, sql in rows:
        lines = [
            spelled
            for line in sql.replace('"', "").splitlines()
            for part in _top_level_parts(line)
            for spelled in _as_table_constraint(part.strip().rstrip(",").strip())
        ]
        catalog[name] = sorted(line for line in lines if line)
    return catalog


_INLINE_REFERENCE = re.compile(r"^(\w+) (.+?) CONSTRAINT (\w+) REFERENCES (.+)$")


def _as_table_constraint(part: str) -> list[str]:
    """A column added by ALTER TABLE carries its foreign key inline (``col TYPE CONSTRAINT
    fk REFERENCES t (id)``); create_all writes the same key as a table constraint."""
    found = _INLINE_REFERENCE.match(part)
    if found is None:
        return [part]
    column, kind, constraint, target = found.groups()
    return [
        f"{column} {kind}",
        f"CONSTRAINT {constraint} FOREIGN KEY({column}) REFERENCES {target}",
    ]


def _top_level_parts(line: str) -> list[str]:
    """``line`` cut at each comma outside brackets and quotes: SQLite writes a column added
    by ALTER TABLE onto the line of the last one (``updated_at ..., tax_rate ...``)."""
    parts, depth, quoted, start = [], 0, False, 0
    for index, char in enumerate(line):
        if char == "'":
            quoted = not quoted
        elif not quoted and char == "(":
            depth += 1
        elif not quoted and char == ")":
            depth -= 1
        elif not quoted and depth == 0 and char == ",":
            parts.append(line[start:index])
            start = index + 1
    parts.append(line[start:])
    return parts


def _pg_catalog(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Columns, constraints and indexes as PostgreSQL itself spells them."""
    with engine.connect() as conn:
        columns = conn.exec_driver_sql(
            "SELECT c.relname, a.attnum, a.attname, format_type(a.atttypid, a.atttypmod), "
            "a.attnotnull, pg_get_expr(d.adbin, d.adrelid), a.attcollation::regcollation::text "
            "FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum "
            "WHERE n.nspname = current_schema() AND c.relkind = 'r' AND a.attnum > 0 "
            "AND NOT a.attisdropped AND c.relname <> 'alembic_version' ORDER BY 1, 2"
        ).all()
        constraints = conn.exec_driver_sql(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(k.oid) "
            "FROM pg_constraint k JOIN pg_namespace n ON n.oid = k.connamespace "
            "WHERE n.nspname = current_schema() AND k.contype <> 'x' "
            "AND conrelid::regclass::text <> 'alembic_version' ORDER BY 1, 2"
        ).all()
        indexes = conn.exec_driver_sql(
            "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() "
            "AND tablename <> 'alembic_version' "
            "AND indexname <> 'ex_appointments_dentist_overlap' ORDER BY 1"
        ).all()
    return {
        "columns": [tuple(r) for r in columns],
        "constraints": [tuple(r) for r in constraints],
        "indexes": [tuple(r) for r in indexes],
    }


@pytest.fixture(params=["sqlite", "postgresql"])
def migrated_and_created(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[tuple[Engine, Engine]]:
    """Two empty databases: one to migrate, one for the models' ``create_all``."""
    if request.param == "sqlite":
        databases = [create_database(f"sqlite:///{tmp_path / name}") for name in ("m.db", "c.db")]
        yield databases[0].engine, databases[1].engine
        for database in databases:
            database.dispose()
        return
    if pg_admin_url() is None:
        pytest.skip(NO_PG_REASON)
    urls = [create_scratch_pg_database("dcms_migrations") for _ in range(2)]
    engines = [create_engine(url) for url in urls]
    try:
        yield engines[0], engines[1]
    finally:
        for engine, url in zip(engines, urls, strict=True):
            engine.dispose()
            drop_scratch_pg_database(url)


def test_migrated_schema_is_the_schema_create_all_makes(
    migrated_and_created: tuple[Engine, Engine],
) -> None:
    # Exact, in the database's own words: columns, types, defaults, CHECKs, foreign keys,
    # indexes (expression ones too, which Alembic can't compare).
    migrated, created = migrated_and_created
    migrate.upgrade(migrated)
    _fresh_model_metadata().create_all(created)

    if migrated.dialect.name == "sqlite":
        assert _sqlite_catalog(migrated) == _sqlite_catalog(created)
    else:
        assert _pg_catalog(migrated) == _pg_catalog(created)


# -- PostgreSQL extras --------------------------------------------------------------------------
def test_postgresql_gets_extensions_triggers_and_the_overlap_constraint(
    pg_database: Database,
) -> None:
    objects = _pg_objects(pg_database.engine)
    assert {"btree_gist", "pg_trgm"} <= objects["extensions"]
    assert objects["exclusions"] == {"ex_appointments_dentist_overlap"}
    assert objects["triggers"] == {f"update_{t}_updated_at" for t in TABLES_WITH_UPDATED_AT}


def _insert_user(conn: Any, role: str, email: str) -> str:
    return conn.execute(
        text(
            "INSERT INTO users (id, email, first_name, last_name, password_hash, role) "
            "VALUES (gen_random_uuid(), :email, 'A', 'B', 'x', :role) RETURNING id"
        ),
        {"email": email, "role": role},
    ).scalar_one()


def _book(
    conn: Any, dentist: str, patient: str, start: time, minutes: int, status: str = "confirmed"
) -> None:
    conn.execute(
        text(
            "INSERT INTO appointments (id, patient_id, patient_name, patient_email, dentist_id, "
            "appointment_date, appointment_time, duration, status) VALUES (gen_random_uuid(), "
            ":patient, 'Maria Santos', 'maria@example.org', :dentist, :day, :start, :minutes, "
            ":status)"
        ),
        {
            "patient": patient,
            "dentist": dentist,
            "day": date(2030, 3, 4),
            "start": start,
            "minutes": minutes,
            "status": status,
        },
    )


@pytest.fixture
def dentists_and_patient(pg_database: Database) -> tuple[str, str, str]:
    with pg_database.engine.begin() as conn:
        return (
            _insert_user(conn, "dentist", "reyes@example.org"),
            _insert_user(conn, "dentist", "lim@example.org"),
            _insert_user(conn, "patient", "maria@example.org"),
        )


def test_postgresql_refuses_an_overlapping_active_appointment_of_one_dentist(
    pg_database: Database, dentists_and_patient: tuple[str, str, str]
) -> None:
    reyes, _lim, maria = dentists_and_patient
    with pg_database.engine.begin() as conn:
        _book(conn, reyes, maria, time(10, 0), 45)

    with pytest.raises(IntegrityError) as refused, pg_database.engine.begin() as conn:
        _book(conn, reyes, maria, time(10, 30), 30, status="pending")
    assert refused.value.orig is not None
    assert refused.value.orig.sqlstate == "23P01"  # exclusion_violation
    assert "ex_appointments_dentist_overlap" in str(refused.value)


def test_postgresql_allows_back_to_back_other_dentists_and_freed_slots(
    pg_database: Database, dentists_and_patient: tuple[str, str, str]
) -> None:
    reyes, lim, maria = dentists_and_patient
    with pg_database.engine.begin() as conn:
        _book(conn, reyes, maria, time(10, 0), 45)
        _book(conn, reyes, maria, time(10, 45), 15)  # starts as the first one ends
        _book(conn, lim, maria, time(10, 0), 60)  # another dentist
        _book(conn, reyes, maria, time(11, 0), 60, status="cancelled")
        _book(conn, reyes, maria, time(11, 0), 60, status="no_show")
        _book(conn, reyes, maria, time(11, 30), 30)  # over the cancelled and no-show ones
        count = conn.execute(text("SELECT COUNT(*) FROM appointments")).scalar_one()
    assert count == 6


def test_postgresql_refuses_reviving_a_cancelled_appointment_into_a_taken_slot(
    pg_database: Database, dentists_and_patient: tuple[str, str, str]
) -> None:
    reyes, _lim, maria = dentists_and_patient
    with pg_database.engine.begin() as conn:
        _book(conn, reyes, maria, time(9, 0), 60, status="cancelled")
        _book(conn, reyes, maria, time(9, 30), 30)

    refused = pytest.raises(IntegrityError, match="ex_appointments_dentist_overlap")
    with refused, pg_database.engine.begin() as conn:
        conn.execute(text("UPDATE appointments SET status = 'pending' WHERE status = 'cancelled'"))


def test_postgresql_direct_sql_update_bumps_updated_at(pg_database: Database) -> None:
    long_ago = datetime(2001, 1, 1, tzinfo=UTC)
    with pg_database.engine.begin() as conn:
        user = _insert_user(conn, "staff", "front@example.org")
        conn.execute(
            text("UPDATE users SET updated_at = :at WHERE id = :id"), {"at": long_ago, "id": user}
        )
    with pg_database.engine.begin() as conn:
        kept = conn.execute(text("SELECT updated_at FROM users WHERE id = :id"), {"id": user})
        assert kept.scalar_one() == long_ago  # an UPDATE that sets it keeps its value
        conn.execute(text("UPDATE users SET phone = '555-0100' WHERE id = :id"), {"id": user})
        bumped = conn.execute(
            text("SELECT updated_at, CURRENT_TIMESTAMP FROM users WHERE id = :id"), {"id": user}
        ).one()
    assert bumped[0] == bumped[1]


# -- data migrations ----------------------------------------------------------------------------
def _bill_row(number: str, **values: Any) -> dict[str, Any]:
    """A bill's columns as revision 0004 has them (no ``reissued_as_id``)."""
    return {
        "id": uuid.uuid4(),
        "invoice_number": number,
        "patient_name": "Maria Santos",
        "patient_email": "maria@example.org",
        "appointment_date": date(2026, 5, 4),
        "subtotal": Decimal("56.00"),
        "tax_amount": Decimal("0.00"),
        "discount_amount": Decimal("0.00"),
        "total_amount": Decimal("56.00"),
        "amount_paid": Decimal("0.00"),
        "status": "pending",
        "version": 1,
        "tax_rate": Decimal("0.00"),
        **values,
    }


def _insert_bills(engine: Engine, *rows: dict[str, Any]) -> None:
    columns = [column for column in Bill.__table__.c if column.name != "reissued_as_id"]
    table = sa.Table("bills", sa.MetaData(), *(sa.Column(c.name, c.type) for c in columns))
    with engine.begin() as conn:
        for row in rows:  # one by one: the rows name different columns
            conn.execute(sa.insert(table), row)


def test_0005_links_the_bills_reissued_before_it(empty_engine: Engine) -> None:
    migrate.upgrade(empty_engine, "0004")
    old = _bill_row("2026-000001", status="cancelled")
    reissue = _bill_row("2026-000002", notes="Reissue of bill 2026-000001")
    other = _bill_row("2026-000003", status="cancelled")
    _insert_bills(empty_engine, old, reissue, other)

    migrate.upgrade(empty_engine)

    with empty_engine.connect() as conn:
        linked = dict(conn.execute(sa.select(Bill.invoice_number, Bill.reissued_as_id)).all())
    assert linked == {"2026-000001": reissue["id"], "2026-000002": None, "2026-000003": None}


def test_0005_stops_naming_the_bills_when_a_visit_has_two_live_ones(empty_engine: Engine) -> None:
    migrate.upgrade(empty_engine, "0004")
    with Session(empty_engine) as session, session.begin():
        visit = make_appointment(
            session,
            patient=make_patient(session),
            dentist=make_dentist(session),
            start=datetime(2026, 5, 4, 10, 0),
            status="completed",
        ).id
    first = _bill_row("2026-000001", appointment_id=visit)
    second = _bill_row("2026-000002", appointment_id=visit, status="partial")
    _insert_bills(empty_engine, first, second)

    with pytest.raises(RuntimeError, match="2026-000001, 2026-000002"):
        migrate.upgrade(empty_engine)
    assert migrate.current(empty_engine) == "0004"  # nothing half done
