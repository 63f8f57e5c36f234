"""Read-only figures: the reporting views (``revenue_summary``, ``patient_summary``) and the
revenue report (per month, per dentist, per service category, over a period).

Every sum is done in the database: NUMERIC on PostgreSQL, INTEGER cents on SQLite. The
sums are typed ``Decimal2``, so both backends hand back the same exact ``Decimal``.

The revenue report's statements are built once, one per shape (grouping × filters), with
bind parameters for the period and the filters: a filter that is not used is left out of
the statement rather than written as ``(:x IS NULL OR …)``, which would keep PostgreSQL
from using the indexes on ``bills.appointment_date`` and ``appointments(dentist_id, …)``.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from sqlalchemy import (
    Date,
    Row,
    Select,
    String,
    Uuid,
    bindparam,
    case,
    distinct,
    extract,
    func,
    select,
    type_coerce,
)
from sqlalchemy.orm import Session

from dcms_desktop.data.models import Appointment, Bill, BillItem, Service, User
from dcms_desktop.data.types import Decimal2
from dcms_desktop.data.views import patient_summary, revenue_summary
from dcms_desktop.domain.enums import BillStatus, Role
from dcms_desktop.domain.money import ZERO
from dcms_desktop.domain.readmodels.people import full_name
from dcms_desktop.domain.readmodels.reports import (
    PatientSummary,
    RevenueCategoryRow,
    RevenueDentistOption,
    RevenueDentistRow,
    RevenueFilterOptions,
    RevenueMonth,
    RevenueMonthRow,
)

NO_CATEGORY = "Other"
"""The category of bill lines whose service is gone from the catalogue (or never was)."""
NO_DENTIST = "No dentist"
"""Who bills without a dentist (a bill not raised from a visit) are listed under."""

# Built once: composing a statement costs about as much as running this small query.
_REVENUE_BY_MONTH = select(revenue_summary).order_by(revenue_summary.c.month.desc())
_ONE_PATIENT = select(patient_summary).where(patient_summary.c.id == bindparam("patient_id"))


# -- the revenue report's statements -------------------------------------------------------
def _revenue_statement(group: str, *, lines: bool, dentist: bool, category: bool) -> Select[Any]:
    """Revenue of non-cancelled bills of the period, grouped by ``group`` ("month",
    "dentist" or "category").

    ``lines`` counts bill lines (their subtotal; paid when the bill is paid in full)
    instead of whole bills (total and amount paid); "category" and a category filter
    need it. ``dentist`` and ``category`` add those filters (bind parameters
    ``dentist_id`` and ``category``); the period is ``date_from``..``date_to`` inclusive.
    """
    lines = lines or category or group == "category"
    if lines:
        money = BillItem.subtotal
        paid = case((Bill.status == BillStatus.PAID.value, BillItem.subtotal), else_=0)
        bills = func.count(distinct(Bill.id))
    else:
        money, paid, bills = Bill.total_amount, Bill.amount_paid, func.count(Bill.id)
    columns: list[Any]
    if group == "month":
        year = extract("year", Bill.appointment_date)
        month = extract("month", Bill.appointment_date)
        columns = [year.label("year"), month.label("month")]
        keys: list[Any] = [year, month]
    elif group == "dentist":
        columns = [Appointment.dentist_id, User.first_name, User.last_name]
        keys = list(columns)
    else:
        label = func.coalesce(Service.category, NO_CATEGORY)
        columns, keys = [label.label("category")], [label]
    statement = select(
        *columns,
        bills.label("bills"),
        type_coerce(func.sum(money), Decimal2(14)).label("revenue"),
        type_coerce(func.sum(paid), Decimal2(14)).label("paid"),
    ).select_from(Bill)
    if lines:
        statement = statement.join(BillItem, BillItem.bill_id == Bill.id)
        statement = statement.join(Service, Service.id == BillItem.service_id, isouter=not category)
    if dentist or group == "dentist":
        statement = statement.join(
            Appointment, Appointment.id == Bill.appointment_id, isouter=not dentist
        )
    if group == "dentist":
        statement = statement.join(User, User.id == Appointment.dentist_id, isouter=True)
    statement = statement.where(
        Bill.status != BillStatus.CANCELLED.value,
        Bill.appointment_date >= bindparam("date_from", type_=Date),
        Bill.appointment_date <= bindparam("date_to", type_=Date),
    )
    if dentist:
        statement = statement.where(Appointment.dentist_id == bindparam("dentist_id", type_=Uuid))
    if category:
        statement = statement.where(Service.category == bindparam("category", type_=String))
    return statement.group_by(*keys)


# Built once: (group, lines, dentist filter, category filter) -> statement.
_REVENUE = {
    (group, lines, dentist, category): _revenue_statement(
        group, lines=lines, dentist=dentist, category=category
    )
    for group in ("month", "dentist", "category")
    for lines in (False, True)
    for dentist in (False, True)
    for category in (False, True)
}
_DENTIST_OPTIONS = (
    select(User.id, User.first_name, User.last_name, User.email, User.is_active)
    .where(User.role == Role.DENTIST.value)
    .order_by(User.is_active.desc(), User.last_name, User.first_name, User.email)
)
_CATEGORY_OPTIONS = select(Service.category).distinct().order_by(Service.category)


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

    # -- the revenue report ------------------------------------------------------------------
    def revenue_by_month(
        self,
        date_from: date,
        date_to: date,
        *,
        dentist_id: uuid.UUID | None = None,
        category: str | None = None,
    ) -> list[RevenueMonthRow]:
        """Months of the period with bills, oldest first (months without bills are left
        out). Whole bills, or with ``category`` that category's bill lines only."""
        rows = self._revenue("month", date_from, date_to, dentist_id, category)
        months = [
            RevenueMonthRow(
                month=date(int(row.year), int(row.month), 1),
                bills=int(row.bills),
                revenue=_money(row.revenue),
                paid=_money(row.paid),
            )
            for row in rows
        ]
        return sorted(months, key=lambda m: m.month)

    def revenue_by_dentist(
        self,
        date_from: date,
        date_to: date,
        *,
        dentist_id: uuid.UUID | None = None,
        category: str | None = None,
    ) -> list[RevenueDentistRow]:
        """Each dentist's revenue over the period (the dentist of the billed visit), most
        revenue first; bills without a dentist under :data:`NO_DENTIST`, last."""
        rows = self._revenue("dentist", date_from, date_to, dentist_id, category)
        found = [
            RevenueDentistRow(
                dentist_id=row.dentist_id,
                dentist_name=_dentist_name(row.first_name, row.last_name),
                bills=int(row.bills),
                revenue=_money(row.revenue),
                paid=_money(row.paid),
            )
            for row in rows
        ]
        return sorted(found, key=lambda r: (r.dentist_id is None, -r.revenue, r.dentist_name))

    def revenue_by_category(
        self,
        date_from: date,
        date_to: date,
        *,
        dentist_id: uuid.UUID | None = None,
        category: str | None = None,
    ) -> list[RevenueCategoryRow]:
        """Bill lines per service category over the period, most revenue first.

        A line counts its subtotal (before the bill's discount and tax) and is paid when
        its bill is paid in full: a payment is made to a bill, not to a line, and splitting
        part payments over lines would invent figures nobody recorded. ``bills`` counts the
        bills with at least one line of the category. Lines whose service is not in the
        catalogue count under :data:`NO_CATEGORY`.
        """
        rows = self._revenue("category", date_from, date_to, dentist_id, category)
        found = [
            RevenueCategoryRow(
                category=row.category,
                bills=int(row.bills),
                revenue=_money(row.revenue),
                paid=_money(row.paid),
            )
            for row in rows
        ]
        return sorted(found, key=lambda r: (-r.revenue, r.category))

    def revenue_filter_options(self) -> RevenueFilterOptions:
        """Every dentist (active ones first) and every service category of the catalogue."""
        dentists = tuple(
            RevenueDentistOption(
                dentist_id=row.id,
                name=_dentist_name(row.first_name, row.last_name),
                email=row.email,
                is_active=bool(row.is_active),
            )
            for row in self.session.execute(_DENTIST_OPTIONS)
        )
        categories = tuple(self.session.scalars(_CATEGORY_OPTIONS))
        return RevenueFilterOptions(dentists=dentists, categories=categories)

    def _revenue(
        self,
        group: str,
        date_from: date,
        date_to: date,
        dentist_id: uuid.UUID | None,
        category: str | None,
    ) -> list[Row[Any]]:
        key = (group, category is not None, dentist_id is not None, category is not None)
        parameters: dict[str, Any] = {"date_from": date_from, "date_to": date_to}
        if dentist_id is not None:
            parameters["dentist_id"] = dentist_id
        if category is not None:
            parameters["category"] = category
        return list(self.session.execute(_REVENUE[key], parameters))

    def patient_summary(self, patient_id: uuid.UUID) -> PatientSummary | None:
        """One patient's figures, or None when there is no such patient."""
        row = self.session.execute(_ONE_PATIENT, {"patient_id": patient_id}).one_or_none()
        return None if row is None else _patient(row)


def _money(value: Any) -> Any:
    return ZERO if value is None else value


def _dentist_name(first_name: str | None, last_name: str | None) -> str:
    """ "Dr Ana Reyes"; :data:`NO_DENTIST` when there is none."""
    if last_name is None:
        return NO_DENTIST
    return f"Dr {full_name(first_name or '', last_name)}"


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
