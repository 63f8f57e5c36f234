"""The stock reports tab: choose the stock report or a period's movements, Generate, and
look at the PDF before printing or saving it.

The report is read and laid out in the background (``run_task``), with a busy bar; the
Generate button is off meanwhile, so a second click can't start a second report. The
period of the movements report is checked as it is picked (the message sits under the
dates) and a report is only asked for a valid one. A failure says what happened in words
for the desk and leaves the previous report on screen.
"""

from __future__ import annotations

from datetime import date, timedelta

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDateEdit,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from dcms_desktop.domain.enums import MovementType
from dcms_desktop.domain.readmodels.people import Actor
from dcms_desktop.services.context import ServiceContext
from dcms_desktop.services.stock_reports import StockReportService
from dcms_desktop.views.admin.common import busy_bar, error_text
from dcms_desktop.views.change_password import field_message, show_message
from dcms_desktop.views.pdf_preview import PdfPreview
from dcms_desktop.views.tasks import TaskHandle, run_task

DEFAULT_PERIOD_DAYS = 30
STOCK = "stock"
MOVEMENTS = "movements"
_TYPE_CHOICES = (
    ("All types", None),
    ("Restocks", MovementType.RESTOCK),
    ("Deductions", MovementType.DEDUCTION),
    ("Adjustments", MovementType.ADJUSTMENT),
    ("Expired", MovementType.EXPIRED),
    ("Damaged", MovementType.DAMAGED),
)
PLACEHOLDER = (
    "Choose a report and press Generate (Alt+G).\n"
    "It opens here to check before you print or save it."
)


def _qdate(day: date) -> QDate:
    return QDate(day.year, day.month, day.day)


def _pydate(value: QDate) -> date:
    return date(value.year(), value.month(), value.day())


class StockReportsTab(QWidget):
    """``StockReportsTab(context, actor)``: the stock and movements reports, previewed."""

    generated = Signal(str)
    """Emitted with the kind of report ("stock" or "movements") once it is shown."""

    def __init__(
        self,
        context: ServiceContext | None,
        actor: Actor,
        parent: QWidget | None = None,
        *,
        service: StockReportService | None = None,
        today: date | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("stockReportsTab")
        if service is None:
            assert context is not None, "StockReportsTab needs a context or its service"
            service = StockReportService(context)
        self._service = service
        self._actor = actor
        self._today = today or date.today()
        self._task: TaskHandle | None = None
        self._build()
        self._kind_changed()

    # -- building ---------------------------------------------------------------------------
    def _build(self) -> None:
        title = QLabel("Stock reports")
        title.setObjectName("sectionTitle")

        self.stock_choice = QRadioButton("&Stock report")
        self.stock_choice.setObjectName("reportStock")
        self.stock_choice.setToolTip("Stock on hand and its value by category, low and expiring")
        self.movements_choice = QRadioButton("&Movements report")
        self.movements_choice.setObjectName("reportMovements")
        self.movements_choice.setToolTip("Every stock movement of a period, with totals")
        self.kinds = QButtonGroup(self)
        self.kinds.addButton(self.stock_choice)
        self.kinds.addButton(self.movements_choice)
        self.stock_choice.setChecked(True)
        self.kinds.buttonToggled.connect(lambda _b, _on: self._kind_changed())

        self.date_from = self._date_edit("reportFrom", self._today - timedelta(DEFAULT_PERIOD_DAYS))
        self.date_to = self._date_edit("reportTo", self._today)
        from_label = QLabel("&From")
        from_label.setBuddy(self.date_from)
        to_label = QLabel("&To")
        to_label.setBuddy(self.date_to)
        self.type_combo = QComboBox()
        self.type_combo.setObjectName("reportMovementType")
        for text, kind in _TYPE_CHOICES:
            self.type_combo.addItem(text, kind)
        type_label = QLabel("T&ype")
        type_label.setBuddy(self.type_combo)
        self.period_message = field_message("reportPeriodError")

        self.generate_button = QPushButton("&Generate")
        self.generate_button.setObjectName("reportGenerate")
        self.generate_button.setProperty("primary", True)
        self.generate_button.setToolTip("Make the report and show it below (F5)")
        self.generate_button.setDefault(True)
        self.generate_button.clicked.connect(self.generate)
        self.busy = busy_bar("reportBusy")
        self.status = QLabel("")
        self.status.setObjectName("reportStatus")
        self.status.setWordWrap(True)
        self.status.hide()

        kinds = QHBoxLayout()
        kinds.setSpacing(16)
        kinds.addWidget(self.stock_choice)
        kinds.addWidget(self.movements_choice)
        kinds.addStretch(1)

        self.period = QWidget()
        self.period.setObjectName("reportPeriod")
        period_row = QHBoxLayout(self.period)
        period_row.setContentsMargins(0, 0, 0, 0)
        period_row.setSpacing(8)
        for label in (from_label, to_label, type_label):
            # The style sheet's font is only known once polished; size the label by it.
            label.ensurePolished()
            label.setMinimumWidth(label.sizeHint().width() + 2)
        for widget in (from_label, self.date_from, to_label, self.date_to):
            period_row.addWidget(widget)
        period_row.addSpacing(12)
        period_row.addWidget(type_label)
        period_row.addWidget(self.type_combo)
        period_row.addStretch(1)

        controls = QFrame()
        controls.setObjectName("card")
        box = QVBoxLayout(controls)
        box.setContentsMargins(14, 10, 14, 10)
        box.setSpacing(6)
        top = QHBoxLayout()
        top.addLayout(kinds, 1)
        top.addWidget(self.generate_button)
        box.addLayout(top)
        box.addWidget(self.period)
        box.addWidget(self.period_message)

        self.preview = PdfPreview(placeholder=PLACEHOLDER)

        column = QVBoxLayout(self)
        column.setContentsMargins(16, 12, 16, 12)
        column.setSpacing(8)
        column.addWidget(title)
        column.addWidget(controls)
        column.addWidget(self.busy)
        column.addWidget(self.status)
        column.addWidget(self.preview, 1)

        refresh = QShortcut(QKeySequence(Qt.Key.Key_F5), self)
        refresh.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        refresh.activated.connect(self.generate)
        self.setTabOrder(self.stock_choice, self.movements_choice)
        self.setTabOrder(self.movements_choice, self.date_from)
        self.setTabOrder(self.date_from, self.date_to)
        self.setTabOrder(self.date_to, self.type_combo)
        self.setTabOrder(self.type_combo, self.generate_button)

    def _date_edit(self, name: str, day: date) -> QDateEdit:
        edit = QDateEdit(_qdate(day))
        edit.setObjectName(name)
        edit.setCalendarPopup(True)
        edit.setDisplayFormat("ddd d MMM yyyy")
        edit.setMinimumWidth(140)
        edit.dateChanged.connect(lambda _d: self._check_period())
        return edit

    # -- state ----------------------------------------------------------------------------
    @property
    def kind(self) -> str:
        return MOVEMENTS if self.movements_choice.isChecked() else STOCK

    def _kind_changed(self) -> None:
        # The period and type only mean something for the movements report.
        self.period.setVisible(self.kind == MOVEMENTS)
        self._check_period()

    def _period_problem(self) -> str | None:
        if self.kind != MOVEMENTS:
            return None
        if _pydate(self.date_to.date()) < _pydate(self.date_from.date()):
            return "The last day can't be before the first day."
        return None

    def _check_period(self) -> bool:
        problem = self._period_problem()
        show_message(self.period_message, problem or "")
        self.date_to.setProperty("invalid", problem is not None)
        self.date_to.style().unpolish(self.date_to)
        self.date_to.style().polish(self.date_to)
        self.generate_button.setEnabled(problem is None and self._task is None)
        return problem is None

    @property
    def busy_now(self) -> bool:
        return self._task is not None

    # -- generating -----------------------------------------------------------------------
    def generate(self) -> None:
        """Make the chosen report in the background and show it."""
        if self._task is not None or not self._check_period():
            return
        kind = self.kind
        service, actor = self._service, self._actor
        if kind == STOCK:
            file_name = f"stock-report-{self._today.isoformat()}.pdf"

            def work(_progress: object) -> bytes:
                return service.stock_report_pdf(actor)

            doing = "Making the stock report…"
        else:
            first, last = _pydate(self.date_from.date()), _pydate(self.date_to.date())
            movement_type = self.type_combo.currentData()
            file_name = f"stock-movements-{first.isoformat()}-{last.isoformat()}.pdf"

            def work(_progress: object) -> bytes:
                return service.movements_report_pdf(actor, first, last, movement_type=movement_type)

            doing = "Making the movements report…"
        self._set_busy(True, doing)
        self._task = run_task(
            work,
            on_done=lambda pdf: self._show(kind, pdf, file_name),
            on_error=self._failed,
            owner=self,
        )

    def _set_busy(self, busy: bool, text: str = "") -> None:
        self.busy.setVisible(busy)
        self._set_status(text, "hint")
        self.generate_button.setEnabled(not busy and self._period_problem() is None)

    def _set_status(self, text: str, role: str) -> None:
        show_message(self.status, text, role)

    def _show(self, kind: str, pdf: bytes, file_name: str) -> None:
        self._task = None
        self._set_busy(False)
        self.preview.set_pdf(pdf, file_name=file_name)
        self.preview.view.setFocus()
        self.generated.emit(kind)

    def _failed(self, error: BaseException) -> None:
        self._task = None
        self._set_busy(False)
        self._set_status(error_text(error, "making the report"), "error")
