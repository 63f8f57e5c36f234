"""The schema's three views give the same rows on SQLite and PostgreSQL.

One small clinic is written through the ORM on each backend; every view is read through
``dcms_desktop.data.views`` and compared with figures computed here in Python from the same
data, so both backends are held to the same numbers.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, time
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import Table, select
from sqlalchemy.orm import Session

from dcms_desktop.data.engine import Database
from dcms_desktop.data.models import Appointment, Bill, InventoryItem, User
from dcms_desktop.data.views import (
    low_stock_alerts,
    patient_summary,
    revenue_summary,
    view_metadata,
)


@dataclass(frozen=True)
class Visit:
    patient: str
    day: date
    status: str


@dataclass(frozen=True)
class Invoice:
    patient: str
    day: date
    total: Decimal
    paid: Decimal
    status: str
    discount: Decimal = Decimal("0")
    tax: Decimal = Decimal("0")


@dataclass(frozen=True)
class Stock:
    name: str
    current: int
    minimum: int
    cost: Decimal
    active: bool = True


PATIENTS = {
    "maria": ("Maria", "Santos", "555-0101"),
    "juan": ("Juan", "Cruz", None),
    "ana": ("Ana", "Reyes", "555-0103"),  # no visits, no bills
}

VISITS = [
    Visit("maria", date(2025, 1, 10), "completed"),
    Visit("maria", date(2025, 2, 5), "completed"),
    Visit("maria", date(2025, 3, 1), "cancelled"),
    Visit("maria", date(2025, 3, 20), "pending"),  # booked, not yet a visit
    Visit("juan", date(2025, 1, 15), "no_show"),
    Visit("juan", date(2025, 2, 11), "completed"),
]

INVOICES = [
    Invoice("maria", date(2025, 1, 10), Decimal("150.00"), Decimal("150.00"), "paid"),
    Invoice(
        "maria",
        date(2025, 2, 5),
        Decimal("80.50"),
        Decimal("30.25"),
        "partial",
        discount=Decimal("5.00"),
        tax=Decimal("10.50"),
    ),
    Invoice("maria", date(2025, 2, 20), Decimal("40.00"), Decimal("0"), "cancelled"),
    Invoice("maria", date(2025, 2, 28), Decimal("19.99"), Decimal("0"), "pending"),
    Invoice("juan", date(2025, 2, 11), Decimal("60.00"), Decimal("0"), "overdue"),
    Invoice("juan", date(2025, 1, 15), Decimal("12.34"), Decimal("0"), "pending"),
    Invoice("juan", date(2024, 12, 31), Decimal("0.01"), Decimal("0.01"), "paid"),
]

STOCK = [
    Stock("Gloves", 0, 10, Decimal("12.35")),  # critical
    Stock("Masks", 5, 10, Decimal("0.99")),  # urgent: exactly half
    Stock("Gauze", 7, 10, Decimal("3.10")),  # low
    Stock("Floss", 5, 9, Decimal("1.00")),  # low: 5 > 4.5
    Stock("Bibs", 4, 9, Decimal("0.05")),  # urgent
    Stock("Sample kit", 0, 0, Decimal("0.00")),  # critical: none left
    Stock("Burs", 11, 10, Decimal("45.00")),  # above the minimum: no alert
    Stock("Old cement", 3, 10, Decimal("9.99"), active=False),  # not stocked any more
]


def _fill(session: Session) -> dict[str, uuid.UUID]:
    ids: dict[str, uuid.UUID] = {}
    dentist = User(
        email="reyes@clinic.example",
        first_name="Rosa",
        last_name="Reyes",
        password_hash="x",
        role="dentist",
    )
    staff = User(
        email="desk@clinic.example",
        first_name="Dina",
        last_name="Desk",
        password_hash="x",
        role="staff",
    )
    session.add_all([dentist, staff])
    for key, (first, last, phone) in PATIENTS.items():
        user = User(
            email=f"{key}@example.org",
            first_name=first,
            last_name=last,
            phone=phone,
            password_hash="x",
            role="patient",
        )
        session.add(user)
        session.flush()
        ids[key] = user.id
    for visit in VISITS:
        first, last, _ = PATIENTS[visit.patient]
        session.add(
            Appointment(
                patient_id=ids[visit.patient],
                patient_name=f"{first} {last}",
                patient_email=f"{visit.patient}@example.org",
                dentist_id=dentist.id,
                appointment_date=visit.day,
                appointment_time=time(10, 0),
                status=visit.status,
            )
        )
    for number, invoice in enumerate(INVOICES, start=1):
        first, last, _ = PATIENTS[invoice.patient]
        session.add(
            Bill(
                invoice_number=f"{invoice.day.year}-{number:06d}",
                patient_id=ids[invoice.patient],
                patient_name=f"{first} {last}",
                patient_email=f"{invoice.patient}@example.org",
                appointment_date=invoice.day,
                subtotal=invoice.total + invoice.discount - invoice.tax,
                discount_amount=invoice.discount,
                tax_amount=invoice.tax,
                total_amount=invoice.total,
                amount_paid=invoice.paid,
                status=invoice.status,
            )
        )
    for item in STOCK:
        session.add(
            InventoryItem(
                name=item.name,
                category="Consumables",
                current_stock=item.current,
                min_stock=item.minimum,
                max_stock=100,
                unit="box",
                cost_per_unit=item.cost,
                is_active=item.active,
            )
        )
    session.commit()
    return ids


@pytest.fixture
def clinic(database: Database) -> dict[str, uuid.UUID]:
    with database.write_sessions() as session:
        return _fill(session)


# -- expectations, computed in Python ----------------------------------------------------------
def _expected_patient_summary(ids: dict[str, uuid.UUID]) -> dict[str, tuple[Any, ...]]:
    expected = {}
    for key, (first, last, phone) in PATIENTS.items():
        visits = [v for v in VISITS if v.patient == key]
        completed = [v.day for v in visits if v.status == "completed"]
        bills = [b for b in INVOICES if b.patient == key and b.status != "cancelled"]
        expected[key] = (
            ids[key],
            first,
            last,
            f"{key}@example.org",
            phone,
            len(visits),
            len(completed),
            max(completed, default=None),
            sum((b.total for b in bills), Decimal("0.00")),
            sum((b.paid for b in bills), Decimal("0.00")),
        )
    return expected


def _expected_revenue() -> list[tuple[Any, ...]]:
    months: dict[date, list[Invoice]] = {}
    for bill in INVOICES:
        if bill.status != "cancelled":
            months.setdefault(bill.day.replace(day=1), []).append(bill)

    def total(bills: list[Invoice], status: str | None = None) -> Decimal:
        return sum(
            (b.total for b in bills if status is None or b.status == status), Decimal("0.00")
        )

    return [
        (month, len(bills), total(bills), total(bills, "paid"), total(bills, "pending"))
        for month, bills in sorted(months.items(), reverse=True)
    ]


def _expected_alerts() -> dict[str, tuple[int, int, Decimal, str]]:
    def level(item: Stock) -> str:
        if item.current == 0:
            return "critical"
        if item.current * 2 <= item.minimum:
            return "urgent"
        return "low"

    return {
        item.name: (item.current, item.minimum, item.cost, level(item))
        for item in STOCK
        if item.active and item.current <= item.minimum
    }


# -- tests --------------------------------------------------------------------------------------
@pytest.mark.parametrize("view", list(view_metadata.tables.values()), ids=lambda v: v.name)
def test_each_view_has_exactly_the_columns_views_py_declares(
    database: Database, view: Table
) -> None:
    with database.engine.connect() as conn:
        columns = list(conn.exec_driver_sql(f"SELECT * FROM {view.name}").keys())
    assert columns == [column.name for column in view.columns]


def test_patient_summary_counts_each_patient_once_with_paid_and_billed_money(
    database: Database, clinic: dict[str, uuid.UUID]
) -> None:
    with database.read_sessions() as session:
        rows = session.execute(select(patient_summary)).all()
    by_email = {row.email.split("@")[0]: tuple(row) for row in rows}

    assert by_email == _expected_patient_summary(clinic)
    maria = by_email["maria"]
    assert maria[8] == Decimal("250.49")  # 150.00 + 80.50 + 19.99; the cancelled bill is void
    assert maria[9] == Decimal("180.25")  # payments, the partial one included
    assert maria[7] == date(2025, 2, 5)  # the pending booking in March is not a visit


def test_patient_summary_of_one_patient_is_the_same_row(
    database: Database, clinic: dict[str, uuid.UUID]
) -> None:
    query = select(patient_summary).where(patient_summary.c.id == clinic["juan"])
    with database.read_sessions() as session:
        row = session.execute(query).one()
    assert tuple(row) == _expected_patient_summary(clinic)["juan"]
    assert isinstance(row.total_billed, Decimal)


def test_low_stock_alerts_list_active_items_at_or_below_minimum_with_their_level(
    database: Database, clinic: dict[str, uuid.UUID]
) -> None:
    columns = (
        low_stock_alerts.c.name,
        low_stock_alerts.c.current_stock,
        low_stock_alerts.c.min_stock,
        low_stock_alerts.c.cost_per_unit,
        low_stock_alerts.c.alert_level,
    )
    with database.read_sessions() as session:
        rows = session.execute(select(*columns)).all()
    assert {row[0]: tuple(row[1:]) for row in rows} == _expected_alerts()


def test_revenue_summary_gives_months_as_dates_newest_first_without_cancelled_bills(
    database: Database, clinic: dict[str, uuid.UUID]
) -> None:
    with database.read_sessions() as session:
        rows = [tuple(row) for row in session.execute(select(revenue_summary)).all()]

    assert rows == _expected_revenue()
    assert all(type(row[0]) is date for row in rows)
    assert rows[0][:3] == (date(2025, 2, 1), 3, Decimal("160.49"))


def test_views_are_empty_on_an_empty_clinic(database: Database) -> None:
    with database.read_sessions() as session:
        for view in view_metadata.tables.values():
            assert session.execute(select(view)).all() == []
