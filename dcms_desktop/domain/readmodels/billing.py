"""Read models of bills: a bill with its items and payments, lists, receivables.

``NewBill`` and ``NewBillItem`` are the other direction: what a use case hands the bill
repository to store (totals already worked out by :mod:`dcms_desktop.domain.pricing`).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from dcms_desktop.domain.enums import BillStatus, PaymentMethod, PricingModel
from dcms_desktop.domain.pricing import BillTotals


@dataclass(frozen=True)
class BillItemView:
    id: uuid.UUID
    service_id: uuid.UUID | None
    service_name: str
    description: str | None
    pricing_model: PricingModel
    quantity: int
    unit_price: Decimal
    subtotal: Decimal
    teeth_treated: tuple[int, ...]
    treatment_notes: str | None


@dataclass(frozen=True)
class PaymentView:
    id: uuid.UUID
    amount: Decimal
    method: PaymentMethod
    paid_on: date
    reference: str | None
    recorded_by: uuid.UUID | None
    recorded_at: datetime


@dataclass(frozen=True)
class BillSummary:
    """A bill as a list shows it: no items, no payments."""

    id: uuid.UUID
    invoice_number: str
    appointment_id: uuid.UUID | None
    patient_id: uuid.UUID | None
    patient_name: str
    appointment_date: date
    total_amount: Decimal
    amount_paid: Decimal
    status: BillStatus
    due_date: date | None
    generated_at: datetime

    @property
    def balance(self) -> Decimal:
        """What is still owed."""
        return self.total_amount - self.amount_paid


@dataclass(frozen=True)
class BillView:
    """A whole bill: header, items in the order entered, payments oldest first."""

    id: uuid.UUID
    invoice_number: str
    appointment_id: uuid.UUID | None
    patient_id: uuid.UUID | None
    patient_name: str
    patient_email: str
    appointment_date: date
    subtotal: Decimal
    discount_amount: Decimal
    discount_reason: str | None
    tax_amount: Decimal
    total_amount: Decimal
    amount_paid: Decimal
    status: BillStatus
    payment_method: PaymentMethod | None
    payment_date: date | None
    payment_reference: str | None
    due_date: date | None
    notes: str | None
    cancellation_reason: str | None
    generated_by: uuid.UUID | None
    generated_at: datetime
    version: int
    updated_at: datetime
    items: tuple[BillItemView, ...]
    payments: tuple[PaymentView, ...]

    @property
    def balance(self) -> Decimal:
        return self.total_amount - self.amount_paid


@dataclass(frozen=True)
class NewBillItem:
    """One line of a bill about to be stored."""

    service_id: uuid.UUID | None
    service_name: str
    pricing_model: PricingModel
    quantity: int
    unit_price: Decimal
    subtotal: Decimal
    description: str | None = None
    teeth_treated: tuple[int, ...] = ()
    treatment_notes: str | None = None


@dataclass(frozen=True)
class NewBill:
    """A bill about to be stored; the repository gives it its invoice number."""

    patient_id: uuid.UUID | None
    patient_name: str
    patient_email: str
    appointment_date: date
    totals: BillTotals
    items: tuple[NewBillItem, ...]
    appointment_id: uuid.UUID | None = None
    discount_reason: str | None = None
    due_date: date | None = None
    notes: str | None = None
    status: BillStatus = BillStatus.PENDING


@dataclass(frozen=True)
class ReceivableRow:
    """A bill with money still owed, as the receivables list shows it."""

    bill_id: uuid.UUID
    invoice_number: str
    patient_id: uuid.UUID | None
    patient_name: str
    patient_email: str
    appointment_date: date
    due_date: date | None
    total_amount: Decimal
    amount_paid: Decimal
    status: BillStatus
    days_overdue: int

    @property
    def balance(self) -> Decimal:
        return self.total_amount - self.amount_paid


@dataclass(frozen=True)
class StoredInvoice:
    """An issued invoice's kept PDFs: the original and the copy marked COPY."""

    bill_id: uuid.UUID
    page_size: str
    original_pdf: bytes
    copy_pdf: bytes
    sha256: str
    issued_by: uuid.UUID | None
    issued_at: datetime
