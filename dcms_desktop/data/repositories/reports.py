"""Read-only figures from the reporting views (``revenue_summary``, ``patient_summary``).

The views sum money in the database: NUMERIC on PostgreSQL, INTEGER cents on SQLite. The
view tables of :mod:`dcms_desktop.data.views` type those sums ``Decimal2``, so both
backends hand back the same exact ``Decimal``.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Row, bindparam, select
from sqlalchemy.orm import Session

from dcms_desktop.data.views import patient_summary, revenue_summary
from dcms_desktop.domain.money import ZERO
from dcms_desktop.domain.readmodels.reports import PatientSummary, RevenueMonth

# Built once: composing a statement costs about as much as running this small query.
_REVENUE_BY_MONTH = select(revenue_summary).order_by(revenue_summary.c.month.desc())
_ONE_PATIENT = select(patient_summary).where(patient_summary.c.id == bindparam("patient_id"))


class ReportRepository:
    """Read-only figures from the reporting views."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def revenue_summary(self) -> list[RevenueMonth]:
        """Every month with bills, newest first."""
        rows = self.session.execute(_REVENUE_BY_MONTH)
        return [
            RevenueMonth(
                month=row.month,
                total_bills=int(row.total_bills),
                total_revenue=_money(row.total_revenue),
                paid_revenue=_money(row.paid_revenue),
                pending_revenue=_money(row.pending_revenue),
            )
            for row in rows
        ]

    def patient_summary(self, patient_id: uuid.UUID) -> PatientSummary | None:
        """One patient's figures, or None when there is no such patient."""
        row = self.session.execute(_ONE_PATIENT, {"patient_id": patient_id}).one_or_none()
        return None if row is None else _patient(row)


def _money(value: Any) -> Any:
    return ZERO if value is None else value


def _patient(row: Row[Any]) -> PatientSummary:
    return PatientSummary(
        patient_id=row.id,
        first_name=row.first_name,
        last_name=row.last_name,
        email=row.email,
        phone=row.phone,
        total_appointments=int(row.total_appointments),
        completed_appointments=int(row.completed_appointments),
        last_visit=row.last_visit,
        total_billed=_money(row.total_billed),
        total_paid=_money(row.total_paid),
    )
