"""Demo clinics: a seeded, deterministic generator of a believable dental clinic.

``generate_demo(database, "small")`` fills an empty database with the Bright Smile Dental
Clinic: an admin, dentists and receptionists; patients with names, phones, birthdays,
addresses and medical histories; a catalogue of real dental services; an appointment book
covering the past and the coming month; bills and payments; a stock room with its
movements and restock requests; and tooth charts that agree with the treatments done.

The same seed and the same ``today`` give the same clinic, row for row. Everything is
written in one transaction through :mod:`dcms_desktop.data.bulk` (COPY on PostgreSQL), in
chunks, so memory stays bounded; ``progress(phase, done, total)`` reports each phase.

Sizes (ARCHITECTURE.md / issue 2): ``small`` 4 dentists, 300 patients, the last 3 months
and the next month; ``medium`` 10 dentists, 20,000 patients, 5 years (~150,000
appointments); ``large`` 25 dentists, 100,000 patients, 10 years (~750,000). ``tiny`` is
for tests that need a clinic in a second.

The clinic's wall clock: dates and start times are local (naive), as the appointment book
shows them; timestamps are aware UTC moments of those local times, at the workstation's
current UTC offset unless ``utc_offset_minutes`` says otherwise. "Now" on the demo's
``today``, when given, is at 11:40, so that day has finished, running and coming visits;
otherwise "now" is the real time of day.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from random import Random
from typing import Any, Literal

from sqlalchemy import Connection, bindparam, literal, select, text, update

from dcms_desktop.data.bulk import BulkWriter, bulk_writer
from dcms_desktop.data.engine import Database
from dcms_desktop.data.models import (
    AuditEntry,
    Base,
    ClinicSettings,
    InventoryItem,
    InvoiceCounter,
    Service,
    ServiceInventoryMapping,
    ToothChart,
    User,
)
from dcms_desktop.domain.errors import ConflictError
from dcms_desktop.services.demo_billing import Biller
from dcms_desktop.services.demo_catalogue import ITEMS, SERVICES
from dcms_desktop.services.demo_people import (
    CLINIC_DOMAIN,
    NameMaker,
    PeopleMaker,
    Staff,
    moment,
    new_uuid,
)
from dcms_desktop.services.demo_schedule import ScheduleMaker
from dcms_desktop.services.demo_stock import StockBook
from dcms_desktop.services.demo_visits import CatalogueService
from dcms_desktop.services.passwords import hash_password

log = logging.getLogger(__name__)

Progress = Callable[[str, int, int], None]
SizeName = Literal["tiny", "small", "medium", "large"]

DEMO_PASSWORD = "bright smile demo clinic"  # a passphrase, as the sign-in policy asks
"""The password of every demo staff account; shown on the sign-in screen of a demo only."""

CLINIC_NAME = "Bright Smile Dental Clinic"
TAX_RATE = Decimal("12.00")
CURRENCY = "PHP"
PAYMENT_TERMS_DAYS = 30
NOW_MINUTES = 11 * 60 + 40


@dataclass(frozen=True)
class DemoSize:
    """How big a demo clinic is and how far its appointment book reaches."""

    dentists: int
    patients: int
    past_days: int
    future_days: int
    visits_per_day: float
    """Average visits a dentist sees on a working day."""
    years_before: int
    """How long before the book's first day the earliest patients registered."""


SIZES: dict[str, DemoSize] = {
    "tiny": DemoSize(2, 60, 21, 10, 4.0, 1),
    "small": DemoSize(4, 300, 91, 30, 4.5, 3),
    "medium": DemoSize(10, 20_000, 5 * 365 + 1, 30, 11.0, 1),
    "large": DemoSize(25, 100_000, 10 * 365 + 2, 30, 11.0, 1),
}


@dataclass(frozen=True)
class DemoSummary:
    """What was written, and how to sign in."""

    size: str
    seed: int
    today: date
    row_counts: dict[str, int]
    credentials: dict[str, str]
    """Role -> email of one account per staff role: admin, dentist, staff."""
    password: str
    seconds: float


class DemoRefusedError(ConflictError):
    """The database already holds data and the caller did not ask to replace it."""


def _noop(phase: str, done: int, total: int) -> None:
    del phase, done, total


def demo_exists(database: Database) -> bool:
    """True when the database already holds a clinic (any user): don't fill it again."""
    with database.engine.connect() as conn:
        return conn.execute(select(User.id).limit(1)).first() is not None


def _rows_present(conn: Connection) -> list[str]:
    return [
        table.name
        for table in Base.metadata.sorted_tables
        if conn.execute(select(literal(1)).select_from(table).limit(1)).first() is not None
    ]


def _clear(conn: Connection) -> None:
    tables = Base.metadata.sorted_tables
    if conn.dialect.name == "postgresql":
        names = ", ".join(f'"{t.name}"' for t in tables)
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    else:
        for table in reversed(tables):
            conn.execute(table.delete())


def _local_offset_minutes() -> int:
    offset = datetime.now().astimezone().utcoffset()
    return int(offset.total_seconds() // 60) if offset else 0


def _minutes_now() -> int:
    """Minutes since midnight on the workstation's clock."""
    now = datetime.now()
    return now.hour * 60 + now.minute


def generate_demo(
    database: Database,
    size: SizeName | str,
    *,
    seed: int = 42,
    today: date | None = None,
    replace: bool = False,
    progress: Progress | None = None,
    utc_offset_minutes: int | None = None,
) -> DemoSummary:
    """Fill ``database`` with a demo clinic of ``size``; see the module docstring.

    Refuses (``DemoRefusedError``) a database that already holds data unless ``replace``
    is set, in which case everything in it is deleted first, in the same transaction.
    """
    if size not in SIZES:
        raise ValueError(f"unknown demo size {size!r}: use small, medium or large")
    started = time.monotonic()
    report = progress or _noop
    day0 = today or date.today()
    # A demo made for a given day (tests, docs) has its "now" at 11:40, so that day shows
    # finished, running and coming visits; one made today follows the real clock, so no
    # visit later today shows as already done.
    now_minutes = NOW_MINUTES if today is not None else _minutes_now()
    offset = _local_offset_minutes() if utc_offset_minutes is None else utc_offset_minutes
    with bulk_writer(database) as writer:
        conn = writer.connection
        present = _rows_present(conn)
        if present and not replace:
            raise DemoRefusedError(
                "The database already holds a clinic; the demo only fills an empty one. "
                "Replace everything in it with `dcms demo --replace`."
            )
        if present:
            report("Clearing the database", 0, 1)
            _clear(conn)
            report("Clearing the database", 1, 1)
        credentials = _Filler(
            writer, SIZES[size], seed, day0, offset, report, now_minutes=now_minutes
        ).fill()
        writer.flush()
        counts = {t.name: writer.counts.get(t.name, 0) for t in Base.metadata.sorted_tables}
    report("Finishing", 0, 1)
    _analyze(database)
    report("Finishing", 1, 1)
    seconds = time.monotonic() - started
    log.info("demo clinic %s (seed %s) written in %.1f s", size, seed, seconds)
    return DemoSummary(
        size=size,
        seed=seed,
        today=day0,
        row_counts=counts,
        credentials=credentials,
        password=DEMO_PASSWORD,
        seconds=seconds,
    )


def _analyze(database: Database) -> None:
    """Fresh statistics for the query planner, and the SQLite log folded back in."""
    with database.engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            raw = conn.connection.driver_connection
            assert raw is not None
            raw.execute("PRAGMA analysis_limit = 1000")  # sampled: seconds, not minutes
            raw.execute("ANALYZE")
            raw.execute("PRAGMA analysis_limit = 0")
            raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        else:
            conn.execute(text("ANALYZE"))
            conn.commit()


class _Filler:
    """One demo fill: the phases in order, sharing the writer and the clinic's people."""

    def __init__(
        self,
        writer: BulkWriter,
        size: DemoSize,
        seed: int,
        today: date,
        offset: int,
        report: Progress,
        *,
        now_minutes: int = NOW_MINUTES,
    ) -> None:
        self.writer = writer
        self.now_minutes = now_minutes
        self.size = size
        self.seed = seed
        self.today = today
        self.offset = offset
        self.report = report
        self.first_day = today - timedelta(days=size.past_days)
        self.last_day = today + timedelta(days=size.future_days)
        self.opened = self.first_day - timedelta(days=365 * size.years_before)
        self.now = moment(today, now_minutes, offset)

    def _rng(self, stream: str) -> Random:
        # One stream per phase: a change in one phase leaves the others' data alone.
        return Random(f"{self.seed}:{stream}")

    def fill(self) -> dict[str, str]:
        size = self.size
        writer = self.writer
        people_rng = self._rng("people")
        names = NameMaker(people_rng, self.seed)
        people = PeopleMaker(people_rng, names, today=self.today, offset_minutes=self.offset)

        self.report("Clinic and staff", 0, 1)
        password_hash = hash_password(DEMO_PASSWORD)  # once: argon2 is slow on purpose
        since = self.opened - timedelta(days=30)
        staff_count = max(2, round(size.dentists * 2 / 3))
        admins, admin_rows = people.staff("admin", 1, since, password_hash)
        dentists, dentist_rows = people.staff("dentist", size.dentists, since, password_hash)
        staff, staff_rows = people.staff("staff", staff_count, since, password_hash)
        writer.add_all(User.__table__, admin_rows + dentist_rows + staff_rows)
        admin = admins[0]
        writer.add(ClinicSettings.__table__, self._settings_row(names, admin))
        self.report("Clinic and staff", 1, 1)

        patients = people.patients(size.patients, self.opened)
        total = len(patients)
        for index, patient in enumerate(patients):
            writer.add(User.__table__, people.patient_row(patient))
            if index % 1000 == 0:
                self.report("Patients", index, total)
        self.report("Patients", total, total)

        self.report("Services and stock room", 0, 1)
        catalogue_rng = self._rng("catalogue")
        services = self._services(catalogue_rng)
        stock = StockBook(
            self._rng("stock"),
            writer,
            dentists=size.dentists,
            staff=[s.id for s in staff],
            admin=admin.id,
            offset_minutes=self.offset,
            today=self.today,
            now_minutes=self.now_minutes,
        )
        writer.add_all(InventoryItem.__table__, stock.create_items(ITEMS, self.opened))
        writer.add_all(
            ServiceInventoryMapping.__table__, self._mappings(catalogue_rng, services, stock)
        )
        stock.open(self.first_day)
        self.report("Services and stock room", 1, 1)

        schedule_rng = self._rng("schedule")
        biller = Biller(
            self._rng("billing"),
            writer,
            staff=[s.id for s in staff],
            tax_rate=TAX_RATE,
            payment_terms_days=PAYMENT_TERMS_DAYS,
            today=self.today,
            now=self.now,
            offset_minutes=self.offset,
        )
        schedule = ScheduleMaker(
            schedule_rng,
            writer,
            services=services,
            patients=patients,
            dentists=dentists,
            staff=staff,
            biller=biller,
            stock=stock,
            today=self.today,
            now_minutes=self.now_minutes,
            offset_minutes=self.offset,
            visits_per_day=size.visits_per_day,
        )
        days = (self.last_day - self.first_day).days + 1
        for number in range(days):
            day = self.first_day + timedelta(days=number)
            if schedule.is_open(day):
                schedule.run_day(day)
            if number % 7 == 0:
                self.report("Appointments and bills", number, days)
        self.report("Appointments and bills", days, days)

        self.report("Stock room today", 0, 1)
        finals = stock.finish()
        writer.flush()
        item = InventoryItem.__table__
        writer.connection.execute(
            update(item)
            .where(item.c.id == bindparam("item_id"))
            .values(
                current_stock=bindparam("current_stock"),
                last_restocked=bindparam("last_restocked"),
                expiration_date=bindparam("expiration_date"),
                updated_at=bindparam("updated_at"),
            ),
            finals,
        )
        writer.add_all(InvoiceCounter.__table__, biller.counter_rows())
        self.report("Stock room today", 1, 1)

        chart_rng = self._rng("charts")
        for index, patient in enumerate(patients):
            writer.add(ToothChart.__table__, ScheduleMaker.chart_row(chart_rng, patient))
            if index % 2000 == 0:
                self.report("Tooth charts", index, total)
        self.report("Tooth charts", total, total)

        writer.add(AuditEntry.__table__, self._audit_row(admin))
        return {
            "admin": admin.email,
            "dentist": dentists[0].email,
            "staff": staff[0].email,
        }

    # -- rows ---------------------------------------------------------------------------------
    def _settings_row(self, names: NameMaker, admin: Staff) -> dict[str, Any]:
        return {
            "id": 1,
            "clinic_name": CLINIC_NAME,
            "address": names.address(),
            "phone": "+63 2 8555 0100",
            "email": f"hello@{CLINIC_DOMAIN}",
            "tax_id": "TIN 009-123-456-000",
            "tax_rate": TAX_RATE,
            "currency": CURRENCY,
            "invoice_footer": (
                "Thank you for choosing Bright Smile. This is a demo clinic: every name and "
                "figure on this invoice is invented."
            ),
            "payment_terms_days": PAYMENT_TERMS_DAYS,
            "logo_png": None,
            "idle_lock_minutes": 10,
            "schedule_grid_minutes": 15,
            "is_demo": True,
            "version": 1,
            "updated_by": admin.id,
            "updated_at": moment(self.opened, 8 * 60, self.offset),
        }

    def _services(self, rng: Random) -> dict[str, CatalogueService]:
        created = moment(self.opened, 8 * 60 + 30, self.offset)
        services: dict[str, CatalogueService] = {}
        for spec in SERVICES:
            service = CatalogueService(spec, new_uuid(rng))
            services[spec.key] = service
            self.writer.add(
                Service.__table__,
                {
                    "id": service.id,
                    "name": spec.name,
                    "description": spec.description,
                    "category": spec.category,
                    "price": spec.price,
                    "duration": spec.duration,
                    "pricing_model": spec.pricing_model,
                    "tooth_chart_use": spec.tooth_chart_use,
                    "is_active": spec.is_active,
                    "version": 1,
                    "updated_by": None,
                    "created_at": created,
                    "updated_at": created,
                },
            )
        return services

    def _mappings(
        self, rng: Random, services: dict[str, CatalogueService], stock: StockBook
    ) -> list[dict[str, Any]]:
        created = moment(self.opened, 8 * 60 + 45, self.offset)
        alternatives = {
            "composite_a2": ["composite_a3"],
            "anesthetic_lidocaine": ["anesthetic_articaine"],
        }
        rows = []
        for key, service in services.items():
            del key
            for supply in service.spec.supplies:
                rows.append(
                    {
                        "id": new_uuid(rng),
                        "service_id": service.id,
                        "inventory_item_id": stock.by_key[supply.item].id,
                        "quantity_used": Decimal(supply.quantity),
                        "per_tooth_quantity": (
                            Decimal(supply.per_tooth) if supply.per_tooth else None
                        ),
                        "is_required": True,
                        "alternative_items": (
                            [str(stock.by_key[k].id) for k in alternatives[supply.item]]
                            if supply.item in alternatives
                            else None
                        ),
                        "created_at": created,
                    }
                )
        return rows

    def _audit_row(self, admin: Staff) -> dict[str, Any]:
        return {
            "id": new_uuid(self._rng("audit")),
            "at": self.now,
            "user_id": admin.id,
            "user_email": admin.email,
            "workstation": "demo-generator",
            "action": "demo.generate",
            "entity": "clinic",
            "entity_id": None,
            "outcome": "ok",
            "details": {"seed": self.seed, "today": self.today.isoformat()},
        }
