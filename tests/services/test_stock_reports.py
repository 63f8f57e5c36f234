"""The stock report, the movements report and the reconciliation check on both backends:
the figures (value = quantity × cost per category and overall, to the cent), the low and
expiring lists, a period's movements and their totals, the PDFs read back with pypdf, and
`dcms report stock`, `dcms report movements` and `dcms inventory check`."""

from __future__ import annotations

import io
import random
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import text, update

from dcms_desktop.cli import main as dcms
from dcms_desktop.data.bench_queries import draw_inputs
from dcms_desktop.data.cache import MemoryCache
from dcms_desktop.data.engine import Database
from dcms_desktop.data.events import LocalEventBus
from dcms_desktop.data.models import ClinicSettings, InventoryItem
from dcms_desktop.domain.enums import AlertLevel, MovementType, Role
from dcms_desktop.domain.errors import PermissionDeniedError, ValidationError
from dcms_desktop.domain.readmodels.people import Actor
from dcms_desktop.services.bench import BENCH_WARMUP, STOCK_WARMUP, _Bench
from dcms_desktop.services.context import ServiceContext
from dcms_desktop.services.demo import generate_demo
from dcms_desktop.services.stock_reports import StockReportService
from tests.factories import (
    CLINIC_NOW,
    actor_for,
    clinic_clock,
    make_appointment,
    make_dentist,
    make_patient,
    make_user,
    write_session,
)

TODAY = CLINIC_NOW.date()  # Monday 4 March 2030
OPENED = datetime(2030, 2, 20, 9, 0)


def local(*args: int) -> datetime:
    """A wall-clock moment of the clinic, aware."""
    return datetime(*args).astimezone()  # type: ignore[arg-type]


@pytest.fixture
def context(database: Database) -> ServiceContext:
    return ServiceContext(database, MemoryCache(), LocalEventBus(), "test-ws", clock=clinic_clock())


@pytest.fixture
def reports(context: ServiceContext) -> StockReportService:
    return StockReportService(context)


@pytest.fixture
def admin(database: Database):
    with write_session(database) as s:
        s.add(ClinicSettings(id=1, clinic_name="Bright Smile Dental", currency="USD"))
        return actor_for(make_user(s, Role.ADMIN, first_name="Ana", last_name="Reyes"))


def _add(
    context: ServiceContext,
    name: str,
    category: str,
    unit: str,
    cost: str,
    stock: int,
    *,
    min_stock: int = 0,
    expires: date | None = None,
    location: str | None = None,
) -> uuid.UUID:
    with context.uow() as uow:
        item = uow.inventory.add_item(
            name=name,
            category=category,
            unit=unit,
            cost_per_unit=Decimal(cost),
            opening_stock=stock,
            min_stock=min_stock,
            max_stock=max(100, min_stock),
            expiration_date=expires,
            storage_location=location,
            at=OPENED.astimezone(),
        )
        uow.commit()
    return item.id


@pytest.fixture
def shelf(context: ServiceContext, admin) -> dict[str, uuid.UUID]:
    """Two categories of active items, and an inactive one the report leaves out."""
    items = {
        "lidocaine": _add(
            context, "Lidocaine 2%", "Anaesthetics", "box", "12.50", 10, min_stock=5, location="A1"
        ),
        "articaine": _add(
            context,
            "Articaine 4%",
            "Anaesthetics",
            "cartridge",
            "1.35",
            3,
            min_stock=5,
            expires=TODAY + timedelta(days=10),
        ),
        "gloves": _add(context, "Nitrile gloves", "consumables", "box", "7.99", 0, min_stock=2),
        "gauze": _add(
            context, "Gauze 2x2", "consumables", "pack", "0.33", 7, expires=TODAY - timedelta(3)
        ),
        "cups": _add(
            context, "Prophy cups", "consumables", "cup", "0.10", 5, expires=TODAY + timedelta(45)
        ),
        "bibs": _add(
            context, "Bibs", "consumables", "bib", "0.05", 0, expires=TODAY + timedelta(days=5)
        ),
        "old": _add(context, "Old amalgam", "Restorative", "jar", "100.00", 4),
    }
    with write_session(context.database) as s:
        s.execute(
            update(InventoryItem).where(InventoryItem.id == items["old"]).values(is_active=False)
        )
    return items


# -- the stock report -------------------------------------------------------------------------
def test_stock_is_valued_at_quantity_times_cost_per_category_and_overall(
    reports: StockReportService, admin, shelf
) -> None:
    report = reports.stock_report(admin)

    assert report.as_of == TODAY
    assert report.clinic_name == "Bright Smile Dental"
    assert [c.name for c in report.categories] == ["Anaesthetics", "consumables"]
    anaesthetics, consumables = report.categories
    assert [(line.name, line.quantity, line.value) for line in anaesthetics.lines] == [
        ("Articaine 4%", 3, Decimal("4.05")),
        ("Lidocaine 2%", 10, Decimal("125.00")),
    ]
    assert anaesthetics.subtotal == Decimal("129.05")
    assert consumables.subtotal == Decimal("2.81")  # 0 + 0 + 7 × 0.33 + 5 × 0.10
    assert report.grand_total == Decimal("131.86")
    assert report.item_count == 6  # the inactive jar is left out
    assert report.units == 25
    for category in report.categories:
        assert category.subtotal == sum(line.quantity * line.unit_cost for line in category.lines)


def test_the_low_stock_list_is_the_items_at_or_below_minimum_most_urgent_first(
    reports: StockReportService, admin, shelf
) -> None:
    report = reports.stock_report(admin)
    assert [(a.name, a.alert_level) for a in report.low_stock] == [
        ("Nitrile gloves", AlertLevel.CRITICAL),
        ("Bibs", AlertLevel.CRITICAL),  # none left (the domain's rule, even at minimum 0)
        ("Articaine 4%", AlertLevel.LOW),
    ]


def test_expiring_lists_stock_within_30_days_and_expired_stock_apart(
    reports: StockReportService, admin, shelf
) -> None:
    report = reports.stock_report(admin)
    # Bibs expire in 5 days but none are left; prophy cups expire in 45 days.
    assert [(e.name, e.days_left) for e in report.expiring] == [("Articaine 4%", 10)]
    assert [(e.name, e.days_left, e.expired) for e in report.expired] == [("Gauze 2x2", -3, True)]


def test_the_stock_report_pdf_shows_the_clinic_the_date_and_the_same_figures(
    reports: StockReportService, admin, shelf
) -> None:
    text = "\n".join(pages(reports.stock_report_pdf(admin)))
    assert "Bright Smile Dental" in text
    assert "Stock report · 4 March 2030" in text
    for figure in ("$131.86", "$129.05", "$2.81", "$125.00", "$4.05", "$12.50"):
        assert figure in text
    assert "Nitrile gloves" in text and "Critical" in text
    assert "Expired 3 d ago" in text and "in 10 d" in text
    assert "Old amalgam" not in text
    assert "Page 1 of" in text


def test_a_long_stock_report_repeats_its_table_header_and_numbers_every_page(
    context: ServiceContext, reports: StockReportService, admin
) -> None:
    with context.uow() as uow:
        for n in range(90):
            uow.inventory.add_item(
                name=f"Bur {n:02d}",
                category="Burs",
                unit="piece",
                cost_per_unit=Decimal("1.10"),
                opening_stock=n + 1,
            )
        uow.commit()
    report = reports.stock_report(admin)
    assert report.grand_total == Decimal("1.10") * sum(range(1, 91))
    texts = pages(reports.render_stock_pdf(report))
    assert len(texts) >= 3
    for number, page in enumerate(texts, start=1):
        assert "Bright Smile Dental" in page
        assert f"Page {number} of {len(texts)}" in page
    assert all("UNIT COST" in page for page in texts[1:])
    assert "$4,504.50" in "".join(texts)


def test_only_admins_see_the_reports_and_staff_may_run_the_check(
    database: Database, reports: StockReportService, shelf
) -> None:
    with write_session(database) as s:
        staff = actor_for(make_user(s, Role.STAFF))
        patient = actor_for(make_user(s, Role.PATIENT))
    with pytest.raises(PermissionDeniedError):
        reports.stock_report(staff)
    with pytest.raises(PermissionDeniedError):
        reports.movements_report(staff, TODAY, TODAY)
    assert reports.check(staff).clean
    with pytest.raises(PermissionDeniedError):
        reports.check(patient)


# -- the movements report ---------------------------------------------------------------------
@dataclass
class Moves:
    composite: uuid.UUID
    needles: uuid.UUID


@pytest.fixture
def moves(context: ServiceContext, database: Database, admin) -> Moves:
    """Movements around the period 1-3 March 2030 (local days), some just outside it."""
    composite = _add(context, "Composite A2", "Restorative", "capsule", "2.50", 50)
    needles = _add(context, "Needles 27G", "Anaesthetics", "piece", "0.40", 100)
    with write_session(database) as s:
        dentist = make_dentist(s, first_name="Ben", last_name="Cruz")
        patient = make_patient(s, first_name="Maria", last_name="Santos")
        visit = make_appointment(
            s, patient=patient, dentist=dentist, start=datetime(2030, 3, 2, 13, 30)
        )
        dentist_id, visit_id = dentist.id, visit.id
    plan = [
        (needles, -1, MovementType.DEDUCTION, "Used", local(2030, 2, 28, 23, 50), {}),
        (
            composite,
            20,
            MovementType.RESTOCK,
            "Delivery",
            local(2030, 3, 1, 10, 0),
            {"unit_cost": Decimal("2.25")},
        ),
        (
            composite,
            -3,
            MovementType.DEDUCTION,
            "Used for Composite filling",
            local(2030, 3, 2, 14, 0),
            {"reference_id": visit_id, "reference_type": "appointment"},
        ),
        (needles, -10, MovementType.DAMAGED, "Box crushed", local(2030, 3, 3, 23, 30), {}),
        (needles, 5, MovementType.ADJUSTMENT, "Found in drawer", local(2030, 3, 4, 0, 10), {}),
    ]
    with context.uow() as uow:
        for item_id, delta, kind, reason, at, extra in plan:
            uow.inventory.move_stock(
                item_id, delta, kind, reason, performed_by=dentist_id, at=at, **extra
            )
        uow.commit()
    return Moves(composite, needles)


def test_the_movements_of_a_period_are_its_local_days_by_time_with_who_and_what(
    reports: StockReportService, admin, moves: Moves
) -> None:
    report = reports.movements_report(admin, date(2030, 3, 1), date(2030, 3, 3))

    assert [(m.item_name, m.quantity) for m in report.lines] == [
        ("Composite A2", 20),
        ("Composite A2", -3),
        ("Needles 27G", -10),
    ]
    restock, used, damaged = report.lines
    assert (restock.previous_stock, restock.new_stock) == (50, 70)
    assert (restock.unit_cost, restock.total_cost) == (Decimal("2.25"), Decimal("45.00"))
    assert used.performed_by == "Ben Cruz"
    assert used.reference == "Visit of Maria Santos (02 Mar)"
    assert damaged.movement_type is MovementType.DAMAGED
    assert damaged.total_cost == Decimal("4.00")


def test_the_movements_totals_per_type_and_the_value_in_and_out(
    reports: StockReportService, admin, moves: Moves
) -> None:
    report = reports.movements_report(admin, date(2030, 3, 1), date(2030, 3, 3))
    assert [
        (t.movement_type, t.count, t.units_in, t.units_out, t.value_in, t.value_out)
        for t in report.totals
    ] == [
        (MovementType.RESTOCK, 1, 20, 0, Decimal("45.00"), Decimal("0.00")),
        (MovementType.DEDUCTION, 1, 0, 3, Decimal("0.00"), Decimal("7.50")),
        (MovementType.DAMAGED, 1, 0, 10, Decimal("0.00"), Decimal("4.00")),
    ]
    assert (report.value_in, report.value_out) == (Decimal("45.00"), Decimal("11.50"))
    assert (report.units_in, report.units_out, report.movement_count) == (20, 13, 3)
    assert not report.truncated


def test_the_movements_report_of_one_item_or_one_type(
    reports: StockReportService, admin, moves: Moves
) -> None:
    first, last = date(2030, 2, 1), date(2030, 3, 31)
    one_item = reports.movements_report(admin, first, last, item_id=moves.needles)
    assert one_item.item_name == "Needles 27G"
    # The opening stock (20 Feb) and the three movements of the needles.
    assert [m.quantity for m in one_item.lines] == [100, -1, -10, 5]
    damaged = reports.movements_report(admin, first, last, movement_type="damaged")
    assert [m.reason for m in damaged.lines] == ["Box crushed"]
    assert [t.movement_type for t in damaged.totals] == [MovementType.DAMAGED]


def test_a_period_that_ends_before_it_starts_is_refused_on_the_last_day(
    reports: StockReportService, admin
) -> None:
    with pytest.raises(ValidationError) as refused:
        reports.movements_report(admin, date(2030, 3, 3), date(2030, 3, 1))
    assert refused.value.field == "date_to"


def test_the_movements_pdf_lists_the_movements_and_the_same_totals(
    reports: StockReportService, admin, moves: Moves
) -> None:
    text = "\n".join(pages(reports.movements_report_pdf(admin, date(2030, 3, 1), date(2030, 3, 3))))
    assert "Stock movements · 1 March 2030 – 3 March 2030" in text
    assert "3 movements" in text
    for figure in ("$45.00", "$11.50", "$7.50", "$4.00", "+20", "−3", "−10", "50 → 70"):
        assert figure in text
    flowing = " ".join(text.split())  # cells wrap their lines
    assert "Visit of Maria Santos (02 Mar)" in flowing and "Ben Cruz" in flowing
    assert "Found in drawer" not in text  # 00:10 on the 4th: the day after the period
    empty = "\n".join(
        pages(reports.movements_report_pdf(admin, date(2031, 1, 1), date(2031, 1, 2)))
    )
    assert "No stock moved in this period." in empty


# -- the reconciliation check -----------------------------------------------------------------
def test_the_check_counts_every_item_and_finds_stock_changed_behind_the_ledger(
    database: Database, reports: StockReportService, admin, shelf
) -> None:
    check = reports.check(admin)
    assert check.clean and check.item_count == 7
    _break(database, "Gauze 2x2", 3)
    check = reports.check(admin)
    assert [(p.name, p.difference) for p in check.problems] == [("Gauze 2x2", 3)]


def _break(database: Database, name: str, by: int) -> None:
    with write_session(database) as s:
        s.execute(
            text("UPDATE inventory SET current_stock = current_stock + :by WHERE name = :name"),
            {"by": by, "name": name},
        )


def pages(pdf: bytes) -> list[str]:
    assert pdf.startswith(b"%PDF-")
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


# -- the dcms command -------------------------------------------------------------------------
@pytest.fixture
def workstation(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, database_url: str) -> Path:
    monkeypatch.setenv("DCMS_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("DCMS_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("DCMS_DATABASE_URL", database_url)
    monkeypatch.delenv("DCMS_REDIS_URL", raising=False)
    return tmp_path


def test_dcms_report_stock_writes_the_stock_report(workstation: Path, shelf, capsys) -> None:
    target = workstation / "stock.pdf"
    assert dcms(["report", "stock", "-o", str(target)]) == 0
    out = capsys.readouterr().out.strip()
    assert out.startswith("Stock report of ")
    assert out.endswith(f"(6 items, value $131.86, 3 at or below minimum) written to {target}.")
    assert "$131.86" in "".join(pages(target.read_bytes()))


def test_dcms_report_movements_writes_the_period(workstation: Path, moves: Moves, capsys) -> None:
    target = workstation / "moves.pdf"
    argv = ["report", "movements", "--from", "2030-03-01", "--to", "2030-03-03", "-o", str(target)]
    assert dcms(argv) == 0
    assert capsys.readouterr().out.strip() == (
        "Stock movements 01 Mar 2030 to 03 Mar 2030 (3 movements, $45.00 in, $11.50 out) "
        f"written to {target}."
    )
    assert "Box crushed" in "".join(pages(target.read_bytes()))
    assert dcms([*argv, "--type", "restock"]) == 0
    assert "(1 movement, $45.00 in, $0.00 out)" in capsys.readouterr().out


def test_dcms_report_movements_refuses_a_backwards_period_in_one_line(
    workstation: Path, capsys
) -> None:
    assert dcms(["report", "movements", "--from", "2030-03-03", "--to", "2030-03-01"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("dcms: --to is before --from") and err.count("\n") == 1


def test_dcms_inventory_check_exits_0_when_all_reconcile_and_1_naming_each_that_doesnt(
    workstation: Path, database: Database, shelf, capsys
) -> None:
    assert dcms(["inventory", "check"]) == 0
    assert capsys.readouterr().out.strip() == "All 7 items reconcile with their movements."

    _break(database, "Gauze 2x2", 3)
    _break(database, "Prophy cups", -2)
    assert dcms(["inventory", "check"]) == 1
    captured = capsys.readouterr()
    lines = captured.out.strip().splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("Gauze 2x2 (") and lines[0].endswith(
        "stock 10, but its 1 movement add up to 7 (difference +3)"
    )
    assert lines[1].startswith("Prophy cups (") and "(difference -2)" in lines[1]
    assert captured.err.strip() == "dcms: 2 of 7 items don't reconcile with their movements."


# -- the stock benches ------------------------------------------------------------------------
def _clinic_state(context: ServiceContext) -> dict[str, object]:
    """What the benches must leave as they found it."""
    queries = {
        "stock": "SELECT id, current_stock FROM inventory ORDER BY id",
        "movements": "SELECT COUNT(*) FROM stock_movements",
        "requests": "SELECT COUNT(*) FROM restock_requests",
        "bills": "SELECT COUNT(*) FROM bills",
        "appointments": "SELECT COUNT(*) FROM appointments",
        "treatments": "SELECT COUNT(*) FROM tooth_treatments",
    }
    with context.database.engine.connect() as connection:
        return {name: connection.execute(text(sql)).all() for name, sql in queries.items()}


def _audited(context: ServiceContext, action: str) -> int:
    with context.database.engine.connect() as connection:
        return int(
            connection.execute(
                text("SELECT COUNT(*) FROM audit_log WHERE action = :action"), {"action": action}
            ).scalar_one()
        )


def test_the_stock_benches_move_and_complete_then_leave_the_clinic_as_it_was(
    service_context: ServiceContext,
) -> None:
    generate_demo(service_context.database, "tiny", seed=3)
    with service_context.uow(write=False) as uow:
        inputs = draw_inputs(uow.session, random.Random(7))
    assert inputs.admin_id is not None
    actor = actor_for_id(inputs.admin_id)
    bench = _Bench(service_context, inputs, actor, seed=7)
    before = _clinic_state(service_context)
    moves_before = _audited(service_context, "move_stock")
    deductions_before = _audited(service_context, "deduct_supplies")
    try:
        moved = bench.stock_move(3)
        completed = bench.complete_with_deductions(3)
    finally:
        bench.close()

    assert (moved.name, moved.runs, moved.target_p95_ms) == ("stock_move", 3, 20)
    assert (completed.name, completed.runs, completed.target_p95_ms) == (
        "complete_with_deductions",
        3,
        40,
    )
    # The work was really done: every call moved stock, every visit used supplies ...
    assert _audited(service_context, "move_stock") - moves_before == STOCK_WARMUP + 3 + 1
    assert _audited(service_context, "deduct_supplies") - deductions_before == BENCH_WARMUP + 3
    # ... and undone: stock, ledger, requests, bills and the book are as they were.
    assert _clinic_state(service_context) == before
    assert StockReportService(service_context).check(None).clean


def actor_for_id(user_id: uuid.UUID) -> Actor:
    return Actor(user_id, "bench@dcms.invalid", Role.ADMIN, "Benchmark")
