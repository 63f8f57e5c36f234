"""The revenue tab on the small demo clinic (SQLite): it shows what the service reports,
its filters reload it, a bad period is refused next to the filters, exports write the
files; rendered at the size it has in the main window at 1366×768 (DCMS_SCREENSHOT_DIR)."""

from __future__ import annotations

import csv
import io
import shutil
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from pypdf import PdfReader
from PySide6.QtCore import QDate, Qt

from dcms_desktop.data.cache import MemoryCache
from dcms_desktop.data.engine import create_database
from dcms_desktop.data.events import LocalEventBus
from dcms_desktop.domain.money import format_money
from dcms_desktop.domain.readmodels.people import Actor
from dcms_desktop.services.context import ServiceContext
from dcms_desktop.services.demo import DemoSummary, generate_demo
from dcms_desktop.services.reports import ReportService
from dcms_desktop.views.main_window import MainWindow, StatusInfo
from dcms_desktop.views.reports.revenue_tab import RevenueTab, default_period

WAIT = 10_000


@pytest.fixture(scope="module")
def demo_template(
    tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path
) -> tuple[Path, DemoSummary]:
    path = tmp_path_factory.mktemp("revenue-demo") / "small.db"
    shutil.copyfile(sqlite_template, path)
    database = create_database(f"sqlite:///{path}")
    summary = generate_demo(database, "small")
    database.dispose()
    return path, summary


@pytest.fixture
def desk(tmp_path: Path, demo_template) -> Iterator[tuple[ServiceContext, Actor, DemoSummary]]:
    template, summary = demo_template
    path = tmp_path / "clinic.db"
    shutil.copyfile(template, path)
    database = create_database(f"sqlite:///{path}")
    context = ServiceContext(database, MemoryCache(), LocalEventBus(), "ws-admin")
    with context.uow(write=False) as uow:
        user = uow.users.by_email(summary.credentials["admin"])
    assert user is not None
    yield context, Actor(user.id, user.email, user.role, user.display_name), summary
    database.dispose()


def open_tab(qtbot, desk) -> RevenueTab:
    context, actor, summary = desk
    with_loaded = RevenueTab(context, actor, today=summary.today)
    qtbot.addWidget(with_loaded)
    with qtbot.waitSignal(with_loaded.loaded, timeout=WAIT):
        with_loaded.resize(1176, 690)  # the work area of the main window at 1366×768
        with_loaded.show()
    return with_loaded


def test_the_tab_shows_the_last_twelve_months_as_the_service_reports_them(
    qtbot, desk, screenshot
) -> None:
    context, actor, summary = desk
    tab = open_tab(qtbot, desk)
    start, end = default_period(summary.today)
    assert (start.day, end) == (1, summary.today)
    assert tab.period() == (start, end)
    expected = ReportService(context).revenue_report(actor, start, end)
    report = tab.report
    assert report is not None
    assert report.months == expected.months and report.totals == expected.totals
    assert len(report.months) == 12
    assert expected.totals.bills > 0
    money = lambda amount: format_money(amount, expected.currency)  # noqa: E731
    assert tab.figures["revenue"].value.text() == money(expected.totals.revenue)
    assert tab.figures["pending"].value.text() == money(expected.totals.pending)
    # Twelve months and the totals row, whose figures are the report's totals.
    model = tab.month_model
    assert model.rowCount() == 13
    last = model.rowCount() - 1
    assert model.index(last, 0).data() == "Total"
    assert model.index(last, 2).data() == money(expected.totals.revenue)
    assert model.index(last, 0).data(Qt.ItemDataRole.FontRole).bold()
    assert tab.dentist_model.rowCount() == len(expected.by_dentist) > 0
    assert tab.category_model.rowCount() == len(expected.by_category) > 0
    assert tab.export_pdf_button.isEnabled() and tab.export_csv_button.isEnabled()
    assert not tab.busy.isVisible()
    # Every figure fits: no card and no table column cut short.
    for figure in tab.figures.values():
        assert figure.value.sizeHint().width() <= figure.value.width()
    qtbot.wait(100)  # the chart lays out its legend and axes on the next turn of the loop
    shot = screenshot(tab, "revenue_tab")
    assert shot.exists()
    tab.breakdown.setCurrentIndex(1)
    qtbot.wait(50)
    screenshot(tab, "revenue_tab_categories")


def test_the_tab_in_the_main_window_at_1366x768(qtbot, desk, screenshot) -> None:
    context, actor, summary = desk
    tab = RevenueTab(context, actor, today=summary.today)
    window = MainWindow(
        "DCMS Desktop — demo clinic",
        StatusInfo(
            database="SQLite demo-clinic.db",
            sync="Live sync: this workstation only",
            workstation="Workstation: ws-admin",
            user=actor.display_name,
        ),
        pages={"reports": tab},
        role=actor.role,
    )
    qtbot.addWidget(window)
    with qtbot.waitSignal(tab.loaded, timeout=WAIT):
        window.resize(1366, 768)
        window.show()
        window.show_section([s.key for s in window.sections].index("reports"))
    qtbot.waitExposed(window)
    qtbot.wait(100)
    assert tab.isVisible()
    # The tables are not squeezed: each shows at least a few rows.
    assert tab.month_table.viewport().height() >= 3 * 24
    assert tab.chart.height() >= 200
    screenshot(window, "revenue_tab_window")


def test_choosing_a_category_reloads_the_report_with_that_categorys_lines(qtbot, desk) -> None:
    context, actor, _summary = desk
    tab = open_tab(qtbot, desk)
    categories = [tab.category_combo.itemText(i) for i in range(tab.category_combo.count())]
    assert categories[0] == "All categories" and "Orthodontics" in categories
    with qtbot.waitSignal(tab.loaded, timeout=WAIT) as shown:
        tab.category_combo.setCurrentIndex(categories.index("Orthodontics"))
    report = shown.args[0]
    assert report.category == "Orthodontics" and report.counts_lines
    start, end = tab.period()
    expected = ReportService(context).revenue_report(actor, start, end, category="Orthodontics")
    assert report.totals == expected.totals
    assert tab.figures["revenue"].caption.text() == "Services billed"
    assert [r.category for r in report.by_category] == ["Orthodontics"]
    assert "Orthodontics" in tab.message.text() and not tab.message.property("error")


def test_choosing_a_dentist_shows_only_that_dentists_bills(qtbot, desk, screenshot) -> None:
    tab = open_tab(qtbot, desk)
    with qtbot.waitSignal(tab.loaded, timeout=WAIT) as shown:
        tab.dentist_combo.setCurrentIndex(1)
    report = shown.args[0]
    assert report.dentist_id == tab.dentist_combo.itemData(1)
    assert [d.dentist_name for d in report.by_dentist] == [report.dentist_name]
    assert tab.dentist_model.rowCount() == 1
    qtbot.wait(100)
    screenshot(tab, "revenue_tab_one_dentist")


def test_a_period_that_ends_before_it_starts_is_refused_and_keeps_the_figures(
    qtbot, desk, screenshot
) -> None:
    tab = open_tab(qtbot, desk)
    shown = tab.report
    tab.date_to.setDate(QDate(2000, 1, 1))
    tab.refresh()
    assert tab.message.isVisible() and tab.message.property("error")
    assert "“To” is before “From”" in tab.message.text()
    assert tab.report is shown
    assert not tab.export_pdf_button.isEnabled()
    assert not tab.busy.isVisible()
    qtbot.wait(50)
    screenshot(tab, "revenue_tab_bad_period")


def test_an_empty_period_says_so_and_shows_zeros(qtbot, desk) -> None:
    tab = open_tab(qtbot, desk)
    with qtbot.waitSignal(tab.loaded, timeout=WAIT) as shown:
        tab.date_from.setDate(QDate(2001, 1, 1))
        tab.date_to.setDate(QDate(2001, 3, 31))
    assert shown.args[0].totals.bills == 0
    assert "No bills in this period" in tab.message.text()
    assert tab.figures["bills"].value.text() == "0"


def test_export_pdf_and_csv_write_the_report_on_screen(qtbot, desk, tmp_path: Path) -> None:
    tab = open_tab(qtbot, desk)
    report = tab.report
    assert report is not None
    asked: list[str] = []

    def answer(_parent, _title, suggested, _filters) -> str:
        asked.append(suggested)
        return str(tmp_path / Path(suggested).stem)  # no suffix typed: the tab adds it

    tab.ask_save_path = answer
    with qtbot.waitSignal(tab.exported, timeout=WAIT) as written:
        tab.export_pdf_button.click()
    pdf = Path(written.args[0])
    assert pdf.suffix == ".pdf" and asked[0].startswith(f"revenue-{report.date_from}")
    text = " ".join(page.extract_text() for page in PdfReader(str(pdf)).pages)
    flat = " ".join(text.split())
    total = report.totals
    assert f"Total {total.bills:,} {format_money(total.revenue, report.currency)}" in flat
    assert "Saved to" in tab.message.text()

    with qtbot.waitSignal(tab.exported, timeout=WAIT) as written:
        tab.export_csv_button.click()
    rows = list(csv.DictReader(io.StringIO(Path(written.args[0]).read_text("utf-8-sig"))))
    (total_row,) = [r for r in rows if r["section"] == "total"]
    assert Decimal(total_row["revenue"]) == total.revenue


def test_a_cancelled_save_dialog_writes_nothing(qtbot, desk, tmp_path: Path) -> None:
    tab = open_tab(qtbot, desk)
    tab.ask_save_path = lambda *_args: None
    tab.export_csv_button.click()
    qtbot.wait(50)
    assert not tab.busy.isVisible() and list(tmp_path.glob("*.csv")) == []


def test_every_filter_has_a_mnemonic_label_and_takes_the_keyboard(qtbot, desk) -> None:
    from PySide6.QtWidgets import QLabel

    tab = open_tab(qtbot, desk)
    buddies = {label.buddy(): label.text() for label in tab.findChildren(QLabel) if label.buddy()}
    for control in (tab.date_from, tab.date_to, tab.dentist_combo, tab.category_combo):
        assert "&" in buddies[control]
        assert control.focusPolicy() & Qt.FocusPolicy.TabFocus
    for button in (tab.export_pdf_button, tab.export_csv_button):
        assert "&" in button.text() and button.focusPolicy() & Qt.FocusPolicy.TabFocus


def test_ten_years_of_figures_still_fit_their_cards(qtbot, desk, screenshot) -> None:
    """A stand-in for the large clinic: the real service's report with its totals scaled up
    to what ten years of a big clinic bill (hundreds of millions)."""
    from dataclasses import replace

    context, actor, summary = desk

    class TenYears(ReportService):
        def revenue_report(self, *args, **kwargs):  # type: ignore[no-untyped-def]
            report = super().revenue_report(*args, **kwargs)
            totals = replace(
                report.totals,
                bills=1_234_567,
                revenue=Decimal("471157422.40"),
                paid=Decimal("467326182.85"),
            )
            return replace(report, totals=totals)

    tab = RevenueTab(context, actor, service=TenYears(context), today=summary.today)
    qtbot.addWidget(tab)
    with qtbot.waitSignal(tab.loaded, timeout=WAIT):
        tab.resize(1176, 690)
        tab.show()
    qtbot.wait(50)
    for figure in tab.figures.values():
        shown = figure.value
        assert shown.fontMetrics().horizontalAdvance(shown.text()) <= shown.width()
    assert tab.figures["revenue"].value.text().endswith("471,157,422.40")
    screenshot(tab, "revenue_tab_large_figures")


def test_a_bill_raised_on_another_workstation_reloads_the_figures(qtbot, desk) -> None:
    from dcms_desktop.domain.pricing import compute_totals
    from dcms_desktop.domain.readmodels.billing import NewBill, NewBillItem

    context, _actor, summary = desk
    tab = open_tab(qtbot, desk)
    before = tab.report
    assert before is not None
    item = NewBillItem(
        service_id=None,
        service_name="Night-guard",
        pricing_model="Per Session",
        quantity=1,
        unit_price=Decimal("1000.00"),
        subtotal=Decimal("1000.00"),
    )
    with qtbot.waitSignal(tab.loaded, timeout=WAIT) as shown, context.uow() as uow:
        bill = uow.bills.add(
            NewBill(
                patient_id=None,
                patient_name="Walk-in Patient",
                patient_email="walk.in@example.org",
                appointment_date=summary.today,
                totals=compute_totals([item.subtotal]),
                items=(item,),
            ),
            generated_by=None,
        )
        uow.announce("bill", bill.id, "created")
        uow.commit()
    after = shown.args[0]
    assert after.totals.bills == before.totals.bills + 1
    assert after.totals.revenue == before.totals.revenue + Decimal("1000.00")
