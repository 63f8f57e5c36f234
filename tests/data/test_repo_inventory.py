"""InventoryRepository on both backends: moving stock, the ledger, alerts, restock requests,
and the concurrency the conditional UPDATE exists for."""

from __future__ import annotations

import itertools
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import text, update

from dcms_desktop.data.engine import Database
from dcms_desktop.data.models import InventoryItem, User
from dcms_desktop.data.uow import UnitOfWork
from dcms_desktop.domain.enums import AlertLevel, MovementType, RestockStatus, Urgency
from dcms_desktop.domain.errors import InsufficientStockError, NotFoundError, ValidationError
from dcms_desktop.domain.readmodels.inventory import plural_unit, quantity_text
from dcms_desktop.domain.stock import alert_level
from tests.data import stock_worker

UowFactory = Callable[..., UnitOfWork]
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
T1 = T0 + timedelta(hours=1)


def _user(uow: UnitOfWork, role: str = "staff") -> uuid.UUID:
    user = User(
        email=f"{uuid.uuid4().hex[:10]}@clinic.test",
        first_name="Sam",
        last_name="Lee",
        password_hash="not-a-real-hash",
        role=role,
    )
    uow.session.add(user)
    uow.session.flush()
    return user.id


def _item(
    uow: UnitOfWork,
    *,
    name: str = "Lidocaine 2%",
    stock: int = 10,
    min_stock: int = 5,
    max_stock: int = 50,
    unit: str = "box",
    cost: str = "12.50",
    user_id: uuid.UUID | None = None,
) -> uuid.UUID:
    item = uow.inventory.add_item(
        name=name,
        category="Anaesthetics",
        unit=unit,
        cost_per_unit=Decimal(cost),
        min_stock=min_stock,
        max_stock=max_stock,
        opening_stock=stock,
        performed_by=user_id,
        at=T0,
    )
    return item.id


@pytest.fixture
def setup(uow_factory: UowFactory) -> tuple[uuid.UUID, uuid.UUID]:
    """A staff user and an item of 10 boxes at 12.50."""
    with uow_factory() as uow:
        user_id = _user(uow)
        item_id = _item(uow, user_id=user_id)
        uow.commit()
    return user_id, item_id


# -- moving stock -----------------------------------------------------------------------
def test_new_item_stock_arrives_as_an_opening_adjustment(
    uow_factory: UowFactory, setup: tuple[uuid.UUID, uuid.UUID]
) -> None:
    _, item_id = setup
    with uow_factory(write=False) as uow:
        ledger = uow.inventory.ledger(item_id)
        item = uow.inventory.get(item_id)
    assert item is not None and item.current_stock == 10
    assert [(m.movement_type, m.quantity, m.previous_stock, m.new_stock) for m in ledger] == [
        (MovementType.ADJUSTMENT, 10, 0, 10)
    ]
    assert ledger[0].reason == "Opening stock"


@pytest.mark.parametrize(
    ("movement_type", "delta", "expected_stock"),
    [
        (MovementType.RESTOCK, 20, 30),
        (MovementType.DEDUCTION, -3, 7),
        (MovementType.ADJUSTMENT, 2, 12),
        (MovementType.ADJUSTMENT, -2, 8),
        (MovementType.EXPIRED, -4, 6),
        (MovementType.DAMAGED, -1, 9),
    ],
)
def test_each_movement_type_changes_stock_and_writes_previous_and_new(
    uow_factory: UowFactory,
    setup: tuple[uuid.UUID, uuid.UUID],
    movement_type: MovementType,
    delta: int,
    expected_stock: int,
) -> None:
    user_id, item_id = setup
    with uow_factory() as uow:
        movement = uow.inventory.move_stock(
            item_id, delta, movement_type, "  counted  ", performed_by=user_id, at=T1
        )
        uow.commit()
    assert movement.movement_type is movement_type
    assert (movement.quantity, movement.previous_stock, movement.new_stock) == (
        delta,
        10,
        expected_stock,
    )
    assert movement.reason == "counted"
    assert movement.performed_by == user_id
    # Valued at the item's cost unless told otherwise.
    assert movement.unit_cost == Decimal("12.50")
    assert movement.total_cost == Decimal("12.50") * abs(delta)
    with uow_factory(write=False) as uow:
        item = uow.inventory.get(item_id)
        stored = uow.inventory.ledger(item_id)[-1]
    assert item is not None and item.current_stock == expected_stock
    assert stored == movement


def test_restock_at_a_price_records_that_price_and_the_restock_date(
    uow_factory: UowFactory, setup: tuple[uuid.UUID, uuid.UUID]
) -> None:
    user_id, item_id = setup
    with uow_factory() as uow:
        movement = uow.inventory.move_stock(
            item_id,
            3,
            "restock",
            "Delivery 4411",
            performed_by=user_id,
            unit_cost=Decimal("11.99"),
            reference_id=item_id,
            reference_type="restock_request",
            at=T0,
        )
        uow.commit()
    assert movement.unit_cost == Decimal("11.99")
    assert movement.total_cost == Decimal("35.97")
    assert movement.reference_type == "restock_request"
    with uow_factory(write=False) as uow:
        item = uow.inventory.get(item_id)
    assert item is not None
    assert item.last_restocked == T0.astimezone().date()


def test_taking_more_than_there_is_is_refused_naming_what_is_left(
    uow_factory: UowFactory, setup: tuple[uuid.UUID, uuid.UUID]
) -> None:
    user_id, item_id = setup
    with uow_factory() as uow:
        uow.inventory.move_stock(item_id, -7, "deduction", "Visit", performed_by=user_id)
        uow.commit()
    with uow_factory() as uow, pytest.raises(InsufficientStockError) as refused:
        uow.inventory.move_stock(item_id, -5, "deduction", "Visit", performed_by=user_id)
    assert refused.value.message == "Only 3 boxes of Lidocaine 2% left; can't take 5"
    assert refused.value.available == 3
    assert refused.value.field == "quantity"
    with uow_factory(write=False) as uow:
        item = uow.inventory.get(item_id)
        ledger = uow.inventory.ledger(item_id)
    assert item is not None and item.current_stock == 3
    assert len(ledger) == 2


def test_taking_from_an_empty_item_says_none_are_left(
    uow_factory: UowFactory, setup: tuple[uuid.UUID, uuid.UUID]
) -> None:
    user_id, item_id = setup
    with uow_factory() as uow:
        uow.inventory.move_stock(item_id, -10, "expired", "Expired 02/26", performed_by=user_id)
        with pytest.raises(InsufficientStockError) as refused:
            uow.inventory.move_stock(item_id, -1, "deduction", "Visit", performed_by=user_id)
    assert refused.value.message == "No boxes of Lidocaine 2% left; can't take 1"
    assert refused.value.available == 0


def test_stock_can_be_taken_down_to_exactly_zero(
    uow_factory: UowFactory, setup: tuple[uuid.UUID, uuid.UUID]
) -> None:
    user_id, item_id = setup
    with uow_factory() as uow:
        movement = uow.inventory.move_stock(item_id, -10, "damaged", "Flood", performed_by=user_id)
        uow.commit()
    assert (movement.previous_stock, movement.new_stock) == (10, 0)


@pytest.mark.parametrize(
    ("movement_type", "delta"),
    [
        ("restock", -1),
        ("deduction", 1),
        ("expired", 2),
        ("damaged", 3),
        ("adjustment", 0),
        ("deduction", 0),
    ],
)
def test_a_movement_whose_sign_does_not_fit_its_type_is_refused(
    uow_factory: UowFactory,
    setup: tuple[uuid.UUID, uuid.UUID],
    movement_type: str,
    delta: int,
) -> None:
    user_id, item_id = setup
    with uow_factory() as uow, pytest.raises(ValidationError) as refused:
        uow.inventory.move_stock(item_id, delta, movement_type, "x", performed_by=user_id)
    assert refused.value.field == "quantity"


def test_a_movement_without_a_reason_or_with_a_negative_cost_is_refused(
    uow_factory: UowFactory, setup: tuple[uuid.UUID, uuid.UUID]
) -> None:
    user_id, item_id = setup
    with uow_factory() as uow:
        with pytest.raises(ValidationError) as no_reason:
            uow.inventory.move_stock(item_id, 1, "restock", "   ", performed_by=user_id)
        with pytest.raises(ValidationError) as bad_cost:
            uow.inventory.move_stock(
                item_id, 1, "restock", "x", performed_by=user_id, unit_cost=Decimal("-1")
            )
        item = uow.inventory.get(item_id)
    assert no_reason.value.field == "reason"
    assert bad_cost.value.field == "unit_cost"
    assert item is not None and item.current_stock == 10


def test_moving_stock_of_an_unknown_item_is_not_found(
    uow_factory: UowFactory, setup: tuple[uuid.UUID, uuid.UUID]
) -> None:
    user_id, _ = setup
    with uow_factory() as uow, pytest.raises(NotFoundError):
        uow.inventory.move_stock(uuid.uuid4(), -1, "deduction", "x", performed_by=user_id)


def test_moving_stock_leaves_the_items_edit_version_alone(
    uow_factory: UowFactory, setup: tuple[uuid.UUID, uuid.UUID]
) -> None:
    user_id, item_id = setup
    with uow_factory(write=False) as uow:
        before = uow.inventory.get(item_id)
    later = T0 + timedelta(hours=2)
    with uow_factory() as uow:
        uow.inventory.move_stock(item_id, -1, "deduction", "x", performed_by=user_id, at=later)
        uow.commit()
    with uow_factory(write=False) as uow:
        after = uow.inventory.get(item_id)
    assert before is not None and after is not None
    assert after.version == before.version
    assert after.updated_at == later


def test_an_item_loaded_in_the_session_sees_the_moved_stock(
    uow_factory: UowFactory, setup: tuple[uuid.UUID, uuid.UUID]
) -> None:
    user_id, item_id = setup
    with uow_factory() as uow:
        loaded = uow.session.get(InventoryItem, item_id)
        assert loaded is not None and loaded.current_stock == 10
        uow.inventory.move_stock(item_id, -4, "deduction", "x", performed_by=user_id)
        assert loaded.current_stock == 6
        # An edit of the item's details after the move neither loses the move nor fails.
        loaded.storage_location = "Cabinet B"
        uow.commit()
    with uow_factory(write=False) as uow:
        item = uow.inventory.get(item_id)
    assert item is not None
    assert (item.current_stock, item.storage_location) == (6, "Cabinet B")


def test_a_rolled_back_movement_leaves_stock_and_ledger_as_they_were(
    uow_factory: UowFactory, setup: tuple[uuid.UUID, uuid.UUID]
) -> None:
    user_id, item_id = setup
    with uow_factory() as uow:
        uow.inventory.move_stock(item_id, -4, "deduction", "x", performed_by=user_id)
        # no commit
    with uow_factory(write=False) as uow:
        item = uow.inventory.get(item_id)
        ledger = uow.inventory.ledger(item_id)
    assert item is not None and item.current_stock == 10
    assert len(ledger) == 1


# -- ledger and reconciliation --------------------------------------------------------------
def test_ledger_is_chronological_and_limit_keeps_the_newest(
    uow_factory: UowFactory, setup: tuple[uuid.UUID, uuid.UUID]
) -> None:
    user_id, item_id = setup
    with uow_factory() as uow:
        for minute, delta in enumerate([-1, -2, 5, -3], start=1):
            kind = "restock" if delta > 0 else "deduction"
            uow.inventory.move_stock(
                item_id, delta, kind, "x", performed_by=user_id, at=T0 + timedelta(minutes=minute)
            )
        uow.commit()
    with uow_factory(write=False) as uow:
        ledger = uow.inventory.ledger(item_id)
        newest = uow.inventory.ledger(item_id, limit=2)
    assert [m.quantity for m in ledger] == [10, -1, -2, 5, -3]
    assert [m.new_stock for m in ledger] == [10, 9, 7, 12, 9]
    assert all(a.new_stock == b.previous_stock for a, b in itertools.pairwise(ledger))
    assert [m.quantity for m in newest] == [5, -3]


def test_reconciliation_is_clean_when_stock_only_moved_through_movements(
    uow_factory: UowFactory, setup: tuple[uuid.UUID, uuid.UUID]
) -> None:
    user_id, item_id = setup
    with uow_factory() as uow:
        _item(uow, name="Gloves M", stock=0, unit="pair")
        uow.inventory.move_stock(item_id, -3, "deduction", "x", performed_by=user_id)
        uow.inventory.move_stock(item_id, 8, "restock", "x", performed_by=user_id)
        uow.commit()
    with uow_factory(write=False) as uow:
        assert uow.inventory.check_reconciliation() == []


def test_reconciliation_finds_stock_changed_behind_the_ledgers_back(
    uow_factory: UowFactory, setup: tuple[uuid.UUID, uuid.UUID]
) -> None:
    _, item_id = setup
    with uow_factory() as uow:
        # A hand-written SQL edit, and an item inserted with stock but no opening movement.
        items = InventoryItem.__table__
        uow.session.execute(update(items).where(items.c.id == item_id).values(current_stock=13))
        orphan = InventoryItem(
            name="Cotton rolls",
            category="Consumables",
            unit="pack",
            cost_per_unit=Decimal("2"),
            current_stock=4,
        )
        uow.session.add(orphan)
        uow.commit()
    with uow_factory(write=False) as uow:
        problems = uow.inventory.check_reconciliation()
    found = {
        (p.name, p.current_stock, p.movement_total, p.movement_count, p.difference)
        for p in problems
    }
    assert found == {("Lidocaine 2%", 13, 10, 1, 3), ("Cotton rolls", 4, 0, 0, 4)}


# -- low stock --------------------------------------------------------------------------
def test_low_stock_lists_critical_then_urgent_then_low_with_the_domains_levels(
    uow_factory: UowFactory,
) -> None:
    with uow_factory() as uow:
        specs = {
            # name: (stock, min)
            "Low A": (5, 5),
            "Urgent A": (2, 5),
            "Critical A": (0, 5),
            "Normal": (6, 5),
            "Low B": (4, 5),
            "Critical zero-min": (0, 0),
            "Urgent B": (1, 10),
        }
        for name, (stock, minimum) in specs.items():
            _item(uow, name=name, stock=stock, min_stock=minimum)
        inactive = _item(uow, name="Retired", stock=0, min_stock=5)
        uow.session.get(InventoryItem, inactive).is_active = False  # type: ignore[union-attr]
        uow.commit()
    with uow_factory(write=False) as uow:
        alerts = uow.inventory.low_stock()
    assert [a.name for a in alerts] == [
        "Critical A",
        "Critical zero-min",
        "Urgent B",
        "Urgent A",
        "Low B",
        "Low A",
    ]
    for alert in alerts:
        assert alert.alert_level == alert_level(alert.current_stock, alert.min_stock)
    assert [a.alert_level for a in alerts] == [
        AlertLevel.CRITICAL,
        AlertLevel.CRITICAL,
        AlertLevel.URGENT,
        AlertLevel.URGENT,
        AlertLevel.LOW,
        AlertLevel.LOW,
    ]
    assert alerts[0].suggested_order == 50
    assert alerts[0].cost_per_unit == Decimal("12.50")


def test_list_items_leaves_out_inactive_ones_unless_asked(uow_factory: UowFactory) -> None:
    with uow_factory() as uow:
        _item(uow, name="B item")
        retired = _item(uow, name="A item")
        uow.session.get(InventoryItem, retired).is_active = False  # type: ignore[union-attr]
        uow.commit()
    with uow_factory(write=False) as uow:
        active = [i.name for i in uow.inventory.list_items()]
        everything = [i.name for i in uow.inventory.list_items(include_inactive=True)]
    assert active == ["B item"]
    assert everything == ["A item", "B item"]


# -- restock requests -----------------------------------------------------------------------
def test_a_restock_request_records_the_stock_it_was_raised_at_and_stays_open(
    uow_factory: UowFactory, setup: tuple[uuid.UUID, uuid.UUID]
) -> None:
    user_id, item_id = setup
    with uow_factory() as uow:
        assert uow.inventory.open_request_for(item_id) is None
        request = uow.inventory.add_request(
            item_id, 40, urgency=Urgency.HIGH, reason="Below minimum", requested_by=user_id
        )
        uow.commit()
    assert (request.current_stock, request.min_stock, request.requested_quantity) == (10, 5, 40)
    assert request.status is RestockStatus.PENDING
    with uow_factory(write=False) as uow:
        assert uow.inventory.open_request_for(item_id) == request


def test_a_received_or_cancelled_request_is_not_open(
    uow_factory: UowFactory, setup: tuple[uuid.UUID, uuid.UUID]
) -> None:
    user_id, item_id = setup
    with uow_factory() as uow:
        request = uow.inventory.add_request(
            item_id, 5, urgency="low", reason="Top up", requested_by=user_id
        )
        uow.session.execute(
            text("UPDATE restock_requests SET status = 'received'"),
        )
        uow.commit()
    with uow_factory(write=False) as uow:
        assert uow.inventory.open_request_for(item_id) is None
    assert request.urgency is Urgency.LOW


def test_a_restock_request_for_nothing_is_refused(
    uow_factory: UowFactory, setup: tuple[uuid.UUID, uuid.UUID]
) -> None:
    user_id, item_id = setup
    with uow_factory() as uow, pytest.raises(ValidationError) as refused:
        uow.inventory.add_request(item_id, 0, urgency="low", reason="x", requested_by=user_id)
    assert refused.value.field == "requested_quantity"


# -- wording --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("count", "unit", "expected"),
    [
        (1, "box", "1 box"),
        (3, "box", "3 boxes"),
        (2, "bottle", "2 bottles"),
        (4, "battery", "4 batteries"),
        (5, "ml", "5 ml"),
        (6, "pcs", "6 pcs"),
        (2, "gloves", "2 gloves"),
        (2, "glass", "2 glasses"),
    ],
)
def test_quantities_in_messages_read_naturally(count: int, unit: str, expected: str) -> None:
    assert quantity_text(count, unit) == expected


def test_plural_of_a_unit_already_plural_or_abbreviated_is_left_alone() -> None:
    assert [plural_unit(u) for u in ("pairs", "mg", "syringe", "tray")] == [
        "pairs",
        "mg",
        "syringes",
        "trays",
    ]


# -- concurrency ----------------------------------------------------------------------------
def test_fifty_simultaneous_deductions_from_ten_leave_exactly_ten_taken(
    database: Database, uow_factory: UowFactory
) -> None:
    """50 transactions race for the 10 boxes from 10 processes of 5 threads on PostgreSQL
    (5 processes of 10 threads on SQLite, a single machine's database), each process
    with its own engine: exactly 10 succeed, 40 are told there is none, and the ledger
    adds up."""
    with uow_factory() as uow:
        user_id = _user(uow)
        item_id = _item(uow, stock=10, user_id=user_id)
        uow.commit()
    started = time.monotonic()
    processes = 10 if database.backend == "postgresql" else 5
    outcomes = stock_worker.run_workers(
        ["deduct", database.url, str(item_id), str(user_id), str(50 // processes)], processes
    )
    elapsed = time.monotonic() - started
    assert sorted(set(outcomes)) == ["insufficient", "ok"], outcomes
    assert outcomes.count("ok") == 10
    assert outcomes.count("insufficient") == 40
    with uow_factory(write=False) as uow:
        item = uow.inventory.get(item_id)
        ledger = uow.inventory.ledger(item_id)
        problems = uow.inventory.check_reconciliation()
    assert item is not None and item.current_stock == 0
    deductions = [m for m in ledger if m.movement_type is MovementType.DEDUCTION]
    assert len(deductions) == 10
    # Each unit was taken once: the ten deductions left 9, 8, ..., 0 behind, one each.
    assert sorted(m.new_stock for m in deductions) == list(range(10))
    assert sum(m.quantity for m in ledger) == item.current_stock
    assert problems == []
    assert elapsed < 30


def test_a_new_item_with_impossible_levels_is_refused_naming_the_field(
    uow_factory: UowFactory,
) -> None:
    with uow_factory() as uow:
        with pytest.raises(ValidationError) as negative:
            _item(uow, stock=-1)
        with pytest.raises(ValidationError) as inverted:
            _item(uow, min_stock=60, max_stock=50)
    assert (negative.value.field, inverted.value.field) == ("current_stock", "min_stock")
