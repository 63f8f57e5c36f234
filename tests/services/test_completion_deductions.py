"""Completing a visit uses up supplies, on both backends: the mapped items are deducted in
the completion's transaction (per tooth where the mapping says so), an alternative stands
in for a short item, and a visit short of everything is still completed with the shortfall
flagged for review."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import update

from dcms_desktop.data.events import ChangeEvent
from dcms_desktop.data.models import AppointmentService, ServiceInventoryMapping
from dcms_desktop.domain.enums import AppointmentStatus, MovementType, RestockStatus
from dcms_desktop.domain.errors import ValidationError
from dcms_desktop.services.context import ServiceContext
from dcms_desktop.services.inventory import InventoryService
from dcms_desktop.services.scheduling import SchedulingService
from tests.factories import (
    CLINIC_NOW,
    actor_for,
    make_admin,
    make_appointment,
    make_dentist,
    make_patient,
    make_service,
    write_session,
)

NINE = CLINIC_NOW.replace(hour=9, minute=0, second=0, microsecond=0)


@pytest.fixture
def events(local_bus) -> list[ChangeEvent]:
    received: list[ChangeEvent] = []
    local_bus.subscribe(received.append)
    return received


@pytest.fixture
def clinic(database, service_context: ServiceContext) -> dict[str, Any]:
    with write_session(database) as s:
        reyes = make_dentist(s, first_name="Ana", last_name="Reyes")
        maria = make_patient(s, first_name="Maria", last_name="Santos")
        cleaning = make_service(s, name="Cleaning")
        filling = make_service(
            s, name="Filling", pricing_model="Per Tooth", tooth_chart_use="required"
        )
    return {
        "reyes": reyes,
        "dentist": actor_for(reyes),
        "maria": maria,
        "cleaning": cleaning,
        "filling": filling,
        "scheduling": SchedulingService(service_context),
        "inventory": InventoryService(service_context),
    }


def _item(
    context: ServiceContext, name: str, stock: int, *, min_stock: int = 0, max_stock: int = 100
) -> uuid.UUID:
    with context.uow() as uow:
        item = uow.inventory.add_item(
            name=name,
            category="Consumables",
            unit="piece",
            cost_per_unit=Decimal("2.00"),
            opening_stock=stock,
            min_stock=min_stock,
            max_stock=max_stock,
        )
        uow.commit()
    return item.id


def _map(
    database,
    service: Any,
    item_id: uuid.UUID,
    *,
    used: str = "1",
    per_tooth: str | None = None,
    required: bool = True,
    alternatives: tuple[uuid.UUID, ...] = (),
) -> None:
    with write_session(database) as s:
        s.add(
            ServiceInventoryMapping(
                service_id=service.id,
                inventory_item_id=item_id,
                quantity_used=Decimal(used),
                per_tooth_quantity=None if per_tooth is None else Decimal(per_tooth),
                is_required=required,
                alternative_items=[str(a) for a in alternatives] or None,
            )
        )


def _visit(
    database, clinic: dict[str, Any], *services: Any, status: str = "in_progress", start=NINE
):
    with write_session(database) as s:
        return make_appointment(
            s,
            patient=clinic["maria"],
            dentist=clinic["reyes"],
            start=start,
            status=status,
            services=services,
        ).id


def _stock(context: ServiceContext, item_id: uuid.UUID) -> int:
    with context.uow(write=False) as uow:
        item = uow.inventory.get(item_id)
    assert item is not None
    return item.current_stock


def _ledger(context: ServiceContext, item_id: uuid.UUID) -> list[Any]:
    with context.uow(write=False) as uow:
        return uow.inventory.ledger(item_id)


def _reconciled(context: ServiceContext) -> bool:
    with context.uow(write=False) as uow:
        return uow.inventory.check_reconciliation() == []


def test_completing_a_visit_deducts_each_mapped_item_with_the_visit_as_reference(
    service_context, database, clinic, events
) -> None:
    gloves = _item(service_context, "Gloves", 20)
    bib = _item(service_context, "Bib", 10)
    _map(database, clinic["cleaning"], gloves, used="2")
    _map(database, clinic["cleaning"], bib, used="0.5")  # half a bib is a whole bib
    ident = _visit(database, clinic, clinic["cleaning"])

    done = clinic["scheduling"].complete(clinic["dentist"], ident)

    assert done.status is AppointmentStatus.COMPLETED
    assert (_stock(service_context, gloves), _stock(service_context, bib)) == (18, 9)
    used = _ledger(service_context, gloves)[-1]
    assert (used.movement_type, used.quantity, used.reference_type, used.reference_id) == (
        MovementType.DEDUCTION,
        -2,
        "appointment",
        ident,
    )
    assert used.reason == "Used for Cleaning (Maria Santos)"
    assert used.performed_by == clinic["dentist"].user_id
    assert ("inventory", str(gloves), "stock_moved") in [(e.entity, e.id, e.action) for e in events]
    assert _reconciled(service_context)


def test_a_per_tooth_mapping_uses_its_quantity_times_the_teeth_treated(
    service_context, database, clinic
) -> None:
    composite = _item(service_context, "Composite", 10)
    etchant = _item(service_context, "Etchant", 10)
    _map(database, clinic["filling"], composite, used="1", per_tooth="1.5")
    _map(database, clinic["filling"], etchant, used="1")  # no per-tooth quantity: once
    ident = _visit(database, clinic, (clinic["filling"], [16, 17, 26]))

    clinic["scheduling"].complete(clinic["dentist"], ident)

    # 1.5 x 3 teeth = 4.5, rounded up to 5 whole units
    assert (_stock(service_context, composite), _stock(service_context, etchant)) == (5, 9)


def test_a_short_item_is_replaced_by_an_alternative_with_enough_stock(
    service_context, database, clinic
) -> None:
    gloves = _item(service_context, "Nitrile gloves", 1)
    empty = _item(service_context, "Vinyl gloves", 0)
    latex = _item(service_context, "Latex gloves", 10)
    _map(database, clinic["cleaning"], gloves, used="2", alternatives=(empty, latex))
    ident = _visit(database, clinic, clinic["cleaning"])

    clinic["scheduling"].complete(clinic["dentist"], ident)

    assert [_stock(service_context, i) for i in (gloves, empty, latex)] == [1, 0, 8]
    with service_context.uow(write=False) as uow:
        assert uow.inventory.needs_review() == []
    assert _reconciled(service_context)


def test_a_visit_short_of_a_required_item_is_still_completed_and_flagged_for_review(
    service_context, database, clinic, events
) -> None:
    gloves = _item(service_context, "Gloves", 3)
    spare = _item(service_context, "Spare gloves", 1)
    _map(database, clinic["cleaning"], gloves, used="5", alternatives=(spare,))
    ident = _visit(database, clinic, clinic["cleaning"])

    done = clinic["scheduling"].complete(clinic["dentist"], ident)

    assert done.status is AppointmentStatus.COMPLETED
    assert (_stock(service_context, gloves), _stock(service_context, spare)) == (0, 1)
    visit = [m for m in _ledger(service_context, gloves) if m.reference_id == ident]
    # Both rows share the completion's timestamp: tell them apart by type, not order.
    taken, flagged = sorted(visit, key=lambda m: m.movement_type is MovementType.ADJUSTMENT)
    assert (taken.movement_type, taken.quantity, taken.needs_review) == (
        MovementType.DEDUCTION,
        -3,
        False,
    )
    assert (flagged.movement_type, flagged.quantity, flagged.needs_review) == (
        MovementType.ADJUSTMENT,
        0,
        True,
    )
    assert flagged.reason == "Short by 2 pieces for Cleaning; needs review"
    assert (flagged.short_by, taken.short_by) == (2, None)  # the count is stored, not parsed
    assert (flagged.visit_patient, flagged.visit_date) == ("Maria Santos", NINE.date())
    shortfalls = clinic["inventory"].shortfalls_for_appointment(clinic["dentist"], ident)
    assert [(s.item_id, s.short_by) for s in shortfalls] == [(gloves, 2)]
    assert shortfalls[0].text == "Gloves — 2 pieces missing"
    review = clinic["inventory"].needs_review(clinic["dentist"])
    assert [m.id for m in review] == [flagged.id]
    assert ("inventory", str(gloves), "short") in [(e.entity, e.id, e.action) for e in events]
    assert _reconciled(service_context)


def test_an_optional_item_that_is_short_is_not_flagged(service_context, database, clinic) -> None:
    floss = _item(service_context, "Floss", 0)
    _map(database, clinic["cleaning"], floss, used="1", required=False)
    ident = _visit(database, clinic, clinic["cleaning"])

    clinic["scheduling"].complete(clinic["dentist"], ident)

    assert _ledger(service_context, floss) == []
    assert clinic["inventory"].needs_review(clinic["dentist"]) == []


def test_nothing_is_deducted_when_the_completion_is_refused(
    service_context, database, clinic
) -> None:
    gloves = _item(service_context, "Gloves", 20)
    _map(database, clinic["cleaning"], gloves, used="2")
    ident = _visit(database, clinic, clinic["cleaning"], status="confirmed")

    with pytest.raises(ValidationError):
        clinic["scheduling"].complete(clinic["dentist"], ident)

    assert _stock(service_context, gloves) == 20
    assert len(_ledger(service_context, gloves)) == 1  # the opening stock only


def test_a_deduction_to_the_minimum_drafts_a_restock_request(
    service_context, database, clinic
) -> None:
    gloves = _item(service_context, "Gloves", 12, min_stock=10, max_stock=40)
    _map(database, clinic["cleaning"], gloves, used="2")
    ident = _visit(database, clinic, clinic["cleaning"])

    clinic["scheduling"].complete(clinic["dentist"], ident)

    requests = clinic["inventory"].restock_requests(clinic["dentist"])
    assert [(r.item_id, r.requested_quantity, r.status) for r in requests] == [
        (gloves, 30, RestockStatus.PENDING)
    ]


def _set_quantity(database, ident: uuid.UUID, quantity: int) -> None:
    with write_session(database) as s:
        s.execute(
            update(AppointmentService)
            .where(AppointmentService.appointment_id == ident)
            .values(quantity=quantity)
        )


def test_sessions_and_films_use_their_supplies_once_each(service_context, database, clinic) -> None:
    with write_session(database) as s:
        bitewings = make_service(s, name="Bitewing X-ray", pricing_model="Per Film")
        scaling = make_service(s, name="Scaling and root planing", pricing_model="Per Session")
    sleeves = _item(service_context, "Sensor sleeves", 20)
    lidocaine = _item(service_context, "Lidocaine", 20)
    _map(database, bitewings, sleeves, used="1")
    _map(database, scaling, lidocaine, used="2")
    films = _visit(database, clinic, bitewings)
    _set_quantity(database, films, 4)

    clinic["scheduling"].complete(clinic["dentist"], films)

    assert _stock(service_context, sleeves) == 16  # four films, four sleeves
    with write_session(database) as s:
        sessions = make_appointment(
            s,
            patient=clinic["maria"],
            dentist=clinic["reyes"],
            start=NINE.replace(hour=14),
            status="in_progress",
            services=[scaling],
        ).id
    _set_quantity(database, sessions, 2)
    clinic["scheduling"].complete(clinic["dentist"], sessions)
    assert _stock(service_context, lidocaine) == 16  # two sessions of two cartridges


def test_a_per_tooth_quantity_counts_the_teeth_of_any_line_that_records_them(
    service_context, database, clinic
) -> None:
    with write_session(database) as s:
        splint = make_service(
            s, name="Splint", pricing_model="Per Tooth Package", tooth_chart_use="optional"
        )
    composite = _item(service_context, "Composite", 10)
    _map(database, splint, composite, used="0", per_tooth="1")
    ident = _visit(database, clinic, (splint, [31, 32, 41, 42]))

    clinic["scheduling"].complete(clinic["dentist"], ident)

    assert _stock(service_context, composite) == 6


def test_a_deactivated_item_is_never_taken_and_its_alternative_stands_in(
    service_context, database, clinic
) -> None:
    admin = _admin(database)
    old_gloves = _item(service_context, "Old latex gloves", 10)
    gloves = _item(service_context, "Nitrile gloves", 0)
    vinyl = _item(service_context, "Vinyl gloves", 10)
    _map(database, clinic["cleaning"], gloves, used="2", alternatives=(old_gloves, vinyl))
    _deactivate(clinic, admin, old_gloves)

    clinic["scheduling"].complete(clinic["dentist"], _visit(database, clinic, clinic["cleaning"]))

    assert [_stock(service_context, i) for i in (old_gloves, gloves, vinyl)] == [10, 0, 8]


def test_a_deactivated_mapped_item_is_not_taken_and_the_review_says_why(
    service_context, database, clinic
) -> None:
    admin = _admin(database)
    gloves = _item(service_context, "Latex gloves", 10)
    vinyl = _item(service_context, "Vinyl gloves", 10)
    _map(database, clinic["cleaning"], gloves, used="2", alternatives=(vinyl,))
    _deactivate(clinic, admin, gloves)

    clinic["scheduling"].complete(clinic["dentist"], _visit(database, clinic, clinic["cleaning"]))
    assert (_stock(service_context, gloves), _stock(service_context, vinyl)) == (10, 8)

    _deactivate(clinic, admin, vinyl)  # and with nothing active left to use
    clinic["scheduling"].complete(
        clinic["dentist"], _visit(database, clinic, clinic["cleaning"], start=NINE.replace(hour=15))
    )
    assert (_stock(service_context, gloves), _stock(service_context, vinyl)) == (10, 8)
    (review,) = clinic["inventory"].needs_review(clinic["dentist"])
    assert review.reason.startswith("Not taken: the item is deactivated (2 pieces for Cleaning)")


def _deactivate(clinic: dict[str, Any], admin: Any, item_id: uuid.UUID) -> None:
    item = clinic["inventory"].item(admin, item_id)
    clinic["inventory"].set_item_active(admin, item_id, False, expected_version=item.version)


def test_a_shortfall_at_zero_drafts_a_restock_request(service_context, database, clinic) -> None:
    gloves = _item(service_context, "Gloves", 0, min_stock=5, max_stock=40)
    _map(database, clinic["cleaning"], gloves, used="2")

    clinic["scheduling"].complete(clinic["dentist"], _visit(database, clinic, clinic["cleaning"]))

    requests = clinic["inventory"].restock_requests(clinic["dentist"])
    assert [(r.item_id, r.requested_quantity, r.status) for r in requests] == [
        (gloves, 40, RestockStatus.PENDING)
    ]
    assert [m.short_by for m in clinic["inventory"].needs_review(clinic["dentist"])] == [2]


def _admin(database) -> Any:
    with write_session(database) as s:
        return actor_for(make_admin(s))
