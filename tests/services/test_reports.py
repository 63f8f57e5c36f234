"""ReportService on both backends: who may see which figures, and that they are exact."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

import pytest

from dcms_desktop.data.models import Bill, User
from dcms_desktop.domain.enums import Role
from dcms_desktop.domain.errors import NotFoundError, PermissionDeniedError
from dcms_desktop.domain.readmodels.people import Actor
from dcms_desktop.services.context import ServiceContext
from dcms_desktop.services.reports import ReportService


def _user(context: ServiceContext, role: Role) -> User:
    with context.uow() as uow:
        user = User(
            email=f"{role.value}-{uuid.uuid4().hex[:6]}@clinic.test",
            first_name="Maria",
            last_name="Santos",
            password_hash="not-a-real-hash",
            role=role.value,
        )
        uow.session.add(user)
        uow.commit()
    return user


def _actor(context: ServiceContext, role: Role) -> Actor:
    user = _user(context, role)
    return Actor(user_id=user.id, email=user.email, role=role, display_name="Someone")


def _bills(context: ServiceContext, patient: User, amounts: list[tuple[str, str, date]]) -> None:
    with context.uow() as uow:
        for total, status, day in amounts:
            uow.session.add(
                Bill(
                    invoice_number=uow.bills.next_invoice_number(day.year),
                    patient_id=patient.id,
                    patient_name="Maria Santos",
                    patient_email=patient.email,
                    appointment_date=day,
                    subtotal=Decimal(total),
                    total_amount=Decimal(total),
                    amount_paid=Decimal(total) if status == "paid" else Decimal(0),
                    status=status,
                )
            )
        uow.commit()


def test_revenue_per_month_is_exact_and_for_admins_only(service_context: ServiceContext) -> None:
    patient = _user(service_context, Role.PATIENT)
    # Ten bills of 0.10 add up to exactly 1.00 (a float sum would not).
    _bills(service_context, patient, [("0.10", "paid", date(2026, 3, d)) for d in range(1, 11)])
    _bills(service_context, patient, [("19.99", "pending", date(2026, 4, 2))])
    service = ReportService(service_context)
    for role in (Role.STAFF, Role.DENTIST, Role.PATIENT):
        with pytest.raises(PermissionDeniedError):
            service.revenue_summary(_actor(service_context, role))
    april, march = service.revenue_summary(_actor(service_context, Role.ADMIN))
    assert (april.month, april.total_bills, april.pending_revenue) == (
        date(2026, 4, 1),
        1,
        Decimal("19.99"),
    )
    assert (march.month, march.total_bills) == (date(2026, 3, 1), 10)
    assert march.total_revenue == march.paid_revenue == Decimal("1.00")
    assert march.pending_revenue == Decimal("0.00")


def test_the_front_desk_sees_a_patients_summary(service_context: ServiceContext) -> None:
    patient = _user(service_context, Role.PATIENT)
    _bills(
        service_context,
        patient,
        [("100.00", "paid", date(2026, 1, 5)), ("45.50", "pending", date(2026, 2, 5))],
    )
    summary = ReportService(service_context).patient_summary(
        _actor(service_context, Role.STAFF), patient.id
    )
    assert (summary.patient_id, summary.full_name) == (patient.id, "Maria Santos")
    assert (summary.total_billed, summary.total_paid, summary.outstanding) == (
        Decimal("145.50"),
        Decimal("100.00"),
        Decimal("45.50"),
    )


def test_a_summary_of_no_such_patient_is_not_found(service_context: ServiceContext) -> None:
    with pytest.raises(NotFoundError):
        ReportService(service_context).patient_summary(
            _actor(service_context, Role.STAFF), uuid.uuid4()
        )


def test_a_patient_account_gets_no_summary_at_a_workstation(
    service_context: ServiceContext,
) -> None:
    patient = _user(service_context, Role.PATIENT)
    actor = Actor(user_id=patient.id, email=patient.email, role=Role.PATIENT, display_name="M")
    with pytest.raises(PermissionDeniedError):
        ReportService(service_context).patient_summary(actor, patient.id)
