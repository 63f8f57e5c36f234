"""Read queries of the stock report and the movements report.

Read only; kept apart from :mod:`~dcms_desktop.data.repositories.inventory` (which moves
stock) so the reports never share a code path with a write. Money is summed in the
database only through ``Decimal2`` (NUMERIC on PostgreSQL, INTEGER cents on SQLite), so the
totals are exact to the cent on both backends.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, and_, case, func, select, type_coerce
from sqlalchemy.orm import Session

from dcms_desktop.data.models import (
    Appointment,
    InventoryItem,
    RestockRequest,
    StockMovement,
    User,
)
from dcms_desktop.data.types import Decimal2
from dcms_desktop.domain.enums import MovementType
from dcms_desktop.domain.money import ZERO
from dcms_desktop.domain.readmodels.people import full_name
from dcms_desktop.domain.readmodels.stock_reports import MovementLine, MovementTotal, StockLine

_items = InventoryItem.__table__
_moves = StockMovement.__table__
_visits = Appointment.__table__
_requests = RestockRequest.__table__
_users = User.__table__

APPOINTMENT_REFERENCE = "appointment"
RESTOCK_REFERENCE = "restock_request"


class StockReportRepository:
    """What the stock and movements reports read."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def stock_lines(self) -> list[StockLine]:
        """Every active item, by category then name."""
        query = (
            select(
                _items.c.id,
                _items.c.name,
                _items.c.category,
                _items.c.unit,
                _items.c.current_stock,
                _items.c.min_stock,
                _items.c.cost_per_unit,
                _items.c.expiration_date,
                _items.c.storage_location,
            )
            .where(_items.c.is_active.is_(True))
            .order_by(_items.c.category, _items.c.name, _items.c.id)
        )
        return [
            StockLine(
                item_id=row.id,
                name=row.name,
                category=row.category,
                unit=row.unit,
                quantity=row.current_stock,
                min_stock=row.min_stock,
                unit_cost=row.cost_per_unit,
                expiration_date=row.expiration_date,
                storage_location=row.storage_location,
            )
            for row in self.session.execute(query)
        ]

    def item_count(self) -> int:
        """How many items there are, active or not."""
        return int(self.session.scalar(select(func.count(_items.c.id))) or 0)

    def item_name(self, item_id: uuid.UUID) -> str | None:
        """The item's name, or None when there is no such item."""
        return self.session.scalar(select(_items.c.name).where(_items.c.id == item_id))

    def movements(
        self,
        start: datetime,
        end: datetime,
        *,
        item_id: uuid.UUID | None = None,
        movement_type: MovementType | None = None,
        limit: int | None = None,
    ) -> list[MovementLine]:
        """The movements from ``start`` (included) to ``end`` (excluded), by time, with the
        item, who moved it and what it belongs to; the first ``limit`` when given."""
        visit = _visits.alias("visit")
        request = _requests.alias("request")
        query = (
            select(
                _moves.c.id,
                _moves.c.timestamp,
                _moves.c.inventory_item_id,
                _items.c.name.label("item_name"),
                _items.c.unit,
                _moves.c.movement_type,
                _moves.c.quantity,
                _moves.c.previous_stock,
                _moves.c.new_stock,
                _moves.c.unit_cost,
                _moves.c.total_cost,
                _moves.c.reason,
                _moves.c.needs_review,
                _moves.c.reference_type,
                _moves.c.reference_id,
                _users.c.first_name,
                _users.c.last_name,
                visit.c.patient_name,
                visit.c.appointment_date,
                request.c.supplier_order_id,
            )
            .select_from(
                _moves.join(_items, _items.c.id == _moves.c.inventory_item_id)
                .outerjoin(_users, _users.c.id == _moves.c.performed_by)
                .outerjoin(
                    visit,
                    and_(
                        _moves.c.reference_type == APPOINTMENT_REFERENCE,
                        visit.c.id == _moves.c.reference_id,
                    ),
                )
                .outerjoin(
                    request,
                    and_(
                        _moves.c.reference_type == RESTOCK_REFERENCE,
                        request.c.id == _moves.c.reference_id,
                    ),
                )
            )
            .order_by(_moves.c.timestamp, _moves.c.id)
        )
        query = _in_range(query, start, end, item_id, movement_type)
        if limit is not None:
            query = query.limit(limit)
        return [_line(row) for row in self.session.execute(query)]

    def movement_totals(
        self,
        start: datetime,
        end: datetime,
        *,
        item_id: uuid.UUID | None = None,
        movement_type: MovementType | None = None,
    ) -> list[MovementTotal]:
        """Per movement type in the range: count, units in and out, value in and out."""
        incoming = _moves.c.quantity > 0
        outgoing = _moves.c.quantity < 0
        money = Decimal2(14)
        query = select(
            _moves.c.movement_type,
            func.count(_moves.c.id).label("count"),
            func.coalesce(func.sum(case((incoming, _moves.c.quantity), else_=0)), 0).label(
                "units_in"
            ),
            func.coalesce(func.sum(case((outgoing, -_moves.c.quantity), else_=0)), 0).label(
                "units_out"
            ),
            type_coerce(func.sum(case((incoming, _moves.c.total_cost), else_=None)), money).label(
                "value_in"
            ),
            type_coerce(func.sum(case((outgoing, _moves.c.total_cost), else_=None)), money).label(
                "value_out"
            ),
        ).group_by(_moves.c.movement_type)
        query = _in_range(query, start, end, item_id, movement_type)
        found = {row.movement_type: row for row in self.session.execute(query)}
        return [
            MovementTotal(
                movement_type=kind,
                count=int(row.count),
                units_in=int(row.units_in),
                units_out=int(row.units_out),
                value_in=_money(row.value_in),
                value_out=_money(row.value_out),
            )
            for kind in MovementType
            if (row := found.get(kind.value)) is not None
        ]


def _in_range(
    query: Select[Any],
    start: datetime,
    end: datetime,
    item_id: uuid.UUID | None,
    movement_type: MovementType | None,
) -> Select[Any]:
    query = query.where(_moves.c.timestamp >= start, _moves.c.timestamp < end)
    if item_id is not None:
        query = query.where(_moves.c.inventory_item_id == item_id)
    if movement_type is not None:
        query = query.where(_moves.c.movement_type == MovementType(movement_type).value)
    return query


def _money(value: Decimal | None) -> Decimal:
    return ZERO if value is None else value


def _line(row: Any) -> MovementLine:
    who = None
    if row.last_name is not None:
        who = full_name(row.first_name or "", row.last_name) or None
    return MovementLine(
        id=row.id,
        timestamp=row.timestamp,
        item_id=row.inventory_item_id,
        item_name=row.item_name,
        unit=row.unit,
        movement_type=MovementType(row.movement_type),
        quantity=row.quantity,
        previous_stock=row.previous_stock,
        new_stock=row.new_stock,
        unit_cost=row.unit_cost,
        total_cost=row.total_cost,
        reason=row.reason,
        performed_by=who,
        reference=_reference(row),
        needs_review=bool(row.needs_review),
    )


def _reference(row: Any) -> str | None:
    """What the movement belongs to, in words."""
    if row.reference_type is None and row.reference_id is None:
        return None
    if row.reference_type == APPOINTMENT_REFERENCE and row.patient_name is not None:
        when = "" if row.appointment_date is None else f" ({row.appointment_date:%d %b})"
        return f"Visit of {row.patient_name}{when}"
    if row.reference_type == RESTOCK_REFERENCE:
        if row.supplier_order_id:
            return f"Order {row.supplier_order_id}"
        return "Restock request"
    kind = (row.reference_type or "record").replace("_", " ").capitalize()
    short = str(row.reference_id)[:8] if row.reference_id is not None else ""
    return f"{kind} {short}".strip()
