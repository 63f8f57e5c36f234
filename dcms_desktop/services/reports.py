"""Reports: revenue per month and the revenue report (admins), one patient's summary (the
front desk).

The revenue report (:meth:`ReportService.revenue_report`) sums bills over a period by the
month of the visit, with totals, per dentist and per service category, optionally for one
dentist and/or one category; it prints to PDF and exports to CSV
(:mod:`dcms_desktop.reports.revenue`). The same report comes from the Reports section and
from ``dcms report revenue``.
"""

from __future__ import annotations

import uuid
from datetime import date

from dcms_desktop.domain.errors import NotFoundError, ValidationError
from dcms_desktop.domain.money import ZERO
from dcms_desktop.domain.permissions import Action, require
from dcms_desktop.domain.readmodels.people import Actor
from dcms_desktop.domain.readmodels.reports import (
    PatientSummary,
    RevenueFigures,
    RevenueFilterOptions,
    RevenueMonth,
    RevenueMonthRow,
    RevenueReport,
)
from dcms_desktop.services.context import ServiceContext

DEFAULT_CLINIC_NAME = "My Dental Clinic"
DEFAULT_CURRENCY = "USD"
MAX_REPORT_YEARS = 30
"""A longer period is surely a typing mistake (a year 2062 for 2026)."""


class ReportService:
    """Figures from the reporting views and the revenue report."""

    def __init__(self, context: ServiceContext) -> None:
        self.context = context

    def revenue_summary(self, actor: Actor) -> list[RevenueMonth]:
        """Every month with bills, newest first (cancelled bills are not revenue)."""
        require(actor.role, Action.VIEW_REPORTS)
        with self.context.uow(write=False) as uow:
            return uow.reports.revenue_summary()

    def revenue_filter_options(self, actor: Actor | None) -> RevenueFilterOptions:
        """The dentists and service categories the revenue report can be narrowed to.
        ``actor`` None is the ``dcms`` command at the server."""
        if actor is not None:
            require(actor.role, Action.VIEW_REPORTS)
        with self.context.uow(write=False) as uow:
            return uow.reports.revenue_filter_options()

    def revenue_report(
        self,
        actor: Actor | None,
        date_from: date,
        date_to: date,
        *,
        dentist_id: uuid.UUID | None = None,
        category: str | None = None,
    ) -> RevenueReport:
        """Revenue of the bills of ``date_from``..``date_to`` (visit dates, both included)
        per month, with totals, per dentist and per category; for one dentist and/or one
        service category when given. See :class:`RevenueReport` for what is counted.
        ``actor`` None is the ``dcms`` command at the server."""
        if actor is not None:
            require(actor.role, Action.VIEW_REPORTS)
        _check_period(date_from, date_to)
        category = (category or "").strip() or None
        with self.context.uow(write=False) as uow:
            dentist_name = None
            if dentist_id is not None:
                options = uow.reports.revenue_filter_options()
                names = {d.dentist_id: d.name for d in options.dentists}
                if dentist_id not in names:
                    raise NotFoundError("That dentist no longer exists")
                dentist_name = names[dentist_id]
            settings = uow.settings.find()
            filters = {"dentist_id": dentist_id, "category": category}
            found = uow.reports.revenue_by_month(date_from, date_to, **filters)
            by_dentist = uow.reports.revenue_by_dentist(date_from, date_to, **filters)
            by_category = uow.reports.revenue_by_category(date_from, date_to, **filters)
        months = _every_month(date_from, date_to, found)
        return RevenueReport(
            clinic_name=DEFAULT_CLINIC_NAME if settings is None else settings.clinic_name,
            currency=DEFAULT_CURRENCY if settings is None else settings.currency,
            date_from=date_from,
            date_to=date_to,
            dentist_id=dentist_id,
            dentist_name=dentist_name,
            category=category,
            months=months,
            totals=RevenueFigures(
                bills=sum(m.bills for m in months),
                revenue=sum((m.revenue for m in months), start=ZERO),
                paid=sum((m.paid for m in months), start=ZERO),
            ),
            by_dentist=tuple(by_dentist),
            by_category=tuple(by_category),
            printed_at=self.context.local_now().replace(second=0, microsecond=0),
        )

    def revenue_report_pdf(
        self,
        actor: Actor | None,
        date_from: date,
        date_to: date,
        *,
        dentist_id: uuid.UUID | None = None,
        category: str | None = None,
    ) -> bytes:
        """The revenue report as an A4 PDF (see :mod:`dcms_desktop.reports.revenue`)."""
        report = self.revenue_report(
            actor, date_from, date_to, dentist_id=dentist_id, category=category
        )
        return self.render_revenue_pdf(report)

    @staticmethod
    def render_revenue_pdf(report: RevenueReport) -> bytes:
        """A revenue report already read, as an A4 PDF."""
        # ReportLab takes a third of a second to import: only when something is printed.
        from dcms_desktop.reports.revenue import render_revenue_pdf

        return render_revenue_pdf(report)

    @staticmethod
    def render_revenue_csv(report: RevenueReport) -> bytes:
        """A revenue report already read, as CSV (UTF-8, amounts as plain decimals)."""
        from dcms_desktop.reports.revenue import render_revenue_csv

        return render_revenue_csv(report)

    def patient_summary(self, actor: Actor, patient_id: uuid.UUID) -> PatientSummary:
        """Visits and money of one patient, as the patient screen's header shows them."""
        require(actor.role, Action.VIEW_PATIENTS)
        require(actor.role, Action.VIEW_BILLS)
        with self.context.uow(write=False) as uow:
            summary = uow.reports.patient_summary(patient_id)
        if summary is None:
            raise NotFoundError("That patient no longer exists")
        return summary


def _check_period(date_from: date, date_to: date) -> None:
    if date_from > date_to:
        raise ValidationError(
            f"The period ends ({date_to:%d %b %Y}) before it starts ({date_from:%d %b %Y})",
            field="date_to",
        )
    if (date_to.year - date_from.year) > MAX_REPORT_YEARS:
        raise ValidationError(
            f"A report can cover at most {MAX_REPORT_YEARS} years; check the dates",
            field="date_from",
        )


def _every_month(
    date_from: date, date_to: date, found: list[RevenueMonthRow]
) -> tuple[RevenueMonthRow, ...]:
    """Every month of the period, oldest first: those ``found`` and zeros for the others."""
    by_month = {row.month: row for row in found}
    months: list[RevenueMonthRow] = []
    year, month = date_from.year, date_from.month
    while (year, month) <= (date_to.year, date_to.month):
        first = date(year, month, 1)
        months.append(
            by_month.get(first) or RevenueMonthRow(month=first, bills=0, revenue=ZERO, paid=ZERO)
        )
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return tuple(months)
