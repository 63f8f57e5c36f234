"""Scheduling use cases: booking an appointment, the day's book, a dentist's week.

Booking rules (ARCHITECTURE.md), each refused with a message for the desk and the field
it is about:

- ``start`` is the clinic's wall-clock time (naive), taken to the minute; it lies between
  09:00 and 18:00 and not in the past: a regular or follow-up visit starts after now, a
  walk-in or emergency may start now (this minute);
- ``duration`` is 1-480 minutes;
- the dentist is an active dentist, the patient an active patient;
- the dentist has no active appointment overlapping [start, start + duration): the
  ``ConflictError`` names the one in the way ("Dr Reyes already has Maria Santos
  10:00-10:45"); back-to-back visits don't overlap, cancelled and no-show ones free their
  slot;
- the patient isn't booked with anyone else at that time;
- every service is offered, its teeth are FDI teeth, a service that needs teeth has them;
  quantities and prices come from the catalogue through :mod:`dcms_desktop.domain.pricing`.

Two workstations booking the same dentist at once: on SQLite the write transaction holds
the database's write lock from its first statement (BEGIN IMMEDIATE), so check and insert
run one booking after the other. On PostgreSQL the exclusion constraint
``ex_appointments_dentist_overlap`` refuses the loser's insert, which becomes the same
``ConflictError``; the patient's calendar is held by an advisory lock for the check.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from dcms_desktop.data import cache_keys
from dcms_desktop.data.repositories.appointments import DentistDoubleBookedError
from dcms_desktop.data.uow import UnitOfWork
from dcms_desktop.domain import hours, pricing
from dcms_desktop.domain.enums import AppointmentType, Role
from dcms_desktop.domain.errors import ConflictError, NotFoundError, ValidationError
from dcms_desktop.domain.permissions import Action, require
from dcms_desktop.domain.readmodels.catalog import DentalService
from dcms_desktop.domain.readmodels.people import Actor, User
from dcms_desktop.domain.readmodels.scheduling import (
    Appointment,
    NewAppointment,
    NewAppointmentService,
    ScheduleEntry,
    appointment_from_json,
    appointment_to_json,
)
from dcms_desktop.domain.teeth import validate_teeth
from dcms_desktop.services import audit
from dcms_desktop.services.context import ServiceContext

log = logging.getLogger(__name__)

APPOINTMENT_CACHE_SECONDS = 300
CREATED = "created"
_STARTS_NOW = frozenset({AppointmentType.WALK_IN, AppointmentType.EMERGENCY})


@dataclass(frozen=True)
class RequestedService:
    """A service asked for in a booking, with its teeth (FDI) and counts where the
    pricing model counts sessions or films."""

    service_id: uuid.UUID
    teeth: Sequence[int | str] = ()
    sessions: int = 1
    films: int = 1


def _on_day(conflict: Appointment, start: datetime) -> str:
    """ "10:00-10:45", with the day when it isn't the day asked about."""
    if conflict.date == start.date():
        return conflict.span
    return f"{conflict.start:%a %d %b} {conflict.span}"


def dentist_conflict(dentist: User, conflict: Appointment, start: datetime) -> ConflictError:
    """ "Dr Reyes already has Maria Santos 10:00-10:45"."""
    return ConflictError(
        f"{dentist.display_name} already has {conflict.patient_name} {_on_day(conflict, start)}",
        field="start",
    )


def patient_conflict(patient: User, conflict: Appointment, start: datetime) -> ConflictError:
    """ "Maria Santos already has an appointment with Dr Cruz 10:00-10:45"."""
    with_whom = f" with {conflict.dentist_title}" if conflict.dentist_title else ""
    return ConflictError(
        f"{patient.full_name} already has an appointment{with_whom} {_on_day(conflict, start)}",
        field="start",
    )


class SchedulingService:
    """The appointment book."""

    def __init__(self, context: ServiceContext) -> None:
        self.context = context

    # -- reading ---------------------------------------------------------------------------
    def day_schedule(self, actor: Actor, day: date) -> tuple[ScheduleEntry, ...]:
        """Every appointment of ``day``, all dentists, by start time then dentist."""
        require(actor.role, Action.VIEW_SCHEDULE)
        with self.context.uow(write=False) as uow:
            return uow.appointments.day_schedule(day)

    def dentist_week(
        self, actor: Actor, dentist_id: uuid.UUID, monday: date
    ) -> tuple[ScheduleEntry, ...]:
        """A dentist's appointments of the week (Monday to Sunday) holding ``monday``."""
        require(actor.role, Action.VIEW_SCHEDULE)
        monday = monday - timedelta(days=monday.weekday())
        with self.context.uow(write=False) as uow:
            return uow.appointments.dentist_week(dentist_id, monday)

    def get_appointment(self, actor: Actor, appointment_id: uuid.UUID) -> Appointment:
        """One appointment with its services (cached)."""
        require(actor.role, Action.VIEW_SCHEDULE)
        key = cache_keys.appointment(appointment_id)
        cached = self.context.cache.get_json(key)
        if cached is not None:
            return appointment_from_json(cached)
        with self.context.uow(write=False) as uow:
            found = uow.appointments.get(appointment_id)
        if found is None:
            raise NotFoundError("That appointment no longer exists")
        self.context.cache.set_json(key, appointment_to_json(found), APPOINTMENT_CACHE_SECONDS)
        return found

    # -- booking ---------------------------------------------------------------------------
    def book_appointment(
        self,
        actor: Actor,
        *,
        patient_id: uuid.UUID,
        dentist_id: uuid.UUID,
        start: datetime,
        duration: int,
        services: Sequence[RequestedService] = (),
        type: AppointmentType | str = AppointmentType.REGULAR,
        reason: str | None = None,
    ) -> Appointment:
        """Book a visit (see the module docstring for the rules); returns it as stored."""
        require(actor.role, Action.BOOK_APPOINTMENT)
        kind = _appointment_type(type)
        start = self._check_start(start, kind)
        hours.check_duration(duration)
        end = hours.end_of(start, duration)
        now = self.context.now()

        with self.context.uow() as uow:
            dentist = _active_user(uow, dentist_id, Role.DENTIST, field="dentist")
            patient = _active_user(uow, patient_id, Role.PATIENT, field="patient")
            lines = _price(uow, services)
            uow.appointments.hold_patient_calendar(patient.id)
            in_the_way = uow.appointments.overlapping(dentist.id, start, end)
            if in_the_way:
                raise dentist_conflict(dentist, in_the_way[0], start)
            elsewhere = uow.appointments.patient_overlapping(patient.id, start, end)
            if elsewhere:
                raise patient_conflict(patient, elsewhere[0], start)
            new = NewAppointment(
                patient_id=patient.id,
                patient_name=patient.full_name,
                patient_email=patient.email,
                patient_phone=patient.phone,
                dentist_id=dentist.id,
                start=start,
                duration=duration,
                type=kind,
                reason=(reason or "").strip() or None,
                created_by=actor.user_id,
                services=lines,
            )
            try:
                booked = uow.appointments.add(new)
            except DentistDoubleBookedError as exc:
                # Another workstation booked the slot after our check (PostgreSQL).
                if exc.conflicts:
                    raise dentist_conflict(dentist, exc.conflicts[0], start) from exc
                raise ConflictError(
                    f"{dentist.display_name} already has an appointment at that time",
                    field="start",
                ) from exc
            audit.record(
                uow,
                actor,
                Action.BOOK_APPOINTMENT.value,
                "appointment",
                booked.id,
                at=now,
                details={
                    "dentist_id": str(dentist.id),
                    "patient_id": str(patient.id),
                    "start": start.isoformat(timespec="minutes"),
                    "duration": duration,
                    "type": kind.value,
                },
            )
            uow.drop_cache(
                cache_keys.appointment(booked.id), cache_keys.patient_chart(patient.email)
            )
            uow.announce("appointment", booked.id, CREATED)
            uow.commit()
        log.info("appointment %s booked by %s", booked.id, actor.user_id)
        return booked

    def _check_start(self, start: datetime, kind: AppointmentType) -> datetime:
        if start.tzinfo is not None:
            raise TypeError("start must be the clinic's wall-clock time (a naive datetime)")
        start = start.replace(second=0, microsecond=0)
        try:
            hours.check_start_time(start.time())
        except ValidationError as exc:
            raise ValidationError(exc.message, field="start") from None
        now = self.context.local_now()
        if kind in _STARTS_NOW:
            if start < now.replace(second=0, microsecond=0):
                raise ValidationError(
                    "That time has passed: a walk-in or emergency can start now at the earliest",
                    field="start",
                )
        elif start <= now:
            raise ValidationError("That time has passed: book a time later than now", field="start")
        return start


def _appointment_type(value: AppointmentType | str) -> AppointmentType:
    try:
        return AppointmentType(value)
    except ValueError:
        raise ValidationError(
            "Choose regular, walk-in, emergency or follow-up", field="type"
        ) from None


def _active_user(uow: UnitOfWork, user_id: uuid.UUID, role: Role, *, field: str) -> User:
    user = uow.users.get(user_id)
    if user is None or user.role is not role:
        raise ValidationError(f"Choose a {role.value} from the list", field=field)
    if not user.is_active:
        raise ValidationError(f"{user.display_name} is no longer active", field=field)
    return user


def _price(
    uow: UnitOfWork, requested: Sequence[RequestedService]
) -> tuple[NewAppointmentService, ...]:
    catalogue = uow.services.by_ids(r.service_id for r in requested)
    lines = []
    for request in requested:
        service = catalogue.get(request.service_id)
        if service is None or not service.is_active:
            raise ValidationError(_not_offered(service), field="services")
        teeth = validate_teeth(request.teeth)
        pricing.check_teeth_use(service.tooth_chart_use, teeth, service_name=service.name)
        quantity = pricing.quantity_for(
            service.pricing_model, teeth=teeth, sessions=request.sessions, films=request.films
        )
        lines.append(
            NewAppointmentService(
                service_id=service.id,
                service_name=service.name,
                pricing_model=service.pricing_model,
                teeth=teeth,
                quantity=quantity,
                unit_price=service.price,
                subtotal=pricing.line_subtotal(service.price, quantity),
            )
        )
    return tuple(lines)


def _not_offered(service: DentalService | None) -> str:
    if service is None:
        return "That service is not in the catalogue"
    return f"{service.name} is no longer offered"
