"""The demo clinic's stock room, simulated day by day alongside the appointments.

Every change of stock is a ``stock_movements`` row whose previous and new stock chain on
from the one before, so the movements of an item always add up to its ``current_stock``:
an opening delivery from zero, deductions for each completed visit's supplies, a weekly
booking-out of chairside consumables, monthly stock-count corrections, breakages,
deliveries of restock requests placed when an item fell to its minimum, and finally the
write-offs and corrections that leave today's stock room with items at every alert level.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from random import Random
from typing import Any

from dcms_desktop.data.bulk import BulkWriter
from dcms_desktop.data.models import RestockRequest, StockMovement
from dcms_desktop.domain.enums import AlertLevel
from dcms_desktop.domain.stock import alert_level, restock_quantity, urgency_for
from dcms_desktop.services.demo_catalogue import SUPPLIERS, ItemSpec
from dcms_desktop.services.demo_people import moment, new_uuid

_MOVEMENTS = StockMovement.__table__
_REQUESTS = RestockRequest.__table__

OPENING_MINUTES = 8 * 60 + 30
CLOSING_MINUTES = 18 * 60 + 30


@dataclass(slots=True)
class StockItem:
    """An inventory item and its running stock."""

    spec: ItemSpec
    id: uuid.UUID
    min_stock: int
    max_stock: int
    expiration: date | None
    stock: int = 0
    last_restocked: date | None = None
    weekly_owed: float = 0.0
    open_request: dict[str, Any] | None = None
    open_delivery: date | None = None


class StockBook:
    """Keeps every item's stock and writes its movements and restock requests."""

    def __init__(
        self,
        rng: Random,
        writer: BulkWriter,
        *,
        dentists: int,
        staff: list[uuid.UUID],
        admin: uuid.UUID,
        offset_minutes: int,
        today: date,
        now_minutes: int,
    ) -> None:
        self.rng = rng
        self.writer = writer
        self.dentists = dentists
        self.staff = staff
        self.admin = admin
        self.offset = offset_minutes
        self.today = today
        self.now_minutes = now_minutes
        self.items: list[StockItem] = []
        self.by_key: dict[str, StockItem] = {}
        self._sequence = 0
        self._sequence_day: date | None = None
        self.visits_this_week = 0
        self._counted: tuple[int, int] | None = None
        self.cancelled = 0

    # -- set-up ---------------------------------------------------------------------------
    def create_items(self, specs: tuple[ItemSpec, ...], opened: date) -> list[dict[str, Any]]:
        """The items' ``inventory`` rows (stock 0 until :meth:`finish`)."""
        rng = self.rng
        rows = []
        created = moment(opened, OPENING_MINUTES - 60, self.offset)
        for spec in specs:
            minimum = max(2, round(spec.min_per_dentist * self.dentists))
            maximum = max(minimum + 2, round(spec.max_per_dentist * self.dentists))
            expiration = None
            if spec.shelf_life_days:
                expiration = self.today + timedelta(days=rng.randint(60, spec.shelf_life_days))
            item = StockItem(spec, new_uuid(rng), minimum, maximum, expiration)
            self.items.append(item)
            self.by_key[spec.key] = item
            supplier, contact = SUPPLIERS[spec.supplier % len(SUPPLIERS)]
            rows.append(
                {
                    "id": item.id,
                    "name": spec.name,
                    "description": spec.description,
                    "category": spec.category,
                    "current_stock": 0,
                    "min_stock": minimum,
                    "max_stock": maximum,
                    "unit": spec.unit,
                    "cost_per_unit": spec.cost,
                    "supplier": supplier,
                    "supplier_contact": contact,
                    "last_restocked": None,
                    "expiration_date": expiration,
                    "storage_location": spec.location,
                    "is_active": True,
                    "version": 1,
                    "updated_by": None,
                    "created_at": created,
                    "updated_at": created,
                }
            )
        return rows

    def open(self, day: date) -> None:
        """The opening delivery of every item: from zero to near its maximum."""
        for item in self.items:
            opening = self.rng.randint((item.min_stock + item.max_stock) // 2, item.max_stock)
            self._move(
                item,
                "restock",
                opening,
                day,
                OPENING_MINUTES - 30,
                "Opening stock",
                performed_by=self.admin,
            )
            item.last_restocked = day

    # -- one day ----------------------------------------------------------------------------
    def morning(self, day: date) -> None:
        """Deliveries arriving today, and on the first of the month a stock count."""
        for item in self.items:
            if item.open_delivery is not None and item.open_delivery <= day:
                self._receive(item, day, OPENING_MINUTES)
        if (day.year, day.month) != self._counted and self.rng.random() < 0.6:
            self._stock_count(day)
        self._counted = (day.year, day.month)

    def use(
        self,
        key: str,
        quantity: int,
        at: datetime,
        appointment: uuid.UUID,
        dentist: uuid.UUID,
        service_name: str,
    ) -> None:
        """Take what a completed visit used; a shortfall is recorded for review."""
        item = self.by_key[key]
        if quantity <= 0 or item.stock == 0:
            return
        taken = min(quantity, item.stock)
        self._write(
            item,
            "deduction",
            -taken,
            self._stamp(at),
            f"Used for {service_name}",
            reference=(appointment, "appointment"),
            performed_by=dentist,
            needs_review=taken < quantity,
        )

    def evening(self, day: date, completed_visits: int, minutes: int = CLOSING_MINUTES) -> None:
        """Book out the week's consumables on Saturdays; reorder what fell to its minimum.

        Today the "evening" is now (``minutes``): nothing may happen after the present.
        """
        self.visits_this_week += completed_visits
        if day.weekday() == 5 or day == self.today:
            for item in self.items:
                if item.spec.weekly_use_per_visit:
                    item.weekly_owed += item.spec.weekly_use_per_visit * self.visits_this_week
                    whole = min(int(item.weekly_owed), item.stock)
                    if whole > 0:
                        item.weekly_owed -= whole
                        self._move(
                            item,
                            "deduction",
                            -whole,
                            day,
                            minutes,
                            "Chairside consumables used this week",
                            performed_by=self.rng.choice(self.staff),
                        )
            self.visits_this_week = 0
        if self.rng.random() < 0.02:
            self._breakage(day, minutes)
        for item in self.items:
            if item.open_request is None and item.stock <= item.min_stock:
                self._request(item, day, minutes)

    # -- restocking -------------------------------------------------------------------------
    def _request(self, item: StockItem, day: date, minutes: int) -> None:
        rng = self.rng
        requester = rng.choice(self.staff)
        level = alert_level(item.stock, item.min_stock)
        if rng.random() < 0.04 or not self.cancelled:
            self._cancelled_request(item, day, minutes, requester, level)
        ordered = day + timedelta(days=1)
        delivery = ordered + timedelta(days=rng.randint(1, 5))
        row = self._request_row(
            item,
            day,
            minutes,
            requester,
            level,
            "received",
            ordered=ordered,
            expected=ordered + timedelta(days=3),
            delivered=delivery,
        )
        item.open_request = row
        item.open_delivery = delivery

    def _cancelled_request(
        self, item: StockItem, day: date, minutes: int, requester: uuid.UUID, level: AlertLevel
    ) -> None:
        """A request that was dropped: a duplicate, or the supplier could not deliver."""
        note = self.rng.choice(("Duplicate request", "Supplier out of stock; reordered"))
        self.writer.add(
            _REQUESTS,
            self._request_row(item, day, minutes, requester, level, "cancelled", notes=note),
        )
        self.cancelled += 1

    def _request_row(
        self,
        item: StockItem,
        day: date,
        minutes: int,
        requester: uuid.UUID,
        level: AlertLevel,
        status: str,
        *,
        ordered: date | None = None,
        expected: date | None = None,
        delivered: date | None = None,
        notes: str | None = None,
    ) -> dict[str, Any]:
        requested_at = moment(day, minutes - 30 - self.rng.randint(0, 30), self.offset)
        approved = status in ("approved", "ordered", "received")
        approval_at = (
            moment(ordered or day, OPENING_MINUTES + 15, self.offset) if approved else None
        )
        return {
            "id": new_uuid(self.rng),
            "inventory_item_id": item.id,
            "requested_quantity": max(1, restock_quantity(item.stock, item.max_stock)),
            "current_stock": item.stock,
            "min_stock": item.min_stock,
            "urgency": urgency_for(level).value,
            "reason": f"Stock {level.value}: {item.stock} {item.spec.unit} left",
            "status": status,
            "requested_by": requester,
            "request_date": requested_at,
            "approved_by": self.admin if approved else None,
            "approval_date": approval_at,
            "order_date": ordered if status in ("ordered", "received") else None,
            "expected_delivery": expected,
            "actual_delivery": delivered if status == "received" else None,
            "supplier_order_id": (
                f"PO-{self.rng.randint(100000, 999999)}"
                if status in ("ordered", "received")
                else None
            ),
            "notes": notes,
            "version": 1,
            "updated_at": approval_at or requested_at,
        }

    def _receive(self, item: StockItem, day: date, minutes: int) -> None:
        row = item.open_request
        assert row is not None
        row["status"] = "received"
        row["actual_delivery"] = day
        row["updated_at"] = moment(day, minutes, self.offset)
        quantity = max(1, item.max_stock - item.stock)
        self._move(
            item,
            "restock",
            quantity,
            day,
            minutes,
            f"Delivery {row['supplier_order_id']}",
            reference=(row["id"], "restock_request"),
            performed_by=self.rng.choice(self.staff),
        )
        item.last_restocked = day
        self.writer.add(_REQUESTS, row)
        item.open_request = None
        item.open_delivery = None

    # -- corrections ------------------------------------------------------------------------
    def _stock_count(self, day: date) -> None:
        for item in self.rng.sample(self.items, 2):
            change = self.rng.choice((-3, -2, -1, -1, 1, 2))
            change = max(change, -item.stock)
            if change:
                self._move(
                    item,
                    "adjustment",
                    change,
                    day,
                    OPENING_MINUTES + 5,
                    "Monthly stock count",
                    performed_by=self.admin,
                )

    def _breakage(self, day: date, minutes: int) -> None:
        item = self.rng.choice(self.items)
        if item.stock > 0:
            self._move(
                item,
                "damaged",
                -1,
                day,
                minutes,
                self.rng.choice(("Dropped and contaminated", "Packaging damaged")),
                performed_by=self.rng.choice(self.staff),
            )

    # -- today ------------------------------------------------------------------------------
    def finish(self) -> list[dict[str, Any]]:
        """Leave items at every alert level, write open requests; the items' final values."""
        rng = self.rng
        today = self.today
        minutes = self.now_minutes
        perishable = [i for i in self.items if i.expiration is not None]
        others = [i for i in self.items if i.expiration is None]
        rng.shuffle(perishable)
        rng.shuffle(others)
        critical = perishable[:2] + others[:1]
        urgent = [i for i in perishable[2:] + others[1:] if i.min_stock >= 4][:4]
        chosen = {id(i) for i in critical + urgent}
        low = [i for i in self.items if id(i) not in chosen and i.min_stock >= 3]
        rng.shuffle(low)
        low = low[:6]
        chosen |= {id(i) for i in low}
        normal = [i for i in self.items if id(i) not in chosen]

        # Expired lots: the critical perishables were written off today; one item on the
        # shelf has just expired, a few expire within the month.
        for item in critical:
            if item.expiration is not None:
                item.expiration = today - timedelta(days=rng.randint(1, 20))
            self._set(
                item,
                0,
                "expired" if item.expiration else "damaged",
                "Expired lot discarded" if item.expiration else "Water damage in store room",
            )
        for item in urgent:
            self._set(
                item,
                max(1, item.min_stock // 2 - rng.randint(0, item.min_stock // 4)),
                "adjustment",
                "Stock count: fewer than recorded",
            )
        for item in low:
            self._set(
                item,
                item.min_stock - rng.randint(0, (item.min_stock - 1) // 2),
                "adjustment",
                "Stock count: fewer than recorded",
            )
        for item in normal:
            if item.stock <= item.min_stock:
                if item.open_request is not None:
                    self._receive(item, today, minutes + 1)
                else:
                    self._move(
                        item,
                        "restock",
                        item.max_stock - item.stock,
                        today,
                        minutes + 1,
                        "Emergency purchase",
                        performed_by=self.admin,
                    )
                    item.last_restocked = today
        shelf = [i for i in normal if i.expiration is not None]
        rng.shuffle(shelf)
        if shelf:
            shelf[0].expiration = today - timedelta(days=rng.randint(1, 10))
        for item in shelf[1:4]:
            item.expiration = today + timedelta(days=rng.randint(5, 30))

        # Open requests for what is short today, in every open status.
        statuses = ("ordered", "approved", "pending")
        for index, item in enumerate(critical + urgent + low):
            if item.open_request is None:
                self._open_request(item, statuses[index % 3])
            else:
                self._leave_open(item)
        for item in self.items:
            if item.open_request is not None:
                self._leave_open(item)
        return [self._final(item) for item in self.items]

    def _set(self, item: StockItem, target: int, kind: str, reason: str) -> None:
        change = target - item.stock
        if change > 0:
            self._move(
                item,
                "restock",
                change,
                self.today,
                self.now_minutes,
                "Delivery (partial order)",
                performed_by=self.rng.choice(self.staff),
            )
            item.last_restocked = self.today
        elif change < 0:
            self._move(
                item, kind, change, self.today, self.now_minutes, reason, performed_by=self.admin
            )

    def _open_request(self, item: StockItem, status: str) -> None:
        rng = self.rng
        day = self.today - timedelta(days=rng.randint(1, 3))
        ordered = day + timedelta(days=1) if status == "ordered" else None
        row = self._request_row(
            item,
            day,
            CLOSING_MINUTES,
            rng.choice(self.staff),
            alert_level(item.stock, item.min_stock),
            status,
            ordered=ordered,
            expected=(ordered + timedelta(days=4)) if ordered else None,
        )
        self.writer.add(_REQUESTS, row)

    def _leave_open(self, item: StockItem) -> None:
        row = item.open_request
        assert row is not None
        ordered = row["order_date"]
        row["actual_delivery"] = None
        if ordered is not None and ordered <= self.today:
            row["status"] = "ordered"
        else:  # asked for today: nobody has looked at it yet
            row.update(
                status="pending",
                approved_by=None,
                approval_date=None,
                order_date=None,
                supplier_order_id=None,
                expected_delivery=None,
                updated_at=row["request_date"],
            )
        self.writer.add(_REQUESTS, row)
        item.open_request = None
        item.open_delivery = None

    def _final(self, item: StockItem) -> dict[str, Any]:
        return {
            "item_id": item.id,
            "current_stock": item.stock,
            "last_restocked": item.last_restocked,
            "expiration_date": item.expiration,
            "updated_at": moment(self.today, self.now_minutes + 5, self.offset),
        }

    # -- writing movements ------------------------------------------------------------------
    def _stamp(self, at: datetime) -> datetime:
        """``at`` plus a running count of microseconds, so no two movements of a day tie."""
        day = at.date()
        if day != self._sequence_day:
            self._sequence_day = day
            self._sequence = 0
        self._sequence += 1
        return at + timedelta(microseconds=self._sequence)

    def _move(
        self,
        item: StockItem,
        kind: str,
        change: int,
        day: date,
        minutes: int,
        reason: str,
        *,
        performed_by: uuid.UUID,
        reference: tuple[uuid.UUID, str] | None = None,
    ) -> None:
        at = self._stamp(moment(day, minutes, self.offset))
        self._write(item, kind, change, at, reason, reference=reference, performed_by=performed_by)

    def _write(
        self,
        item: StockItem,
        kind: str,
        change: int,
        at: datetime,
        reason: str,
        *,
        performed_by: uuid.UUID,
        reference: tuple[uuid.UUID, str] | None = None,
        needs_review: bool = False,
    ) -> None:
        previous = item.stock
        item.stock = previous + change
        cost = item.spec.cost
        self.writer.add(
            _MOVEMENTS,
            {
                "id": new_uuid(self.rng),
                "inventory_item_id": item.id,
                "movement_type": kind,
                "quantity": change,
                "previous_stock": previous,
                "new_stock": item.stock,
                "unit_cost": cost,
                "total_cost": cost * abs(change),
                "reason": reason,
                "reference_id": reference[0] if reference else None,
                "reference_type": reference[1] if reference else None,
                "needs_review": needs_review,
                "performed_by": performed_by,
                "timestamp": at,
            },
        )
