"""Appointment status actions on both backends, driven by the status machine's own table
(domain/status.py): every allowed step works and records who took it; every other step is
refused with the machine's message and changes nothing."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from itertools import product
from typing import Any

import pytest
from sqlalchemy import select

from dcms_desktop.data import cache_keys
from dcms_desktop.data.cache import MemoryCache
from dcms_desktop.data.engine import Database
from dcms_desktop.data.events import ChangeEvent, LocalEventBus
from dcms_desktop.data.models import Appointment as AppointmentRow
from dcms_desktop.data.models import AuditEntry
from dcms_desktop.domain import status
from dcms_desktop.domain.enums import AppointmentStatus
from dcms_desktop.domain.errors import (
    NotFoundError,
    PermissionDeniedError,
    StaleRecordError,
    ValidationError,
)
from dcms_desktop.domain.readmodels.scheduling import Appointment
from dcms_desktop.services.context import ServiceContext
from dcms_desktop.services.scheduling import SchedulingService
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

S = AppointmentStatus
TODAY = CLINIC_NOW.date()  # Monday 4 March 2030, 11:00
EARLIER_TODAY = datetime.combine(TODAY, datetime.min.time()).replace(hour=10)

Action = Callable[..., Appointment]

# Each status a user can move a visit to, and the action that does it.
ACTIONS: dict[AppointmentStatus, Action] = {
    S.CONFIRMED: lambda svc, who, ident, **kw: svc.confirm(who, ident, **kw),
    S.IN_PROGRESS: lambda svc, who, ident, **kw: svc.start(who, ident, **kw),
    S.COMPLETED: lambda svc, who, ident, **kw: svc.complete(who, ident, **kw),
    S.CANCELLED: lambda svc, who, ident, **kw: svc.cancel(who, ident, "Patient is ill", **kw),
    S.NO_SHOW: lambda svc, who, ident, **kw: svc.no_show(who, ident, **kw),
}
ALLOWED = [(src, dst) for src, dst in product(S, ACTIONS) if status.can_transition(src, dst)]
FORBIDDEN = [(src, dst) for src, dst in product(S, ACTIONS) if not status.can_transition(src, dst)]
WHO_COLUMNS = ("confirmed_by", "cancelled_by", "completed_by")


@pytest.fixture
def context(database: Database, memory_cache: MemoryCache, local_bus: LocalEventBus):
    return ServiceContext(database, memory_cache, local_bus, "test-ws", clock=clinic_clock())


@pytest.fixture
def scheduling(context: ServiceContext) -> SchedulingService:
    return SchedulingService(context)


@pytest.fixture
def events(local_bus: LocalEventBus) -> list[ChangeEvent]:
    received: list[ChangeEvent] = []
    local_bus.subscribe(received.append)
    return received


@pytest.fixture
def clinic(database: Database) -> dict[str, Any]:
    with write_session(database) as s:
        return {
            "desk": make_staff(s, first_name="Rita", last_name="Lim"),
            "reyes": make_dentist(s, first_name="Ana", last_name="Reyes"),
            "maria": make_patient(s, first_name="Maria", last_name="Santos"),
        }


def visit(
    database: Database,
    clinic: dict[str, Any],
    state: AppointmentStatus = S.PENDING,
    start: datetime = EARLIER_TODAY,
    **overrides: Any,
) -> uuid.UUID:
    with write_session(database) as s:
        row = make_appointment(
            s,
            patient=clinic["maria"],
            dentist=clinic["reyes"],
            start=start,
            status=state.value,
            **overrides,
        )
        return row.id


def stored(database: Database, appointment_id: uuid.UUID) -> AppointmentRow:
    with database.read_sessions() as s:
        row = s.get(AppointmentRow, appointment_id)
        assert row is not None
        s.expunge(row)
        return row


def test_the_table_covers_every_step_the_machine_names() -> None:
    # Pending is never a target (nothing sets a visit back), so every allowed step of
    # the machine has an action here.
    allowed_in_machine = {
        (src, dst) for src, targets in status.ALLOWED_TRANSITIONS.items() for dst in targets
    }
    assert allowed_in_machine == set(ALLOWED)
    assert len(ALLOWED) + len(FORBIDDEN) == len(S) * len(ACTIONS)


@pytest.mark.parametrize(("src", "dst"), ALLOWED, ids=lambda s: s.value)
def test_every_allowed_step_is_taken_and_records_who_took_it(
    scheduling, clinic, database, events, memory_cache, src, dst
) -> None:
    ident = visit(database, clinic, src)
    dentist = actor_for(clinic["reyes"])
    memory_cache.set_json(cache_keys.appointment(ident), {"stale": True})
    before = stored(database, ident)

    changed = ACTIONS[dst](scheduling, dentist, ident)

    row = stored(database, ident)
    assert changed.status is dst and row.status == dst.value
    assert row.version == before.version + 1 == changed.version
    assert row.updated_by == dentist.user_id == changed.updated_by
    for column in WHO_COLUMNS:
        expected = dentist.user_id if status.ACTION_FOR.get(dst) == column else None
        assert getattr(row, column) == expected, column
        assert getattr(changed, column) == expected, column
    # Completing also raises the visit's bill (announced and audited: tests/services/test_billing).
    visit_events = [event for event in events if event.entity != "bill"]
    assert visit_events == [ChangeEvent("appointment", str(ident), "updated", "test-ws")]
    assert memory_cache.get_json(cache_keys.appointment(ident)) is None
    with database.read_sessions() as s:
        entry = s.scalars(select(AuditEntry).where(AuditEntry.entity != "bill")).one()
    assert (entry.entity, entry.entity_id, entry.user_id) == (
        "appointment",
        str(ident),
        dentist.user_id,
    )
    assert entry.details["from"] == src.value and entry.details["to"] == dst.value


@pytest.mark.parametrize(("src", "dst"), FORBIDDEN, ids=lambda s: s.value)
def test_every_other_step_is_refused_with_the_machines_message(
    scheduling, clinic, database, events, src, dst
) -> None:
    ident = visit(database, clinic, src)
    before = stored(database, ident)
    with pytest.raises(ValidationError) as caught:
        ACTIONS[dst](scheduling, actor_for(clinic["reyes"]), ident)
    assert (caught.value.field, caught.value.message) == (
        "status",
        status.transition_refusal(src, dst),
    )
    after = stored(database, ident)
    assert (after.status, after.version, after.updated_by) == (
        before.status,
        before.version,
        before.updated_by,
    )
    assert events == []


def test_the_front_desk_takes_every_step_but_completing(scheduling, clinic, database) -> None:
    desk = actor_for(clinic["desk"])
    ident = visit(database, clinic)
    assert scheduling.confirm(desk, ident).confirmed_by == desk.user_id
    assert scheduling.start(desk, ident).status is S.IN_PROGRESS
    with pytest.raises(PermissionDeniedError):
        scheduling.complete(desk, ident)
    completed = scheduling.complete(actor_for(clinic["reyes"]), ident, treatment_notes=" Done ")
    assert (completed.status, completed.treatment_notes) == (S.COMPLETED, "Done")
    assert completed.confirmed_by == desk.user_id  # each step keeps who took it
    assert completed.completed_by == clinic["reyes"].id


def test_patients_take_no_step(scheduling, clinic, database) -> None:
    ident = visit(database, clinic)
    with pytest.raises(PermissionDeniedError):
        scheduling.confirm(actor_for(clinic["maria"]), ident)


# -- cancelling -------------------------------------------------------------------------------
@pytest.mark.parametrize("reason", ["", "   \n"])
def test_cancelling_without_a_reason_is_refused(scheduling, clinic, database, reason) -> None:
    ident = visit(database, clinic, S.CONFIRMED)
    with pytest.raises(ValidationError) as caught:
        scheduling.cancel(actor_for(clinic["desk"]), ident, reason)
    assert (caught.value.field, caught.value.message) == (
        "cancellation_reason",
        "Give a reason for cancelling",
    )
    assert stored(database, ident).status == S.CONFIRMED.value


def test_a_cancellation_keeps_its_reason_and_who_gave_it(scheduling, clinic, database) -> None:
    desk = actor_for(clinic["desk"])
    ident = visit(database, clinic)
    cancelled = scheduling.cancel(desk, ident, "  Patient has the flu ")
    assert (cancelled.cancellation_reason, cancelled.cancelled_by) == (
        "Patient has the flu",
        desk.user_id,
    )
    row = stored(database, ident)
    assert (row.cancellation_reason, row.cancelled_by) == ("Patient has the flu", desk.user_id)


# -- when a step may be taken -----------------------------------------------------------------
def test_a_visit_is_not_started_before_its_day(scheduling, clinic, database) -> None:
    tomorrow = visit(database, clinic, start=EARLIER_TODAY + timedelta(days=1))
    with pytest.raises(ValidationError) as caught:
        scheduling.start(actor_for(clinic["desk"]), tomorrow)
    assert caught.value.message == "This visit is on Tue 05 Mar: start it on the day"
    later_today = visit(database, clinic, start=EARLIER_TODAY + timedelta(hours=5))
    assert scheduling.start(actor_for(clinic["desk"]), later_today).status is S.IN_PROGRESS
    yesterday = visit(database, clinic, start=EARLIER_TODAY - timedelta(days=1))
    assert scheduling.start(actor_for(clinic["desk"]), yesterday).status is S.IN_PROGRESS


def test_a_no_show_is_marked_only_once_the_visit_has_begun(scheduling, clinic, database) -> None:
    desk = actor_for(clinic["desk"])
    later = visit(database, clinic, start=EARLIER_TODAY + timedelta(hours=2))  # 12:00
    with pytest.raises(ValidationError) as caught:
        scheduling.no_show(desk, later)
    assert caught.value.message.startswith("It isn't 12:00 yet")
    next_week = visit(database, clinic, start=EARLIER_TODAY + timedelta(days=7))
    with pytest.raises(ValidationError) as caught:
        scheduling.no_show(desk, next_week)
    assert caught.value.message.startswith("It isn't Mon 11 Mar 10:00 yet")
    now = visit(database, clinic, start=CLINIC_NOW)
    assert scheduling.no_show(desk, now).status is S.NO_SHOW


# -- two workstations -------------------------------------------------------------------------
def test_a_step_on_an_old_version_is_refused_naming_who_changed_it(
    scheduling, clinic, database, events
) -> None:
    ident = visit(database, clinic)
    seen = scheduling.get_appointment(actor_for(clinic["reyes"]), ident)
    scheduling.confirm(actor_for(clinic["desk"]), ident, expected_version=seen.version)
    events.clear()
    with pytest.raises(StaleRecordError) as caught:
        scheduling.cancel(actor_for(clinic["reyes"]), ident, "Asked", expected_version=seen.version)
    assert caught.value.changed_by == "Rita Lim"
    assert caught.value.changed_at is not None
    assert caught.value.message.startswith("Rita Lim changed Maria Santos's appointment at ")
    assert stored(database, ident).status == S.CONFIRMED.value
    assert events == []


def test_the_second_of_two_identical_steps_is_told_it_is_done(scheduling, clinic, database) -> None:
    ident = visit(database, clinic)
    scheduling.confirm(actor_for(clinic["desk"]), ident)
    with pytest.raises(ValidationError) as caught:
        scheduling.confirm(actor_for(clinic["reyes"]), ident)
    assert caught.value.message == "The appointment is already confirmed"
    assert stored(database, ident).confirmed_by == clinic["desk"].id


def test_a_step_on_an_unknown_appointment_is_not_found(scheduling, clinic) -> None:
    with pytest.raises(NotFoundError):
        scheduling.confirm(actor_for(clinic["desk"]), uuid.uuid4())


def test_the_cached_appointment_shows_the_new_status(scheduling, clinic, database) -> None:
    desk = actor_for(clinic["desk"])
    ident = visit(database, clinic)
    assert scheduling.get_appointment(desk, ident).status is S.PENDING  # now cached
    scheduling.confirm(desk, ident)
    fresh = scheduling.get_appointment(desk, ident)
    assert (fresh.status, fresh.confirmed_by) == (S.CONFIRMED, desk.user_id)
