"""``dcms bench``: the main operations timed through the service and repository layers.

Inputs are drawn with a seeded random generator from the clinic in the configured
database, so two runs on the same clinic time the same work. Each read is also timed as
hand-written SQL through the raw driver (:mod:`dcms_desktop.data.bench_queries`) so the
cost of the layers shows. ``book_appointment`` books free slots beyond the calendar's end
and removes them afterwards, leaving the clinic as it was.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable
from datetime import date, datetime, time, timedelta

from dcms_desktop.data import cache_keys
from dcms_desktop.data.bench_queries import BenchInputs, RawSql, delete_appointments, draw_inputs
from dcms_desktop.data.bench_queries import table_counts as count_rows
from dcms_desktop.domain.enums import AppointmentType, Role, ToothChartUse
from dcms_desktop.domain.errors import DcmsError
from dcms_desktop.domain.readmodels.people import Actor
from dcms_desktop.services.bench_harness import (
    MIN_RUNS,
    BenchReport,
    BenchResult,
    format_table,
    summarise,
    time_calls,
)
from dcms_desktop.services.bench_startup import STARTUP_RUNS, measure_startup
from dcms_desktop.services.bench_toothchart_launcher import measure_toothchart_paint
from dcms_desktop.services.bench_ui_launcher import run_ui_benchmarks
from dcms_desktop.services.catalog import CatalogService
from dcms_desktop.services.charting import ChartService
from dcms_desktop.services.context import ServiceContext
from dcms_desktop.services.inventory import InventoryService
from dcms_desktop.services.patients import PatientService
from dcms_desktop.services.reports import ReportService
from dcms_desktop.services.scheduling import RequestedService, SchedulingService

__all__ = ["TARGETS_P95_MS", "BenchReport", "format_table", "run_benchmark"]

Progress = Callable[[str, int, int], None]

TARGETS_P95_MS: dict[str, float] = {
    "patient_search": 15,
    "day_schedule": 25,
    "dentist_week": 25,
    "book_appointment": 25,
    "patient_chart": 15,
    "patient_chart_cached": 2,
    "low_stock": 15,
    "revenue_summary": 250,
    "patient_summary": 15,
}


class BenchError(DcmsError):
    """The database holds no clinic to measure."""


def clinic_size(rows: dict[str, int]) -> str:
    """The demo size a clinic of these counts matches ("custom" when none does)."""
    patients = rows.get("patients", 0)
    if patients >= 90_000:
        return "large"
    if patients >= 15_000:
        return "medium"
    if patients >= 250:
        return "small"
    return "custom"


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


class _Bench:
    def __init__(self, context: ServiceContext, inputs: BenchInputs, actor: Actor, seed: int):
        self.context = context
        self.inputs = inputs
        self.actor = actor
        self.rng = random.Random(seed)
        self.raw = RawSql(context.database)

    # -- inputs -------------------------------------------------------------------------------
    def search_texts(self, count: int) -> list[str]:
        texts = []
        for _ in range(count):
            patient = self.rng.choice(self.inputs.patients)
            kind = self.rng.choice(("last", "first_last", "email", "phone"))
            if kind == "last":
                texts.append(patient.last_name[: self.rng.randint(2, 4)])
            elif kind == "first_last":
                texts.append(f"{patient.first_name} {patient.last_name[:2]}")
            elif kind == "email":
                texts.append(patient.email[: self.rng.randint(3, 6)])
            else:
                digits = "".join(c for c in (patient.phone or "") if c.isdigit())
                texts.append(digits[:7] or patient.last_name[:3])
        return texts

    def days(self, count: int) -> list[date]:
        span = (self.inputs.last_day - self.inputs.first_day).days
        return [
            self.inputs.first_day + timedelta(days=self.rng.randint(0, max(span, 0)))
            for _ in range(count)
        ]

    # -- operations ---------------------------------------------------------------------------
    def read(
        self,
        name: str,
        runs: int,
        call: Callable[[int], object],
        raw: Callable[[int], object] | None,
        before_each: Callable[[int], object] | None = None,
    ) -> BenchResult:
        samples = time_calls(call, runs=runs, before_each=before_each)
        raw_samples = time_calls(raw, runs=runs) if raw is not None else None
        return summarise(
            name, samples, raw_samples=raw_samples, target_p95_ms=TARGETS_P95_MS.get(name)
        )

    def patient_search(self, runs: int) -> BenchResult:
        texts = self.search_texts(runs + 5)
        service = PatientService(self.context)
        return self.read(
            "patient_search",
            runs,
            lambda i: service.search(self.actor, texts[i]),
            lambda i: self.raw.patient_search(texts[i]),
        )

    def day_schedule(self, runs: int) -> BenchResult:
        days = self.days(runs + 5)
        service = SchedulingService(self.context)
        return self.read(
            "day_schedule",
            runs,
            lambda i: service.day_schedule(self.actor, days[i]),
            lambda i: self.raw.day_schedule(days[i]),
        )

    def dentist_week(self, runs: int) -> BenchResult:
        weeks = [
            (self.rng.choice(self.inputs.dentist_ids), _monday(d)) for d in self.days(runs + 5)
        ]
        service = SchedulingService(self.context)
        return self.read(
            "dentist_week",
            runs,
            lambda i: service.dentist_week(self.actor, *weeks[i]),
            lambda i: self.raw.dentist_week(*weeks[i]),
        )

    def patient_chart(self, runs: int) -> tuple[BenchResult, BenchResult]:
        patients = [self.rng.choice(self.inputs.patients) for _ in range(runs + 5)]
        service = ChartService(self.context)

        def drop(i: int) -> None:
            self.context.cache.delete(cache_keys.patient_chart(patients[i].email))

        cold = self.read(
            "patient_chart",
            runs,
            lambda i: service.patient_chart(self.actor, patients[i].id),
            lambda i: self.raw.patient_chart(patients[i].id),
            before_each=drop,
        )
        for patient in patients:
            service.patient_chart(self.actor, patient.id)
        warm = self.read(
            "patient_chart_cached",
            runs,
            lambda i: service.patient_chart(self.actor, patients[i].id),
            None,
        )
        return cold, warm

    def low_stock(self, runs: int) -> BenchResult:
        service = InventoryService(self.context)
        return self.read(
            "low_stock",
            runs,
            lambda i: service.low_stock(self.actor),
            lambda i: self.raw.low_stock(),
        )

    def revenue_summary(self, runs: int) -> BenchResult:
        service = ReportService(self.context)
        return self.read(
            "revenue_summary",
            runs,
            lambda i: service.revenue_summary(self.actor),
            lambda i: self.raw.revenue_summary(),
        )

    def patient_summary(self, runs: int) -> BenchResult:
        patients = [self.rng.choice(self.inputs.patients).id for _ in range(runs + 5)]
        service = ReportService(self.context)
        return self.read(
            "patient_summary",
            runs,
            lambda i: service.patient_summary(self.actor, patients[i]),
            lambda i: self.raw.patient_summary(patients[i]),
        )

    def book_appointment(self, runs: int) -> BenchResult:
        """Book free one-hour slots after the calendar's last day, then remove them."""
        scheduling = SchedulingService(self.context)
        catalogue = CatalogService(self.context).list_active(self.actor)
        plain = [s for s in catalogue if s.tooth_chart_use is not ToothChartUse.REQUIRED]
        dentists = self.inputs.dentist_ids
        patients = self.inputs.patients
        first_free = max(self.inputs.last_day, self.context.local_now().date()) + timedelta(days=7)
        slots_per_day = 8
        booked: list[uuid.UUID] = []

        def book(i: int) -> None:
            dentist = dentists[i % len(dentists)]
            slot = i // len(dentists)
            day = first_free + timedelta(days=slot // slots_per_day)
            start = datetime.combine(day, time(9 + slot % slots_per_day))
            service = plain[i % len(plain)]
            appointment = scheduling.book_appointment(
                self.actor,
                patient_id=patients[i % len(patients)].id,
                dentist_id=dentist,
                start=start,
                duration=60,
                services=[RequestedService(service.id)],
                type=AppointmentType.REGULAR,
                reason="Benchmark booking",
            )
            booked.append(appointment.id)

        try:
            samples = time_calls(book, runs=runs)
        finally:
            with self.context.uow() as uow:
                delete_appointments(uow.session, booked)
                uow.commit()
        return summarise(
            "book_appointment", samples, target_p95_ms=TARGETS_P95_MS["book_appointment"]
        )

    def close(self) -> None:
        self.raw.close()


def run_benchmark(
    context: ServiceContext,
    *,
    runs: int = 60,
    seed: int = 7,
    progress: Progress | None = None,
    allow_fewer_runs: bool = False,
    startup_runs: int = STARTUP_RUNS,
    screens: bool = True,
) -> BenchReport:
    """Time every operation ``runs`` times (at least 50 unless a test asks for fewer).

    The start-up figures (``startup_to_signin_ms``, ``signin_to_main_ms``) start the app
    in a subprocess each time, so they take ``min(startup_runs, runs)`` runs (5 by
    default; 0 leaves them out). The screen figures (``day_view_render``,
    ``patient_search_ui``) are measured by the Qt side in a subprocess too
    (:mod:`dcms_desktop.services.bench_ui_launcher`); ``screens=False`` leaves them out.
    """
    if runs < MIN_RUNS and not allow_fewer_runs:
        runs = MIN_RUNS
    report_progress = progress or (lambda phase, done, total: None)
    with context.uow(write=False) as uow:
        rows = count_rows(uow.session)
        inputs = draw_inputs(uow.session, random.Random(seed))
    if not inputs.patients or not inputs.dentist_ids or inputs.admin_id is None:
        raise BenchError(
            "The database holds no clinic to measure: fill it first with `dcms demo --size medium`."
        )
    actor = Actor(inputs.admin_id, "bench@dcms.invalid", Role.ADMIN, "Benchmark")
    bench = _Bench(context, inputs, actor, seed)
    steps: list[Callable[[], list[BenchResult]]] = [
        lambda: [bench.patient_search(runs)],
        lambda: [bench.day_schedule(runs)],
        lambda: [bench.dentist_week(runs)],
        lambda: [bench.book_appointment(runs)],
        lambda: list(bench.patient_chart(runs)),
        lambda: [bench.low_stock(runs)],
        lambda: [bench.revenue_summary(runs)],
        lambda: [bench.patient_summary(runs)],
    ]
    if startup_runs > 0:
        steps.append(lambda: measure_startup(context.database.url, runs=min(startup_runs, runs)))
    if screens:
        steps.append(
            lambda: run_ui_benchmarks(
                context.database.url,
                day=inputs.busiest_day,
                actor=actor,
                texts=bench.search_texts(runs + 5),
                runs=runs,
            )
        )
        steps.append(lambda: [measure_toothchart_paint(runs)])
    report = BenchReport(backend=context.database.backend, size=clinic_size(rows), rows=rows)
    try:
        for done, step in enumerate(steps):
            report_progress("Benchmark", done, len(steps))
            report.results.extend(step())
        report_progress("Benchmark", len(steps), len(steps))
    finally:
        bench.close()
    return report
