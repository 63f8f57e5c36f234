"""BillingService on both backends: the bill raised on completion, lines and discounts,
payments, overdue, cancel and reissue, the bills list, receivables ageing, a patient's
balance, optimistic locking and the audit trail."""

from __future__ import annotations

import contextlib
import itertools
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.exc import IntegrityError

from dcms_desktop.data.events import ChangeEvent
from dcms_desktop.data.models import User
from dcms_desktop.domain.enums import AppointmentStatus, BillStatus, PaymentMethod, PricingModel
from dcms_desktop.domain.errors import (
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    StaleRecordError,
    ValidationError,
)
from dcms_desktop.domain.pricing import compute_totals
from dcms_desktop.domain.readmodels.billing import BillFilter, BillView, NewBill, NewBillItem
from dcms_desktop.domain.readmodels.people import Actor
from dcms_desktop.services.audit import AuditService
from dcms_desktop.services.billing import BillingService
from dcms_desktop.services.context import ServiceContext
from dcms_desktop.services.scheduling import SchedulingService
from dcms_desktop.services.settings import SettingsService
from tests.factories import (
    CLINIC_NOW,
    Clock,
    actor_for,
    make_admin,
    make_appointment,
    make_dentist,
    make_patient,
    make_service,
    make_staff,
    write_session,
)

TODAY = CLINIC_NOW.date()  # Monday 4 March 2030
TERMS = 30


@dataclass
class Clinic:
    context: ServiceContext
    clock: Clock
    billing: BillingService
    scheduling: SchedulingService
    admin: Actor
    staff: Actor
    dentist: Actor
    reyes: User
    cruz: User
    maria: User
    jose: User
    cleaning: Any
    filling: Any
    xray: Any
    crown: Any
    events: list[ChangeEvent]
    slots: Iterator[int] = field(default_factory=itertools.count)

    def complete(
        self,
        services: list[Any],
        *,
        patient: User | None = None,
        dentist: User | None = None,
        day: date = TODAY,
    ) -> uuid.UUID:
        """A visit in progress on ``day`` with ``services``, completed by its dentist;
        returns the appointment's id."""
        with write_session(self.context.database) as s:
            appointment = make_appointment(
                s,
                patient=s.get(User, (patient or self.maria).id),
                dentist=s.get(User, (dentist or self.reyes).id),
                start=datetime.combine(day, datetime.min.time())
                + timedelta(hours=9, minutes=30 * next(self.slots)),
                status="in_progress",
                services=services,
            )
        self.scheduling.complete(self.dentist, appointment.id)
        return appointment.id

    def bill_of(self, appointment_id: uuid.UUID) -> BillView:
        found = self.billing.bill_for_appointment(self.staff, appointment_id)
        assert found is not None
        return found

    def visit_bill(self, services: list[Any] | None = None, **kwargs: Any) -> BillView:
        return self.bill_of(self.complete(services or [self.cleaning], **kwargs))

    def at(self, day: date) -> None:
        self.clock.now = datetime.combine(day, CLINIC_NOW.time()).astimezone()


@pytest.fixture
def clinic(database, service_context: ServiceContext, local_bus) -> Clinic:
    clock = Clock(CLINIC_NOW.astimezone())
    service_context.clock = clock
    events: list[ChangeEvent] = []
    local_bus.subscribe(events.append)
    with write_session(database) as s:
        admin = make_admin(s, first_name="Ada", last_name="Admin")
        staff = make_staff(s, first_name="Sam", last_name="Desk")
        reyes = make_dentist(s, first_name="Ana", last_name="Reyes")
        cruz = make_dentist(s, first_name="Luis", last_name="Cruz")
        maria = make_patient(s, first_name="Maria", last_name="Santos")
        jose = make_patient(s, first_name="Jose", last_name="Garcia")
        cleaning = make_service(s, name="Cleaning", price=Decimal("50.00"))
        filling = make_service(
            s,
            name="Filling",
            pricing_model="Per Tooth",
            tooth_chart_use="required",
            price=Decimal("85.00"),
        )
        xray = make_service(s, name="X-ray", pricing_model="Per Film", price=Decimal("25.00"))
        crown = make_service(
            s,
            name="Crown package",
            pricing_model="Per Tooth Package",
            tooth_chart_use="required",
            price=Decimal("300.00"),
        )
        s.expunge_all()
    with service_context.uow() as uow:
        settings = uow.settings.get()
        uow.settings.update(
            {"tax_rate": Decimal("12.00"), "payment_terms_days": TERMS}, settings.version, None
        )
        uow.commit()
    return Clinic(
        context=service_context,
        clock=clock,
        billing=BillingService(service_context),
        scheduling=SchedulingService(service_context),
        admin=actor_for(admin),
        staff=actor_for(staff),
        dentist=actor_for(reyes),
        reyes=reyes,
        cruz=cruz,
        maria=maria,
        jose=jose,
        cleaning=cleaning,
        filling=filling,
        xray=xray,
        crown=crown,
        events=events,
    )


def _consultation(amount: Decimal) -> NewBillItem:
    """One bill line: a consultation at ``amount``."""
    return NewBillItem(
        service_id=None,
        service_name="Consultation",
        pricing_model=PricingModel.PER_SESSION,
        quantity=1,
        unit_price=amount,
        subtotal=amount,
    )


def _store_bill(
    clinic: Clinic,
    *,
    visit: date,
    price: str = "100.00",
    patient: User | None = None,
    status: BillStatus = BillStatus.PENDING,
    due: date | None = None,
) -> BillView:
    """A bill of one line at ``price`` (12 % tax) stored straight through the repository."""
    who = patient or clinic.maria
    amount = Decimal(price)
    with clinic.context.uow() as uow:
        bill = uow.bills.add(
            NewBill(
                patient_id=who.id,
                patient_name=f"{who.first_name} {who.last_name}",
                patient_email=who.email,
                appointment_date=visit,
                totals=compute_totals([amount], tax_rate_percent=Decimal("12")),
                items=(_consultation(amount),),
                due_date=due if due is not None else visit + timedelta(days=TERMS),
                status=status,
                tax_rate=Decimal("12.00"),
            ),
            generated_by=clinic.admin.user_id,
            at=clinic.context.now(),
        )
        uow.commit()
    return bill


def _pay(clinic: Clinic, bill: BillView, amount: str, **kwargs: Any) -> BillView:
    return clinic.billing.record_payment(
        clinic.staff,
        bill.id,
        bill.version,
        amount=Decimal(amount),
        method=kwargs.pop("method", PaymentMethod.CASH),
        paid_on=kwargs.pop("paid_on", TODAY),
        **kwargs,
    )


def _bill_events(clinic: Clinic, bill_id: uuid.UUID) -> list[str]:
    return [e.action for e in clinic.events if e.entity == "bill" and e.id == str(bill_id)]


def _audit_actions(clinic: Clinic, bill_id: uuid.UUID) -> list[str]:
    entries = AuditService(clinic.context).recent(clinic.admin, entity="bill", entity_id=bill_id)
    return sorted(entry.action for entry in entries)


# -- raised on completion --------------------------------------------------------------------
def test_completing_a_visit_raises_its_bill_with_a_line_per_service_tax_and_due_date(
    clinic: Clinic,
) -> None:
    appointment_id = clinic.complete(
        [(clinic.filling, [16, 17, 26]), clinic.cleaning, clinic.xray, (clinic.crown, [36])]
    )

    bill = clinic.bill_of(appointment_id)

    assert bill.invoice_number == f"{CLINIC_NOW.astimezone().year}-000001"
    assert bill.appointment_id == appointment_id
    assert bill.patient_id == clinic.maria.id and bill.patient_name == "Maria Santos"
    assert [(i.service_name, i.quantity, i.unit_price, i.subtotal) for i in bill.items] == [
        ("Filling", 3, Decimal("85.00"), Decimal("255.00")),
        ("Cleaning", 1, Decimal("50.00"), Decimal("50.00")),
        ("X-ray", 1, Decimal("25.00"), Decimal("25.00")),
        ("Crown package", 1, Decimal("300.00"), Decimal("300.00")),
    ]
    assert bill.items[0].teeth_treated == (16, 17, 26)
    assert bill.items[3].teeth_treated == (36,)
    assert bill.items[3].pricing_model is PricingModel.PER_TOOTH_PACKAGE
    assert bill.subtotal == Decimal("630.00")
    assert bill.discount_amount == Decimal("0.00")
    assert (bill.tax_rate, bill.tax_amount) == (Decimal("12.00"), Decimal("75.60"))
    assert bill.total_amount == Decimal("705.60")
    assert bill.amount_paid == Decimal("0.00")
    assert bill.status is BillStatus.PENDING and bill.shown_status is BillStatus.PENDING
    assert bill.due_date == TODAY + timedelta(days=TERMS)
    assert bill.appointment_date == TODAY
    assert bill.is_issued is False
    assert _bill_events(clinic, bill.id) == ["created"]
    assert _audit_actions(clinic, bill.id) == ["raise_bill"]


def test_a_completion_that_fails_leaves_no_bill_and_gives_its_invoice_number_back(
    clinic: Clinic, monkeypatch: pytest.MonkeyPatch
) -> None:
    with write_session(clinic.context.database) as s:
        visit = make_appointment(
            s,
            patient=s.get(User, clinic.maria.id),
            dentist=s.get(User, clinic.reyes.id),
            start=CLINIC_NOW.replace(hour=9, minute=0),
            status="in_progress",
            services=[clinic.cleaning],
        )

    def fail_after_the_bill(*args: object) -> None:
        raise RuntimeError("the workstation lost power")

    with monkeypatch.context() as patch:
        patch.setattr(SchedulingService, "_after_change", staticmethod(fail_after_the_bill))
        with pytest.raises(RuntimeError):
            clinic.scheduling.complete(clinic.dentist, visit.id)

    assert clinic.billing.bill_for_appointment(clinic.staff, visit.id) is None
    assert clinic.billing.bills(clinic.staff, BillFilter()).count == 0
    appointment = clinic.scheduling.get_appointment(clinic.staff, visit.id)
    assert appointment.status is AppointmentStatus.IN_PROGRESS
    assert not _bill_events(clinic, visit.id)
    # The number the failed completion took is the next bill's.
    clinic.scheduling.complete(clinic.dentist, visit.id)
    assert clinic.bill_of(visit.id).invoice_number.endswith("-000001")


# -- lines ---------------------------------------------------------------------------------
def test_lines_are_added_by_pricing_model_and_removed_with_the_totals_following(
    clinic: Clinic,
) -> None:
    bill = clinic.visit_bill([clinic.cleaning])

    bill = clinic.billing.add_item(
        clinic.staff, bill.id, bill.version, service_id=clinic.filling.id, teeth=[46, 47]
    )
    bill = clinic.billing.add_item(
        clinic.staff, bill.id, bill.version, service_id=clinic.xray.id, films=3, notes=" bitewings "
    )
    bill = clinic.billing.add_item(
        clinic.staff, bill.id, bill.version, service_id=clinic.cleaning.id, sessions=2
    )

    assert [(i.service_name, i.quantity, i.subtotal) for i in bill.items] == [
        ("Cleaning", 1, Decimal("50.00")),
        ("Filling", 2, Decimal("170.00")),
        ("X-ray", 3, Decimal("75.00")),
        ("Cleaning", 2, Decimal("100.00")),
    ]
    assert bill.items[1].teeth_treated == (46, 47)
    assert bill.items[2].treatment_notes == "bitewings"
    assert (bill.subtotal, bill.tax_amount, bill.total_amount) == (
        Decimal("395.00"),
        Decimal("47.40"),
        Decimal("442.40"),
    )

    xray = bill.items[2]
    bill = clinic.billing.remove_item(clinic.staff, bill.id, bill.version, xray.id)

    assert [i.service_name for i in bill.items] == ["Cleaning", "Filling", "Cleaning"]
    assert (bill.subtotal, bill.tax_amount, bill.total_amount) == (
        Decimal("320.00"),
        Decimal("38.40"),
        Decimal("358.40"),
    )
    assert _bill_events(clinic, bill.id) == ["created"] + ["item_added"] * 3 + ["item_removed"]
    assert _audit_actions(clinic, bill.id) == sorted(
        ["raise_bill"] + ["add_bill_item"] * 3 + ["remove_bill_item"]
    )


def _change_clinic_rate(clinic: Clinic, rate: str) -> None:
    settings = SettingsService(clinic.context)
    current = settings.get(clinic.admin)
    assert settings.update(clinic.admin, {"tax_rate": rate}, current.version).tax_rate == (
        Decimal(rate)
    )


def test_a_bill_keeps_the_tax_rate_it_was_raised_with_when_the_clinic_rate_changes(
    clinic: Clinic,
) -> None:
    bill = clinic.visit_bill([clinic.cleaning])  # 50.00 at 12 %
    assert (bill.tax_rate, bill.tax_amount) == (Decimal("12.00"), Decimal("6.00"))
    _change_clinic_rate(clinic, "5")

    bill = clinic.billing.add_item(
        clinic.staff, bill.id, bill.version, service_id=clinic.xray.id, films=2
    )
    assert (bill.subtotal, bill.tax_amount, bill.total_amount) == (
        Decimal("100.00"),
        Decimal("12.00"),  # 5 % would be 5.00
        Decimal("112.00"),
    )
    bill = clinic.billing.set_discount(
        clinic.staff, bill.id, bill.version, amount=Decimal("10.00"), reason="loyalty"
    )
    assert (bill.tax_amount, bill.total_amount) == (Decimal("10.80"), Decimal("100.80"))
    bill = clinic.billing.remove_item(clinic.staff, bill.id, bill.version, bill.items[1].id)
    assert (bill.subtotal, bill.tax_amount, bill.total_amount) == (
        Decimal("50.00"),
        Decimal("4.80"),
        Decimal("44.80"),
    )
    assert bill.tax_rate == Decimal("12.00")

    # A bill raised now takes the clinic's new rate.
    later = clinic.visit_bill([clinic.cleaning], patient=clinic.jose)
    assert (later.tax_rate, later.tax_amount) == (Decimal("5.00"), Decimal("2.50"))

    # A reissue keeps the cancelled bill's rate, and its edits tax at it too.
    cancelled = clinic.billing.cancel_bill(clinic.admin, bill.id, bill.version, "wrong film")
    new = clinic.billing.reissue(clinic.admin, cancelled.id)
    assert (new.tax_rate, new.tax_amount, new.total_amount) == (
        Decimal("12.00"),
        Decimal("4.80"),
        Decimal("44.80"),
    )
    new = clinic.billing.add_item(clinic.staff, new.id, new.version, service_id=clinic.cleaning.id)
    assert (new.subtotal, new.tax_amount, new.total_amount) == (
        Decimal("100.00"),
        Decimal("10.80"),
        Decimal("100.80"),
    )


def test_a_line_needing_teeth_is_refused_without_them_and_the_bill_is_unchanged(
    clinic: Clinic,
) -> None:
    bill = clinic.visit_bill()

    with pytest.raises(ValidationError) as refused:
        clinic.billing.add_item(clinic.staff, bill.id, bill.version, service_id=clinic.filling.id)

    assert refused.value.field == "teeth"
    assert clinic.billing.bill(clinic.staff, bill.id) == bill


def test_removing_a_line_that_would_leave_the_discount_above_the_subtotal_is_refused(
    clinic: Clinic,
) -> None:
    bill = clinic.visit_bill([clinic.cleaning, clinic.xray])
    bill = clinic.billing.set_discount(
        clinic.staff, bill.id, bill.version, amount=Decimal("40.00"), reason="loyalty"
    )

    with pytest.raises(ValidationError, match="lower the discount first") as refused:
        clinic.billing.remove_item(clinic.staff, bill.id, bill.version, bill.items[0].id)

    assert refused.value.field == "items"


# -- discounts -----------------------------------------------------------------------------
def test_a_discount_is_an_amount_or_a_percentage_with_a_reason_and_taxed_after(
    clinic: Clinic,
) -> None:
    bill = clinic.visit_bill([(clinic.filling, [16, 17]), clinic.cleaning])  # 220.00

    bill = clinic.billing.set_discount(
        clinic.staff, bill.id, bill.version, amount=Decimal("20.00"), reason=" senior  citizen "
    )
    assert (bill.discount_amount, bill.discount_reason) == (Decimal("20.00"), "senior citizen")
    assert (bill.tax_amount, bill.total_amount) == (Decimal("24.00"), Decimal("224.00"))

    bill = clinic.billing.set_discount(
        clinic.staff, bill.id, bill.version, percent=Decimal("12.5"), reason="staff family"
    )
    assert bill.discount_amount == Decimal("27.50")
    assert (bill.tax_amount, bill.total_amount) == (Decimal("23.10"), Decimal("215.60"))

    bill = clinic.billing.set_discount(clinic.staff, bill.id, bill.version, reason=None)
    assert (bill.discount_amount, bill.discount_reason) == (Decimal("0.00"), None)
    assert bill.total_amount == Decimal("246.40")
    assert _bill_events(clinic, bill.id).count("discount") == 3
    assert _audit_actions(clinic, bill.id).count("set_discount") == 3


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"amount": Decimal("10.00"), "reason": "  "}, "discount_reason"),
        ({"amount": Decimal("50.01"), "reason": "too much"}, "discount"),
        ({"percent": Decimal("101"), "reason": "too much"}, "discount"),
        ({"amount": Decimal("-1.00"), "reason": "negative"}, "discount"),
        ({"amount": "ten", "reason": "words"}, "discount"),
        ({"amount": Decimal("1"), "percent": Decimal("1"), "reason": "both"}, "discount"),
    ],
)
def test_a_bad_discount_is_refused_on_its_field_and_nothing_changes(
    clinic: Clinic, kwargs: dict[str, Any], field: str
) -> None:
    bill = clinic.visit_bill([clinic.cleaning])  # 50.00

    with pytest.raises(ValidationError) as refused:
        clinic.billing.set_discount(clinic.staff, bill.id, bill.version, **kwargs)

    assert refused.value.field == field
    assert clinic.billing.bill(clinic.staff, bill.id) == bill


# -- what can't change any more ------------------------------------------------------------
def test_lines_and_discount_are_fixed_once_a_payment_is_taken(clinic: Clinic) -> None:
    bill = _pay(clinic, clinic.visit_bill(), "10.00")

    for change in (
        lambda: clinic.billing.add_item(
            clinic.staff, bill.id, bill.version, service_id=clinic.cleaning.id
        ),
        lambda: clinic.billing.remove_item(clinic.staff, bill.id, bill.version, bill.items[0].id),
        lambda: clinic.billing.set_discount(
            clinic.staff, bill.id, bill.version, amount=Decimal("1.00"), reason="late"
        ),
    ):
        with pytest.raises(ValidationError, match="cancel the bill and raise a new one"):
            change()
    assert clinic.billing.bill(clinic.staff, bill.id) == bill


def test_lines_and_discount_are_fixed_once_the_invoice_is_issued(clinic: Clinic) -> None:
    bill = clinic.visit_bill()
    with clinic.context.uow() as uow:
        uow.bills.store_document(
            bill.id,
            page_size="A4",
            original_pdf=b"%PDF original",
            copy_pdf=b"%PDF copy",
            sha256="0" * 64,
            issued_by=clinic.staff.user_id,
        )
        uow.commit()
    bill = clinic.billing.bill(clinic.staff, bill.id)
    assert bill.is_issued

    with pytest.raises(ValidationError, match=r"has been issued.*cancel the bill"):
        clinic.billing.add_item(clinic.staff, bill.id, bill.version, service_id=clinic.xray.id)
    with pytest.raises(ValidationError, match="has been issued"):
        clinic.billing.set_discount(
            clinic.staff, bill.id, bill.version, amount=Decimal("5.00"), reason="late"
        )
    # A payment is still taken on an issued invoice.
    assert _pay(clinic, bill, "5.00").status is BillStatus.PARTIAL


# -- payments ------------------------------------------------------------------------------
def test_payments_make_a_bill_partial_then_paid_and_the_bill_keeps_the_last_one(
    clinic: Clinic,
) -> None:
    bill = clinic.visit_bill([clinic.cleaning, clinic.xray])  # 75.00 + 9.00 tax = 84.00
    assert bill.total_amount == Decimal("84.00")

    bill = _pay(clinic, bill, "30.00", paid_on=TODAY - timedelta(days=1))
    assert (bill.status, bill.amount_paid, bill.balance) == (
        BillStatus.PARTIAL,
        Decimal("30.00"),
        Decimal("54.00"),
    )
    bill = _pay(
        clinic, bill, "54.00", method=PaymentMethod.CARD, reference="  VISA 4242  ", paid_on=TODAY
    )

    assert (bill.status, bill.shown_status, bill.balance) == (
        BillStatus.PAID,
        BillStatus.PAID,
        Decimal("0.00"),
    )
    assert (bill.payment_method, bill.payment_date, bill.payment_reference) == (
        PaymentMethod.CARD,
        TODAY,
        "VISA 4242",
    )
    assert [(p.amount, p.method) for p in bill.payments] == [
        (Decimal("30.00"), PaymentMethod.CASH),
        (Decimal("54.00"), PaymentMethod.CARD),
    ]
    assert _bill_events(clinic, bill.id) == ["created", "payment", "payment"]
    assert _audit_actions(clinic, bill.id) == ["raise_bill", "record_payment", "record_payment"]
    with pytest.raises(ValidationError, match="already paid in full"):
        _pay(clinic, bill, "1.00")


@pytest.mark.parametrize(
    ("amount", "kwargs", "field", "message"),
    [
        ("56.01", {}, "amount", r"more than the balance of \$56\.00"),
        ("0.00", {}, "amount", "above zero"),
        ("-5.00", {}, "amount", "above zero"),
        ("5.00", {"paid_on": TODAY + timedelta(days=1)}, "paid_on", "future"),
        ("5.00", {"method": "cheque"}, "method", "how it was paid"),
        ("5.00", {"reference": "x" * 101}, "reference", "100 characters"),
    ],
)
def test_a_bad_payment_is_refused_on_its_field_and_nothing_is_recorded(
    clinic: Clinic, amount: str, kwargs: dict[str, Any], field: str, message: str
) -> None:
    bill = clinic.visit_bill()  # 56.00

    with pytest.raises(ValidationError, match=message) as refused:
        _pay(clinic, bill, amount, **kwargs)

    assert refused.value.field == field
    assert clinic.billing.bill(clinic.staff, bill.id) == bill


# -- overdue -------------------------------------------------------------------------------
def test_an_unpaid_bill_past_its_due_date_shows_and_filters_as_overdue(clinic: Clinic) -> None:
    late = clinic.visit_bill(day=TODAY)
    paid = _pay(clinic, clinic.visit_bill(patient=clinic.jose), "56.00")
    clinic.at(TODAY + timedelta(days=TERMS))  # the due date itself: not yet overdue
    assert clinic.billing.bill(clinic.staff, late.id).shown_status is BillStatus.PENDING

    clinic.at(TODAY + timedelta(days=TERMS + 1))

    assert clinic.billing.bill(clinic.staff, late.id).shown_status is BillStatus.OVERDUE
    assert clinic.billing.bill(clinic.staff, paid.id).shown_status is BillStatus.PAID
    overdue = clinic.billing.bills(clinic.staff, BillFilter(status=BillStatus.OVERDUE))
    assert [row.id for row in overdue.rows] == [late.id]
    assert overdue.rows[0].shown_status is BillStatus.OVERDUE
    assert overdue.rows[0].status is BillStatus.PENDING
    assert clinic.billing.bills(clinic.staff, BillFilter(status=BillStatus.PENDING)).count == 0
    partly = _pay(clinic, clinic.billing.bill(clinic.staff, late.id), "6.00")
    assert (partly.status, partly.shown_status) == (BillStatus.PARTIAL, BillStatus.OVERDUE)


def test_a_bill_stored_overdue_counts_as_open_and_shows_by_the_dates(clinic: Clinic) -> None:
    stored = _store_bill(
        clinic, visit=TODAY - timedelta(days=10), status=BillStatus.OVERDUE, due=TODAY
    )

    assert clinic.billing.bill(clinic.staff, stored.id).shown_status is BillStatus.PENDING
    bill = _pay(clinic, stored, "12.00")
    assert bill.status is BillStatus.PARTIAL
    assert clinic.billing.patient_balance(clinic.staff, clinic.maria.id).open_bills == 1


# -- cancel and reissue --------------------------------------------------------------------
def test_only_an_admin_cancels_a_bill_and_only_with_a_reason(clinic: Clinic) -> None:
    bill = clinic.visit_bill()

    with pytest.raises(PermissionDeniedError):
        clinic.billing.cancel_bill(clinic.staff, bill.id, bill.version, "wrong patient")
    with pytest.raises(ValidationError) as no_reason:
        clinic.billing.cancel_bill(clinic.admin, bill.id, bill.version, "   ")
    assert no_reason.value.field == "reason"

    cancelled = clinic.billing.cancel_bill(clinic.admin, bill.id, bill.version, "wrong patient")

    assert cancelled.status is BillStatus.CANCELLED
    assert cancelled.shown_status is BillStatus.CANCELLED
    assert cancelled.cancellation_reason == "wrong patient"
    assert _bill_events(clinic, bill.id)[-1] == "cancelled"
    assert _audit_actions(clinic, bill.id) == ["cancel_bill", "raise_bill"]
    with pytest.raises(ValidationError, match="cancelled"):
        _pay(clinic, cancelled, "5.00")
    with pytest.raises(ValidationError, match="cancelled"):
        clinic.billing.add_item(
            clinic.staff, bill.id, cancelled.version, service_id=clinic.cleaning.id
        )


def test_a_reissued_bill_has_a_new_number_the_same_lines_and_the_payments_carried(
    clinic: Clinic,
) -> None:
    first = clinic.visit_bill([(clinic.filling, [16]), clinic.cleaning])  # 135 + 16.20
    first = clinic.billing.set_discount(
        clinic.admin, first.id, first.version, amount=Decimal("15.00"), reason="loyalty"
    )
    first = _pay(clinic, first, "20.00", method=PaymentMethod.CARD, reference="VISA")
    first = _pay(clinic, first, "10.00", paid_on=TODAY - timedelta(days=1))
    cancelled = clinic.billing.cancel_bill(clinic.admin, first.id, first.version, "forgot x-ray")

    new = clinic.billing.reissue(clinic.admin, cancelled.id)

    assert new.id != first.id and new.invoice_number != first.invoice_number
    assert new.appointment_id == first.appointment_id
    assert [(i.service_name, i.quantity, i.subtotal, i.teeth_treated) for i in new.items] == [
        (i.service_name, i.quantity, i.subtotal, i.teeth_treated) for i in first.items
    ]
    assert (new.subtotal, new.discount_amount, new.tax_amount, new.total_amount) == (
        first.subtotal,
        first.discount_amount,
        first.tax_amount,
        first.total_amount,
    )
    assert new.discount_reason == "loyalty"
    assert (new.status, new.amount_paid) == (BillStatus.PARTIAL, Decimal("30.00"))
    carried = f"carried from {first.invoice_number}"
    assert sorted((p.amount, p.method, p.paid_on, p.reference) for p in new.payments) == [
        (Decimal("10.00"), PaymentMethod.CASH, TODAY - timedelta(days=1), carried),
        (Decimal("20.00"), PaymentMethod.CARD, TODAY, carried),
    ]
    assert new.due_date == TODAY + timedelta(days=TERMS)
    # The cancelled bill keeps its payments; the visit's bill is now the new one.
    old = clinic.billing.bill(clinic.staff, first.id)
    assert (old.status, old.amount_paid, len(old.payments)) == (
        BillStatus.CANCELLED,
        Decimal("30.00"),
        2,
    )
    assert first.appointment_id is not None
    assert clinic.bill_of(first.appointment_id).id == new.id
    assert _bill_events(clinic, first.id)[-1] == "reissued"
    assert _bill_events(clinic, new.id) == ["created"]
    assert "reissue_bill" in _audit_actions(clinic, new.id)
    # It exists to be corrected: the forgotten line goes on, above what was carried.
    fixed = clinic.billing.add_item(clinic.staff, new.id, new.version, service_id=clinic.xray.id)
    assert fixed.total_amount == new.total_amount + Decimal("28.00")
    assert fixed.status is BillStatus.PARTIAL
    # ... but not below it.
    with pytest.raises(ValidationError, match="already paid"):
        clinic.billing.set_discount(
            clinic.staff, fixed.id, fixed.version, amount=fixed.subtotal, reason="all of it"
        )


def test_a_bill_is_reissued_once_and_only_when_cancelled(clinic: Clinic) -> None:
    bill = clinic.visit_bill()
    with pytest.raises(ValidationError, match="only a cancelled bill"):
        clinic.billing.reissue(clinic.admin, bill.id)
    cancelled = clinic.billing.cancel_bill(clinic.admin, bill.id, bill.version, "typo")
    clinic.billing.reissue(clinic.admin, cancelled.id)

    with pytest.raises(ConflictError, match="already reissued as bill"):
        clinic.billing.reissue(clinic.admin, cancelled.id)
    with pytest.raises(PermissionDeniedError):
        clinic.billing.reissue(clinic.staff, cancelled.id)


def test_two_admins_reissuing_one_bill_at_once_raise_one_new_bill(
    clinic: Clinic, database, memory_cache, local_bus
) -> None:
    """Each reissue is held, once it has read the old bill, until the other has read it
    too (or for a second at most: the other may be waiting on the old bill's row). With
    the row held, the second waits, reads the bill reissued and is refused in words."""
    bill = _pay(clinic, clinic.visit_bill([clinic.cleaning]), "20.00")
    cancelled = clinic.billing.cancel_bill(clinic.admin, bill.id, bill.version, "typo")
    admins = [
        BillingService(ServiceContext(database, memory_cache, local_bus, f"ws-{n}")) for n in (1, 2)
    ]
    start = threading.Barrier(2, timeout=20)
    both_read = threading.Barrier(2, timeout=1)
    held: set[int] = set()

    def hold_after_reading_the_old_bill(_conn, _cursor, statement, *_args) -> None:
        if "from bill_items" in statement.lower() and threading.get_ident() not in held:
            held.add(threading.get_ident())
            with contextlib.suppress(threading.BrokenBarrierError):
                both_read.wait()

    outcome: dict[int, Any] = {}

    def reissue(n: int) -> None:
        start.wait()
        try:
            outcome[n] = admins[n].reissue(clinic.admin, cancelled.id)
        except BaseException as exc:  # handed to the test thread
            outcome[n] = exc

    event.listen(database.engine, "after_cursor_execute", hold_after_reading_the_old_bill)
    try:
        threads = [threading.Thread(target=reissue, args=(n,)) for n in (0, 1)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    finally:
        event.remove(database.engine, "after_cursor_execute", hold_after_reading_the_old_bill)

    refused = [r for r in outcome.values() if isinstance(r, BaseException)]
    raised = [r for r in outcome.values() if not isinstance(r, BaseException)]
    assert len(raised) == 1 and len(refused) == 1, outcome
    assert type(refused[0]) is ConflictError, repr(refused[0])
    assert f"already reissued as bill {raised[0].invoice_number}" in refused[0].message
    live = clinic.billing.bills(clinic.staff, BillFilter(patient_id=clinic.maria.id))
    assert (live.paid, live.total) == (Decimal("20.00"), bill.total_amount)  # carried once


def test_a_bill_without_a_visit_is_reissued_once_too(clinic: Clinic) -> None:
    lone = _pay(clinic, _store_bill(clinic, visit=TODAY), "50.00")
    cancelled = clinic.billing.cancel_bill(clinic.admin, lone.id, lone.version, "typo")
    new = clinic.billing.reissue(clinic.admin, cancelled.id)

    with pytest.raises(ConflictError, match=f"already reissued as bill {new.invoice_number}"):
        clinic.billing.reissue(clinic.admin, cancelled.id)
    balance = clinic.billing.patient_balance(clinic.staff, clinic.maria.id)
    assert balance.total_paid == Decimal("50.00")  # carried once


def test_a_chain_of_reissues_carries_every_payment_from_the_newest_bill(clinic: Clinic) -> None:
    first = _pay(clinic, clinic.visit_bill([clinic.cleaning]), "20.00")  # 56.00
    first = clinic.billing.cancel_bill(clinic.admin, first.id, first.version, "wrong teeth")
    second = clinic.billing.reissue(clinic.admin, first.id)
    second = _pay(clinic, second, "36.00")
    second = clinic.billing.cancel_bill(clinic.admin, second.id, second.version, "another fix")

    # The first bill's screen, still open, offers a reissue: refused, naming its reissue.
    assert clinic.billing.bill(clinic.staff, first.id).reissued_as == second.invoice_number
    with pytest.raises(ConflictError, match=f"reissued as bill {second.invoice_number}"):
        clinic.billing.reissue(clinic.admin, first.id)
    third = clinic.billing.reissue(clinic.admin, second.id)

    assert (third.amount_paid, third.status) == (Decimal("56.00"), BillStatus.PAID)
    assert clinic.billing.patient_balance(clinic.staff, clinic.maria.id).balance == 0


def test_the_database_refuses_a_second_live_bill_for_a_visit(clinic: Clinic) -> None:
    bill = clinic.visit_bill([clinic.cleaning])
    assert bill.appointment_id is not None
    again = NewBill(
        patient_id=clinic.maria.id,
        patient_name="Maria Santos",
        patient_email=clinic.maria.email,
        appointment_date=bill.appointment_date,
        totals=compute_totals([Decimal("10.00")]),
        items=(_consultation(Decimal("10.00")),),
        appointment_id=bill.appointment_id,
    )
    with pytest.raises(IntegrityError), clinic.context.uow() as uow:
        uow.bills.add(again, generated_by=clinic.admin.user_id, at=clinic.context.now())
        uow.commit()
    # A cancelled one may sit beside it: that is how a bill is replaced.
    cancelled = clinic.billing.cancel_bill(clinic.admin, bill.id, bill.version, "typo")
    assert clinic.billing.reissue(clinic.admin, cancelled.id).appointment_id == bill.appointment_id


def test_the_list_lists_cancelled_bills_but_leaves_them_out_of_its_money(clinic: Clinic) -> None:
    bill = _pay(clinic, clinic.visit_bill([clinic.cleaning]), "20.00")  # 56.00
    cancelled = clinic.billing.cancel_bill(clinic.admin, bill.id, bill.version, "wrong service")
    clinic.billing.reissue(clinic.admin, cancelled.id)

    theirs = clinic.billing.bills(clinic.staff, BillFilter(patient_id=clinic.maria.id))
    balance = clinic.billing.patient_balance(clinic.staff, clinic.maria.id)
    assert theirs.count == 2  # both listed...
    assert (
        (theirs.total, theirs.paid, theirs.balance)
        == (  # ...the reissue counted once
            balance.total_billed,
            balance.total_paid,
            balance.balance,
        )
        == (Decimal("56.00"), Decimal("20.00"), Decimal("36.00"))
    )
    only_cancelled = clinic.billing.bills(
        clinic.staff, BillFilter(patient_id=clinic.maria.id, status=BillStatus.CANCELLED)
    )
    assert (only_cancelled.count, only_cancelled.total) == (1, Decimal("56.00"))


# -- the list ------------------------------------------------------------------------------
def test_the_list_filters_and_totals_over_every_matching_bill_not_only_those_shown(
    clinic: Clinic,
) -> None:
    a = clinic.visit_bill([clinic.cleaning], day=TODAY - timedelta(days=3))  # 56.00
    b = clinic.visit_bill([clinic.xray], day=TODAY - timedelta(days=2), dentist=clinic.cruz)
    c = clinic.visit_bill([clinic.cleaning], day=TODAY - timedelta(days=1), patient=clinic.jose)
    b = _pay(clinic, b, "10.00")  # 28.00
    lone = _store_bill(clinic, visit=TODAY, price="10.00", patient=clinic.jose)  # no visit

    everything = clinic.billing.bills(clinic.staff, BillFilter(limit=2))
    assert [row.id for row in everything.rows] == [lone.id, c.id]
    assert everything.truncated and everything.count == 4
    assert everything.total == Decimal("56.00") + Decimal("28.00") + Decimal("56.00") + Decimal(
        "11.20"
    )
    assert everything.paid == Decimal("10.00")
    assert everything.balance == everything.total - Decimal("10.00")
    assert everything.rows[1].dentist_name == "Dr Ana Reyes"
    assert everything.rows[0].dentist_name is None

    def ids(**filters: Any) -> list[uuid.UUID]:
        found = clinic.billing.bills(clinic.staff, BillFilter(**filters))
        assert found.count == len(found.rows) and not found.truncated
        return [row.id for row in found.rows]

    assert ids(patient_id=clinic.jose.id) == [lone.id, c.id]
    assert ids(dentist_id=clinic.cruz.id) == [b.id]
    assert ids(date_from=TODAY - timedelta(days=2), date_to=TODAY - timedelta(days=1)) == [
        c.id,
        b.id,
    ]
    assert ids(status=BillStatus.PARTIAL) == [b.id]
    assert ids(search="garc") == [lone.id, c.id]
    assert ids(search=clinic.maria.email.upper()) == [b.id, a.id]
    assert ids(search=a.invoice_number) == [a.id]
    assert ids(search=a.invoice_number[:5]) == [lone.id, c.id, b.id, a.id]
    assert ids(search="%") == []
    # An export takes every match, past the list's limit, in the list's order.
    assert clinic.billing.bill_ids(clinic.staff, BillFilter(limit=2)) == [
        lone.id,
        c.id,
        b.id,
        a.id,
    ]
    assert clinic.billing.bill_ids(clinic.staff, BillFilter(dentist_id=clinic.cruz.id)) == [b.id]
    one_day = clinic.billing.bills(clinic.staff, BillFilter(date_from=TODAY, date_to=TODAY))
    assert (one_day.count, one_day.total, one_day.paid) == (1, Decimal("11.20"), Decimal("0.00"))
    with pytest.raises(ValidationError) as backwards:
        clinic.billing.bills(
            clinic.staff, BillFilter(date_from=TODAY, date_to=TODAY - timedelta(1))
        )
    assert backwards.value.field == "date_to"


def test_a_bill_is_found_by_its_number_and_an_unknown_one_is_not(clinic: Clinic) -> None:
    bill = clinic.visit_bill()

    assert clinic.billing.bill_by_number(clinic.staff, f" {bill.invoice_number} ").id == bill.id
    with pytest.raises(NotFoundError):
        clinic.billing.bill_by_number(clinic.staff, "1999-000001")
    with pytest.raises(NotFoundError):
        clinic.billing.bill(clinic.staff, uuid.uuid4())


# -- receivables ---------------------------------------------------------------------------
def test_ageing_puts_each_open_balance_in_its_bucket_at_the_boundaries(clinic: Clinic) -> None:
    as_of = TODAY
    for age in (0, 30, 31, 60, 61, 90, 91, 400):
        _store_bill(clinic, visit=as_of - timedelta(days=age))  # 112.00 each
    part = _store_bill(clinic, visit=as_of - timedelta(days=45))
    _pay(clinic, part, "100.00")  # 12.00 left, 31-60
    done = _store_bill(clinic, visit=as_of - timedelta(days=10))
    _pay(clinic, done, "112.00")
    gone = _store_bill(clinic, visit=as_of - timedelta(days=10))
    clinic.billing.cancel_bill(clinic.admin, gone.id, gone.version, "duplicate")
    _store_bill(clinic, visit=as_of + timedelta(days=1))  # after the report's date

    report = clinic.billing.receivables_aging(clinic.staff, as_of)

    assert [(b.key, b.count, b.amount) for b in report.buckets] == [
        ("current", 2, Decimal("224.00")),
        ("31-60", 3, Decimal("236.00")),
        ("61-90", 2, Decimal("224.00")),
        ("over-90", 2, Decimal("224.00")),
    ]
    assert [b.label for b in report.buckets] == [
        "0\u201330 days",
        "31\u201360 days",
        "61\u201390 days",
        "Over 90 days",
    ]
    assert (report.count, report.total, report.as_of) == (9, Decimal("908.00"), as_of)
    drill = clinic.billing.receivables(clinic.staff, as_of, bucket="31\u201360 days")
    assert sorted(row.appointment_date for row in drill) == [
        as_of - timedelta(days=60),
        as_of - timedelta(days=45),
        as_of - timedelta(days=31),
    ]
    assert sum((row.balance for row in drill), Decimal(0)) == Decimal("236.00")
    assert len(clinic.billing.receivables(clinic.staff, as_of, bucket="over-90")) == 2
    assert len(clinic.billing.receivables(clinic.staff, as_of, limit=3)) == 3
    with pytest.raises(ValidationError):
        clinic.billing.receivables(clinic.staff, as_of, bucket="ancient")


def test_ageing_of_a_clinic_with_nothing_owed_is_four_empty_buckets(clinic: Clinic) -> None:
    report = clinic.billing.receivables_aging(clinic.staff)

    assert report.as_of == TODAY
    assert [(b.count, b.amount) for b in report.buckets] == [(0, Decimal("0.00"))] * 4
    assert (report.count, report.total) == (0, Decimal("0.00"))


def test_a_patients_balance_sums_their_bills_but_not_the_cancelled_ones(clinic: Clinic) -> None:
    overdue = _store_bill(clinic, visit=TODAY - timedelta(days=40))  # due 10 days ago
    _pay(clinic, overdue, "12.00")
    _store_bill(clinic, visit=TODAY)
    paid = _store_bill(clinic, visit=TODAY)
    _pay(clinic, paid, "112.00")
    gone = _store_bill(clinic, visit=TODAY)
    clinic.billing.cancel_bill(clinic.admin, gone.id, gone.version, "duplicate")
    _store_bill(clinic, visit=TODAY, patient=clinic.jose)

    balance = clinic.billing.patient_balance(clinic.staff, clinic.maria.id)

    assert balance.patient_id == clinic.maria.id
    assert balance.total_billed == Decimal("336.00")
    assert balance.total_paid == Decimal("124.00")
    assert balance.balance == Decimal("212.00")
    assert balance.open_bills == 2
    assert balance.overdue_amount == Decimal("100.00")
    nobody = clinic.billing.patient_balance(clinic.staff, uuid.uuid4())
    assert (nobody.total_billed, nobody.balance, nobody.open_bills) == (
        Decimal("0.00"),
        Decimal("0.00"),
        0,
    )


# -- optimistic locking --------------------------------------------------------------------
def test_a_change_made_on_an_old_version_is_refused_naming_who_changed_it(clinic: Clinic) -> None:
    opened = clinic.visit_bill()
    clinic.billing.set_discount(
        clinic.admin, opened.id, opened.version, amount=Decimal("5.00"), reason="loyalty"
    )

    for change in (
        lambda: _pay(clinic, opened, "5.00"),
        lambda: clinic.billing.add_item(
            clinic.staff, opened.id, opened.version, service_id=clinic.xray.id
        ),
        lambda: clinic.billing.cancel_bill(clinic.admin, opened.id, opened.version, "why"),
    ):
        with pytest.raises(StaleRecordError, match="Ada Admin changed bill") as stale:
            change()
        assert stale.value.changed_by == "Ada Admin"
    assert clinic.billing.bill(clinic.staff, opened.id).amount_paid == Decimal("0.00")
