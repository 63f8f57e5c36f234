"""Tooth charts and treatments.

A chart is read in three statements: the patient with their chart row, the treatment
history, and the teeth of the services booked on appointments not yet completed.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Row, bindparam, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from dcms_desktop.data.models import Appointment as AppointmentRow
from dcms_desktop.data.models import AppointmentService as AppointmentServiceRow
from dcms_desktop.data.models import Service as ServiceRow
from dcms_desktop.data.models import ToothChart as ToothChartRow
from dcms_desktop.data.models import ToothTreatment as ToothTreatmentRow
from dcms_desktop.data.models import User as UserRow
from dcms_desktop.data.types import utcnow
from dcms_desktop.domain.enums import AppointmentStatus, Role
from dcms_desktop.domain.errors import StaleRecordError
from dcms_desktop.domain.readmodels.charting import (
    PlannedWork,
    Surfaces,
    ToothChart,
    Treatment,
)
from dcms_desktop.domain.readmodels.people import full_name

# Booked and not yet done: what the chart shows as planned.
_PLANNED_STATUSES = [
    AppointmentStatus.PENDING.value,
    AppointmentStatus.CONFIRMED.value,
    AppointmentStatus.IN_PROGRESS.value,
]


def _teeth(values: Iterable[Any] | None) -> tuple[int, ...]:
    return tuple(sorted({int(v) for v in values or ()}))


def _to_treatment(row: Row[Any]) -> Treatment:
    return Treatment(
        id=row.id,
        service_id=row.service_id,
        service_name=row.service_name,
        treatment_date=row.treatment_date,
        detail=row.detail,
        teeth=_teeth(row.teeth_fdi),
        surfaces=(
            None if not row.surfaces else {str(k): tuple(v) for k, v in row.surfaces.items()}
        ),
        appointment_id=row.appointment_id,
        completed_by=row.completed_by,
        created_at=row.created_at,
        service_category=row.category,
    )


# Built once: the chart is opened often, and building a statement costs more than
# SQLite takes to run it. ``patient_id`` is bound at each call.
_t, _a, _s = ToothTreatmentRow, AppointmentRow, AppointmentServiceRow
_HEAD = (
    select(
        UserRow.email,
        ToothChartRow.missing_teeth,
        ToothChartRow.treated_teeth,
        ToothChartRow.disabled_teeth,
        ToothChartRow.version,
        ToothChartRow.updated_at,
    )
    .outerjoin(ToothChartRow, ToothChartRow.patient_id == UserRow.id)
    .where(UserRow.id == bindparam("patient_id"), UserRow.role == Role.PATIENT.value)
)
_EMAIL = select(UserRow.email).where(
    UserRow.id == bindparam("patient_id"), UserRow.role == Role.PATIENT.value
)
_TREATMENTS = (
    select(
        _t.id,
        _t.service_id,
        _t.service_name,
        _t.treatment_date,
        _t.detail,
        _t.teeth_fdi,
        _t.surfaces,
        _t.appointment_id,
        _t.completed_by,
        _t.created_at,
        ServiceRow.category,
    )
    .outerjoin(ServiceRow, ServiceRow.id == _t.service_id)
    .where(_t.patient_id == bindparam("patient_id"))
    .order_by(_t.treatment_date.desc(), _t.created_at.desc(), _t.id.desc())
)
_PLANNED = (
    select(
        _a.id,
        _a.appointment_date,
        _a.appointment_time,
        _a.status,
        _s.service_name,
        _s.teeth_selected,
    )
    .join(_s, _s.appointment_id == _a.id)
    .where(_a.patient_id == bindparam("patient_id"), _a.status.in_(_PLANNED_STATUSES))
    .order_by(_a.appointment_date, _a.appointment_time, _a.id, _s.created_at, _s.id)
)


@dataclass(frozen=True)
class NewTreatment:
    """A treatment to record: one completed service line with teeth."""

    service_id: uuid.UUID | None
    service_name: str
    teeth: tuple[int, ...]
    surfaces: Surfaces | None
    detail: str | None
    extraction: bool = False
    """An extraction makes its teeth missing rather than treated."""


class ToothChartRepository:
    """Tooth charts and treatments."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def patient_email(self, patient_id: uuid.UUID) -> str | None:
        """The email a patient's chart is cached under; ``None`` for no such user."""
        return self.session.scalar(select(UserRow.email).where(UserRow.id == patient_id))

    def email_of(self, patient_id: uuid.UUID) -> str | None:
        """The patient's email (their chart's cache key), or ``None`` for no such patient."""
        return self.session.execute(_EMAIL, {"patient_id": patient_id}).scalar_one_or_none()

    def chart_for(self, patient_id: uuid.UUID) -> ToothChart | None:
        """The patient's chart, treatment history (newest first) and planned work
        (soonest first); an empty chart at version 0 when none was saved yet, ``None``
        when there is no such patient."""
        wanted = {"patient_id": patient_id}
        head = self.session.execute(_HEAD, wanted).one_or_none()
        if head is None:
            return None
        treatments = self.session.execute(_TREATMENTS, wanted)
        planned = self.session.execute(_PLANNED, wanted)
        return ToothChart(
            patient_id=patient_id,
            patient_email=head.email,
            missing=_teeth(head.missing_teeth),
            treated=_teeth(head.treated_teeth),
            disabled=_teeth(head.disabled_teeth),
            version=head.version or 0,
            updated_at=head.updated_at,
            treatments=tuple(_to_treatment(row) for row in treatments),
            planned=tuple(
                PlannedWork(
                    appointment_id=row.id,
                    date=row.appointment_date,
                    time=row.appointment_time,
                    status=AppointmentStatus(row.status),
                    service_name=row.service_name,
                    teeth=_teeth(row.teeth_selected),
                )
                for row in planned
                if row.teeth_selected
            ),
        )

    def save_teeth(
        self,
        patient_id: uuid.UUID,
        *,
        missing: Iterable[int],
        treated: Iterable[int],
        disabled: Iterable[int],
        expected_version: int,
        updated_by: uuid.UUID | None,
    ) -> int:
        """Store the chart's teeth if it is still at ``expected_version`` (0: never
        saved); returns the new version. Someone else's save in between is a
        :class:`StaleRecordError` naming them."""
        values = {
            "missing_teeth": list(_teeth(missing)),
            "treated_teeth": list(_teeth(treated)),
            "disabled_teeth": list(_teeth(disabled)),
            "updated_by": updated_by,
            "updated_at": utcnow(),
        }
        if expected_version == 0:
            exists = self.session.scalar(
                select(ToothChartRow.version).where(ToothChartRow.patient_id == patient_id)
            )
            if exists is not None:
                raise self._stale(patient_id)
            try:
                with self.session.begin_nested():
                    self.session.add(
                        ToothChartRow(id=uuid.uuid4(), patient_id=patient_id, **values)
                    )
            except IntegrityError:
                # Another workstation saved the first version since the check above.
                raise self._stale(patient_id) from None
            return 1
        done = self.session.execute(
            update(ToothChartRow)
            .where(
                ToothChartRow.patient_id == patient_id,
                ToothChartRow.version == expected_version,
            )
            .values(version=ToothChartRow.version + 1, **values)
            .execution_options(synchronize_session=False)
        )
        if done.rowcount != 1:  # type: ignore[attr-defined]
            raise self._stale(patient_id)
        return expected_version + 1

    def record_treatments(
        self,
        patient_id: uuid.UUID,
        treatments: Iterable[NewTreatment],
        *,
        treatment_date: date,
        appointment_id: uuid.UUID | None,
        completed_by: uuid.UUID | None,
    ) -> int | None:
        """Write a ``tooth_treatments`` row per treatment and mark its teeth on the chart
        (treated; missing for an extraction, no longer treated nor disabled), creating
        the chart when the patient has none. The chart row is locked for the update, so
        a concurrent chart save waits rather than being lost. Returns the chart's new
        version; ``None`` when there was nothing with teeth to record."""
        done = [t for t in treatments if t.teeth]
        if not done:
            return None
        for treatment in done:
            self.session.add(
                ToothTreatmentRow(
                    id=uuid.uuid4(),
                    patient_id=patient_id,
                    service_id=treatment.service_id,
                    service_name=treatment.service_name,
                    treatment_date=treatment_date,
                    detail=treatment.detail,
                    teeth_fdi=list(treatment.teeth),
                    surfaces=(
                        None
                        if not treatment.surfaces
                        else {k: list(v) for k, v in treatment.surfaces.items()}
                    ),
                    appointment_id=appointment_id,
                    completed_by=completed_by,
                )
            )
        extracted = {t for x in done if x.extraction for t in x.teeth}
        treated = {t for x in done if not x.extraction for t in x.teeth} - extracted
        return self._mark(patient_id, extracted, treated, completed_by, first_try=True)

    def _mark(
        self,
        patient_id: uuid.UUID,
        extracted: set[int],
        treated: set[int],
        by: uuid.UUID | None,
        *,
        first_try: bool,
    ) -> int:
        current = self.session.execute(
            select(
                ToothChartRow.missing_teeth,
                ToothChartRow.treated_teeth,
                ToothChartRow.disabled_teeth,
                ToothChartRow.version,
            )
            .where(ToothChartRow.patient_id == patient_id)
            .with_for_update()
        ).one_or_none()
        before: tuple[set[int], set[int], set[int]] = (
            (set(), set(), set())
            if current is None
            else (
                set(_teeth(current.missing_teeth)),
                set(_teeth(current.treated_teeth)),
                set(_teeth(current.disabled_teeth)),
            )
        )
        values = {
            "missing_teeth": sorted((before[0] | extracted) - treated),
            "treated_teeth": sorted((before[1] | treated) - extracted),
            "disabled_teeth": sorted(before[2] - extracted),
            "updated_by": by,
            "updated_at": utcnow(),
        }
        if current is None:
            try:
                with self.session.begin_nested():
                    self.session.add(
                        ToothChartRow(id=uuid.uuid4(), patient_id=patient_id, **values)
                    )
            except IntegrityError:
                if not first_try:
                    raise
                # Another workstation created the chart since the read: update theirs.
                return self._mark(patient_id, extracted, treated, by, first_try=False)
            return 1
        self.session.execute(
            update(ToothChartRow)
            .where(ToothChartRow.patient_id == patient_id)
            .values(version=ToothChartRow.version + 1, **values)
            .execution_options(synchronize_session=False)
        )
        return int(current.version) + 1

    def _stale(self, patient_id: uuid.UUID) -> StaleRecordError:
        row = self.session.execute(
            select(ToothChartRow.updated_at, UserRow.first_name, UserRow.last_name)
            .outerjoin(UserRow, UserRow.id == ToothChartRow.updated_by)
            .where(ToothChartRow.patient_id == patient_id)
        ).one_or_none()
        changed_by = (
            full_name(row.first_name, row.last_name)
            if row is not None and row.last_name is not None
            else None
        )
        changed_at: datetime | None = None if row is None else row.updated_at
        who = changed_by or "Someone else"
        return StaleRecordError(
            f"{who} saved this chart after you opened it; reopen it to see their changes",
            changed_by=changed_by,
            changed_at=changed_at,
        )
