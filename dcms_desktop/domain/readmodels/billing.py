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


CARRIED_PREFIX = "carried from "
"""The reference of a payment carried from a cancelled bill to its reissue."""


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
    shown_status: BillStatus | None = None
    """The status to show (``overdue`` computed at read time, see :func:`shown_status`);
    filled in by the billing service, None from a bare repository read."""
    is_issued: bool = False
    """Whether its invoice has been issued (printed): then its items and discount are fixed."""
    tax_rate: Decimal = Decimal("0")
    """The tax rate (percent) the bill was raised with: edits of its lines and discount
    recompute the tax at this rate, and its invoice prints it."""
    reissued_as: str | None = None
    """The invoice number of the bill that replaced this cancelled one, once reissued."""

    @property
    def balance(self) -> Decimal:
        return self.total_amount - self.amount_paid

    @property
    def payments_taken_here(self) -> tuple[PaymentView, ...]:
        """The payments taken on this bill itself: not those carried over, when it was
        raised, from the cancelled bill it reissues. Any of them fixes its lines and
        discount; carried ones don't (correcting the bill is why it was reissued)."""
        return tuple(
            payment
            for payment in self.payments
            if not (
                (payment.reference or "").startswith(CARRIED_PREFIX)
                and payment.recorded_at == self.generated_at
            )
        )


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
    tax_rate: Decimal | None = None
    """The tax rate (percent) ``totals`` were worked out at; the bill keeps it. None: the
    clinic's current rate (what the repository stores then)."""


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


# -- the billing screens' read models -------------------------------------------------------
OPEN_STATUSES: frozenset[BillStatus] = frozenset(
    {BillStatus.PENDING, BillStatus.PARTIAL, BillStatus.OVERDUE}
)
"""Stored statuses of bills that may still have money owed on them (a stored ``overdue``,
as the demo writes it, counts as open)."""


def shown_status(
    status: BillStatus | str,
    *,
    total_amount: Decimal,
    amount_paid: Decimal,
    due_date: date | None,
    today: date,
) -> BillStatus:
    """The status a screen shows for a bill stored as ``status``, on the clinic's ``today``.

    ``overdue`` when the bill is open (pending, partial or stored overdue), still has a
    balance and its due date has passed; a stored ``overdue`` that is no longer past due
    shows as ``partial`` or ``pending`` by what was paid. Otherwise the stored status.
    The repositories compute the same thing in SQL (the list's status filter).
    """
    stored = BillStatus(status)
    if stored not in OPEN_STATUSES:
        return stored
    if amount_paid < total_amount and due_date is not None and due_date < today:
        return BillStatus.OVERDUE
    if stored is BillStatus.OVERDUE:
        return BillStatus.PARTIAL if amount_paid > 0 else BillStatus.PENDING
    return stored


@dataclass(frozen=True)
class BillFilter:
    """What the bills list is narrowed to. ``status`` is the SHOWN status (``overdue`` is
    exact: computed in the query); dates are visit dates, both included; ``search``
    matches the start of an invoice number or part of the patient's name or email."""

    status: BillStatus | None = None
    date_from: date | None = None
    date_to: date | None = None
    patient_id: uuid.UUID | None = None
    dentist_id: uuid.UUID | None = None
    search: str = ""
    limit: int = 500


@dataclass(frozen=True)
class BillListRow(BillSummary):
    """A row of the bills list: the summary, the visit's dentist and the shown status."""

    dentist_name: str | None
    shown_status: BillStatus


@dataclass(frozen=True)
class BillList:
    """The first ``limit`` bills of a filter, newest visit first, with the count and the
    money over ALL the filtered bills (``truncated`` when there are more than shown). The
    money leaves cancelled bills out, unless the filter asks for cancelled bills."""

    rows: tuple[BillListRow, ...]
    count: int
    total: Decimal
    paid: Decimal
    balance: Decimal
    truncated: bool


AGING_BUCKETS: tuple[tuple[str, str, int | None], ...] = (
    ("current", "0\u201330 days", 30),
    ("31-60", "31\u201360 days", 60),
    ("61-90", "61\u201390 days", 90),
    ("over-90", "Over 90 days", None),
)
"""The ageing buckets in order: (key, label, the oldest age in days it holds or None).
A bill's age is the days from its visit date to the report's date."""


def aging_bucket_key(bucket: str) -> str:
    """The key of an ageing bucket named by its key or its label (``ValueError`` if none)."""
    wanted = bucket.strip().casefold()
    for key, label, _ in AGING_BUCKETS:
        if wanted in (key, label.casefold()):
            return key
    raise ValueError(f"no ageing bucket {bucket!r}")


@dataclass(frozen=True)
class AgingBucket:
    """Open bills of one age range: how many, and what they still owe."""

    label: str
    count: int
    amount: Decimal
    key: str = ""


@dataclass(frozen=True)
class AgingReport:
    """Receivables by age at ``as_of``: the four buckets in order, and their sums."""

    as_of: date
    buckets: tuple[AgingBucket, ...]
    total: Decimal
    count: int


@dataclass(frozen=True)
class PatientBalance:
    """One patient's money over their bills that aren't cancelled."""

    patient_id: uuid.UUID
    total_billed: Decimal
    total_paid: Decimal
    balance: Decimal
    open_bills: int
    overdue_amount: Decimal
