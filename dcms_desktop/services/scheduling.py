"""Scheduling use cases: the book, booking, moving, the status of a visit, free slots.

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

Moving or resizing a visit (:meth:`SchedulingService.move`) follows the same rules, by the
same code (:func:`_check_people` and :func:`_check_free`), the visit itself aside. Only a
pending or confirmed visit moves; a visit in progress may only change its length; the
"not in the past" rule applies to a new start, so a late visit can still be lengthened.

Status actions follow :mod:`dcms_desktop.domain.status` and record who took each step
(``confirmed_by``, ``cancelled_by``, ``completed_by``; ``updated_by`` always). Two rules
of our own: a visit is started on its day at the earliest (not days ahead), and it can be
marked a no-show once its start time has passed. Every change names the version it was
made on (optional for status actions, required for moves): someone else's change in
between is a ``StaleRecordError`` naming them.

Two workstations booking the same dentist at once: on SQLite the write transaction holds
the database's write lock from its first statement (BEGIN IMMEDIATE), so check and insert
run one booking after the other. On PostgreSQL the exclusion constraint
``ex_appointments_dentist_overlap`` refuses the loser's insert (or move), which becomes
the same ``ConflictError``; the patient's calendar is held by an advisory lock for the
check.
"""

from __future__ import annotations

import bisect
import logging
import math
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from itertools import accumulate

from dcms_desktop.data import cache_keys
from dcms_desktop.data.repositories.appointments import DentistDoubleBookedError
from dcms_desktop.data.repositories.charts import NewTreatment
from dcms_desktop.data.repositories.services import SupplyMapping
from dcms_desktop.data.uow import UnitOfWork
from dcms_desktop.domain import hours, pricing, status
from dcms_desktop.domain.enums import (
    AppointmentStatus,
    AppointmentType,
    MovementType,
    PricingModel,
    Role,
    ToothChartUse,
    ToothSurface,
)
from dcms_desktop.domain.errors import (
    ConflictError,
    InsufficientStockError,
    NotFoundError,
    ValidationError,
)
from dcms_desktop.domain.permissions import Action, require
from dcms_desktop.domain.readmodels.catalog import DentalService
from dcms_desktop.domain.readmodels.inventory import quantity_text
from dcms_desktop.domain.readmodels.people import Actor, StaffMember, User
from dcms_desktop.domain.readmodels.scheduling import (
    Appointment,
    BookedService,
    FreeSlot,
    NewAppointment,
    NewAppointmentService,
    ScheduleEntry,
    Surfaces,
    appointment_from_json,
    appointment_to_json,
)
from dcms_desktop.domain.teeth import parse_fdi, validate_teeth
from dcms_desktop.services import audit
from dcms_desktop.services.billing import raise_bill_for_completion
from dcms_desktop.services.charting import RECORD_TREATMENTS, is_extraction
from dcms_desktop.services.context import ServiceContext
from dcms_desktop.services.inventory import draft_restock_if_low

__all__ = [
    "FreeSlot",
    "RequestedService",
    "SchedulingService",
    "dentist_conflict",
    "patient_conflict",
]

log = logging.getLogger(__name__)

APPOINTMENT_CACHE_SECONDS = 300
CREATED = "created"
UPDATED = "updated"
APPOINTMENT = "appointment"
DEFAULT_GRID_MINUTES = 15
FREE_SLOT_SEARCH_DAYS = 92
"""How far ahead the free-slot finder looks before giving up (about three months)."""
FREE_SLOT_CHUNK_DAYS = 14
"""Days read per statement by the free-slot finder."""
MAX_FREE_SLOTS = 100
_STARTS_NOW = frozenset({AppointmentType.WALK_IN, AppointmentType.EMERGENCY})
_MOVABLE = frozenset({AppointmentStatus.PENDING, AppointmentStatus.CONFIRMED})
_S = AppointmentStatus


@dataclass(frozen=True)
class RequestedService:
    """A service asked for in a booking, with its teeth (FDI) and counts where the
    pricing model counts sessions or films."""

    service_id: uuid.UUID
    teeth: Sequence[int | str] = ()
    sessions: int = 1
    films: int = 1
    # Marked surfaces per tooth, e.g. {16: ("M", "O")}; only for teeth in ``teeth``.
    surfaces: Mapping[int | str, Sequence[str]] | None = None


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
        token = self.context.cache.fill_token(key)
        with self.context.uow(write=False) as uow:
            found = uow.appointments.get(appointment_id)
        if found is None:
            raise NotFoundError("That appointment no longer exists")
        self.context.cache.fill_json(
            key, appointment_to_json(found), token, APPOINTMENT_CACHE_SECONDS
        )
        return found

    def dentists(self, actor: Actor) -> tuple[StaffMember, ...]:
        """The active dentists, by last and first name: the columns of the day view."""
        require(actor.role, Action.VIEW_SCHEDULE)
        with self.context.uow(write=False) as uow:
            return uow.users.dentists()

    def grid_minutes(self, actor: Actor) -> int:
        """The appointment book's grid (5, 10 or 15 minutes, a clinic setting)."""
        require(actor.role, Action.VIEW_SCHEDULE)
        with self.context.uow(write=False) as uow:
            return _grid(uow)

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
        with self.context.uow() as uow:
            booked = self._book(
                uow,
                actor,
                patient_id=patient_id,
                dentist_id=dentist_id,
                start=start,
                duration=duration,
                services=services,
                kind=kind,
                reason=reason,
            )
            uow.commit()
        log.info("appointment %s booked by %s", booked.id, actor.user_id)
        return booked

    def walk_in(
        self,
        actor: Actor,
        *,
        patient_id: uuid.UUID,
        services: Sequence[RequestedService] = (),
        duration: int,
        reason: str | None = None,
    ) -> Appointment:
        """Book a walk-in now (the next line of the grid, from 09:00; now itself when it
        is on a line) with the first dentist, by name, whose chair is free for
        ``duration``. When no one is free, the ``ConflictError`` says when and with whom
        the chair frees up today."""
        require(actor.role, Action.BOOK_APPOINTMENT)
        hours.check_duration(duration)
        now = self.context.local_now().replace(second=0, microsecond=0)
        with self.context.uow() as uow:
            grid = _grid(uow)
            start = _next_grid_line(now, grid)
            if start.date() != now.date() or not hours.is_within_hours(start.time()):
                raise ValidationError(
                    "Walk-ins are taken between 09:00 and 18:00; book a visit for another day",
                    field="start",
                )
            dentists = [(d.id, d.display_name) for d in uow.users.dentists()]
            if not dentists:
                raise ValidationError(
                    "There is no active dentist to see a walk-in", field="dentist"
                )
            busy = uow.appointments.busy_times(
                [d for d, _ in dentists], start.date(), start.date() + timedelta(days=1)
            )
            end = start + timedelta(minutes=duration)
            finder = _FreeTimes(busy)
            free = [d for d, _ in dentists if finder.is_free(d, start, end)]
            if not free:
                raise _nobody_free(dentists, finder, start, duration, grid)
            booked = self._book(
                uow,
                actor,
                patient_id=patient_id,
                dentist_id=free[0],
                start=start,
                duration=duration,
                services=services,
                kind=AppointmentType.WALK_IN,
                reason=reason,
            )
            uow.commit()
        log.info("walk-in %s booked by %s", booked.id, actor.user_id)
        return booked

    def _book(
        self,
        uow: UnitOfWork,
        actor: Actor,
        *,
        patient_id: uuid.UUID,
        dentist_id: uuid.UUID,
        start: datetime,
        duration: int,
        services: Sequence[RequestedService],
        kind: AppointmentType,
        reason: str | None,
    ) -> Appointment:
        """Check and store a booking in ``uow`` (start and duration already checked),
        with its audit entry, cache drops and event; the caller commits."""
        dentist, patient = _check_people(uow, dentist_id, patient_id)
        assert patient is not None
        lines = _price(uow, services)
        _check_teeth_present(uow, patient, lines)
        _check_free(uow, dentist, patient, start, duration)
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
            raise _lost_race(dentist, exc, start) from exc
        audit.record(
            uow,
            actor,
            Action.BOOK_APPOINTMENT.value,
            APPOINTMENT,
            booked.id,
            at=self.context.now(),
            details={
                "dentist_id": str(dentist.id),
                "patient_id": str(patient.id),
                "start": start.isoformat(timespec="minutes"),
                "duration": duration,
                "type": kind.value,
            },
        )
        uow.drop_cache(cache_keys.appointment(booked.id), cache_keys.patient_chart(patient.email))
        uow.announce(APPOINTMENT, booked.id, CREATED)
        return booked

    # -- moving ----------------------------------------------------------------------------
    def move(
        self,
        actor: Actor,
        appointment_id: uuid.UUID,
        *,
        start: datetime,
        dentist_id: uuid.UUID | None = None,
        duration: int | None = None,
        expected_version: int,
    ) -> Appointment:
        """Move a visit to ``start`` (and to another dentist, and/or to another length),
        by the booking's rules; returns it as stored. Unchanged fields keep their value;
        moving to where it already is changes nothing."""
        require(actor.role, Action.BOOK_APPOINTMENT)
        start = _wall_clock(start)
        with self.context.uow() as uow:
            current = uow.appointments.get(appointment_id)
            if current is None:
                raise NotFoundError("That appointment no longer exists")
            if current.version != expected_version:
                raise uow.appointments.stale_error(appointment_id)
            target_dentist = dentist_id or current.dentist_id
            length = current.duration if duration is None else duration
            if (start, target_dentist, length) == (
                current.start,
                current.dentist_id,
                current.duration,
            ):
                return current
            _check_movable(current, start, target_dentist)
            if start != current.start:
                self._check_start(start, current.type)
            hours.check_duration(length)
            if target_dentist is None:
                raise ValidationError("Choose a dentist from the list", field="dentist")
            dentist, patient = _check_people(uow, target_dentist, current.patient_id)
            _check_free(uow, dentist, patient, start, length, exclude_id=appointment_id)
            try:
                moved = uow.appointments.change(
                    appointment_id,
                    {
                        "appointment_date": start.date(),
                        "appointment_time": start.time(),
                        "duration": length,
                        "dentist_id": dentist.id,
                    },
                    expected_version=current.version,
                    by=actor.user_id,
                )
            except DentistDoubleBookedError as exc:
                raise _lost_race(dentist, exc, start) from exc
            audit.record(
                uow,
                actor,
                "move_appointment",
                APPOINTMENT,
                appointment_id,
                at=self.context.now(),
                details={
                    "from": _placement(current.start, current.duration, current.dentist_id),
                    "to": _placement(start, length, dentist.id),
                },
            )
            self._after_change(uow, moved, patient)
            uow.commit()
        return moved

    # -- status ----------------------------------------------------------------------------
    def confirm(
        self, actor: Actor, appointment_id: uuid.UUID, *, expected_version: int | None = None
    ) -> Appointment:
        """pending -> confirmed (``confirmed_by``)."""
        return self._change_status(
            actor, appointment_id, _S.CONFIRMED, expected_version=expected_version
        )

    def start(
        self, actor: Actor, appointment_id: uuid.UUID, *, expected_version: int | None = None
    ) -> Appointment:
        """Check the patient in and start the visit: pending or confirmed -> in progress.
        On the visit's day (or after it), not before."""
        return self._change_status(
            actor, appointment_id, _S.IN_PROGRESS, expected_version=expected_version
        )

    def complete(
        self,
        actor: Actor,
        appointment_id: uuid.UUID,
        *,
        treatment_notes: str | None = None,
        expected_version: int | None = None,
    ) -> Appointment:
        """in progress -> completed (``completed_by``); dentists and admins only.

        In the same transaction, each service with teeth (its ``tooth_chart_use`` other
        than "not needed") becomes a treatment on the patient's chart and its teeth are
        marked treated (extractions: missing), audited; the chart's cache entry is
        dropped after the commit. The supplies the services use are deducted in the same
        transaction too (see :meth:`_deduct_supplies`), and the visit's bill is raised
        (:func:`dcms_desktop.services.billing.raise_bill_for_completion`)."""
        return self._change_status(
            actor,
            appointment_id,
            _S.COMPLETED,
            expected_version=expected_version,
            notes=treatment_notes,
            then=self._on_completion,
        )

    def _on_completion(self, uow: UnitOfWork, actor: Actor, done: Appointment) -> None:
        self._chart_treatments(uow, actor, done)
        self._deduct_supplies(uow, actor, done)
        raise_bill_for_completion(uow, actor, done, at=self.context.now())

    def _deduct_supplies(self, uow: UnitOfWork, actor: Actor, done: Appointment) -> None:
        """Deduct every item mapped to the visit's services, in the completion's unit of
        work, with the appointment as the movements' reference.

        Per line and mapping: ``per_tooth_quantity`` x teeth when the line records teeth
        and the mapping has a per-tooth quantity, else ``quantity_used`` (times the line's
        quantity for Per Session and Per Film lines: sessions, films); rounded up to whole
        units (stock is counted in units). When the item is short or no longer active, the
        first active alternative with enough stock is used instead. When it and every
        alternative are short, the visit is still completed (the treatment happened): what
        is left of the item is deducted (down to 0) and, for a required item, the shortfall
        is written as a zero-quantity ``adjustment`` flagged ``needs_review`` (the schema's
        ``new_stock = previous_stock + quantity`` allows 0; the stock can't go below 0),
        listed by ``InventoryService.needs_review``. The shortfalls go into a
        ``deduct_supplies`` audit entry and each is announced as ``inventory <id> short``;
        a refused move matches no row (no database error), so no savepoint is needed.
        """
        catalogue_ids = [line.service_id for line in done.services if line.service_id]
        mappings = uow.services.mappings_for(catalogue_ids)
        if not mappings:
            return
        now = self.context.now()
        active = uow.inventory.active_among(
            [
                item_id
                for service_mappings in mappings.values()
                for mapping in service_mappings
                for item_id in (mapping.item_id, *mapping.alternatives)
            ]
        )  # one query for every item the visit may use
        moved: dict[uuid.UUID, None] = {}
        used: list[dict[str, object]] = []
        shortfalls: list[str] = []
        for line in done.services:
            for mapping in mappings.get(line.service_id, ()) if line.service_id else ():
                quantity = _supply_quantity(mapping, line)
                if quantity <= 0:
                    continue
                reason = f"Used for {line.service_name} ({done.patient_name})"
                taken, short = _take_supply(
                    uow,
                    mapping,
                    quantity,
                    reason,
                    active=active,
                    actor=actor,
                    appointment_id=done.id,
                    at=now,
                )
                for item_id, amount in taken:
                    moved[item_id] = None
                    used.append({"item_id": str(item_id), "quantity": amount})
                if short and mapping.is_required:
                    item = uow.inventory.get(mapping.item_id)
                    amount = str(short) if item is None else quantity_text(short, item.unit)
                    note = f"Short by {amount} for {line.service_name}; needs review"
                    if item is not None and not item.is_active:  # not short: not to be used
                        note = (
                            f"Not taken: the item is deactivated ({amount} for "
                            f"{line.service_name}); map another item; needs review"
                        )
                    uow.inventory.record_shortfall(
                        mapping.item_id,
                        note,
                        performed_by=actor.user_id,
                        reference_id=done.id,
                        reference_type=APPOINTMENT,
                        short_by=short,
                        at=now,
                    )
                    name = "an item" if item is None else item.name
                    shortfalls.append(f"{name}: {note}")
                    uow.announce("inventory", mapping.item_id, "short")
                    moved[mapping.item_id] = None  # a restock is drafted even at 0
        if used or shortfalls:
            audit.record(
                uow,
                actor,
                "deduct_supplies",
                APPOINTMENT,
                done.id,
                at=now,
                details={"used": used, "shortfalls": shortfalls},
            )
        for item_id in moved:
            draft_restock_if_low(uow, actor, item_id, at=self.context.now())
            uow.drop_cache(cache_keys.inventory(item_id))
            uow.announce("inventory", item_id, "stock_moved")
        if shortfalls:
            log.warning("appointment %s completed short of supplies: %s", done.id, shortfalls)

    def _chart_treatments(self, uow: UnitOfWork, actor: Actor, done: Appointment) -> None:
        """Record a completed visit's treatments on the patient's chart (see complete)."""
        if done.patient_id is None:
            return
        catalogue = uow.services.by_ids(
            line.service_id for line in done.services if line.service_id is not None
        )
        treatments = []
        for line in done.services:
            service = None if line.service_id is None else catalogue.get(line.service_id)
            if not line.teeth or (
                service is not None and service.tooth_chart_use is ToothChartUse.NOT_NEEDED
            ):
                continue
            treatments.append(
                NewTreatment(
                    service_id=line.service_id,
                    service_name=line.service_name,
                    teeth=line.teeth,
                    surfaces=line.surfaces,
                    detail=line.treatment_notes or done.treatment_notes,
                    extraction=is_extraction(line.service_name),
                )
            )
        version = uow.charts.record_treatments(
            done.patient_id,
            treatments,
            treatment_date=done.date,
            appointment_id=done.id,
            completed_by=actor.user_id,
        )
        if version is None:
            return
        audit.record(
            uow,
            actor,
            RECORD_TREATMENTS,
            "tooth_chart",
            done.patient_id,
            at=self.context.now(),
            details={
                "appointment_id": str(done.id),
                "treatments": [
                    {"service": t.service_name, "teeth": list(t.teeth)} for t in treatments
                ],
                "version": version,
            },
        )
        uow.announce("tooth_chart", done.patient_id, UPDATED)

    def cancel(
        self,
        actor: Actor,
        appointment_id: uuid.UUID,
        reason: str,
        *,
        expected_version: int | None = None,
    ) -> Appointment:
        """pending or confirmed -> cancelled, with a reason (``cancellation_reason``,
        ``cancelled_by``); the slot is free again."""
        return self._change_status(
            actor, appointment_id, _S.CANCELLED, expected_version=expected_version, reason=reason
        )

    def no_show(
        self, actor: Actor, appointment_id: uuid.UUID, *, expected_version: int | None = None
    ) -> Appointment:
        """pending or confirmed -> no-show, once the start time has passed."""
        return self._change_status(
            actor, appointment_id, _S.NO_SHOW, expected_version=expected_version
        )

    def _change_status(
        self,
        actor: Actor,
        appointment_id: uuid.UUID,
        target: AppointmentStatus,
        *,
        expected_version: int | None,
        reason: str | None = None,
        notes: str | None = None,
        then: Callable[[UnitOfWork, Actor, Appointment], None] | None = None,
    ) -> Appointment:
        action = _STATUS_ACTIONS[target]
        require(
            actor.role,
            Action.COMPLETE_APPOINTMENT
            if target is _S.COMPLETED
            else Action.CHANGE_APPOINTMENT_STATUS,
        )
        with self.context.uow() as uow:
            current = uow.appointments.get(appointment_id)
            if current is None:
                raise NotFoundError("That appointment no longer exists")
            if expected_version is not None and current.version != expected_version:
                raise uow.appointments.stale_error(appointment_id)
            status.check_transition(current.status, target, reason=reason)
            self._check_timing(current, target)
            values: dict[str, object] = {"status": target.value}
            column = status.ACTION_FOR.get(target)
            if column is not None:
                values[column] = actor.user_id
            if target is _S.CANCELLED:
                values["cancellation_reason"] = (reason or "").strip()
            if target is _S.COMPLETED and notes and notes.strip():
                values["treatment_notes"] = notes.strip()
            changed = uow.appointments.change(
                appointment_id, values, expected_version=current.version, by=actor.user_id
            )
            details: dict[str, object] = {"from": current.status.value, "to": target.value}
            if target is _S.CANCELLED:
                details["reason"] = values["cancellation_reason"]
            audit.record(
                uow,
                actor,
                action,
                APPOINTMENT,
                appointment_id,
                at=self.context.now(),
                details=details,
            )
            if then is not None:
                then(uow, actor, changed)
            patient = None if current.patient_id is None else uow.users.get(current.patient_id)
            self._after_change(uow, changed, patient)
            uow.commit()
        log.info("appointment %s %s by %s", appointment_id, target.value, actor.user_id)
        return changed

    def _check_timing(self, appointment: Appointment, target: AppointmentStatus) -> None:
        now = self.context.local_now()
        if target is _S.IN_PROGRESS and appointment.date > now.date():
            raise ValidationError(
                f"This visit is on {appointment.start:%a %d %b}: start it on the day",
                field="status",
            )
        if target is _S.NO_SHOW and appointment.start > now:
            raise ValidationError(
                f"It isn't {_when(appointment.start, now)} yet: a patient can only miss a "
                "visit once it has begun",
                field="status",
            )

    @staticmethod
    def _after_change(uow: UnitOfWork, changed: Appointment, patient: User | None) -> None:
        keys = [cache_keys.appointment(changed.id)]
        if patient is not None:
            keys.append(cache_keys.patient_chart(patient.email))
        uow.drop_cache(*keys)
        uow.announce(APPOINTMENT, changed.id, UPDATED)

    # -- free slots ------------------------------------------------------------------------
    def next_free_slots(
        self,
        actor: Actor,
        *,
        duration: int,
        dentist_id: uuid.UUID | None,
        from_day: date,
        count: int = 5,
        grid_minutes: int | None = None,
    ) -> tuple[FreeSlot, ...]:
        """The earliest ``count`` starts, from ``from_day`` on (and after now), at which a
        dentist (``dentist_id``; None: any active dentist) is free for ``duration``.

        Starts lie on the grid (the clinic's setting unless ``grid_minutes`` is given)
        from 09:00 to 18:00; a dentist is free when none of their active visits shares a
        minute with the slot. By start, then dentist by name. Reads the book a fortnight
        per statement, and gives up after :data:`FREE_SLOT_SEARCH_DAYS` days.
        """
        require(actor.role, Action.VIEW_SCHEDULE)
        hours.check_duration(duration)
        count = min(count, MAX_FREE_SLOTS)
        if count < 1:
            return ()
        now = self.context.local_now()
        first = max(from_day, now.date())
        with self.context.uow(write=False) as uow:
            grid = grid_minutes if grid_minutes is not None else _grid(uow)
            times = hours.slot_starts(first, grid)
            if dentist_id is not None:
                dentist = _active_user(uow, dentist_id, Role.DENTIST, field="dentist")
                dentists = [(dentist.id, dentist.display_name)]
            else:
                dentists = [(d.id, d.display_name) for d in uow.users.dentists()]
            if not dentists:
                return ()
            found: list[FreeSlot] = []
            horizon = first + timedelta(days=FREE_SLOT_SEARCH_DAYS - 1)
            chunk_start = first
            while chunk_start <= horizon and len(found) < count:
                chunk_end = min(chunk_start + timedelta(days=FREE_SLOT_CHUNK_DAYS - 1), horizon)
                busy = uow.appointments.busy_times(
                    [d for d, _ in dentists], chunk_start, chunk_end + timedelta(days=1)
                )
                finder = _FreeTimes(busy)
                for day in _days(chunk_start, chunk_end):
                    for slot_time in times:
                        start = datetime.combine(day, slot_time)
                        if start <= now:
                            continue
                        end = start + timedelta(minutes=duration)
                        for dentist_ref, name in dentists:
                            if finder.is_free(dentist_ref, start, end):
                                found.append(FreeSlot(dentist_ref, name, start, duration))
                                if len(found) == count:
                                    return tuple(found)
                chunk_start = chunk_end + timedelta(days=1)
        return tuple(found)

    # -- helpers ---------------------------------------------------------------------------
    def _check_start(self, start: datetime, kind: AppointmentType) -> datetime:
        start = _wall_clock(start)
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


_STATUS_ACTIONS = {
    _S.CONFIRMED: "confirm_appointment",
    _S.IN_PROGRESS: "start_appointment",
    _S.COMPLETED: "complete_appointment",
    _S.CANCELLED: "cancel_appointment",
    _S.NO_SHOW: "mark_no_show",
    _S.PENDING: "reset_appointment",
}


# -- supplies used at a completed visit ---------------------------------------------------------
def _supply_quantity(mapping: SupplyMapping, line: BookedService) -> int:
    """Whole units a line uses of a mapped item (see ``_deduct_supplies``)."""
    if line.teeth and mapping.per_tooth_quantity is not None:
        return math.ceil(mapping.per_tooth_quantity * len(line.teeth))
    times = line.quantity if line.pricing_model in _COUNTED_MODELS else 1
    return math.ceil(mapping.quantity_used * times)


_COUNTED_MODELS = frozenset({PricingModel.PER_SESSION, PricingModel.PER_FILM})
"""Pricing models whose line quantity counts what was done (sessions, films)."""


def _take_supply(
    uow: UnitOfWork,
    mapping: SupplyMapping,
    quantity: int,
    reason: str,
    *,
    active: set[uuid.UUID],
    actor: Actor,
    appointment_id: uuid.UUID,
    at: datetime,
) -> tuple[list[tuple[uuid.UUID, int]], int]:
    """Deduct ``quantity`` of the item, else of the first alternative that has enough,
    else what is left of the item, taking only items in ``active``; returns the (item,
    units) taken and the units short."""

    def deduct(item_id: uuid.UUID, units: int) -> None:
        uow.inventory.move_stock(
            item_id,
            -units,
            MovementType.DEDUCTION,
            reason,
            performed_by=actor.user_id,
            reference_id=appointment_id,
            reference_type=APPOINTMENT,
            at=at,
        )

    available = 0
    if mapping.item_id in active:
        try:
            deduct(mapping.item_id, quantity)
            return [(mapping.item_id, quantity)], 0
        except InsufficientStockError as exc:
            available = exc.available
        except NotFoundError:
            available = 0
    for alternative in mapping.alternatives:
        if alternative not in active:  # deactivated: off the lists, never restocked
            continue
        try:
            deduct(alternative, quantity)
        except (InsufficientStockError, NotFoundError):
            continue
        return [(alternative, quantity)], 0
    while available > 0:  # what is left may shrink meanwhile (another workstation)
        try:
            deduct(mapping.item_id, available)
        except InsufficientStockError as exc:
            available = exc.available
            continue
        return [(mapping.item_id, available)], quantity - available
    return [], quantity


# -- the rules every placement of a visit follows ----------------------------------------------
def _check_people(
    uow: UnitOfWork, dentist_id: uuid.UUID, patient_id: uuid.UUID | None
) -> tuple[User, User | None]:
    """The dentist is an active dentist, the patient (if the visit has one) an active
    patient."""
    dentist = _active_user(uow, dentist_id, Role.DENTIST, field="dentist")
    if patient_id is None:
        return dentist, None
    return dentist, _active_user(uow, patient_id, Role.PATIENT, field="patient")


def _check_free(
    uow: UnitOfWork,
    dentist: User,
    patient: User | None,
    start: datetime,
    duration: int,
    *,
    exclude_id: uuid.UUID | None = None,
) -> None:
    """Neither the dentist nor the patient has another active visit sharing a minute
    with [start, start + duration); ``exclude_id`` is the visit being moved. The first
    visit in the way is named."""
    end = hours.end_of(start, duration)
    if patient is not None:
        uow.appointments.hold_patient_calendar(patient.id)
    in_the_way = uow.appointments.overlapping(dentist.id, start, end, exclude_id)
    if in_the_way:
        raise dentist_conflict(dentist, in_the_way[0], start)
    if patient is not None:
        elsewhere = uow.appointments.patient_overlapping(patient.id, start, end, exclude_id)
        if elsewhere:
            raise patient_conflict(patient, elsewhere[0], start)


def _check_movable(current: Appointment, start: datetime, dentist_id: uuid.UUID | None) -> None:
    if current.status in _MOVABLE:
        return
    if current.status is _S.IN_PROGRESS:
        if start == current.start and dentist_id == current.dentist_id:
            return
        raise ValidationError(
            "A visit in progress can't be moved; only its length can change", field="start"
        )
    label = status.STATUS_LABELS[current.status]
    article = "An" if label[0] in "aeiou" else "A"
    raise ValidationError(f"{article} {label} appointment can't be moved", field="status")


def _lost_race(dentist: User, exc: DentistDoubleBookedError, start: datetime) -> ConflictError:
    if exc.conflicts:
        return dentist_conflict(dentist, exc.conflicts[0], start)
    return ConflictError(
        f"{dentist.display_name} already has an appointment at that time", field="start"
    )


# -- free times ----------------------------------------------------------------------------------
class _FreeTimes:
    """Answers "is this dentist free in [start, end)?" in O(log n) from their busy times,
    whatever overlaps imported data may hold."""

    def __init__(self, busy: dict[uuid.UUID, list[tuple[datetime, datetime]]]) -> None:
        self._starts: dict[uuid.UUID, list[datetime]] = {}
        self._latest_end: dict[uuid.UUID, list[datetime]] = {}
        for dentist_id, spans in busy.items():
            spans = sorted(spans)
            self._starts[dentist_id] = [s for s, _ in spans]
            self._latest_end[dentist_id] = list(accumulate((e for _, e in spans), max))

    def is_free(self, dentist_id: uuid.UUID, start: datetime, end: datetime) -> bool:
        starts = self._starts.get(dentist_id, [])
        # Busy spans starting before the slot ends; free when all of them end by its start.
        before = bisect.bisect_left(starts, end)
        return before == 0 or self._latest_end[dentist_id][before - 1] <= start


def _nobody_free(
    dentists: list[tuple[uuid.UUID, str]],
    finder: _FreeTimes,
    start: datetime,
    duration: int,
    grid: int,
) -> ConflictError:
    """No dentist is free for a walk-in at ``start``: say when the first chair frees up
    today, if it does."""
    for slot_time in hours.slot_starts(start.date(), grid):
        later = datetime.combine(start.date(), slot_time)
        if later <= start:
            continue
        for dentist_id, name in dentists:
            if finder.is_free(dentist_id, later, later + timedelta(minutes=duration)):
                return ConflictError(
                    f"No dentist is free at {start:%H:%M} for {duration} minutes; the next "
                    f"free time today is {later:%H:%M} with {name}",
                    field="start",
                )
    return ConflictError(
        f"No dentist is free for {duration} minutes for the rest of today", field="start"
    )


def _next_grid_line(now: datetime, grid: int) -> datetime:
    """``now`` if it is on a line of the grid (counted from 09:00), else the next line;
    09:00 before opening."""
    opening = datetime.combine(now.date(), hours.OPENING_TIME)
    if now <= opening:
        return opening
    minutes = -(-int((now - opening).total_seconds() // 60) // grid) * grid
    return opening + timedelta(minutes=minutes)


def _days(first: date, last: date) -> Iterator[date]:
    day = first
    while day <= last:
        yield day
        day += timedelta(days=1)


def _grid(uow: UnitOfWork) -> int:
    settings = uow.settings.find()
    return DEFAULT_GRID_MINUTES if settings is None else settings.schedule_grid_minutes


def _wall_clock(start: datetime) -> datetime:
    if start.tzinfo is not None:
        raise TypeError("start must be the clinic's wall-clock time (a naive datetime)")
    return start.replace(second=0, microsecond=0)


def _when(moment: datetime, now: datetime) -> str:
    return f"{moment:%H:%M}" if moment.date() == now.date() else f"{moment:%a %d %b %H:%M}"


def _placement(start: datetime, duration: int, dentist_id: uuid.UUID | None) -> dict[str, object]:
    return {
        "start": start.isoformat(timespec="minutes"),
        "duration": duration,
        "dentist_id": None if dentist_id is None else str(dentist_id),
    }


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
                surfaces=_surfaces(request.surfaces, teeth),
            )
        )
    return tuple(lines)


_SURFACE_ORDER = [surface.value for surface in ToothSurface]


def _surfaces(
    requested: Mapping[int | str, Sequence[str]] | None, teeth: tuple[int, ...]
) -> Surfaces | None:
    """The marked surfaces keyed by FDI number as text, checked against the teeth."""
    if not requested:
        return None
    marked: dict[str, tuple[str, ...]] = {}
    for tooth, surfaces in requested.items():
        number = parse_fdi(tooth)
        if number not in teeth:
            raise ValidationError(
                f"Surfaces are marked on tooth {number}, which is not among the teeth chosen",
                field="teeth",
            )
        unknown = sorted(set(surfaces) - set(_SURFACE_ORDER))
        if unknown:
            raise ValidationError(
                f"{', '.join(unknown)} is not a tooth surface: use M, D, O, B or L",
                field="teeth",
            )
        if surfaces:
            marked[str(number)] = tuple(s for s in _SURFACE_ORDER if s in set(surfaces))
    return marked or None


def _check_teeth_present(
    uow: UnitOfWork, patient: User, lines: Sequence[NewAppointmentService]
) -> None:
    """Missing and disabled teeth of the patient's chart can't be chosen for treatment."""
    wanted = {tooth for line in lines for tooth in line.teeth}
    if not wanted:
        return
    chart = uow.charts.chart_for(patient.id)
    if chart is None:
        return
    for tooth in sorted(wanted):
        if tooth in chart.missing:
            raise ValidationError(
                f"Tooth {tooth} is missing on {patient.full_name}'s chart, so it can't be treated",
                field="teeth",
            )
        if tooth in chart.disabled:
            raise ValidationError(
                f"Tooth {tooth} is marked not selectable on {patient.full_name}'s chart",
                field="teeth",
            )


def _not_offered(service: DentalService | None) -> str:
    if service is None:
        return "That service is not in the catalogue"
    return f"{service.name} is no longer offered"
