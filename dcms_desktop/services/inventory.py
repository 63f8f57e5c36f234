"""Inventory use cases: moving stock, the low-stock list, an item's ledger.

Stock only ever changes through :meth:`InventoryService.move_stock` (and, inside other use
cases such as completing a visit, through the same repository method in their unit of
work). After the commit the item's cache entry is dropped and ``inventory <id>
stock_moved`` goes out, so every workstation's inventory screen refreshes the row.

Restock requests move pending -> approved (an admin) -> ordered -> received, or to
cancelled from any of the first three (:data:`RESTOCK_TRANSITIONS`). Each step is saved on
the version the user had open (``StaleRecordError`` otherwise), audited, and announced as
``restock_request <id> <step>``. Receiving brings the delivered quantity in as a
``restock`` movement in the same transaction. A movement that takes an item to or below its
minimum drafts a pending request for it (up to its maximum) unless one is already open.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from types import MappingProxyType

from dcms_desktop.data import cache_keys
from dcms_desktop.data.repositories.inventory import RESTOCK_REQUEST_ENTITY
from dcms_desktop.data.uow import UnitOfWork
from dcms_desktop.domain.enums import MovementType, RestockStatus, Urgency
from dcms_desktop.domain.errors import NotFoundError, ValidationError
from dcms_desktop.domain.money import to_money
from dcms_desktop.domain.permissions import Action, require
from dcms_desktop.domain.readmodels.inventory import (
    InventoryItemView,
    LowStockAlert,
    ReconciliationProblem,
    RestockRequestView,
    StockMovementView,
)
from dcms_desktop.domain.readmodels.people import Actor
from dcms_desktop.services import audit
from dcms_desktop.services.context import ServiceContext

log = logging.getLogger(__name__)

ITEM_CACHE_SECONDS = 300
STOCK_MOVED = "stock_moved"

_S = RestockStatus
RESTOCK_TRANSITIONS: Mapping[RestockStatus, frozenset[RestockStatus]] = MappingProxyType(
    {
        _S.PENDING: frozenset({_S.APPROVED, _S.CANCELLED}),
        _S.APPROVED: frozenset({_S.ORDERED, _S.CANCELLED}),
        _S.ORDERED: frozenset({_S.RECEIVED, _S.CANCELLED}),
        _S.RECEIVED: frozenset(),
        _S.CANCELLED: frozenset(),
    }
)
"""Where a restock request may go from each status."""

_STEP_WORDS: Mapping[RestockStatus, str] = MappingProxyType(
    {
        _S.APPROVED: "approved",
        _S.ORDERED: "ordered",
        _S.RECEIVED: "received",
        _S.CANCELLED: "cancelled",
    }
)
_STATUS_WORDS: Mapping[RestockStatus, str] = MappingProxyType(
    {
        _S.PENDING: "still pending",
        _S.APPROVED: "already approved",
        _S.ORDERED: "already ordered",
        _S.RECEIVED: "already received",
        _S.CANCELLED: "cancelled",
    }
)


def check_transition(current: RestockStatus, wanted: RestockStatus) -> None:
    """Refuse a step the workflow does not allow, in words for the desk."""
    if wanted in RESTOCK_TRANSITIONS[current]:
        return
    raise ValidationError(
        f"This restock request is {_STATUS_WORDS[current]}, so it can't be "
        f"{_STEP_WORDS[wanted]} now",
        field="status",
    )


def draft_restock_if_low(
    uow: UnitOfWork, actor: Actor, item_id: uuid.UUID, *, at: datetime
) -> None:
    """Draft a pending restock request, audited and announced, when the item has fallen
    to its minimum and none is open (any use case that takes stock away calls this)."""
    drafted = uow.inventory.draft_request_if_low(item_id, requested_by=actor.user_id, at=at)
    if drafted is None:
        return
    audit.record(
        uow,
        actor,
        "draft_restock",
        RESTOCK_REQUEST_ENTITY,
        drafted.id,
        at=at,
        details={
            "item_id": str(item_id),
            "quantity": drafted.requested_quantity,
            "urgency": drafted.urgency.value,
        },
    )
    uow.announce(RESTOCK_REQUEST_ENTITY, drafted.id, "drafted")
    log.info("restock request %s drafted for item %s", drafted.id, item_id)


class InventoryService:
    """Stock items and their movements."""

    def __init__(self, context: ServiceContext) -> None:
        self.context = context

    def move_stock(
        self,
        actor: Actor,
        item_id: uuid.UUID,
        delta: int,
        movement_type: MovementType | str,
        reason: str,
        *,
        unit_cost: Decimal | None = None,
        reference_id: uuid.UUID | None = None,
        reference_type: str | None = None,
    ) -> StockMovementView:
        """Add (``delta`` > 0) or take (< 0) stock; refused below zero with what is left."""
        require(actor.role, Action.MOVE_STOCK)
        now = self.context.now()
        with self.context.uow() as uow:
            movement = uow.inventory.move_stock(
                item_id,
                delta,
                movement_type,
                reason,
                performed_by=actor.user_id,
                unit_cost=unit_cost,
                reference_id=reference_id,
                reference_type=reference_type,
                at=now,
            )
            audit.record(
                uow,
                actor,
                Action.MOVE_STOCK.value,
                "inventory",
                item_id,
                at=now,
                details={
                    "movement_id": str(movement.id),
                    "type": movement.movement_type.value,
                    "quantity": movement.quantity,
                    "previous_stock": movement.previous_stock,
                    "new_stock": movement.new_stock,
                },
            )
            uow.drop_cache(cache_keys.inventory(item_id))
            uow.announce("inventory", item_id, STOCK_MOVED)
            if delta < 0:
                draft_restock_if_low(uow, actor, item_id, at=self.context.now())
            uow.commit()
        log.info("stock of item %s moved by %+d", item_id, delta)
        return movement

    def item(self, actor: Actor, item_id: uuid.UUID) -> InventoryItemView:
        """One item, from the cache when it is there."""
        require(actor.role, Action.VIEW_INVENTORY)
        key = cache_keys.inventory(item_id)
        cached = self.context.cache.get_json(key)
        if cached is not None:
            return InventoryItemView.from_cache(cached)
        with self.context.uow(write=False) as uow:
            item = uow.inventory.get(item_id)
        if item is None:
            raise NotFoundError("That stock item no longer exists")
        self.context.cache.set_json(key, item.to_cache(), ITEM_CACHE_SECONDS)
        return item

    def items(
        self, actor: Actor, *, include_inactive: bool = False, category: str | None = None
    ) -> list[InventoryItemView]:
        """Items by name."""
        require(actor.role, Action.VIEW_INVENTORY)
        with self.context.uow(write=False) as uow:
            return uow.inventory.list_items(include_inactive=include_inactive, category=category)

    def low_stock(self, actor: Actor) -> list[LowStockAlert]:
        """Active items at or below their minimum, the most urgent first."""
        require(actor.role, Action.VIEW_INVENTORY)
        with self.context.uow(write=False) as uow:
            return uow.inventory.low_stock()

    def ledger(
        self, actor: Actor, item_id: uuid.UUID, *, limit: int | None = None
    ) -> list[StockMovementView]:
        """The item's movements, oldest first (the newest ``limit`` when given)."""
        require(actor.role, Action.VIEW_INVENTORY)
        with self.context.uow(write=False) as uow:
            return uow.inventory.ledger(item_id, limit=limit)

    def reconciliation(self, actor: Actor) -> list[ReconciliationProblem]:
        """Items whose stock does not match their movements (should always be empty)."""
        require(actor.role, Action.EDIT_INVENTORY)
        with self.context.uow(write=False) as uow:
            return uow.inventory.check_reconciliation()

    def needs_review(self, actor: Actor, *, limit: int = 200) -> list[StockMovementView]:
        """Movements flagged for review, the newest first: supplies a completed visit used
        that weren't in stock (zero-quantity adjustments naming the shortfall)."""
        require(actor.role, Action.VIEW_INVENTORY)
        with self.context.uow(write=False) as uow:
            return uow.inventory.needs_review(limit=limit)

    # -- restock requests ---------------------------------------------------------------
    def restock_requests(
        self, actor: Actor, status: RestockStatus | str | None = None
    ) -> list[RestockRequestView]:
        """Restock requests, the newest first; only those in ``status`` when given."""
        require(actor.role, Action.VIEW_INVENTORY)
        with self.context.uow(write=False) as uow:
            return uow.inventory.list_requests(status)

    def request_restock(
        self,
        actor: Actor,
        item_id: uuid.UUID,
        quantity: int,
        *,
        reason: str,
        urgency: Urgency | str = Urgency.MEDIUM,
        notes: str | None = None,
    ) -> RestockRequestView:
        """A pending request for ``quantity`` more of the item."""
        require(actor.role, Action.REQUEST_RESTOCK)
        now = self.context.now()
        with self.context.uow() as uow:
            request = uow.inventory.add_request(
                item_id,
                quantity,
                urgency=urgency,
                reason=reason,
                requested_by=actor.user_id,
                notes=notes,
                at=now,
            )
            self._audit_step(uow, actor, Action.REQUEST_RESTOCK, request, {"quantity": quantity})
            uow.announce(RESTOCK_REQUEST_ENTITY, request.id, "requested")
            uow.commit()
        return request

    def approve_restock(
        self, actor: Actor, request_id: uuid.UUID, *, expected_version: int
    ) -> RestockRequestView:
        """Approve a pending request (admins); records who and when."""
        require(actor.role, Action.APPROVE_RESTOCK)
        now = self.context.now()
        with self.context.uow() as uow:
            self._open_at(uow, request_id, expected_version, _S.APPROVED)
            request = uow.inventory.update_request(
                request_id,
                expected_version,
                at=now,
                status=_S.APPROVED,
                approved_by=actor.user_id,
                approval_date=now,
            )
            self._audit_step(uow, actor, Action.APPROVE_RESTOCK, request, {})
            uow.announce(RESTOCK_REQUEST_ENTITY, request_id, "approved")
            uow.commit()
        return request

    def order_restock(
        self,
        actor: Actor,
        request_id: uuid.UUID,
        *,
        expected_version: int,
        order_date: date,
        supplier_order_id: str,
        expected_delivery: date | None = None,
    ) -> RestockRequestView:
        """Mark an approved request as ordered from the supplier."""
        require(actor.role, Action.ORDER_RESTOCK)
        order_ref = supplier_order_id.strip()
        if not order_ref:
            raise ValidationError("Enter the supplier's order number", field="supplier_order_id")
        if expected_delivery is not None and expected_delivery < order_date:
            raise ValidationError(
                "The delivery can't be expected before the order date", field="expected_delivery"
            )
        now = self.context.now()
        with self.context.uow() as uow:
            current = self._open_at(uow, request_id, expected_version, _S.ORDERED)
            request = uow.inventory.update_request(
                request_id,
                expected_version,
                at=now,
                status=_S.ORDERED,
                order_date=order_date,
                supplier_order_id=order_ref,
                expected_delivery=expected_delivery,
                notes=_add_note(current.notes, f"Ordered by {actor.display_name} ({order_ref})"),
            )
            self._audit_step(
                uow,
                actor,
                Action.ORDER_RESTOCK,
                request,
                {
                    "order_date": order_date.isoformat(),
                    "supplier_order_id": order_ref,
                    "expected_delivery": None
                    if expected_delivery is None
                    else expected_delivery.isoformat(),
                },
            )
            uow.announce(RESTOCK_REQUEST_ENTITY, request_id, "ordered")
            uow.commit()
        return request

    def receive_restock(
        self,
        actor: Actor,
        request_id: uuid.UUID,
        *,
        expected_version: int,
        actual_delivery: date,
        quantity: int,
        unit_cost: Decimal,
    ) -> tuple[RestockRequestView, StockMovementView]:
        """Record the delivery of an ordered request: the quantity received comes in as a
        ``restock`` movement at ``unit_cost``, in the same transaction."""
        require(actor.role, Action.RECEIVE_RESTOCK)
        if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity <= 0:
            raise ValidationError("Enter how many were received", field="quantity")
        cost = to_money(unit_cost, field="unit_cost")
        if cost < 0:
            raise ValidationError("A unit cost can't be negative", field="unit_cost")
        now = self.context.now()
        with self.context.uow() as uow:
            current = self._open_at(uow, request_id, expected_version, _S.RECEIVED)
            request = uow.inventory.update_request(
                request_id,
                expected_version,
                at=now,
                status=_S.RECEIVED,
                actual_delivery=actual_delivery,
                notes=_add_note(
                    current.notes,
                    f"Received by {actor.display_name}: {quantity} at {cost} each",
                ),
            )
            movement = uow.inventory.move_stock(
                current.item_id,
                quantity,
                MovementType.RESTOCK,
                f"Restock request received ({current.supplier_order_id or 'no order number'})",
                performed_by=actor.user_id,
                unit_cost=cost,
                reference_id=request_id,
                reference_type=RESTOCK_REQUEST_ENTITY,
                at=now,
            )
            self._audit_step(
                uow,
                actor,
                Action.RECEIVE_RESTOCK,
                request,
                {
                    "actual_delivery": actual_delivery.isoformat(),
                    "quantity": quantity,
                    "unit_cost": str(cost),
                    "movement_id": str(movement.id),
                },
            )
            uow.drop_cache(cache_keys.inventory(current.item_id))
            uow.announce("inventory", current.item_id, STOCK_MOVED)
            uow.announce(RESTOCK_REQUEST_ENTITY, request_id, "received")
            uow.commit()
        return request, movement

    def cancel_restock(
        self, actor: Actor, request_id: uuid.UUID, reason: str, *, expected_version: int
    ) -> RestockRequestView:
        """Cancel a request not yet received (admins), saying why."""
        require(actor.role, Action.CANCEL_RESTOCK)
        why = reason.strip()
        if not why:
            raise ValidationError("Say why the request is cancelled", field="reason")
        now = self.context.now()
        with self.context.uow() as uow:
            current = self._open_at(uow, request_id, expected_version, _S.CANCELLED)
            request = uow.inventory.update_request(
                request_id,
                expected_version,
                at=now,
                status=_S.CANCELLED,
                notes=_add_note(current.notes, f"Cancelled by {actor.display_name}: {why}"),
            )
            self._audit_step(
                uow,
                actor,
                Action.CANCEL_RESTOCK,
                request,
                {"reason": why, "from_status": current.status.value},
            )
            uow.announce(RESTOCK_REQUEST_ENTITY, request_id, "cancelled")
            uow.commit()
        return request

    def _open_at(
        self,
        uow: UnitOfWork,
        request_id: uuid.UUID,
        expected_version: int,
        wanted: RestockStatus,
    ) -> RestockRequestView:
        """The request as the user had it open, if it may now move to ``wanted``."""
        current = uow.inventory.get_request(request_id)
        if current is None:
            raise NotFoundError("That restock request no longer exists")
        if current.version != expected_version:
            raise uow.inventory.stale_request_error(request_id)
        check_transition(current.status, wanted)
        return current

    def _audit_step(
        self,
        uow: UnitOfWork,
        actor: Actor,
        action: Action,
        request: RestockRequestView,
        details: dict[str, object],
    ) -> None:
        audit.record(
            uow,
            actor,
            action.value,
            RESTOCK_REQUEST_ENTITY,
            request.id,
            at=self.context.now(),
            details={"item_id": str(request.item_id), "status": request.status.value, **details},
        )


def _add_note(notes: str | None, line: str) -> str:
    return line if not notes else f"{notes}\n{line}"
