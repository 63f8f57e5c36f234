"""Read models of the stock report and the movements report (data in, PDF out).

The stock report values each active item's stock at its cost per unit (quantity × cost,
to the cent), per category and overall, and lists what needs attention: the items at or
below their minimum, and the stock that expires within :data:`EXPIRING_DAYS` days or has
expired. The movements report lists the stock movements of a date range with their
totals per movement type and the value that came in and went out.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from dcms_desktop.domain.enums import AlertLevel, MovementType
from dcms_desktop.domain.money import ZERO, to_money
from dcms_desktop.domain.readmodels.inventory import LowStockAlert
from dcms_desktop.domain.stock import alert_level

EXPIRING_DAYS = 30
"""Stock expiring within this many days of the report's date is listed as expiring."""


@dataclass(frozen=True)
class StockLine:
    """One active item on the stock report."""

    item_id: uuid.UUID
    name: str
    category: str
    unit: str
    quantity: int
    min_stock: int
    unit_cost: Decimal
    expiration_date: date | None
    storage_location: str | None

    @property
    def value(self) -> Decimal:
        """What the stock on the shelf cost: quantity × unit cost, to the cent."""
        return to_money(self.unit_cost * self.quantity)

    @property
    def alert_level(self) -> AlertLevel:
        return alert_level(self.quantity, self.min_stock)


@dataclass(frozen=True)
class StockCategory:
    """A category's items (by name) and their value."""

    name: str
    lines: tuple[StockLine, ...]

    @property
    def subtotal(self) -> Decimal:
        return to_money(sum((line.value for line in self.lines), ZERO))

    @property
    def units(self) -> int:
        return sum(line.quantity for line in self.lines)


@dataclass(frozen=True)
class ExpiringLine:
    """Stock on the shelf with an expiration date within the window (or past it)."""

    item_id: uuid.UUID
    name: str
    category: str
    unit: str
    quantity: int
    expiration_date: date
    days_left: int
    """Days from the report's date to the expiration date; negative once expired."""
    unit_cost: Decimal

    @property
    def expired(self) -> bool:
        return self.days_left < 0

    @property
    def value(self) -> Decimal:
        return to_money(self.unit_cost * self.quantity)


@dataclass(frozen=True)
class StockReport:
    """The stock report as of a day."""

    clinic_name: str
    clinic_phone: str | None
    clinic_address: str | None
    currency: str
    as_of: date
    printed_at: datetime
    categories: tuple[StockCategory, ...]
    low_stock: tuple[LowStockAlert, ...]
    expiring: tuple[ExpiringLine, ...]
    """Expiring within :data:`EXPIRING_DAYS` days, the soonest first (not yet expired)."""
    expired: tuple[ExpiringLine, ...]
    """Past their expiration date and still on the shelf, the longest expired first."""
    expiring_days: int = EXPIRING_DAYS

    @property
    def grand_total(self) -> Decimal:
        return to_money(sum((c.subtotal for c in self.categories), ZERO))

    @property
    def item_count(self) -> int:
        return sum(len(c.lines) for c in self.categories)

    @property
    def units(self) -> int:
        return sum(c.units for c in self.categories)


@dataclass(frozen=True)
class MovementLine:
    """One stock movement on the movements report. ``quantity`` is signed: + in, − out."""

    id: uuid.UUID
    timestamp: datetime
    item_id: uuid.UUID
    item_name: str
    unit: str
    movement_type: MovementType
    quantity: int
    previous_stock: int
    new_stock: int
    unit_cost: Decimal | None
    total_cost: Decimal | None
    reason: str
    performed_by: str | None
    """Who moved it ("Ana Reyes"); None when the account is unknown (a script)."""
    reference: str | None
    """What it belongs to, in words ("Visit of Maria Santos, 05 Mar 2030", "Order PO-17")."""
    needs_review: bool


@dataclass(frozen=True)
class MovementTotal:
    """The movements of one type in the range."""

    movement_type: MovementType
    count: int
    units_in: int
    units_out: int
    """Units taken away, as a positive number."""
    value_in: Decimal
    value_out: Decimal

    @property
    def net_units(self) -> int:
        return self.units_in - self.units_out


@dataclass(frozen=True)
class MovementsReport:
    """The stock movements from ``date_from`` to ``date_to`` (both included, local days)."""

    clinic_name: str
    clinic_phone: str | None
    clinic_address: str | None
    currency: str
    date_from: date
    date_to: date
    printed_at: datetime
    item_name: str | None
    """Only this item's movements when set."""
    movement_type: MovementType | None
    """Only movements of this type when set."""
    lines: tuple[MovementLine, ...]
    """The movements by time, at most ``listed_limit`` of them (the totals cover all)."""
    totals: tuple[MovementTotal, ...]
    """One per movement type that occurs, in the order of :class:`MovementType`."""
    movement_count: int
    """How many movements the range holds (may exceed ``len(lines)``)."""

    @property
    def value_in(self) -> Decimal:
        return to_money(sum((t.value_in for t in self.totals), ZERO))

    @property
    def value_out(self) -> Decimal:
        return to_money(sum((t.value_out for t in self.totals), ZERO))

    @property
    def units_in(self) -> int:
        return sum(t.units_in for t in self.totals)

    @property
    def units_out(self) -> int:
        return sum(t.units_out for t in self.totals)

    @property
    def truncated(self) -> bool:
        """True when more movements matched than are listed."""
        return self.movement_count > len(self.lines)
