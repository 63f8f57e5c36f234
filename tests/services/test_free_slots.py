"""The next-free-slot finder on both backends: clinic hours, the grid, busy days, the end
of the day and the next day, any dentist, and one statement per fortnight searched."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import event

from dcms_desktop.data.cache import MemoryCache
from dcms_desktop.data.engine import Database
from dcms_desktop.data.events import LocalEventBus
from dcms_desktop.data.models import ClinicSettings
from dcms_desktop.domain.errors import PermissionDeniedError, ValidationError
from dcms_desktop.services import scheduling as scheduling_module
from dcms_desktop.services.context import ServiceContext
from dcms_desktop.services.scheduling import FreeSlot, SchedulingService
from tests.factories import (
    CLINIC_NOW,
    actor_for,
    clinic_clock,
    make_appointment,
    make_dentist,
    make_patient,
    make_staff,
    write_session,
)

TODAY = CLINIC_NOW.date()  # Monday 4 March 2030, 11:00
TOMORROW = TODAY + timedelta(days=1)


def at(hour: int, minute: int = 0, day: date = TOMORROW) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute)


@pytest.fixture
def clinic(database: Database) -> dict[str, Any]:
    with write_session(database) as s:
        return {
            "desk": make_staff(s, first_name="Rita", last_name="Lim"),
            "reyes": make_dentist(s, first_name="Ana", last_name="Reyes"),
            "cruz": make_dentist(s, first_name="Ben", last_name="Cruz"),
            "retired": make_dentist(s, first_name="Old", last_name="Abad", is_active=False),
            "maria": make_patient(s, first_name="Maria", last_name="Santos"),
        }


def finder(database: Database, now: datetime = CLINIC_NOW) -> SchedulingService:
    context = ServiceContext(
        database, MemoryCache(), LocalEventBus(), "test-ws", clock=clinic_clock(now)
    )
    return SchedulingService(context)


def busy(database: Database, clinic: dict[str, Any], dentist: str, *spans: Any) -> None:
    """Book ``dentist`` for each (start, minutes[, status])."""
    with write_session(database) as s:
        for span in spans:
            start, minutes, *rest = span
            make_appointment(
                s,
                patient=clinic["maria"],
                dentist=clinic[dentist],
                start=start,
                duration=minutes,
                status=rest[0] if rest else "pending",
            )


def starts(slots: tuple[FreeSlot, ...]) -> list[datetime]:
    return [slot.start for slot in slots]


def free(
    database: Database,
    clinic: dict[str, Any],
    *,
    dentist: str | None = "reyes",
    duration: int = 30,
    from_day: date = TOMORROW,
    now: datetime = CLINIC_NOW,
    **kwargs: Any,
) -> tuple[FreeSlot, ...]:
    return finder(database, now).next_free_slots(
        actor_for(clinic["desk"]),
        duration=duration,
        dentist_id=None if dentist is None else clinic[dentist].id,
        from_day=from_day,
        **kwargs,
    )


# -- an empty book ----------------------------------------------------------------------------
def test_an_empty_day_offers_its_first_grid_lines_from_opening(database, clinic) -> None:
    slots = free(database, clinic, count=3)
    assert starts(slots) == [at(9), at(9, 15), at(9, 30)]
    assert {(s.dentist_id, s.dentist_name, s.duration) for s in slots} == {
        (clinic["reyes"].id, "Dr Reyes", 30)
    }
    assert slots[0].end == at(9, 30)


def test_today_offers_only_starts_after_now(database, clinic) -> None:
    assert starts(free(database, clinic, from_day=TODAY, count=2)) == [
        at(11, 15, TODAY),
        at(11, 30, TODAY),
    ]


def test_a_day_in_the_past_is_read_as_from_now(database, clinic) -> None:
    slots = free(database, clinic, from_day=TODAY - timedelta(days=30), count=1)
    assert starts(slots) == [at(11, 15, TODAY)]


def test_the_clinics_grid_is_used_unless_another_is_asked_for(database, clinic) -> None:
    with write_session(database) as s:
        s.add(ClinicSettings(id=1, schedule_grid_minutes=10))
    assert starts(free(database, clinic, count=3)) == [at(9), at(9, 10), at(9, 20)]
    assert starts(free(database, clinic, count=3, grid_minutes=5)) == [at(9), at(9, 5), at(9, 10)]


# -- a busy day -------------------------------------------------------------------------------
def test_a_busy_day_offers_the_gaps_that_fit_back_to_back(database, clinic) -> None:
    busy(database, clinic, "reyes", (at(9), 180), (at(12, 30), 30), (at(13, 30), 60))
    # 12:00-12:30 fits exactly between two visits; 13:00-13:30 too.
    assert starts(free(database, clinic, count=4)) == [at(12), at(13), at(14, 30), at(14, 45)]


def test_a_longer_visit_skips_the_gaps_too_short_for_it(database, clinic) -> None:
    busy(database, clinic, "reyes", (at(9), 180), (at(12, 30), 30), (at(13, 30), 60))
    assert starts(free(database, clinic, duration=45, count=2)) == [at(14, 30), at(14, 45)]


@pytest.mark.parametrize("state", ["cancelled", "no_show"])
def test_cancelled_and_no_show_visits_leave_their_time_free(database, clinic, state) -> None:
    busy(database, clinic, "reyes", (at(9), 120, state))
    assert starts(free(database, clinic, count=1)) == [at(9)]


def test_another_dentists_visits_dont_count(database, clinic) -> None:
    busy(database, clinic, "cruz", (at(9), 480))
    assert starts(free(database, clinic, count=1)) == [at(9)]


# -- the end of the day and the next day ------------------------------------------------------
def test_18_00_is_the_last_start_of_a_day(database, clinic) -> None:
    slots = free(database, clinic, from_day=TODAY, now=at(17, 40, TODAY), count=3)
    assert starts(slots) == [at(17, 45, TODAY), at(18, 0, TODAY), at(9, 0, TOMORROW)]


def test_a_long_visit_may_start_at_18_00_and_run_past_closing(database, clinic) -> None:
    busy(database, clinic, "reyes", (at(9), 480), (at(17), 60))
    assert starts(free(database, clinic, duration=240, count=2)) == [
        at(18),
        at(9, day=TOMORROW + timedelta(days=1)),
    ]


def test_after_closing_the_search_goes_on_the_next_day(database, clinic) -> None:
    slots = free(database, clinic, from_day=TODAY, now=at(18, 5, TODAY), count=1)
    assert starts(slots) == [at(9, 0, TOMORROW)]


def test_a_fully_booked_day_sends_the_search_to_the_next(database, clinic) -> None:
    busy(database, clinic, "reyes", (at(9), 480), (at(17), 120))  # 09:00-19:00
    day_after = TOMORROW + timedelta(days=1)
    assert starts(free(database, clinic, count=2)) == [at(9, day=day_after), at(9, 15, day_after)]


def test_a_late_visit_past_midnight_does_not_take_the_next_morning(database, clinic) -> None:
    busy(database, clinic, "reyes", (at(18, day=TODAY), 480))  # until 02:00
    assert starts(free(database, clinic, count=1)) == [at(9)]


def test_nothing_free_within_the_search_window_gives_what_was_found(
    database, clinic, monkeypatch
) -> None:
    monkeypatch.setattr(scheduling_module, "FREE_SLOT_SEARCH_DAYS", 2)
    busy(
        database,
        clinic,
        "reyes",
        *((at(9, day=TOMORROW + timedelta(days=d)), 480) for d in range(2)),
        *((at(17, day=TOMORROW + timedelta(days=d)), 120) for d in range(2)),
    )
    assert free(database, clinic, count=5) == ()


# -- any dentist ------------------------------------------------------------------------------
def test_any_dentist_gives_the_earliest_starts_of_all_active_dentists(database, clinic) -> None:
    busy(database, clinic, "reyes", (at(9), 60))
    slots = free(database, clinic, dentist=None, count=6)
    assert [(s.start, s.dentist_name) for s in slots] == [
        (at(9), "Dr Cruz"),
        (at(9, 15), "Dr Cruz"),
        (at(9, 30), "Dr Cruz"),
        (at(9, 45), "Dr Cruz"),
        (at(10), "Dr Cruz"),
        (at(10), "Dr Reyes"),
    ]
    assert "Dr Abad" not in {s.dentist_name for s in free(database, clinic, dentist=None, count=50)}


def test_any_dentist_with_everyone_busy_finds_the_first_free_chair(database, clinic) -> None:
    busy(database, clinic, "reyes", (at(9), 150))
    busy(database, clinic, "cruz", (at(9), 120))
    slots = free(database, clinic, dentist=None, duration=60, count=2)
    assert [(s.start, s.dentist_name) for s in slots] == [
        (at(11), "Dr Cruz"),
        (at(11, 15), "Dr Cruz"),
    ]


# -- questions that can't be answered ---------------------------------------------------------
@pytest.mark.parametrize("duration", [0, 481])
def test_a_duration_outside_1_to_480_is_refused(database, clinic, duration) -> None:
    with pytest.raises(ValidationError) as caught:
        free(database, clinic, duration=duration)
    assert caught.value.field == "duration"


@pytest.mark.parametrize("dentist", ["retired", "desk"])
def test_only_an_active_dentist_can_be_asked_about(database, clinic, dentist) -> None:
    with pytest.raises(ValidationError) as caught:
        free(database, clinic, dentist=dentist)
    assert caught.value.field == "dentist"


def test_an_unknown_dentist_is_refused(database, clinic) -> None:
    with pytest.raises(ValidationError):
        finder(database).next_free_slots(
            actor_for(clinic["desk"]),
            duration=30,
            dentist_id=uuid.uuid4(),
            from_day=TOMORROW,
        )


def test_no_count_no_slots_and_patients_may_not_ask(database, clinic) -> None:
    assert free(database, clinic, count=0) == ()
    with pytest.raises(PermissionDeniedError):
        finder(database).next_free_slots(
            actor_for(clinic["maria"]), duration=30, dentist_id=None, from_day=TOMORROW
        )


# -- efficiency -------------------------------------------------------------------------------
@contextmanager
def appointment_reads(database: Database) -> Iterator[list[str]]:
    statements: list[str] = []

    def seen(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if "FROM appointments" in statement:
            statements.append(statement)

    engines = {database.engine, database.write_engine}
    for engine in engines:
        event.listen(engine, "before_cursor_execute", seen)
    try:
        yield statements
    finally:
        for engine in engines:
            event.remove(engine, "before_cursor_execute", seen)


def test_the_book_is_read_once_per_fortnight_searched_not_per_slot(database, clinic) -> None:
    days = 20  # fully booked for 20 days: the answer is in the second fortnight
    busy(
        database,
        clinic,
        "reyes",
        *((at(9, day=TOMORROW + timedelta(days=d)), 480) for d in range(days)),
        *((at(17, day=TOMORROW + timedelta(days=d)), 120) for d in range(days)),
    )
    with appointment_reads(database) as statements:
        slots = free(database, clinic, count=1)
    assert starts(slots) == [at(9, day=TOMORROW + timedelta(days=days))]
    assert len(statements) == 2
    with appointment_reads(database) as statements:
        free(database, clinic, dentist=None, count=40)
    assert len(statements) == 1  # every dentist, one statement
