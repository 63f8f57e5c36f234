"""Inventory use cases: moving stock, the low-stock list, an item's ledger.

Stock only ever changes through :meth:`InventoryService.move_stock` (and, inside other use
cases such as completing a visit, through the same repository method in their unit of
work). After the commit the item's cache entry is dropped and ``inventory <id>
stock_moved`` goes out, so every workstation's inventory screen refreshes the row.
"""

from __future__ import annotations

import logging
import uuid
from decimal import Decimal

from dcms_desktop.data import cache_keys
from dcms_desktop.domain.enums import MovementType
from dcms_desktop.domain.errors import NotFoundError
from dcms_desktop.domain.permissions import Action, require
from dcms_desktop.domain.readmodels.inventory import (
    InventoryItemView,
    LowStockAlert,
    ReconciliationProblem,
    StockMovementView,
)
from dcms_desktop.domain.readmodels.people import Actor
from dcms_desktop.services import audit
from dcms_desktop.services.context import ServiceContext

log = logging.getLogger(__name__)

ITEM_CACHE_SECONDS = 300
STOCK_MOVED = "stock_moved"


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
