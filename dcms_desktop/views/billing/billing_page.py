"""The Billing section: the bills list with its filters and totals, and receivables.

Bills: status (including overdue, worked out by the service at read time), period
(from/to), patient or invoice number as typed, dentist. Every change of a filter starts
a new read off the UI thread; an older read still running is dropped, so the list only
ever shows the answer to the filters as set now. The totals line counts every bill the
filters match, not only the rows listed (the list stops at ``LIST_LIMIT``).

Enter or a double-click opens the bill's detail; Record payment, the invoice preview and
Export PDFs prints every bill the filters match. Changes saved at any
workstation (bus events ``bill …``) re-read the list and the receivables.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from PySide6.QtCore import QDate, QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeyEvent, QKeySequence
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from dcms_desktop.domain.enums import BillStatus
from dcms_desktop.domain.permissions import Action, is_allowed
from dcms_desktop.domain.readmodels.billing import BillFilter
from dcms_desktop.domain.readmodels.people import Actor
from dcms_desktop.services.billing import BillingService
from dcms_desktop.services.catalog import CatalogService
from dcms_desktop.services.context import ServiceContext
from dcms_desktop.services.invoices import InvoiceService
from dcms_desktop.services.scheduling import SchedulingService
from dcms_desktop.services.settings import SettingsService
from dcms_desktop.views.admin.common import banner, busy_bar, error_text
from dcms_desktop.views.billing.batch_export import BatchExportDialog
from dcms_desktop.views.billing.bill_detail import BillDetailDialog
from dcms_desktop.views.billing.common import BILLING_STYLE, STATUS_TEXT, EnterOpens, money
from dcms_desktop.views.billing.invoice_preview import InvoicePreviewDialog
from dcms_desktop.views.billing.models import ROW_ROLE, BillsModel, sorting_proxy, table
from dcms_desktop.views.billing.payment_dialog import PaymentDialog
from dcms_desktop.views.billing.receivables import ReceivablesTab
from dcms_desktop.views.change_password import show_message
from dcms_desktop.views.open_dialog import open_dialog
from dcms_desktop.views.patients.live import REFRESH_ALL_ENTITY, ChangeRelay
from dcms_desktop.views.tasks import TaskHandle, run_task

log = logging.getLogger(__name__)

LIST_LIMIT = 500
SEARCH_DELAY_MS = 250
"""Typing pauses this long before the list is read again."""
LIVE_REFRESH_DELAY_MS = 150
"""Bursts of change events become one re-read."""

PERIODS = (
    ("All dates", None),
    ("Today", 0),
    ("Last 7 days", 7),
    ("Last 30 days", 30),
    ("Last 90 days", 90),
    ("This year", "year"),
    ("Custom dates", "custom"),
)

_STYLE = (
    BILLING_STYLE
    + """
QLineEdit#billSearch { padding: 5px 8px; }
QDateEdit:disabled { color: #9fb3c8; background: #f0f4f8; }
"""
)


class BillingPage(QWidget):
    """``BillingPage(context, actor)``: the Bills and Receivables tabs."""

    loaded = Signal(object)
    """The ``BillList`` just shown."""
    bill_opened = Signal(object)
    """The ``BillDetailDialog`` just opened."""

    def __init__(
        self,
        context: ServiceContext,
        actor: Actor,
        parent: QWidget | None = None,
        *,
        today: Callable[[], date] | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("page_billing")
        self.setStyleSheet(_STYLE)
        self._context = context
        self._actor = actor
        self._today = today or (lambda: context.local_now().date())
        self._billing = BillingService(context)
        self._invoices = InvoiceService(context)
        self._catalog = CatalogService(context)
        self._scheduling = SchedulingService(context)
        self._settings = SettingsService(context)
        self._currency: str | None = None
        self._seq = 0
        self._task: TaskHandle | None = None
        self._load_task: TaskHandle | None = None
        self.bill_list: Any = None
        self.dialog: QDialog | None = None
        self.model = BillsModel(self, currency=lambda: self._currency, today=self._today)
        self.proxy = sorting_proxy(self.model, self)
        self._build()

        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self.refresh)
        self._live_timer = QTimer(self)
        self._live_timer.setSingleShot(True)
        self._live_timer.setInterval(LIVE_REFRESH_DELAY_MS)
        self._live_timer.timeout.connect(self._live_refresh)
        self.relay = ChangeRelay(getattr(context, "bus", None), self)
        self.relay.changed.connect(self._on_change)
        self._started = False

    # -- building ---------------------------------------------------------------------------
    def _action(self, text: str, name: str, shortcut: str, slot: Callable[[], None]) -> QAction:
        action = QAction(text, self)
        action.setObjectName(name)
        action.setShortcut(QKeySequence(shortcut))
        action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        action.triggered.connect(slot)
        self.addAction(action)
        return action

    def _button(self, action: QAction, name: str) -> QPushButton:
        button = QPushButton(action.text())
        button.setObjectName(name)
        button.setAutoDefault(False)
        button.setToolTip(f"{action.text().replace('&', '')} ({action.shortcut().toString()})")
        button.clicked.connect(action.trigger)
        action.changed.connect(lambda: button.setEnabled(action.isEnabled()))
        return button

    def _build(self) -> None:
        title = QLabel("Billing")
        title.setObjectName("sectionTitle")
        self.tabs = QTabWidget()
        self.tabs.setObjectName("billingTabs")
        self.tabs.addTab(self._bills_tab(), "&Bills")
        self.receivables = ReceivablesTab(
            self._billing, self._actor, currency=lambda: self._currency, today=self._today
        )
        self.receivables.open_requested.connect(self.open_bill)
        self.tabs.addTab(self.receivables, "&Receivables")
        self.tabs.currentChanged.connect(self._tab_changed)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 16, 24, 12)
        layout.setSpacing(6)
        layout.addWidget(title)
        layout.addWidget(self.tabs, 1)

    def _bills_tab(self) -> QWidget:
        page = QWidget()
        page.setObjectName("billsTab")
        self.search = QLineEdit()
        self.search.setObjectName("billSearch")
        self.search.setPlaceholderText("Patient name or email, or invoice number (Ctrl+F)")
        self.search.setAccessibleName("Find bills")
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(lambda _t: self._search_timer.start())
        self.search.installEventFilter(_SearchKeys(self))
        find = QAction(self)
        find.setShortcut(QKeySequence("Ctrl+F"))
        find.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        find.triggered.connect(lambda: (self.search.setFocus(), self.search.selectAll()))
        self.addAction(find)
        self.status = QComboBox()
        self.status.setObjectName("billStatusFilter")
        self.status.setAccessibleName("Status")
        self.status.addItem("Any status", None)
        for status in (
            BillStatus.PENDING,
            BillStatus.PARTIAL,
            BillStatus.OVERDUE,
            BillStatus.PAID,
            BillStatus.CANCELLED,
        ):
            self.status.addItem(STATUS_TEXT[status], status)
        self.status.currentIndexChanged.connect(lambda _i: self.refresh())
        self.dentist = QComboBox()
        self.dentist.setObjectName("billDentistFilter")
        self.dentist.setAccessibleName("Dentist")
        self.dentist.addItem("Any dentist", None)
        self.dentist.currentIndexChanged.connect(lambda _i: self.refresh())
        self.period = QComboBox()
        self.period.setObjectName("billPeriod")
        self.period.setAccessibleName("Period")
        for text, value in PERIODS:
            self.period.addItem(text, value)
        self.period.currentIndexChanged.connect(lambda _i: self._period_changed())
        self.date_from = self._date_edit("billDateFrom", "From")
        self.date_to = self._date_edit("billDateTo", "To")
        self._setting_dates = False
        self._period_changed(refresh=False)

        filters = QHBoxLayout()
        filters.setSpacing(8)
        self.search.setMinimumWidth(260)
        filters.addWidget(self.search, 1)
        filters.addWidget(self.status)
        filters.addWidget(self.dentist)
        filters.addWidget(self.period)
        from_label = QLabel("&From")
        from_label.setBuddy(self.date_from)
        to_label = QLabel("&To")
        to_label.setBuddy(self.date_to)
        for label in (from_label, to_label):
            label.setMinimumWidth(label.fontMetrics().horizontalAdvance(label.text()) + 8)
        filters.addWidget(from_label)
        filters.addWidget(self.date_from)
        filters.addWidget(to_label)
        filters.addWidget(self.date_to)

        self.message = banner("billsMessage")
        self.busy = busy_bar("billsBusy")
        self.table = table("billsTable", self.proxy, 2, sortable=True)
        self.table.doubleClicked.connect(lambda _index: self.open_current())
        self.table.installEventFilter(EnterOpens(self, self.open_current))
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._update_actions())
        self.empty = QLabel("")
        self.empty.setObjectName("billsEmpty")
        self.empty.setProperty("class", "muted")
        self.empty.hide()
        self.totals = QLabel("")
        self.totals.setObjectName("billTotals")

        self.open_action = self._action("&Open", "billOpenAction", "Ctrl+O", self.open_current)
        self.pay_action = self._action(
            "Record &payment…", "billPayAction", "Ctrl+P", self.record_payment
        )
        self.print_action = self._action(
            "Print / Pre&view…", "billPrintAction", "Ctrl+Shift+P", self.preview_invoice
        )
        self.export_action = self._action(
            "&Export PDFs…", "billExportAction", "Ctrl+Shift+E", self.export_pdfs
        )
        self.refresh_action = self._action("Re&fresh", "billRefreshAction", "F5", self.refresh)
        buttons = QHBoxLayout()
        buttons.addWidget(self.totals, 1)
        self.open_button = self._button(self.open_action, "billOpen")
        self.pay_button = self._button(self.pay_action, "billPay")
        self.pay_button.setProperty("primary", True)
        self.print_button = self._button(self.print_action, "billPrint")
        self.export_button = self._button(self.export_action, "billExport")
        for button in (self.open_button, self.pay_button, self.print_button, self.export_button):
            buttons.addWidget(button)

        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 10, 0, 0)
        layout.setSpacing(8)
        layout.addLayout(filters)
        layout.addWidget(self.message)
        layout.addWidget(self.busy)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.empty)
        layout.addLayout(buttons)
        self._update_actions()
        return page

    def _date_edit(self, name: str, accessible: str) -> QDateEdit:
        edit = QDateEdit()
        edit.setObjectName(name)
        edit.setAccessibleName(accessible)
        edit.setCalendarPopup(True)
        edit.setDisplayFormat("d MMM yyyy")
        edit.setDate(QDate(self._today()))
        edit.dateChanged.connect(lambda _d: self._dates_typed())
        return edit

    @property
    def currency(self) -> str | None:
        """The clinic's currency, once read (None until then)."""
        return self._currency

    # -- filters ----------------------------------------------------------------------------
    def _period_changed(self, *, refresh: bool = True) -> None:
        value = self.period.currentData()
        today = self._today()
        self._setting_dates = True
        if value is None:
            self.date_from.setEnabled(False)
            self.date_to.setEnabled(False)
        else:
            self.date_from.setEnabled(True)
            self.date_to.setEnabled(True)
            if value == "year":
                self.date_from.setDate(QDate(date(today.year, 1, 1)))
                self.date_to.setDate(QDate(today))
            elif isinstance(value, int):
                self.date_from.setDate(QDate(today - timedelta(days=value)))
                self.date_to.setDate(QDate(today))
        self._setting_dates = False
        if refresh:
            self.refresh()

    def _dates_typed(self) -> None:
        if self._setting_dates:
            return
        custom = self.period.findData("custom")
        if self.period.currentIndex() != custom:
            self.period.blockSignals(True)
            self.period.setCurrentIndex(custom)
            self.period.blockSignals(False)
        self.refresh()

    def current_filter(self) -> BillFilter:
        """The filters as set now."""
        dated = self.period.currentData() is not None
        return BillFilter(
            status=self.status.currentData(),
            date_from=self.date_from.date().toPython() if dated else None,
            date_to=self.date_to.date().toPython() if dated else None,
            dentist_id=self.dentist.currentData(),
            search=self.search.text().strip(),
            limit=LIST_LIMIT,
        )

    # -- loading ----------------------------------------------------------------------------
    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        if not self._started:
            self._started = True
            self._load_lookups()
            self.refresh()

    def _load_lookups(self) -> None:
        """The clinic's currency and the dentists (for the filter), once."""
        settings, scheduling, actor = self._settings, self._scheduling, self._actor

        def work(_report: Any) -> tuple[str | None, Any]:
            currency = settings.get(actor).currency
            try:
                dentists = scheduling.dentists(actor)
            except Exception:
                log.warning("could not read the dentists for the billing filter", exc_info=True)
                dentists = ()
            return currency, dentists

        self._load_task = run_task(work, on_done=self._lookups_loaded, owner=self)

    def _lookups_loaded(self, result: tuple[str | None, Any]) -> None:
        currency, dentists = result
        self._currency = currency
        chosen = self.dentist.currentData()
        self.dentist.blockSignals(True)
        for dentist in dentists:
            self.dentist.addItem(f"Dr {dentist.full_name}", dentist.id)
        self.dentist.setCurrentIndex(max(self.dentist.findData(chosen), 0))
        self.dentist.blockSignals(False)
        self.model.layoutChanged.emit()
        if self.bill_list is not None:
            self._show_totals(self.bill_list)

    def refresh(self) -> None:
        """Read the bills for the filters as set now (dropping an older read)."""
        self._search_timer.stop()
        if self._task is not None:
            self._task.cancel()
        self._seq += 1
        seq = self._seq
        billing, actor, filters = self._billing, self._actor, self.current_filter()
        self.busy.show()
        self._task = run_task(
            lambda _report: billing.bills(actor, filters),
            on_done=lambda result: self._loaded(seq, result),
            on_error=lambda error: self._failed(seq, error),
            owner=self,
        )
        if self.tabs.currentWidget() is self.receivables:
            self.receivables.refresh()

    def _loaded(self, seq: int, bill_list: Any) -> None:
        if seq != self._seq:
            return
        self.busy.hide()
        show_message(self.message, "")
        chosen = self.current_bill_id()
        self.bill_list = bill_list
        self.model.set_rows(bill_list.rows)
        self._show_totals(bill_list)
        self.empty.setText("No bills match these filters." if not bill_list.rows else "")
        self.empty.setVisible(not bill_list.rows)
        self._reselect(chosen)
        self._update_actions()
        self.loaded.emit(bill_list)

    def _show_totals(self, bill_list: Any) -> None:
        currency = self._currency
        count = bill_list.count
        bills = f"{count:,} {'bill' if count == 1 else 'bills'}"
        if bill_list.truncated:
            bills += f" (the first {len(bill_list.rows)} listed)"
        self.totals.setText(
            f"{bills}  ·  "
            f"Total {money(bill_list.total, currency)}  ·  "
            f"Paid {money(bill_list.paid, currency)}  ·  "
            f"Balance {money(bill_list.balance, currency)}"
        )

    def _failed(self, seq: int, error: BaseException) -> None:
        if seq != self._seq:
            return
        self.busy.hide()
        show_message(self.message, error_text(error, "reading the bills"))

    def _reselect(self, bill_id: uuid.UUID | None) -> None:
        for row in range(self.proxy.rowCount()):
            if bill_id is None or self.proxy.data(self.proxy.index(row, 0), ROW_ROLE).id == bill_id:
                self.table.selectRow(row)
                return
        if self.proxy.rowCount():
            self.table.selectRow(0)

    def _tab_changed(self, _index: int) -> None:
        if self.tabs.currentWidget() is self.receivables:
            self.receivables.refresh()

    # -- live refresh -----------------------------------------------------------------------
    def _on_change(self, entity: str, _entity_id: str, _action: str) -> None:
        if entity in ("bill", "payment", REFRESH_ALL_ENTITY):
            self._live_timer.start()

    def _live_refresh(self) -> None:
        if not self._started:
            return
        self.refresh()

    # -- actions ----------------------------------------------------------------------------
    def current_row(self) -> Any:
        index = self.table.currentIndex()
        rows = self.table.selectionModel().selectedRows()
        if rows:
            index = rows[0]
        if not index.isValid():
            return None
        return self.proxy.data(self.proxy.index(index.row(), 0), ROW_ROLE)

    def current_bill_id(self) -> uuid.UUID | None:
        row = self.current_row()
        return None if row is None else row.id

    def _update_actions(self) -> None:
        row = self.current_row()
        role = self._actor.role
        self.open_action.setEnabled(row is not None)
        payable = row is not None and row.status not in (BillStatus.CANCELLED, BillStatus.PAID)
        payable = payable and row.total_amount > row.amount_paid
        self.pay_action.setEnabled(payable and is_allowed(role, Action.RECORD_PAYMENT))
        self.print_action.setEnabled(row is not None and is_allowed(role, Action.PRINT_INVOICE))
        self.export_action.setEnabled(
            bool(self.model.rowCount()) and is_allowed(role, Action.PRINT_INVOICE)
        )

    def open_current(self) -> None:
        bill_id = self.current_bill_id()
        if bill_id is not None:
            self.open_bill(bill_id)

    def open_bill(self, bill_id: uuid.UUID) -> BillDetailDialog:
        """Open the bill's detail."""
        dialog = BillDetailDialog(
            self._billing,
            self._actor,
            bill_id,
            self,
            invoices=self._invoices,
            catalog=self._catalog,
            currency=self._currency,
            today=self._today,
        )
        self._show_dialog(dialog)
        self.bill_opened.emit(dialog)
        return dialog

    def _show_dialog(self, dialog: QDialog) -> None:
        open_dialog(self, dialog, closed=self.refresh)

    def record_payment(self) -> None:
        """Read the selected bill (for its version and balance), then take the payment."""
        bill_id = self.current_bill_id()
        if bill_id is None or not self.pay_action.isEnabled():
            return
        billing, actor = self._billing, self._actor
        self.busy.show()
        run_task(
            lambda _report: billing.bill(actor, bill_id),
            on_done=self._pay,
            on_error=lambda error: self._failed(self._seq, error),
            owner=self,
        )

    def _pay(self, bill: Any) -> None:
        self.busy.hide()
        self._show_dialog(
            PaymentDialog(
                self._billing,
                self._actor,
                bill,
                self,
                currency=self._currency,
                today=self._today(),
            )
        )

    def preview_invoice(self) -> None:
        row = self.current_row()
        if row is None or not self.print_action.isEnabled():
            return
        self._show_dialog(
            InvoicePreviewDialog(
                self._invoices,
                self._actor,
                row.id,
                self,
                title=f"Invoice {row.invoice_number} — {row.patient_name}",
            )
        )

    def export_pdfs(self) -> None:
        """The invoice of every bill the filters match (not only the rows listed) as a PDF
        each into a folder: the ids are read in the background, then the batch export
        dialog takes over."""
        if not self.model.rows() or not self.export_action.isEnabled():
            return
        billing, actor, filters = self._billing, self._actor, self.current_filter()
        self.busy.show()
        run_task(
            lambda _report: billing.bill_ids(actor, filters),
            on_done=self._export,
            on_error=lambda error: self._failed(self._seq, error),
            owner=self,
        )

    def _export(self, ids: list[uuid.UUID]) -> None:
        self.busy.hide()
        if ids:
            self._show_dialog(BatchExportDialog(self._invoices, self._actor, ids, self))


class _SearchKeys(QObject):
    """Down in the search box goes to the list; Enter opens the selected bill."""

    def __init__(self, page: BillingPage) -> None:
        super().__init__(page)
        self._page = page

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() != QEvent.Type.KeyPress or not isinstance(event, QKeyEvent):
            return False
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self._page.refresh()
            self._page.table.setFocus()
            return True
        if event.key() == Qt.Key.Key_Down:
            self._page.table.setFocus()
            return True
        return False
