"""The revenue report on screen: a period, a dentist and a category; a chart, the months, the
dentists and the categories; Export PDF… and Export CSV….

The period defaults to the last twelve months (the first day of the month eleven months
ago to today). Changing a filter reloads the report in the background after a short pause
(so stepping through dates with the arrow keys asks once); F5 reloads it too. While it
loads, a thin bar moves under the filters; the figures already shown stay until the new
ones arrive. A period that ends before it starts is refused under the filters, naming
the field. Exports write the report that is on screen, in the background.

The tab talks only to :class:`~dcms_desktop.services.reports.ReportService`; what is
counted (whole bills, or a category's bill lines) is explained in the service's read model
and, briefly, under the tables.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import Any

from PySide6.QtCharts import (
    QBarCategoryAxis,
    QBarSeries,
    QBarSet,
    QCategoryAxis,
    QChart,
    QChartView,
)
from PySide6.QtCore import (
    QAbstractTableModel,
    QDate,
    QMargins,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import (
    QBrush,
    QColor,
    QCursor,
    QFont,
    QFontMetrics,
    QKeySequence,
    QPainter,
    QResizeEvent,
    QShortcut,
    QShowEvent,
)
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QFileDialog,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QTabWidget,
    QToolTip,
    QVBoxLayout,
    QWidget,
)

from dcms_desktop.domain.errors import ValidationError
from dcms_desktop.domain.money import currency_symbol, format_money
from dcms_desktop.domain.readmodels.people import Actor
from dcms_desktop.domain.readmodels.reports import (
    RevenueFigures,
    RevenueFilterOptions,
    RevenueReport,
)
from dcms_desktop.services.context import ServiceContext
from dcms_desktop.services.reports import ReportService
from dcms_desktop.views.admin.common import busy_bar, error_text
from dcms_desktop.views.patients.live import REFRESH_ALL_ENTITY, ChangeRelay
from dcms_desktop.views.tables import list_table
from dcms_desktop.views.tasks import TaskHandle, run_task

log = logging.getLogger(__name__)

RELOAD_DELAY_MS = 300
LIVE_RELOAD_DELAY_MS = 1500
"""After a bill changes anywhere: long enough to gather a burst of payments into one read."""
LIVE_ENTITIES = frozenset({"bill", REFRESH_ALL_ENTITY})
"""Change events that can move the figures (the bill entity of services/billing.py)."""
REVENUE_COLOR = QColor("#2f6fb5")
PAID_COLOR = QColor("#3f9c6d")
TOTAL_FILL = QColor("#e6eef8")
DATE_FORMAT = "d MMM yyyy"
FIGURE_POINT_SIZES = (20, 17, 14, 12)
ERROR_INK = "#ab091e"
NOTE_INK = "#486581"

SavePath = Callable[[QWidget, str, str, str], str | None]
"""Asks where to save (parent, title, suggested file name, filter); None when cancelled."""


def ask_save_path(parent: QWidget, title: str, suggested: str, filters: str) -> str | None:
    path, _chosen = QFileDialog.getSaveFileName(parent, title, suggested, filters)
    return path or None


def default_period(today: date) -> tuple[date, date]:
    """The last twelve months: the first of the month eleven months ago, to ``today``."""
    months = today.year * 12 + today.month - 1 - 11
    return date(months // 12, months % 12 + 1, 1), today


def file_name(report: RevenueReport, suffix: str) -> str:
    """ "revenue-2025-12-01-to-2026-11-30.pdf"."""
    return f"revenue-{report.date_from.isoformat()}-to-{report.date_to.isoformat()}{suffix}"


def _qdate(day: date) -> QDate:
    return QDate(day.year, day.month, day.day)


def _pydate(day: QDate) -> date:
    return date(day.year(), day.month(), day.day())


# -- tables ---------------------------------------------------------------------------------
class RevenueTableModel(QAbstractTableModel):
    """Rows of (label, figures) under a label heading, with an optional bold totals row."""

    def __init__(self, label_heading: str, parent: Any = None) -> None:
        super().__init__(parent)
        self._label_heading = label_heading
        self._rows: list[tuple[str, RevenueFigures]] = []
        self._total: RevenueFigures | None = None
        self._currency = "USD"
        self._revenue_word = "Revenue"

    def set_rows(
        self,
        rows: Sequence[tuple[str, RevenueFigures]],
        *,
        total: RevenueFigures | None = None,
        currency: str,
        revenue_word: str = "Revenue",
    ) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self._total = total
        self._currency = currency
        self._revenue_word = revenue_word
        self.endResetModel()
        self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, 4)

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        if parent.isValid():
            return 0
        return len(self._rows) + (1 if self._total is not None else 0)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else 5

    def is_total_row(self, row: int) -> bool:
        return self._total is not None and row == len(self._rows)

    def row_values(self, row: int) -> tuple[str, RevenueFigures]:
        if self.is_total_row(row):
            assert self._total is not None
            return "Total", self._total
        return self._rows[row]

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return (self._label_heading, "Bills", self._revenue_word, "Paid", "Pending")[section]
        if role == Qt.ItemDataRole.TextAlignmentRole and section:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def data(
        self,
        index: QModelIndex | QPersistentModelIndex,
        role: int = Qt.ItemDataRole.DisplayRole,
    ) -> Any:
        if not index.isValid():
            return None
        label, figures = self.row_values(index.row())
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if column == 0:
                return label
            if column == 1:
                return f"{figures.bills:,}"
            amount = (figures.revenue, figures.paid, figures.pending)[column - 2]
            return format_money(amount, self._currency)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            horizontal = Qt.AlignmentFlag.AlignLeft if column == 0 else Qt.AlignmentFlag.AlignRight
            return int(horizontal | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.FontRole and self.is_total_row(index.row()):
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.BackgroundRole and self.is_total_row(index.row()):
            return QBrush(TOTAL_FILL)
        return None


def _table(name: str, accessible: str, model: RevenueTableModel) -> QTableView:
    table = list_table(name, model, accessible=accessible)
    table.setAlternatingRowColors(True)
    table.setShowGrid(False)
    table.verticalHeader().setDefaultSectionSize(24)
    header = table.horizontalHeader()
    header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
    for column in range(1, 5):
        header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
    return table


# -- chart ----------------------------------------------------------------------------------
def axis_ticks(top: float, count: int = 4) -> list[float]:
    """Round values from 0 to at least ``top`` for the amount axis: 0, 250,000, 500,000…"""
    if top <= 0:
        return [0.0, 100.0]
    raw = top / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    return [i * step for i in range(math.ceil(top / step - 1e-9) + 1)]


def tick_label(value: float, currency: str) -> str:
    """An amount axis label: "₱250k", "$1.5M", "900 SEK" (amounts are whole units)."""
    for size, suffix in ((1_000_000, "M"), (1_000, "k")):
        if value >= size:
            number = f"{value / size:.2f}".rstrip("0").rstrip(".") + suffix
            break
    else:
        number = f"{value:.0f}"
    symbol = currency_symbol(currency)
    return f"{symbol}{number}" if symbol else f"{number} {currency.strip().upper()}"


class RevenueChart(QChartView):
    """Revenue and paid per month as bars; amounts on the left axis in the clinic's currency.
    Hovering a bar shows its exact amount."""

    def __init__(self, parent: QWidget | None = None) -> None:
        self._chart = QChart()
        super().__init__(self._chart, parent)
        self.setObjectName("revenueChart")
        self.setAccessibleName("Revenue per month chart")
        self.setRenderHint(QPainter.RenderHint.Antialiasing)
        self._chart.setAnimationOptions(QChart.AnimationOption.NoAnimation)
        self._chart.setMargins(QMargins(4, 4, 4, 4))
        self._chart.setBackgroundRoundness(0)
        self._chart.legend().setAlignment(Qt.AlignmentFlag.AlignTop)
        self._report: RevenueReport | None = None
        self.axis_x = QBarCategoryAxis()
        self.axis_y = QCategoryAxis()
        self.axis_y.setLabelsPosition(QCategoryAxis.AxisLabelsPosition.AxisLabelsPositionOnValue)
        self._chart.addAxis(self.axis_x, Qt.AlignmentFlag.AlignBottom)
        self._chart.addAxis(self.axis_y, Qt.AlignmentFlag.AlignLeft)

    def set_report(self, report: RevenueReport) -> None:
        self._report = report
        self._chart.removeAllSeries()
        word = "Services billed" if report.counts_lines else "Revenue"
        months = report.months
        top = max([float(m.revenue) for m in months] + [0.0])
        revenue, paid = QBarSet(word), QBarSet("Paid")
        for bar, color in ((revenue, REVENUE_COLOR), (paid, PAID_COLOR)):
            bar.setColor(color)
            bar.setBorderColor(color)
        # Chart geometry only: the money itself stays Decimal in the tables.
        revenue.append([float(m.revenue) for m in months])
        paid.append([float(m.paid) for m in months])
        series = QBarSeries()
        series.append(revenue)
        series.append(paid)
        series.setBarWidth(0.8)
        series.hovered.connect(self._hovered)
        self._chart.addSeries(series)

        self.axis_x.clear()
        long_period = len(months) > 12
        self.axis_x.append([f"{m.month:%b %y}" if long_period else f"{m.month:%b}" for m in months])
        self.axis_x.setLabelsAngle(-60 if len(months) > 18 else 0)
        self.axis_x.setGridLineVisible(False)
        # A category axis, so the labels can carry any currency sign ("₱250k"): the value
        # axis's printf-style format can't.
        for label in list(self.axis_y.categoriesLabels()):
            self.axis_y.remove(label)
        ticks = axis_ticks(top)
        self.axis_y.setStartValue(0)
        self.axis_y.setRange(0, ticks[-1])
        for value in ticks:
            self.axis_y.append(tick_label(value, report.currency), value)
        self.axis_y.setTitleText(f"per month, {report.currency.strip().upper()}")
        series.attachAxis(self.axis_x)
        series.attachAxis(self.axis_y)

    def _hovered(self, status: bool, index: int, bar: QBarSet) -> None:
        if not status or self._report is None or not 0 <= index < len(self._report.months):
            QToolTip.hideText()
            return
        month = self._report.months[index]
        amount = month.paid if bar.label() == "Paid" else month.revenue
        text = f"{month.month:%B %Y} · {bar.label()}: {format_money(amount, self._report.currency)}"
        QToolTip.showText(QCursor.pos(), text, self)


# -- the tab --------------------------------------------------------------------------------
class _Figure(QFrame):
    """A white card with a caption over a big figure."""

    def __init__(self, caption: str, name: str) -> None:
        super().__init__()
        self.setObjectName("card")
        self.caption = QLabel(caption)
        self.caption.setObjectName("cardCaption")
        self.value = QLabel("–")
        self.value.setObjectName("cardFigure")
        self.value.setAccessibleName(caption)
        self.value.setProperty("figure", name)
        self.value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 6, 12, 8)
        layout.setSpacing(0)
        layout.addWidget(self.caption)
        layout.addWidget(self.value)


class RevenueTab(QWidget):
    """The revenue report of the Reports section, for ``actor`` (an admin)."""

    loaded = Signal(object)
    """Emitted with each :class:`RevenueReport` shown."""
    exported = Signal(str)
    """Emitted with the path of each file written."""

    def __init__(
        self,
        context: ServiceContext | None,
        actor: Actor,
        parent: QWidget | None = None,
        *,
        service: ReportService | None = None,
        today: date | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("revenueTab")
        if service is None:
            assert context is not None, "RevenueTab needs a context or its service"
            service = ReportService(context)
        self._service = service
        self._actor = actor
        if today is None:
            today = service.context.local_now().date() if context is not None else date.today()
        self._today = today
        self.report: RevenueReport | None = None
        self.options: RevenueFilterOptions | None = None
        self._task: TaskHandle | None = None
        self._export_task: TaskHandle | None = None
        self.ask_save_path: SavePath = ask_save_path
        self._reload = QTimer(self)
        self._reload.setSingleShot(True)
        self._reload.setInterval(RELOAD_DELAY_MS)
        self._reload.timeout.connect(self.refresh)
        self._stale = False
        self._build()
        self._load_options()
        # Bills raised, paid or cancelled on any workstation: reload when shown.
        self.relay = ChangeRelay(getattr(context, "bus", None), self)
        self.relay.changed.connect(self._on_change)

    # -- building ---------------------------------------------------------------------------
    def _build(self) -> None:
        start, end = default_period(self._today)
        self.date_from = self._date_edit("revenueFrom", start, "First day of the period")
        self.date_to = self._date_edit("revenueTo", end, "Last day of the period")
        self.dentist_combo = self._combo("revenueDentist", "Dentist", "All dentists")
        self.category_combo = self._combo("revenueCategory", "Service category", "All categories")
        self.export_pdf_button = QPushButton("Export &PDF…")
        self.export_pdf_button.setObjectName("revenueExportPdf")
        self.export_pdf_button.setToolTip("Save this report as a PDF to print or send (Ctrl+P)")
        self.export_pdf_button.setProperty("primary", True)
        self.export_pdf_button.clicked.connect(self.export_pdf)
        self.export_csv_button = QPushButton("Export C&SV…")
        self.export_csv_button.setObjectName("revenueExportCsv")
        self.export_csv_button.setToolTip("Save the figures for a spreadsheet")
        self.export_csv_button.clicked.connect(self.export_csv)
        for button in (self.export_pdf_button, self.export_csv_button):
            button.setEnabled(False)

        filters = QHBoxLayout()
        filters.setSpacing(8)
        for text, widget in (
            ("&From", self.date_from),
            ("&To", self.date_to),
            ("&Dentist", self.dentist_combo),
            ("Ca&tegory", self.category_combo),
        ):
            label = QLabel(text)
            label.setBuddy(widget)
            # Room to spare: Qt draws an underlined mnemonic without kerning, wider than
            # the size it asks for, and "To" lost half its "o".
            label.setMinimumWidth(label.sizeHint().width() + 8)
            filters.addWidget(label)
            filters.addWidget(widget)
            filters.addSpacing(6)
        filters.addStretch(1)
        filters.addWidget(self.export_csv_button)
        filters.addWidget(self.export_pdf_button)

        self.busy = busy_bar("revenueBusy")
        self.message = QLabel("")
        self.message.setObjectName("revenueMessage")
        self.message.setWordWrap(True)
        self.message.hide()

        self.figures = {
            name: _Figure(caption, name)
            for name, caption in (
                ("bills", "Bills"),
                ("revenue", "Revenue"),
                ("paid", "Paid"),
                ("pending", "Pending"),
            )
        }
        cards = QHBoxLayout()
        cards.setSpacing(10)
        for figure in self.figures.values():
            cards.addWidget(figure, 1)

        self.chart = RevenueChart()
        self.chart.setMinimumHeight(200)
        self.month_model = RevenueTableModel("Month", self)
        self.month_table = _table("revenueMonths", "Revenue per month", self.month_model)
        self.dentist_model = RevenueTableModel("Dentist", self)
        self.dentist_table = _table("revenueByDentist", "Revenue per dentist", self.dentist_model)
        self.category_model = RevenueTableModel("Category", self)
        self.category_table = _table(
            "revenueByCategory", "Revenue per service category", self.category_model
        )
        self.breakdown = QTabWidget()
        self.breakdown.setObjectName("revenueBreakdown")
        self.breakdown.addTab(self.dentist_table, "Per &dentist")
        category_pane = QWidget()
        category_layout = QVBoxLayout(category_pane)
        category_layout.setContentsMargins(0, 0, 0, 0)
        category_layout.setSpacing(4)
        category_layout.addWidget(self.category_table, 1)
        self.category_note = QLabel(
            "Bill lines per category, before the bills' discount and tax; a line counts as "
            "paid once its bill is paid in full."
        )
        self.category_note.setObjectName("cardCaption")
        self.category_note.setWordWrap(True)
        category_layout.addWidget(self.category_note)
        self.breakdown.addTab(category_pane, "Per &category")

        left = QVBoxLayout()
        left.setSpacing(8)
        left.addWidget(self.chart, 5)
        left.addWidget(self.month_table, 4)
        body = QGridLayout()
        body.setHorizontalSpacing(12)
        body.addLayout(left, 0, 0)
        body.addWidget(self.breakdown, 0, 1)
        body.setColumnStretch(0, 1)
        body.setColumnStretch(1, 1)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 12, 16, 12)
        layout.setSpacing(8)
        layout.addLayout(filters)
        layout.addWidget(self.busy)
        layout.addWidget(self.message)
        layout.addLayout(cards)
        layout.addLayout(body, 1)

        for key, slot in (("F5", self.refresh), ("Ctrl+P", self.export_pdf)):
            shortcut = QShortcut(QKeySequence(key), self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(slot)

    def _date_edit(self, name: str, day: date, accessible: str) -> QDateEdit:
        edit = QDateEdit(_qdate(day))
        edit.setObjectName(name)
        edit.setAccessibleName(accessible)
        edit.setCalendarPopup(True)
        edit.setDisplayFormat(DATE_FORMAT)
        edit.setMinimumWidth(120)
        edit.dateChanged.connect(self._filters_changed)
        return edit

    def _combo(self, name: str, accessible: str, everyone: str) -> QComboBox:
        combo = QComboBox()
        combo.setObjectName(name)
        combo.setAccessibleName(accessible)
        combo.addItem(everyone, None)
        combo.setMinimumWidth(170)
        combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        combo.currentIndexChanged.connect(self._filters_changed)
        return combo

    # -- loading ----------------------------------------------------------------------------
    def _load_options(self) -> None:
        self._set_busy(True)
        run_task(
            lambda _progress: self._service.revenue_filter_options(self._actor),
            on_done=self._options_loaded,
            on_error=self._failed,
            owner=self,
        )

    def _options_loaded(self, options: RevenueFilterOptions) -> None:
        self.options = options
        for combo in (self.dentist_combo, self.category_combo):
            combo.blockSignals(True)
        for dentist in options.dentists:
            name = dentist.name if dentist.is_active else f"{dentist.name} (left)"
            self.dentist_combo.addItem(name, dentist.dentist_id)
        for category in options.categories:
            self.category_combo.addItem(category, category)
        for combo in (self.dentist_combo, self.category_combo):
            combo.blockSignals(False)
        self.refresh()

    def _on_change(self, entity: str, _id: str, _action: str) -> None:
        if entity not in LIVE_ENTITIES or self.options is None:
            return
        if not self.isVisible():
            self._stale = True
            return
        self._reload.start(LIVE_RELOAD_DELAY_MS)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._stale:
            self._stale = False
            self._reload.start(RELOAD_DELAY_MS)

    def _filters_changed(self, *_args: object) -> None:
        self._reload.start(RELOAD_DELAY_MS)

    def period(self) -> tuple[date, date]:
        return _pydate(self.date_from.date()), _pydate(self.date_to.date())

    def refresh(self) -> None:
        """Read the report for the filters as they are now (in the background)."""
        self._reload.stop()
        start, end = self.period()
        if start > end:
            self._show_message(
                "“To” is before “From”: the period must end on or after its first day.",
                error=True,
            )
            # The figures on screen are of another period: nothing to export until fixed.
            for button in (self.export_pdf_button, self.export_csv_button):
                button.setEnabled(False)
            return
        if self._task is not None:
            self._task.cancel()
        dentist = self.dentist_combo.currentData()
        category = self.category_combo.currentData()
        self._set_busy(True)
        self._task = run_task(
            lambda _progress: self._service.revenue_report(
                self._actor, start, end, dentist_id=dentist, category=category
            ),
            on_done=self._show,
            on_error=self._failed,
            owner=self,
        )

    def _show(self, report: RevenueReport) -> None:
        self._set_busy(False)
        self.report = report
        money = lambda amount: format_money(amount, report.currency)  # noqa: E731
        word = "Services billed" if report.counts_lines else "Revenue"
        totals = report.totals
        self.figures["bills"].value.setText(f"{totals.bills:,}")
        self.figures["revenue"].caption.setText(word)
        self.figures["revenue"].value.setText(money(totals.revenue))
        self.figures["paid"].value.setText(money(totals.paid))
        self.figures["pending"].value.setText(money(totals.pending))
        self._fit_figures()
        self.chart.set_report(report)
        self.month_model.set_rows(
            [(f"{m.month:%b %Y}", m) for m in report.months],
            total=totals,
            currency=report.currency,
            revenue_word=word,
        )
        # The latest months and the totals row in sight; earlier months scroll up.
        self.month_table.scrollToBottom()
        self.dentist_model.set_rows(
            [(d.dentist_name, d) for d in report.by_dentist],
            currency=report.currency,
            revenue_word=word,
        )
        self.category_model.set_rows(
            [(c.category, c) for c in report.by_category],
            currency=report.currency,
            revenue_word="Services billed",
        )
        if totals.bills == 0:
            self._show_message(
                "No bills in this period"
                + (
                    ""
                    if report.dentist_id is None and report.category is None
                    else " for these filters"
                )
                + ". Choose an earlier “From” date or another dentist or category.",
                error=False,
            )
        elif report.counts_lines:
            self._show_message(
                f"Only bill lines of {report.category}, before the bills' discount and tax.",
                error=False,
            )
        else:
            self._show_message("", error=False)
        for button in (self.export_pdf_button, self.export_csv_button):
            button.setEnabled(True)
        self.loaded.emit(report)

    def _failed(self, error: BaseException) -> None:
        self._set_busy(False)
        if isinstance(error, ValidationError):
            self._show_message(error.message, error=True)
            return
        self._show_message(error_text(error, "reading the revenue report"), error=True)

    # -- exporting --------------------------------------------------------------------------
    def export_pdf(self) -> None:
        """Ask where, then write the report on screen as a PDF (in the background)."""
        self._export(".pdf", "Save the revenue report as PDF", "PDF files (*.pdf)")

    def export_csv(self) -> None:
        """Ask where, then write the report on screen as CSV (in the background)."""
        self._export(".csv", "Save the revenue figures as CSV", "CSV files (*.csv)")

    def _export(self, suffix: str, title: str, filters: str) -> None:
        report = self.report
        if report is None:
            return
        chosen = self.ask_save_path(self, title, file_name(report, suffix), filters)
        if not chosen:
            return
        path = Path(chosen)
        if path.suffix.lower() != suffix:
            path = path.with_name(path.name + suffix)
        render = (
            self._service.render_revenue_pdf
            if suffix == ".pdf"
            else self._service.render_revenue_csv
        )

        def write(_progress: object) -> str:
            path.write_bytes(render(report))
            return str(path)

        self._set_busy(True)
        self._export_task = run_task(
            write, on_done=self._exported, on_error=self._export_failed, owner=self
        )

    def _exported(self, path: str) -> None:
        self._set_busy(False)
        self._show_message(f"Saved to {path}", error=False)
        self.exported.emit(path)

    def _export_failed(self, error: BaseException) -> None:
        self._set_busy(False)
        if isinstance(error, OSError):
            reason = error.strerror or str(error)
            self._show_message(
                f"Could not save the file: {reason}. Choose another folder.", error=True
            )
            return
        self._show_message(error_text(error, "saving the revenue report"), error=True)

    # -- small things -----------------------------------------------------------------------
    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit_figures()

    def _fit_figures(self) -> None:
        """The four figures in one size, the largest that shows each whole
        ("₱471,157,422.40" over ten years needs a smaller one than a month's)."""
        figures = list(self.figures.values())
        font = QFont(figures[0].value.font())
        chosen = FIGURE_POINT_SIZES[-1]
        for size in FIGURE_POINT_SIZES:
            font.setPointSizeF(size)
            metrics = QFontMetrics(font)
            if all(
                metrics.horizontalAdvance(f.value.text()) <= f.contentsRect().width() - 24
                for f in figures
            ):
                chosen = size
                break
        for figure in figures:
            figure.value.setStyleSheet(f"font-size: {chosen}pt;")

    def _set_busy(self, busy: bool) -> None:
        self.busy.setVisible(busy)

    def _show_message(self, text: str, *, error: bool) -> None:
        self.message.setText(text)
        self.message.setProperty("error", error)
        self.message.setStyleSheet(f"color: {ERROR_INK if error else NOTE_INK};")
        self.message.setVisible(bool(text))
