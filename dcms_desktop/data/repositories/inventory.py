"""Inventory items, stock movements and restock requests.

Stock changes in exactly one place, :meth:`InventoryRepository.move_stock`: one
conditional ``UPDATE inventory SET current_stock = current_stock + :delta ... WHERE
current_stock + :delta >= 0 RETURNING current_stock`` and, in the same transaction, the
movement row with the stock before and after. Two workstations taking the last box at once
can't both succeed: the database serialises the two UPDATEs on the row, and the second one
re-checks its WHERE against the first one's result (PostgreSQL) or waits for the write lock
(SQLite). The UPDATE is Core, not the ORM, so it leaves the item's optimistic-lock version
alone: a stock move is not an edit of the item's details.

The ledger opens at zero: every unit an item holds came in through a movement (a new item's
stock arrives as an "Opening stock" adjustment, see :meth:`add_item`). So for every item the
sum of its movements' signed quantities equals ``current_stock``; the check is independent
of the order of the movements, which matters because their timestamps come from several
workstations' clocks. :meth:`check_reconciliation` lists the items where it does not hold.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import Row, Select, and_, case, func, or_, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from dcms_desktop.data.models import (
    Appointment,
    AuditEntry,
    InventoryItem,
    RestockRequest,
    StockMovement,
)
from dcms_desktop.data.models import User as UserRow
from dcms_desktop.data.types import utcnow
from dcms_desktop.data.views import low_stock_alerts
from dcms_desktop.domain.enums import AlertLevel, MovementType, RestockStatus, Urgency
from dcms_desktop.domain.errors import (
    InsufficientStockError,
    NotFoundError,
    StaleRecordError,
    ValidationError,
)
from dcms_desktop.domain.money import to_money
from dcms_desktop.domain.readmodels.inventory import (
    InventoryItemView,
    LowStockAlert,
    ReconciliationProblem,
    RestockRequestView,
    StockMovementView,
    SupplyShortfall,
    plural_unit,
    quantity_text,
    shortfall_quantity,
)
from dcms_desktop.domain.stock import (
    check_stock_levels,
    is_low,
    restock_quantity,
    urgency_for,
)

_items = InventoryItem.__table__
_OUTBOUND = frozenset({MovementType.DEDUCTION, MovementType.EXPIRED, MovementType.DAMAGED})
OPEN_RESTOCK_STATUSES = (RestockStatus.PENDING, RestockStatus.APPROVED, RestockStatus.ORDERED)
OPENING_STOCK_REASON = "Opening stock"
RESTOCK_REQUEST_ENTITY = "restock_request"
APPOINTMENT_REFERENCE = "appointment"
INVENTORY_ENTITY = "inventory"
ITEM_EDIT_ACTIONS = ("create_item", "update_item", "deactivate_item", "reactivate_item")
"""The audited actions that edit an item's details (its stock moves are audited apart)."""

_ALERT_ORDER = {
    AlertLevel.CRITICAL.value: 0,
    AlertLevel.URGENT.value: 1,
    AlertLevel.LOW.value: 2,
}


def check_direction(movement_type: MovementType, delta: int) -> None:
    """Refuse a movement whose sign does not fit its type (restocks add, losses take)."""
    if isinstance(delta, bool) or not isinstance(delta, int):
        raise TypeError(f"delta must be an int, not {type(delta).__name__}")
    if delta == 0:
        raise ValidationError("A stock movement must change the stock", field="quantity")
    if movement_type is MovementType.RESTOCK and delta < 0:
        raise ValidationError(
            "A restock adds stock; use a deduction to take some", field="quantity"
        )
    if movement_type in _OUTBOUND and delta > 0:
        raise ValidationError(
            f"A {movement_type.value} movement takes stock away; its quantity must be negative",
            field="quantity",
        )


_LOW_STOCK = select(low_stock_alerts).order_by(
    case(_ALERT_ORDER, value=low_stock_alerts.c.alert_level, else_=3),
    low_stock_alerts.c.current_stock - low_stock_alerts.c.min_stock,
    low_stock_alerts.c.name,
    low_stock_alerts.c.id,
)
"""The low-stock list's statement, built once (building it costs more than running it)."""

_visits = Appointment.__table__
_requests = RestockRequest.__table__
_LEDGER_READ = (
    select(
        StockMovement,
        _visits.c.patient_name,
        _visits.c.appointment_date,
        _requests.c.supplier_order_id,
    )
    .select_from(StockMovement)
    .outerjoin(
        _visits,
        and_(
            StockMovement.reference_type == APPOINTMENT_REFERENCE,
            _visits.c.id == StockMovement.reference_id,
        ),
    )
    .outerjoin(
        _requests,
        and_(
            StockMovement.reference_type == RESTOCK_REQUEST_ENTITY,
            _requests.c.id == StockMovement.reference_id,
        ),
    )
)
"""Movements with what their reference names: the visit's patient and day, the restock
request's order number (one query, not one per row)."""


class InventoryRepository:
    """Inventory items, stock movements and restock requests."""

    def __init__(self, session: Session) -> None:
        self.session = session

    # -- items --------------------------------------------------------------------------
    def active_among(self, item_ids: Sequence[uuid.UUID]) -> set[uuid.UUID]:
        """Those of ``item_ids`` that are active items."""
        return set(
            self.session.scalars(
                select(_items.c.id).where(_items.c.id.in_(item_ids), _items.c.is_active)
            )
        )

    def get(self, item_id: uuid.UUID) -> InventoryItemView | None:
        """The item as stored now (read straight from the table, never a stale ORM copy)."""
        row = self.session.execute(select(_items).where(_items.c.id == item_id)).one_or_none()
        return None if row is None else _item_view(row)

    def list_items(
        self, *, include_inactive: bool = False, category: str | None = None
    ) -> list[InventoryItemView]:
        """Items by name; active ones only unless asked."""
        query = select(_items).order_by(_items.c.name, _items.c.id)
        if not include_inactive:
            query = query.where(_items.c.is_active.is_(True))
        if category is not None:
            query = query.where(_items.c.category == category)
        return [_item_view(row) for row in self.session.execute(query)]

    def add_item(
        self,
        *,
        name: str,
        category: str,
        unit: str,
        cost_per_unit: Decimal,
        min_stock: int = 0,
        max_stock: int = 100,
        opening_stock: int = 0,
        performed_by: uuid.UUID | None = None,
        description: str | None = None,
        supplier: str | None = None,
        supplier_contact: str | None = None,
        expiration_date: date | None = None,
        storage_location: str | None = None,
        at: datetime | None = None,
    ) -> InventoryItemView:
        """A new item; its ``opening_stock`` comes in as an "Opening stock" adjustment."""
        check_stock_levels(opening_stock, min_stock, max_stock)
        now = at or utcnow()
        item = InventoryItem(
            name=name,
            category=category,
            unit=unit,
            cost_per_unit=to_money(cost_per_unit, field="cost_per_unit"),
            min_stock=min_stock,
            max_stock=max_stock,
            current_stock=0,
            description=description,
            supplier=supplier,
            supplier_contact=supplier_contact,
            expiration_date=expiration_date,
            storage_location=storage_location,
            updated_by=performed_by,
            created_at=now,
            updated_at=now,
        )
        self.session.add(item)
        self.session.flush()
        if opening_stock:
            self.move_stock(
                item.id,
                opening_stock,
                MovementType.ADJUSTMENT,
                OPENING_STOCK_REASON,
                performed_by=performed_by,
                at=now,
            )
        view = self.get(item.id)
        assert view is not None
        return view

    def find_items(
        self,
        *,
        include_inactive: bool = False,
        category: str | None = None,
        search: str | None = None,
        expiring_by: date | None = None,
        expired_on: date | None = None,
    ) -> list[InventoryItemView]:
        """Items by name, filtered in the query: ``search`` (words in the name,
        description, supplier or storage place), ``category``, ``expiring_by`` (an
        expiration date on or before that day, already expired included), ``expired_on``
        (expired before that day)."""
        query = select(_items).order_by(_items.c.name, _items.c.id)
        if not include_inactive:
            query = query.where(_items.c.is_active.is_(True))
        if category is not None:
            query = query.where(_items.c.category == category)
        if expiring_by is not None:
            query = query.where(_items.c.expiration_date <= expiring_by)
        if expired_on is not None:
            query = query.where(_items.c.expiration_date < expired_on)
        for word in (search or "").split():
            pattern = f"%{_escape_like(word.casefold())}%"
            query = query.where(
                or_(
                    *(
                        func.lower(func.coalesce(column, "")).like(pattern, escape="\\")
                        for column in (
                            _items.c.name,
                            _items.c.description,
                            _items.c.supplier,
                            _items.c.storage_location,
                        )
                    )
                )
            )
        return [_item_view(row) for row in self.session.execute(query)]

    def categories(self) -> list[str]:
        """The categories the items use, alphabetically."""
        return list(
            self.session.scalars(select(_items.c.category).distinct().order_by(_items.c.category))
        )

    def name_taken(self, name: str, *, other_than: uuid.UUID | None = None) -> bool:
        """True when another item already has ``name`` (ignoring case and outer spaces)."""
        query = select(_items.c.id).where(func.lower(_items.c.name) == name.strip().lower())
        if other_than is not None:
            query = query.where(_items.c.id != other_than)
        return self.session.execute(query.limit(1)).first() is not None

    def update_item(
        self,
        item_id: uuid.UUID,
        expected_version: int,
        values: dict[str, Any],
        *,
        by: uuid.UUID | None,
        at: datetime,
    ) -> list[str]:
        """Save an item's details edited from ``expected_version``; returns the names of
        the fields that changed (none: nothing is written). Never touches
        ``current_stock``: stock moves only through :meth:`move_stock`.

        ``StaleRecordError`` when someone saved the item since that version (the
        version makes the UPDATE conditional, so a save racing this one is refused too).
        """
        if "current_stock" in values:
            raise ValueError("current_stock changes only through a stock movement")
        row = self._item_at(item_id, expected_version)
        changed = [name for name, value in values.items() if getattr(row, name) != value]
        if not changed:
            return []
        for name in changed:
            setattr(row, name, values[name])
        row.updated_by = by
        row.updated_at = at
        try:
            self.session.flush()
        except StaleDataError:
            raise self.stale_item_error(item_id) from None
        return changed

    def _item_at(self, item_id: uuid.UUID, expected_version: int) -> InventoryItem:
        row = self.session.get(InventoryItem, item_id, populate_existing=True)
        if row is None:
            raise NotFoundError("That stock item no longer exists")
        if row.version != expected_version:
            raise self.stale_item_error(item_id)
        return row

    def stale_item_error(self, item_id: uuid.UUID) -> StaleRecordError:
        """The refusal of an edit made on an old version of an item: who saved it last
        and when, from the audit trail (a stock move is not an edit of the item)."""
        with self.session.no_autoflush:
            latest = self.session.execute(
                select(AuditEntry.user_email, AuditEntry.at)
                .where(
                    AuditEntry.entity == INVENTORY_ENTITY,
                    AuditEntry.entity_id == str(item_id),
                    AuditEntry.action.in_(ITEM_EDIT_ACTIONS),
                )
                .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
                .limit(1)
            ).one_or_none()
            name = self.session.scalar(select(_items.c.name).where(_items.c.id == item_id))
        who = latest.user_email if latest is not None and latest.user_email else None
        when = latest.at if latest is not None else None
        message = f"{who or 'Someone else'} changed {name or 'this item'}"
        if when is not None:
            local = when.astimezone()
            message += f" at {local:%H:%M} on {local:%d %b %Y}"
        return StaleRecordError(
            message + " while you had it open; reopen it to see their changes.",
            changed_by=who,
            changed_at=when,
        )

    def shortfalls_for(self, reference_id: uuid.UUID) -> list[SupplyShortfall]:
        """The needs-review shortfall adjustments recorded with ``reference_id`` (the
        completed appointment), in the order they were written."""
        m = StockMovement.__table__
        query = (
            select(
                m.c.inventory_item_id,
                m.c.reason,
                m.c.short_by,
                m.c.timestamp,
                _items.c.name,
                _items.c.unit,
            )
            .join(_items, _items.c.id == m.c.inventory_item_id)
            .where(
                m.c.reference_id == reference_id,
                m.c.needs_review.is_(True),
                m.c.quantity == 0,
            )
            .order_by(m.c.timestamp, m.c.id)
        )
        return [
            SupplyShortfall(
                item_id=row.inventory_item_id,
                item_name=row.name,
                unit=row.unit,
                # Rows written before the count was stored (0004) say it in the reason.
                short_by=(
                    row.short_by if row.short_by is not None else shortfall_quantity(row.reason)
                ),
                reason=row.reason,
                timestamp=row.timestamp,
            )
            for row in self.session.execute(query)
        ]

    # -- moving stock -------------------------------------------------------------------
    def move_stock(
        self,
        item_id: uuid.UUID,
        delta: int,
        movement_type: MovementType | str,
        reason: str,
        *,
        performed_by: uuid.UUID | None,
        unit_cost: Decimal | None = None,
        reference_id: uuid.UUID | None = None,
        reference_type: str | None = None,
        needs_review: bool = False,
        at: datetime | None = None,
    ) -> StockMovementView:
        """Change an item's stock by ``delta`` (signed) and write the movement.

        The only way stock changes. Raises ``InsufficientStockError`` (with the stock
        there is) when the item would go below zero, ``NotFoundError`` for an unknown
        item, ``ValidationError`` for a zero move, a sign that does not fit the type, or
        no reason. ``unit_cost`` defaults to the item's cost per unit; ``total_cost`` is
        ``unit_cost x |delta|``. A restock also sets ``last_restocked``.
        """
        kind = MovementType(movement_type)
        check_direction(kind, delta)
        why = reason.strip()
        if not why:
            raise ValidationError("Say why the stock changes", field="reason")
        given_cost = None if unit_cost is None else to_money(unit_cost, field="unit_cost")
        if given_cost is not None and given_cost < 0:
            raise ValidationError("A unit cost can't be negative", field="unit_cost")
        now = at or utcnow()
        values: dict[str, Any] = {
            "current_stock": _items.c.current_stock + delta,
            "updated_at": now,
        }
        if kind is MovementType.RESTOCK:
            values["last_restocked"] = now.astimezone().date()
        moved = self.session.execute(
            update(_items)
            .where(_items.c.id == item_id, _items.c.current_stock + delta >= 0)
            .values(**values)
            .returning(_items.c.current_stock, _items.c.cost_per_unit)
        ).one_or_none()
        if moved is None:
            raise self._refusal(item_id, delta)
        new_stock, item_cost = moved
        cost = item_cost if given_cost is None else given_cost
        movement = StockMovement(
            inventory_item_id=item_id,
            movement_type=kind.value,
            quantity=delta,
            previous_stock=new_stock - delta,
            new_stock=new_stock,
            unit_cost=cost,
            total_cost=to_money(cost * abs(delta)),
            reason=why,
            reference_id=reference_id,
            reference_type=reference_type,
            needs_review=needs_review,
            performed_by=performed_by,
            timestamp=now,
        )
        self.session.add(movement)
        self.session.flush()
        self._forget_loaded_item(item_id)
        return _movement_view(movement)

    def record_shortfall(
        self,
        item_id: uuid.UUID,
        reason: str,
        *,
        performed_by: uuid.UUID | None,
        reference_id: uuid.UUID | None = None,
        reference_type: str | None = None,
        short_by: int | None = None,
        at: datetime | None = None,
    ) -> StockMovementView:
        """Write a zero-quantity ``adjustment`` flagged ``needs_review``: stock that was
        used but wasn't there (the schema allows ``quantity`` 0; ``move_stock`` doesn't,
        as a move must change the stock), with ``short_by`` the units missing when known.
        The stock and the reconciliation are unchanged."""
        why = reason.strip()
        if not why:
            raise ValidationError("Say what was short", field="reason")
        if short_by is not None and (
            isinstance(short_by, bool) or not isinstance(short_by, int) or short_by <= 0
        ):
            raise ValidationError("A shortfall is at least one unit", field="short_by")
        row = self.session.execute(
            select(_items.c.current_stock, _items.c.cost_per_unit).where(_items.c.id == item_id)
        ).one_or_none()
        if row is None:
            raise NotFoundError("That stock item no longer exists")
        stock, cost = row
        movement = StockMovement(
            inventory_item_id=item_id,
            movement_type=MovementType.ADJUSTMENT.value,
            quantity=0,
            previous_stock=stock,
            new_stock=stock,
            unit_cost=cost,
            total_cost=to_money(Decimal(0)),
            reason=why,
            reference_id=reference_id,
            reference_type=reference_type,
            needs_review=True,
            short_by=short_by,
            performed_by=performed_by,
            timestamp=at or utcnow(),
        )
        self.session.add(movement)
        self.session.flush()
        return _movement_view(movement)

    def needs_review(self, *, limit: int = 200) -> list[StockMovementView]:
        """Movements flagged for review (supplies short at a visit), the newest first."""
        return self._with_references(
            _LEDGER_READ.where(StockMovement.needs_review.is_(True))
            .order_by(StockMovement.timestamp.desc(), StockMovement.id.desc())
            .limit(limit)
        )

    def _refusal(self, item_id: uuid.UUID, delta: int) -> Exception:
        row = self.session.execute(
            select(_items.c.name, _items.c.unit, _items.c.current_stock).where(
                _items.c.id == item_id
            )
        ).one_or_none()
        if row is None:
            return NotFoundError("That stock item no longer exists")
        name, unit, available = row
        wanted = abs(delta)
        if available == 0:
            there = f"No {plural_unit(unit)} of {name} left"
        else:
            there = f"Only {quantity_text(available, unit)} of {name} left"
        return InsufficientStockError(f"{there}; can't take {wanted}", available=available)

    def _forget_loaded_item(self, item_id: uuid.UUID) -> None:
        # The Core UPDATE bypassed the ORM: an item loaded in this session is now stale.
        loaded = self.session.identity_map.get(Session.identity_key(InventoryItem, item_id))
        if loaded is not None:
            self.session.expire(loaded, ["current_stock", "updated_at", "last_restocked"])

    # -- reading the ledger -------------------------------------------------------------
    def ledger(self, item_id: uuid.UUID, *, limit: int | None = None) -> list[StockMovementView]:
        """The item's movements, oldest first; with ``limit``, the newest ``limit`` of them.
        Each carries who moved it and what its reference is (the visit's patient and day,
        the restock request's order number), read in the same query."""
        query = _LEDGER_READ.where(StockMovement.inventory_item_id == item_id)
        if limit is None:
            return self._with_movers(
                self._with_references(query.order_by(StockMovement.timestamp, StockMovement.id))
            )
        newest = self._with_references(
            query.order_by(StockMovement.timestamp.desc(), StockMovement.id.desc()).limit(limit)
        )
        return self._with_movers(list(reversed(newest)))

    def _with_references(self, query: Select[Any]) -> list[StockMovementView]:
        return [
            replace(
                _movement_view(row[0]),
                visit_patient=row.patient_name,
                visit_date=row.appointment_date,
                supplier_order_id=row.supplier_order_id,
            )
            for row in self.session.execute(query)
        ]

    def _user_names(self, ids: set[uuid.UUID]) -> dict[uuid.UUID, str]:
        if not ids:
            return {}
        rows = self.session.execute(
            select(UserRow.id, UserRow.first_name, UserRow.last_name).where(UserRow.id.in_(ids))
        )
        return {row.id: f"{row.first_name} {row.last_name}".strip() for row in rows}

    def _with_movers(self, movements: list[StockMovementView]) -> list[StockMovementView]:
        names = self._user_names({m.performed_by for m in movements if m.performed_by})
        return [
            replace(m, performed_by_name=names.get(m.performed_by)) if m.performed_by else m
            for m in movements
        ]

    def low_stock(self) -> list[LowStockAlert]:
        """Active items at or below their minimum: critical first, then urgent, then low;
        within a level the furthest below its minimum first."""
        rows = self.session.connection().execute(_LOW_STOCK)
        return [_alert(row) for row in rows]

    def check_reconciliation(self) -> list[ReconciliationProblem]:
        """Items whose stored stock differs from the sum of their movements (see module)."""
        m = StockMovement.__table__
        total = func.coalesce(func.sum(m.c.quantity), 0)
        query = (
            select(
                _items.c.id,
                _items.c.name,
                _items.c.current_stock,
                total.label("movement_total"),
                func.count(m.c.id).label("movement_count"),
            )
            .select_from(_items.outerjoin(m, m.c.inventory_item_id == _items.c.id))
            .group_by(_items.c.id, _items.c.name, _items.c.current_stock)
            .having(_items.c.current_stock != total)
            .order_by(_items.c.name, _items.c.id)
        )
        return [
            ReconciliationProblem(
                item_id=row.id,
                name=row.name,
                current_stock=row.current_stock,
                movement_total=int(row.movement_total),
                movement_count=int(row.movement_count),
            )
            for row in self.session.execute(query)
        ]

    # -- restock requests ---------------------------------------------------------------
    def open_request_for(self, item_id: uuid.UUID) -> RestockRequestView | None:
        """The item's newest request still pending, approved or ordered, if any."""
        request = self.session.scalars(
            select(RestockRequest)
            .where(
                RestockRequest.inventory_item_id == item_id,
                RestockRequest.status.in_([s.value for s in OPEN_RESTOCK_STATUSES]),
            )
            .order_by(RestockRequest.request_date.desc(), RestockRequest.id)
            .limit(1)
        ).first()
        return None if request is None else _request_view(request)

    def add_request(
        self,
        item_id: uuid.UUID,
        requested_quantity: int,
        *,
        urgency: Urgency | str,
        reason: str,
        requested_by: uuid.UUID | None,
        notes: str | None = None,
        expected_delivery: date | None = None,
        at: datetime | None = None,
    ) -> RestockRequestView:
        """A pending request, recording the item's stock and minimum as they are now."""
        if requested_quantity <= 0:
            raise ValidationError("Ask for at least one", field="requested_quantity")
        if not reason.strip():
            raise ValidationError("Say why the restock is needed", field="reason")
        item = self.get(item_id)
        if item is None:
            raise NotFoundError("That stock item no longer exists")
        now = at or utcnow()
        request = RestockRequest(
            inventory_item_id=item_id,
            requested_quantity=requested_quantity,
            current_stock=item.current_stock,
            min_stock=item.min_stock,
            urgency=Urgency(urgency).value,
            reason=reason.strip(),
            status=RestockStatus.PENDING.value,
            requested_by=requested_by,
            request_date=now,
            notes=notes,
            expected_delivery=expected_delivery,
            updated_at=now,
        )
        self.session.add(request)
        self.session.flush()
        return _request_view(request)

    def get_request(self, request_id: uuid.UUID) -> RestockRequestView | None:
        """The request as stored now."""
        request = self.session.get(RestockRequest, request_id, populate_existing=True)
        return None if request is None else _request_view(request)

    def list_requests(self, status: RestockStatus | str | None = None) -> list[RestockRequestView]:
        """Requests, the newest first; only those in ``status`` when given."""
        query = select(RestockRequest).order_by(
            RestockRequest.request_date.desc(), RestockRequest.id
        )
        if status is not None:
            query = query.where(RestockRequest.status == RestockStatus(status).value)
        requests = [_request_view(r) for r in self.session.scalars(query)]
        item_ids = {r.item_id for r in requests}
        items = (
            {
                row.id: (row.name, row.unit)
                for row in self.session.execute(
                    select(_items.c.id, _items.c.name, _items.c.unit).where(
                        _items.c.id.in_(item_ids)
                    )
                )
            }
            if item_ids
            else {}
        )
        names = self._user_names({r.requested_by for r in requests if r.requested_by})
        return [
            replace(
                r,
                item_name=items.get(r.item_id, (None, None))[0],
                item_unit=items.get(r.item_id, (None, None))[1],
                requested_by_name=names.get(r.requested_by) if r.requested_by else None,
            )
            for r in requests
        ]

    def update_request(
        self,
        request_id: uuid.UUID,
        expected_version: int,
        *,
        at: datetime,
        **values: Any,
    ) -> RestockRequestView:
        """Save ``values`` on a request read at ``expected_version``.

        ``StaleRecordError`` (``changed_by``, ``changed_at``) when someone saved it since;
        ``NotFoundError`` when it is gone. The version makes the UPDATE conditional, so a
        save racing ours between the read and the flush is refused the same way.
        """
        request = self._request_at(request_id, expected_version)
        for name, value in values.items():
            if isinstance(value, StrEnum):
                value = value.value
            setattr(request, name, value)
        request.updated_at = at
        try:
            self.session.flush()
        except StaleDataError:
            raise self.stale_request_error(request_id) from None
        return _request_view(request)

    def _request_at(self, request_id: uuid.UUID, expected_version: int) -> RestockRequest:
        request = self.session.get(RestockRequest, request_id, populate_existing=True)
        if request is None:
            raise NotFoundError("That restock request no longer exists")
        if request.version != expected_version:
            raise self.stale_request_error(request_id)
        return request

    def stale_request_error(self, request_id: uuid.UUID) -> StaleRecordError:
        """The refusal of a change made on an old version of a request: who changed it
        last and when, from the audit trail (the request has no ``updated_by``)."""
        with self.session.no_autoflush:
            latest = self.session.execute(
                select(AuditEntry.user_email, AuditEntry.at)
                .where(
                    AuditEntry.entity == RESTOCK_REQUEST_ENTITY,
                    AuditEntry.entity_id == str(request_id),
                )
                .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
                .limit(1)
            ).one_or_none()
            updated_at = self.session.scalar(
                select(RestockRequest.updated_at).where(RestockRequest.id == request_id)
            )
        who = latest.user_email if latest is not None and latest.user_email else None
        when = latest.at if latest is not None else updated_at
        message = "Someone else changed this restock request"
        if who is not None:
            message = f"{who} changed this restock request"
        if when is not None:
            local = when.astimezone()
            message += f" at {local:%H:%M} on {local:%d %b %Y}"
        return StaleRecordError(
            message + " while you had it open; reopen it to see their changes.",
            changed_by=who,
            changed_at=when,
        )

    def draft_request_if_low(
        self, item_id: uuid.UUID, *, requested_by: uuid.UUID | None, at: datetime
    ) -> RestockRequestView | None:
        """Draft a pending request to fill the item up to its maximum when it is at or
        below its minimum and has no open request; None when nothing was drafted."""
        item = self.get(item_id)
        if item is None or not item.is_active or not is_low(item.current_stock, item.min_stock):
            return None
        quantity = restock_quantity(item.current_stock, item.max_stock)
        if quantity <= 0 or self.open_request_for(item_id) is not None:
            return None
        level = item.alert_level
        return self.add_request(
            item_id,
            quantity,
            urgency=urgency_for(level),
            reason=f"Drafted automatically: stock {level.value} "
            f"({item.current_stock} of minimum {item.min_stock})",
            requested_by=requested_by,
            at=at,
        )


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _item_view(row: Row[Any]) -> InventoryItemView:
    return InventoryItemView(
        id=row.id,
        name=row.name,
        description=row.description,
        category=row.category,
        current_stock=row.current_stock,
        min_stock=row.min_stock,
        max_stock=row.max_stock,
        unit=row.unit,
        cost_per_unit=row.cost_per_unit,
        supplier=row.supplier,
        supplier_contact=row.supplier_contact,
        last_restocked=row.last_restocked,
        expiration_date=row.expiration_date,
        storage_location=row.storage_location,
        is_active=bool(row.is_active),
        version=row.version,
        updated_at=row.updated_at,
    )


def _movement_view(m: StockMovement) -> StockMovementView:
    return StockMovementView(
        id=m.id,
        item_id=m.inventory_item_id,
        movement_type=MovementType(m.movement_type),
        quantity=m.quantity,
        previous_stock=m.previous_stock,
        new_stock=m.new_stock,
        unit_cost=m.unit_cost,
        total_cost=m.total_cost,
        reason=m.reason,
        reference_id=m.reference_id,
        reference_type=m.reference_type,
        needs_review=m.needs_review,
        performed_by=m.performed_by,
        timestamp=m.timestamp,
        short_by=m.short_by,
    )


def _alert(row: Row[Any]) -> LowStockAlert:
    return LowStockAlert(
        item_id=row.id,
        name=row.name,
        category=row.category,
        unit=row.unit,
        current_stock=row.current_stock,
        min_stock=row.min_stock,
        max_stock=row.max_stock,
        cost_per_unit=row.cost_per_unit,
        supplier=row.supplier,
        storage_location=row.storage_location,
        alert_level=AlertLevel(row.alert_level),
    )


def _request_view(r: RestockRequest) -> RestockRequestView:
    return RestockRequestView(
        id=r.id,
        item_id=r.inventory_item_id,
        requested_quantity=r.requested_quantity,
        current_stock=r.current_stock,
        min_stock=r.min_stock,
        urgency=Urgency(r.urgency),
        reason=r.reason,
        status=RestockStatus(r.status),
        requested_by=r.requested_by,
        request_date=r.request_date,
        approved_by=r.approved_by,
        approval_date=r.approval_date,
        expected_delivery=r.expected_delivery,
        notes=r.notes,
        version=r.version,
        order_date=r.order_date,
        supplier_order_id=r.supplier_order_id,
        actual_delivery=r.actual_delivery,
    )
