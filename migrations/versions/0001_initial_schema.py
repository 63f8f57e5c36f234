"""Initial schema: every table of the models, the three views, PostgreSQL's extras.

Revision ID: 0001
Revises:
Create Date: 2026-11-25

The tables are a frozen copy of ``dcms_desktop/data/models.py`` as of this revision (a test
proves models and migrations agree). Besides them:

- on both backends, the schema document's three views, written so that both backends give
  the same columns and the same results (the departures are explained at each view);
- on PostgreSQL only: the btree_gist and pg_trgm extensions, an exclusion constraint that
  refuses two overlapping active appointments of one dentist, and a trigger that keeps
  ``updated_at`` current when rows are edited with plain SQL.

Money columns are ``Decimal2``: NUMERIC on PostgreSQL, INTEGER cents on SQLite. SQL over
them on SQLite therefore works in cents; ``dcms_desktop.data.views`` reads the views' sums
back as Decimal.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from dcms_desktop.data.types import Decimal2, UtcDateTime

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")

# Tables whose rows carry updated_at at this revision (models.TABLES_WITH_UPDATED_AT).
TABLES_WITH_UPDATED_AT = (
    "users",
    "appointments",
    "services",
    "inventory",
    "bills",
    "restock_requests",
    "tooth_charts",
    "clinic_settings",
)

VIEWS = ("patient_summary", "low_stock_alerts", "revenue_summary")


def upgrade() -> None:
    dialect = op.get_context().dialect.name
    _create_tables(dialect)
    if dialect == "postgresql":
        _create_postgresql_extras()
    _create_views(dialect)


def downgrade() -> None:
    dialect = op.get_context().dialect.name
    for view in VIEWS:
        op.execute(f"DROP VIEW IF EXISTS {view}")
    if dialect == "postgresql":
        _drop_postgresql_extras()
    _drop_tables()


def _percent_check(column: str, dialect: str) -> str:
    # Decimal2 stores cents on SQLite, where 100.00 % is the integer 10000.
    bound = 10_000 if dialect == "sqlite" else 100
    return f"{column} >= 0 AND {column} <= {bound}"


# -- PostgreSQL extras ----------------------------------------------------------------------
# An appointment occupies [start, start + duration) on its dentist's calendar; back-to-back
# visits touch without overlapping. Cancelled and no-show visits free their slot. Every
# function used here is IMMUTABLE (date + time, timestamp + interval, make_interval,
# tsrange), as an index expression must be; btree_gist supplies the uuid "=" operator class.
_EXCLUDE_OVERLAPPING_APPOINTMENTS = """
ALTER TABLE appointments ADD CONSTRAINT ex_appointments_dentist_overlap
EXCLUDE USING gist (
    dentist_id WITH =,
    tsrange(
        appointment_date + appointment_time,
        appointment_date + appointment_time + make_interval(mins => duration),
        '[)'
    ) WITH &&
) WHERE (status NOT IN ('cancelled', 'no_show') AND dentist_id IS NOT NULL)
"""

# Departure from the schema document's function: an UPDATE that sets updated_at itself
# (the ORM does, with the same moment it keeps in memory; a restore keeps the original)
# is left alone; any other UPDATE gets the transaction's timestamp.
_UPDATED_AT_FUNCTION = """
CREATE OR REPLACE FUNCTION update_updated_at_column()
RETURNS TRIGGER AS $$
BEGIN
    IF NEW.updated_at IS NOT DISTINCT FROM OLD.updated_at THEN
        NEW.updated_at = CURRENT_TIMESTAMP;
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql
"""


def _create_postgresql_extras() -> None:
    # Trusted extensions: a database owner may create them without being superuser.
    op.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.execute(_EXCLUDE_OVERLAPPING_APPOINTMENTS)
    op.execute(_UPDATED_AT_FUNCTION)
    for table in TABLES_WITH_UPDATED_AT:
        op.execute(
            f"CREATE TRIGGER update_{table}_updated_at BEFORE UPDATE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION update_updated_at_column()"
        )


def _drop_postgresql_extras() -> None:
    for table in TABLES_WITH_UPDATED_AT:
        op.execute(f"DROP TRIGGER IF EXISTS update_{table}_updated_at ON {table}")
    op.execute("DROP FUNCTION IF EXISTS update_updated_at_column()")
    op.execute("ALTER TABLE appointments DROP CONSTRAINT IF EXISTS ex_appointments_dentist_overlap")
    # The extensions stay: they belong to the database, may predate us or serve others,
    # and the upgrade creates them only if they are missing.


# -- views ----------------------------------------------------------------------------------
# Departures from the schema document's patient_summary:
# - one correlated subquery per figure instead of users JOIN appointments JOIN bills: the
#   join counted each bill once per appointment row and the GROUP BY read every patient's
#   rows; now asking for one patient is a few index lookups;
# - bills are found by bills.patient_id (the document went through appointments, missing
#   bills raised without an appointment);
# - total_billed leaves out cancelled bills (they are void), and total_paid is what was
#   actually paid (bills.amount_paid, the sum of payments, partial ones included) on those
#   bills, rather than the totals of bills whose status is 'paid';
# - last_visit is the latest completed appointment: a booking next week, or one that was
#   cancelled, is not a visit.
_PATIENT_SUMMARY = """
CREATE VIEW patient_summary AS
SELECT
    u.id,
    u.first_name,
    u.last_name,
    u.email,
    u.phone,
    (SELECT COUNT(*) FROM appointments a
      WHERE a.patient_id = u.id) AS total_appointments,
    (SELECT COUNT(*) FROM appointments a
      WHERE a.patient_id = u.id AND a.status = 'completed') AS completed_appointments,
    (SELECT MAX(a.appointment_date) FROM appointments a
      WHERE a.patient_id = u.id AND a.status = 'completed') AS last_visit,
    COALESCE((SELECT SUM(b.total_amount) FROM bills b
               WHERE b.patient_id = u.id AND b.status <> 'cancelled'), 0) AS total_billed,
    COALESCE((SELECT SUM(b.amount_paid) FROM bills b
               WHERE b.patient_id = u.id AND b.status <> 'cancelled'), 0) AS total_paid
FROM users u
WHERE u.role = 'patient'
"""

# The document's view says "i.*"; the columns are listed instead, because SQLite expands
# "*" each time the view is read while PostgreSQL fixes the list at creation: a column
# added to inventory later would appear in one backend's view and not the other's.
_INVENTORY_COLUMNS = (
    "id",
    "name",
    "description",
    "category",
    "current_stock",
    "min_stock",
    "max_stock",
    "unit",
    "cost_per_unit",
    "supplier",
    "supplier_contact",
    "last_restocked",
    "expiration_date",
    "storage_location",
    "is_active",
    "version",
    "updated_by",
    "created_at",
    "updated_at",
)

_LOW_STOCK_ALERTS = f"""
CREATE VIEW low_stock_alerts AS
SELECT
    {", ".join(f"i.{column}" for column in _INVENTORY_COLUMNS)},
    CASE
        WHEN i.current_stock = 0 THEN 'critical'
        WHEN i.current_stock <= i.min_stock * 0.5 THEN 'urgent'
        WHEN i.current_stock <= i.min_stock THEN 'low'
        ELSE 'normal'
    END AS alert_level
FROM inventory i
WHERE i.is_active
  AND i.current_stock <= i.min_stock
"""

# month is a DATE, the first of the month, on both backends (the document's DATE_TRUNC
# gives a timestamp on PostgreSQL, and SQLite has no DATE_TRUNC). Departure: cancelled
# bills are left out; a voided invoice is not revenue, and patient_summary agrees.
_MONTH = {
    "postgresql": "CAST(DATE_TRUNC('month', appointment_date) AS DATE)",
    "sqlite": "date(appointment_date, 'start of month')",
}

_REVENUE_SUMMARY = """
CREATE VIEW revenue_summary AS
SELECT
    {month} AS month,
    COUNT(*) AS total_bills,
    SUM(total_amount) AS total_revenue,
    SUM(CASE WHEN status = 'paid' THEN total_amount ELSE 0 END) AS paid_revenue,
    SUM(CASE WHEN status = 'pending' THEN total_amount ELSE 0 END) AS pending_revenue
FROM bills
WHERE status <> 'cancelled'
GROUP BY {month}
ORDER BY month DESC
"""


def _create_views(dialect: str) -> None:
    op.execute(_PATIENT_SUMMARY)
    op.execute(_LOW_STOCK_ALERTS)
    op.execute(_REVENUE_SUMMARY.format(month=_MONTH[dialect]))


# -- tables ---------------------------------------------------------------------------------
def _users_search_index(name: str, dialect: str, *keys: str, unique: bool = False) -> None:
    """An index on search keys of users (SQL expressions, or "id").

    On PostgreSQL each expression compares bytewise (COLLATE "C"), as SQLite's BINARY
    collation does, so a prefix range or an ORDER BY on the key walks the index.
    """
    bytewise = ' COLLATE "C"' if dialect == "postgresql" else ""
    columns: list[Any] = [key if key == "id" else sa.literal_column(key + bytewise) for key in keys]
    op.create_index(name, "users", columns, unique=unique)


def _create_tables(dialect: str) -> None:
    op.create_table(
        "invoice_counters",
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("last_number", sa.Integer(), nullable=False),
        sa.CheckConstraint("last_number >= 0", name=op.f("ck_invoice_counters_last_number")),
        sa.PrimaryKeyConstraint("year", name=op.f("pk_invoice_counters")),
    )
    op.create_table(
        "users",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("email", sa.String(length=255), nullable=False),
        sa.Column("first_name", sa.String(length=100), nullable=False),
        sa.Column("last_name", sa.String(length=100), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=True),
        sa.Column("date_of_birth", sa.Date(), nullable=True),
        sa.Column("address", sa.Text(), nullable=True),
        sa.Column("emergency_contact", sa.String(length=100), nullable=True),
        sa.Column("emergency_phone", sa.String(length=20), nullable=True),
        sa.Column("medical_history", sa.Text(), nullable=True),
        sa.Column(
            "is_email_verified", sa.Boolean(), server_default=sa.text("false"), nullable=False
        ),
        sa.Column("is_active", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column("failed_login_attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("locked_until", UtcDateTime(), nullable=True),
        sa.Column("last_login", UtcDateTime(), nullable=True),
        sa.Column(
            "must_change_password", sa.Boolean(), server_default=sa.text("false"), nullable=False
        ),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column("updated_by", sa.Uuid(), nullable=True),
        sa.Column("created_at", UtcDateTime(), server_default=sa.func.now(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), server_default=sa.func.now(), nullable=False),
        sa.CheckConstraint(
            "role IN ('patient', 'staff', 'dentist', 'admin')", name=op.f("ck_users_role")
        ),
        sa.CheckConstraint(
            "failed_login_attempts >= 0", name=op.f("ck_users_failed_login_attempts")
        ),
        sa.ForeignKeyConstraint(
            ["updated_by"],
            ["users.id"],
            name=op.f("fk_users_updated_by_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("email", name=op.f("uq_users_email")),
    )
    op.create_index("idx_users_active", "users", ["is_active"], unique=False)
    op.create_index("idx_users_email", "users", ["email"], unique=False)
    op.create_index("idx_users_email_verified", "users", ["is_email_verified"], unique=False)
    op.create_index("idx_users_role", "users", ["role"], unique=False)
    # Patient search: prefix look-ups on these expressions are index range scans on both
    # backends (models.py builds the queries from the same expressions).
    _users_search_index("ux_users_email_lower", dialect, "lower(email)", unique=True)
    _users_search_index(
        "idx_users_last_first_lower", dialect, "lower(last_name)", "lower(first_name)", "id"
    )
    _users_search_index(
        "idx_users_full_name_lower", dialect, "lower(first_name || ' ' || last_name)"
    )
    _users_search_index(
        "idx_users_phone_digits",
        dialect,
        "replace(replace(replace(replace(replace(replace("
        "phone, ' ', ''), '-', ''), '(', ''), ')', ''), '+', ''), '.', '')",
    )
    op.create_table(
        "appointments",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("patient_id", sa.Uuid(), nullable=True),
        sa.Column("patient_name", sa.String(length=200), nullable=False),
        sa.Column("patient_email", sa.String(length=255), nullable=False),
        sa.Column("patient_phone", sa.String(length=20), nullable=True),
        sa.Column("dentist_id", sa.Uuid(), nullable=True),
        sa.Column("appointment_date", sa.Date(), nullable=False),
        sa.Column("appointment_time", sa.Time(), nullable=False),
        sa.Column("duration", sa.Integer(), server_default="60", nullable=False),
        sa.Column("service_requested", sa.Text(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=20), server_default="pending", nullable=False),
        sa.Column("type", sa.String(length=20), server_default="regular", nullable=False),
        sa.Column("treatment_notes", sa.Text(), nullable=True),
        sa.Column("cancellation_reason", sa.Text(), nullable=True),
        sa.Column("cancelled_by", sa.Uuid(), nullable=True),
        sa.Column("confirmed_by", sa.Uuid(), nullable=True),
        sa.Column("completed_by", sa.Uuid(), nullable=True),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column("updated_by", sa.Uuid(), nullable=True),
        sa.Column("created_at", UtcDateTime(), server_default=sa.func.now(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), server_default=sa.func.now(), nullable=False),
        sa.CheckConstraint(
            "appointment_time >= '09:00:00' AND appointment_time <= '18:00:00'",
            name=op.f("ck_appointments_valid_appointment_time"),
        ),
        sa.CheckConstraint(
            "status IN ('pending', 'confirmed', 'in_progress', 'completed', 'cancelled',"
            " 'no_show')",
            name=op.f("ck_appointments_status"),
        ),
        sa.CheckConstraint(
            "type IN ('regular', 'walk_in', 'emergency', 'follow_up')",
            name=op.f("ck_appointments_type"),
        ),
        sa.CheckConstraint(
            "duration >= 1 AND duration <= 480", name=op.f("ck_appointments_valid_duration")
        ),
        sa.ForeignKeyConstraint(
            ["cancelled_by"], ["users.id"], name=op.f("fk_appointments_cancelled_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["completed_by"], ["users.id"], name=op.f("fk_appointments_completed_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["confirmed_by"], ["users.id"], name=op.f("fk_appointments_confirmed_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_appointments_created_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["dentist_id"], ["users.id"], name=op.f("fk_appointments_dentist_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["users.id"], name=op.f("fk_appointments_patient_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["updated_by"],
            ["users.id"],
            name=op.f("fk_appointments_updated_by_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_appointments")),
    )
    op.create_index("idx_appointments_date", "appointments", ["appointment_date"], unique=False)
    op.create_index(
        "idx_appointments_date_status", "appointments", ["appointment_date", "status"], unique=False
    )
    op.create_index("idx_appointments_dentist", "appointments", ["dentist_id"], unique=False)
    op.create_index(
        "idx_appointments_dentist_date",
        "appointments",
        ["dentist_id", "appointment_date"],
        unique=False,
    )
    op.create_index("idx_appointments_patient", "appointments", ["patient_id"], unique=False)
    op.create_index(
        "idx_appointments_patient_date",
        "appointments",
        ["patient_id", "appointment_date"],
        unique=False,
    )
    op.create_index(
        "idx_appointments_patient_email", "appointments", ["patient_email"], unique=False
    )
    op.create_index("idx_appointments_status", "appointments", ["status"], unique=False)
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("at", UtcDateTime(), server_default=sa.func.now(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=True),
        sa.Column("user_email", sa.String(length=255), nullable=True),
        sa.Column("workstation", sa.String(length=100), nullable=False),
        sa.Column("action", sa.String(length=60), nullable=False),
        sa.Column("entity", sa.String(length=60), nullable=False),
        sa.Column("entity_id", sa.String(length=64), nullable=True),
        sa.Column("outcome", sa.String(length=20), server_default="ok", nullable=False),
        sa.Column("details", JSON, nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_audit_log_user_id_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    op.create_index("idx_audit_log_at", "audit_log", ["at"], unique=False)
    op.create_index("idx_audit_log_entity", "audit_log", ["entity", "entity_id"], unique=False)
    op.create_index("idx_audit_log_user", "audit_log", ["user_id"], unique=False)
    op.create_table(
        "clinic_settings",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column(
            "clinic_name", sa.String(length=200), server_default="My Dental Clinic", nullable=False
        ),
        sa.Column("address", sa.Text(), nullable=True),
        sa.Column("phone", sa.String(length=40), nullable=True),
        sa.Column("email", sa.String(length=255), nullable=True),
        sa.Column("tax_id", sa.String(length=60), nullable=True),
        sa.Column("tax_rate", Decimal2(5), server_default="0", nullable=False),
        sa.Column("currency", sa.String(length=3), server_default="USD", nullable=False),
        sa.Column("invoice_footer", sa.Text(), nullable=True),
        sa.Column("payment_terms_days", sa.Integer(), server_default="30", nullable=False),
        sa.Column("logo_png", sa.LargeBinary(), nullable=True),
        sa.Column("idle_lock_minutes", sa.Integer(), server_default="10", nullable=False),
        sa.Column("schedule_grid_minutes", sa.Integer(), server_default="15", nullable=False),
        sa.Column("is_demo", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column("updated_by", sa.Uuid(), nullable=True),
        sa.Column("updated_at", UtcDateTime(), server_default=sa.func.now(), nullable=False),
        sa.CheckConstraint("id = 1", name=op.f("ck_clinic_settings_single_row")),
        sa.CheckConstraint(
            "idle_lock_minutes >= 1", name=op.f("ck_clinic_settings_idle_lock_minutes")
        ),
        sa.CheckConstraint(
            "payment_terms_days >= 0", name=op.f("ck_clinic_settings_payment_terms_days")
        ),
        sa.CheckConstraint(
            "schedule_grid_minutes IN (5, 10, 15)",
            name=op.f("ck_clinic_settings_schedule_grid_minutes"),
        ),
        sa.CheckConstraint(
            _percent_check("tax_rate", dialect), name=op.f("ck_clinic_settings_tax_rate")
        ),
        sa.ForeignKeyConstraint(
            ["updated_by"],
            ["users.id"],
            name=op.f("fk_clinic_settings_updated_by_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_clinic_settings")),
    )
    op.create_table(
        "inventory",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("category", sa.String(length=100), nullable=False),
        sa.Column("current_stock", sa.Integer(), server_default="0", nullable=False),
        sa.Column("min_stock", sa.Integer(), server_default="0", nullable=False),
        sa.Column("max_stock", sa.Integer(), server_default="100", nullable=False),
        sa.Column("unit", sa.String(length=50), nullable=False),
        sa.Column("cost_per_unit", Decimal2(10), nullable=False),
        sa.Column("supplier", sa.String(length=200), nullable=True),
        sa.Column("supplier_contact", sa.String(length=255), nullable=True),
        sa.Column("last_restocked", sa.Date(), nullable=True),
        sa.Column("expiration_date", sa.Date(), nullable=True),
        sa.Column("storage_location", sa.String(length=100), nullable=True),
        sa.Column("is_active", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column("updated_by", sa.Uuid(), nullable=True),
        sa.Column("created_at", UtcDateTime(), server_default=sa.func.now(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), server_default=sa.func.now(), nullable=False),
        sa.CheckConstraint("cost_per_unit >= 0", name=op.f("ck_inventory_cost_not_negative")),
        sa.CheckConstraint("current_stock >= 0", name=op.f("ck_inventory_positive_stock")),
        sa.CheckConstraint("min_stock <= max_stock", name=op.f("ck_inventory_valid_stock_levels")),
        sa.CheckConstraint("min_stock >= 0", name=op.f("ck_inventory_positive_min_stock")),
        sa.ForeignKeyConstraint(
            ["updated_by"],
            ["users.id"],
            name=op.f("fk_inventory_updated_by_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inventory")),
    )
    op.create_index("idx_inventory_active", "inventory", ["is_active"], unique=False)
    op.create_index("idx_inventory_category", "inventory", ["category"], unique=False)
    op.create_index(
        "idx_inventory_low_stock", "inventory", ["current_stock", "min_stock"], unique=False
    )
    op.create_table(
        "services",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("category", sa.String(length=100), nullable=False),
        sa.Column("price", Decimal2(10), nullable=False),
        sa.Column("duration", sa.Integer(), nullable=False),
        sa.Column(
            "pricing_model", sa.String(length=30), server_default="Per Session", nullable=False
        ),
        sa.Column(
            "tooth_chart_use", sa.String(length=20), server_default="not needed", nullable=False
        ),
        sa.Column("is_active", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column("updated_by", sa.Uuid(), nullable=True),
        sa.Column("created_at", UtcDateTime(), server_default=sa.func.now(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), server_default=sa.func.now(), nullable=False),
        sa.CheckConstraint(
            "pricing_model IN ('Per Tooth', 'Per Tooth Package', 'Per Session', 'Per Film',"
            " 'Per Treatment Package')",
            name=op.f("ck_services_pricing_model"),
        ),
        sa.CheckConstraint(
            "tooth_chart_use IN ('required', 'not needed', 'optional')",
            name=op.f("ck_services_tooth_chart_use"),
        ),
        sa.CheckConstraint(
            "duration > 0 AND duration <= 480", name=op.f("ck_services_valid_duration")
        ),
        sa.CheckConstraint("price >= 0", name=op.f("ck_services_price_not_negative")),
        sa.ForeignKeyConstraint(
            ["updated_by"],
            ["users.id"],
            name=op.f("fk_services_updated_by_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_services")),
    )
    op.create_index("idx_services_active", "services", ["is_active"], unique=False)
    op.create_index("idx_services_category", "services", ["category"], unique=False)
    op.create_index("idx_services_pricing_model", "services", ["pricing_model"], unique=False)
    op.create_table(
        "tooth_charts",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("patient_id", sa.Uuid(), nullable=False),
        sa.Column("missing_teeth", JSON, nullable=False),
        sa.Column("treated_teeth", JSON, nullable=False),
        sa.Column("disabled_teeth", JSON, nullable=False),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column("updated_by", sa.Uuid(), nullable=True),
        sa.Column("created_at", UtcDateTime(), server_default=sa.func.now(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), server_default=sa.func.now(), nullable=False),
        sa.ForeignKeyConstraint(
            ["patient_id"],
            ["users.id"],
            name=op.f("fk_tooth_charts_patient_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["updated_by"],
            ["users.id"],
            name=op.f("fk_tooth_charts_updated_by_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tooth_charts")),
        sa.UniqueConstraint("patient_id", name=op.f("uq_tooth_charts_patient_id")),
    )
    op.create_table(
        "appointment_services",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("appointment_id", sa.Uuid(), nullable=False),
        sa.Column("service_id", sa.Uuid(), nullable=True),
        sa.Column("service_name", sa.String(length=200), nullable=False),
        sa.Column("pricing_model", sa.String(length=30), nullable=False),
        sa.Column("teeth_selected", JSON, nullable=True),
        sa.Column("surfaces", JSON, nullable=True),
        sa.Column("quantity", sa.Integer(), server_default="1", nullable=False),
        sa.Column("unit_price", Decimal2(10), nullable=False),
        sa.Column("subtotal", Decimal2(10), nullable=False),
        sa.Column("treatment_notes", sa.Text(), nullable=True),
        sa.Column("completed_at", UtcDateTime(), nullable=True),
        sa.Column("created_at", UtcDateTime(), server_default=sa.func.now(), nullable=False),
        sa.CheckConstraint("quantity >= 1", name=op.f("ck_appointment_services_quantity_positive")),
        sa.ForeignKeyConstraint(
            ["appointment_id"],
            ["appointments.id"],
            name=op.f("fk_appointment_services_appointment_id_appointments"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["service_id"],
            ["services.id"],
            name=op.f("fk_appointment_services_service_id_services"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_appointment_services")),
    )
    op.create_index(
        "idx_appointment_services_appointment",
        "appointment_services",
        ["appointment_id"],
        unique=False,
    )
    op.create_index(
        "idx_appointment_services_service", "appointment_services", ["service_id"], unique=False
    )
    op.create_table(
        "bills",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("invoice_number", sa.String(length=20), nullable=False),
        sa.Column("appointment_id", sa.Uuid(), nullable=True),
        sa.Column("patient_id", sa.Uuid(), nullable=True),
        sa.Column("patient_name", sa.String(length=200), nullable=False),
        sa.Column("patient_email", sa.String(length=255), nullable=False),
        sa.Column("appointment_date", sa.Date(), nullable=False),
        sa.Column("subtotal", Decimal2(10), nullable=False),
        sa.Column("tax_amount", Decimal2(10), server_default="0", nullable=False),
        sa.Column("discount_amount", Decimal2(10), server_default="0", nullable=False),
        sa.Column("discount_reason", sa.Text(), nullable=True),
        sa.Column("total_amount", Decimal2(10), nullable=False),
        sa.Column("amount_paid", Decimal2(10), server_default="0", nullable=False),
        sa.Column("status", sa.String(length=20), server_default="pending", nullable=False),
        sa.Column("payment_method", sa.String(length=50), nullable=True),
        sa.Column("payment_date", sa.Date(), nullable=True),
        sa.Column("payment_reference", sa.String(length=100), nullable=True),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("cancellation_reason", sa.Text(), nullable=True),
        sa.Column("generated_by", sa.Uuid(), nullable=True),
        sa.Column("generated_at", UtcDateTime(), server_default=sa.func.now(), nullable=False),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column("updated_by", sa.Uuid(), nullable=True),
        sa.Column("updated_at", UtcDateTime(), server_default=sa.func.now(), nullable=False),
        sa.CheckConstraint(
            "status IN ('pending', 'paid', 'partial', 'overdue', 'cancelled')",
            name=op.f("ck_bills_status"),
        ),
        sa.CheckConstraint(
            "amount_paid >= 0 AND amount_paid <= total_amount",
            name=op.f("ck_bills_valid_amount_paid"),
        ),
        sa.CheckConstraint(
            "discount_amount >= 0 AND discount_amount <= subtotal",
            name=op.f("ck_bills_valid_discount"),
        ),
        sa.CheckConstraint("subtotal >= 0", name=op.f("ck_bills_subtotal_not_negative")),
        sa.CheckConstraint("tax_amount >= 0", name=op.f("ck_bills_tax_not_negative")),
        sa.CheckConstraint("total_amount >= 0", name=op.f("ck_bills_positive_total")),
        sa.ForeignKeyConstraint(
            ["appointment_id"],
            ["appointments.id"],
            name=op.f("fk_bills_appointment_id_appointments"),
        ),
        sa.ForeignKeyConstraint(
            ["generated_by"], ["users.id"], name=op.f("fk_bills_generated_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["users.id"], name=op.f("fk_bills_patient_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["updated_by"],
            ["users.id"],
            name=op.f("fk_bills_updated_by_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bills")),
        sa.UniqueConstraint("invoice_number", name=op.f("uq_bills_invoice_number")),
    )
    op.create_index("idx_bills_appointment", "bills", ["appointment_id"], unique=False)
    op.create_index("idx_bills_date", "bills", ["appointment_date"], unique=False)
    op.create_index("idx_bills_patient", "bills", ["patient_id"], unique=False)
    op.create_index("idx_bills_patient_email", "bills", ["patient_email"], unique=False)
    op.create_index("idx_bills_status", "bills", ["status"], unique=False)
    op.create_table(
        "medical_records",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("patient_id", sa.Uuid(), nullable=True),
        sa.Column("appointment_id", sa.Uuid(), nullable=True),
        sa.Column("file_name", sa.String(length=255), nullable=False),
        sa.Column("original_file_name", sa.String(length=255), nullable=False),
        sa.Column("file_type", sa.String(length=100), nullable=False),
        sa.Column("file_size", sa.BigInteger(), nullable=False),
        sa.Column("file_path", sa.String(length=500), nullable=False),
        sa.Column("category", sa.String(length=50), nullable=False),
        sa.Column("subcategory", sa.String(length=100), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("access_level", sa.String(length=20), server_default="staff", nullable=False),
        sa.Column("tags", JSON, nullable=True),
        sa.Column("metadata", JSON, nullable=True),
        sa.Column("uploaded_by", sa.Uuid(), nullable=True),
        sa.Column("upload_date", UtcDateTime(), server_default=sa.func.now(), nullable=False),
        sa.Column("is_archived", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.CheckConstraint(
            "access_level IN ('patient', 'staff', 'dentist', 'admin')",
            name=op.f("ck_medical_records_access_level"),
        ),
        sa.CheckConstraint(
            "category IN ('diagnostic-images', 'treatment-photos', 'forms-documents',"
            " 'administrative', 'insurance', 'correspondence')",
            name=op.f("ck_medical_records_category"),
        ),
        sa.CheckConstraint("file_size >= 0", name=op.f("ck_medical_records_file_size")),
        sa.ForeignKeyConstraint(
            ["appointment_id"],
            ["appointments.id"],
            name=op.f("fk_medical_records_appointment_id_appointments"),
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["users.id"], name=op.f("fk_medical_records_patient_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["uploaded_by"], ["users.id"], name=op.f("fk_medical_records_uploaded_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_medical_records")),
    )
    op.create_index("idx_medical_records_access", "medical_records", ["access_level"], unique=False)
    op.create_index(
        "idx_medical_records_appointment", "medical_records", ["appointment_id"], unique=False
    )
    op.create_index("idx_medical_records_category", "medical_records", ["category"], unique=False)
    op.create_index("idx_medical_records_patient", "medical_records", ["patient_id"], unique=False)
    op.create_table(
        "restock_requests",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("inventory_item_id", sa.Uuid(), nullable=False),
        sa.Column("requested_quantity", sa.Integer(), nullable=False),
        sa.Column("current_stock", sa.Integer(), nullable=False),
        sa.Column("min_stock", sa.Integer(), nullable=False),
        sa.Column("urgency", sa.String(length=20), server_default="medium", nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), server_default="pending", nullable=False),
        sa.Column("requested_by", sa.Uuid(), nullable=True),
        sa.Column("request_date", UtcDateTime(), server_default=sa.func.now(), nullable=False),
        sa.Column("approved_by", sa.Uuid(), nullable=True),
        sa.Column("approval_date", UtcDateTime(), nullable=True),
        sa.Column("order_date", sa.Date(), nullable=True),
        sa.Column("expected_delivery", sa.Date(), nullable=True),
        sa.Column("actual_delivery", sa.Date(), nullable=True),
        sa.Column("supplier_order_id", sa.String(length=100), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column("updated_at", UtcDateTime(), server_default=sa.func.now(), nullable=False),
        sa.CheckConstraint(
            "status IN ('pending', 'approved', 'ordered', 'received', 'cancelled')",
            name=op.f("ck_restock_requests_status"),
        ),
        sa.CheckConstraint(
            "urgency IN ('low', 'medium', 'high', 'critical')",
            name=op.f("ck_restock_requests_urgency"),
        ),
        sa.CheckConstraint(
            "requested_quantity > 0", name=op.f("ck_restock_requests_requested_quantity")
        ),
        sa.ForeignKeyConstraint(
            ["approved_by"], ["users.id"], name=op.f("fk_restock_requests_approved_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["inventory_item_id"],
            ["inventory.id"],
            name=op.f("fk_restock_requests_inventory_item_id_inventory"),
        ),
        sa.ForeignKeyConstraint(
            ["requested_by"], ["users.id"], name=op.f("fk_restock_requests_requested_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_restock_requests")),
    )
    op.create_index(
        "idx_restock_requests_item_status",
        "restock_requests",
        ["inventory_item_id", "status"],
        unique=False,
    )
    op.create_index("idx_restock_requests_status", "restock_requests", ["status"], unique=False)
    op.create_table(
        "service_inventory_mappings",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("service_id", sa.Uuid(), nullable=False),
        sa.Column("inventory_item_id", sa.Uuid(), nullable=False),
        sa.Column("quantity_used", Decimal2(8), server_default="1", nullable=False),
        sa.Column("per_tooth_quantity", Decimal2(8), nullable=True),
        sa.Column("is_required", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column("alternative_items", JSON, nullable=True),
        sa.Column("created_at", UtcDateTime(), server_default=sa.func.now(), nullable=False),
        sa.CheckConstraint(
            "per_tooth_quantity IS NULL OR per_tooth_quantity >= 0",
            name=op.f("ck_service_inventory_mappings_per_tooth_quantity"),
        ),
        sa.CheckConstraint(
            "quantity_used >= 0", name=op.f("ck_service_inventory_mappings_quantity_used")
        ),
        sa.ForeignKeyConstraint(
            ["inventory_item_id"],
            ["inventory.id"],
            name=op.f("fk_service_inventory_mappings_inventory_item_id_inventory"),
        ),
        sa.ForeignKeyConstraint(
            ["service_id"],
            ["services.id"],
            name=op.f("fk_service_inventory_mappings_service_id_services"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service_inventory_mappings")),
        sa.UniqueConstraint("service_id", "inventory_item_id", name="uq_service_inventory_item"),
    )
    op.create_index(
        "idx_service_inventory_mappings_item",
        "service_inventory_mappings",
        ["inventory_item_id"],
        unique=False,
    )
    op.create_table(
        "stock_movements",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("inventory_item_id", sa.Uuid(), nullable=False),
        sa.Column("movement_type", sa.String(length=20), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("previous_stock", sa.Integer(), nullable=False),
        sa.Column("new_stock", sa.Integer(), nullable=False),
        sa.Column("unit_cost", Decimal2(10), nullable=True),
        sa.Column("total_cost", Decimal2(12), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("reference_id", sa.Uuid(), nullable=True),
        sa.Column("reference_type", sa.String(length=50), nullable=True),
        sa.Column("needs_review", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("performed_by", sa.Uuid(), nullable=True),
        sa.Column("timestamp", UtcDateTime(), server_default=sa.func.now(), nullable=False),
        sa.CheckConstraint(
            "movement_type IN ('restock', 'deduction', 'adjustment', 'expired', 'damaged')",
            name=op.f("ck_stock_movements_movement_type"),
        ),
        sa.CheckConstraint(
            "new_stock = previous_stock + quantity",
            name=op.f("ck_stock_movements_movement_adds_up"),
        ),
        sa.CheckConstraint(
            "new_stock >= 0 AND previous_stock >= 0",
            name=op.f("ck_stock_movements_stock_not_negative"),
        ),
        sa.ForeignKeyConstraint(
            ["inventory_item_id"],
            ["inventory.id"],
            name=op.f("fk_stock_movements_inventory_item_id_inventory"),
        ),
        sa.ForeignKeyConstraint(
            ["performed_by"], ["users.id"], name=op.f("fk_stock_movements_performed_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stock_movements")),
    )
    op.create_index(
        "idx_stock_movements_item_time",
        "stock_movements",
        ["inventory_item_id", "timestamp"],
        unique=False,
    )
    op.create_index("idx_stock_movements_time", "stock_movements", ["timestamp"], unique=False)
    op.create_table(
        "tooth_treatments",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("patient_id", sa.Uuid(), nullable=False),
        sa.Column("service_id", sa.Uuid(), nullable=True),
        sa.Column("service_name", sa.String(length=200), nullable=False),
        sa.Column("treatment_date", sa.Date(), nullable=False),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.Column("teeth_fdi", JSON, nullable=False),
        sa.Column("surfaces", JSON, nullable=True),
        sa.Column("appointment_id", sa.Uuid(), nullable=True),
        sa.Column("completed_by", sa.Uuid(), nullable=True),
        sa.Column("created_at", UtcDateTime(), server_default=sa.func.now(), nullable=False),
        sa.ForeignKeyConstraint(
            ["appointment_id"],
            ["appointments.id"],
            name=op.f("fk_tooth_treatments_appointment_id_appointments"),
        ),
        sa.ForeignKeyConstraint(
            ["completed_by"], ["users.id"], name=op.f("fk_tooth_treatments_completed_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"],
            ["users.id"],
            name=op.f("fk_tooth_treatments_patient_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["service_id"], ["services.id"], name=op.f("fk_tooth_treatments_service_id_services")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tooth_treatments")),
    )
    op.create_index(
        "idx_tooth_treatments_appointment", "tooth_treatments", ["appointment_id"], unique=False
    )
    op.create_index(
        "idx_tooth_treatments_patient_date",
        "tooth_treatments",
        ["patient_id", "treatment_date"],
        unique=False,
    )
    op.create_table(
        "bill_items",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("bill_id", sa.Uuid(), nullable=False),
        sa.Column("service_id", sa.Uuid(), nullable=True),
        sa.Column("service_name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("pricing_model", sa.String(length=30), nullable=False),
        sa.Column("quantity", sa.Integer(), server_default="1", nullable=False),
        sa.Column("unit_price", Decimal2(10), nullable=False),
        sa.Column("subtotal", Decimal2(10), nullable=False),
        sa.Column("teeth_treated", JSON, nullable=True),
        sa.Column("treatment_notes", sa.Text(), nullable=True),
        sa.Column("created_at", UtcDateTime(), server_default=sa.func.now(), nullable=False),
        sa.CheckConstraint("quantity >= 1", name=op.f("ck_bill_items_quantity_positive")),
        sa.CheckConstraint("unit_price >= 0", name=op.f("ck_bill_items_unit_price_not_negative")),
        sa.ForeignKeyConstraint(
            ["bill_id"], ["bills.id"], name=op.f("fk_bill_items_bill_id_bills"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["service_id"], ["services.id"], name=op.f("fk_bill_items_service_id_services")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bill_items")),
    )
    op.create_index("idx_bill_items_bill", "bill_items", ["bill_id"], unique=False)
    op.create_table(
        "payments",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("bill_id", sa.Uuid(), nullable=False),
        sa.Column("amount", Decimal2(10), nullable=False),
        sa.Column("method", sa.String(length=50), nullable=False),
        sa.Column("paid_on", sa.Date(), nullable=False),
        sa.Column("reference", sa.String(length=100), nullable=True),
        sa.Column("recorded_by", sa.Uuid(), nullable=True),
        sa.Column("recorded_at", UtcDateTime(), server_default=sa.func.now(), nullable=False),
        sa.CheckConstraint(
            "method IN ('cash', 'card', 'bank_transfer', 'insurance', 'other')",
            name=op.f("ck_payments_method"),
        ),
        sa.CheckConstraint("amount > 0", name=op.f("ck_payments_amount_positive")),
        sa.ForeignKeyConstraint(
            ["bill_id"], ["bills.id"], name=op.f("fk_payments_bill_id_bills"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by"],
            ["users.id"],
            name=op.f("fk_payments_recorded_by_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payments")),
    )
    op.create_index("idx_payments_bill", "payments", ["bill_id"], unique=False)


def _drop_tables() -> None:
    op.drop_table("payments")
    op.drop_table("bill_items")
    op.drop_table("tooth_treatments")
    op.drop_table("stock_movements")
    op.drop_table("service_inventory_mappings")
    op.drop_table("restock_requests")
    op.drop_table("medical_records")
    op.drop_table("bills")
    op.drop_table("appointment_services")
    op.drop_table("tooth_charts")
    op.drop_table("services")
    op.drop_table("inventory")
    op.drop_table("clinic_settings")
    op.drop_table("audit_log")
    op.drop_table("appointments")
    op.drop_table("users")
    op.drop_table("invoice_counters")
