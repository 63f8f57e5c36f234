"""SQLAlchemy 2.0 models: every table of the schema document, plus ARCHITECTURE.md's.

Names of tables, columns, CHECK constraints and indexes follow the schema document, so a
DBA reading one finds the other. Where we depart from it (ARCHITECTURE.md), a comment at
the spot says so. Constraint names come from the naming convention below so that
migrations can drop and recreate them by name on both backends.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    Time,
    UniqueConstraint,
    Uuid,
    func,
    text,
)
from sqlalchemy.dialects import sqlite
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.visitors import InternalTraversal

from dcms_desktop.data.types import Decimal2, JsonColumn, UtcDateTime, utcnow

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def _in(column: str, values: tuple[str, ...]) -> str:
    quoted = ", ".join(f"'{v}'" for v in values)
    return f"{column} IN ({quoted})"


ROLES = ("patient", "staff", "dentist", "admin")
APPOINTMENT_STATUSES = ("pending", "confirmed", "in_progress", "completed", "cancelled", "no_show")
APPOINTMENT_TYPES = ("regular", "walk_in", "emergency", "follow_up")
PRICING_MODELS = (
    "Per Tooth",
    "Per Tooth Package",
    "Per Session",
    "Per Film",
    "Per Treatment Package",
)
TOOTH_CHART_USES = ("required", "not needed", "optional")
BILL_STATUSES = ("pending", "paid", "partial", "overdue", "cancelled")
LIVE_BILL = "status <> 'cancelled'"
"""The bills that count (for a visit, at most one)."""
PAYMENT_METHODS = ("cash", "card", "bank_transfer", "insurance", "other")
RECORD_CATEGORIES = (
    "diagnostic-images",
    "treatment-photos",
    "forms-documents",
    "administrative",
    "insurance",
    "correspondence",
)
MOVEMENT_TYPES = ("restock", "deduction", "adjustment", "expired", "damaged")
URGENCIES = ("low", "medium", "high", "critical")
RESTOCK_STATUSES = ("pending", "approved", "ordered", "received", "cancelled")


class Base(DeclarativeBase):
    """Declarative base with the project's constraint naming convention."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


# SQLite keeps TIME as text; without microseconds "18:00:00" compares equal to the
# schema's CHECK bound instead of sorting after it.
ClockTime = Time().with_variant(
    sqlite.TIME(storage_format="%(hour)02d:%(minute)02d:%(second)02d"), "sqlite"
)


def _uuid_pk() -> Mapped[uuid.UUID]:
    return mapped_column(Uuid, primary_key=True, default=uuid.uuid4)


def _created_at() -> Mapped[datetime]:
    return mapped_column(UtcDateTime, nullable=False, default=utcnow, server_default=func.now())


def _updated_at() -> Mapped[datetime]:
    # Kept by the ORM here and, on PostgreSQL, also by a trigger for direct SQL edits.
    return mapped_column(
        UtcDateTime, nullable=False, default=utcnow, onupdate=utcnow, server_default=func.now()
    )


def _user_fk(nullable: bool = True) -> Mapped[Any]:
    return mapped_column(Uuid, ForeignKey("users.id", ondelete="SET NULL"), nullable=nullable)


class User(Base):
    __tablename__ = "users"

    id: Mapped[uuid.UUID] = _uuid_pk()
    email: Mapped[str] = mapped_column(String(255), nullable=False, unique=True)
    first_name: Mapped[str] = mapped_column(String(100), nullable=False)
    last_name: Mapped[str] = mapped_column(String(100), nullable=False)
    password_hash: Mapped[str] = mapped_column(String(255), nullable=False)
    role: Mapped[str] = mapped_column(String(20), nullable=False)
    phone: Mapped[str | None] = mapped_column(String(20))
    date_of_birth: Mapped[date | None] = mapped_column(Date)
    address: Mapped[str | None] = mapped_column(Text)
    emergency_contact: Mapped[str | None] = mapped_column(String(100))
    emergency_phone: Mapped[str | None] = mapped_column(String(20))
    medical_history: Mapped[str | None] = mapped_column(Text)
    is_email_verified: Mapped[bool] = mapped_column(
        Boolean, nullable=False, default=False, server_default=text("false")
    )
    is_active: Mapped[bool] = mapped_column(
        Boolean, nullable=False, default=True, server_default=text("true")
    )
    failed_login_attempts: Mapped[int] = mapped_column(
        Integer, nullable=False, default=0, server_default="0"
    )
    locked_until: Mapped[datetime | None] = mapped_column(UtcDateTime)
    last_login: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # Set by an admin's password reset: the user must choose a new one at next sign-in.
    must_change_password: Mapped[bool] = mapped_column(
        Boolean, nullable=False, default=False, server_default=text("false")
    )
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1, server_default="1")
    updated_by: Mapped[uuid.UUID | None] = _user_fk()
    created_at: Mapped[datetime] = _created_at()
    updated_at: Mapped[datetime] = _updated_at()

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        CheckConstraint(_in("role", ROLES), name="role"),
        CheckConstraint("failed_login_attempts >= 0", name="failed_login_attempts"),
        Index("idx_users_email", "email"),
        Index("idx_users_role", "role"),
        Index("idx_users_active", "is_active"),
        Index("idx_users_email_verified", "is_email_verified"),
        Index("idx_users_date_of_birth", "date_of_birth"),
    )


# -- patient search keys ---------------------------------------------------------------------
# The patient search (UserRepository.search_patients) matches a typed prefix against these
# keys and orders by last and first name. Each key has an index on exactly the same
# expression, so every step of the search is an index range scan, or an ordered index walk,
# on both backends. The keys compare bytewise: COLLATE "C" on PostgreSQL (an index then
# serves `key >= 'p' AND key < 'p' || U+10FFFF` and ORDER BY under any database collation)
# and SQLite's own BINARY collation. Bytewise order is also the same on both backends.
# A query must build the very same expressions (these functions), or no index applies.
_PHONE_PUNCTUATION = (" ", "-", "(", ")", "+", ".")


class Bytewise(ColumnElement[str]):
    """``expr COLLATE "C"`` on PostgreSQL; ``expr`` on SQLite, whose default is bytewise."""

    inherit_cache = True
    _traverse_internals = [("inner", InternalTraversal.dp_clauseelement)]

    def __init__(self, expression: ColumnElement[str]) -> None:
        self.inner = expression
        self.type = expression.type

    @property
    def _from_objects(self) -> list[Any]:
        return self.inner._from_objects


@compiles(Bytewise)
def _compile_bytewise(element: Bytewise, compiler: Any, **kw: Any) -> str:
    return str(compiler.process(element.inner, **kw))


@compiles(Bytewise, "postgresql")
def _compile_bytewise_pg(element: Bytewise, compiler: Any, **kw: Any) -> str:
    return f'{compiler.process(element.inner, **kw)} COLLATE "C"'


def email_key(email: Any) -> Bytewise:
    """``lower(email)``: case-insensitive look-up and prefix search of emails."""
    return Bytewise(func.lower(email))


def last_name_key(last_name: Any) -> Bytewise:
    return Bytewise(func.lower(last_name))


def first_name_key(first_name: Any) -> Bytewise:
    return Bytewise(func.lower(first_name))


def full_name_key(first_name: Any, last_name: Any) -> Bytewise:
    """``lower(first_name || ' ' || last_name)``: "maria", "maria s", "maria santos"."""
    return Bytewise(func.lower(first_name.concat(text("' '")).concat(last_name)))


def phone_digits_key(phone: Any) -> Bytewise:
    """The phone number without spaces, dashes, brackets, plus signs and dots."""
    expression: Any = phone
    for mark in _PHONE_PUNCTUATION:
        expression = func.replace(expression, text(f"'{mark}'"), text("''"))
    return Bytewise(expression)


# Emails are unique whatever their case ("Maria@x.org" and "maria@x.org" are one person).
Index("ux_users_email_lower", email_key(User.email), unique=True)
# The search's order, walked from the start or from a last-name prefix.
Index(
    "idx_users_last_first_lower",
    last_name_key(User.last_name),
    first_name_key(User.first_name),
    User.id,
)
Index("idx_users_full_name_lower", full_name_key(User.first_name, User.last_name))
Index("idx_users_phone_digits", phone_digits_key(User.phone))


class Appointment(Base):
    __tablename__ = "appointments"

    id: Mapped[uuid.UUID] = _uuid_pk()
    patient_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("users.id"))
    patient_name: Mapped[str] = mapped_column(String(200), nullable=False)
    patient_email: Mapped[str] = mapped_column(String(255), nullable=False)
    patient_phone: Mapped[str | None] = mapped_column(String(20))
    dentist_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("users.id"))
    appointment_date: Mapped[date] = mapped_column(Date, nullable=False)
    appointment_time: Mapped[time] = mapped_column(ClockTime, nullable=False)
    duration: Mapped[int] = mapped_column(Integer, nullable=False, default=60, server_default="60")
    service_requested: Mapped[str | None] = mapped_column(Text)
    reason: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(
        String(20), nullable=False, default="pending", server_default="pending"
    )
    type: Mapped[str] = mapped_column(
        String(20), nullable=False, default="regular", server_default="regular"
    )
    treatment_notes: Mapped[str | None] = mapped_column(Text)
    cancellation_reason: Mapped[str | None] = mapped_column(Text)
    cancelled_by: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("users.id"))
    confirmed_by: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("users.id"))
    completed_by: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("users.id"))
    created_by: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("users.id"))
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1, server_default="1")
    updated_by: Mapped[uuid.UUID | None] = _user_fk()
    created_at: Mapped[datetime] = _created_at()
    updated_at: Mapped[datetime] = _updated_at()

    __mapper_args__ = {"version_id_col": version}
    # Departure: no CHECK (appointment_date >= CURRENT_DATE); "not in the past" is a
    # booking rule in the service. The overlap rule is in the service and, on
    # PostgreSQL, an exclusion constraint added by the migration.
    __table_args__ = (
        CheckConstraint(_in("status", APPOINTMENT_STATUSES), name="status"),
        CheckConstraint(_in("type", APPOINTMENT_TYPES), name="type"),
        CheckConstraint(
            "appointment_time >= '09:00:00' AND appointment_time <= '18:00:00'",
            name="valid_appointment_time",
        ),
        CheckConstraint("duration >= 1 AND duration <= 480", name="valid_duration"),
        Index("idx_appointments_patient", "patient_id"),
        Index("idx_appointments_dentist", "dentist_id"),
        Index("idx_appointments_date", "appointment_date"),
        Index("idx_appointments_status", "status"),
        Index("idx_appointments_patient_email", "patient_email"),
        Index("idx_appointments_date_status", "appointment_date", "status"),
        # The day and week views and the conflict check ask by dentist and date.
        Index("idx_appointments_dentist_date", "dentist_id", "appointment_date"),
        Index("idx_appointments_patient_date", "patient_id", "appointment_date"),
    )


class Service(Base):
    __tablename__ = "services"

    id: Mapped[uuid.UUID] = _uuid_pk()
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    description: Mapped[str | None] = mapped_column(Text)
    category: Mapped[str] = mapped_column(String(100), nullable=False)
    price: Mapped[Decimal] = mapped_column(Decimal2(10), nullable=False)
    duration: Mapped[int] = mapped_column(Integer, nullable=False)
    pricing_model: Mapped[str] = mapped_column(
        String(30), nullable=False, default="Per Session", server_default="Per Session"
    )
    tooth_chart_use: Mapped[str] = mapped_column(
        String(20), nullable=False, default="not needed", server_default="not needed"
    )
    is_active: Mapped[bool] = mapped_column(
        Boolean, nullable=False, default=True, server_default=text("true")
    )
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1, server_default="1")
    updated_by: Mapped[uuid.UUID | None] = _user_fk()
    created_at: Mapped[datetime] = _created_at()
    updated_at: Mapped[datetime] = _updated_at()

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        CheckConstraint(_in("pricing_model", PRICING_MODELS), name="pricing_model"),
        CheckConstraint(_in("tooth_chart_use", TOOTH_CHART_USES), name="tooth_chart_use"),
        CheckConstraint("duration > 0 AND duration <= 480", name="valid_duration"),
        CheckConstraint("price >= 0", name="price_not_negative"),
        Index("idx_services_category", "category"),
        Index("idx_services_active", "is_active"),
        Index("idx_services_pricing_model", "pricing_model"),
    )


# Two services may not share a name in any letter case (the catalogue checks it first and
# says so next to the field; this refuses what two admins saving at once would slip past).
Index("uq_services_name_lower", func.lower(Service.name), unique=True)


class InventoryItem(Base):
    __tablename__ = "inventory"

    id: Mapped[uuid.UUID] = _uuid_pk()
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    description: Mapped[str | None] = mapped_column(Text)
    category: Mapped[str] = mapped_column(String(100), nullable=False)
    current_stock: Mapped[int] = mapped_column(
        Integer, nullable=False, default=0, server_default="0"
    )
    min_stock: Mapped[int] = mapped_column(Integer, nullable=False, default=0, server_default="0")
    max_stock: Mapped[int] = mapped_column(
        Integer, nullable=False, default=100, server_default="100"
    )
    unit: Mapped[str] = mapped_column(String(50), nullable=False)
    cost_per_unit: Mapped[Decimal] = mapped_column(Decimal2(10), nullable=False)
    supplier: Mapped[str | None] = mapped_column(String(200))
    supplier_contact: Mapped[str | None] = mapped_column(String(255))
    last_restocked: Mapped[date | None] = mapped_column(Date)
    expiration_date: Mapped[date | None] = mapped_column(Date)
    storage_location: Mapped[str | None] = mapped_column(String(100))
    is_active: Mapped[bool] = mapped_column(
        Boolean, nullable=False, default=True, server_default=text("true")
    )
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1, server_default="1")
    updated_by: Mapped[uuid.UUID | None] = _user_fk()
    created_at: Mapped[datetime] = _created_at()
    updated_at: Mapped[datetime] = _updated_at()

    # Stock changes go through InventoryRepository.move_stock (a conditional UPDATE),
    # never through the ORM, so the version counter guards only the item's other fields.
    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        CheckConstraint("current_stock >= 0", name="positive_stock"),
        CheckConstraint("min_stock <= max_stock", name="valid_stock_levels"),
        CheckConstraint("min_stock >= 0", name="positive_min_stock"),
        CheckConstraint("cost_per_unit >= 0", name="cost_not_negative"),
        Index("idx_inventory_category", "category"),
        Index("idx_inventory_low_stock", "current_stock", "min_stock"),
        Index("idx_inventory_active", "is_active"),
    )


class Bill(Base):
    __tablename__ = "bills"

    id: Mapped[uuid.UUID] = _uuid_pk()
    # Departure: a human invoice number, sequential per year ("2026-000001").
    invoice_number: Mapped[str] = mapped_column(String(20), nullable=False, unique=True)
    appointment_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("appointments.id"))
    patient_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("users.id"))
    patient_name: Mapped[str] = mapped_column(String(200), nullable=False)
    patient_email: Mapped[str] = mapped_column(String(255), nullable=False)
    appointment_date: Mapped[date] = mapped_column(Date, nullable=False)
    subtotal: Mapped[Decimal] = mapped_column(Decimal2(10), nullable=False)
    tax_amount: Mapped[Decimal] = mapped_column(
        Decimal2(10), nullable=False, default=Decimal("0"), server_default="0"
    )
    discount_amount: Mapped[Decimal] = mapped_column(
        Decimal2(10), nullable=False, default=Decimal("0"), server_default="0"
    )
    discount_reason: Mapped[str | None] = mapped_column(Text)
    total_amount: Mapped[Decimal] = mapped_column(Decimal2(10), nullable=False)
    # Sum of the bill's payments, kept in the same transaction as each payment.
    amount_paid: Mapped[Decimal] = mapped_column(
        Decimal2(10), nullable=False, default=Decimal("0"), server_default="0"
    )
    status: Mapped[str] = mapped_column(
        String(20), nullable=False, default="pending", server_default="pending"
    )
    payment_method: Mapped[str | None] = mapped_column(String(50))
    payment_date: Mapped[date | None] = mapped_column(Date)
    payment_reference: Mapped[str | None] = mapped_column(String(100))
    due_date: Mapped[date | None] = mapped_column(Date)
    notes: Mapped[str | None] = mapped_column(Text)
    cancellation_reason: Mapped[str | None] = mapped_column(Text)
    generated_by: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("users.id"))
    generated_at: Mapped[datetime] = mapped_column(
        UtcDateTime, nullable=False, default=utcnow, server_default=func.now()
    )
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1, server_default="1")
    updated_by: Mapped[uuid.UUID | None] = _user_fk()
    updated_at: Mapped[datetime] = _updated_at()
    # Added later (0004), so last: the clinic's tax rate (percent) when the bill was
    # raised; edits of its lines keep it.
    tax_rate: Mapped[Decimal] = mapped_column(
        Decimal2(5), nullable=False, default=Decimal("0"), server_default="0"
    )
    # Added in 0005: the bill that replaced this cancelled one (a bill is reissued once).
    reissued_as_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("bills.id"))

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        CheckConstraint(_in("status", BILL_STATUSES), name="status"),
        CheckConstraint("total_amount >= 0", name="positive_total"),
        CheckConstraint("subtotal >= 0", name="subtotal_not_negative"),
        CheckConstraint("tax_amount >= 0", name="tax_not_negative"),
        CheckConstraint(
            "discount_amount >= 0 AND discount_amount <= subtotal", name="valid_discount"
        ),
        CheckConstraint(
            "amount_paid >= 0 AND amount_paid <= total_amount", name="valid_amount_paid"
        ),
        Index("idx_bills_patient", "patient_id"),
        Index("idx_bills_appointment", "appointment_id"),
        Index("idx_bills_status", "status"),
        Index("idx_bills_date", "appointment_date"),
        Index("idx_bills_patient_email", "patient_email"),
        # A visit has one bill that counts: the others are cancelled.
        Index(
            "uq_bills_live_appointment",
            "appointment_id",
            unique=True,
            sqlite_where=text(LIVE_BILL),
            postgresql_where=text(LIVE_BILL),
        ),
    )


class BillItem(Base):
    __tablename__ = "bill_items"

    id: Mapped[uuid.UUID] = _uuid_pk()
    bill_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("bills.id", ondelete="CASCADE"), nullable=False
    )
    service_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("services.id"))
    service_name: Mapped[str] = mapped_column(String(200), nullable=False)
    description: Mapped[str | None] = mapped_column(Text)
    pricing_model: Mapped[str] = mapped_column(String(30), nullable=False)
    quantity: Mapped[int] = mapped_column(Integer, nullable=False, default=1, server_default="1")
    unit_price: Mapped[Decimal] = mapped_column(Decimal2(10), nullable=False)
    subtotal: Mapped[Decimal] = mapped_column(Decimal2(10), nullable=False)
    teeth_treated: Mapped[list[int] | None] = mapped_column(JsonColumn)
    treatment_notes: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = _created_at()

    __table_args__ = (
        CheckConstraint("quantity >= 1", name="quantity_positive"),
        CheckConstraint("unit_price >= 0", name="unit_price_not_negative"),
        Index("idx_bill_items_bill", "bill_id"),
    )


class Payment(Base):
    """One payment towards a bill; several make it partial, reaching the total paid."""

    __tablename__ = "payments"

    id: Mapped[uuid.UUID] = _uuid_pk()
    bill_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("bills.id", ondelete="CASCADE"), nullable=False
    )
    amount: Mapped[Decimal] = mapped_column(Decimal2(10), nullable=False)
    method: Mapped[str] = mapped_column(String(50), nullable=False)
    paid_on: Mapped[date] = mapped_column(Date, nullable=False)
    reference: Mapped[str | None] = mapped_column(String(100))
    recorded_by: Mapped[uuid.UUID | None] = _user_fk()
    recorded_at: Mapped[datetime] = _created_at()

    __table_args__ = (
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint(_in("method", PAYMENT_METHODS), name="method"),
        Index("idx_payments_bill", "bill_id"),
    )


class InvoiceCounter(Base):
    """The last invoice number issued per year; incremented inside the bill's transaction."""

    __tablename__ = "invoice_counters"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last_number: Mapped[int] = mapped_column(Integer, nullable=False)

    __table_args__ = (CheckConstraint("last_number >= 0", name="last_number"),)


class InvoiceDocument(Base):
    """The PDF of an issued invoice, kept so that every reprint is the same document.

    Issuing renders the invoice twice from the same data: the original and the copy (the
    same pages marked COPY). Both are stored; a reprint hands back ``copy_pdf`` byte for
    byte. Once a bill has a document its items and discount can't change.
    """

    __tablename__ = "invoice_documents"

    bill_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("bills.id", ondelete="CASCADE"), primary_key=True
    )
    page_size: Mapped[str] = mapped_column(String(10), nullable=False)
    original_pdf: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    copy_pdf: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    issued_by: Mapped[uuid.UUID | None] = _user_fk()
    issued_at: Mapped[datetime] = _created_at()

    __table_args__ = (CheckConstraint(_in("page_size", ("A4", "Letter")), name="page_size"),)


class MedicalRecord(Base):
    __tablename__ = "medical_records"

    id: Mapped[uuid.UUID] = _uuid_pk()
    patient_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("users.id"))
    appointment_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("appointments.id"))
    file_name: Mapped[str] = mapped_column(String(255), nullable=False)
    original_file_name: Mapped[str] = mapped_column(String(255), nullable=False)
    file_type: Mapped[str] = mapped_column(String(100), nullable=False)
    file_size: Mapped[int] = mapped_column(BigInteger, nullable=False)
    file_path: Mapped[str] = mapped_column(String(500), nullable=False)
    category: Mapped[str] = mapped_column(String(50), nullable=False)
    subcategory: Mapped[str | None] = mapped_column(String(100))
    description: Mapped[str | None] = mapped_column(Text)
    access_level: Mapped[str] = mapped_column(
        String(20), nullable=False, default="staff", server_default="staff"
    )
    tags: Mapped[list[str] | None] = mapped_column(JsonColumn)
    metadata_: Mapped[dict[str, Any] | None] = mapped_column("metadata", JsonColumn)
    uploaded_by: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("users.id"))
    upload_date: Mapped[datetime] = mapped_column(
        UtcDateTime, nullable=False, default=utcnow, server_default=func.now()
    )
    is_archived: Mapped[bool] = mapped_column(
        Boolean, nullable=False, default=False, server_default=text("false")
    )

    __table_args__ = (
        CheckConstraint(_in("category", RECORD_CATEGORIES), name="category"),
        CheckConstraint(_in("access_level", ROLES), name="access_level"),
        CheckConstraint("file_size >= 0", name="file_size"),
        Index("idx_medical_records_patient", "patient_id"),
        Index("idx_medical_records_appointment", "appointment_id"),
        Index("idx_medical_records_category", "category"),
        Index("idx_medical_records_access", "access_level"),
    )


class ServiceInventoryMapping(Base):
    __tablename__ = "service_inventory_mappings"

    id: Mapped[uuid.UUID] = _uuid_pk()
    service_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("services.id", ondelete="CASCADE"), nullable=False
    )
    inventory_item_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("inventory.id"), nullable=False
    )
    quantity_used: Mapped[Decimal] = mapped_column(
        Decimal2(8), nullable=False, default=Decimal("1"), server_default="1"
    )
    per_tooth_quantity: Mapped[Decimal | None] = mapped_column(Decimal2(8))
    is_required: Mapped[bool] = mapped_column(
        Boolean, nullable=False, default=True, server_default=text("true")
    )
    alternative_items: Mapped[list[str] | None] = mapped_column(JsonColumn)
    created_at: Mapped[datetime] = _created_at()

    __table_args__ = (
        UniqueConstraint("service_id", "inventory_item_id", name="uq_service_inventory_item"),
        CheckConstraint("quantity_used >= 0", name="quantity_used"),
        CheckConstraint(
            "per_tooth_quantity IS NULL OR per_tooth_quantity >= 0", name="per_tooth_quantity"
        ),
        Index("idx_service_inventory_mappings_item", "inventory_item_id"),
    )


class AppointmentService(Base):
    __tablename__ = "appointment_services"

    id: Mapped[uuid.UUID] = _uuid_pk()
    appointment_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("appointments.id", ondelete="CASCADE"), nullable=False
    )
    service_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("services.id"))
    service_name: Mapped[str] = mapped_column(String(200), nullable=False)
    pricing_model: Mapped[str] = mapped_column(String(30), nullable=False)
    teeth_selected: Mapped[list[int] | None] = mapped_column(JsonColumn)
    # Surfaces per tooth, e.g. {"16": ["M", "O"]}; absent when the service is not surface work.
    surfaces: Mapped[dict[str, list[str]] | None] = mapped_column(JsonColumn)
    quantity: Mapped[int] = mapped_column(Integer, nullable=False, default=1, server_default="1")
    unit_price: Mapped[Decimal] = mapped_column(Decimal2(10), nullable=False)
    subtotal: Mapped[Decimal] = mapped_column(Decimal2(10), nullable=False)
    treatment_notes: Mapped[str | None] = mapped_column(Text)
    completed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = _created_at()

    __table_args__ = (
        CheckConstraint("quantity >= 1", name="quantity_positive"),
        Index("idx_appointment_services_appointment", "appointment_id"),
        Index("idx_appointment_services_service", "service_id"),
    )


class StockMovement(Base):
    __tablename__ = "stock_movements"

    id: Mapped[uuid.UUID] = _uuid_pk()
    inventory_item_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("inventory.id"), nullable=False
    )
    movement_type: Mapped[str] = mapped_column(String(20), nullable=False)
    # Signed change of stock: restocks positive, deductions negative, adjustments either.
    quantity: Mapped[int] = mapped_column(Integer, nullable=False)
    previous_stock: Mapped[int] = mapped_column(Integer, nullable=False)
    new_stock: Mapped[int] = mapped_column(Integer, nullable=False)
    unit_cost: Mapped[Decimal | None] = mapped_column(Decimal2(10))
    total_cost: Mapped[Decimal | None] = mapped_column(Decimal2(12))
    reason: Mapped[str] = mapped_column(Text, nullable=False)
    reference_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    reference_type: Mapped[str | None] = mapped_column(String(50))
    # A completion that used more than was in stock records the shortfall for review.
    needs_review: Mapped[bool] = mapped_column(
        Boolean, nullable=False, default=False, server_default=text("false")
    )
    performed_by: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("users.id"))
    timestamp: Mapped[datetime] = mapped_column(
        UtcDateTime, nullable=False, default=utcnow, server_default=func.now()
    )
    # Added later (0004), so last: of a shortfall, how many units were missing (the
    # movement itself moves nothing).
    short_by: Mapped[int | None] = mapped_column(Integer)

    # Departure: no trigger copies new_stock into inventory (it loses concurrent
    # updates); the repository moves stock with one conditional UPDATE instead.
    __table_args__ = (
        CheckConstraint(_in("movement_type", MOVEMENT_TYPES), name="movement_type"),
        CheckConstraint("new_stock >= 0 AND previous_stock >= 0", name="stock_not_negative"),
        CheckConstraint("new_stock = previous_stock + quantity", name="movement_adds_up"),
        Index("idx_stock_movements_item_time", "inventory_item_id", "timestamp"),
        Index("idx_stock_movements_time", "timestamp"),
    )


class RestockRequest(Base):
    __tablename__ = "restock_requests"

    id: Mapped[uuid.UUID] = _uuid_pk()
    inventory_item_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("inventory.id"), nullable=False
    )
    requested_quantity: Mapped[int] = mapped_column(Integer, nullable=False)
    current_stock: Mapped[int] = mapped_column(Integer, nullable=False)
    min_stock: Mapped[int] = mapped_column(Integer, nullable=False)
    urgency: Mapped[str] = mapped_column(
        String(20), nullable=False, default="medium", server_default="medium"
    )
    reason: Mapped[str] = mapped_column(Text, nullable=False)
    status: Mapped[str] = mapped_column(
        String(20), nullable=False, default="pending", server_default="pending"
    )
    requested_by: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("users.id"))
    request_date: Mapped[datetime] = mapped_column(
        UtcDateTime, nullable=False, default=utcnow, server_default=func.now()
    )
    approved_by: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("users.id"))
    approval_date: Mapped[datetime | None] = mapped_column(UtcDateTime)
    order_date: Mapped[date | None] = mapped_column(Date)
    expected_delivery: Mapped[date | None] = mapped_column(Date)
    actual_delivery: Mapped[date | None] = mapped_column(Date)
    supplier_order_id: Mapped[str | None] = mapped_column(String(100))
    notes: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1, server_default="1")
    updated_at: Mapped[datetime] = _updated_at()

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        CheckConstraint(_in("urgency", URGENCIES), name="urgency"),
        CheckConstraint(_in("status", RESTOCK_STATUSES), name="status"),
        CheckConstraint("requested_quantity > 0", name="requested_quantity"),
        Index("idx_restock_requests_item_status", "inventory_item_id", "status"),
        Index("idx_restock_requests_status", "status"),
    )


class ToothChart(Base):
    """A patient's chart: which teeth are missing, treated or disabled.

    Departure: the schema keeps this in the KV store; a chart is a clinical record, so it
    is a table here and Redis only caches it.
    """

    __tablename__ = "tooth_charts"

    id: Mapped[uuid.UUID] = _uuid_pk()
    patient_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("users.id", ondelete="CASCADE"), nullable=False, unique=True
    )
    missing_teeth: Mapped[list[int]] = mapped_column(JsonColumn, nullable=False, default=list)
    treated_teeth: Mapped[list[int]] = mapped_column(JsonColumn, nullable=False, default=list)
    disabled_teeth: Mapped[list[int]] = mapped_column(JsonColumn, nullable=False, default=list)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1, server_default="1")
    updated_by: Mapped[uuid.UUID | None] = _user_fk()
    created_at: Mapped[datetime] = _created_at()
    updated_at: Mapped[datetime] = _updated_at()

    __mapper_args__ = {"version_id_col": version}


class ToothTreatment(Base):
    """One treatment done on one or more teeth, written when a visit is completed."""

    __tablename__ = "tooth_treatments"

    id: Mapped[uuid.UUID] = _uuid_pk()
    patient_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("users.id", ondelete="CASCADE"), nullable=False
    )
    service_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("services.id"))
    service_name: Mapped[str] = mapped_column(String(200), nullable=False)
    treatment_date: Mapped[date] = mapped_column(Date, nullable=False)
    detail: Mapped[str | None] = mapped_column(Text)
    teeth_fdi: Mapped[list[int]] = mapped_column(JsonColumn, nullable=False, default=list)
    surfaces: Mapped[dict[str, list[str]] | None] = mapped_column(JsonColumn)
    appointment_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("appointments.id"))
    completed_by: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("users.id"))
    created_at: Mapped[datetime] = _created_at()

    __table_args__ = (
        Index("idx_tooth_treatments_patient_date", "patient_id", "treatment_date"),
        Index("idx_tooth_treatments_appointment", "appointment_id"),
    )


class AuditEntry(Base):
    """Who did what, when, to which record, from which workstation."""

    __tablename__ = "audit_log"

    id: Mapped[uuid.UUID] = _uuid_pk()
    at: Mapped[datetime] = mapped_column(
        UtcDateTime, nullable=False, default=utcnow, server_default=func.now()
    )
    user_id: Mapped[uuid.UUID | None] = _user_fk()
    # The email at the time, so the trail still reads after the user is renamed.
    user_email: Mapped[str | None] = mapped_column(String(255))
    workstation: Mapped[str] = mapped_column(String(100), nullable=False)
    action: Mapped[str] = mapped_column(String(60), nullable=False)
    entity: Mapped[str] = mapped_column(String(60), nullable=False)
    entity_id: Mapped[str | None] = mapped_column(String(64))
    outcome: Mapped[str] = mapped_column(
        String(20), nullable=False, default="ok", server_default="ok"
    )
    details: Mapped[dict[str, Any] | None] = mapped_column(JsonColumn)

    __table_args__ = (
        Index("idx_audit_log_at", "at"),
        Index("idx_audit_log_entity", "entity", "entity_id"),
        Index("idx_audit_log_user", "user_id"),
    )


class ClinicSettings(Base):
    """The clinic's shared settings: one row (id = 1) every workstation reads."""

    __tablename__ = "clinic_settings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False, default=1)
    clinic_name: Mapped[str] = mapped_column(
        String(200), nullable=False, default="My Dental Clinic", server_default="My Dental Clinic"
    )
    address: Mapped[str | None] = mapped_column(Text)
    phone: Mapped[str | None] = mapped_column(String(40))
    email: Mapped[str | None] = mapped_column(String(255))
    tax_id: Mapped[str | None] = mapped_column(String(60))
    # Percent, e.g. 12.00 for 12 %.
    tax_rate: Mapped[Decimal] = mapped_column(
        Decimal2(5), nullable=False, default=Decimal("0"), server_default="0"
    )
    currency: Mapped[str] = mapped_column(
        String(3), nullable=False, default="USD", server_default="USD"
    )
    invoice_footer: Mapped[str | None] = mapped_column(Text)
    payment_terms_days: Mapped[int] = mapped_column(
        Integer, nullable=False, default=30, server_default="30"
    )
    logo_png: Mapped[bytes | None] = mapped_column(LargeBinary)
    idle_lock_minutes: Mapped[int] = mapped_column(
        Integer, nullable=False, default=10, server_default="10"
    )
    schedule_grid_minutes: Mapped[int] = mapped_column(
        Integer, nullable=False, default=15, server_default="15"
    )
    # A demo database shows its sign-in credentials; a real one never does.
    is_demo: Mapped[bool] = mapped_column(
        Boolean, nullable=False, default=False, server_default=text("false")
    )
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1, server_default="1")
    updated_by: Mapped[uuid.UUID | None] = _user_fk()
    updated_at: Mapped[datetime] = _updated_at()

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        CheckConstraint("id = 1", name="single_row"),
        # Decimal2 keeps cents on SQLite, so 100 % is 10000 there.
        CheckConstraint("tax_rate >= 0 AND tax_rate <= 100", name="tax_rate").ddl_if(
            dialect="postgresql"
        ),
        CheckConstraint("tax_rate >= 0 AND tax_rate <= 10000", name="tax_rate").ddl_if(
            dialect="sqlite"
        ),
        CheckConstraint("payment_terms_days >= 0", name="payment_terms_days"),
        CheckConstraint("idle_lock_minutes >= 1", name="idle_lock_minutes"),
        CheckConstraint("schedule_grid_minutes IN (5, 10, 15)", name="schedule_grid_minutes"),
    )


# Tables whose rows carry `updated_at`; on PostgreSQL each gets the trigger.
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
