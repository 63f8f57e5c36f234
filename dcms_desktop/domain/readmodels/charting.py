"""Read models of a patient's tooth chart: the state of the teeth, what was done, what is
booked.

``chart_to_json`` / ``chart_from_json`` are the cache's explicit format (the schema's
``dcms:patient-tooth-chart:{email}`` entry).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from dcms_desktop.domain.enums import AppointmentStatus

Surfaces = Mapping[str, tuple[str, ...]]


@dataclass(frozen=True)
class Treatment:
    """One treatment done on one or more teeth."""

    id: uuid.UUID
    service_id: uuid.UUID | None
    service_name: str
    treatment_date: date
    detail: str | None
    teeth: tuple[int, ...]
    surfaces: Surfaces | None
    appointment_id: uuid.UUID | None
    completed_by: uuid.UUID | None
    created_at: datetime
    service_category: str | None = None
    """The catalogue category of the service (its colour on the chart), if still listed."""


@dataclass(frozen=True)
class PlannedWork:
    """A booked service with teeth, on an appointment not yet completed."""

    appointment_id: uuid.UUID
    date: date
    time: time
    status: AppointmentStatus
    service_name: str
    teeth: tuple[int, ...]


@dataclass(frozen=True)
class ToothChart:
    """A patient's chart. ``version`` is 0 until the chart is first saved."""

    patient_id: uuid.UUID
    patient_email: str
    missing: tuple[int, ...]
    treated: tuple[int, ...]
    disabled: tuple[int, ...]
    version: int
    updated_at: datetime | None
    treatments: tuple[Treatment, ...]
    """Newest first."""
    planned: tuple[PlannedWork, ...]
    """Soonest first."""

    @property
    def planned_teeth(self) -> tuple[int, ...]:
        """Every tooth some booked, not yet completed, service is for, ascending."""
        return tuple(sorted({t for work in self.planned for t in work.teeth}))


def _opt(value: Any, convert: Any) -> Any:
    return None if value is None else convert(value)


def _surfaces_to_json(surfaces: Surfaces | None) -> dict[str, list[str]] | None:
    return None if surfaces is None else {k: list(v) for k, v in surfaces.items()}


def _surfaces_from_json(data: Mapping[str, Any] | None) -> Surfaces | None:
    return None if data is None else {str(k): tuple(v) for k, v in data.items()}


def chart_to_json(chart: ToothChart) -> dict[str, Any]:
    """A JSON-ready dict of ``chart`` (UUIDs and dates as text)."""
    return {
        "patient_id": str(chart.patient_id),
        "patient_email": chart.patient_email,
        "missing": list(chart.missing),
        "treated": list(chart.treated),
        "disabled": list(chart.disabled),
        "version": chart.version,
        "updated_at": _opt(chart.updated_at, datetime.isoformat),
        "treatments": [
            {
                "id": str(t.id),
                "service_id": _opt(t.service_id, str),
                "service_name": t.service_name,
                "treatment_date": t.treatment_date.isoformat(),
                "detail": t.detail,
                "teeth": list(t.teeth),
                "surfaces": _surfaces_to_json(t.surfaces),
                "appointment_id": _opt(t.appointment_id, str),
                "completed_by": _opt(t.completed_by, str),
                "created_at": t.created_at.isoformat(),
                "service_category": t.service_category,
            }
            for t in chart.treatments
        ],
        "planned": [
            {
                "appointment_id": str(p.appointment_id),
                "date": p.date.isoformat(),
                "time": p.time.isoformat(),
                "status": p.status.value,
                "service_name": p.service_name,
                "teeth": list(p.teeth),
            }
            for p in chart.planned
        ],
    }


def chart_from_json(data: Mapping[str, Any]) -> ToothChart:
    """The inverse of :func:`chart_to_json`."""
    return ToothChart(
        patient_id=uuid.UUID(data["patient_id"]),
        patient_email=data["patient_email"],
        missing=tuple(int(t) for t in data["missing"]),
        treated=tuple(int(t) for t in data["treated"]),
        disabled=tuple(int(t) for t in data["disabled"]),
        version=int(data["version"]),
        updated_at=_opt(data["updated_at"], datetime.fromisoformat),
        treatments=tuple(
            Treatment(
                id=uuid.UUID(t["id"]),
                service_id=_opt(t["service_id"], uuid.UUID),
                service_name=t["service_name"],
                treatment_date=date.fromisoformat(t["treatment_date"]),
                detail=t["detail"],
                teeth=tuple(int(x) for x in t["teeth"]),
                surfaces=_surfaces_from_json(t["surfaces"]),
                appointment_id=_opt(t["appointment_id"], uuid.UUID),
                completed_by=_opt(t["completed_by"], uuid.UUID),
                created_at=datetime.fromisoformat(t["created_at"]),
                service_category=t.get("service_category"),
            )
            for t in data["treatments"]
        ),
        planned=tuple(
            PlannedWork(
                appointment_id=uuid.UUID(p["appointment_id"]),
                date=date.fromisoformat(p["date"]),
                time=time.fromisoformat(p["time"]),
                status=AppointmentStatus(p["status"]),
                service_name=p["service_name"],
                teeth=tuple(int(x) for x in p["teeth"]),
            )
            for p in data["planned"]
        ),
    )
