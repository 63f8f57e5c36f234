"""Read models of the reporting views: revenue per month, a patient's summary."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
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
