"""The stock report, the movements report (both as A4 PDFs) and the reconciliation check.

The same documents come from the Reports screen and from ``dcms report stock`` /
``dcms report movements``; the check from ``dcms inventory check``. All three only read.
``actor`` None is the ``dcms`` command at the server (as for the day list).

Dates are the clinic's local days: a movements report "from 1 to 7 March" covers the
movements from local midnight of the 1st up to local midnight after the 7th, whatever the
time zone the database stores the moments in.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from dcms_desktop.domain.enums import MovementType
from dcms_desktop.domain.errors import NotFoundError, ValidationError
from dcms_desktop.domain.permissions import Action, require
from dcms_desktop.domain.readmodels.inventory import ReconciliationProblem
from dcms_desktop.domain.readmodels.people import Actor
from dcms_desktop.domain.readmodels.settings import ClinicSettingsView
from dcms_desktop.domain.readmodels.stock_reports import (
    EXPIRING_DAYS,
    ExpiringLine,
    MovementsReport,
    StockCategory,
    StockLine,
    StockReport,
)
from dcms_desktop.reports.movements import render_movements_report
from dcms_desktop.reports.stock import render_stock_report
from dcms_desktop.services.context import ServiceContext

DEFAULT_CLINIC_NAME = "My Dental Clinic"
DEFAULT_CURRENCY = "USD"
MOVEMENT_ROW_LIMIT = 5000
"""At most this many movements are listed on one report (its totals still cover all)."""


@dataclass(frozen=True)
class StockCheck:
    """The outcome of the reconciliation check: every item, and those that don't add up."""

    item_count: int
    problems: tuple[ReconciliationProblem, ...]

    @property
    def clean(self) -> bool:
        return not self.problems


class StockReportService:
    """Stock reports to print, and the check that every item's movements add up."""

    def __init__(self, context: ServiceContext) -> None:
        self.context = context

    # -- the stock report ---------------------------------------------------------------
    def stock_report(self, actor: Actor | None) -> StockReport:
        """Every active item's stock and value by category as it is now, with the
        low-stock list and the stock expiring within 30 days or expired."""
        if actor is not None:
            require(actor.role, Action.VIEW_REPORTS)
        with self.context.uow(write=False) as uow:
            settings = uow.settings.find()
            lines = uow.stock_reports.stock_lines()
            low = uow.inventory.low_stock()
        printed_at = self._printed_at()
        as_of = printed_at.date()
        expiring = _expiring(lines, as_of)
        name, phone, address, currency = _clinic(settings)
        return StockReport(
            clinic_name=name,
            clinic_phone=phone,
            clinic_address=address,
            currency=currency,
            as_of=as_of,
            printed_at=printed_at,
            categories=_by_category(lines),
            low_stock=tuple(low),
            expiring=tuple(e for e in expiring if not e.expired),
            expired=tuple(sorted((e for e in expiring if e.expired), key=_longest_expired)),
        )

    def stock_report_pdf(self, actor: Actor | None) -> bytes:
        """The stock report as an A4 PDF (see :mod:`dcms_desktop.reports.stock`)."""
        return self.render_stock_pdf(self.stock_report(actor))

    @staticmethod
    def render_stock_pdf(data: StockReport) -> bytes:
        """A stock report already read, as an A4 PDF."""
        return render_stock_report(data)

    # -- the movements report -----------------------------------------------------------
    def movements_report(
        self,
        actor: Actor | None,
        date_from: date,
        date_to: date,
        *,
        item_id: uuid.UUID | None = None,
        movement_type: MovementType | str | None = None,
    ) -> MovementsReport:
        """The stock movements of the local days ``date_from`` to ``date_to`` (both
        included), optionally of one item or one movement type, with totals per type."""
        if actor is not None:
            require(actor.role, Action.VIEW_REPORTS)
        if date_to < date_from:
            raise ValidationError("The last day can't be before the first day", field="date_to")
        kind = None if movement_type in (None, "") else MovementType(movement_type)
        start = _local_midnight(date_from)
        end = _local_midnight(date_to + timedelta(days=1))
        with self.context.uow(write=False) as uow:
            settings = uow.settings.find()
            item_name = None
            if item_id is not None:
                item_name = uow.stock_reports.item_name(item_id)
                if item_name is None:
                    raise NotFoundError("That stock item no longer exists")
            lines = uow.stock_reports.movements(
                start, end, item_id=item_id, movement_type=kind, limit=MOVEMENT_ROW_LIMIT
            )
            totals = uow.stock_reports.movement_totals(
                start, end, item_id=item_id, movement_type=kind
            )
        name, phone, address, currency = _clinic(settings)
        return MovementsReport(
            clinic_name=name,
            clinic_phone=phone,
            clinic_address=address,
            currency=currency,
            date_from=date_from,
            date_to=date_to,
            printed_at=self._printed_at(),
            item_name=item_name,
            movement_type=kind,
            lines=tuple(lines),
            totals=tuple(totals),
            movement_count=sum(t.count for t in totals),
        )

    def movements_report_pdf(
        self,
        actor: Actor | None,
        date_from: date,
        date_to: date,
        *,
        item_id: uuid.UUID | None = None,
        movement_type: MovementType | str | None = None,
    ) -> bytes:
        """The movements report as an A4 PDF (see :mod:`dcms_desktop.reports.movements`)."""
        data = self.movements_report(
            actor, date_from, date_to, item_id=item_id, movement_type=movement_type
        )
        return self.render_movements_pdf(data)

    @staticmethod
    def render_movements_pdf(data: MovementsReport) -> bytes:
        """A movements report already read, as an A4 PDF."""
        return render_movements_report(data)

    # -- the reconciliation check -------------------------------------------------------
    def check(self, actor: Actor | None) -> StockCheck:
        """Every item (active or not) whose stored stock is not the sum of its movements."""
        if actor is not None:
            require(actor.role, Action.VIEW_INVENTORY)
        with self.context.uow(write=False) as uow:
            count = uow.stock_reports.item_count()
            problems = uow.inventory.check_reconciliation()
        return StockCheck(item_count=count, problems=tuple(problems))

    def _printed_at(self) -> datetime:
        return self.context.local_now().replace(second=0, microsecond=0)


def _clinic(settings: ClinicSettingsView | None) -> tuple[str, str | None, str | None, str]:
    if settings is None:
        return DEFAULT_CLINIC_NAME, None, None, DEFAULT_CURRENCY
    return settings.clinic_name, settings.phone, settings.address, settings.currency


def _local_midnight(day: date) -> datetime:
    """The moment the local ``day`` begins (aware, in the workstation's zone)."""
    return datetime.combine(day, time.min).astimezone()


def _by_category(lines: list[StockLine]) -> tuple[StockCategory, ...]:
    """Categories by name (case-insensitive), each with its items by name."""
    groups: dict[str, list[StockLine]] = {}
    for line in lines:
        groups.setdefault(line.category, []).append(line)
    return tuple(
        StockCategory(name, tuple(sorted(groups[name], key=lambda line: line.name.lower())))
        for name in sorted(groups, key=str.lower)
    )


def _expiring(lines: list[StockLine], as_of: date) -> list[ExpiringLine]:
    """Stock on the shelf expiring within :data:`EXPIRING_DAYS` days or expired, the
    soonest first."""
    horizon = as_of + timedelta(days=EXPIRING_DAYS)
    found = [
        ExpiringLine(
            item_id=line.item_id,
            name=line.name,
            category=line.category,
            unit=line.unit,
            quantity=line.quantity,
            expiration_date=line.expiration_date,
            days_left=(line.expiration_date - as_of).days,
            unit_cost=line.unit_cost,
        )
        for line in lines
        if line.expiration_date is not None
        and line.quantity > 0
        and line.expiration_date <= horizon
    ]
    return sorted(found, key=lambda e: (e.expiration_date, e.name.lower()))


def _longest_expired(line: ExpiringLine) -> tuple[date, str]:
    return (line.expiration_date, line.name.lower())
