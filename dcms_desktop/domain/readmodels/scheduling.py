"""Read models of the appointment book: appointments with their services.

Times are the clinic's wall-clock times (naive): an appointment starts at ``date`` +
``time`` and lasts ``duration`` minutes, possibly past midnight (an 18:00 start may last
up to 480 minutes).

``NewAppointment`` and ``NewAppointmentService`` go the other way: what a use case hands
the appointment repository to store, prices already worked out by
:mod:`dcms_desktop.domain.pricing`.

``appointment_to_json`` / ``appointment_from_json`` are the cache's explicit format.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from dcms_desktop.domain.enums import AppointmentStatus, AppointmentType, PricingModel
from dcms_desktop.domain.readmodels.people import dentist_title, full_name

Surfaces = Mapping[str, tuple[str, ...]]
"""Surfaces per tooth, keyed by the FDI number as text: {"16": ("M", "O")}."""


EN_DASH = "\u2013"


def time_span(start: datetime, end: datetime) -> str:
    """ "10:00-10:45" with an en dash, as the desk writes a span of time."""
    return f"{start:%H:%M}{EN_DASH}{end:%H:%M}"


@dataclass(frozen=True)
class BookedService:
    """One service of an appointment, priced when it was booked."""

    id: uuid.UUID
    service_id: uuid.UUID | None
    service_name: str
    pricing_model: PricingModel
    teeth: tuple[int, ...]
    surfaces: Surfaces | None
    quantity: int
    unit_price: Decimal
    subtotal: Decimal
    treatment_notes: str | None
    completed_at: datetime | None


@dataclass(frozen=True)
class Appointment:
    """An appointment as the book shows it, with its services."""

    id: uuid.UUID
    patient_id: uuid.UUID | None
    patient_name: str
    patient_email: str
    patient_phone: str | None
    dentist_id: uuid.UUID | None
    dentist_first_name: str | None
    dentist_last_name: str | None
    date: date
    time: time
    duration: int
    status: AppointmentStatus
    type: AppointmentType
    reason: str | None
    service_requested: str | None
    treatment_notes: str | None
    cancellation_reason: str | None
    created_by: uuid.UUID | None
    version: int
    created_at: datetime
    updated_at: datetime
    services: tuple[BookedService, ...] = ()
    # Who took each step (status.ACTION_FOR), and who changed it last.
    confirmed_by: uuid.UUID | None = None
    cancelled_by: uuid.UUID | None = None
    completed_by: uuid.UUID | None = None
    updated_by: uuid.UUID | None = None

    @property
    def start(self) -> datetime:
        return datetime.combine(self.date, self.time)

    @property
    def end(self) -> datetime:
        return self.start + timedelta(minutes=self.duration)

    @property
    def span(self) -> str:
        """ "10:00-10:45" (en dash), see :func:`time_span`."""
        return time_span(self.start, self.end)

    @property
    def is_active(self) -> bool:
        """Holds its chair time (not cancelled, not a no-show)."""
        return self.status.is_active

    @property
    def dentist_name(self) -> str | None:
        """ "Ana Reyes"."""
        if self.dentist_last_name is None:
            return None
        return full_name(self.dentist_first_name or "", self.dentist_last_name)

    @property
    def dentist_title(self) -> str | None:
        """ "Dr Reyes"."""
        return None if self.dentist_last_name is None else dentist_title(self.dentist_last_name)

    @property
    def total(self) -> Decimal:
        """What the booked services come to (before discount and tax)."""
        return sum((s.subtotal for s in self.services), Decimal("0.00"))

    @property
    def teeth(self) -> tuple[int, ...]:
        """Every tooth any of its services is for, ascending."""
        return tuple(sorted({t for s in self.services for t in s.teeth}))


@dataclass(frozen=True)
class ScheduleEntry:
    """An appointment as the day and week views list it: who, when, what (by name).

    The whole appointment, with priced service lines, is one ``get`` away.
    """

    id: uuid.UUID
    date: date
    time: time
    duration: int
    status: AppointmentStatus
    type: AppointmentType
    patient_id: uuid.UUID | None
    patient_name: str
    patient_phone: str | None
    dentist_id: uuid.UUID | None
    dentist_first_name: str | None
    dentist_last_name: str | None
    reason: str | None
    version: int
    service_names: tuple[str, ...]

    @property
    def start(self) -> datetime:
        return datetime.combine(self.date, self.time)

    @property
    def end(self) -> datetime:
        return self.start + timedelta(minutes=self.duration)

    @property
    def span(self) -> str:
        """ "10:00-10:45" (en dash), see :func:`time_span`."""
        return time_span(self.start, self.end)

    @property
    def is_active(self) -> bool:
        return self.status.is_active

    @property
    def dentist_title(self) -> str | None:
        """ "Dr Reyes"."""
        return None if self.dentist_last_name is None else dentist_title(self.dentist_last_name)


@dataclass(frozen=True)
class FreeSlot:
    """A start at which a dentist is free for the duration asked about.

    ``dentist_name`` is how the desk names them ("Dr Reyes").
    """

    dentist_id: uuid.UUID
    dentist_name: str
    start: datetime
    duration: int = 0

    @property
    def end(self) -> datetime:
        return self.start + timedelta(minutes=self.duration)


@dataclass(frozen=True)
class DayListDentist:
    """One dentist's part of the printed day list: their visits by start time."""

    dentist_id: uuid.UUID | None
    dentist_name: str
    entries: tuple[ScheduleEntry, ...]


@dataclass(frozen=True)
class DayList:
    """What the printed day list holds: the clinic, the day, each dentist's visits.

    Cancelled and no-show visits are left out (``left_out`` counts them) unless asked
    for. ``printed_at`` is the clinic's wall-clock time of printing.
    """

    clinic_name: str
    clinic_phone: str | None
    clinic_address: str | None
    day: date
    printed_at: datetime
    dentists: tuple[DayListDentist, ...]
    left_out: int = 0
    alerts: Mapping[uuid.UUID, tuple[str, ...]] = field(default_factory=dict)
    """Medical alerts by patient id, for the patients who have any."""

    @property
    def appointment_count(self) -> int:
        return sum(len(d.entries) for d in self.dentists)


@dataclass(frozen=True)
class NewAppointmentService:
    service_id: uuid.UUID
    service_name: str
    pricing_model: PricingModel
    teeth: tuple[int, ...]
    quantity: int
    unit_price: Decimal
    subtotal: Decimal
    surfaces: Surfaces | None = None


@dataclass(frozen=True)
class NewAppointment:
    patient_id: uuid.UUID
    patient_name: str
    patient_email: str
    patient_phone: str | None
    dentist_id: uuid.UUID
    start: datetime
    duration: int
    type: AppointmentType
    reason: str | None
    created_by: uuid.UUID | None
    services: tuple[NewAppointmentService, ...] = ()
    status: AppointmentStatus = AppointmentStatus.PENDING

    @property
    def end(self) -> datetime:
        return self.start + timedelta(minutes=self.duration)


# -- the cache's format -------------------------------------------------------------------
def _surfaces_to_json(surfaces: Surfaces | None) -> dict[str, list[str]] | None:
    return None if surfaces is None else {k: list(v) for k, v in surfaces.items()}


def _surfaces_from_json(data: Mapping[str, Any] | None) -> Surfaces | None:
    return None if data is None else {str(k): tuple(v) for k, v in data.items()}


def _opt(value: Any, convert: Any) -> Any:
    return None if value is None else convert(value)


def appointment_to_json(appointment: Appointment) -> dict[str, Any]:
    """A JSON-ready dict of ``appointment`` (UUIDs, dates and money as text)."""
    a = appointment
    return {
        "id": str(a.id),
        "patient_id": _opt(a.patient_id, str),
        "patient_name": a.patient_name,
        "patient_email": a.patient_email,
        "patient_phone": a.patient_phone,
        "dentist_id": _opt(a.dentist_id, str),
        "dentist_first_name": a.dentist_first_name,
        "dentist_last_name": a.dentist_last_name,
        "date": a.date.isoformat(),
        "time": a.time.isoformat(),
        "duration": a.duration,
        "status": a.status.value,
        "type": a.type.value,
        "reason": a.reason,
        "service_requested": a.service_requested,
        "treatment_notes": a.treatment_notes,
        "cancellation_reason": a.cancellation_reason,
        "created_by": _opt(a.created_by, str),
        "version": a.version,
        "created_at": a.created_at.isoformat(),
        "updated_at": a.updated_at.isoformat(),
        "confirmed_by": _opt(a.confirmed_by, str),
        "cancelled_by": _opt(a.cancelled_by, str),
        "completed_by": _opt(a.completed_by, str),
        "updated_by": _opt(a.updated_by, str),
        "services": [
            {
                "id": str(s.id),
                "service_id": _opt(s.service_id, str),
                "service_name": s.service_name,
                "pricing_model": s.pricing_model.value,
                "teeth": list(s.teeth),
                "surfaces": _surfaces_to_json(s.surfaces),
                "quantity": s.quantity,
                "unit_price": str(s.unit_price),
                "subtotal": str(s.subtotal),
                "treatment_notes": s.treatment_notes,
                "completed_at": _opt(s.completed_at, datetime.isoformat),
            }
            for s in a.services
        ],
    }


def appointment_from_json(data: Mapping[str, Any]) -> Appointment:
    """The inverse of :func:`appointment_to_json`."""
    return Appointment(
        id=uuid.UUID(data["id"]),
        patient_id=_opt(data["patient_id"], uuid.UUID),
        patient_name=data["patient_name"],
        patient_email=data["patient_email"],
        patient_phone=data["patient_phone"],
        dentist_id=_opt(data["dentist_id"], uuid.UUID),
        dentist_first_name=data["dentist_first_name"],
        dentist_last_name=data["dentist_last_name"],
        date=date.fromisoformat(data["date"]),
        time=time.fromisoformat(data["time"]),
        duration=int(data["duration"]),
        status=AppointmentStatus(data["status"]),
        type=AppointmentType(data["type"]),
        reason=data["reason"],
        service_requested=data["service_requested"],
        treatment_notes=data["treatment_notes"],
        cancellation_reason=data["cancellation_reason"],
        created_by=_opt(data["created_by"], uuid.UUID),
        version=int(data["version"]),
        created_at=datetime.fromisoformat(data["created_at"]),
        updated_at=datetime.fromisoformat(data["updated_at"]),
        services=tuple(
            BookedService(
                id=uuid.UUID(s["id"]),
                service_id=_opt(s["service_id"], uuid.UUID),
                service_name=s["service_name"],
                pricing_model=PricingModel(s["pricing_model"]),
                teeth=tuple(int(t) for t in s["teeth"]),
                surfaces=_surfaces_from_json(s["surfaces"]),
                quantity=int(s["quantity"]),
                unit_price=Decimal(s["unit_price"]),
                subtotal=Decimal(s["subtotal"]),
                treatment_notes=s["treatment_notes"],
                completed_at=_opt(s["completed_at"], datetime.fromisoformat),
            )
            for s in data["services"]
        ),
        # .get: entries cached before these were kept have none.
        confirmed_by=_opt(data.get("confirmed_by"), uuid.UUID),
        cancelled_by=_opt(data.get("cancelled_by"), uuid.UUID),
        completed_by=_opt(data.get("completed_by"), uuid.UUID),
        updated_by=_opt(data.get("updated_by"), uuid.UUID),
    )
