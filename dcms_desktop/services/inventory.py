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
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from types import MappingProxyType
from typing import Any

from dcms_desktop.data import cache_keys
from dcms_desktop.data.repositories.inventory import (
    INVENTORY_ENTITY,
    OPENING_STOCK_REASON,
    RESTOCK_REQUEST_ENTITY,
)
from dcms_desktop.data.uow import UnitOfWork
from dcms_desktop.domain.enums import AlertLevel, MovementType, RestockStatus, Urgency
from dcms_desktop.domain.errors import ConflictError, NotFoundError, ValidationError
from dcms_desktop.domain.money import to_money
from dcms_desktop.domain.permissions import Action, require
from dcms_desktop.domain.readmodels.inventory import (
    InventoryItemView,
    LowStockAlert,
    ReconciliationProblem,
    RestockRequestView,
    StockMovementView,
    SupplyShortfall,
)
from dcms_desktop.domain.readmodels.people import Actor
from dcms_desktop.domain.stock import check_stock_levels
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


EXPIRING_SOON_DAYS = 30
"""The inventory list's "expiring soon" filter: an expiration date within this many days."""

EXPIRY_REQUIRED_CATEGORIES = frozenset(
    {"anesthetics", "anaesthetics", "medications", "medicines", "drugs"}
)
"""Categories (compared ignoring case) whose items must carry an expiration date."""

_MAX_COST = Decimal("100000000")  # DECIMAL(10,2)
_LIMITS = {
    "name": 200,
    "category": 100,
    "unit": 50,
    "supplier": 200,
    "supplier_contact": 255,
    "storage_location": 100,
}


@dataclass(frozen=True)
class ItemForm:
    """An inventory item's details as the item form holds them (everything but the
    stock, which moves only through movements)."""

    name: str
    category: str
    unit: str
    cost_per_unit: Decimal | str
    min_stock: int = 0
    max_stock: int = 100
    description: str | None = None
    supplier: str | None = None
    supplier_contact: str | None = None
    expiration_date: date | None = None
    storage_location: str | None = None

    @classmethod
    def from_item(cls, item: InventoryItemView) -> ItemForm:
        """The form as it opens for editing ``item``."""
        return cls(
            name=item.name,
            category=item.category,
            unit=item.unit,
            cost_per_unit=item.cost_per_unit,
            min_stock=item.min_stock,
            max_stock=item.max_stock,
            description=item.description,
            supplier=item.supplier,
            supplier_contact=item.supplier_contact,
            expiration_date=item.expiration_date,
            storage_location=item.storage_location,
        )


def needs_expiry(category: str) -> bool:
    """True when items of ``category`` must carry an expiration date."""
    return category.strip().casefold() in EXPIRY_REQUIRED_CATEGORIES


def _count(value: object, field: str, what: str) -> int:
    if isinstance(value, bool):
        raise ValidationError(f"Enter {what} as a whole number", field=field)
    if isinstance(value, int):
        return value
    try:
        return int(str(value).strip())
    except ValueError:
        raise ValidationError(f"Enter {what} as a whole number", field=field) from None


def clean_item_form(
    form: ItemForm, *, today: date, opening_stock: int = 0, expiry_before: date | None = None
) -> dict[str, Any]:
    """The form's values ready to save, or ``ValidationError`` naming the first bad field.

    Checks what the item form shows next to each field: name, category and unit
    required and not too long; minimum and maximum whole numbers with 0 <= min <= max
    (:func:`check_stock_levels`); the cost a non-negative amount to the cent; an
    expiration date for the categories that need one, and not already past for a new
    item (``expiry_before`` is the item's current date when editing: keeping an expired
    item's date is allowed, typing a new past one is not).
    """
    values: dict[str, Any] = {}
    for name, what in (("name", "the item's name"), ("category", "a category"), ("unit", "a unit")):
        text = " ".join(str(getattr(form, name) or "").split())
        if not text:
            raise ValidationError(f"Enter {what}", field=name)
        if len(text) > _LIMITS[name]:
            raise ValidationError(f"Keep it to {_LIMITS[name]} characters", field=name)
        values[name] = text
    try:
        cost = to_money(form.cost_per_unit, field="cost_per_unit")
    except ValidationError:
        raise ValidationError(
            "Enter the cost as an amount, e.g. 12.50", field="cost_per_unit"
        ) from None
    if cost < 0:
        raise ValidationError("A cost can't be negative", field="cost_per_unit")
    if cost >= _MAX_COST:
        raise ValidationError("That cost is too large", field="cost_per_unit")
    values["cost_per_unit"] = cost
    minimum = _count(form.min_stock, "min_stock", "the minimum")
    maximum = _count(form.max_stock, "max_stock", "the maximum")
    opening = _count(opening_stock, "current_stock", "the stock")
    check_stock_levels(opening, minimum, maximum)
    if maximum < 0:
        raise ValidationError("The maximum can't be negative", field="max_stock")
    values["min_stock"], values["max_stock"] = minimum, maximum
    for name in ("description", "supplier", "supplier_contact", "storage_location"):
        text = (getattr(form, name) or "").strip()
        limit = _LIMITS.get(name)
        if limit is not None and len(text) > limit:
            raise ValidationError(f"Keep it to {limit} characters", field=name)
        values[name] = text or None
    expiry = form.expiration_date
    if expiry is not None and not isinstance(expiry, date):
        raise ValidationError("Enter a valid date", field="expiration_date")
    if expiry is None and needs_expiry(values["category"]):
        raise ValidationError(
            f"{values['category']} must carry an expiration date", field="expiration_date"
        )
    if expiry is not None and expiry < today and expiry != expiry_before:
        raise ValidationError(
            f"{expiry:%d %b %Y} has passed; enter the date on the new stock",
            field="expiration_date",
        )
    values["expiration_date"] = expiry
    return values


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
        token = self.context.cache.fill_token(key)
        with self.context.uow(write=False) as uow:
            item = uow.inventory.get(item_id)
        if item is None:
            raise NotFoundError("That stock item no longer exists")
        self.context.cache.fill_json(key, item.to_cache(), token, ITEM_CACHE_SECONDS)
        return item

    def items(
        self,
        actor: Actor,
        *,
        include_inactive: bool = False,
        category: str | None = None,
        search: str | None = None,
        alert_levels: Collection[AlertLevel | str] | None = None,
        expiring_soon: bool = False,
        expired: bool = False,
    ) -> list[InventoryItemView]:
        """Items by name, filtered: ``search`` words (name, description, supplier,
        storage place), ``category``, ``alert_levels`` (any of them), ``expiring_soon``
        (expiring within :data:`EXPIRING_SOON_DAYS` days, or already expired),
        ``expired`` (past their expiration date), inactive ones only when asked."""
        require(actor.role, Action.VIEW_INVENTORY)
        today = self.context.local_now().date()
        with self.context.uow(write=False) as uow:
            found = uow.inventory.find_items(
                include_inactive=include_inactive,
                category=category or None,
                search=search,
                expiring_by=today + timedelta(days=EXPIRING_SOON_DAYS) if expiring_soon else None,
                expired_on=today if expired else None,
            )
        if alert_levels:
            # The level is computed from two columns; a clinic has hundreds of items at most.
            wanted = {AlertLevel(level) for level in alert_levels}
            found = [item for item in found if item.alert_level in wanted]
        return found

    def categories(self, actor: Actor) -> list[str]:
        """The categories in use, alphabetically (for the filter and the item form)."""
        require(actor.role, Action.VIEW_INVENTORY)
        with self.context.uow(write=False) as uow:
            return uow.inventory.categories()

    def create_item(
        self,
        actor: Actor,
        form: ItemForm,
        *,
        opening_stock: int = 0,
        opening_reason: str = OPENING_STOCK_REASON,
    ) -> InventoryItemView:
        """A new item (admins). Its ``opening_stock`` comes in as an ``adjustment``
        movement (the ledger opens at zero, so the reconciliation stays clean)."""
        require(actor.role, Action.EDIT_INVENTORY)
        now = self.context.now()
        values = clean_item_form(
            form, today=self.context.local_now().date(), opening_stock=opening_stock
        )
        opening = _count(opening_stock, "current_stock", "the stock")
        with self.context.uow() as uow:
            if uow.inventory.name_taken(values["name"]):
                raise ConflictError(
                    f"There is already an item called {values['name']}", field="name"
                )
            item = uow.inventory.add_item(
                **values, opening_stock=0, performed_by=actor.user_id, at=now
            )
            if opening:
                uow.inventory.move_stock(
                    item.id,
                    opening,
                    MovementType.ADJUSTMENT,
                    opening_reason.strip() or OPENING_STOCK_REASON,
                    performed_by=actor.user_id,
                    at=now,
                )
                item = uow.inventory.get(item.id) or item
            audit.record(
                uow,
                actor,
                "create_item",
                INVENTORY_ENTITY,
                item.id,
                at=now,
                details={"name": item.name, "opening_stock": opening},
            )
            uow.announce(INVENTORY_ENTITY, item.id, "created")
            uow.commit()
        log.info("inventory item %s created", item.id)
        return item

    def update_item(
        self, actor: Actor, item_id: uuid.UUID, form: ItemForm, *, expected_version: int
    ) -> InventoryItemView:
        """Save an item's details edited from ``expected_version`` (admins).

        Never changes the stock (that is a movement). ``StaleRecordError`` naming who
        saved it and when if someone did since; ``ValidationError``/``ConflictError``
        with the field for bad input; nothing is saved then.
        """
        require(actor.role, Action.EDIT_INVENTORY)
        now = self.context.now()
        with self.context.uow() as uow:
            before = uow.inventory.get(item_id)
            if before is None:
                raise NotFoundError("That stock item no longer exists")
            if before.version != expected_version:
                raise uow.inventory.stale_item_error(item_id)
            values = clean_item_form(
                form,
                today=self.context.local_now().date(),
                opening_stock=before.current_stock,
                expiry_before=before.expiration_date,
            )
            if uow.inventory.name_taken(values["name"], other_than=item_id):
                raise ConflictError(
                    f"There is already an item called {values['name']}", field="name"
                )
            changed = uow.inventory.update_item(
                item_id, expected_version, values, by=actor.user_id, at=now
            )
            after = uow.inventory.get(item_id)
            assert after is not None
            if not changed:
                return after
            audit.record(
                uow,
                actor,
                "update_item",
                INVENTORY_ENTITY,
                item_id,
                at=now,
                details={"changed": changed, "version": after.version},
            )
            uow.drop_cache(cache_keys.inventory(item_id))
            uow.announce(INVENTORY_ENTITY, item_id, "updated")
            uow.commit()
        return after

    def set_item_active(
        self, actor: Actor, item_id: uuid.UUID, active: bool, *, expected_version: int
    ) -> InventoryItemView:
        """Deactivate (``active=False``: off the lists and the low-stock alerts, its
        history kept) or reactivate an item read at ``expected_version`` (admins)."""
        require(actor.role, Action.EDIT_INVENTORY)
        now = self.context.now()
        with self.context.uow() as uow:
            before = uow.inventory.get(item_id)
            if before is None:
                raise NotFoundError("That stock item no longer exists")
            changed = uow.inventory.update_item(
                item_id, expected_version, {"is_active": active}, by=actor.user_id, at=now
            )
            after = uow.inventory.get(item_id)
            assert after is not None
            if not changed:
                return after
            action = "reactivate_item" if active else "deactivate_item"
            audit.record(
                uow,
                actor,
                action,
                INVENTORY_ENTITY,
                item_id,
                at=now,
                details={"version": after.version},
            )
            uow.drop_cache(cache_keys.inventory(item_id))
            uow.announce(INVENTORY_ENTITY, item_id, "reactivated" if active else "deactivated")
            uow.commit()
        return after

    def shortfalls_for_appointment(
        self, actor: Actor, appointment_id: uuid.UUID
    ) -> list[SupplyShortfall]:
        """The supplies the completion of ``appointment_id`` needed but were not in stock
        (the needs-review adjustments recorded with it), for telling the dentist."""
        require(actor.role, Action.VIEW_INVENTORY)
        with self.context.uow(write=False) as uow:
            return uow.inventory.shortfalls_for(appointment_id)

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
