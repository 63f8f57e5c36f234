"""Read models of inventory: items, their stock movements, alerts and restock requests."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from dcms_desktop.domain.enums import AlertLevel, MovementType, RestockStatus, Urgency
from dcms_desktop.domain.stock import alert_level, restock_quantity


@dataclass(frozen=True)
class InventoryItemView:
    """One stock item as the inventory screen shows it."""

    id: uuid.UUID
    name: str
    description: str | None
    category: str
    current_stock: int
    min_stock: int
    max_stock: int
    unit: str
    cost_per_unit: Decimal
    supplier: str | None
    supplier_contact: str | None
    last_restocked: date | None
    expiration_date: date | None
    storage_location: str | None
    is_active: bool
    version: int
    updated_at: datetime

    @property
    def alert_level(self) -> AlertLevel:
        return alert_level(self.current_stock, self.min_stock)

    @property
    def stock_value(self) -> Decimal:
        """What the stock on the shelf cost, at the item's unit cost."""
        return self.cost_per_unit * self.current_stock

    def to_cache(self) -> dict[str, Any]:
        """A JSON-ready dict for the cache (``dcms:inventory:{id}``)."""
        return {
            "id": str(self.id),
            "name": self.name,
            "description": self.description,
            "category": self.category,
            "current_stock": self.current_stock,
            "min_stock": self.min_stock,
            "max_stock": self.max_stock,
            "unit": self.unit,
            "cost_per_unit": str(self.cost_per_unit),
            "supplier": self.supplier,
            "supplier_contact": self.supplier_contact,
            "last_restocked": _iso(self.last_restocked),
            "expiration_date": _iso(self.expiration_date),
            "storage_location": self.storage_location,
            "is_active": self.is_active,
            "version": self.version,
            "updated_at": self.updated_at.isoformat(),
        }

    @classmethod
    def from_cache(cls, data: dict[str, Any]) -> InventoryItemView:
        """The inverse of :meth:`to_cache`."""
        return cls(
            id=uuid.UUID(data["id"]),
            name=data["name"],
            description=data["description"],
            category=data["category"],
            current_stock=int(data["current_stock"]),
            min_stock=int(data["min_stock"]),
            max_stock=int(data["max_stock"]),
            unit=data["unit"],
            cost_per_unit=Decimal(data["cost_per_unit"]),
            supplier=data["supplier"],
            supplier_contact=data["supplier_contact"],
            last_restocked=_date(data["last_restocked"]),
            expiration_date=_date(data["expiration_date"]),
            storage_location=data["storage_location"],
            is_active=bool(data["is_active"]),
            version=int(data["version"]),
            updated_at=datetime.fromisoformat(data["updated_at"]),
        )


def _iso(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def _date(value: str | None) -> date | None:
    return None if value is None else date.fromisoformat(value)


@dataclass(frozen=True)
class StockMovementView:
    """One line of an item's stock ledger. ``quantity`` is signed: + in, - out."""

    id: uuid.UUID
    item_id: uuid.UUID
    movement_type: MovementType
    quantity: int
    previous_stock: int
    new_stock: int
    unit_cost: Decimal | None
    total_cost: Decimal | None
    reason: str
    reference_id: uuid.UUID | None
    reference_type: str | None
    needs_review: bool
    performed_by: uuid.UUID | None
    timestamp: datetime
    performed_by_name: str | None = field(default=None, compare=False)
    """Who moved it, for the ledger screen (filled by the ledger's query only)."""
    short_by: int | None = None
    """Of a shortfall (a needs-review adjustment), the units that were missing; None on
    every other movement and on shortfalls recorded before the count was stored."""
    visit_patient: str | None = field(default=None, compare=False)
    """What the reference is, for the ledger screen (filled by the ledger's query only):
    the visit's patient and day for an appointment, the supplier's order number for a
    restock request."""
    visit_date: date | None = field(default=None, compare=False)
    supplier_order_id: str | None = field(default=None, compare=False)


@dataclass(frozen=True)
class LowStockAlert:
    """An active item at or below its minimum (a row of the ``low_stock_alerts`` view)."""

    item_id: uuid.UUID
    name: str
    category: str
    unit: str
    current_stock: int
    min_stock: int
    max_stock: int
    cost_per_unit: Decimal
    supplier: str | None
    storage_location: str | None
    alert_level: AlertLevel

    @property
    def suggested_order(self) -> int:
        """How many to order to fill the item up to its maximum."""
        return restock_quantity(self.current_stock, self.max_stock)


@dataclass(frozen=True)
class ReconciliationProblem:
    """An item whose stored stock is not what its movements add up to.

    Every unit an item holds came in through a movement (the ledger opens at 0), so
    ``movement_total`` must equal ``current_stock``; ``difference`` is what is
    unaccounted for (stored minus ledger).
    """

    item_id: uuid.UUID
    name: str
    current_stock: int
    movement_total: int
    movement_count: int

    @property
    def difference(self) -> int:
        return self.current_stock - self.movement_total


@dataclass(frozen=True)
class RestockRequestView:
    """A request to order more of an item."""

    id: uuid.UUID
    item_id: uuid.UUID
    requested_quantity: int
    current_stock: int
    min_stock: int
    urgency: Urgency
    reason: str
    status: RestockStatus
    requested_by: uuid.UUID | None
    request_date: datetime
    approved_by: uuid.UUID | None
    approval_date: datetime | None
    expected_delivery: date | None
    notes: str | None
    version: int
    order_date: date | None = None
    supplier_order_id: str | None = None
    actual_delivery: date | None = None
    item_name: str | None = field(default=None, compare=False)
    """The item's name and unit, and who asked, for the requests list (filled by the
    list's query only)."""
    item_unit: str | None = field(default=None, compare=False)
    requested_by_name: str | None = field(default=None, compare=False)

    @property
    def is_open(self) -> bool:
        """Still waiting for something: pending, approved or ordered."""
        return self.status in (RestockStatus.PENDING, RestockStatus.APPROVED, RestockStatus.ORDERED)


_SHORT_BY = re.compile(r"^\s*Short by (\d+)")


def shortfall_quantity(reason: str) -> int | None:
    """The units missing, from a shortfall adjustment's reason ("Short by 2 cartridge for
    Local anaesthesia; needs review", as completing a visit writes it); None when the
    reason does not say."""
    found = _SHORT_BY.match(reason or "")
    return int(found.group(1)) if found else None


@dataclass(frozen=True)
class SupplyShortfall:
    """Supplies a completed visit needed that were not in stock: a zero-quantity
    adjustment flagged for review, with the item it is about."""

    item_id: uuid.UUID
    item_name: str
    unit: str
    short_by: int | None
    reason: str
    timestamp: datetime

    @property
    def text(self) -> str:
        """ "Lidocaine 2% — 2 cartridges missing" (or the recorded reason)."""
        if self.short_by is None:
            return f"{self.item_name} — {self.reason}"
        return f"{self.item_name} — {quantity_text(self.short_by, self.unit)} missing"


def quantity_text(count: int, unit: str) -> str:
    """``count`` of ``unit`` for a message: "1 box", "3 boxes", "0 bottles", "5 ml"."""
    word = unit.strip()
    return f"{count} {word if count == 1 else plural_unit(word)}"


def plural_unit(unit: str) -> str:
    """The plural of a stock unit: box -> boxes, syringe -> syringes, ml -> ml.

    Abbreviations (no vowel: ml, mg, pcs) and words already ending in a single "s"
    (gloves, pairs) are left as they are.
    """
    word = unit.strip()
    lower = word.lower()
    if not word or not any(v in lower for v in "aeiouy"):
        return word
    if lower.endswith("s") and not lower.endswith("ss"):
        return word
    if lower.endswith(("ss", "x", "z", "ch", "sh")):
        return word + "es"
    if lower.endswith("y") and len(lower) > 1 and lower[-2] not in "aeiou":
        return word[:-1] + "ies"
    return word + "s"
