"""ReportRepository on both backends: the views' figures equal the same sums done in Python
with Decimal, to the cent."""

from __future__ import annotations

import random
import uuid
from collections import defaultdict
from collections.abc import Callable
from datetime import date, time
from decimal import Decimal

from dcms_desktop.data.models import Appointment, Bill, User
from dcms_desktop.data.uow import UnitOfWork
from dcms_desktop.domain.money import ZERO
from dcms_desktop.domain.readmodels.reports import RevenueMonth

UowFactory = Callable[..., UnitOfWork]
STATUSES = ("pending", "paid", "partial", "overdue", "cancelled")


def _patient(uow: UnitOfWork, first: str = "Maria", last: str = "Santos") -> User:
    user = User(
        email=f"{uuid.uuid4().hex[:10]}@patients.test",
        first_name=first,
        last_name=last,
        password_hash="not-a-real-hash",
        role="patient",
        phone="+63 917 555 0101",
    )
    uow.session.add(user)
    uow.session.flush()
    return user


def _appointment(uow: UnitOfWork, patient: User, day: date, status: str) -> Appointment:
    appointment = Appointment(
        patient_id=patient.id,
        patient_name=f"{patient.first_name} {patient.last_name}",
        patient_email=patient.email,
        appointment_date=day,
        appointment_time=time(10, 0),
        duration=30,
        status=status,
    )
    uow.session.add(appointment)
    uow.session.flush()
    return appointment


def _bill(
    uow: UnitOfWork,
    patient: User,
    day: date,
    total: Decimal,
    status: str,
    paid: Decimal = ZERO,
) -> Bill:
    bill = Bill(
        invoice_number=uow.bills.next_invoice_number(day.year),
        patient_id=patient.id,
        patient_name=f"{patient.first_name} {patient.last_name}",
        patient_email=patient.email,
        appointment_date=day,
        subtotal=total,
        total_amount=total,
        amount_paid=paid,
        status=status,
    )
    uow.session.add(bill)
    uow.session.flush()
    return bill


def test_revenue_summary_equals_python_sums_per_month_newest_first(
    uow_factory: UowFactory,
) -> None:
    rng = random.Random(20260301)
    expected: dict[date, list[Decimal | int]] = defaultdict(lambda: [0, ZERO, ZERO, ZERO])
    with uow_factory() as uow:
        patient = _patient(uow)
        for _ in range(400):
            day = date(rng.choice((2025, 2026)), rng.randint(1, 12), rng.randint(1, 28))
            total = Decimal(rng.randint(1, 250_000)) / 100
            status = rng.choice(STATUSES)
            _bill(uow, patient, day, total, status)
            if status == "cancelled":
                continue  # void: not revenue
            month = expected[day.replace(day=1)]
            month[0] += 1
            month[1] += total
            month[2] += total if status == "paid" else ZERO
            month[3] += total if status == "pending" else ZERO
        uow.commit()
    with uow_factory(write=False) as uow:
        months = uow.reports.revenue_summary()
    assert months == [
        RevenueMonth(
            month=month,
            total_bills=figures[0],  # type: ignore[arg-type]
            total_revenue=figures[1],  # type: ignore[arg-type]
            paid_revenue=figures[2],  # type: ignore[arg-type]
            pending_revenue=figures[3],  # type: ignore[arg-type]
        )
        for month, figures in sorted(expected.items(), reverse=True)
    ]
    for row in months:
        assert isinstance(row.total_revenue, Decimal)
        assert row.total_revenue.as_tuple().exponent == -2


def test_revenue_summary_of_a_clinic_without_bills_is_empty(uow_factory: UowFactory) -> None:
    with uow_factory(write=False) as uow:
        assert uow.reports.revenue_summary() == []


def test_patient_summary_counts_visits_and_money_of_that_patient_only(
    uow_factory: UowFactory,
) -> None:
    with uow_factory() as uow:
        maria, juan = _patient(uow), _patient(uow, "Juan", "Cruz")
        _appointment(uow, maria, date(2026, 1, 10), "completed")
        _appointment(uow, maria, date(2026, 2, 14), "completed")
        _appointment(uow, maria, date(2026, 3, 1), "cancelled")
        _appointment(uow, maria, date(2026, 9, 1), "confirmed")
        _appointment(uow, juan, date(2026, 5, 5), "completed")
        _bill(uow, maria, date(2026, 1, 10), Decimal("150.10"), "paid", Decimal("150.10"))
        _bill(uow, maria, date(2026, 2, 14), Decimal("99.95"), "partial", Decimal("40.05"))
        _bill(uow, maria, date(2026, 3, 1), Decimal("500.00"), "cancelled")
        _bill(uow, juan, date(2026, 5, 5), Decimal("1000.00"), "paid", Decimal("1000.00"))
        uow.commit()
    with uow_factory(write=False) as uow:
        summary = uow.reports.patient_summary(maria.id)
        nobody = uow.reports.patient_summary(uuid.uuid4())
    assert summary is not None
    assert (summary.full_name, summary.email, summary.phone) == (
        "Maria Santos",
        maria.email,
        "+63 917 555 0101",
    )
    assert (summary.total_appointments, summary.completed_appointments) == (4, 2)
    assert summary.last_visit == date(2026, 2, 14)
    assert summary.total_billed == Decimal("250.05")
    assert summary.total_paid == Decimal("190.15")
    assert summary.outstanding == Decimal("59.90")
    assert nobody is None


def test_patient_summary_of_a_new_patient_is_zeros(uow_factory: UowFactory) -> None:
    with uow_factory() as uow:
        patient = _patient(uow)
        uow.commit()
    with uow_factory(write=False) as uow:
        summary = uow.reports.patient_summary(patient.id)
    assert summary is not None
    assert (summary.total_appointments, summary.last_visit) == (0, None)
    assert (summary.total_billed, summary.total_paid) == (ZERO, ZERO)
    assert isinstance(summary.total_billed, Decimal)


def test_staff_are_not_patients_in_the_patient_summary(uow_factory: UowFactory) -> None:
    with uow_factory() as uow:
        staff = User(
            email="desk@clinic.test",
            first_name="Desk",
            last_name="Person",
            password_hash="x",
            role="staff",
        )
        uow.session.add(staff)
        uow.commit()
    with uow_factory(write=False) as uow:
        assert uow.reports.patient_summary(staff.id) is None
