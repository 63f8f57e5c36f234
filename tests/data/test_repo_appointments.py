"""AppointmentRepository and ServiceRepository on both backends."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import event

from dcms_desktop.data.engine import Database
from dcms_desktop.data.repositories.appointments import DentistDoubleBookedError
from dcms_desktop.domain.enums import AppointmentStatus, AppointmentType, PricingModel
from dcms_desktop.domain.readmodels.scheduling import (
    EN_DASH,
    NewAppointment,
    NewAppointmentService,
)
from tests.factories import (
    make_appointment,
    make_dentist,
    make_patient,
    make_service,
    write_session,
)

DAY = date(2030, 3, 5)  # a Tuesday


def span(start: str, end: str) -> str:
    """ "10:00-10:45" with the en dash the desk's messages use."""
    return f"{start}{EN_DASH}{end}"


def at(hour: int, minute: int = 0, day: date = DAY) -> datetime:
    return datetime.combine(day, time(hour, minute))


@contextmanager
def counted_selects(database: Database) -> Iterator[list[str]]:
    """The SELECT statements run on ``database`` inside the block."""
    statements: list[str] = []

    def listen(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append(statement)

    event.listen(database.engine, "before_cursor_execute", listen)
    try:
        yield statements
    finally:
        event.remove(database.engine, "before_cursor_execute", listen)


@pytest.fixture
def people(database: Database) -> dict[str, Any]:
    return _people(database)


def _people(database: Database) -> dict[str, Any]:
    with write_session(database) as s:
        return {
            "reyes": make_dentist(s, first_name="Ana", last_name="Reyes"),
            "cruz": make_dentist(s, first_name="Ben", last_name="Cruz"),
            "maria": make_patient(s, first_name="Maria", last_name="Santos", phone="0917 1"),
            "jose": make_patient(s, first_name="Jose", last_name="Rizal", phone="0917 2"),
            "cleaning": make_service(s, name="Cleaning", price=Decimal("40.00")),
            "filling": make_service(
                s,
                name="Filling",
                price=Decimal("85.50"),
                pricing_model="Per Tooth",
                tooth_chart_use="required",
            ),
        }


# -- reading --------------------------------------------------------------------------------
def test_get_returns_the_appointment_with_its_services(uow_factory, database, people) -> None:
    with write_session(database) as s:
        booked = make_appointment(
            s,
            patient=people["maria"],
            dentist=people["reyes"],
            start=at(10),
            duration=45,
            services=[people["cleaning"], (people["filling"], [16, 17])],
            reason="Toothache",
        )
    with uow_factory(write=False) as uow:
        found = uow.appointments.get(booked.id)
        assert uow.appointments.get(uuid.uuid4()) is None
    assert found is not None
    assert (found.patient_name, found.dentist_title, found.span) == (
        "Maria Santos",
        "Dr Reyes",
        span("10:00", "10:45"),
    )
    assert found.status is AppointmentStatus.PENDING
    assert found.reason == "Toothache"
    assert [(s.service_name, s.teeth, s.quantity, s.subtotal) for s in found.services] == [
        ("Cleaning", (), 1, Decimal("40.00")),
        ("Filling", (16, 17), 2, Decimal("171.00")),
    ]
    assert found.total == Decimal("211.00")


def test_day_schedule_lists_every_dentist_in_one_statement(uow_factory, database, people) -> None:
    with write_session(database) as s:
        for hour, dentist, patient in [
            (14, "reyes", "maria"),
            (9, "cruz", "jose"),
            (9, "reyes", "jose"),
            (11, "cruz", "maria"),
        ]:
            make_appointment(
                s,
                patient=people[patient],
                dentist=people[dentist],
                start=at(hour),
                services=[(people["filling"], [11]), people["cleaning"]],
            )
        make_appointment(
            s,
            patient=people["maria"],
            dentist=people["reyes"],
            start=at(10, day=DAY + timedelta(1)),
        )
        make_appointment(
            s, patient=people["maria"], dentist=people["reyes"], start=at(16), status="cancelled"
        )
    with uow_factory(write=False) as uow, counted_selects(database) as selects:
        day = uow.appointments.day_schedule(DAY)
    assert len(selects) == 1
    assert [(a.time.hour, a.dentist_title, a.patient_name) for a in day] == [
        (9, "Dr Cruz", "Jose Rizal"),
        (9, "Dr Reyes", "Jose Rizal"),
        (11, "Dr Cruz", "Maria Santos"),
        (14, "Dr Reyes", "Maria Santos"),
        (16, "Dr Reyes", "Maria Santos"),
    ]
    assert day[-1].status is AppointmentStatus.CANCELLED
    assert day[0].service_names == ("Filling", "Cleaning")  # in booking order
    assert day[-1].service_names == ()
    assert day[0].patient_phone == "0917 2"


def test_day_schedule_shows_the_patients_current_name_and_phone(
    uow_factory, database, people
) -> None:
    with write_session(database) as s:
        make_appointment(s, patient=people["maria"], dentist=people["reyes"], start=at(10))
        s.get(type(people["maria"]), people["maria"].id).phone = "0999 000"
    with uow_factory(write=False) as uow:
        (appointment,) = uow.appointments.day_schedule(DAY)
    assert appointment.patient_phone == "0999 000"


def test_empty_day_is_one_statement(uow_factory, database, people) -> None:
    with uow_factory(write=False) as uow, counted_selects(database) as selects:
        assert uow.appointments.day_schedule(DAY) == ()
    assert len(selects) == 1


def test_dentist_week_runs_monday_to_sunday_for_that_dentist(uow_factory, database, people) -> None:
    monday = date(2030, 3, 4)
    with write_session(database) as s:
        for offset in (-1, 0, 3, 6, 7):
            make_appointment(
                s,
                patient=people["maria"],
                dentist=people["reyes"],
                start=at(10, day=monday + timedelta(offset)),
            )
        make_appointment(
            s, patient=people["jose"], dentist=people["cruz"], start=at(10, day=monday)
        )
    with uow_factory(write=False) as uow, counted_selects(database) as selects:
        week = uow.appointments.dentist_week(people["reyes"].id, monday)
    assert len(selects) == 1
    assert [a.date for a in week] == [monday + timedelta(d) for d in (0, 3, 6)]


# -- overlaps -------------------------------------------------------------------------------
def _overlapping(uow_factory, dentist, start, end, exclude_id=None) -> list[str]:
    with uow_factory(write=False) as uow:
        found = uow.appointments.overlapping(dentist.id, start, end, exclude_id)
    return [a.span for a in found]


def test_overlapping_finds_only_active_appointments_sharing_a_moment(
    uow_factory, database, people
) -> None:
    with write_session(database) as s:
        booked = make_appointment(
            s, patient=people["maria"], dentist=people["reyes"], start=at(10), duration=45
        )
        make_appointment(
            s,
            patient=people["jose"],
            dentist=people["reyes"],
            start=at(12),
            status="cancelled",
        )
        make_appointment(
            s, patient=people["jose"], dentist=people["reyes"], start=at(13), status="no_show"
        )
        make_appointment(s, patient=people["jose"], dentist=people["cruz"], start=at(10))
    reyes = people["reyes"]
    assert _overlapping(uow_factory, reyes, at(10, 30), at(11)) == [span("10:00", "10:45")]
    assert _overlapping(uow_factory, reyes, at(9), at(12)) == [span("10:00", "10:45")]
    # Back to back, either side, is no overlap.
    assert _overlapping(uow_factory, reyes, at(10, 45), at(11, 30)) == []
    assert _overlapping(uow_factory, reyes, at(9), at(10)) == []
    # Cancelled and no-show visits free their slot.
    assert _overlapping(uow_factory, reyes, at(12), at(14)) == []
    # The appointment being moved doesn't collide with itself.
    assert _overlapping(uow_factory, reyes, at(10), at(10, 45), booked.id) == []


def test_overlapping_sees_a_visit_of_the_day_before_running_past_midnight(
    uow_factory, database, people
) -> None:
    with write_session(database) as s:
        make_appointment(
            s, patient=people["maria"], dentist=people["reyes"], start=at(18), duration=480
        )
    next_day = DAY + timedelta(days=1)
    reyes = people["reyes"]
    assert _overlapping(uow_factory, reyes, at(1, 30, next_day), at(2, 30, next_day)) == [
        span("18:00", "02:00")
    ]
    assert _overlapping(uow_factory, reyes, at(2, day=next_day), at(3, day=next_day)) == []
    assert _overlapping(uow_factory, reyes, at(23), at(23, 30)) == [span("18:00", "02:00")]


def test_patient_overlapping_looks_across_dentists(uow_factory, database, people) -> None:
    with write_session(database) as s:
        make_appointment(s, patient=people["maria"], dentist=people["cruz"], start=at(10))
    with uow_factory(write=False) as uow:
        found = uow.appointments.patient_overlapping(people["maria"].id, at(10, 15), at(11))
        other = uow.appointments.patient_overlapping(people["jose"].id, at(10, 15), at(11))
    assert [(a.dentist_title, a.span) for a in found] == [("Dr Cruz", span("10:00", "10:30"))]
    assert other == ()


# -- writing --------------------------------------------------------------------------------
def _new(people: dict[str, Any], start: datetime, duration: int = 30) -> NewAppointment:
    filling = people["filling"]
    return NewAppointment(
        patient_id=people["maria"].id,
        patient_name="Maria Santos",
        patient_email=people["maria"].email,
        patient_phone=people["maria"].phone,
        dentist_id=people["reyes"].id,
        start=start,
        duration=duration,
        type=AppointmentType.REGULAR,
        reason=None,
        created_by=None,
        services=(
            NewAppointmentService(
                service_id=filling.id,
                service_name="Filling",
                pricing_model=PricingModel.PER_TOOTH,
                teeth=(36,),
                quantity=1,
                unit_price=Decimal("85.50"),
                subtotal=Decimal("85.50"),
                surfaces={"36": ("M", "O")},
            ),
        ),
    )


def test_add_stores_the_appointment_and_its_lines(uow_factory, people) -> None:
    with uow_factory() as uow:
        booked = uow.appointments.add(_new(people, at(15, 30)))
        uow.commit()
    with uow_factory(write=False) as uow:
        stored = uow.appointments.get(booked.id)
    assert stored == booked
    assert (stored.start, stored.duration, stored.service_requested) == (at(15, 30), 30, "Filling")
    assert stored.services[0].surfaces == {"36": ("M", "O")}


def test_postgresql_refuses_an_overlapping_insert_naming_the_appointment_in_the_way(
    pg_database,
) -> None:
    """The exclusion constraint holds even when a writer skipped the check (a race)."""
    people = _people(pg_database)
    from dcms_desktop.data.cache import MemoryCache
    from dcms_desktop.data.events import LocalEventBus
    from dcms_desktop.data.uow import UnitOfWork

    def uow() -> UnitOfWork:
        return UnitOfWork(pg_database, MemoryCache(), LocalEventBus(), "test-ws")

    with write_session(pg_database) as s:
        make_appointment(s, patient=people["jose"], dentist=people["reyes"], start=at(15))
    with uow() as work, pytest.raises(DentistDoubleBookedError) as caught:
        work.appointments.add(_new(people, at(15, 15)))
    assert caught.value.field == "start"
    assert [a.patient_name for a in caught.value.conflicts] == ["Jose Rizal"]


# -- the catalogue --------------------------------------------------------------------------
def test_service_repository_reads_the_catalogue(uow_factory, database, people) -> None:
    with write_session(database) as s:
        retired = make_service(s, name="Old X-ray", category="Imaging", is_active=False)
    with uow_factory(write=False) as uow:
        active = uow.services.list_active()
        by_id = uow.services.by_ids([people["filling"].id, retired.id, uuid.uuid4()])
        filling = uow.services.get(people["filling"].id)
        assert uow.services.get(uuid.uuid4()) is None
    assert [s.name for s in active] == ["Cleaning", "Filling"]
    assert set(by_id) == {people["filling"].id, retired.id}
    assert filling is not None and filling.needs_teeth
    assert filling.price == Decimal("85.50")
    assert filling.pricing_model is PricingModel.PER_TOOTH
