"""Several workstations moving the same item at once never lose a movement.

Separate processes (each its own engine, as a second workstation would be), each with
several threads, move one item up and down through ``InventoryService.move_stock`` at the
same moment: restocks, deductions, adjustments both ways and damage, some refused for want
of stock. Afterwards the stock is the opening stock plus every movement that was done, the
ledger holds exactly those movements, and the reconciliation check is clean.
"""

from __future__ import annotations

import uuid
from decimal import Decimal

from dcms_desktop.data.engine import Database
from dcms_desktop.data.models import User
from dcms_desktop.domain.enums import Role
from tests.data import stock_worker

OPENING = 12


def _setup(database: Database, uow_factory) -> tuple[uuid.UUID, uuid.UUID, str]:
    with uow_factory() as uow:
        user = User(
            email=f"desk-{uuid.uuid4().hex[:6]}@clinic.test",
            first_name="Desk",
            last_name="Worker",
            password_hash="not-a-real-hash",
            role=Role.STAFF.value,
        )
        uow.session.add(user)
        uow.session.flush()
        item = uow.inventory.add_item(
            name="Lidocaine 2%",
            category="Anaesthetics",
            unit="cartridge",
            cost_per_unit=Decimal("1.35"),
            opening_stock=OPENING,
            min_stock=0,
            max_stock=500,
            performed_by=user.id,
        )
        uow.commit()
        return item.id, user.id, user.email


def test_workstations_moving_one_item_at_once_lose_no_movement(
    database: Database, uow_factory
) -> None:
    item_id, user_id, email = _setup(database, uow_factory)
    processes, threads, moves = (4, 4, 12) if database.backend == "postgresql" else (3, 3, 8)

    outcomes = stock_worker.run_workers(
        ["move", database.url, str(item_id), str(user_id), email, str(threads), str(moves), "7"],
        processes,
    )

    assert len(outcomes) == processes * threads
    assert not [o for o in outcomes if o.startswith("error")], outcomes
    tokens = " ".join(outcomes).split()
    assert len(tokens) == processes * threads * moves
    done = [int(t) for t in tokens if not t.startswith("!")]
    refused = [t for t in tokens if t.startswith("!")]
    assert any(d > 0 for d in done) and any(d < 0 for d in done)
    with uow_factory(write=False) as uow:
        item = uow.inventory.get(item_id)
        ledger = uow.inventory.ledger(item_id)
        problems = uow.inventory.check_reconciliation()
    assert item is not None
    assert item.current_stock == OPENING + sum(done)
    # The opening stock and one movement per move done; none for a refusal.
    assert len(ledger) == 1 + len(done)
    moved = [m.quantity for m in ledger if m.reason == "Concurrent workstation"]
    assert sorted(moved) == sorted(done)
    assert sum(m.quantity for m in ledger) == item.current_stock
    assert all(m.new_stock == m.previous_stock + m.quantity >= 0 for m in ledger)
    assert problems == []
    # Only takes are ever refused, and then nothing was written for them.
    assert all(int(t[1:]) < 0 for t in refused)
