"""The service catalogue as an admin edits it, on both backends: creating, editing with
optimistic locking, unique names, validation, deactivating with history intact, deleting
only what nothing refers to, and the supplies a service uses, saved in exactly the shape
the completion's deduction reads."""

from __future__ import annotations

import threading
import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.exc import IntegrityError

from dcms_desktop.data import cache_keys
from dcms_desktop.data.events import ChangeEvent
from dcms_desktop.data.models import (
    AppointmentService,
    InventoryItem,
    Service,
    ServiceInventoryMapping,
)
from dcms_desktop.domain.enums import PricingModel, ToothChartUse
from dcms_desktop.domain.errors import (
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    StaleRecordError,
    ValidationError,
)
from dcms_desktop.domain.readmodels.catalog import MappingDraft, ServiceDraft
from dcms_desktop.services.audit import AuditService
from dcms_desktop.services.catalog import CatalogService, clean_service, mapping_field
from dcms_desktop.services.context import ServiceContext
from dcms_desktop.services.scheduling import SchedulingService
from tests.factories import (
    CLINIC_NOW,
    actor_for,
    make_admin,
    make_appointment,
    make_dentist,
    make_patient,
    make_service,
    make_staff,
    write_session,
)

NINE = CLINIC_NOW.replace(hour=9, minute=0)


def draft(**overrides: Any) -> ServiceDraft:
    values: dict[str, Any] = {
        "name": "Composite filling",
        "category": "Restorative",
        "price": "1500.00",
        "duration": 45,
        "pricing_model": PricingModel.PER_TOOTH,
        "tooth_chart_use": ToothChartUse.REQUIRED,
        "description": "Tooth-coloured filling, one surface",
    }
    values.update(overrides)
    return ServiceDraft(**values)


@pytest.fixture
def events(local_bus) -> list[ChangeEvent]:
    received: list[ChangeEvent] = []
    local_bus.subscribe(received.append)
    return received


@pytest.fixture
def clinic(database, service_context: ServiceContext) -> dict[str, Any]:
    with write_session(database) as s:
        admin = make_admin(s, first_name="Ana", last_name="Reyes")
        other_admin = make_admin(s, first_name="Luis", last_name="Cruz")
        staff = make_staff(s)
        dentist = make_dentist(s, last_name="Torres")
        patient = make_patient(s, first_name="Maria", last_name="Santos")
    return {
        "admin": actor_for(admin),
        "other_admin": actor_for(other_admin),
        "staff": actor_for(staff),
        "dentist_row": dentist,
        "dentist": actor_for(dentist),
        "patient": patient,
        "catalog": CatalogService(service_context),
    }


def _item(database, name: str, stock: int = 10, *, active: bool = True) -> uuid.UUID:
    with write_session(database) as s:
        item = InventoryItem(
            id=uuid.uuid4(),
            name=name,
            category="Consumables",
            unit="piece",
            cost_per_unit=Decimal("2.00"),
            current_stock=stock,
            min_stock=0,
            max_stock=1000,
            is_active=active,
        )
        s.add(item)
        s.flush()
        return item.id


def _stock(context: ServiceContext, item_id: uuid.UUID) -> int:
    with context.uow(write=False) as uow:
        item = uow.inventory.get(item_id)
    assert item is not None
    return item.current_stock


# -- creating and reading ---------------------------------------------------------------------
def test_an_admin_creates_a_service_which_is_audited_announced_and_listed(
    clinic, service_context, events
) -> None:
    catalog = clinic["catalog"]

    created = catalog.create_service(clinic["admin"], draft(name="  Composite   filling "))

    assert created.name == "Composite filling"
    assert created.price == Decimal("1500.00")
    assert created.pricing_model is PricingModel.PER_TOOTH
    assert created.tooth_chart_use is ToothChartUse.REQUIRED
    assert created.is_active and created.version == 1
    assert catalog.get(clinic["staff"], created.id) == created
    assert [s.id for s in catalog.list_services(clinic["staff"])] == [created.id]
    assert ("service", str(created.id), "created") in [(e.entity, e.id, e.action) for e in events]
    (entry,) = AuditService(service_context).recent(
        clinic["admin"], entity="service", entity_id=created.id
    )
    assert (entry.action, entry.user_email) == ("create_service", clinic["admin"].email)
    assert entry.details is not None and entry.details["price"] == "1500.00"


def test_staff_and_dentists_read_the_catalogue_but_only_admins_edit_it(clinic) -> None:
    catalog = clinic["catalog"]
    for actor in (clinic["staff"], clinic["dentist"]):
        with pytest.raises(PermissionDeniedError):
            catalog.create_service(actor, draft())
    created = catalog.create_service(clinic["admin"], draft())
    assert catalog.list_services(clinic["staff"]) == (created,)
    with pytest.raises(PermissionDeniedError):
        catalog.save_mappings(clinic["dentist"], created.id, [])


def test_the_list_filters_by_text_category_model_and_active_by_category_then_name(
    clinic,
) -> None:
    catalog, admin = clinic["catalog"], clinic["admin"]
    filling = catalog.create_service(admin, draft())
    cleaning = catalog.create_service(
        admin,
        draft(
            name="Cleaning",
            category="Preventive",
            price="800",
            pricing_model=PricingModel.PER_SESSION,
            tooth_chart_use=ToothChartUse.NOT_NEEDED,
            description="Scaling and polishing",
        ),
    )
    xray = catalog.create_service(
        admin,
        draft(
            name="Periapical X-ray",
            category="Diagnostic",
            price="350",
            pricing_model=PricingModel.PER_FILM,
            tooth_chart_use=ToothChartUse.OPTIONAL,
            description=None,
        ),
    )
    old = catalog.create_service(admin, draft(name="Amalgam filling", price="900"))
    old = catalog.deactivate_service(admin, old.id, expected_version=old.version)

    def names(**filters: Any) -> list[str]:
        return [s.name for s in catalog.list_services(admin, **filters)]

    # by category then name; inactive included unless asked otherwise
    assert names() == ["Periapical X-ray", "Cleaning", "Amalgam filling", "Composite filling"]
    assert names(active=True) == ["Periapical X-ray", "Cleaning", "Composite filling"]
    assert names(active=False) == ["Amalgam filling"]
    assert names(category="Restorative") == ["Amalgam filling", "Composite filling"]
    assert names(pricing_model=PricingModel.PER_FILM) == [xray.name]
    assert names(search="FILL") == ["Amalgam filling", "Composite filling"]
    assert names(search="polish") == [cleaning.name]  # the description
    assert names(search="restor comp") == [filling.name]  # every word, anywhere
    assert names(search="100%") == []  # LIKE's wildcards are plain text
    assert catalog.categories(clinic["staff"]) == ("Diagnostic", "Preventive", "Restorative")
    assert [s.name for s in catalog.list_active(admin)] == names(active=True)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"name": "   "}, "name"),
        ({"name": "x" * 201}, "name"),
        ({"category": ""}, "category"),
        ({"price": ""}, "price"),
        ({"price": "abc"}, "price"),
        ({"price": "-1"}, "price"),
        ({"price": "12.345"}, "price"),
        ({"price": "100000000"}, "price"),
        ({"duration": 0}, "duration"),
        ({"duration": 481}, "duration"),
        ({"pricing_model": "Per Hour"}, "pricing_model"),
        ({"tooth_chart_use": "sometimes"}, "tooth_chart_use"),
    ],
)
def test_a_bad_field_is_refused_naming_it_and_nothing_is_saved(
    clinic, overrides: dict[str, Any], field: str
) -> None:
    with pytest.raises(ValidationError) as refused:
        clinic["catalog"].create_service(clinic["admin"], draft(**overrides))
    assert refused.value.field == field
    assert refused.value.message
    assert clinic["catalog"].list_services(clinic["admin"]) == ()


def test_prices_are_exact_decimals_and_free_services_and_long_visits_are_allowed(clinic) -> None:
    catalog, admin = clinic["catalog"], clinic["admin"]
    free = catalog.create_service(admin, draft(name="Consultation", price="0", duration=1))
    long = catalog.create_service(
        admin, draft(name="Full-mouth rehab", price="1,234,567.80", duration=480)
    )
    assert (free.price, free.duration) == (Decimal("0.00"), 1)
    assert (long.price, long.duration) == (Decimal("1234567.80"), 480)
    assert catalog.get(admin, long.id).price == Decimal("1234567.80")


def test_a_name_already_in_the_catalogue_is_refused_whatever_its_case(clinic) -> None:
    catalog, admin = clinic["catalog"], clinic["admin"]
    first = catalog.create_service(admin, draft())
    other = catalog.create_service(admin, draft(name="Cleaning"))
    catalog.deactivate_service(admin, first.id, expected_version=first.version)

    with pytest.raises(ConflictError) as refused:
        catalog.create_service(admin, draft(name=" COMPOSITE filling"))
    assert refused.value.field == "name"
    assert "Composite filling" in refused.value.message
    with pytest.raises(ConflictError):
        catalog.update_service(admin, other.id, other.version, draft(name="composite filling"))
    # its own name (in another case) is not a clash
    renamed = catalog.update_service(admin, other.id, other.version, draft(name="CLEANING"))
    assert renamed.name == "CLEANING"


@pytest.mark.parametrize("loser_does", ["create", "rename"])
def test_two_workstations_saving_the_same_name_at_once_one_wins_the_other_gets_the_name_error(
    database, clinic, memory_cache, local_bus, loser_does: str
) -> None:
    """On PostgreSQL both checks pass before either row is written (a barrier holds each
    save right after its check), so the unique index decides; SQLite's write lock makes
    the second save wait and its check refuse. Same error either way."""
    admin = clinic["admin"]
    cleaning = clinic["catalog"].create_service(admin, draft(name="Cleaning"))
    workstations = [
        CatalogService(ServiceContext(database, memory_cache, local_bus, f"ws-{n}")) for n in (1, 2)
    ]
    racing = database.backend == "postgresql"
    both_checked = threading.Barrier(2, timeout=20)
    start = threading.Barrier(2, timeout=20)

    held: set[int] = set()

    def hold_after_the_name_check(_conn, _cursor, statement, *_args) -> None:
        if not racing or "lower(trim(services.name))" not in statement.lower():
            return
        if threading.get_ident() not in held:  # the first check only, not the error's read
            held.add(threading.get_ident())
            both_checked.wait()

    saves = {
        "create": lambda catalog: catalog.create_service(admin, draft(name="Composite filling")),
        "rename": lambda catalog: catalog.update_service(
            admin, cleaning.id, cleaning.version, draft(name="COMPOSITE FILLING")
        ),
    }
    outcome: dict[str, Any] = {}

    def save(who: str, catalog: CatalogService, what: str) -> None:
        start.wait()
        try:
            outcome[who] = saves[what](catalog)
        except BaseException as exc:  # handed to the test thread
            outcome[who] = exc

    event.listen(database.engine, "after_cursor_execute", hold_after_the_name_check)
    try:
        threads = [
            threading.Thread(target=save, args=("a", workstations[0], "create")),
            threading.Thread(target=save, args=("b", workstations[1], loser_does)),
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    finally:
        event.remove(database.engine, "after_cursor_execute", hold_after_the_name_check)

    refused = [r for r in outcome.values() if isinstance(r, BaseException)]
    saved = [r for r in outcome.values() if not isinstance(r, BaseException)]
    assert len(saved) == 1 and len(refused) == 1, outcome
    (error,) = refused
    assert type(error) is ConflictError, repr(error)
    assert error.field == "name"
    winner = saved[0].name
    assert error.message == (
        f"There is already a service called “{winner}”: choose another name, or edit that one"
    )
    if racing:  # the database, not the check, refused it
        assert isinstance(error.__cause__, IntegrityError)
    with write_session(database) as s:
        names = s.scalars(
            select(Service.name).where(func.lower(Service.name) == "composite filling")
        ).all()
    assert names == [winner]
    # the refused workstation's session was rolled back cleanly: it saves at once
    loser = workstations[0] if isinstance(outcome["a"], BaseException) else workstations[1]
    assert loser.create_service(admin, draft(name="Crown")).name == "Crown"


def test_the_repository_refuses_a_taken_name_itself_and_the_transaction_goes_on(
    service_context, clinic
) -> None:
    """Without the service's check (as when another workstation saved the name after it),
    adding or renaming to a taken name gets the check's error and the unit of work stays
    usable."""
    catalog, admin = clinic["catalog"], clinic["admin"]
    catalog.create_service(admin, draft())
    cleaning = catalog.create_service(admin, draft(name="Cleaning"))
    with pytest.raises(ConflictError) as checked:
        catalog.create_service(admin, draft(name="composite FILLING"))
    values = clean_service(draft(name="composite FILLING"))
    now = service_context.now()

    with service_context.uow() as uow:
        with pytest.raises(ConflictError) as added:
            uow.services.add(values, by=admin.user_id, at=now)
        with pytest.raises(ConflictError) as renamed:
            uow.services.update(cleaning.id, cleaning.version, values, by=admin.user_id, at=now)
        still = uow.services.get(cleaning.id)
        assert still is not None and still.name == "Cleaning"
        kept = uow.services.add(clean_service(draft(name="Crown")), by=admin.user_id, at=now)
        uow.commit()

    for error in (added.value, renamed.value):
        assert (type(error), error.field, error.message) == (
            ConflictError,
            "name",
            checked.value.message,
        )
    assert "“Composite filling”" in checked.value.message
    names = sorted(service.name for service in catalog.list_services(admin))
    assert names == ["Cleaning", "Composite filling", "Crown"]
    assert catalog.get(admin, kept.id).name == "Crown"


def test_the_database_refuses_a_name_in_another_case_written_past_the_service(
    database, clinic
) -> None:
    clinic["catalog"].create_service(clinic["admin"], draft())

    with (
        pytest.raises(IntegrityError, match="uq_services_name_lower"),
        write_session(database) as s,
    ):
        make_service(s, name="COMPOSITE FILLING")

    with write_session(database) as s:
        assert make_service(s, name="Composite filling, two surfaces").id is not None
        names = s.scalars(select(Service.name).order_by(Service.name)).all()
    assert names == ["Composite filling", "Composite filling, two surfaces"]


# -- editing ------------------------------------------------------------------------------
def test_an_edit_saves_the_changes_drops_the_cache_and_is_audited_with_before_and_after(
    clinic, service_context, memory_cache, events
) -> None:
    catalog, admin = clinic["catalog"], clinic["admin"]
    created = catalog.create_service(admin, draft())
    catalog.get(clinic["staff"], created.id)  # now cached
    assert memory_cache.get_json(cache_keys.service(created.id)) is not None

    saved = catalog.update_service(
        admin, created.id, created.version, draft(price="1650.50", duration=60)
    )

    assert (saved.price, saved.duration, saved.version) == (Decimal("1650.50"), 60, 2)
    assert memory_cache.get_json(cache_keys.service(created.id)) is None
    assert catalog.get(clinic["staff"], created.id) == saved
    assert ("service", str(created.id), "updated") in [(e.entity, e.id, e.action) for e in events]
    entry = AuditService(service_context).recent(admin, entity="service", entity_id=created.id)[0]
    assert entry.action == "update_service"
    assert entry.details is not None
    assert entry.details["changed"] == {"price": ["1500.00", "1650.50"], "duration": [45, 60]}


def test_saving_without_changes_writes_nothing(clinic, service_context, events) -> None:
    catalog, admin = clinic["catalog"], clinic["admin"]
    created = catalog.create_service(admin, draft())
    events.clear()
    same = catalog.update_service(admin, created.id, created.version, draft())
    assert same.version == created.version
    assert events == []


def test_a_stale_edit_is_refused_naming_who_saved_first_and_keeps_their_version(clinic) -> None:
    catalog = clinic["catalog"]
    opened = catalog.create_service(clinic["admin"], draft())
    catalog.update_service(clinic["other_admin"], opened.id, opened.version, draft(price="1700"))

    with pytest.raises(StaleRecordError) as refused:
        catalog.update_service(clinic["admin"], opened.id, opened.version, draft(price="1600"))

    assert refused.value.changed_by == "Luis Cruz"
    assert isinstance(refused.value.changed_at, datetime)
    assert "Luis Cruz changed Composite filling" in refused.value.message
    assert catalog.get(clinic["admin"], opened.id).price == Decimal("1700.00")


def test_deactivating_keeps_history_and_the_service_can_be_reactivated(
    database, clinic, events
) -> None:
    catalog, admin = clinic["catalog"], clinic["admin"]
    created = catalog.create_service(admin, draft())
    with write_session(database) as s:
        row = s.get(Service, created.id)
        make_appointment(
            s,
            patient=clinic["patient"],
            dentist=clinic["dentist_row"],
            start=NINE,
            services=[(row, [16])],
        )

    off = catalog.deactivate_service(admin, created.id, expected_version=created.version)

    assert not off.is_active
    assert created.id not in [s.id for s in catalog.list_active(admin)]
    with write_session(database) as s:
        lines = s.scalars(
            select(AppointmentService).where(AppointmentService.service_id == created.id)
        ).all()
    assert [line.service_name for line in lines] == ["Composite filling"]
    with pytest.raises(StaleRecordError):
        catalog.reactivate_service(admin, created.id, expected_version=created.version)
    on = catalog.reactivate_service(admin, created.id, expected_version=off.version)
    assert on.is_active and created.id in [s.id for s in catalog.list_active(admin)]
    actions = [e.action for e in events if e.id == str(created.id)]
    assert actions == ["created", "deactivated", "reactivated"]


# -- deleting -----------------------------------------------------------------------------
def test_a_service_on_an_appointment_can_not_be_deleted_deactivate_instead(
    database, clinic
) -> None:
    catalog, admin = clinic["catalog"], clinic["admin"]
    created = catalog.create_service(admin, draft())
    with write_session(database) as s:
        row = s.get(Service, created.id)
        make_appointment(
            s,
            patient=clinic["patient"],
            dentist=clinic["dentist_row"],
            start=NINE,
            services=[(row, [16])],
        )

    with pytest.raises(ConflictError) as refused:
        catalog.delete_service(admin, created.id)

    assert "in use (1 appointment)" in refused.value.message
    assert "deactivate it instead" in refused.value.message
    assert catalog.get(admin, created.id) == created


def test_a_service_with_supplies_can_not_be_deleted(database, clinic) -> None:
    catalog, admin = clinic["catalog"], clinic["admin"]
    created = catalog.create_service(admin, draft())
    catalog.save_mappings(admin, created.id, [MappingDraft(item_id=_item(database, "Gloves"))])
    with pytest.raises(ConflictError, match=r"in use \(1 supply\)"):
        catalog.delete_service(admin, created.id)


def test_an_unused_service_is_deleted_audited_and_announced(
    clinic, service_context, memory_cache, events
) -> None:
    catalog, admin = clinic["catalog"], clinic["admin"]
    created = catalog.create_service(admin, draft())
    catalog.get(admin, created.id)

    catalog.delete_service(admin, created.id)

    with pytest.raises(NotFoundError):
        catalog.get(admin, created.id)
    assert memory_cache.get_json(cache_keys.service(created.id)) is None
    assert ("service", str(created.id), "deleted") in [(e.entity, e.id, e.action) for e in events]
    entry = AuditService(service_context).recent(admin, entity="service", entity_id=created.id)[0]
    assert entry.action == "delete_service"
    assert entry.details == {"name": "Composite filling", "category": "Restorative"}
    with pytest.raises(NotFoundError):
        catalog.delete_service(admin, created.id)


# -- supplies -----------------------------------------------------------------------------
def test_saved_supplies_are_what_completing_a_visit_deducts(
    database, service_context, clinic, events
) -> None:
    catalog, admin = clinic["catalog"], clinic["admin"]
    filling = catalog.create_service(admin, draft())
    composite = _item(database, "Composite A2", 10)
    etchant = _item(database, "Etchant", 10)
    gloves = _item(database, "Nitrile gloves", 1)
    latex = _item(database, "Latex gloves", 10)

    saved = catalog.save_mappings(
        admin,
        filling.id,
        [
            MappingDraft(item_id=composite, quantity_used="1", per_tooth_quantity="1.5"),
            MappingDraft(item_id=etchant, quantity_used=Decimal("1")),
            MappingDraft(item_id=gloves, quantity_used="2", alternatives=(latex,)),
        ],
    )

    assert [(m.item.name, m.quantity_used, m.per_tooth_quantity) for m in saved] == [
        ("Composite A2", Decimal("1.00"), Decimal("1.50")),
        ("Etchant", Decimal("1.00"), None),
        ("Nitrile gloves", Decimal("2.00"), None),
    ]
    assert [ref.name for ref in saved[2].alternatives] == ["Latex gloves"]
    assert catalog.mappings(clinic["staff"], filling.id) == saved
    assert ("service", str(filling.id), "supplies_saved") in [
        (e.entity, e.id, e.action) for e in events
    ]

    with write_session(database) as s:
        row = s.get(Service, filling.id)
        visit = make_appointment(
            s,
            patient=clinic["patient"],
            dentist=clinic["dentist_row"],
            start=NINE,
            status="in_progress",
            services=[(row, [16, 17, 26])],
        ).id
    SchedulingService(service_context).complete(clinic["dentist"], visit)

    # 1.5 per tooth x 3 teeth = 4.5 -> 5; the etchant once; gloves short -> latex
    assert _stock(service_context, composite) == 5
    assert _stock(service_context, etchant) == 9
    assert (_stock(service_context, gloves), _stock(service_context, latex)) == (1, 8)


def test_saving_supplies_replaces_the_whole_set_in_order_and_audits_before_and_after(
    database, service_context, clinic
) -> None:
    catalog, admin = clinic["catalog"], clinic["admin"]
    service = catalog.create_service(admin, draft())
    a, b, c = (_item(database, name) for name in ("Bib", "Cotton rolls", "Suction tip"))
    catalog.save_mappings(admin, service.id, [MappingDraft(item_id=a), MappingDraft(item_id=b)])

    saved = catalog.save_mappings(
        admin,
        service.id,
        [MappingDraft(item_id=c, is_required=False), MappingDraft(item_id=a, quantity_used="3")],
    )

    assert [(m.item.id, m.is_required, m.quantity_used) for m in saved] == [
        (c, False, Decimal("1.00")),
        (a, True, Decimal("3.00")),
    ]
    with write_session(database) as s:
        rows = s.scalars(
            select(ServiceInventoryMapping).where(ServiceInventoryMapping.service_id == service.id)
        ).all()
    assert sorted(r.inventory_item_id for r in rows) == sorted([a, c])
    with service_context.uow(write=False) as uow:
        read = uow.services.mappings_for([service.id])[service.id]
    assert [m.item_id for m in read] == [c, a]
    entry = AuditService(service_context).recent(admin, entity="service", entity_id=service.id)[0]
    assert entry.action == "save_supplies"
    assert entry.details is not None
    assert [m["item_id"] for m in entry.details["before"]] == [str(a), str(b)]
    assert [m["item_id"] for m in entry.details["after"]] == [str(c), str(a)]

    assert catalog.save_mappings(admin, service.id, []) == ()
    assert catalog.mappings(admin, service.id) == ()


@pytest.mark.parametrize(
    ("case", "field", "words"),
    [
        ("duplicate", mapping_field(1, "item"), "already on row 1"),
        ("inactive", mapping_field(0, "item"), "no longer stocked"),
        ("unknown", mapping_field(0, "item"), "Choose an item"),
        ("zero", mapping_field(0, "quantity_used"), "at least 1"),
        ("fraction", mapping_field(0, "quantity_used"), "two decimal places"),
        ("per_tooth", mapping_field(0, "per_tooth_quantity"), "at least 0.01"),
        ("itself", mapping_field(0, "alternatives"), "can't stand in for itself"),
        ("twice", mapping_field(0, "alternatives"), "listed twice"),
        ("inactive_alt", mapping_field(0, "alternatives"), "no longer stocked"),
    ],
)
def test_a_bad_supply_row_is_refused_naming_its_row_and_column_and_nothing_changes(
    database, clinic, case: str, field: str, words: str
) -> None:
    catalog, admin = clinic["catalog"], clinic["admin"]
    service = catalog.create_service(admin, draft())
    gloves = _item(database, "Gloves")
    spare = _item(database, "Spare gloves")
    old = _item(database, "Old gloves", active=False)
    catalog.save_mappings(admin, service.id, [MappingDraft(item_id=spare)])
    rows = {
        "duplicate": [MappingDraft(item_id=gloves), MappingDraft(item_id=gloves)],
        "inactive": [MappingDraft(item_id=old)],
        "unknown": [MappingDraft(item_id=uuid.uuid4())],
        "zero": [MappingDraft(item_id=gloves, quantity_used="0")],
        "fraction": [MappingDraft(item_id=gloves, quantity_used="1.255")],
        "per_tooth": [MappingDraft(item_id=gloves, per_tooth_quantity="0")],
        "itself": [MappingDraft(item_id=gloves, alternatives=(gloves,))],
        "twice": [MappingDraft(item_id=gloves, alternatives=(spare, spare))],
        "inactive_alt": [MappingDraft(item_id=gloves, alternatives=(old,))],
    }[case]

    with pytest.raises(ValidationError) as refused:
        catalog.save_mappings(admin, service.id, rows)

    assert refused.value.field == field
    assert words in refused.value.message
    assert [m.item.id for m in catalog.mappings(admin, service.id)] == [spare]


def test_supplies_saved_by_someone_else_meanwhile_are_not_overwritten(database, clinic) -> None:
    catalog = clinic["catalog"]
    service = catalog.create_service(clinic["admin"], draft())
    gloves, bib = _item(database, "Gloves"), _item(database, "Bib")
    opened = [m.to_draft() for m in catalog.mappings(clinic["admin"], service.id)]
    catalog.save_mappings(clinic["other_admin"], service.id, [MappingDraft(item_id=bib)])

    with pytest.raises(StaleRecordError) as refused:
        catalog.save_mappings(
            clinic["admin"], service.id, [MappingDraft(item_id=gloves)], expected=opened
        )

    assert refused.value.changed_by == clinic["other_admin"].email
    assert [m.item.id for m in catalog.mappings(clinic["admin"], service.id)] == [bib]
    current = [m.to_draft() for m in catalog.mappings(clinic["admin"], service.id)]
    saved = catalog.save_mappings(
        clinic["admin"], service.id, [MappingDraft(item_id=gloves)], expected=current
    )
    assert [m.item.id for m in saved] == [gloves]


def test_the_supplies_of_a_missing_service_are_not_found(clinic) -> None:
    with pytest.raises(NotFoundError):
        clinic["catalog"].mappings(clinic["admin"], uuid.uuid4())
    with pytest.raises(NotFoundError):
        clinic["catalog"].save_mappings(clinic["admin"], uuid.uuid4(), [])


def test_an_item_counted_per_tooth_may_use_nothing_per_visit_besides(database, clinic) -> None:
    catalog, admin = clinic["catalog"], clinic["admin"]
    service = catalog.create_service(admin, draft())
    anaesthetic = _item(database, "Articaine")

    (saved,) = catalog.save_mappings(
        admin,
        service.id,
        [MappingDraft(item_id=anaesthetic, quantity_used="0", per_tooth_quantity="2")],
    )

    assert (saved.quantity_used, saved.per_tooth_quantity) == (Decimal("0.00"), Decimal("2.00"))
