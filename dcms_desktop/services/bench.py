"""``dcms bench``: the main operations timed through the service and repository layers.

Inputs are drawn with a seeded random generator from the clinic in the configured
database, so two runs on the same clinic time the same work. Each read is also timed as
hand-written SQL through the raw driver (:mod:`dcms_desktop.data.bench_queries`) so the
cost of the layers shows. ``book_appointment`` books free slots beyond the calendar's end
and removes them afterwards, leaving the clinic as it was.
"""

from __future__ import annotations

import math
import random
import uuid
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import date, datetime, time, timedelta

from sqlalchemy import Row, delete, func, select, update
from sqlalchemy.orm import Session

from dcms_desktop.data import cache_keys
from dcms_desktop.data.bench_queries import BenchInputs, RawSql, delete_appointments, draw_inputs
from dcms_desktop.data.bench_queries import table_counts as count_rows
from dcms_desktop.data.models import (
    Bill,
    BillItem,
    InventoryItem,
    InvoiceCounter,
    InvoiceDocument,
    Payment,
    RestockRequest,
    StockMovement,
)
from dcms_desktop.domain.enums import (
    AppointmentType,
    MovementType,
    RestockStatus,
    Role,
    ToothChartUse,
)
from dcms_desktop.domain.errors import DcmsError
from dcms_desktop.domain.readmodels.people import Actor
from dcms_desktop.services.bench_harness import (
    MIN_RUNS,
    BenchReport,
    BenchResult,
    format_table,
    summarise,
    time_calls,
    time_pairs,
)
from dcms_desktop.services.bench_startup import STARTUP_RUNS, measure_startup
from dcms_desktop.services.bench_toothchart_launcher import measure_toothchart_paint
from dcms_desktop.services.bench_ui_launcher import run_ui_benchmarks
from dcms_desktop.services.billing import BillingService
from dcms_desktop.services.catalog import CatalogService
from dcms_desktop.services.charting import ChartService
from dcms_desktop.services.context import ServiceContext
from dcms_desktop.services.inventory import InventoryService
from dcms_desktop.services.patients import PatientService
from dcms_desktop.services.reports import ReportService
from dcms_desktop.services.scheduling import RequestedService, SchedulingService

__all__ = ["TARGETS_P95_MS", "BenchReport", "format_table", "run_benchmark"]

Progress = Callable[[str, int, int], None]
BENCH_WARMUP = 5  # time_calls' untimed first calls
STOCK_WARMUP = 6  # even, so the warm-up's ups and downs pair off
COMPLETION_DAYS_AHEAD = 60  # the completion bench's visits, well after book_appointment's
BILL_DAYS_AHEAD = 120  # the generate_bill bench's visits, after the completion bench's

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
    "stock_move": 20,
    "complete_with_deductions": 40,
    "generate_bill": 30,
    "receivables_aging": 500,
    "invoice_pdf": 80,
    "invoice_batch_1000": 60_000,  # one run: 1,000 invoices exported, in total
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
        raw_samples: list[float] | None = None
        if raw is None:
            samples = time_calls(call, runs=runs, before_each=before_each)
        else:
            samples, raw_samples = time_pairs(call, raw, runs=runs, before_each=before_each)
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

    def stock_move(self, runs: int) -> BenchResult:
        """One stock movement per call through ``InventoryService.move_stock``: an
        adjustment up, then one down, on random items above their minimum (so no restock
        request is drafted); afterwards the movements are removed, stock is as it was."""
        inventory = InventoryService(self.context)
        items = [i for i in inventory.items(self.actor) if i.current_stock > i.min_stock]
        if not items:
            raise BenchError("No stock item is above its minimum: nothing to move.")
        picks = [self.rng.choice(items).id for _ in range(runs + STOCK_WARMUP + 1)]
        moved: list[uuid.UUID] = []
        made: list[uuid.UUID] = []

        def move(i: int) -> None:
            up = i % 2 == 0
            item_id = picks[i // 2]
            movement = inventory.move_stock(
                self.actor,
                item_id,
                1 if up else -1,
                MovementType.ADJUSTMENT,
                "Benchmark adjustment" + (" up" if up else " down"),
            )
            moved.append(item_id)
            made.append(movement.id)

        try:
            samples = time_calls(move, runs=runs, warmup=STOCK_WARMUP)
        finally:
            if len(moved) % 2:  # the last one up has not come down yet
                move(len(moved))
            with self.context.uow() as uow:
                _delete_movements(uow.session, made)
                uow.commit()
        return summarise("stock_move", samples, target_p95_ms=TARGETS_P95_MS["stock_move"])

    def _time_completions(
        self, name: str, runs: int, services: list[uuid.UUID], days_ahead: int, reason: str
    ) -> BenchResult:
        """Complete visits of ``services``, timed through ``SchedulingService.complete``
        alone: each is booked on a free slot ``days_ahead`` after the calendar's end and
        started there (untimed, on a clock set to the visit's day). Afterwards everything
        the visits made is removed (movements, restock requests drafted, bills with their
        lines and payments, invoice counters set back) and the visits themselves."""
        started_at = self.context.now()
        clock = _Clock(self.context.now())
        booking = SchedulingService(self.context)
        visits = SchedulingService(replace(self.context, clock=clock))
        dentists = self.inputs.dentist_ids
        patients = self.inputs.patients
        first_free = max(self.inputs.last_day, self.context.local_now().date()) + timedelta(
            days=days_ahead
        )
        slots_per_day = 8
        booked: list[uuid.UUID] = []

        def prepare(i: int) -> None:
            slot = i // len(dentists)
            day = first_free + timedelta(days=slot // slots_per_day)
            start = datetime.combine(day, time(9 + slot % slots_per_day))
            appointment = booking.book_appointment(
                self.actor,
                patient_id=patients[i % len(patients)].id,
                dentist_id=dentists[i % len(dentists)],
                start=start,
                duration=60,
                services=[RequestedService(service_id) for service_id in services],
                type=AppointmentType.REGULAR,
                reason=reason,
            )
            booked.append(appointment.id)
            clock.now = (start + timedelta(minutes=5)).astimezone()
            visits.start(self.actor, appointment.id)
            clock.now = (start + timedelta(minutes=50)).astimezone()

        try:
            samples = time_calls(
                lambda i: visits.complete(self.actor, booked[i]),
                runs=runs,
                warmup=BENCH_WARMUP,
                before_each=prepare,
            )
        finally:
            with self.context.uow() as uow:
                _undo_visits(uow.session, booked, self.actor.user_id, started_at)
                uow.commit()
        return summarise(name, samples, target_p95_ms=TARGETS_P95_MS[name])

    def complete_with_deductions(self, runs: int) -> BenchResult:
        """Complete a visit of three services that use supplies (see
        :meth:`_time_completions`): the stock goes back up afterwards."""
        chosen = self._supplied_services(runs + BENCH_WARMUP)
        if not chosen:
            raise BenchError("No bookable service uses supplies: map some to inventory first.")
        return self._time_completions(
            "complete_with_deductions", runs, chosen, COMPLETION_DAYS_AHEAD, "Benchmark visit"
        )

    def generate_bill(self, runs: int) -> BenchResult:
        """Complete a visit of three services, which raises its bill (see
        :meth:`_time_completions`)."""
        catalogue = CatalogService(self.context).list_active(self.actor)
        plain = [s.id for s in catalogue if s.tooth_chart_use is not ToothChartUse.REQUIRED]
        if len(plain) < 3:
            raise BenchError("Fewer than three services can be booked without teeth.")
        chosen = self.rng.sample(plain, 3)
        return self._time_completions(
            "generate_bill", runs, chosen, BILL_DAYS_AHEAD, "Benchmark bill"
        )

    def receivables_aging(self, runs: int) -> BenchResult:
        """The receivables ageing report at random dates of the clinic's calendar."""
        days = self.days(runs + 5)
        service = BillingService(self.context)
        return self.read(
            "receivables_aging",
            runs,
            lambda i: service.receivables_aging(self.actor, days[i]),
            lambda i: self.raw.receivables_aging(days[i]),
        )

    def invoice_pdf(self, runs: int) -> BenchResult:
        """Render a ten-item invoice (original, A4) of a bill of the clinic: the renderer
        alone, the bills read beforehand."""
        from dataclasses import replace as with_items
        from itertools import cycle, islice

        from dcms_desktop.reports.invoice import render_invoice
        from dcms_desktop.services.invoices import invoice_data

        today = self.context.local_now().date()
        with self.context.uow(write=False) as uow:
            settings = uow.settings.find()
            views = [uow.bills.get(bill_id) for bill_id in self._bill_ids(10)]
        data = [
            invoice_data(view, settings, issue_date=today)
            for view in views
            if view is not None and view.items
        ]
        if not data:
            raise BenchError("The clinic has no bills to print.")
        data = [with_items(d, items=tuple(islice(cycle(d.items), 10))) for d in data]
        return self.read("invoice_pdf", runs, lambda i: render_invoice(data[i % len(data)]), None)

    def invoice_batch(self, count: int = 1000) -> BenchResult:
        """One export of ``count`` bills never issued into a temporary folder (read,
        render original and copy, issue, write), timed as a whole; afterwards the bills are
        put back as they were: not issued, their version and last change as before."""
        import tempfile
        from pathlib import Path
        from time import perf_counter

        from dcms_desktop.services.invoices import InvoiceService

        ids = self._bill_ids(count, unissued=True)
        with self.context.uow(write=False) as uow:
            before = uow.session.execute(
                select(Bill.id, Bill.version, Bill.updated_at, Bill.updated_by).where(
                    Bill.id.in_(ids)
                )
            ).all()
        started_at = self.context.now()
        try:
            with tempfile.TemporaryDirectory(prefix="dcms-bench-invoices-") as folder:
                clock_start = perf_counter()
                InvoiceService(self.context).export_batch(self.actor, ids, Path(folder))
                elapsed_ms = (perf_counter() - clock_start) * 1000
        finally:
            with self.context.uow() as uow:
                _unissue(uow.session, before, started_at)
                uow.commit()
        # One figure under one name; a clinic with fewer bills exports them all, against a
        # target scaled down in proportion.
        return BenchResult(
            name="invoice_batch_1000",
            p50_ms=round(elapsed_ms, 3),
            p95_ms=round(elapsed_ms, 3),
            runs=1,
            target_p95_ms=TARGETS_P95_MS["invoice_batch_1000"] * len(ids) / 1000,
        )

    def _bill_ids(self, count: int, *, unissued: bool = False) -> list[uuid.UUID]:
        """Up to ``count`` bills that aren't cancelled, drawn from the newest few thousand
        (only ones never issued when ``unissued``)."""
        from dcms_desktop.domain.enums import BillStatus
        from dcms_desktop.domain.readmodels.billing import BillFilter

        today = self.context.local_now().date()
        with self.context.uow(write=False) as uow:
            listed = uow.bills.list_bills(BillFilter(limit=max(3 * count, 100)), today)
            ids = [row.id for row in listed.rows if row.status is not BillStatus.CANCELLED]
            if unissued:
                issued = set(
                    uow.session.scalars(
                        select(InvoiceDocument.bill_id).where(InvoiceDocument.bill_id.in_(ids))
                    )
                )
                ids = [bill_id for bill_id in ids if bill_id not in issued]
        return self.rng.sample(ids, min(count, len(ids)))

    def _supplied_services(self, visits: int) -> list[uuid.UUID]:
        """Up to three bookable services with supplies mapped whose items have the stock
        for ``visits`` completions and stay above their minimum; failing that, any three
        with supplies (their shortfalls and drafts are undone afterwards)."""
        catalogue = CatalogService(self.context).list_active(self.actor)
        bookable = {s.id: s for s in catalogue if s.tooth_chart_use is not ToothChartUse.REQUIRED}
        with self.context.uow(write=False) as uow:
            mappings = uow.services.mappings_for(list(bookable))
            stock = {i.id: i for i in uow.inventory.list_items()}
        candidates = [service_id for service_id in bookable if mappings.get(service_id)]
        self.rng.shuffle(candidates)
        need: dict[uuid.UUID, int] = {}
        chosen: list[uuid.UUID] = []
        for service_id in candidates:
            wanted = dict(need)
            for mapping in mappings[service_id]:
                wanted[mapping.item_id] = wanted.get(mapping.item_id, 0) + visits * math.ceil(
                    mapping.quantity_used
                )
            if all(
                item_id in stock and stock[item_id].current_stock - n > stock[item_id].min_stock
                for item_id, n in wanted.items()
            ):
                need, chosen = wanted, [*chosen, service_id]
            if len(chosen) == 3:
                return chosen
        return chosen or candidates[:3]

    def close(self) -> None:
        self.raw.close()


class _Clock:
    """A clock the bench sets by hand (the day of the visit it starts and completes)."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def _delete_movements(session: Session, ids: Sequence[uuid.UUID]) -> None:
    """Remove movements that net to zero per item (the stock_move bench's up-and-downs)."""
    if ids:
        session.execute(delete(StockMovement).where(StockMovement.id.in_(list(ids))))


def _undo_visits(
    session: Session, ids: Sequence[uuid.UUID], actor_id: uuid.UUID, since: datetime
) -> None:
    """Take back what completing the bench's visits did, then remove the visits: the
    stock their movements took goes back and the movements go, restock requests the bench
    drafted go, and so do bills raised for the visits (with their lines and payments)."""
    if not ids:
        return
    visit_ids = list(ids)
    moved = session.execute(
        select(StockMovement.inventory_item_id, func.sum(StockMovement.quantity))
        .where(
            StockMovement.reference_type == "appointment",
            StockMovement.reference_id.in_(visit_ids),
        )
        .group_by(StockMovement.inventory_item_id)
    ).all()
    items = InventoryItem.__table__
    for item_id, quantity in moved:
        session.execute(
            update(items)
            .where(items.c.id == item_id)
            .values(current_stock=items.c.current_stock - int(quantity))
        )
    session.execute(
        delete(StockMovement).where(
            StockMovement.reference_type == "appointment",
            StockMovement.reference_id.in_(visit_ids),
        )
    )
    session.execute(
        delete(RestockRequest).where(
            RestockRequest.requested_by == actor_id,
            RestockRequest.request_date >= since,
            RestockRequest.status == RestockStatus.PENDING.value,
        )
    )
    bills = select(Bill.id).where(Bill.appointment_id.in_(visit_ids))
    session.execute(delete(Payment).where(Payment.bill_id.in_(bills)))
    session.execute(delete(BillItem).where(BillItem.bill_id.in_(bills)))
    session.execute(delete(InvoiceDocument).where(InvoiceDocument.bill_id.in_(bills)))
    session.execute(delete(Bill).where(Bill.appointment_id.in_(visit_ids)))
    _restore_invoice_counters(session)
    delete_appointments(session, visit_ids)


def _restore_invoice_counters(session: Session) -> None:
    """Set each year's invoice counter back to its highest number still on a bill, so the
    numbers the bench's removed bills took are handed out again (no gap)."""
    counters = InvoiceCounter.__table__
    for year, last in session.execute(select(counters.c.year, counters.c.last_number)).all():
        highest = session.scalar(
            select(func.max(Bill.invoice_number)).where(Bill.invoice_number.like(f"{year}-%"))
        )
        kept = int(highest.split("-")[1]) if highest else 0
        if not kept:
            session.execute(delete(counters).where(counters.c.year == year))
        elif kept != last:
            session.execute(
                update(counters).where(counters.c.year == year).values(last_number=kept)
            )


def _unissue(
    session: Session,
    before: Sequence[Row[tuple[uuid.UUID, int, datetime, uuid.UUID | None]]],
    since: datetime,
) -> None:
    """Undo the invoice_batch bench's issues: the stored documents and their audit entries
    go, and each bill gets back its version and last change (``before``: id, version,
    updated_at, updated_by as read before the export)."""
    from sqlalchemy import bindparam

    from dcms_desktop.data.models import AuditEntry
    from dcms_desktop.services.invoices import ISSUE_ACTION

    ids = [row.id for row in before]
    if not ids:
        return
    session.execute(delete(InvoiceDocument).where(InvoiceDocument.bill_id.in_(ids)))
    session.execute(
        delete(AuditEntry).where(
            AuditEntry.entity == "bill",
            AuditEntry.action == ISSUE_ACTION,
            AuditEntry.entity_id.in_([str(bill_id) for bill_id in ids]),
            AuditEntry.at >= since,
        )
    )
    bills = Bill.__table__
    session.execute(
        update(bills)
        .where(bills.c.id == bindparam("bill_id"))
        .values(
            version=bindparam("old_version"),
            updated_at=bindparam("old_updated_at"),
            updated_by=bindparam("old_updated_by"),
        ),
        [
            {
                "bill_id": row.id,
                "old_version": row.version,
                "old_updated_at": row.updated_at,
                "old_updated_by": row.updated_by,
            }
            for row in before
        ],
    )


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
        lambda: [bench.stock_move(runs)],
        lambda: [bench.complete_with_deductions(runs)],
        lambda: [bench.generate_bill(runs)],
        lambda: [bench.receivables_aging(runs)],
        lambda: [bench.invoice_pdf(runs)],
        lambda: [bench.invoice_batch()],
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
