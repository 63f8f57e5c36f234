"""The stock reports tab and the PDF preview, on a tiny demo clinic (SQLite).

Generate runs in the background and shows the PDF; the movements period is checked as it
is picked; Save as PDF writes the very bytes shown, Print prints every page; a failure
says so in words and leaves the last report on screen. Screenshots at 1366×768 less the
window's frame and section list (1176×680).
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from pypdf import PdfReader
from PySide6.QtCore import QBuffer, QByteArray, QDate, QIODevice, QSize, Qt
from PySide6.QtGui import QPixmap
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPrintSupport import QPrinter
from PySide6.QtWidgets import QLabel

from dcms_desktop.domain.errors import DcmsError
from dcms_desktop.domain.readmodels.stock_reports import StockReport
from dcms_desktop.services.stock_reports import StockReportService
from dcms_desktop.views.inventory_reports.stock_reports_tab import PLACEHOLDER, StockReportsTab
from dcms_desktop.views.pdf_preview import PdfPreview
from tests.gui.test_admin_users import WAIT, Clinic, make_demo_file, open_clinic


@pytest.fixture(scope="module")
def demo_file(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path):
    return make_demo_file(tmp_path_factory, sqlite_template)


@pytest.fixture
def clinic(tmp_path: Path, demo_file) -> Iterator[Clinic]:
    with open_clinic(tmp_path, demo_file) as opened:
        yield opened


def _tab(qtbot, clinic: Clinic, **kwargs) -> StockReportsTab:
    tab = StockReportsTab(clinic.context, clinic.admin.actor, today=clinic.demo.today, **kwargs)
    qtbot.addWidget(tab)
    tab.resize(1176, 680)
    tab.show()
    qtbot.waitExposed(tab)
    tab.activateWindow()
    qtbot.waitUntil(tab.isActiveWindow)  # mnemonics and shortcuts need the focus
    return tab


def _generate(qtbot, tab: StockReportsTab) -> None:
    with qtbot.waitSignal(tab.generated, timeout=WAIT):
        qtbot.mouseClick(tab.generate_button, Qt.MouseButton.LeftButton)
    assert not tab.busy_now


def _text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def test_the_tab_opens_on_the_stock_report_and_says_what_to_do(
    qtbot, clinic: Clinic, screenshot
) -> None:
    tab = _tab(qtbot, clinic)
    assert tab.stock_choice.isChecked()
    assert not tab.period.isVisible()  # the stock report has no period
    assert tab.generate_button.isEnabled()
    assert tab.preview.placeholder.isVisible()
    assert tab.preview.placeholder.text() == PLACEHOLDER
    assert not tab.preview.print_button.isEnabled() and not tab.preview.save_button.isEnabled()
    screenshot(tab, "stock_reports_tab_empty")


def test_generate_shows_the_stock_report_in_the_preview(qtbot, clinic: Clinic, screenshot) -> None:
    tab = _tab(qtbot, clinic)
    with qtbot.waitSignal(tab.generated, timeout=WAIT):
        tab.generate()
        # In the background: the screen says so and a second Generate starts nothing.
        assert tab.busy_now and tab.busy.isVisible()
        assert not tab.generate_button.isEnabled()
        assert tab.status.text() == "Making the stock report…"
    assert not tab.busy.isVisible() and tab.generate_button.isEnabled()
    assert not tab.status.isVisible()

    preview = tab.preview
    assert preview.has_document and preview.view.isVisible()
    assert preview.page_count >= 2
    assert preview.pages_label.text() == f"{preview.page_count} pages"
    assert preview.print_button.isEnabled() and preview.save_button.isEnabled()
    text = _text(preview.pdf_bytes() or b"")
    expected = StockReportService(clinic.context).stock_report(clinic.admin.actor)
    assert expected.clinic_name in text
    assert "Value by category" in text
    qtbot.wait(300)  # the view renders its pages in the background
    screenshot(tab, "stock_reports_tab_stock_report")


def test_a_backwards_period_is_refused_next_to_the_dates_until_it_is_fixed(
    qtbot, clinic: Clinic
) -> None:
    tab = _tab(qtbot, clinic)
    tab.movements_choice.setChecked(True)
    assert tab.period.isVisible()
    today = clinic.demo.today
    tab.date_to.setDate(QDate(today.year, today.month, today.day).addDays(-40))
    assert tab.period_message.isVisible()
    assert tab.period_message.text() == "The last day can't be before the first day."
    assert not tab.generate_button.isEnabled()
    tab.generate()  # the shortcut's path: nothing starts either
    assert not tab.busy_now
    tab.date_to.setDate(QDate(today.year, today.month, today.day))
    assert not tab.period_message.isVisible()
    assert tab.generate_button.isEnabled()


def test_the_movements_report_of_a_period_and_a_type(qtbot, clinic: Clinic, screenshot) -> None:
    tab = _tab(qtbot, clinic)
    tab.stock_choice.setFocus()
    qtbot.keyClick(tab.stock_choice, Qt.Key.Key_Right)  # the arrow moves to the next kind
    assert tab.movements_choice.isChecked()
    today = clinic.demo.today
    first = today - timedelta(days=14)
    tab.date_from.setDate(QDate(first.year, first.month, first.day))
    _generate(qtbot, tab)
    text = _text(tab.preview.pdf_bytes() or b"")
    assert f"{first.day} {first:%B %Y}" in text and "Totals" in text
    qtbot.wait(300)
    screenshot(tab, "stock_reports_tab_movements")

    tab.type_combo.setCurrentIndex(tab.type_combo.findText("Restocks"))
    _generate(qtbot, tab)
    assert "restock movements only" in _text(tab.preview.pdf_bytes() or b"")


def test_save_as_pdf_writes_the_bytes_shown_and_ctrl_s_does_the_same(
    qtbot, clinic: Clinic, tmp_path: Path
) -> None:
    tab = _tab(qtbot, clinic)
    _generate(qtbot, tab)
    asked: list[str] = []
    tab.preview.ask_save_path = lambda name: asked.append(name) or str(tmp_path / "stock")
    with qtbot.waitSignal(tab.preview.saved) as saved:
        qtbot.mouseClick(tab.preview.save_button, Qt.MouseButton.LeftButton)
    assert asked == [f"stock-report-{clinic.demo.today.isoformat()}.pdf"]
    assert saved.args == [str(tmp_path / "stock.pdf")]  # .pdf added
    assert (tmp_path / "stock.pdf").read_bytes() == tab.preview.pdf_bytes()
    assert tab.preview.message.text() == f"Saved to {tmp_path / 'stock.pdf'}."

    tab.preview.ask_save_path = lambda name: str(tmp_path / "again.pdf")
    tab.preview.view.setFocus()
    qtbot.keyClick(tab.preview.view, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert (tmp_path / "again.pdf").read_bytes() == tab.preview.pdf_bytes()


def test_saving_where_it_cant_be_written_says_so_and_keeps_the_report(
    qtbot, clinic: Clinic, tmp_path: Path
) -> None:
    tab = _tab(qtbot, clinic)
    _generate(qtbot, tab)
    tab.preview.ask_save_path = lambda name: str(tmp_path / "missing" / "stock.pdf")
    tab.preview.save_as()
    assert tab.preview.message.text().startswith("Could not save stock.pdf")
    assert tab.preview.has_document


def test_print_renders_every_page_to_the_printer_and_ctrl_p_asks_for_one(
    qtbot, clinic: Clinic, tmp_path: Path
) -> None:
    tab = _tab(qtbot, clinic)
    _generate(qtbot, tab)
    target = tmp_path / "printed.pdf"

    def to_file(printer: QPrinter) -> bool:
        printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        printer.setOutputFileName(str(target))
        printer.setResolution(100)
        return True

    tab.preview.ask_printer = to_file
    with qtbot.waitSignal(tab.preview.printed) as printed:
        tab.preview.view.setFocus()
        qtbot.keyClick(tab.preview.view, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)
    assert printed.args == [tab.preview.page_count]
    assert len(PdfReader(str(target)).pages) == tab.preview.page_count

    tab.preview.ask_printer = lambda printer: False  # the dialog cancelled: nothing printed
    with qtbot.assertNotEmitted(tab.preview.printed):
        tab.preview.print_document()


def test_a_failed_report_is_explained_and_the_last_one_stays(qtbot, clinic: Clinic) -> None:
    tab = _tab(qtbot, clinic)
    _generate(qtbot, tab)
    shown = tab.preview.pdf_bytes()

    class Broken(StockReportService):
        def stock_report_pdf(self, actor):  # type: ignore[override]
            raise DcmsError("The database did not answer.")

    tab._service = Broken(clinic.context)
    tab.generate()
    qtbot.waitUntil(lambda: not tab.busy_now, timeout=WAIT)
    assert tab.status.isVisible() and tab.status.text() == "The database did not answer."
    assert tab.preview.pdf_bytes() == shown


def test_the_preview_zooms_and_fits_the_width_again(qtbot) -> None:
    preview = PdfPreview(placeholder="Nothing yet")
    qtbot.addWidget(preview)
    preview.resize(800, 600)
    preview.show()
    preview.zoom_in()  # no document: nothing happens
    pdf = StockReportService.render_stock_pdf(
        StockReport(
            clinic_name="Test clinic",
            clinic_phone=None,
            clinic_address=None,
            currency="USD",
            as_of=date(2030, 3, 4),
            printed_at=datetime(2030, 3, 4, 11, 0),
            categories=(),
            low_stock=(),
            expiring=(),
            expired=(),
        )
    )
    preview.set_pdf(pdf, file_name="x.pdf")
    assert preview.page_count == 1 and preview.pages_label.text() == "1 page"
    preview.zoom_in()
    assert preview.view.zoomMode() is preview.view.ZoomMode.Custom
    preview.fit_width()
    assert preview.view.zoomMode() is preview.view.ZoomMode.FitToWidth
    preview.set_pdf(b"not a pdf")
    assert not preview.has_document
    assert preview.message.text() == "This document could not be shown."


def test_a_stock_report_page_renders_legibly_at_60_dpi(qtbot, clinic: Clinic, screenshot) -> None:
    """The first page as pdftoppm -r 60 would draw it, to look at."""
    pdf = StockReportService(clinic.context).stock_report_pdf(clinic.admin.actor)
    document = QPdfDocument()
    buffer = QBuffer()
    buffer.setData(QByteArray(pdf))
    buffer.open(QIODevice.OpenModeFlag.ReadOnly)
    document.load(buffer)
    points = document.pagePointSize(0)
    assert (round(points.width()), round(points.height())) == (595, 842)  # A4
    image = document.render(0, QSize(round(points.width() * 60 / 72), 702))
    label = QLabel()
    label.setPixmap(QPixmap.fromImage(image))
    qtbot.addWidget(label)
    label.resize(image.size())
    assert not image.isNull() and image.width() == 496
    screenshot(label, "stock_report_page_1_60dpi")
