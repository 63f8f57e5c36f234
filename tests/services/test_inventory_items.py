"""Inventory items on both backends: creating and editing them (validated, optimistic),
deactivating them, the list's filters, and the shortfalls a completed visit recorded."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import date, datetime, time, timedelta
from decimal import Decimal

import pytest

from dcms_desktop.data import cache_keys
from dcms_desktop.data.cache import MemoryCache
from dcms_desktop.data.events import ChangeEvent, LocalEventBus
from dcms_desktop.data.models import User
from dcms_desktop.domain.enums import AlertLevel, MovementType, Role
from dcms_desktop.domain.errors import (
    ConflictError,
    PermissionDeniedError,
    StaleRecordError,
    ValidationError,
)
from dcms_desktop.domain.readmodels.people import Actor
from dcms_desktop.services.audit import AuditService
from dcms_desktop.services.context import ServiceContext
from dcms_desktop.services.inventory import InventoryService, ItemForm
from tests.factories import make_appointment, make_patient, write_session

LIDOCAINE = ItemForm(
    name="Lidocaine 2% cartridges",
    category="Anesthetics",
    unit="cartridge",
    cost_per_unit=Decimal("18.75"),
    min_stock=20,
    max_stock=100,
    supplier="DentaSupply",
    supplier_contact="orders@dentasupply.example",
    expiration_date=date(2031, 6, 30),
    storage_location="Drug cabinet",
    description="1.8 ml with epinephrine",
)
GLOVES = ItemForm(
    name="Nitrile gloves, medium",
    category="Infection control",
    unit="box",
    cost_per_unit="380.00",
    min_stock=4,
    max_stock=12,
)


def _actor(context: ServiceContext, role: Role, name: str = "Ana Reyes") -> Actor:
    first, last = name.split(" ", 1)
    with context.uow() as uow:
        user = User(
            email=f"{role.value}-{uuid.uuid4().hex[:6]}@clinic.test",
            first_name=first,
            last_name=last,
            password_hash="not-a-real-hash",
            role=role.value,
        )
        uow.session.add(user)
        uow.commit()
    return Actor(user_id=user.id, email=user.email, role=role, display_name=name)


@pytest.fixture
def admin(service_context: ServiceContext) -> Actor:
    return _actor(service_context, Role.ADMIN)


@pytest.fixture
def service(service_context: ServiceContext) -> InventoryService:
    return InventoryService(service_context)


@pytest.fixture
def events(local_bus: LocalEventBus) -> list[ChangeEvent]:
    seen: list[ChangeEvent] = []
    local_bus.subscribe(seen.append)
    return seen


# -- creating ------------------------------------------------------------------------------
def test_a_new_items_opening_stock_enters_as_an_adjustment_and_reconciles(
    service: InventoryService, admin: Actor, events: list[ChangeEvent]
) -> None:
    item = service.create_item(admin, LIDOCAINE, opening_stock=60)

    assert item.current_stock == 60
    assert item.cost_per_unit == Decimal("18.75")
    assert (item.supplier, item.storage_location) == ("DentaSupply", "Drug cabinet")
    ledger = service.ledger(admin, item.id)
    assert [(m.movement_type, m.quantity, m.previous_stock, m.new_stock) for m in ledger] == [
        (MovementType.ADJUSTMENT, 60, 0, 60)
    ]
    assert ledger[0].performed_by == admin.user_id
    assert service.reconciliation(admin) == []
    assert ("inventory", str(item.id), "created") in [(e.entity, e.id, e.action) for e in events]
    entries = AuditService(service.context).recent(admin, entity="inventory", entity_id=item.id)
    assert {e.action for e in entries} == {"create_item"}


def test_a_new_item_without_stock_has_no_movement(service: InventoryService, admin: Actor) -> None:
    item = service.create_item(admin, GLOVES)
    assert item.current_stock == 0
    assert service.ledger(admin, item.id) == []
    assert service.reconciliation(admin) == []


@pytest.mark.parametrize(
    ("change", "opening", "field", "words"),
    [
        ({"name": "  "}, 0, "name", "name"),
        ({"unit": ""}, 0, "unit", "unit"),
        ({"category": ""}, 0, "category", "category"),
        ({"min_stock": 30, "max_stock": 20}, 0, "min_stock", "above the maximum"),
        ({"min_stock": -1}, 0, "min_stock", "negative"),
        ({"min_stock": "lots"}, 0, "min_stock", "whole number"),
        ({"cost_per_unit": "-1.00"}, 0, "cost_per_unit", "negative"),
        ({"cost_per_unit": "twelve"}, 0, "cost_per_unit", "amount"),
        ({"expiration_date": None}, 0, "expiration_date", "expiration date"),
        ({"expiration_date": date(2020, 1, 1)}, 0, "expiration_date", "has passed"),
        ({"name": "x" * 201}, 0, "name", "200 characters"),
        ({}, -5, "current_stock", "negative"),
    ],
)
def test_a_bad_item_form_is_refused_naming_the_field_and_nothing_is_saved(
    service: InventoryService,
    admin: Actor,
    change: dict[str, object],
    opening: int,
    field: str,
    words: str,
) -> None:
    with pytest.raises(ValidationError) as refused:
        service.create_item(admin, replace(LIDOCAINE, **change), opening_stock=opening)
    assert refused.value.field == field
    assert words in refused.value.message
    assert service.items(admin, include_inactive=True) == []


def test_a_second_item_with_the_same_name_is_refused(
    service: InventoryService, admin: Actor
) -> None:
    service.create_item(admin, GLOVES)
    with pytest.raises(ConflictError) as refused:
        service.create_item(admin, replace(GLOVES, name=" nitrile GLOVES, medium "))
    assert refused.value.field == "name"
    assert "already an item called" in refused.value.message


def test_only_admins_create_and_edit_items(
    service_context: ServiceContext, service: InventoryService, admin: Actor
) -> None:
    staff = _actor(service_context, Role.STAFF)
    with pytest.raises(PermissionDeniedError):
        service.create_item(staff, GLOVES)
    item = service.create_item(admin, GLOVES)
    with pytest.raises(PermissionDeniedError):
        service.update_item(staff, item.id, GLOVES, expected_version=item.version)
    with pytest.raises(PermissionDeniedError):
        service.set_item_active(staff, item.id, False, expected_version=item.version)


class _MovedWhileReading:
    """The real cache, with another workstation's stock move landing between a reader's
    database read and its fill: the moment a plain set would cache the old stock."""

    def __init__(self, cache: MemoryCache, move) -> None:
        self._cache = cache
        self._move = move

    def __getattr__(self, name: str):
        return getattr(self._cache, name)

    def fill_json(self, key, value, token, ttl_seconds=None) -> None:
        move, self._move = self._move, None
        if move is not None:
            move()
        self._cache.fill_json(key, value, token, ttl_seconds)


def test_a_stock_move_committed_during_a_read_is_not_hidden_by_the_cache(
    service_context: ServiceContext, admin: Actor, memory_cache: MemoryCache
) -> None:
    other = InventoryService(service_context)  # the other workstation, same cache
    item = other.create_item(admin, LIDOCAINE, opening_stock=10)
    racing = ServiceContext(
        service_context.database,
        _MovedWhileReading(
            memory_cache,
            lambda: other.move_stock(admin, item.id, -4, MovementType.DEDUCTION, "Used"),
        ),
        service_context.bus,
        "front-desk-2",
    )
    reader = InventoryService(racing)

    assert reader.item(admin, item.id).current_stock == 10  # read before the move landed
    assert reader.item(admin, item.id).current_stock == 6  # not the old 10 from the cache
    assert reader.item(admin, item.id).current_stock == 6  # cached now, and right


# -- editing -------------------------------------------------------------------------------
def test_editing_an_item_saves_its_details_but_never_its_stock(
    service: InventoryService,
    admin: Actor,
    memory_cache: MemoryCache,
    events: list[ChangeEvent],
) -> None:
    item = service.create_item(admin, LIDOCAINE, opening_stock=40)
    service.move_stock(admin, item.id, -5, MovementType.DEDUCTION, "Used today")
    fresh = service.item(admin, item.id)  # cached now
    assert fresh.version == item.version, "a stock move is not an edit of the item"

    saved = service.update_item(
        admin,
        item.id,
        replace(LIDOCAINE, min_stock=25, cost_per_unit="19.10", supplier="  "),
        expected_version=fresh.version,
    )

    assert (saved.min_stock, saved.cost_per_unit, saved.supplier) == (25, Decimal("19.10"), None)
    assert saved.current_stock == 35
    assert saved.version == fresh.version + 1
    assert memory_cache.get_json(cache_keys.inventory(item.id)) is None
    assert ("inventory", str(item.id), "updated") in [(e.entity, e.id, e.action) for e in events]
    assert service.reconciliation(admin) == []
    entry = AuditService(service.context).recent(admin, entity="inventory", entity_id=item.id)[0]
    assert entry.action == "update_item"
    assert set(entry.details["changed"]) == {"min_stock", "cost_per_unit", "supplier"}


def test_a_stale_edit_is_refused_naming_who_saved_first(
    service_context: ServiceContext, service: InventoryService, admin: Actor
) -> None:
    other = _actor(service_context, Role.ADMIN, "Ben Cruz")
    item = service.create_item(admin, GLOVES, opening_stock=6)
    service.update_item(other, item.id, replace(GLOVES, max_stock=20), expected_version=1)

    with pytest.raises(StaleRecordError) as refused:
        service.update_item(admin, item.id, replace(GLOVES, min_stock=2), expected_version=1)

    assert refused.value.changed_by == other.email
    assert other.email in refused.value.message
    assert service.item(admin, item.id).min_stock == 4


def test_an_edit_may_keep_an_expired_date_but_not_type_a_new_past_one(
    service_context: ServiceContext, service: InventoryService, admin: Actor
) -> None:
    item = service.create_item(admin, LIDOCAINE)
    today = service_context.local_now().date()
    with service_context.uow() as uow:  # time passes: the stock on the shelf expired
        uow.inventory.update_item(
            item.id, 1, {"expiration_date": today - timedelta(days=3)}, by=None, at=item.updated_at
        )
        uow.commit()
    expired = service.item(admin, item.id)

    kept = service.update_item(
        admin, item.id, ItemForm.from_item(replace(expired, min_stock=10)), expected_version=2
    )
    assert kept.min_stock == 10

    with pytest.raises(ValidationError) as refused:
        service.update_item(
            admin,
            item.id,
            replace(ItemForm.from_item(kept), expiration_date=today - timedelta(days=10)),
            expected_version=kept.version,
        )
    assert refused.value.field == "expiration_date"


def test_deactivating_hides_the_item_and_reactivating_brings_it_back(
    service: InventoryService, admin: Actor, events: list[ChangeEvent]
) -> None:
    item = service.create_item(admin, GLOVES, opening_stock=1)
    off = service.set_item_active(admin, item.id, False, expected_version=item.version)
    assert not off.is_active
    assert service.items(admin) == []
    assert service.low_stock(admin) == []
    assert [i.id for i in service.items(admin, include_inactive=True)] == [item.id]
    on = service.set_item_active(admin, item.id, True, expected_version=off.version)
    assert on.is_active
    assert [e.action for e in events if e.entity == "inventory"][-2:] == [
        "deactivated",
        "reactivated",
    ]
    with pytest.raises(StaleRecordError):
        service.set_item_active(admin, item.id, False, expected_version=off.version)


# -- the list's filters --------------------------------------------------------------------
def test_the_list_filters_by_search_category_alert_level_and_expiry(
    service_context: ServiceContext, service: InventoryService, admin: Actor
) -> None:
    today = service_context.local_now().date()
    lido = service.create_item(
        admin, replace(LIDOCAINE, expiration_date=today + timedelta(days=10)), opening_stock=0
    )
    gloves = service.create_item(admin, GLOVES, opening_stock=2)  # urgent (2 <= 4/2)
    masks = service.create_item(
        admin,
        replace(GLOVES, name="Face masks", supplier="MedPro 50% off_", min_stock=3),
        opening_stock=3,
    )  # low
    wipes = service.create_item(
        admin,
        replace(
            GLOVES,
            name="Surface wipes",
            category="Sterilization",
            expiration_date=today + timedelta(days=90),
        ),
        opening_stock=10,
    )  # normal
    with service_context.uow() as uow:
        uow.inventory.update_item(
            masks.id,
            1,
            {"expiration_date": today - timedelta(days=1)},
            by=None,
            at=masks.updated_at,
        )
        uow.commit()

    def names(**filters: object) -> list[str]:
        return [i.name for i in service.items(admin, **filters)]  # type: ignore[arg-type]

    assert names() == ["Face masks", "Lidocaine 2% cartridges", "Nitrile gloves, medium",
                       "Surface wipes"]  # fmt: skip
    assert names(search="GLOVES med") == ["Nitrile gloves, medium"]
    assert names(search="50%") == ["Face masks"]  # supplier, LIKE wildcards taken literally
    assert names(search="off_") == ["Face masks"]
    assert names(search="drug cabinet") == ["Lidocaine 2% cartridges"]
    assert names(category="Sterilization") == ["Surface wipes"]
    assert names(alert_levels=[AlertLevel.CRITICAL]) == ["Lidocaine 2% cartridges"]
    assert names(alert_levels=["critical", "urgent"]) == [
        "Lidocaine 2% cartridges",
        "Nitrile gloves, medium",
    ]
    assert names(alert_levels=[AlertLevel.NORMAL]) == ["Surface wipes"]
    assert names(expiring_soon=True) == ["Face masks", "Lidocaine 2% cartridges"]
    assert names(expired=True) == ["Face masks"]
    assert service.categories(admin) == ["Anesthetics", "Infection control", "Sterilization"]
    assert {lido.id, gloves.id, wipes.id} <= {i.id for i in service.items(admin)}


# -- shortfalls of a completed visit -------------------------------------------------------
def test_shortfalls_for_an_appointment_are_its_needs_review_adjustments(
    service_context: ServiceContext, service: InventoryService, admin: Actor
) -> None:
    lido = service.create_item(admin, LIDOCAINE, opening_stock=0)
    gloves = service.create_item(admin, GLOVES, opening_stock=3)
    visit, other_visit = uuid.uuid4(), uuid.uuid4()
    with service_context.uow() as uow:
        # Written before 0004: no count stored, so it is read from the reason.
        uow.inventory.record_shortfall(
            lido.id,
            "Short by 2 cartridge for Local anaesthesia; needs review",
            performed_by=admin.user_id,
            reference_id=visit,
            reference_type="appointment",
        )
        uow.inventory.record_shortfall(
            gloves.id,
            "Gloves were wet",
            performed_by=admin.user_id,
            reference_id=visit,
            reference_type="appointment",
        )
        # The stored count is what counts, whatever the reason says.
        uow.inventory.record_shortfall(
            gloves.id,
            "Short by 9 box for Cleaning; needs review",
            short_by=3,
            performed_by=admin.user_id,
            reference_id=visit,
            reference_type="appointment",
        )
        uow.inventory.record_shortfall(
            gloves.id,
            "Short by 1 box for Cleaning; needs review",
            performed_by=admin.user_id,
            reference_id=other_visit,
            reference_type="appointment",
        )
        uow.commit()
    service.move_stock(
        admin, gloves.id, -1, MovementType.DEDUCTION, "Used", reference_id=visit
    )  # an ordinary deduction of the same visit is not a shortfall

    shortfalls = service.shortfalls_for_appointment(admin, visit)

    assert [(s.item_name, s.short_by) for s in shortfalls] == [
        ("Lidocaine 2% cartridges", 2),
        ("Nitrile gloves, medium", None),
        ("Nitrile gloves, medium", 3),
    ]
    assert shortfalls[0].text == "Lidocaine 2% cartridges — 2 cartridges missing"
    assert shortfalls[1].text == "Nitrile gloves, medium — Gloves were wet"
    assert shortfalls[2].text == "Nitrile gloves, medium — 3 boxes missing"
    assert [m.short_by for m in service.needs_review(admin) if m.item_id == lido.id] == [None]
    assert service.shortfalls_for_appointment(admin, uuid.uuid4()) == []
    assert service.reconciliation(admin) == []


@pytest.mark.parametrize("short_by", [0, -1, True])
def test_a_shortfall_of_no_units_is_refused(
    service_context: ServiceContext, service: InventoryService, admin: Actor, short_by: int
) -> None:
    gloves = service.create_item(admin, GLOVES, opening_stock=0)
    with service_context.uow() as uow, pytest.raises(ValidationError) as refused:
        uow.inventory.record_shortfall(
            gloves.id, "Short", performed_by=admin.user_id, short_by=short_by
        )
    assert refused.value.field == "short_by"
    assert service.needs_review(admin) == []


# -- the ledger's references ---------------------------------------------------------------
def test_the_ledger_names_the_visit_and_the_restock_request_each_movement_belongs_to(
    database, service_context: ServiceContext, service: InventoryService, admin: Actor
) -> None:
    lido = service.create_item(admin, LIDOCAINE, opening_stock=30)
    with write_session(database) as session:
        maria = make_patient(session, first_name="Maria", last_name="Santos")
        visit = make_appointment(
            session,
            patient=maria,
            dentist=None,
            start=datetime.combine(date(2026, 11, 3), time(10, 0)),
            status="completed",
        ).id
    service.move_stock(
        admin, lido.id, -2, MovementType.DEDUCTION, "Used", reference_id=visit,
        reference_type="appointment",
    )  # fmt: skip
    gone = uuid.uuid4()  # a visit that is not there (deleted, or another clinic's)
    service.move_stock(
        admin, lido.id, -1, MovementType.DEDUCTION, "Used", reference_id=gone,
        reference_type="appointment",
    )  # fmt: skip
    request = service.request_restock(admin, lido.id, 50, reason="Low")
    request = service.approve_restock(admin, request.id, expected_version=request.version)
    request = service.order_restock(
        admin, request.id, expected_version=request.version, order_date=date(2026, 11, 4),
        supplier_order_id="DS-4471",
    )  # fmt: skip
    _, received = service.receive_restock(
        admin, request.id, expected_version=request.version, actual_delivery=date(2026, 11, 5),
        quantity=50, unit_cost=Decimal("18.00"),
    )  # fmt: skip

    ledger = service.ledger(admin, lido.id)
    newest = service.ledger(admin, lido.id, limit=3)

    refs = [(m.visit_patient, m.visit_date, m.supplier_order_id) for m in ledger]
    assert refs == [
        (None, None, None),  # the opening stock
        ("Maria Santos", date(2026, 11, 3), None),
        (None, None, None),
        (None, None, "DS-4471"),
    ]
    assert [m.id for m in newest] == [m.id for m in ledger[1:]]
    assert newest[-1] == received and newest[-1].supplier_order_id == "DS-4471"
    assert [m.performed_by_name for m in ledger] == ["Ana Reyes"] * 4
