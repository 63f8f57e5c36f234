"""Tooth charts on both backends: the chart read model, its cache, marking teeth."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import event, select

from dcms_desktop.data import cache_keys
from dcms_desktop.data.engine import Database
from dcms_desktop.data.events import ChangeEvent
from dcms_desktop.data.models import Appointment as AppointmentRow
from dcms_desktop.data.models import AppointmentService as AppointmentServiceRow
from dcms_desktop.data.models import AuditEntry
from dcms_desktop.data.models import ToothChart as ToothChartRow
from dcms_desktop.data.models import ToothTreatment as ToothTreatmentRow
from dcms_desktop.domain.enums import AppointmentStatus
from dcms_desktop.domain.errors import (
    NotFoundError,
    PermissionDeniedError,
    StaleRecordError,
    ValidationError,
)
from dcms_desktop.domain.readmodels.charting import chart_from_json, chart_to_json
from dcms_desktop.services.charting import ChartService
from dcms_desktop.services.context import ServiceContext
from dcms_desktop.services.scheduling import RequestedService, SchedulingService
from tests.factories import (
    CLINIC_NOW,
    actor_for,
    clinic_clock,
    make_appointment,
    make_chart,
    make_dentist,
    make_patient,
    make_service,
    make_staff,
    make_treatment,
    write_session,
)

TOMORROW = CLINIC_NOW.date() + timedelta(days=1)


@contextmanager
def statements(database: Database) -> Iterator[list[str]]:
    """Every statement sent to ``database`` inside the block."""
    sent: list[str] = []

    def listen(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        sent.append(statement)

    event.listen(database.engine, "before_cursor_execute", listen)
    try:
        yield sent
    finally:
        event.remove(database.engine, "before_cursor_execute", listen)


@pytest.fixture
def context(database, memory_cache, local_bus) -> ServiceContext:
    return ServiceContext(database, memory_cache, local_bus, "test-ws", clock=clinic_clock())


@pytest.fixture
def charts(context) -> ChartService:
    return ChartService(context)


@pytest.fixture
def events(local_bus) -> list[ChangeEvent]:
    received: list[ChangeEvent] = []
    local_bus.subscribe(received.append)
    return received


@pytest.fixture
def clinic(database) -> dict[str, Any]:
    with write_session(database) as s:
        return {
            "desk": make_staff(s, first_name="Rita", last_name="Lim"),
            "reyes": make_dentist(s, first_name="Ana", last_name="Reyes"),
            "cruz": make_dentist(s, first_name="Ben", last_name="Cruz"),
            "maria": make_patient(s, first_name="Maria", last_name="Santos"),
            "filling": make_service(
                s, name="Filling", pricing_model="Per Tooth", tooth_chart_use="required"
            ),
            "crown": make_service(
                s, name="Crown", pricing_model="Per Tooth Package", tooth_chart_use="required"
            ),
            "cleaning": make_service(s, name="Cleaning"),
        }


def test_a_patient_without_a_saved_chart_gets_an_empty_one(charts, clinic) -> None:
    chart = charts.patient_chart(actor_for(clinic["desk"]), clinic["maria"].id)
    assert (chart.missing, chart.treated, chart.disabled, chart.version) == ((), (), (), 0)
    assert (chart.treatments, chart.planned, chart.planned_teeth) == ((), (), ())
    assert chart.patient_email == clinic["maria"].email


def test_the_chart_holds_teeth_history_newest_first_and_planned_work(
    charts, clinic, database
) -> None:
    maria, reyes = clinic["maria"], clinic["reyes"]
    with write_session(database) as s:
        make_chart(s, maria, missing=[48, 18], treated=[36], disabled=[38])
        make_treatment(s, maria, treatment_date=date(2029, 5, 1), teeth=[36], detail="MO")
        make_treatment(
            s, maria, treatment_date=date(2030, 1, 9), teeth=[11, 21], service=clinic["crown"]
        )
        for day, status, service, teeth in [
            (TOMORROW + timedelta(days=7), "pending", "filling", [46, 47]),
            (TOMORROW, "confirmed", "crown", [26]),
            (TOMORROW + timedelta(days=1), "in_progress", "cleaning", []),
            (TOMORROW + timedelta(days=2), "completed", "filling", [15]),
            (TOMORROW + timedelta(days=3), "cancelled", "filling", [14]),
            (TOMORROW + timedelta(days=4), "no_show", "filling", [13]),
        ]:
            make_appointment(
                s,
                patient=maria,
                dentist=reyes,
                start=datetime.combine(day, datetime.min.time()).replace(hour=10),
                status=status,
                services=[(clinic[service], teeth)],
            )
    chart = charts.patient_chart(actor_for(clinic["desk"]), maria.id)
    assert (chart.missing, chart.treated, chart.disabled, chart.version) == (
        (18, 48),
        (36,),
        (38,),
        1,
    )
    assert [(t.service_name, t.treatment_date, t.teeth) for t in chart.treatments] == [
        ("Crown", date(2030, 1, 9), (11, 21)),
        ("Treatment", date(2029, 5, 1), (36,)),
    ]
    assert [(p.service_name, p.date, p.teeth, p.status) for p in chart.planned] == [
        ("Crown", TOMORROW, (26,), AppointmentStatus.CONFIRMED),
        ("Filling", TOMORROW + timedelta(days=7), (46, 47), AppointmentStatus.PENDING),
    ]
    assert chart.planned_teeth == (26, 46, 47)


# -- the cache ------------------------------------------------------------------------------
def test_an_opened_chart_is_served_from_the_cache_without_a_statement(
    charts, clinic, database, memory_cache
) -> None:
    desk = actor_for(clinic["desk"])
    with write_session(database) as s:
        make_treatment(s, clinic["maria"], treatment_date=date(2029, 5, 1), teeth=[36])
    with statements(database) as first_time:
        cold = charts.patient_chart(desk, clinic["maria"].id)
    assert first_time
    with statements(database) as second_time:
        warm = charts.patient_chart(desk, clinic["maria"].id)
    assert second_time == []
    assert warm == cold
    cached = memory_cache.get_json(cache_keys.patient_chart(clinic["maria"].email))
    assert chart_from_json(cached) == cold
    assert chart_to_json(cold) == cached


def test_the_cache_is_dropped_when_a_booking_plans_teeth(charts, context, clinic, database) -> None:
    desk = actor_for(clinic["desk"])
    assert charts.patient_chart(desk, clinic["maria"].id).planned_teeth == ()
    SchedulingService(context).book_appointment(
        desk,
        patient_id=clinic["maria"].id,
        dentist_id=clinic["reyes"].id,
        start=datetime.combine(TOMORROW, datetime.min.time()).replace(hour=10),
        duration=30,
        services=[RequestedService(clinic["filling"].id, teeth=[16])],
    )
    with statements(database) as sent:
        chart = charts.patient_chart(desk, clinic["maria"].id)
    assert sent  # read again from the database
    assert chart.planned_teeth == (16,)


def test_a_cached_chart_of_someone_else_under_the_same_email_is_not_served(
    charts, clinic, memory_cache
) -> None:
    desk = actor_for(clinic["desk"])
    charts.patient_chart(desk, clinic["maria"].id)  # cached now
    key = cache_keys.patient_chart(clinic["maria"].email)
    stranger = memory_cache.get_json(key) | {"patient_id": str(uuid.uuid4()), "missing": [11]}
    memory_cache.set_json(key, stranger)
    assert charts.patient_chart(desk, clinic["maria"].id).missing == ()


def test_a_chart_for_someone_who_is_not_a_patient_is_not_found(charts, clinic) -> None:
    desk = actor_for(clinic["desk"])
    for user_id in (clinic["reyes"].id, uuid.uuid4()):
        with pytest.raises(NotFoundError):
            charts.patient_chart(desk, user_id)


# -- marking teeth --------------------------------------------------------------------------
def mark(charts: ChartService, clinic: dict[str, Any], who: str = "reyes", **overrides: Any):
    values: dict[str, Any] = {
        "missing": [18, 48],
        "treated": ["36"],
        "disabled": [],
        "expected_version": 0,
    }
    values.update(overrides)
    return charts.mark_teeth(actor_for(clinic[who]), clinic["maria"].id, **values)


def test_marking_teeth_saves_a_new_version_and_refreshes_everyone(
    charts, clinic, database, memory_cache, events
) -> None:
    desk = actor_for(clinic["desk"])
    charts.patient_chart(desk, clinic["maria"].id)  # now cached
    assert memory_cache.get_json(cache_keys.patient_chart(clinic["maria"].email)) is not None
    saved = mark(charts, clinic)
    assert (saved.missing, saved.treated, saved.version) == ((18, 48), (36,), 1)
    assert memory_cache.get_json(cache_keys.patient_chart(clinic["maria"].email)) is None
    assert events == [ChangeEvent("tooth_chart", str(clinic["maria"].id), "updated", "test-ws")]
    assert charts.patient_chart(desk, clinic["maria"].id) == saved
    again = mark(charts, clinic, missing=[18], expected_version=1)
    assert (again.missing, again.version) == ((18,), 2)
    with database.read_sessions() as s:
        actions = s.scalars(select(AuditEntry.action)).all()
    assert actions == ["edit_chart", "edit_chart"]


def test_saving_over_someone_elses_save_is_refused_naming_them(charts, clinic) -> None:
    mark(charts, clinic, who="cruz")
    with pytest.raises(StaleRecordError) as caught:
        mark(charts, clinic, expected_version=0)
    assert caught.value.changed_by == "Ben Cruz"
    assert caught.value.message.startswith("Ben Cruz saved this chart after you opened it")
    with pytest.raises(StaleRecordError):
        mark(charts, clinic, expected_version=5)


def test_a_tooth_that_is_not_fdi_is_refused_on_its_field(charts, clinic) -> None:
    with pytest.raises(ValidationError) as caught:
        mark(charts, clinic, disabled=[19])
    assert caught.value.field == "disabled"


def test_only_dentists_and_admins_mark_teeth_and_patients_see_no_chart(charts, clinic) -> None:
    with pytest.raises(PermissionDeniedError):
        mark(charts, clinic, who="desk")
    with pytest.raises(PermissionDeniedError):
        charts.patient_chart(actor_for(clinic["maria"]), clinic["maria"].id)


# -- completing a visit ---------------------------------------------------------------------
def visit_in_progress(database: Database, clinic: dict[str, Any], *services: Any) -> uuid.UUID:
    """Maria's visit with Dr Reyes, today and in progress, with these service lines."""
    with write_session(database) as s:
        return make_appointment(
            s,
            patient=clinic["maria"],
            dentist=clinic["reyes"],
            start=CLINIC_NOW.replace(hour=9, minute=0, second=0, microsecond=0),
            status="in_progress",
            services=services,
        ).id


@pytest.fixture
def completing(service_context, database) -> dict[str, Any]:
    with write_session(database) as s:
        extraction = make_service(
            s, name="Simple extraction", pricing_model="Per Tooth", tooth_chart_use="required"
        )
        sealant = make_service(
            s, name="Sealant", pricing_model="Per Tooth", tooth_chart_use="optional"
        )
        polish = make_service(s, name="Polish", tooth_chart_use="not needed")
    return {
        "scheduling": SchedulingService(service_context),
        "charts": ChartService(service_context),
        "extraction": extraction,
        "sealant": sealant,
        "polish": polish,
    }


def test_completing_a_visit_records_its_treatments_and_marks_the_teeth(
    completing, clinic, database, memory_cache
) -> None:
    maria, reyes = clinic["maria"], actor_for(clinic["reyes"])
    with write_session(database) as s:
        make_chart(s, maria, missing=[18], treated=[36], disabled=[38, 46])
    ident = visit_in_progress(
        database,
        clinic,
        (clinic["filling"], [16, 17]),
        (completing["extraction"], [46]),
        (completing["sealant"], [26]),
        (completing["polish"], [11]),  # not chart work: records nothing
        (completing["sealant"], []),  # optional without teeth: nothing either
    )
    desk = actor_for(clinic["desk"])
    assert completing["charts"].patient_chart(desk, maria.id).planned_teeth == (11, 16, 17, 26, 46)
    completing["scheduling"].complete(reyes, ident, treatment_notes="All done")
    assert memory_cache.get_json(cache_keys.patient_chart(maria.email)) is None
    chart = completing["charts"].patient_chart(desk, maria.id)
    assert (chart.missing, chart.treated, chart.disabled, chart.version) == (
        (18, 46),
        (16, 17, 26, 36),
        (38,),
        2,
    )
    assert chart.planned == ()
    assert sorted((t.service_name, t.teeth) for t in chart.treatments) == [
        ("Filling", (16, 17)),
        ("Sealant", (26,)),
        ("Simple extraction", (46,)),
    ]
    for treatment in chart.treatments:
        assert treatment.appointment_id == ident
        assert treatment.completed_by == reyes.user_id
        assert treatment.treatment_date == CLINIC_NOW.date()
        assert treatment.detail == "All done"
    with database.read_sessions() as s:
        entries = s.scalars(select(AuditEntry).order_by(AuditEntry.action)).all()
    assert [(e.action, e.entity) for e in entries] == [
        ("complete_appointment", "appointment"),
        ("raise_bill", "bill"),
        ("record_treatments", "tooth_chart"),
    ]


def test_completing_creates_the_chart_and_keeps_surfaces(completing, clinic, database) -> None:
    maria = clinic["maria"]
    ident = visit_in_progress(database, clinic, (clinic["filling"], [36]))
    with write_session(database) as s:
        line = s.scalars(
            select(AppointmentServiceRow).where(AppointmentServiceRow.appointment_id == ident)
        ).one()
        line.surfaces = {"36": ["M", "O"]}
    completing["scheduling"].complete(actor_for(clinic["reyes"]), ident)
    chart = completing["charts"].patient_chart(actor_for(clinic["desk"]), maria.id)
    assert (chart.treated, chart.version) == ((36,), 1)
    assert [t.surfaces for t in chart.treatments] == [{"36": ("M", "O")}]


def test_a_visit_without_chart_work_leaves_the_chart_alone(completing, clinic, database) -> None:
    ident = visit_in_progress(database, clinic, (completing["polish"], [11]), clinic["cleaning"])
    completing["scheduling"].complete(actor_for(clinic["reyes"]), ident)
    chart = completing["charts"].patient_chart(actor_for(clinic["desk"]), clinic["maria"].id)
    assert (chart.treated, chart.treatments, chart.version) == ((), (), 0)
    with database.read_sessions() as s:
        actions = s.scalars(select(AuditEntry.action).order_by(AuditEntry.action)).all()
        assert actions == ["complete_appointment", "raise_bill"]


def test_a_refused_completion_records_no_treatment(completing, clinic, database) -> None:
    ident = visit_in_progress(database, clinic, (clinic["filling"], [16]))
    with pytest.raises(StaleRecordError):
        completing["scheduling"].complete(actor_for(clinic["reyes"]), ident, expected_version=99)
    with pytest.raises(PermissionDeniedError):
        completing["scheduling"].complete(actor_for(clinic["desk"]), ident)
    with database.read_sessions() as s:
        assert s.scalars(select(ToothTreatmentRow.id)).all() == []
        assert s.scalars(select(ToothChartRow.id)).all() == []


def test_treatments_are_written_in_the_same_transaction_as_the_status(
    completing, clinic, database
) -> None:
    """A failure after the chart was written rolls the status change back with it."""
    ident = visit_in_progress(database, clinic, (clinic["filling"], [16]))
    scheduling = completing["scheduling"]
    original = scheduling._after_change

    def explode(*args: Any) -> None:
        raise RuntimeError("the workstation lost power")

    scheduling._after_change = explode  # type: ignore[method-assign]
    with pytest.raises(RuntimeError):
        scheduling.complete(actor_for(clinic["reyes"]), ident)
    scheduling._after_change = original  # type: ignore[method-assign]
    with database.read_sessions() as s:
        assert s.scalars(select(ToothTreatmentRow.id)).all() == []
        assert s.scalar(select(AppointmentRow.status).where(AppointmentRow.id == ident)) == (
            "in_progress"
        )


def _book_teeth(completing, clinic, service, teeth, surfaces=None):
    return completing["scheduling"].book_appointment(
        actor_for(clinic["desk"]),
        patient_id=clinic["maria"].id,
        dentist_id=clinic["reyes"].id,
        start=datetime.combine(TOMORROW, datetime.min.time()).replace(hour=10),
        duration=30,
        services=[RequestedService(service.id, teeth=teeth, surfaces=surfaces)],
    )


def test_missing_and_disabled_teeth_cannot_be_booked_for_treatment(
    completing, clinic, database
) -> None:
    with write_session(database) as s:
        make_chart(s, clinic["maria"], missing=[16], treated=[], disabled=[38])
    for tooth, words in ((16, "Tooth 16 is missing"), (38, "Tooth 38 is marked not selectable")):
        with pytest.raises(ValidationError) as caught:
            _book_teeth(completing, clinic, completing["sealant"], [tooth])
        assert caught.value.field == "teeth"
        assert words in caught.value.message
    assert _book_teeth(completing, clinic, completing["sealant"], [17]).services[0].teeth == (17,)


def test_surfaces_marked_at_booking_are_kept_with_their_teeth(completing, clinic, database) -> None:
    booked = _book_teeth(
        completing, clinic, clinic["filling"], [36, 37], surfaces={36: ["O", "M"], "37": ["D"]}
    )
    assert booked.services[0].surfaces == {"36": ("M", "O"), "37": ("D",)}
    with pytest.raises(ValidationError, match="not among the teeth chosen"):
        _book_teeth(completing, clinic, clinic["filling"], [36], surfaces={46: ["M"]})
    with pytest.raises(ValidationError, match="X is not a tooth surface"):
        _book_teeth(completing, clinic, clinic["filling"], [36], surfaces={36: ["X"]})
