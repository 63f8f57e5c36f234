"""InventoryService on both backends: permissions, one unit of work, the audit entry, and
the cache drop and change event that follow a commit (and never a refusal)."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest

from dcms_desktop.data import cache_keys
from dcms_desktop.data.cache import MemoryCache
from dcms_desktop.data.events import ChangeEvent, LocalEventBus
from dcms_desktop.data.models import User
from dcms_desktop.domain.enums import AlertLevel, MovementType, Role
from dcms_desktop.domain.errors import (
    InsufficientStockError,
    NotFoundError,
    PermissionDeniedError,
)
from dcms_desktop.domain.readmodels.inventory import InventoryItemView
from dcms_desktop.domain.readmodels.people import Actor
from dcms_desktop.services.context import ServiceContext
from dcms_desktop.services.inventory import InventoryService


def _actor(context: ServiceContext, role: Role = Role.STAFF) -> Actor:
    with context.uow() as uow:
        user = User(
            email=f"{role.value}-{uuid.uuid4().hex[:6]}@clinic.test",
            first_name="Sam",
            last_name="Lee",
            password_hash="not-a-real-hash",
            role=role.value,
        )
        uow.session.add(user)
        uow.commit()
    return Actor(user_id=user.id, email=user.email, role=role, display_name="Sam Lee")


def _item(
    context: ServiceContext, name: str = "Lidocaine 2%", stock: int = 10, **kw: int
) -> uuid.UUID:
    with context.uow() as uow:
        item = uow.inventory.add_item(
            name=name,
            category="Anaesthetics",
            unit="box",
            cost_per_unit=Decimal("12.50"),
            opening_stock=stock,
            min_stock=kw.get("min_stock", 5),
            max_stock=kw.get("max_stock", 50),
        )
        uow.commit()
    return item.id


@pytest.fixture
def events(local_bus: LocalEventBus) -> list[ChangeEvent]:
    seen: list[ChangeEvent] = []
    local_bus.subscribe(seen.append)
    return seen


def test_moving_stock_commits_audits_drops_the_cache_and_announces(
    service_context: ServiceContext, memory_cache: MemoryCache, events: list[ChangeEvent]
) -> None:
    staff = _actor(service_context)
    item_id = _item(service_context)
    service = InventoryService(service_context)
    service.item(staff, item_id)  # now cached
    assert memory_cache.get_json(cache_keys.inventory(item_id)) is not None

    movement = service.move_stock(staff, item_id, -3, MovementType.DEDUCTION, "Used in a visit")

    assert (movement.previous_stock, movement.new_stock, movement.performed_by) == (
        10,
        7,
        staff.user_id,
    )
    assert memory_cache.get_json(cache_keys.inventory(item_id)) is None
    assert events == [ChangeEvent("inventory", str(item_id), "stock_moved", "test-ws")]
    assert service.item(staff, item_id).current_stock == 7
    with service_context.uow(write=False) as uow:
        (entry,) = uow.audit.recent("inventory", item_id)
    assert (entry.user_id, entry.user_email, entry.workstation, entry.action) == (
        staff.user_id,
        staff.email,
        "test-ws",
        "move_stock",
    )
    assert entry.details == {
        "movement_id": str(movement.id),
        "type": "deduction",
        "quantity": -3,
        "previous_stock": 10,
        "new_stock": 7,
    }


def test_a_refused_movement_leaves_cache_events_and_audit_untouched(
    service_context: ServiceContext, memory_cache: MemoryCache, events: list[ChangeEvent]
) -> None:
    staff = _actor(service_context)
    item_id = _item(service_context, stock=2)
    service = InventoryService(service_context)
    cached = service.item(staff, item_id)

    with pytest.raises(InsufficientStockError) as refused:
        service.move_stock(staff, item_id, -5, "deduction", "Used in a visit")

    assert refused.value.message == "Only 2 boxes of Lidocaine 2% left; can't take 5"
    assert memory_cache.get_json(cache_keys.inventory(item_id)) == cached.to_cache()
    assert events == []
    with service_context.uow(write=False) as uow:
        assert uow.audit.recent() == []


def test_a_patient_account_can_neither_move_nor_see_stock(
    service_context: ServiceContext, events: list[ChangeEvent]
) -> None:
    patient = _actor(service_context, Role.PATIENT)
    item_id = _item(service_context)
    service = InventoryService(service_context)
    with pytest.raises(PermissionDeniedError):
        service.move_stock(patient, item_id, 5, "restock", "Delivery")
    with pytest.raises(PermissionDeniedError):
        service.low_stock(patient)
    assert events == []
    with service_context.uow(write=False) as uow:
        assert uow.inventory.get(item_id).current_stock == 10  # type: ignore[union-attr]


def test_reconciliation_is_for_admins(service_context: ServiceContext) -> None:
    service = InventoryService(service_context)
    with pytest.raises(PermissionDeniedError):
        service.reconciliation(_actor(service_context, Role.STAFF))
    assert service.reconciliation(_actor(service_context, Role.ADMIN)) == []


def test_low_stock_lists_the_most_urgent_first(service_context: ServiceContext) -> None:
    staff = _actor(service_context)
    _item(service_context, "Gauze", stock=4, min_stock=5)
    _item(service_context, "Burs", stock=0, min_stock=5)
    _item(service_context, "Masks", stock=50, min_stock=5)
    _item(service_context, "Floss", stock=2, min_stock=5)
    alerts = InventoryService(service_context).low_stock(staff)
    assert [(a.name, a.alert_level) for a in alerts] == [
        ("Burs", AlertLevel.CRITICAL),
        ("Floss", AlertLevel.URGENT),
        ("Gauze", AlertLevel.LOW),
    ]


def test_an_item_is_served_from_the_cache_until_its_stock_moves(
    service_context: ServiceContext, memory_cache: MemoryCache
) -> None:
    staff = _actor(service_context)
    item_id = _item(service_context)
    service = InventoryService(service_context)
    first = service.item(staff, item_id)
    memory_cache.set_json(
        cache_keys.inventory(item_id), {**first.to_cache(), "name": "from the cache"}
    )
    assert service.item(staff, item_id).name == "from the cache"
    service.move_stock(staff, item_id, 1, "restock", "Delivery")
    fresh = service.item(staff, item_id)
    assert (fresh.name, fresh.current_stock) == ("Lidocaine 2%", 11)
    # The cached form reads back equal to the item.
    assert InventoryItemView.from_cache(fresh.to_cache()) == fresh


def test_an_unknown_item_is_not_found(service_context: ServiceContext) -> None:
    with pytest.raises(NotFoundError):
        InventoryService(service_context).item(_actor(service_context), uuid.uuid4())


def test_the_ledger_and_items_lists_come_back_through_the_service(
    service_context: ServiceContext,
) -> None:
    staff = _actor(service_context)
    item_id = _item(service_context)
    service = InventoryService(service_context)
    service.move_stock(staff, item_id, -1, "deduction", "Visit")
    assert [m.quantity for m in service.ledger(staff, item_id)] == [10, -1]
    assert [i.name for i in service.items(staff)] == ["Lidocaine 2%"]
