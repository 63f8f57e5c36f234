"""SchedulingService on both backends: every booking rule, its message and its field; the
cache and the events after commit; two workstations racing for one slot; moving and
resizing by the same rules; walk-ins."""

from __future__ import annotations

import multiprocessing
import queue
import uuid
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select

from dcms_desktop.data import cache_keys
from dcms_desktop.data.cache import MemoryCache
from dcms_desktop.data.engine import Database, create_database
from dcms_desktop.data.events import ChangeEvent, LocalEventBus
from dcms_desktop.data.models import Appointment as AppointmentRow
from dcms_desktop.data.models import AuditEntry
from dcms_desktop.data.repositories.appointments import AppointmentRepository
from dcms_desktop.domain.enums import AppointmentStatus, AppointmentType
from dcms_desktop.domain.errors import (
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    StaleRecordError,
    ValidationError,
)
from dcms_desktop.domain.readmodels.scheduling import EN_DASH
from dcms_desktop.services.context import ServiceContext
from dcms_desktop.services.scheduling import RequestedService, SchedulingService
from tests.factories import (
    CLINIC_NOW,
    actor_for,
    clinic_clock,
    make_appointment,
    make_dentist,
    make_patient,
    make_service,
    make_staff,
    write_session,
)

TODAY = CLINIC_NOW.date()  # Monday 4 March 2030, 11:00
TOMORROW = TODAY + timedelta(days=1)


def at(hour: int, minute: int = 0, day: date = TOMORROW) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute)


def span(start: str, end: str) -> str:
    return f"{start}{EN_DASH}{end}"


@pytest.fixture
def events(local_bus: LocalEventBus) -> list[ChangeEvent]:
    received: list[ChangeEvent] = []
    local_bus.subscribe(received.append)
    return received


@pytest.fixture
def context(database: Database, memory_cache: MemoryCache, local_bus: LocalEventBus):
    return ServiceContext(database, memory_cache, local_bus, "test-ws", clock=clinic_clock())


@pytest.fixture
def scheduling(context: ServiceContext) -> SchedulingService:
    return SchedulingService(context)


@pytest.fixture
def clinic(database: Database) -> dict[str, Any]:
    with write_session(database) as s:
        return {
            "desk": make_staff(s, first_name="Rita", last_name="Lim"),
            "reyes": make_dentist(s, first_name="Ana", last_name="Reyes"),
            "cruz": make_dentist(s, first_name="Ben", last_name="Cruz"),
            "retired": make_dentist(s, first_name="Old", last_name="Abad", is_active=False),
            "maria": make_patient(s, first_name="Maria", last_name="Santos"),
            "jose": make_patient(s, first_name="Jose", last_name="Rizal"),
            "cleaning": make_service(s, name="Cleaning", price=Decimal("40.00")),
            "filling": make_service(
                s,
                name="Filling",
                price=Decimal("85.50"),
                pricing_model="Per Tooth",
                tooth_chart_use="required",
            ),
            "crown": make_service(
                s,
                name="Crown",
                price=Decimal("450.00"),
                pricing_model="Per Tooth Package",
                tooth_chart_use="required",
            ),
            "xray": make_service(
                s,
                name="Periapical X-ray",
                price=Decimal("15.00"),
                pricing_model="Per Film",
                tooth_chart_use="optional",
            ),
            "retired_service": make_service(s, name="Old thing", is_active=False),
        }


def book(scheduling: SchedulingService, clinic: dict[str, Any], **overrides: Any):
    values: dict[str, Any] = {
        "patient_id": clinic["maria"].id,
        "dentist_id": clinic["reyes"].id,
        "start": at(10),
        "duration": 30,
        "services": [RequestedService(clinic["cleaning"].id)],
    }
    values.update(overrides)
    return scheduling.book_appointment(actor_for(clinic["desk"]), **values)


def refused(kind: type[Exception], scheduling, clinic, **overrides: Any) -> Any:
    with pytest.raises(kind) as caught:
        book(scheduling, clinic, **overrides)
    return caught.value


def stored_appointments(database: Database) -> int:
    with database.read_sessions() as s:
        return s.scalar(select(func.count()).select_from(AppointmentRow)) or 0


# -- a booking ------------------------------------------------------------------------------
def test_booking_stores_the_visit_priced_from_the_catalogue(scheduling, clinic) -> None:
    booked = book(
        scheduling,
        clinic,
        duration=60,
        services=[
            RequestedService(clinic["filling"].id, teeth=[16, "17", 16]),
            RequestedService(clinic["crown"].id, teeth=[36]),
            RequestedService(clinic["xray"].id, films=3),
        ],
        reason="  Broken molar ",
        type="emergency",
    )
    assert (booked.start, booked.end, booked.status) == (at(10), at(11), AppointmentStatus.PENDING)
    assert booked.type is AppointmentType.EMERGENCY
    assert (booked.patient_name, booked.dentist_title, booked.reason) == (
        "Maria Santos",
        "Dr Reyes",
        "Broken molar",
    )
    lines = [
        (s.service_name, s.teeth, s.quantity, s.unit_price, s.subtotal) for s in booked.services
    ]
    assert lines == [
        ("Filling", (16, 17), 2, Decimal("85.50"), Decimal("171.00")),
        ("Crown", (36,), 1, Decimal("450.00"), Decimal("450.00")),
        ("Periapical X-ray", (), 3, Decimal("15.00"), Decimal("45.00")),
    ]
    assert booked.total == Decimal("666.00")
    assert scheduling.get_appointment(actor_for(clinic["desk"]), booked.id) == booked


def test_booking_is_audited_announced_and_drops_caches_after_commit(
    scheduling, clinic, memory_cache, events, database
) -> None:
    patient_key = cache_keys.patient_chart(clinic["maria"].email)
    memory_cache.set_json(patient_key, {"stale": True})
    booked = book(scheduling, clinic)
    assert memory_cache.get_json(patient_key) is None
    assert events == [ChangeEvent("appointment", str(booked.id), "created", "test-ws")]
    with database.read_sessions() as s:
        entry = s.scalars(select(AuditEntry)).one()
    assert (entry.action, entry.entity, entry.entity_id) == (
        "book_appointment",
        "appointment",
        str(booked.id),
    )
    assert entry.user_id == clinic["desk"].id


def test_a_refused_booking_leaves_nothing_behind(
    scheduling, clinic, memory_cache, events, database
) -> None:
    patient_key = cache_keys.patient_chart(clinic["maria"].email)
    memory_cache.set_json(patient_key, {"kept": True})
    refused(ValidationError, scheduling, clinic, services=[RequestedService(clinic["filling"].id)])
    assert stored_appointments(database) == 0
    assert events == []
    assert memory_cache.get_json(patient_key) == {"kept": True}
    with database.read_sessions() as s:
        assert s.scalar(select(func.count()).select_from(AuditEntry)) == 0


def test_seconds_of_the_start_are_dropped(scheduling, clinic) -> None:
    booked = book(scheduling, clinic, start=at(10, 15).replace(second=42, microsecond=7))
    assert booked.start == at(10, 15)


# -- clinic hours and durations -------------------------------------------------------------
@pytest.mark.parametrize("start", [at(8, 59), at(18, 1), at(23), at(0, 30)])
def test_a_start_outside_9_to_18_is_refused_on_start(scheduling, clinic, start) -> None:
    error = refused(ValidationError, scheduling, clinic, start=start)
    assert (error.message, error.field) == ("Appointments start between 09:00 and 18:00", "start")


@pytest.mark.parametrize("start", [at(9), at(18)])
def test_starts_at_opening_and_at_the_last_start_time_are_allowed(
    scheduling, clinic, start
) -> None:
    assert book(scheduling, clinic, start=start).start == start


@pytest.mark.parametrize("duration", [0, -5, 481])
def test_a_duration_outside_1_to_480_minutes_is_refused_on_duration(
    scheduling, clinic, duration
) -> None:
    error = refused(ValidationError, scheduling, clinic, duration=duration)
    assert error.field == "duration"
    assert error.message == "An appointment lasts between 1 and 480 minutes"


def test_the_longest_visit_may_run_past_midnight(scheduling, clinic) -> None:
    booked = book(scheduling, clinic, start=at(18), duration=480)
    assert booked.end == at(2, day=TOMORROW + timedelta(days=1))


def test_an_unknown_type_is_refused_on_type(scheduling, clinic) -> None:
    error = refused(ValidationError, scheduling, clinic, type="vip")
    assert (error.message, error.field) == (
        "Choose regular, walk-in, emergency or follow-up",
        "type",
    )


def test_an_aware_start_is_a_programming_error(scheduling, clinic) -> None:
    refused(TypeError, scheduling, clinic, start=at(10).astimezone())


# -- not in the past ------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("start", "kind"),
    [
        (at(10, day=TODAY - timedelta(days=1)), "regular"),
        (at(10, 59, day=TODAY), "regular"),
        (at(11, day=TODAY), "regular"),  # now: a regular visit is booked ahead
        (at(11, day=TODAY), "follow_up"),
        (at(10, 59, day=TODAY), "walk_in"),
        (at(10, 30, day=TODAY), "emergency"),
    ],
)
def test_a_start_in_the_past_is_refused_on_start(scheduling, clinic, start, kind) -> None:
    error = refused(ValidationError, scheduling, clinic, start=start, type=kind)
    assert error.field == "start"
    assert error.message.startswith("That time has passed")


@pytest.mark.parametrize("kind", ["walk_in", "emergency"])
def test_walk_ins_and_emergencies_may_start_now(scheduling, clinic, kind) -> None:
    booked = book(scheduling, clinic, start=at(11, day=TODAY), type=kind)
    assert booked.start == CLINIC_NOW


def test_a_regular_visit_a_minute_from_now_is_allowed(scheduling, clinic) -> None:
    assert book(scheduling, clinic, start=at(11, 1, day=TODAY)).start == at(11, 1, day=TODAY)


# -- who ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("who", "message"),
    [
        ("desk", "Choose a dentist from the list"),  # staff, not a dentist
        ("maria", "Choose a dentist from the list"),
        ("retired", "Dr Abad is no longer active"),
        (None, "Choose a dentist from the list"),
    ],
)
def test_the_dentist_must_be_an_active_dentist(scheduling, clinic, who, message) -> None:
    dentist_id = uuid.uuid4() if who is None else clinic[who].id
    error = refused(ValidationError, scheduling, clinic, dentist_id=dentist_id)
    assert (error.message, error.field) == (message, "dentist")


def test_the_patient_must_be_an_active_patient(scheduling, clinic, database) -> None:
    with write_session(database) as s:
        gone = make_patient(s, first_name="Lea", last_name="Gone", is_active=False)
    error = refused(ValidationError, scheduling, clinic, patient_id=clinic["cruz"].id)
    assert (error.message, error.field) == ("Choose a patient from the list", "patient")
    error = refused(ValidationError, scheduling, clinic, patient_id=gone.id)
    assert (error.message, error.field) == ("Lea Gone is no longer active", "patient")


def test_patients_cannot_book_at_a_workstation(scheduling, clinic) -> None:
    with pytest.raises(PermissionDeniedError):
        scheduling.book_appointment(
            actor_for(clinic["maria"]),
            patient_id=clinic["maria"].id,
            dentist_id=clinic["reyes"].id,
            start=at(10),
            duration=30,
        )


# -- services and teeth ---------------------------------------------------------------------
def test_invalid_fdi_teeth_are_refused_on_teeth(scheduling, clinic) -> None:
    error = refused(
        ValidationError,
        scheduling,
        clinic,
        services=[RequestedService(clinic["filling"].id, teeth=[16, 19])],
    )
    assert error.field == "teeth"
    assert error.message.startswith("19 is not a tooth number")


@pytest.mark.parametrize("service", ["filling", "crown"])
def test_a_service_that_needs_teeth_is_refused_without_them(scheduling, clinic, service) -> None:
    error = refused(
        ValidationError, scheduling, clinic, services=[RequestedService(clinic[service].id)]
    )
    assert error.field == "teeth"
    assert clinic[service].name in error.message or "tooth" in error.message


def test_a_service_not_offered_is_refused_on_services(scheduling, clinic) -> None:
    error = refused(
        ValidationError,
        scheduling,
        clinic,
        services=[RequestedService(clinic["retired_service"].id)],
    )
    assert (error.message, error.field) == ("Old thing is no longer offered", "services")
    error = refused(ValidationError, scheduling, clinic, services=[RequestedService(uuid.uuid4())])
    assert (error.message, error.field) == ("That service is not in the catalogue", "services")


# -- overlaps -------------------------------------------------------------------------------
def test_a_double_booking_names_the_appointment_in_the_way(scheduling, clinic) -> None:
    book(scheduling, clinic, start=at(10), duration=45)
    error = refused(
        ConflictError, scheduling, clinic, patient_id=clinic["jose"].id, start=at(10, 30)
    )
    assert error.message == f"Dr Reyes already has Maria Santos {span('10:00', '10:45')}"
    assert error.field == "start"


@pytest.mark.parametrize(("start", "duration"), [(at(9), 120), (at(10, 44), 1), (at(9, 59), 2)])
def test_any_shared_minute_is_a_conflict(scheduling, clinic, start, duration) -> None:
    book(scheduling, clinic, start=at(10), duration=45)
    refused(
        ConflictError,
        scheduling,
        clinic,
        patient_id=clinic["jose"].id,
        start=start,
        duration=duration,
    )


def test_back_to_back_visits_are_allowed(scheduling, clinic) -> None:
    book(scheduling, clinic, start=at(10), duration=45)
    after = book(scheduling, clinic, patient_id=clinic["jose"].id, start=at(10, 45))
    before = book(scheduling, clinic, patient_id=clinic["jose"].id, start=at(9, 30))
    assert (before.span, after.span) == (span("09:30", "10:00"), span("10:45", "11:15"))


@pytest.mark.parametrize("status", ["cancelled", "no_show"])
def test_a_freed_slot_can_be_booked_again(scheduling, clinic, database, status) -> None:
    with write_session(database) as s:
        make_appointment(
            s, patient=clinic["maria"], dentist=clinic["reyes"], start=at(10), status=status
        )
    booked = book(scheduling, clinic, patient_id=clinic["jose"].id, start=at(10))
    assert booked.start == at(10)


def test_a_late_visit_running_past_midnight_blocks_what_it_covers(scheduling, clinic) -> None:
    book(scheduling, clinic, start=at(17), duration=480)  # until 01:00
    error = refused(ConflictError, scheduling, clinic, patient_id=clinic["jose"].id, start=at(18))
    assert error.message == f"Dr Reyes already has Maria Santos {span('17:00', '01:00')}"
    # The next morning is free.
    book(scheduling, clinic, patient_id=clinic["jose"].id, start=at(9, day=TOMORROW + timedelta(1)))


def test_another_dentist_is_free_at_the_same_time(scheduling, clinic) -> None:
    book(scheduling, clinic, start=at(10))
    booked = book(scheduling, clinic, patient_id=clinic["jose"].id, dentist_id=clinic["cruz"].id)
    assert booked.dentist_title == "Dr Cruz"


def test_a_patient_booked_elsewhere_at_that_time_is_refused(scheduling, clinic) -> None:
    book(scheduling, clinic, dentist_id=clinic["cruz"].id, start=at(10), duration=45)
    error = refused(ConflictError, scheduling, clinic, start=at(10, 30))
    assert error.message == (
        f"Maria Santos already has an appointment with Dr Cruz {span('10:00', '10:45')}"
    )
    assert error.field == "start"


def test_a_race_lost_to_the_exclusion_constraint_names_the_winner(pg_database, monkeypatch) -> None:
    """PostgreSQL: when another workstation commits between our check and our insert, the
    database's refusal comes back as the same ConflictError."""
    clinic = _clinic_in(pg_database)
    context = ServiceContext(
        pg_database, MemoryCache(), LocalEventBus(), "test-ws", clock=clinic_clock()
    )
    scheduling = SchedulingService(context)
    book(scheduling, clinic, start=at(10), duration=45)
    # Our check sees nothing, as if it ran just before the winner committed.
    monkeypatch.setattr(AppointmentRepository, "overlapping", lambda self, *a, **k: ())
    error = refused(
        ConflictError, scheduling, clinic, patient_id=clinic["jose"].id, start=at(10, 30)
    )
    assert error.message == f"Dr Reyes already has Maria Santos {span('10:00', '10:45')}"
    assert error.field == "start"
    assert stored_appointments(pg_database) == 1


def _clinic_in(database: Database) -> dict[str, Any]:
    with write_session(database) as s:
        return {
            "desk": make_staff(s),
            "reyes": make_dentist(s, first_name="Ana", last_name="Reyes"),
            "maria": make_patient(s, first_name="Maria", last_name="Santos"),
            "jose": make_patient(s, first_name="Jose", last_name="Rizal"),
            "cleaning": make_service(s, name="Cleaning"),
        }


# -- reading the book -----------------------------------------------------------------------
def test_day_schedule_and_dentist_week(scheduling, clinic) -> None:
    desk = actor_for(clinic["desk"])
    first = book(scheduling, clinic, start=at(10))
    second = book(scheduling, clinic, patient_id=clinic["jose"].id, dentist_id=clinic["cruz"].id)
    later = book(scheduling, clinic, start=at(10, day=TOMORROW + timedelta(days=2)))
    day = scheduling.day_schedule(desk, TOMORROW)
    assert [a.id for a in day] == [second.id, first.id]  # both at 10:00: Cruz before Reyes
    # Any day of the week gives the week from its Monday.
    week = scheduling.dentist_week(desk, clinic["reyes"].id, TOMORROW + timedelta(days=3))
    assert [a.id for a in week] == [first.id, later.id]


def test_get_appointment_of_an_unknown_id_is_not_found(scheduling, clinic) -> None:
    with pytest.raises(NotFoundError):
        scheduling.get_appointment(actor_for(clinic["desk"]), uuid.uuid4())


# -- two workstations at once ---------------------------------------------------------------
WORKERS = 16
SLOTS = (at(10), at(14))


def _book_in_process(
    url: str,
    desk_id: str,
    dentist_id: str,
    patient_id: str,
    start: datetime,
    ready: Any,
    results: Any,
) -> None:
    """One workstation: connect, wait for every other one, then book."""
    from dcms_desktop.domain.enums import Role
    from dcms_desktop.domain.readmodels.people import Actor

    database = create_database(url)
    try:
        with database.engine.connect() as conn:  # connected before the starting gun
            conn.exec_driver_sql("SELECT 1")
        context = ServiceContext(
            database, MemoryCache(), LocalEventBus(), f"ws-{patient_id[:4]}", clock=clinic_clock()
        )
        desk = Actor(uuid.UUID(desk_id), "desk@example.org", Role.STAFF, "Desk")
        ready.wait(timeout=60)
        try:
            SchedulingService(context).book_appointment(
                desk,
                patient_id=uuid.UUID(patient_id),
                dentist_id=uuid.UUID(dentist_id),
                start=start,
                duration=60,
            )
            results.put(("booked", start.isoformat()))
        except ConflictError as exc:
            results.put(("conflict", exc.field or ""))
        except Exception as exc:  # reported to the test, which fails on it
            results.put(("error", repr(exc)))
    finally:
        database.dispose()


def test_sixteen_workstations_racing_for_two_slots_book_each_slot_once(database) -> None:
    with write_session(database) as s:
        desk = make_staff(s)
        dentist = make_dentist(s, last_name="Reyes")
        patients = [make_patient(s) for _ in range(WORKERS)]
    spawn = multiprocessing.get_context("spawn")
    ready = spawn.Barrier(WORKERS)
    results = spawn.Queue()
    workers = []
    for i, patient in enumerate(patients):
        # Eight workstations per slot, each a few minutes apart: every pair overlaps.
        start = SLOTS[i % 2] + timedelta(minutes=5 * (i // 2))
        worker = spawn.Process(
            target=_book_in_process,
            args=(
                database.url,
                str(desk.id),
                str(dentist.id),
                str(patient.id),
                start,
                ready,
                results,
            ),
        )
        worker.start()
        workers.append(worker)
    outcomes = []
    try:
        for _ in workers:
            outcomes.append(results.get(timeout=90))
    except queue.Empty:
        pytest.fail(f"only {len(outcomes)} of {WORKERS} workstations answered: {outcomes}")
    finally:
        for worker in workers:
            worker.join(timeout=30)
    assert [o for o in outcomes if o[0] == "error"] == []
    booked = sorted(datetime.fromisoformat(o[1]) for o in outcomes if o[0] == "booked")
    assert len(booked) == 2, outcomes
    assert booked[0].hour == 10 and booked[1].hour == 14
    assert [o for o in outcomes if o[0] == "conflict"] == [("conflict", "start")] * (WORKERS - 2)
    with database.read_sessions() as s:
        stored = s.execute(
            select(AppointmentRow.appointment_date, AppointmentRow.appointment_time)
        ).all()
    assert sorted(datetime.combine(d, t) for d, t in stored) == booked


# -- moving and resizing (issue 4) ------------------------------------------------------------
def move(scheduling: SchedulingService, clinic: dict[str, Any], booked: Any, **changes: Any):
    changes.setdefault("start", booked.start)
    changes.setdefault("expected_version", booked.version)
    return scheduling.move(actor_for(clinic["desk"]), booked.id, **changes)


def test_a_move_to_a_free_time_is_saved_audited_and_announced(
    scheduling, clinic, events, database, memory_cache
) -> None:
    booked = book(scheduling, clinic, start=at(10))
    scheduling.get_appointment(actor_for(clinic["desk"]), booked.id)  # cached
    events.clear()
    moved = move(scheduling, clinic, booked, start=at(14, 30))
    assert (moved.start, moved.duration, moved.dentist_id) == (at(14, 30), 30, clinic["reyes"].id)
    assert moved.version == booked.version + 1
    assert moved.updated_by == clinic["desk"].id
    assert events == [ChangeEvent("appointment", str(booked.id), "updated", "test-ws")]
    assert scheduling.get_appointment(actor_for(clinic["desk"]), booked.id).start == at(14, 30)
    with database.read_sessions() as s:
        entry = s.scalars(select(AuditEntry).where(AuditEntry.action == "move_appointment")).one()
    assert entry.details["from"]["start"] == "2030-03-05T10:00"
    assert entry.details["to"]["start"] == "2030-03-05T14:30"


def test_a_move_onto_another_visit_is_refused_naming_the_one_in_the_way(
    scheduling, clinic, database, events
) -> None:
    booked = book(scheduling, clinic, start=at(10))
    book(scheduling, clinic, patient_id=clinic["jose"].id, start=at(14), duration=30)
    events.clear()
    with pytest.raises(ConflictError) as caught:
        move(scheduling, clinic, booked, start=at(13, 45))
    assert caught.value.message == f"Dr Reyes already has Jose Rizal {span('14:00', '14:30')}"
    assert caught.value.field == "start"
    assert scheduling.get_appointment(actor_for(clinic["desk"]), booked.id).start == at(10)
    assert events == []


def test_a_move_may_overlap_its_own_old_time_and_land_back_to_back(scheduling, clinic) -> None:
    booked = book(scheduling, clinic, start=at(10), duration=60)
    book(scheduling, clinic, patient_id=clinic["jose"].id, start=at(11), duration=30)
    assert move(scheduling, clinic, booked, start=at(10, 15), duration=45).span == span(
        "10:15", "11:00"
    )


def test_a_move_onto_a_cancelled_visits_time_is_allowed(scheduling, clinic) -> None:
    booked = book(scheduling, clinic, start=at(10))
    other = book(scheduling, clinic, patient_id=clinic["jose"].id, start=at(15))
    scheduling.cancel(actor_for(clinic["desk"]), other.id, "Rebooked elsewhere")
    assert move(scheduling, clinic, booked, start=at(15)).start == at(15)


def test_a_resize_into_the_next_visit_is_refused_and_back_to_back_allowed(
    scheduling, clinic
) -> None:
    booked = book(scheduling, clinic, start=at(10), duration=30)
    book(scheduling, clinic, patient_id=clinic["jose"].id, start=at(11), duration=30)
    with pytest.raises(ConflictError) as caught:
        move(scheduling, clinic, booked, duration=61)
    assert caught.value.message == f"Dr Reyes already has Jose Rizal {span('11:00', '11:30')}"
    assert move(scheduling, clinic, booked, duration=60).end == at(11)


def test_a_move_to_another_dentist_checks_that_dentists_book(scheduling, clinic) -> None:
    booked = book(scheduling, clinic, start=at(10))
    book(scheduling, clinic, patient_id=clinic["jose"].id, dentist_id=clinic["cruz"].id)
    with pytest.raises(ConflictError) as caught:
        move(scheduling, clinic, booked, dentist_id=clinic["cruz"].id)
    assert caught.value.message.startswith("Dr Cruz already has Jose Rizal")
    moved = move(scheduling, clinic, booked, dentist_id=clinic["cruz"].id, start=at(11))
    assert (moved.dentist_title, moved.start) == ("Dr Cruz", at(11))
    with pytest.raises(ValidationError) as caught:
        move(scheduling, clinic, moved, dentist_id=clinic["retired"].id)
    assert (caught.value.field, caught.value.message) == ("dentist", "Dr Abad is no longer active")


def test_a_move_where_the_patient_is_booked_elsewhere_is_refused(scheduling, clinic) -> None:
    booked = book(scheduling, clinic, start=at(10))
    book(scheduling, clinic, dentist_id=clinic["cruz"].id, start=at(15), duration=45)
    with pytest.raises(ConflictError) as caught:
        move(scheduling, clinic, booked, start=at(15, 30))
    assert caught.value.message == (
        f"Maria Santos already has an appointment with Dr Cruz {span('15:00', '15:45')}"
    )


@pytest.mark.parametrize(
    ("changes", "field", "message_start"),
    [
        ({"start": at(8, 45)}, "start", "Appointments start between 09:00 and 18:00"),
        ({"start": at(18, 15)}, "start", "Appointments start between 09:00 and 18:00"),
        ({"start": at(10, day=TODAY)}, "start", "That time has passed"),
        ({"duration": 0}, "duration", "An appointment lasts between 1 and 480 minutes"),
        ({"duration": 481}, "duration", "An appointment lasts between 1 and 480 minutes"),
    ],
)
def test_a_move_follows_the_booking_rules(scheduling, clinic, changes, field, message_start):
    booked = book(scheduling, clinic, start=at(10))
    with pytest.raises(ValidationError) as caught:
        move(scheduling, clinic, booked, **changes)
    assert caught.value.field == field
    assert caught.value.message.startswith(message_start)


def test_a_move_of_an_old_version_is_refused_naming_who_moved_it(scheduling, clinic, database):
    booked = book(scheduling, clinic, start=at(10))
    with write_session(database) as s:
        other = make_staff(s, first_name="Lani", last_name="Ocampo")
    scheduling.move(actor_for(other), booked.id, start=at(12), expected_version=booked.version)
    with pytest.raises(StaleRecordError) as caught:
        move(scheduling, clinic, booked, start=at(16))
    assert caught.value.changed_by == "Lani Ocampo"
    assert "Lani Ocampo changed Maria Santos's appointment" in caught.value.message
    assert scheduling.get_appointment(actor_for(clinic["desk"]), booked.id).start == at(12)


def test_moving_to_where_it_is_changes_nothing(scheduling, clinic, events) -> None:
    booked = book(scheduling, clinic, start=at(10))
    events.clear()
    assert move(scheduling, clinic, booked).version == booked.version
    assert events == []


@pytest.mark.parametrize("state", ["completed", "cancelled", "no_show"])
def test_a_finished_visit_cannot_be_moved(scheduling, clinic, database, state) -> None:
    with write_session(database) as s:
        row = make_appointment(
            s, patient=clinic["maria"], dentist=clinic["reyes"], start=at(10), status=state
        )
    booked = scheduling.get_appointment(actor_for(clinic["desk"]), row.id)
    with pytest.raises(ValidationError) as caught:
        move(scheduling, clinic, booked, start=at(12))
    assert caught.value.field == "status"
    assert caught.value.message.endswith("appointment can't be moved")


def test_a_visit_in_progress_may_run_longer_but_not_move(scheduling, clinic, database) -> None:
    with write_session(database) as s:
        row = make_appointment(
            s,
            patient=clinic["maria"],
            dentist=clinic["reyes"],
            start=at(10, 30, day=TODAY),  # started before now (11:00)
            status="in_progress",
        )
    running = scheduling.get_appointment(actor_for(clinic["desk"]), row.id)
    longer = move(scheduling, clinic, running, duration=60)
    assert longer.end == at(11, 30, day=TODAY)
    with pytest.raises(ValidationError) as caught:
        move(scheduling, clinic, longer, start=at(14, day=TODAY))
    assert caught.value.message == "A visit in progress can't be moved; only its length can change"


def test_a_move_lost_to_the_exclusion_constraint_names_the_winner(pg_database, monkeypatch):
    """PostgreSQL: another workstation's booking lands between our check and our UPDATE."""
    clinic = _clinic_in(pg_database)
    context = ServiceContext(
        pg_database, MemoryCache(), LocalEventBus(), "test-ws", clock=clinic_clock()
    )
    scheduling = SchedulingService(context)
    mine = book(scheduling, clinic, start=at(9))
    book(scheduling, clinic, patient_id=clinic["jose"].id, start=at(10), duration=45)
    monkeypatch.setattr(AppointmentRepository, "overlapping", lambda self, *a, **k: ())
    with pytest.raises(ConflictError) as caught:
        scheduling.move(
            actor_for(clinic["desk"]), mine.id, start=at(10, 30), expected_version=mine.version
        )
    assert caught.value.message == f"Dr Reyes already has Jose Rizal {span('10:00', '10:45')}"
    assert scheduling.get_appointment(actor_for(clinic["desk"]), mine.id).start == at(9)


# -- walk-ins ---------------------------------------------------------------------------------
def walk_in_at(database: Database, now: datetime) -> SchedulingService:
    context = ServiceContext(
        database, MemoryCache(), LocalEventBus(), "ws", clock=clinic_clock(now)
    )
    return SchedulingService(context)


def walk_in(scheduling: SchedulingService, clinic: dict[str, Any], **overrides: Any):
    values: dict[str, Any] = {"patient_id": clinic["jose"].id, "duration": 30}
    values.update(overrides)
    return scheduling.walk_in(actor_for(clinic["desk"]), **values)


def test_a_walk_in_is_booked_now_with_the_first_free_dentist(scheduling, clinic, database):
    with write_session(database) as s:
        make_appointment(  # Dr Cruz (first by name) is busy now
            s, patient=clinic["maria"], dentist=clinic["cruz"], start=at(10, 30, TODAY), duration=60
        )
    booked = walk_in(scheduling, clinic, services=[RequestedService(clinic["cleaning"].id)])
    assert (booked.start, booked.type, booked.status) == (
        CLINIC_NOW,
        AppointmentType.WALK_IN,
        AppointmentStatus.PENDING,
    )
    assert booked.dentist_title == "Dr Reyes"
    assert [s.service_name for s in booked.services] == ["Cleaning"]


@pytest.mark.parametrize(
    ("now", "start"),
    [
        (at(11, 7, TODAY), at(11, 15, TODAY)),
        (at(11, 15, TODAY), at(11, 15, TODAY)),
        (at(8, 20, TODAY), at(9, 0, TODAY)),
        (at(17, 59, TODAY), at(18, 0, TODAY)),
    ],
)
def test_a_walk_in_starts_on_the_next_line_of_the_grid(database, clinic, now, start) -> None:
    assert walk_in(walk_in_at(database, now), clinic).start == start


def test_no_walk_ins_after_the_last_start(database, clinic) -> None:
    with pytest.raises(ValidationError) as caught:
        walk_in(walk_in_at(database, at(18, 5, TODAY)), clinic)
    assert caught.value.field == "start"
    assert caught.value.message.startswith("Walk-ins are taken between 09:00 and 18:00")


def test_with_every_chair_taken_a_walk_in_is_told_when_one_frees_up(scheduling, clinic, database):
    with write_session(database) as s:
        make_appointment(
            s,
            patient=clinic["maria"],
            dentist=clinic["reyes"],
            start=at(10, 30, TODAY),
            duration=90,
        )
        make_appointment(
            s, patient=clinic["maria"], dentist=clinic["cruz"], start=at(10, 45, TODAY), duration=60
        )
    with pytest.raises(ConflictError) as caught:
        walk_in(scheduling, clinic)
    assert caught.value.message == (
        "No dentist is free at 11:00 for 30 minutes; the next free time today is 11:45 with Dr Cruz"
    )


def test_a_walk_in_already_booked_elsewhere_is_refused(scheduling, clinic, database) -> None:
    with write_session(database) as s:
        make_appointment(
            s, patient=clinic["jose"], dentist=clinic["cruz"], start=at(10, 45, TODAY), duration=30
        )
    with pytest.raises(ConflictError) as caught:
        walk_in(scheduling, clinic)
    assert caught.value.message.startswith("Jose Rizal already has an appointment with Dr Cruz")


def test_the_dentists_are_the_active_ones_by_name(scheduling, clinic) -> None:
    dentists = scheduling.dentists(actor_for(clinic["desk"]))
    assert [d.display_name for d in dentists] == ["Dr Cruz", "Dr Reyes"]
    assert scheduling.grid_minutes(actor_for(clinic["desk"])) == 15
