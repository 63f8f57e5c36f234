"""The demo clinic's appointment book, day by day, and what each visit leaves behind.

Each dentist's working day (Monday to Saturday) is filled one visit after another on the
15-minute grid between 09:00 and 18:00, so no two visits of a dentist ever overlap and
every visit ends by closing time. Past visits are mostly completed, some cancelled or
missed; today's are completed up to now, in progress now, booked after; the coming weeks
are pending or confirmed, thinning out further ahead.

A completed visit charts the teeth it treated (extracted teeth become missing), raises its
bill and takes its supplies from the stock room, in the order the visits ended.
"""

from __future__ import annotations

import bisect
import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from random import Random
from typing import Any

from dcms_desktop.data.bulk import BulkWriter
from dcms_desktop.data.models import Appointment, AppointmentService, ToothTreatment
from dcms_desktop.services.demo_billing import Biller, BillLine
from dcms_desktop.services.demo_catalogue import (
    CANCELLATION_REASONS,
    PER_FILM,
    PER_SESSION,
    REQUIRED,
    VISIT_KINDS,
    VISIT_NOTES,
    VisitKind,
)
from dcms_desktop.services.demo_people import Patient, Staff, age_on, moment, new_uuid
from dcms_desktop.services.demo_stock import StockBook
from dcms_desktop.services.demo_visits import CatalogueService, Line, VisitPlanner

_APPOINTMENTS = Appointment.__table__
_LINES = AppointmentService.__table__
_TREATMENTS = ToothTreatment.__table__

OPENING = 9 * 60
QUARTERS_PER_DAY = 36  # 09:00-18:00: every visit ends by closing time
DAY_OFF_CHANCE = 0.04
CLOSED_DAYS = frozenset({(1, 1), (4, 9), (5, 1), (6, 12), (11, 1), (12, 25), (12, 30), (12, 31)})
ORTHO_DAYS = 900  # how long a braces patient keeps coming for adjustments


@dataclass(slots=True)
class Visit:
    id: uuid.UUID
    patient_index: int
    patient: Patient
    age: int
    dentist: Staff
    dentist_index: int
    kind: VisitKind
    type: str
    lines: list[Line]
    quarters: int
    start: int = 0
    status: str = "pending"


_PAST_TYPES = (("regular", 80), ("follow_up", 9), ("walk_in", 6), ("emergency", 5))
_FUTURE_TYPES = (("regular", 88), ("follow_up", 12))
_KINDS_BY_TYPE: dict[str, tuple[tuple[str, float], ...]] = {
    "regular": tuple((k.key, k.weight) for k in VISIT_KINDS if k.weight > 0),
    "follow_up": (("rct", 3), ("ortho_adjust", 4), ("srp", 2), ("crown", 2), ("checkup", 1)),
    "walk_in": (("consult", 3), ("checkup", 3), ("extraction", 2), ("filling", 1)),
    "emergency": (("emergency", 1),),
}


def _cumulative(pairs: tuple[tuple[str, float], ...]) -> tuple[tuple[str, ...], list[float]]:
    names = tuple(name for name, _ in pairs)
    total = 0.0
    cumulative = []
    for _, weight in pairs:
        total += weight
        cumulative.append(total)
    return names, cumulative


class ScheduleMaker:
    """Fills the appointment book day by day and writes everything visits leave behind."""

    def __init__(
        self,
        rng: Random,
        writer: BulkWriter,
        *,
        services: dict[str, CatalogueService],
        patients: list[Patient],
        dentists: list[Staff],
        staff: list[Staff],
        biller: Biller,
        stock: StockBook,
        today: date,
        now_minutes: int,
        offset_minutes: int,
        visits_per_day: float,
    ) -> None:
        self.rng = rng
        self.writer = writer
        self.services = services
        self.patients = patients
        self.joined = [p.joined for p in patients]
        self.dentists = dentists
        self.staff_ids = [s.id for s in staff]
        self.biller = biller
        self.stock = stock
        self.today = today
        self.now_minutes = now_minutes
        self.now = moment(today, now_minutes, offset_minutes)
        self.offset = offset_minutes
        self.visits_per_day = visits_per_day
        self.ortho: list[tuple[int, date]] = []
        self.planner = VisitPlanner(rng, services)
        self._types_past = _cumulative(_PAST_TYPES)
        self._types_future = _cumulative(_FUTURE_TYPES)
        self._kinds = {t: _cumulative(pairs) for t, pairs in _KINDS_BY_TYPE.items()}
        self._kind_by_key = {k.key: k for k in VISIT_KINDS}
        self.appointments = 0

    # -- the day --------------------------------------------------------------------------
    @staticmethod
    def is_open(day: date) -> bool:
        return day.weekday() != 6 and (day.month, day.day) not in CLOSED_DAYS

    def run_day(self, day: date) -> None:
        rng = self.rng
        ahead = (day - self.today).days
        if ahead <= 0:
            self.stock.morning(day)
        used: set[int] = set()
        visits: list[Visit] = []
        for dentist_index, dentist in enumerate(self.dentists):
            if rng.random() < DAY_OFF_CHANCE:
                continue
            mean = self.visits_per_day * (1.0 if ahead <= 0 else max(0.15, 1 - ahead / 35))
            count = max(0, round(rng.gauss(mean, mean * 0.2)))
            planned = []
            for _ in range(count):
                visit = self._plan(day, ahead, dentist, dentist_index, used)
                if visit is not None:
                    planned.append(visit)
            self._place(planned)
            if ahead == 0 and rng.random() < 0.8:
                self._busy_now(planned)
            visits.extend(planned)
        for visit in visits:
            self._settle(visit, day)
        completed = [v for v in visits if v.status == "completed"]
        completed.sort(key=lambda v: (v.start + v.quarters * 15, v.dentist_index))
        for visit in visits:
            self._write(visit, day)
        for visit in completed:
            self._complete(visit, day)
        self.appointments += len(visits)
        if ahead < 0:
            self.stock.evening(day, len(completed))
        elif ahead == 0:
            self.stock.evening(day, len(completed), self.now_minutes)

    # -- planning -------------------------------------------------------------------------
    def _plan(
        self, day: date, ahead: int, dentist: Staff, dentist_index: int, used: set[int]
    ) -> Visit | None:
        rng = self.rng
        names, cumulative = self._types_future if ahead > 0 else self._types_past
        visit_type = rng.choices(names, cum_weights=cumulative)[0]
        kind_names, kind_weights = self._kinds[visit_type]
        for _ in range(6):
            kind = self._kind_by_key[rng.choices(kind_names, cum_weights=kind_weights)[0]]
            index = self._pick_patient(kind.key, day)
            if index is None or index in used:
                continue
            patient = self.patients[index]
            age = age_on(patient.birth, day)
            if not kind.min_age <= age <= kind.max_age:
                continue
            lines = self.planner.lines(kind.key, patient, age)
            if not lines:
                continue
            used.add(index)
            quarters = self.planner.quarters(lines)
            return Visit(
                new_uuid(rng),
                index,
                patient,
                age,
                dentist,
                dentist_index,
                kind,
                visit_type,
                lines,
                quarters,
            )
        return None

    def _pick_patient(self, kind: str, day: date) -> int | None:
        rng = self.rng
        if kind in ("ortho_adjust", "retainer"):
            while self.ortho:
                slot = rng.randrange(len(self.ortho))
                index, started = self.ortho[slot]
                days = (day - started).days
                if days > ORTHO_DAYS:
                    self.ortho[slot] = self.ortho[-1]
                    self.ortho.pop()
                    continue
                if kind == "retainer" and days < 540:
                    return None
                return index
            return None
        eligible = bisect.bisect_left(self.joined, day)
        if eligible == 0:
            return None
        return rng.randrange(eligible)

    def _place(self, visits: list[Visit]) -> None:
        """Start times on the grid: the day's visits in order with random gaps between."""
        rng = self.rng
        while sum(v.quarters for v in visits) > QUARTERS_PER_DAY:
            visits.pop(rng.randrange(len(visits)))
        free = QUARTERS_PER_DAY - sum(v.quarters for v in visits)
        cuts = sorted(rng.randint(0, free) for _ in visits)
        used = 0
        for visit, cut in zip(visits, cuts, strict=True):
            visit.start = OPENING + 15 * (used + cut)
            used += visit.quarters

    def _busy_now(self, visits: list[Visit]) -> None:
        """Move today's first visit after now back to now, so the dentist is busy now."""
        previous_end = OPENING
        grid_now = self.now_minutes // 15 * 15
        for visit in visits:
            if visit.start > self.now_minutes:
                back = self.rng.randint(0, min(visit.quarters - 1, 3))
                visit.start = max(previous_end, grid_now - 15 * back)
                return
            previous_end = visit.start + visit.quarters * 15
            if previous_end > self.now_minutes:
                return  # already busy

    # -- what happened ----------------------------------------------------------------------
    def _settle(self, visit: Visit, day: date) -> None:
        """The visit's status, by where it stands against now."""
        rng = self.rng
        end = visit.start + visit.quarters * 15
        if day < self.today or (day == self.today and end <= self.now_minutes):
            if visit.type in ("walk_in", "emergency"):
                visit.status = "completed"
            else:
                roll = rng.random()
                visit.status = (
                    "completed" if roll < 0.86 else "cancelled" if roll < 0.94 else "no_show"
                )
        elif day == self.today and visit.start <= self.now_minutes:
            visit.status = "in_progress"
        else:
            if visit.type in ("walk_in", "emergency"):
                visit.type = "regular"  # nobody walks in ahead of time
            ahead = (day - self.today).days
            roll = rng.random()
            if roll < 0.06:
                visit.status = "cancelled"
            elif roll < (0.85 if ahead <= 2 else 0.45):
                visit.status = "confirmed"
            else:
                visit.status = "pending"

    def _at(self, day: date, minutes: int) -> datetime:
        return moment(day, minutes, self.offset)

    def _write(self, visit: Visit, day: date) -> None:
        rng = self.rng
        patient = visit.patient
        status = visit.status
        start_at = self._at(day, visit.start)
        end_at = start_at + timedelta(minutes=visit.quarters * 15)
        creator = rng.choice(self.staff_ids)
        if visit.type in ("walk_in", "emergency"):
            created = start_at - timedelta(minutes=rng.randint(5, 40))
        else:
            ahead = max(0, (day - self.today).days)
            lead = ahead + rng.randint(1, 21) if ahead else rng.randint(1, 30)
            created = self._at(day - timedelta(days=lead), OPENING + rng.randint(0, 540))
        created = max(created, patient.created_at)
        confirmed_by = cancelled_by = completed_by = None
        reason = None
        updated, updated_by = created, creator
        booked = visit.type in ("regular", "follow_up")
        if status == "completed":
            completed_by = visit.dentist.id
            confirmed_by = rng.choice(self.staff_ids) if booked else None
            updated, updated_by = end_at, completed_by
        elif status == "in_progress":
            confirmed_by = rng.choice(self.staff_ids) if booked else None
            updated, updated_by = start_at, visit.dentist.id
        elif status == "confirmed":
            confirmed_by = rng.choice(self.staff_ids)
            updated = min(created + timedelta(hours=rng.randint(1, 48)), self.now)
            updated_by = confirmed_by
        elif status == "cancelled":
            if rng.random() < 0.25:
                cancelled_by = patient.id
                reason = "Cancelled by the patient: " + rng.choice(CANCELLATION_REASONS[:3])
            else:
                cancelled_by = rng.choice(self.staff_ids)
                reason = rng.choice(CANCELLATION_REASONS)
            confirmed_by = rng.choice(self.staff_ids) if rng.random() < 0.4 else None
            latest = min(start_at, self.now)
            updated = max(created, latest - timedelta(hours=rng.randint(1, 72)))
            updated_by = cancelled_by
        elif status == "no_show":
            confirmed_by = rng.choice(self.staff_ids) if rng.random() < 0.7 else None
            updated = start_at + timedelta(minutes=30)
            updated_by = rng.choice(self.staff_ids)
        names = [line.service.spec.name for line in visit.lines]
        self.writer.add(
            _APPOINTMENTS,
            {
                "id": visit.id,
                "patient_id": patient.id,
                "patient_name": patient.full_name,
                "patient_email": patient.email,
                "patient_phone": patient.phone,
                "dentist_id": visit.dentist.id,
                "appointment_date": day,
                "appointment_time": _clock(visit.start),
                "duration": visit.quarters * 15,
                "service_requested": ", ".join(names),
                "reason": rng.choice(visit.kind.reasons),
                "status": status,
                "type": visit.type,
                "treatment_notes": (
                    rng.choice(VISIT_NOTES)
                    if status == "completed" and rng.random() < 0.6
                    else None
                ),
                "cancellation_reason": reason,
                "cancelled_by": cancelled_by,
                "confirmed_by": confirmed_by,
                "completed_by": completed_by,
                "created_by": creator,
                "version": 1,
                "updated_by": updated_by,
                "created_at": created,
                "updated_at": updated,
            },
        )
        completed_at = end_at if status == "completed" else None
        for line in visit.lines:
            spec = line.service.spec
            self.writer.add(
                _LINES,
                {
                    "id": new_uuid(rng),
                    "appointment_id": visit.id,
                    "service_id": line.service.id,
                    "service_name": spec.name,
                    "pricing_model": spec.pricing_model,
                    "teeth_selected": list(line.teeth) if line.teeth else None,
                    "surfaces": line.surfaces,
                    "quantity": line.quantity,
                    "unit_price": spec.price,
                    "subtotal": line.subtotal,
                    "treatment_notes": line.detail if completed_at else None,
                    "completed_at": completed_at,
                    "created_at": created,
                },
            )

    def _complete(self, visit: Visit, day: date) -> None:
        """Chart, bill and book out the supplies of a completed visit."""
        rng = self.rng
        patient = visit.patient
        end_at = self._at(day, visit.start + visit.quarters * 15)
        dentist = visit.dentist.id
        usage: dict[str, tuple[int, str]] = {}
        for line in visit.lines:
            spec = line.service.spec
            if line.teeth and spec.tooth_chart_use == REQUIRED:
                self.writer.add(
                    _TREATMENTS,
                    {
                        "id": new_uuid(rng),
                        "patient_id": patient.id,
                        "service_id": line.service.id,
                        "service_name": spec.name,
                        "treatment_date": day,
                        "detail": line.detail,
                        "teeth_fdi": list(line.teeth),
                        "surfaces": line.surfaces,
                        "appointment_id": visit.id,
                        "completed_by": dentist,
                        "created_at": end_at,
                    },
                )
                (patient.missing if spec.extraction else patient.treated).update(line.teeth)
                patient.last_treated = end_at
                patient.charted_by = dentist
            multiplier = line.quantity if spec.pricing_model in (PER_SESSION, PER_FILM) else 1
            for supply in spec.supplies:
                amount = supply.quantity * multiplier
                if supply.per_tooth:
                    amount += supply.per_tooth * len(line.teeth)
                before = usage.get(supply.item, (0, spec.name))
                usage[supply.item] = (before[0] + amount, before[1])
        if visit.kind.key == "braces":
            self.ortho.append((visit.patient_index, day))
        elif visit.kind.key == "retainer":
            self.ortho = [entry for entry in self.ortho if entry[0] != visit.patient_index]

        self.biller.bill(
            appointment_id=visit.id,
            patient_id=patient.id,
            patient_name=patient.full_name,
            patient_email=patient.email,
            senior=visit.age >= 60,
            day=day,
            ended=end_at,
            lines=[
                BillLine(
                    service_id=line.service.id,
                    service_name=line.service.spec.name,
                    description=line.service.spec.description,
                    pricing_model=line.service.spec.pricing_model,
                    quantity=line.quantity,
                    unit_price=line.service.spec.price,
                    subtotal=line.subtotal,
                    teeth=list(line.teeth) if line.teeth else None,
                    notes=line.detail,
                )
                for line in visit.lines
            ],
        )
        for item, (amount, service_name) in usage.items():
            self.stock.use(item, amount, end_at, visit.id, dentist, service_name)

    # -- charts -----------------------------------------------------------------------------
    @staticmethod
    def chart_row(rng: Random, patient: Patient) -> dict[str, Any]:
        missing = sorted(patient.missing)
        return {
            "id": new_uuid(rng),
            "patient_id": patient.id,
            "missing_teeth": missing,
            "treated_teeth": sorted(patient.treated - patient.missing),
            "disabled_teeth": [],
            "version": 1,
            "updated_by": patient.charted_by,
            "created_at": patient.created_at,
            "updated_at": patient.last_treated or patient.created_at,
        }


def _clock(minutes: int) -> time:
    return time(minutes // 60, minutes % 60)
