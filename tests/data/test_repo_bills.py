"""BillRepository on both backends: invoice numbers, storing and reading bills, receivables."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import update

from dcms_desktop.data.engine import Database
from dcms_desktop.data.models import Bill, Payment, User
from dcms_desktop.data.uow import UnitOfWork
from dcms_desktop.domain.enums import BillStatus, PaymentMethod, PricingModel
from dcms_desktop.domain.pricing import compute_totals
from dcms_desktop.domain.readmodels.billing import NewBill, NewBillItem
from tests.data import stock_worker

UowFactory = Callable[..., UnitOfWork]
AT = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)


def _patient(uow: UnitOfWork, first: str = "Maria", last: str = "Santos") -> User:
    user = User(
        email=f"{uuid.uuid4().hex[:10]}@patients.test",
        first_name=first,
        last_name=last,
        password_hash="not-a-real-hash",
        role="patient",
    )
    uow.session.add(user)
    uow.session.flush()
    return user


def _new_bill(
    patient: User,
    prices: list[tuple[str, int]],
    *,
    discount: str = "0",
    tax: str = "12",
    visit: date = date(2026, 6, 15),
    due: date | None = None,
) -> NewBill:
    items = tuple(
        NewBillItem(
            service_id=None,
            service_name=f"Service {n}",
            pricing_model=PricingModel.PER_TOOTH,
            quantity=quantity,
            unit_price=Decimal(price),
            subtotal=Decimal(price) * quantity,
            teeth_treated=tuple(range(11, 11 + quantity)),
        )
        for n, (price, quantity) in enumerate(prices)
    )
    totals = compute_totals(
        [i.subtotal for i in items], discount=Decimal(discount), tax_rate_percent=Decimal(tax)
    )
    return NewBill(
        patient_id=patient.id,
        patient_name=f"{patient.first_name} {patient.last_name}",
        patient_email=patient.email,
        appointment_date=visit,
        totals=totals,
        items=items,
        due_date=due,
    )


# -- storing ---------------------------------------------------------------------------------
@pytest.mark.parametrize("tax_rate", [None, Decimal("12"), Decimal("7.5")])
def test_a_stored_bill_is_handed_back_as_it_reads_from_the_database(
    uow_factory: UowFactory, tax_rate: Decimal | None
) -> None:
    with uow_factory() as uow:
        patient = _patient(uow)
        new = _new_bill(patient, [("85.50", 2), ("450.00", 1)], discount="10", tax="7.5")
        new = NewBill(**{**new.__dict__, "tax_rate": tax_rate, "notes": "Walk-in"})
        stored = uow.bills.add(new, generated_by=None, at=AT)
        uow.commit()
    with uow_factory(write=False) as uow:
        read = uow.bills.get(stored.id)
    assert stored == read
    assert str(stored.tax_rate) == str(read.tax_rate)  # printed alike ("7.50", not "7.5")
    assert [str(i.unit_price) for i in stored.items] == [str(i.unit_price) for i in read.items]


# -- invoice numbers -----------------------------------------------------------------------
def test_invoice_numbers_run_in_sequence_per_year(uow_factory: UowFactory) -> None:
    with uow_factory() as uow:
        numbers = [uow.bills.next_invoice_number(2026) for _ in range(3)]
        other_year = uow.bills.next_invoice_number(2027)
        uow.commit()
    with uow_factory() as uow:
        numbers.append(uow.bills.next_invoice_number(2026))
        uow.commit()
    assert numbers == ["2026-000001", "2026-000002", "2026-000003", "2026-000004"]
    assert other_year == "2027-000001"


def test_a_number_taken_by_a_bill_that_rolled_back_is_given_to_the_next_bill(
    uow_factory: UowFactory,
) -> None:
    with uow_factory() as uow:
        assert uow.bills.next_invoice_number(2026) == "2026-000001"
        uow.commit()
    with uow_factory() as uow:
        assert uow.bills.next_invoice_number(2026) == "2026-000002"
        # rolled back: no commit
    with uow_factory() as uow:
        assert uow.bills.next_invoice_number(2026) == "2026-000002"


def test_invoice_numbers_from_simultaneous_workstations_are_unique_and_gapless(
    database: Database, uow_factory: UowFactory
) -> None:
    """8 processes on PostgreSQL (3 on the single-machine SQLite), each its own engine,
    take 3 numbers each at the same moment."""
    processes = 8 if database.backend == "postgresql" else 3
    outcomes = stock_worker.run_workers(["invoice", database.url, "2026", "3"], processes)
    expected = [f"2026-{n:06d}" for n in range(1, processes * 3 + 1)]
    assert sorted(outcomes) == expected, outcomes
    with uow_factory() as uow:
        assert uow.bills.next_invoice_number(2026) == f"2026-{processes * 3 + 1:06d}"


# -- storing and reading bills ----------------------------------------------------------------
def test_a_stored_bill_reads_back_with_its_items_in_order_and_exact_money(
    uow_factory: UowFactory,
) -> None:
    with uow_factory() as uow:
        patient = _patient(uow)
        new = _new_bill(patient, [("33.33", 3), ("0.01", 1), ("120.00", 2)], discount="10.00")
        stored = uow.bills.add(new, generated_by=None, at=AT)
        uow.commit()
    with uow_factory(write=False) as uow:
        bill = uow.bills.get(stored.id)
    assert bill == stored
    assert bill.invoice_number == "2026-000001"
    assert [i.service_name for i in bill.items] == ["Service 0", "Service 1", "Service 2"]
    assert [i.subtotal for i in bill.items] == [Decimal("99.99"), Decimal("0.01"), Decimal("240")]
    assert bill.items[0].teeth_treated == (11, 12, 13)
    # 340.00 - 10.00 = 330.00; 12 % tax = 39.60
    assert (bill.subtotal, bill.discount_amount, bill.tax_amount, bill.total_amount) == (
        Decimal("340.00"),
        Decimal("10.00"),
        Decimal("39.60"),
        Decimal("369.60"),
    )
    assert bill.balance == Decimal("369.60")
    assert bill.status is BillStatus.PENDING
    assert bill.payments == ()
    assert str(bill.total_amount) == "369.60"


def test_a_bill_whose_items_do_not_add_up_to_its_subtotal_is_not_stored(
    uow_factory: UowFactory,
) -> None:
    with uow_factory() as uow:
        patient = _patient(uow)
        new = _new_bill(patient, [("10.00", 1)])
        broken = NewBill(**{**new.__dict__, "items": new.items * 2})
        with pytest.raises(ValueError, match="add up"):
            uow.bills.add(broken, generated_by=None, at=AT)


def test_a_bill_reads_back_with_its_payments_oldest_first(uow_factory: UowFactory) -> None:
    with uow_factory() as uow:
        patient = _patient(uow)
        bill = uow.bills.add(_new_bill(patient, [("100.00", 1)], tax="0"), generated_by=None)
        for day, amount in ((20, "30.00"), (18, "20.00")):
            uow.session.add(
                Payment(
                    bill_id=bill.id,
                    amount=Decimal(amount),
                    method="cash",
                    paid_on=date(2026, 6, day),
                )
            )
        uow.commit()
    with uow_factory(write=False) as uow:
        payments = uow.bills.get(bill.id).payments  # type: ignore[union-attr]
    assert [(p.paid_on.day, p.amount, p.method) for p in payments] == [
        (18, Decimal("20.00"), PaymentMethod.CASH),
        (20, Decimal("30.00"), PaymentMethod.CASH),
    ]


def test_unknown_bill_is_none_and_a_bill_is_found_by_its_number(uow_factory: UowFactory) -> None:
    with uow_factory() as uow:
        stored = uow.bills.add(_new_bill(_patient(uow), [("5.00", 1)]), generated_by=None, at=AT)
        uow.commit()
    with uow_factory(write=False) as uow:
        assert uow.bills.get(uuid.uuid4()) is None
        assert uow.bills.get_by_number(" 2026-000001 ") == stored
        assert uow.bills.get_by_number("2026-000002") is None


def test_a_patients_bills_are_listed_newest_visit_first(uow_factory: UowFactory) -> None:
    with uow_factory() as uow:
        maria, other = _patient(uow), _patient(uow, "Juan", "Cruz")
        for visit in (date(2026, 1, 5), date(2026, 3, 9), date(2026, 2, 1)):
            uow.bills.add(_new_bill(maria, [("10.00", 1)], visit=visit), generated_by=None)
        uow.bills.add(_new_bill(other, [("10.00", 1)]), generated_by=None)
        uow.commit()
    with uow_factory(write=False) as uow:
        bills = uow.bills.for_patient(maria.id)
    assert [b.appointment_date.month for b in bills] == [3, 2, 1]
    assert all(b.patient_name == "Maria Santos" for b in bills)
    assert bills[0].total_amount == Decimal("11.20")


def test_receivables_are_the_open_bills_with_money_owed_oldest_due_first(
    uow_factory: UowFactory,
) -> None:
    with uow_factory() as uow:
        patient = _patient(uow)
        made = {}
        for name, due in (
            ("late", date(2026, 5, 1)),
            ("due-later", date(2026, 7, 1)),
            ("no-due", None),
            ("paid", date(2026, 4, 1)),
            ("cancelled", date(2026, 4, 1)),
            ("partial", date(2026, 6, 1)),
        ):
            made[name] = uow.bills.add(
                _new_bill(patient, [("100.00", 1)], tax="0", due=due), generated_by=None
            )
        bills = Bill.__table__
        for name, status, paid in (
            ("paid", "paid", "100.00"),
            ("cancelled", "cancelled", "0"),
            ("partial", "partial", "40.00"),
        ):
            uow.session.execute(
                update(bills)
                .where(bills.c.id == made[name].id)
                .values(status=status, amount_paid=Decimal(paid))
            )
        uow.commit()
    with uow_factory(write=False) as uow:
        rows = uow.bills.receivables(date(2026, 6, 11))
    assert [r.bill_id for r in rows] == [
        made["late"].id,
        made["partial"].id,
        made["due-later"].id,
        made["no-due"].id,
    ]
    assert [r.days_overdue for r in rows] == [41, 10, 0, 0]
    assert [r.balance for r in rows] == [Decimal("100.00"), Decimal("60.00")] + [
        Decimal("100.00")
    ] * 2
