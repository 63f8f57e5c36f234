"""Read models of the reports: revenue per month (view and report), a patient's summary."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal


@dataclass(frozen=True)
class RevenueMonth:
    """One month of the ``revenue_summary`` view; ``month`` is its first day."""

    month: date
    total_bills: int
    total_revenue: Decimal
    paid_revenue: Decimal
    pending_revenue: Decimal


@dataclass(frozen=True)
class PatientSummary:
    """One row of the ``patient_summary`` view."""

    patient_id: uuid.UUID
    first_name: str
    last_name: str
    email: str
    phone: str | None
    total_appointments: int
    completed_appointments: int
    last_visit: date | None
    total_billed: Decimal
    total_paid: Decimal

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def outstanding(self) -> Decimal:
        """Billed but not (fully) paid."""
        return self.total_billed - self.total_paid


# -- the revenue report ------------------------------------------------------------------------
@dataclass(frozen=True)
class RevenueFigures:
    """Bills, revenue, paid and pending of one line of the revenue report.

    ``revenue`` is what was billed (cancelled bills left out), ``paid`` what of it has
    been paid, ``pending`` the rest. When the report is about service categories, the
    figures are those of the bill lines instead (see :class:`RevenueReport`).
    """

    bills: int
    revenue: Decimal
    paid: Decimal

    @property
    def pending(self) -> Decimal:
        """Billed, not (yet) paid."""
        return self.revenue - self.paid


@dataclass(frozen=True, kw_only=True)
class RevenueMonthRow(RevenueFigures):
    """One month of the revenue report; ``month`` is its first day."""

    month: date


@dataclass(frozen=True, kw_only=True)
class RevenueDentistRow(RevenueFigures):
    """One dentist's share; ``dentist_id`` None gathers bills without a dentist."""

    dentist_id: uuid.UUID | None
    dentist_name: str


@dataclass(frozen=True, kw_only=True)
class RevenueCategoryRow(RevenueFigures):
    """One service category's bill lines (before the bill's discount and tax)."""

    category: str


@dataclass(frozen=True)
class RevenueDentistOption:
    """A dentist the revenue report can be narrowed to."""

    dentist_id: uuid.UUID
    name: str
    email: str
    is_active: bool


@dataclass(frozen=True)
class RevenueFilterOptions:
    """What the revenue report's dentist and category choices offer."""

    dentists: tuple[RevenueDentistOption, ...]
    categories: tuple[str, ...]


@dataclass(frozen=True)
class RevenueReport:
    """Revenue per month of the visit date over a period, with totals, per dentist and per
    service category.

    Without a category, ``months``, ``totals`` and ``by_dentist`` count whole bills: their
    total (after discount and tax) and what has been paid of it. ``by_category`` always
    counts bill lines: a line's subtotal (before the bill's discount and tax), paid when
    its bill is paid in full; so the categories add up to the billed services, not to the
    bills' totals. With ``category`` set, every table counts only that category's lines.
    Months of the period without bills are listed with zeros, so a chart has no gaps.
    """

    clinic_name: str
    currency: str
    date_from: date
    date_to: date
    dentist_id: uuid.UUID | None
    dentist_name: str | None
    category: str | None
    months: tuple[RevenueMonthRow, ...]
    totals: RevenueFigures
    by_dentist: tuple[RevenueDentistRow, ...]
    by_category: tuple[RevenueCategoryRow, ...]
    printed_at: datetime

    @property
    def counts_lines(self) -> bool:
        """True when the figures are bill lines of one category, not whole bills."""
        return self.category is not None

    @property
    def filter_text(self) -> str:
        """ "All dentists · All categories", "Dr Ana Reyes · Orthodontics"."""
        dentist = self.dentist_name or "All dentists"
        category = self.category or "All categories"
        return f"{dentist} · {category}"
