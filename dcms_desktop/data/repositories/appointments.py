"""Appointments and their services.

The day and week views are one statement whatever their length: the appointments with
the dentist's and the patient's current names joined in and the service names gathered
by a correlated subquery (:class:`ScheduleEntry`). A whole appointment
(:class:`Appointment`, with priced service lines) is two: the appointment, then its lines.

Overlaps are decided in Python on the few appointments the indexes hand back: a visit may
start as late as 18:00 and last 480 minutes, so an interval can be reached by a visit of
the day before, and the candidates are that dentist's (or patient's) active appointments
from the day before the interval's start to the day it ends.
"""

from __future__ import annotations

import functools
import uuid
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Row, Select, bindparam, func, literal, select
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased
from sqlalchemy.orm.exc import StaleDataError

from dcms_desktop.data.models import Appointment as AppointmentRow
from dcms_desktop.data.models import AppointmentService as AppointmentServiceRow
from dcms_desktop.data.models import User as UserRow
from dcms_desktop.data.types import utcnow
from dcms_desktop.domain import hours
from dcms_desktop.domain.enums import (
    ACTIVE_APPOINTMENT_STATUSES,
    AppointmentStatus,
    AppointmentType,
    PricingModel,
)
from dcms_desktop.domain.errors import ConflictError, NotFoundError, StaleRecordError
from dcms_desktop.domain.readmodels.people import full_name
from dcms_desktop.domain.readmodels.scheduling import (
    Appointment,
    BookedService,
    NewAppointment,
    ScheduleEntry,
    Surfaces,
)

DENTIST_OVERLAP_CONSTRAINT = "ex_appointments_dentist_overlap"
"""PostgreSQL's exclusion constraint refusing two overlapping active visits of a dentist."""

_ACTIVE = [s.value for s in ACTIVE_APPOINTMENT_STATUSES]
# Joins service names in one column; the ASCII unit separator never occurs in a name.
_NAME_SEPARATOR = "\x1f"
_STATUSES = {s.value: s for s in AppointmentStatus}
_TYPES = {t.value: t for t in AppointmentType}
_Dentist = aliased(UserRow, name="dentist")
_Patient = aliased(UserRow, name="patient")
_Updater = aliased(UserRow, name="updater")


class DentistDoubleBookedError(ConflictError):
    """The database refused an appointment overlapping another of the same dentist.

    Raised when a booking lost a race that the service's own check could not see (on
    PostgreSQL, the exclusion constraint); ``conflicts`` are the appointments in the way,
    as far as they can be read now.
    """

    def __init__(self, conflicts: tuple[Appointment, ...]) -> None:
        super().__init__("The dentist already has an appointment at that time", field="start")
        self.conflicts = conflicts


def _violated_constraint(error: IntegrityError) -> str | None:
    diag = getattr(error.orig, "diag", None)
    return getattr(diag, "constraint_name", None)


def _surfaces_to_json(surfaces: Surfaces | None) -> dict[str, list[str]] | None:
    return None if surfaces is None else {k: list(v) for k, v in surfaces.items()}


def _lock_key(value: uuid.UUID) -> int:
    """A signed 64-bit advisory lock key from a UUID."""
    return int.from_bytes(value.bytes[:8], "big", signed=True)


def _appointment_query() -> Select[Any]:
    a = AppointmentRow
    return (
        select(
            a.id,
            a.patient_id,
            a.patient_name,
            a.patient_email,
            a.patient_phone,
            a.dentist_id,
            a.appointment_date,
            a.appointment_time,
            a.duration,
            a.status,
            a.type,
            a.reason,
            a.service_requested,
            a.treatment_notes,
            a.cancellation_reason,
            a.created_by,
            a.version,
            a.created_at,
            a.updated_at,
            a.confirmed_by,
            a.cancelled_by,
            a.completed_by,
            a.updated_by,
            _Dentist.first_name.label("dentist_first_name"),
            _Dentist.last_name.label("dentist_last_name"),
            _Patient.first_name.label("patient_first_name"),
            _Patient.last_name.label("patient_last_name"),
            _Patient.phone.label("patient_live_phone"),
        )
        .outerjoin(_Dentist, _Dentist.id == a.dentist_id)
        .outerjoin(_Patient, _Patient.id == a.patient_id)
    )


def _to_service(row: Row[Any]) -> BookedService:
    surfaces = row.surfaces
    return BookedService(
        id=row.id,
        service_id=row.service_id,
        service_name=row.service_name,
        pricing_model=PricingModel(row.pricing_model),
        teeth=tuple(row.teeth_selected or ()),
        surfaces=None if not surfaces else {str(k): tuple(v) for k, v in surfaces.items()},
        quantity=row.quantity,
        unit_price=row.unit_price,
        subtotal=row.subtotal,
        treatment_notes=row.treatment_notes,
        completed_at=row.completed_at,
    )


def _to_entry(row: Sequence[Any]) -> ScheduleEntry:
    # Unpacked by position (the order of _schedule's columns): the day view builds a
    # hundred of these per call, and by-name access to a Row costs more than the query.
    (
        appointment_id,
        day,
        start,
        duration,
        status,
        kind,
        patient_id,
        booked_name,
        booked_phone,
        dentist_id,
        reason,
        version,
        dentist_first_name,
        dentist_last_name,
        patient_first_name,
        patient_last_name,
        patient_phone,
        names,
    ) = row
    if patient_last_name is not None:
        patient_name = f"{patient_first_name} {patient_last_name}"
        patient_phone = patient_phone or booked_phone
    else:
        patient_name, patient_phone = booked_name, booked_phone
    return ScheduleEntry(
        id=appointment_id,
        date=day,
        time=start,
        duration=duration,
        status=_STATUSES[status],
        type=_TYPES[kind],
        patient_id=patient_id,
        patient_name=patient_name,
        patient_phone=patient_phone,
        dentist_id=dentist_id,
        dentist_first_name=dentist_first_name,
        dentist_last_name=dentist_last_name,
        reason=reason,
        version=version,
        service_names=tuple(names.split(_NAME_SEPARATOR)) if names else (),
    )


def _to_appointment(row: Row[Any], services: Sequence[BookedService] = ()) -> Appointment:
    # The patient's current name and phone when the record is linked; the booking's copy
    # otherwise (a patient record deleted since, or a booking imported without one).
    if row.patient_last_name is not None:
        patient_name = full_name(row.patient_first_name, row.patient_last_name)
        patient_phone = row.patient_live_phone or row.patient_phone
    else:
        patient_name, patient_phone = row.patient_name, row.patient_phone
    return Appointment(
        id=row.id,
        patient_id=row.patient_id,
        patient_name=patient_name,
        patient_email=row.patient_email,
        patient_phone=patient_phone,
        dentist_id=row.dentist_id,
        dentist_first_name=row.dentist_first_name,
        dentist_last_name=row.dentist_last_name,
        date=row.appointment_date,
        time=row.appointment_time,
        duration=row.duration,
        status=AppointmentStatus(row.status),
        type=AppointmentType(row.type),
        reason=row.reason,
        service_requested=row.service_requested,
        treatment_notes=row.treatment_notes,
        cancellation_reason=row.cancellation_reason,
        created_by=row.created_by,
        version=row.version,
        created_at=row.created_at,
        updated_at=row.updated_at,
        services=tuple(services),
        confirmed_by=row.confirmed_by,
        cancelled_by=row.cancelled_by,
        completed_by=row.completed_by,
        updated_by=row.updated_by,
    )


class AppointmentRepository:
    """Appointments and their services."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self._dialect = session.get_bind().dialect.name

    # -- reading ---------------------------------------------------------------------------
    def get(self, appointment_id: uuid.UUID) -> Appointment | None:
        """One appointment with its priced service lines (two statements)."""
        row = self.session.execute(
            _appointment_query().where(AppointmentRow.id == appointment_id)
        ).one_or_none()
        if row is None:
            return None
        lines = self._services_of(AppointmentServiceRow.appointment_id == appointment_id)
        return _to_appointment(row, lines.get(appointment_id, ()))

    def day_schedule(self, day: date) -> tuple[ScheduleEntry, ...]:
        """Every appointment starting on ``day``, every dentist and status, by start time
        then dentist; with patient names, phones and service names (one statement)."""
        return self._schedule("day", {"day": day})

    def dentist_week(self, dentist_id: uuid.UUID, monday: date) -> tuple[ScheduleEntry, ...]:
        """A dentist's appointments starting in the seven days from ``monday``."""
        sunday = monday + timedelta(days=6)
        return self._schedule("week", {"dentist_id": dentist_id, "first": monday, "last": sunday})

    def patient_schedule(self, patient_id: uuid.UUID) -> tuple[ScheduleEntry, ...]:
        """Every appointment of a patient, every status, by start time (one statement)."""
        return self._schedule("patient", {"patient_id": patient_id})

    def busy_times(
        self, dentist_ids: Sequence[uuid.UUID], first_day: date, last_day: date
    ) -> dict[uuid.UUID, list[tuple[datetime, datetime]]]:
        """When each dentist's chair is taken from ``first_day`` to ``last_day``: the
        [start, end) of their active appointments, by start, including a visit of the day
        before that runs into ``first_day``. One statement for every dentist and day."""
        busy: dict[uuid.UUID, list[tuple[datetime, datetime]]] = {d: [] for d in dentist_ids}
        if not dentist_ids:
            return busy
        a = AppointmentRow
        earliest = first_day - timedelta(days=1 + hours.MAX_DURATION // (24 * 60))
        rows = self.session.execute(
            select(a.dentist_id, a.appointment_date, a.appointment_time, a.duration)
            .where(
                a.dentist_id.in_(list(dentist_ids)),
                a.appointment_date.between(earliest, last_day),
                a.status.in_(_ACTIVE),
            )
            .order_by(a.dentist_id, a.appointment_date, a.appointment_time)
        )
        for dentist_id, day, start_time, duration in rows:
            start = datetime.combine(day, start_time)
            busy[dentist_id].append((start, start + timedelta(minutes=duration)))
        return busy

    def overlapping(
        self,
        dentist_id: uuid.UUID,
        start: datetime,
        end: datetime,
        exclude_id: uuid.UUID | None = None,
    ) -> tuple[Appointment, ...]:
        """The dentist's active appointments sharing a moment with [start, end)."""
        return self._overlapping(AppointmentRow.dentist_id == dentist_id, start, end, exclude_id)

    def patient_overlapping(
        self,
        patient_id: uuid.UUID,
        start: datetime,
        end: datetime,
        exclude_id: uuid.UUID | None = None,
    ) -> tuple[Appointment, ...]:
        """The patient's active appointments (with any dentist) sharing a moment with
        [start, end)."""
        return self._overlapping(AppointmentRow.patient_id == patient_id, start, end, exclude_id)

    # -- writing ---------------------------------------------------------------------------
    def hold_patient_calendar(self, patient_id: uuid.UUID) -> None:
        """Make other bookings of this patient wait until this transaction ends.

        On PostgreSQL a transaction-scoped advisory lock: no constraint keeps a patient
        from being booked with two dentists at once, so the check and the insert must not
        interleave with another workstation's. SQLite's write transaction already holds
        the database's write lock (BEGIN IMMEDIATE).
        """
        if self._dialect == "postgresql":
            self.session.execute(
                select(func.pg_advisory_xact_lock(_lock_key(patient_id)))
            ).scalar_one_or_none()

    def add(self, new: NewAppointment) -> Appointment:
        """Store an appointment and its service lines; returns it as read back.

        Raises :class:`DentistDoubleBookedError` when the database refuses it for
        overlapping another active appointment of the dentist.
        """
        row = AppointmentRow(
            id=uuid.uuid4(),
            patient_id=new.patient_id,
            patient_name=new.patient_name,
            patient_email=new.patient_email,
            patient_phone=new.patient_phone,
            dentist_id=new.dentist_id,
            appointment_date=new.start.date(),
            appointment_time=new.start.time().replace(second=0, microsecond=0),
            duration=new.duration,
            service_requested=", ".join(s.service_name for s in new.services) or None,
            reason=new.reason,
            status=AppointmentStatus(new.status).value,
            type=AppointmentType(new.type).value,
            created_by=new.created_by,
            updated_by=new.created_by,
        )
        # Lines are listed by (created_at, id): one moment for all, ids in booking order.
        created_at = utcnow()
        line_ids = sorted(uuid.uuid4() for _ in new.services)
        lines = [
            AppointmentServiceRow(
                id=line_id,
                appointment_id=row.id,
                service_id=s.service_id,
                service_name=s.service_name,
                pricing_model=PricingModel(s.pricing_model).value,
                teeth_selected=list(s.teeth),
                surfaces=_surfaces_to_json(s.surfaces),
                quantity=s.quantity,
                unit_price=s.unit_price,
                subtotal=s.subtotal,
                created_at=created_at,
            )
            for line_id, s in zip(line_ids, new.services, strict=True)
        ]
        try:
            with self.session.begin_nested():
                self.session.add(row)
                self.session.flush()
                self.session.add_all(lines)
        except IntegrityError as exc:
            if _violated_constraint(exc) != DENTIST_OVERLAP_CONSTRAINT:
                raise
            # The savepoint is gone, the transaction lives on: name who is in the way.
            in_the_way = AppointmentRow.dentist_id == new.dentist_id
            raise DentistDoubleBookedError(
                self._overlapping(in_the_way, new.start, new.end, None)
            ) from exc
        booked = self.get(row.id)
        assert booked is not None
        return booked

    def change(
        self,
        appointment_id: uuid.UUID,
        values: Mapping[str, Any],
        *,
        expected_version: int,
        by: uuid.UUID | None,
    ) -> Appointment:
        """Write ``values`` (columns of the appointment) if it is still at
        ``expected_version``, recording ``by`` as who changed it; returns it as stored.

        Someone else's change since that version is a :class:`StaleRecordError` naming
        them, also when it lands between our read and our UPDATE (the ORM's version
        counter makes the UPDATE conditional). On PostgreSQL, a new time overlapping
        another active visit of the dentist is a :class:`DentistDoubleBookedError`.
        """
        row = self.session.get(AppointmentRow, appointment_id, populate_existing=True)
        if row is None:
            raise NotFoundError("That appointment no longer exists")
        if row.version != expected_version:
            raise self.stale_error(appointment_id)
        dentist_id = values.get("dentist_id", row.dentist_id)
        start = datetime.combine(
            values.get("appointment_date", row.appointment_date),
            values.get("appointment_time", row.appointment_time),
        )
        end = start + timedelta(minutes=values.get("duration", row.duration))
        try:
            # A savepoint keeps the transaction usable after a refused UPDATE, to read
            # who changed it or who is in the way.
            with self.session.begin_nested():
                for name, value in values.items():
                    setattr(row, name, value)
                row.updated_by = by
                self.session.flush()
        except StaleDataError:
            raise self.stale_error(appointment_id) from None
        except IntegrityError as exc:
            if _violated_constraint(exc) != DENTIST_OVERLAP_CONSTRAINT:
                raise
            in_the_way = AppointmentRow.dentist_id == dentist_id
            raise DentistDoubleBookedError(
                self._overlapping(in_the_way, start, end, appointment_id)
            ) from exc
        changed = self.get(appointment_id)
        assert changed is not None
        return changed

    def stale_error(self, appointment_id: uuid.UUID) -> StaleRecordError:
        """The refusal of a change made on an old version: who changed it, and when."""
        with self.session.no_autoflush:
            latest = self.session.execute(
                select(
                    AppointmentRow.updated_at,
                    AppointmentRow.patient_name,
                    _Updater.first_name,
                    _Updater.last_name,
                    _Updater.email,
                )
                .outerjoin(_Updater, _Updater.id == AppointmentRow.updated_by)
                .where(AppointmentRow.id == appointment_id)
            ).one_or_none()
        if latest is None:
            return StaleRecordError("That appointment no longer exists")
        if latest.first_name or latest.last_name:
            who: str | None = full_name(latest.first_name or "", latest.last_name or "")
        else:
            who = latest.email
        local = latest.updated_at.astimezone()
        return StaleRecordError(
            f"{who or 'Someone else'} changed {latest.patient_name}'s appointment at "
            f"{local:%H:%M} on {local:%d %b %Y}, after you opened it; look at it again "
            "before changing it.",
            changed_by=who,
            changed_at=latest.updated_at,
        )

    # -- helpers ---------------------------------------------------------------------------
    def _overlapping(
        self,
        owner: ColumnElement[bool],
        start: datetime,
        end: datetime,
        exclude_id: uuid.UUID | None,
    ) -> tuple[Appointment, ...]:
        earliest = (start - timedelta(minutes=hours.MAX_DURATION)).date()
        latest = (end - timedelta(microseconds=1)).date()
        conditions = [
            owner,
            AppointmentRow.appointment_date.between(earliest, latest),
            AppointmentRow.status.in_(_ACTIVE),
        ]
        if exclude_id is not None:
            conditions.append(AppointmentRow.id != exclude_id)
        candidates = [
            _to_appointment(row)
            for row in self.session.execute(_appointment_query().where(*conditions))
        ]
        hits = [a for a in candidates if hours.overlaps(start, end, a.start, a.end)]
        if not hits:
            return ()
        services = self._services_of(AppointmentServiceRow.appointment_id.in_([a.id for a in hits]))
        return tuple(
            sorted(
                (replace(a, services=tuple(services.get(a.id, ()))) for a in hits),
                key=lambda a: (a.start, a.id),
            )
        )

    def _schedule(self, kind: str, values: dict[str, Any]) -> tuple[ScheduleEntry, ...]:
        rows = self.session.execute(_schedule_query(self._dialect, kind), values)
        return tuple(_to_entry(row) for row in rows)

    def _services_of(self, which: ColumnElement[bool]) -> dict[uuid.UUID, list[BookedService]]:
        s = AppointmentServiceRow
        query = (
            select(
                s.id,
                s.appointment_id,
                s.service_id,
                s.service_name,
                s.pricing_model,
                s.teeth_selected,
                s.surfaces,
                s.quantity,
                s.unit_price,
                s.subtotal,
                s.treatment_notes,
                s.completed_at,
            )
            .where(which)
            .order_by(s.appointment_id, s.created_at, s.id)
        )
        by_appointment: dict[uuid.UUID, list[BookedService]] = defaultdict(list)
        for row in self.session.execute(query):
            by_appointment[row.appointment_id].append(_to_service(row))
        return by_appointment


# -- the schedule's statement -----------------------------------------------------------------
@functools.cache
def _schedule_query(dialect: str, kind: str) -> Select[Any]:
    """The day's (``day``), a patient's (``patient_id``) or a dentist's week's
    (``dentist_id``, ``first``, ``last``) appointments, columns in :func:`_to_entry`'s
    order. Built once per dialect and kind: building a statement costs as much as running
    it on SQLite."""
    a = AppointmentRow
    if kind == "day":
        where = [a.appointment_date == bindparam("day")]
    elif kind == "patient":
        where = [a.patient_id == bindparam("patient_id")]
    else:
        where = [
            a.dentist_id == bindparam("dentist_id"),
            a.appointment_date.between(bindparam("first"), bindparam("last")),
        ]
    return (
        select(
            a.id,
            a.appointment_date,
            a.appointment_time,
            a.duration,
            a.status,
            a.type,
            a.patient_id,
            a.patient_name,
            a.patient_phone,
            a.dentist_id,
            a.reason,
            a.version,
            _Dentist.first_name,
            _Dentist.last_name,
            _Patient.first_name,
            _Patient.last_name,
            _Patient.phone,
            _service_names(dialect),
        )
        .outerjoin(_Dentist, _Dentist.id == a.dentist_id)
        .outerjoin(_Patient, _Patient.id == a.patient_id)
        .where(*where)
        .order_by(a.appointment_date, a.appointment_time, _Dentist.last_name, a.id)
    )


def _service_names(dialect: str) -> ColumnElement[str]:
    """An appointment's service names in booking order, joined by :data:`_NAME_SEPARATOR`:
    a correlated subquery on the services' index."""
    s = AppointmentServiceRow
    if dialect == "postgresql":
        # string_agg(name, separator ORDER BY created_at, id)
        joined = func.string_agg(
            s.service_name, aggregate_order_by(literal(_NAME_SEPARATOR), s.created_at, s.id)
        )
    else:
        # SQLite aggregates in the order it reads the index on appointment_id: for equal
        # keys, rowid order, which is the order the lines were booked in.
        joined = func.group_concat(s.service_name, literal(_NAME_SEPARATOR))
    return (
        select(joined)
        .where(s.appointment_id == AppointmentRow.id)
        .correlate(AppointmentRow)
        .scalar_subquery()
        .label("service_names")
    )
