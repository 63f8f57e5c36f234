"""Money is exact to the cent on both backends: stored, read back, summed and checked.

SQLite has no decimal type; ``Decimal2`` keeps INTEGER cents there, so sums are integer
sums. These tests hold both backends to Python's ``Decimal`` arithmetic.
"""

from __future__ import annotations

import random
import uuid
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, insert, select, text, type_coerce, update
from sqlalchemy.exc import IntegrityError

from dcms_desktop.data.engine import Database
from dcms_desktop.data.models import Bill, BillItem, ClinicSettings
from dcms_desktop.data.types import Decimal2

LARGEST = Decimal("99999999.99")  # NUMERIC(10, 2)


def _bill(database: Database) -> uuid.UUID:
    bill_id = uuid.uuid4()
    with database.engine.begin() as conn:
        conn.execute(
            insert(Bill),
            {
                "id": bill_id,
                "invoice_number": "2025-000001",
                "patient_name": "Maria Santos",
                "patient_email": "maria@example.org",
                "appointment_date": date(2025, 1, 10),
                "subtotal": Decimal("0"),
                "total_amount": Decimal("0"),
            },
        )
    return bill_id


def _items(bill_id: uuid.UUID, amounts: list[Decimal]) -> list[dict[str, object]]:
    return [
        {
            "bill_id": bill_id,
            "service_name": "Cleaning",
            "pricing_model": "Per Session",
            "unit_price": amount,
            "subtotal": amount,
        }
        for amount in amounts
    ]


def test_database_sum_of_100000_random_amounts_equals_the_python_sum(database: Database) -> None:
    rng = random.Random(20250110)
    amounts = [Decimal(rng.randint(1, 9_999_999_999)) / 100 for _ in range(100_000)]
    amounts[:3] = [Decimal("0.01"), LARGEST, Decimal("0.10")]
    bill_id = _bill(database)
    with database.engine.begin() as conn:
        conn.execute(insert(BillItem), _items(bill_id, amounts))

    with database.engine.connect() as conn:
        through_orm_types = conn.execute(select(func.sum(BillItem.subtotal))).scalar_one()
        hand_written = conn.execute(
            select(type_coerce(text("SUM(subtotal)"), Decimal2())).select_from(BillItem)
        ).scalar_one()
        count = conn.execute(select(func.count()).select_from(BillItem)).scalar_one()

    expected = sum(amounts, Decimal("0"))
    assert count == 100_000
    assert through_orm_types == expected
    assert hand_written == expected
    assert isinstance(through_orm_types, Decimal)
    assert through_orm_types.as_tuple().exponent == -2


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        (Decimal("0.01"), Decimal("0.01")),
        (Decimal("0.005"), Decimal("0.01")),  # half-up, not banker's rounding
        (Decimal("0.004"), Decimal("0.00")),
        (Decimal("2.675"), Decimal("2.68")),  # a binary float would make this 2.67
        (Decimal("0"), Decimal("0.00")),
        (Decimal("19.99"), Decimal("19.99")),
        (LARGEST, LARGEST),
    ],
)
def test_amounts_round_trip_to_the_cent(
    database: Database, given: Decimal, stored: Decimal
) -> None:
    bill_id = _bill(database)
    with database.engine.begin() as conn:
        conn.execute(insert(BillItem), _items(bill_id, [given]))
    with database.engine.connect() as conn:
        read = conn.execute(select(BillItem.subtotal)).scalar_one()
    assert read == stored
    assert read.as_tuple().exponent == -2


def test_tax_rate_check_bounds_the_percentage_on_both_backends(database: Database) -> None:
    # On SQLite the rate is stored in hundredths (12.50 % -> 1250): the CHECK must allow
    # that and still stop at 100 %.
    with database.write_sessions() as session:
        session.add(ClinicSettings(id=1, tax_rate=Decimal("12.50")))
        session.commit()
    with database.engine.begin() as conn:
        conn.execute(update(ClinicSettings).values(tax_rate=Decimal("100.00")))
    with pytest.raises(IntegrityError), database.engine.begin() as conn:
        conn.execute(update(ClinicSettings).values(tax_rate=Decimal("100.01")))
    with database.engine.connect() as conn:
        assert conn.execute(select(ClinicSettings.tax_rate)).scalar_one() == Decimal("100.00")
