"""Bills, bill items, payments and invoice numbers.

Invoice numbers are ``{year}-{n:06d}``, sequential per year and gapless: the counter row
of the year is incremented by one atomic upsert in the caller's transaction, so the row
stays locked until the bill commits (two workstations raising bills at once take turns)
and a bill that rolls back gives its number back.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime, timedelta

from sqlalchemy import Row, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from dcms_desktop.data.models import Bill, BillItem, InvoiceCounter, InvoiceDocument, Payment
from dcms_desktop.data.types import utcnow
from dcms_desktop.domain.enums import BillStatus, PaymentMethod, PricingModel
from dcms_desktop.domain.money import ZERO
from dcms_desktop.domain.readmodels.billing import (
    BillItemView,
    BillSummary,
    BillView,
    NewBill,
    PaymentView,
    ReceivableRow,
    StoredInvoice,
)

OPEN_BILL_STATUSES = (BillStatus.PENDING, BillStatus.PARTIAL, BillStatus.OVERDUE)
"""Statuses of bills that may still have money owed on them."""


def format_invoice_number(year: int, number: int) -> str:
    """``2026-000001``."""
    return f"{year}-{number:06d}"


class BillRepository:
    """Bills, bill items, payments and invoice numbers."""

    def __init__(self, session: Session) -> None:
        self.session = session

    # -- numbers ------------------------------------------------------------------------
    def next_invoice_number(self, year: int) -> str:
        """Take the next number of ``year`` (see module docstring); rolls back with the bill."""
        table = InvoiceCounter.__table__
        dialect = self.session.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        statement = insert(table).values(year=year, last_number=1)
        statement = statement.on_conflict_do_update(
            index_elements=[table.c.year],
            set_={"last_number": table.c.last_number + 1},
        ).returning(table.c.last_number)
        number = self.session.execute(statement).scalar_one()
        return format_invoice_number(year, number)

    # -- writing ------------------------------------------------------------------------
    def add(
        self,
        bill: NewBill,
        *,
        generated_by: uuid.UUID | None,
        at: datetime | None = None,
    ) -> BillView:
        """Store ``bill`` with its items under the next invoice number of the year ``at``."""
        lines = sum((item.subtotal for item in bill.items), start=ZERO)
        if lines != bill.totals.subtotal:
            raise ValueError(
                f"bill items add up to {lines}, but the bill's subtotal is {bill.totals.subtotal}"
            )
        now = at or utcnow()
        row = Bill(
            invoice_number=self.next_invoice_number(now.astimezone().year),
            appointment_id=bill.appointment_id,
            patient_id=bill.patient_id,
            patient_name=bill.patient_name,
            patient_email=bill.patient_email,
            appointment_date=bill.appointment_date,
            subtotal=bill.totals.subtotal,
            discount_amount=bill.totals.discount,
            discount_reason=bill.discount_reason,
            tax_amount=bill.totals.tax,
            total_amount=bill.totals.total,
            status=BillStatus(bill.status).value,
            due_date=bill.due_date,
            notes=bill.notes,
            generated_by=generated_by,
            generated_at=now,
            updated_by=generated_by,
            updated_at=now,
        )
        self.session.add(row)
        self.session.flush()
        for position, item in enumerate(bill.items):
            self.session.add(
                BillItem(
                    bill_id=row.id,
                    service_id=item.service_id,
                    service_name=item.service_name,
                    description=item.description,
                    pricing_model=PricingModel(item.pricing_model).value,
                    quantity=item.quantity,
                    unit_price=item.unit_price,
                    subtotal=item.subtotal,
                    teeth_treated=list(item.teeth_treated) or None,
                    treatment_notes=item.treatment_notes,
                    # Items keep the order they were entered in (created_at sorts them).
                    created_at=now + timedelta(microseconds=position),
                )
            )
        self.session.flush()
        view = self.get(row.id)
        assert view is not None
        return view

    # -- issued documents ---------------------------------------------------------------
    def is_issued(self, bill_id: uuid.UUID) -> bool:
        """Whether the bill's invoice has been issued (its PDF is stored)."""
        found = self.session.scalar(
            select(InvoiceDocument.bill_id).where(InvoiceDocument.bill_id == bill_id)
        )
        return found is not None

    def document(self, bill_id: uuid.UUID) -> StoredInvoice | None:
        """The stored PDFs of the bill's issued invoice, or None before it is issued."""
        row = self.session.get(InvoiceDocument, bill_id)
        if row is None:
            return None
        return StoredInvoice(
            bill_id=row.bill_id,
            page_size=row.page_size,
            original_pdf=row.original_pdf,
            copy_pdf=row.copy_pdf,
            sha256=row.sha256,
            issued_by=row.issued_by,
            issued_at=row.issued_at,
        )

    def store_document(
        self,
        bill_id: uuid.UUID,
        *,
        page_size: str,
        original_pdf: bytes,
        copy_pdf: bytes,
        sha256: str,
        issued_by: uuid.UUID | None,
        at: datetime | None = None,
    ) -> None:
        """Keep the issued invoice's PDFs (once: the primary key refuses a second issue)."""
        self.session.add(
            InvoiceDocument(
                bill_id=bill_id,
                page_size=page_size,
                original_pdf=original_pdf,
                copy_pdf=copy_pdf,
                sha256=sha256,
                issued_by=issued_by,
                issued_at=at or utcnow(),
            )
        )
        self.session.flush()

    # -- reading ------------------------------------------------------------------------
    def get(self, bill_id: uuid.UUID) -> BillView | None:
        """The whole bill with its items and payments, or None."""
        bill = self.session.get(Bill, bill_id, populate_existing=True)
        if bill is None:
            return None
        items = self.session.scalars(
            select(BillItem)
            .where(BillItem.bill_id == bill_id)
            .order_by(BillItem.created_at, BillItem.id)
        ).all()
        payments = self.session.scalars(
            select(Payment)
            .where(Payment.bill_id == bill_id)
            .order_by(Payment.paid_on, Payment.recorded_at, Payment.id)
        ).all()
        return _bill_view(bill, items, payments)

    def get_by_number(self, invoice_number: str) -> BillView | None:
        bill_id = self.session.scalar(
            select(Bill.id).where(Bill.invoice_number == invoice_number.strip())
        )
        return None if bill_id is None else self.get(bill_id)

    def for_patient(self, patient_id: uuid.UUID) -> list[BillSummary]:
        """The patient's bills, newest visit first."""
        rows = self.session.execute(
            select(*_SUMMARY_COLUMNS)
            .where(Bill.patient_id == patient_id)
            .order_by(Bill.appointment_date.desc(), Bill.invoice_number.desc())
        )
        return [_summary(row) for row in rows]

    def receivables(self, as_of: date) -> list[ReceivableRow]:
        """Bills with money still owed, oldest due first; overdue days counted at ``as_of``."""
        rows = self.session.execute(
            select(
                Bill.id,
                Bill.invoice_number,
                Bill.patient_id,
                Bill.patient_name,
                Bill.patient_email,
                Bill.appointment_date,
                Bill.due_date,
                Bill.total_amount,
                Bill.amount_paid,
                Bill.status,
            )
            .where(
                Bill.status.in_([s.value for s in OPEN_BILL_STATUSES]),
                Bill.amount_paid < Bill.total_amount,
            )
            .order_by(
                Bill.due_date.is_(None),
                Bill.due_date,
                Bill.appointment_date,
                Bill.invoice_number,
            )
        )
        return [
            ReceivableRow(
                bill_id=row.id,
                invoice_number=row.invoice_number,
                patient_id=row.patient_id,
                patient_name=row.patient_name,
                patient_email=row.patient_email,
                appointment_date=row.appointment_date,
                due_date=row.due_date,
                total_amount=row.total_amount,
                amount_paid=row.amount_paid,
                status=BillStatus(row.status),
                days_overdue=max(0, (as_of - row.due_date).days) if row.due_date else 0,
            )
            for row in rows
        ]


_SUMMARY_COLUMNS = (
    Bill.id,
    Bill.invoice_number,
    Bill.appointment_id,
    Bill.patient_id,
    Bill.patient_name,
    Bill.appointment_date,
    Bill.total_amount,
    Bill.amount_paid,
    Bill.status,
    Bill.due_date,
    Bill.generated_at,
)


def _summary(row: Row[tuple[object, ...]]) -> BillSummary:
    return BillSummary(
        id=row.id,
        invoice_number=row.invoice_number,
        appointment_id=row.appointment_id,
        patient_id=row.patient_id,
        patient_name=row.patient_name,
        appointment_date=row.appointment_date,
        total_amount=row.total_amount,
        amount_paid=row.amount_paid,
        status=BillStatus(row.status),
        due_date=row.due_date,
        generated_at=row.generated_at,
    )


def _bill_view(bill: Bill, items: Sequence[BillItem], payments: Sequence[Payment]) -> BillView:
    return BillView(
        id=bill.id,
        invoice_number=bill.invoice_number,
        appointment_id=bill.appointment_id,
        patient_id=bill.patient_id,
        patient_name=bill.patient_name,
        patient_email=bill.patient_email,
        appointment_date=bill.appointment_date,
        subtotal=bill.subtotal,
        discount_amount=bill.discount_amount,
        discount_reason=bill.discount_reason,
        tax_amount=bill.tax_amount,
        total_amount=bill.total_amount,
        amount_paid=bill.amount_paid,
        status=BillStatus(bill.status),
        payment_method=PaymentMethod(bill.payment_method) if bill.payment_method else None,
        payment_date=bill.payment_date,
        payment_reference=bill.payment_reference,
        due_date=bill.due_date,
        notes=bill.notes,
        cancellation_reason=bill.cancellation_reason,
        generated_by=bill.generated_by,
        generated_at=bill.generated_at,
        version=bill.version,
        updated_at=bill.updated_at,
        items=tuple(_item_view(item) for item in items),
        payments=tuple(_payment_view(p) for p in payments),
    )


def _item_view(item: BillItem) -> BillItemView:
    return BillItemView(
        id=item.id,
        service_id=item.service_id,
        service_name=item.service_name,
        description=item.description,
        pricing_model=PricingModel(item.pricing_model),
        quantity=item.quantity,
        unit_price=item.unit_price,
        subtotal=item.subtotal,
        teeth_treated=tuple(item.teeth_treated or ()),
        treatment_notes=item.treatment_notes,
    )


def _payment_view(payment: Payment) -> PaymentView:
    return PaymentView(
        id=payment.id,
        amount=payment.amount,
        method=PaymentMethod(payment.method),
        paid_on=payment.paid_on,
        reference=payment.reference,
        recorded_by=payment.recorded_by,
        recorded_at=payment.recorded_at,
    )
