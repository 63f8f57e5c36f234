"""Restock requests through InventoryService on both backends: the workflow pending ->
approved -> ordered -> received (or cancelled), its refusals, the restock movement a
delivery becomes, the auto-drafted request when stock falls low, and the role checks."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

import pytest

from dcms_desktop.data.events import ChangeEvent, LocalEventBus
from dcms_desktop.domain.enums import MovementType, RestockStatus, Role, Urgency
from dcms_desktop.domain.errors import (
    NotFoundError,
    PermissionDeniedError,
    StaleRecordError,
    ValidationError,
)
from dcms_desktop.domain.readmodels.inventory import RestockRequestView
from dcms_desktop.domain.readmodels.people import Actor
from dcms_desktop.services.context import ServiceContext
from dcms_desktop.services.inventory import InventoryService
from tests.factories import actor_for, make_user

ORDERED_ON = date(2030, 3, 4)
DUE_ON = date(2030, 3, 9)


@pytest.fixture
def events(local_bus: LocalEventBus) -> list[ChangeEvent]:
    seen: list[ChangeEvent] = []
    local_bus.subscribe(seen.append)
    return seen


@pytest.fixture
def actors(service_context: ServiceContext) -> dict[Role, Actor]:
    with service_context.uow() as uow:
        made = {role: actor_for(make_user(uow.session, role)) for role in Role}
        uow.commit()
    return made


@pytest.fixture
def service(service_context: ServiceContext) -> InventoryService:
    return InventoryService(service_context)


def _item(
    context: ServiceContext, stock: int = 20, *, min_stock: int = 5, max_stock: int = 50
) -> uuid.UUID:
    with context.uow() as uow:
        item = uow.inventory.add_item(
            name=f"Gloves {uuid.uuid4().hex[:6]}",
            category="Consumables",
            unit="box",
            cost_per_unit=Decimal("8.00"),
            opening_stock=stock,
            min_stock=min_stock,
            max_stock=max_stock,
        )
        uow.commit()
    return item.id


def _pending(
    service: InventoryService, actors: dict[Role, Actor], item_id: uuid.UUID
) -> RestockRequestView:
    return service.request_restock(actors[Role.STAFF], item_id, 30, reason="Running low")


def _approved(
    service: InventoryService, actors: dict[Role, Actor], item_id: uuid.UUID
) -> RestockRequestView:
    request = _pending(service, actors, item_id)
    return service.approve_restock(actors[Role.ADMIN], request.id, expected_version=request.version)


def _ordered(
    service: InventoryService, actors: dict[Role, Actor], item_id: uuid.UUID
) -> RestockRequestView:
    request = _approved(service, actors, item_id)
    return service.order_restock(
        actors[Role.STAFF],
        request.id,
        expected_version=request.version,
        order_date=ORDERED_ON,
        supplier_order_id="PO-1042",
        expected_delivery=DUE_ON,
    )


def _receive(
    service: InventoryService, actor: Actor, request: RestockRequestView
) -> RestockRequestView:
    received, _ = service.receive_restock(
        actor,
        request.id,
        expected_version=request.version,
        actual_delivery=DUE_ON,
        quantity=30,
        unit_cost=Decimal("7.50"),
    )
    return received


def _cancel(service: InventoryService, actor: Actor, request: RestockRequestView) -> object:
    return service.cancel_restock(
        actor, request.id, "Supplier out", expected_version=request.version
    )


def _audit_actions(context: ServiceContext, request_id: uuid.UUID) -> list[str]:
    with context.uow(write=False) as uow:
        entries = uow.audit.recent("restock_request", request_id, 50)
    return sorted(entry.action for entry in entries)


# -- the workflow ---------------------------------------------------------------------------
def test_a_request_goes_pending_approved_ordered_received_recording_who_at_each_step(
    service_context: ServiceContext,
    service: InventoryService,
    actors: dict[Role, Actor],
    events: list[ChangeEvent],
) -> None:
    item_id = _item(service_context)
    staff, admin = actors[Role.STAFF], actors[Role.ADMIN]

    pending = _pending(service, actors, item_id)
    assert (pending.status, pending.requested_by) == (RestockStatus.PENDING, staff.user_id)
    approved = service.approve_restock(admin, pending.id, expected_version=pending.version)
    assert (approved.status, approved.approved_by) == (RestockStatus.APPROVED, admin.user_id)
    assert approved.approval_date is not None
    ordered = service.order_restock(
        staff,
        pending.id,
        expected_version=approved.version,
        order_date=ORDERED_ON,
        supplier_order_id=" PO-1042 ",
        expected_delivery=DUE_ON,
    )
    assert (ordered.status, ordered.order_date, ordered.supplier_order_id) == (
        RestockStatus.ORDERED,
        ORDERED_ON,
        "PO-1042",
    )
    assert ordered.expected_delivery == DUE_ON
    received, movement = service.receive_restock(
        staff,
        pending.id,
        expected_version=ordered.version,
        actual_delivery=DUE_ON,
        quantity=30,
        unit_cost=Decimal("7.50"),
    )

    assert (received.status, received.actual_delivery) == (RestockStatus.RECEIVED, DUE_ON)
    assert received.notes is not None
    assert f"Ordered by {staff.display_name}" in received.notes
    assert f"Received by {staff.display_name}: 30 at 7.50 each" in received.notes
    assert _audit_actions(service_context, pending.id) == sorted(
        ["request_restock", "approve_restock", "order_restock", "receive_restock"]
    )
    request_events = [(e.action) for e in events if e.entity == "restock_request"]
    assert request_events == ["requested", "approved", "ordered", "received"]
    assert ChangeEvent("inventory", str(item_id), "stock_moved", "test-ws") in events
    assert [r.id for r in service.restock_requests(staff, RestockStatus.RECEIVED)] == [pending.id]
    assert movement.movement_type is MovementType.RESTOCK


def test_receiving_brings_the_delivery_in_as_a_restock_movement_and_the_ledger_reconciles(
    service_context: ServiceContext, service: InventoryService, actors: dict[Role, Actor]
) -> None:
    item_id = _item(service_context, stock=20)
    ordered = _ordered(service, actors, item_id)

    _, movement = service.receive_restock(
        actors[Role.STAFF],
        ordered.id,
        expected_version=ordered.version,
        actual_delivery=DUE_ON,
        quantity=25,
        unit_cost=Decimal("7.50"),
    )

    assert (movement.quantity, movement.previous_stock, movement.new_stock) == (25, 20, 45)
    assert (movement.unit_cost, movement.total_cost) == (Decimal("7.50"), Decimal("187.50"))
    assert (movement.reference_type, movement.reference_id) == ("restock_request", ordered.id)
    assert service.item(actors[Role.STAFF], item_id).current_stock == 45
    assert service.reconciliation(actors[Role.ADMIN]) == []


@pytest.mark.parametrize("step", ["pending", "approved", "ordered"])
def test_an_open_request_can_be_cancelled_with_a_reason(
    service_context: ServiceContext,
    service: InventoryService,
    actors: dict[Role, Actor],
    step: str,
) -> None:
    item_id = _item(service_context)
    make = {"pending": _pending, "approved": _approved, "ordered": _ordered}[step]
    request = make(service, actors, item_id)
    admin = actors[Role.ADMIN]

    cancelled = service.cancel_restock(
        admin, request.id, "Found a box in storage", expected_version=request.version
    )

    assert cancelled.status is RestockStatus.CANCELLED
    assert cancelled.notes is not None
    assert f"Cancelled by {admin.display_name}: Found a box in storage" in cancelled.notes
    assert "cancel_restock" in _audit_actions(service_context, request.id)
    assert service.item(admin, item_id).current_stock == 20


def test_a_cancellation_without_a_reason_is_refused(
    service_context: ServiceContext, service: InventoryService, actors: dict[Role, Actor]
) -> None:
    request = _pending(service, actors, _item(service_context))
    with pytest.raises(ValidationError) as refused:
        service.cancel_restock(actors[Role.ADMIN], request.id, "  ", expected_version=1)
    assert refused.value.field == "reason"


@pytest.mark.parametrize(
    ("step", "forbidden"),
    [
        ("pending", "order"),
        ("pending", "receive"),
        ("approved", "approve"),
        ("approved", "receive"),
        ("ordered", "approve"),
        ("ordered", "order"),
        ("received", "approve"),
        ("received", "order"),
        ("received", "receive"),
        ("received", "cancel"),
        ("cancelled", "approve"),
        ("cancelled", "order"),
        ("cancelled", "receive"),
        ("cancelled", "cancel"),
    ],
)
def test_a_step_the_workflow_does_not_allow_is_refused_on_the_status(
    service_context: ServiceContext,
    service: InventoryService,
    actors: dict[Role, Actor],
    events: list[ChangeEvent],
    step: str,
    forbidden: str,
) -> None:
    item_id = _item(service_context)
    admin = actors[Role.ADMIN]
    if step in ("pending", "approved", "ordered"):
        request = {"pending": _pending, "approved": _approved, "ordered": _ordered}[step](
            service, actors, item_id
        )
    elif step == "received":
        request = _receive(service, admin, _ordered(service, actors, item_id))
    else:
        request = service.cancel_restock(
            admin, _pending(service, actors, item_id).id, "No longer needed", expected_version=1
        )
    attempts = {
        "approve": lambda: service.approve_restock(
            admin, request.id, expected_version=request.version
        ),
        "order": lambda: service.order_restock(
            admin,
            request.id,
            expected_version=request.version,
            order_date=ORDERED_ON,
            supplier_order_id="PO-9",
        ),
        "receive": lambda: _receive(service, admin, request),
        "cancel": lambda: _cancel(service, admin, request),
    }
    events.clear()

    with pytest.raises(ValidationError) as refused:
        attempts[forbidden]()

    assert refused.value.field == "status"
    assert "can't be" in refused.value.message
    assert events == []
    assert service.restock_requests(admin)[0].status.value == step
    assert service.reconciliation(admin) == []


def test_a_step_on_a_version_someone_else_changed_is_refused_naming_them(
    service_context: ServiceContext, service: InventoryService, actors: dict[Role, Actor]
) -> None:
    request = _pending(service, actors, _item(service_context))
    admin = actors[Role.ADMIN]
    service.approve_restock(admin, request.id, expected_version=request.version)

    with pytest.raises(StaleRecordError) as refused:
        service.cancel_restock(admin, request.id, "Too late", expected_version=request.version)

    assert refused.value.changed_by == admin.email
    assert refused.value.changed_at is not None
    assert refused.value.message.startswith(f"{admin.email} changed this restock request at ")


def test_an_unknown_request_is_not_found(
    service: InventoryService, actors: dict[Role, Actor]
) -> None:
    with pytest.raises(NotFoundError):
        service.approve_restock(actors[Role.ADMIN], uuid.uuid4(), expected_version=1)


def test_a_delivery_of_nothing_is_refused(
    service_context: ServiceContext, service: InventoryService, actors: dict[Role, Actor]
) -> None:
    ordered = _ordered(service, actors, _item(service_context))
    with pytest.raises(ValidationError) as refused:
        service.receive_restock(
            actors[Role.STAFF],
            ordered.id,
            expected_version=ordered.version,
            actual_delivery=DUE_ON,
            quantity=0,
            unit_cost=Decimal("7.50"),
        )
    assert refused.value.field == "quantity"


# -- auto-drafting --------------------------------------------------------------------------
def test_a_movement_to_the_minimum_drafts_one_pending_request_up_to_the_maximum(
    service_context: ServiceContext,
    service: InventoryService,
    actors: dict[Role, Actor],
    events: list[ChangeEvent],
) -> None:
    item_id = _item(service_context, stock=10, min_stock=6, max_stock=40)
    staff = actors[Role.STAFF]

    service.move_stock(staff, item_id, -3, MovementType.DEDUCTION, "Used in a visit")
    assert service.restock_requests(staff) == []  # 7 is above the minimum of 6
    service.move_stock(staff, item_id, -1, MovementType.DEDUCTION, "Used in a visit")
    service.move_stock(staff, item_id, -3, MovementType.DEDUCTION, "Used in a visit")

    [drafted] = service.restock_requests(staff)
    assert drafted.status is RestockStatus.PENDING
    assert (drafted.requested_quantity, drafted.current_stock, drafted.min_stock) == (34, 6, 6)
    assert drafted.urgency is Urgency.MEDIUM
    assert drafted.requested_by == staff.user_id
    assert [e.action for e in events if e.entity == "restock_request"] == ["drafted"]
    assert _audit_actions(service_context, drafted.id) == ["draft_restock"]


def test_a_draft_takes_its_urgency_from_the_alert_level(
    service_context: ServiceContext, service: InventoryService, actors: dict[Role, Actor]
) -> None:
    staff = actors[Role.STAFF]
    urgent = _item(service_context, stock=10, min_stock=8)
    empty = _item(service_context, stock=10, min_stock=8)
    service.move_stock(staff, urgent, -6, MovementType.DEDUCTION, "Used")
    service.move_stock(staff, empty, -10, MovementType.DEDUCTION, "Used")

    by_item = {r.item_id: r for r in service.restock_requests(staff)}
    assert by_item[urgent].urgency is Urgency.HIGH
    assert by_item[empty].urgency is Urgency.CRITICAL
    assert by_item[empty].requested_quantity == 50


def test_no_second_draft_while_a_request_is_open_but_a_new_one_after_it_is_closed(
    service_context: ServiceContext, service: InventoryService, actors: dict[Role, Actor]
) -> None:
    item_id = _item(service_context, stock=20, min_stock=10)
    staff, admin = actors[Role.STAFF], actors[Role.ADMIN]
    ordered = _ordered(service, actors, item_id)

    service.move_stock(staff, item_id, -12, MovementType.DEDUCTION, "Used")
    service.move_stock(staff, item_id, -2, MovementType.DEDUCTION, "Used")
    assert [r.id for r in service.restock_requests(staff)] == [ordered.id]

    _cancel(service, admin, ordered)
    service.move_stock(staff, item_id, -1, MovementType.DEDUCTION, "Used")
    assert len(service.restock_requests(staff, RestockStatus.PENDING)) == 1
    assert len(service.restock_requests(staff)) == 2


def test_a_refused_movement_drafts_nothing(
    service_context: ServiceContext, service: InventoryService, actors: dict[Role, Actor]
) -> None:
    item_id = _item(service_context, stock=3)
    with pytest.raises(ValidationError):
        service.move_stock(actors[Role.STAFF], item_id, 5, MovementType.DEDUCTION, "Wrong sign")
    assert service.restock_requests(actors[Role.STAFF]) == []


# -- roles ----------------------------------------------------------------------------------
def test_only_admins_approve_and_cancel_while_staff_request_order_and_receive(
    service_context: ServiceContext, service: InventoryService, actors: dict[Role, Actor]
) -> None:
    item_id = _item(service_context)
    staff, dentist = actors[Role.STAFF], actors[Role.DENTIST]
    request = _pending(service, actors, item_id)

    for actor in (staff, dentist):
        with pytest.raises(PermissionDeniedError) as refused:
            service.approve_restock(actor, request.id, expected_version=request.version)
        with pytest.raises(PermissionDeniedError):
            _cancel(service, actor, request)
    assert refused.value.message == "Dentists can't approve restock requests; ask an admin."

    ordered = _ordered(service, actors, item_id)
    assert _receive(service, dentist, ordered).status is RestockStatus.RECEIVED


def test_patient_accounts_can_do_nothing_with_restock_requests(
    service_context: ServiceContext, service: InventoryService, actors: dict[Role, Actor]
) -> None:
    item_id = _item(service_context)
    patient = actors[Role.PATIENT]
    ordered = _ordered(service, actors, item_id)
    calls = [
        lambda: service.restock_requests(patient),
        lambda: service.request_restock(patient, item_id, 5, reason="x"),
        lambda: service.order_restock(
            patient, ordered.id, expected_version=1, order_date=ORDERED_ON, supplier_order_id="P"
        ),
        lambda: _receive(service, patient, ordered),
    ]
    for call in calls:
        with pytest.raises(PermissionDeniedError):
            call()
    assert service.restock_requests(actors[Role.STAFF])[0].status is RestockStatus.ORDERED
