"""A patient's money on their page: a one-line balance and the list of their bills.

``PatientBillsPanel.balance_line`` ("Balance: $123.00 · 2 open bills · $50.00 overdue")
sits in the page's header; the panel itself is the page's Bills tab. Both are read
in the background with one call each; roles that may not see bills get no panel at all
(:func:`make_bills_panel` returns None).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QDialog, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from dcms_desktop.domain.permissions import Action, is_allowed
from dcms_desktop.domain.readmodels.billing import BillFilter
from dcms_desktop.domain.readmodels.people import Actor
from dcms_desktop.services.billing import BillingService
from dcms_desktop.services.catalog import CatalogService
from dcms_desktop.services.invoices import InvoiceService
from dcms_desktop.services.settings import SettingsService
from dcms_desktop.views.admin.common import error_text
from dcms_desktop.views.billing.bill_detail import BillDetailDialog
from dcms_desktop.views.billing.common import BILLING_STYLE, EnterOpens, money
from dcms_desktop.views.billing.models import ROW_ROLE, BillsModel, sorting_proxy, table
from dcms_desktop.views.change_password import show_message
from dcms_desktop.views.open_dialog import open_dialog
from dcms_desktop.views.tasks import TaskHandle, run_task

PATIENT_BILLS_LIMIT = 200


def make_bills_panel(
    context: Any, actor: Actor, *, today: Callable[[], date] | None = None
) -> PatientBillsPanel | None:
    """The panel for ``actor`` on ``context``, or None (no context, or no right to see bills)."""
    if context is None or not is_allowed(actor.role, Action.VIEW_BILLS):
        return None
    return PatientBillsPanel(
        BillingService(context),
        actor,
        invoices=InvoiceService(context),
        catalog=CatalogService(context),
        settings=SettingsService(context),
        today=today or (lambda: context.local_now().date()),
    )


class PatientBillsPanel(QWidget):
    """The Bills tab of a patient's page, with the balance line for the page's header."""

    loaded = Signal(object)
    """The ``PatientBalance`` just shown."""
    bill_opened = Signal(object)
    """The ``BillDetailDialog`` just opened."""

    def __init__(
        self,
        billing: Any,
        actor: Actor,
        parent: QWidget | None = None,
        *,
        invoices: Any = None,
        catalog: Any = None,
        settings: Any = None,
        today: Callable[[], date] = date.today,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("patientBills")
        self.setStyleSheet(BILLING_STYLE)
        self._billing = billing
        self._invoices = invoices
        self._catalog = catalog
        self._settings = settings
        self._actor = actor
        self._today = today
        self._currency: str | None = None
        self._patient_id: uuid.UUID | None = None
        self._seq = 0
        self._task: TaskHandle | None = None
        self.balance: Any = None
        self.dialog: QDialog | None = None
        self.model = BillsModel(self, currency=lambda: self._currency, today=today)
        self.proxy = sorting_proxy(self.model, self)

        self.balance_line = QLabel("")
        self.balance_line.setObjectName("patientBalanceLine")
        self.balance_line.setTextFormat(Qt.TextFormat.RichText)
        self.balance_line.hide()

        self.summary = QLabel("Loading the bills…")
        self.summary.setObjectName("patientBillsSummary")
        self.summary.setProperty("class", "sectionHeading")
        self.table = table("patientBillsTable", self.proxy, 3, sortable=True)
        self.table.setColumnHidden(2, True)  # the patient: it is their page
        self.table.doubleClicked.connect(lambda _i: self.open_current())
        self.table.installEventFilter(EnterOpens(self, self.open_current))
        self.empty = QLabel("No bills yet: a bill is raised when a visit is completed.")
        self.empty.setObjectName("patientBillsEmpty")
        self.empty.setProperty("class", "muted")
        self.empty.hide()
        self.message = QLabel("")
        self.message.setObjectName("patientBillsMessage")
        self.message.setWordWrap(True)
        self.message.hide()
        self.open_button = QPushButton("&Open bill")
        self.open_button.setObjectName("patientBillsOpen")
        self.open_button.setAutoDefault(False)
        self.open_button.clicked.connect(self.open_current)
        bottom = QHBoxLayout()
        hint = QLabel("Enter or double-click opens a bill: payments, discount, invoice.")
        hint.setProperty("class", "muted")
        bottom.addWidget(hint, 1)
        bottom.addWidget(self.open_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 10, 0, 0)
        layout.setSpacing(6)
        layout.addWidget(self.summary)
        layout.addWidget(self.message)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.empty)
        layout.addLayout(bottom)

    # -- loading ----------------------------------------------------------------------------
    def show_patient(self, patient_id: uuid.UUID) -> None:
        """Read the patient's balance and bills (again) in the background."""
        if patient_id != self._patient_id:
            self._patient_id = patient_id
            self.model.set_rows(())
            self.balance_line.hide()
        if self._task is not None:
            self._task.cancel()
        self._seq += 1
        seq = self._seq
        billing, actor, settings = self._billing, self._actor, self._settings
        want_currency = self._currency is None and settings is not None

        def work(_report: Any) -> tuple[Any, Any, str | None]:
            balance = billing.patient_balance(actor, patient_id)
            bills = billing.bills(
                actor, BillFilter(patient_id=patient_id, limit=PATIENT_BILLS_LIMIT)
            )
            currency = settings.get(actor).currency if want_currency else None
            return balance, bills, currency

        self._task = run_task(
            work,
            on_done=lambda result: self._loaded(seq, *result),
            on_error=lambda error: self._failed(seq, error),
            owner=self,
        )

    def refresh(self) -> None:
        if self._patient_id is not None:
            self.show_patient(self._patient_id)

    def _loaded(self, seq: int, balance: Any, bills: Any, currency: str | None) -> None:
        if seq != self._seq:
            return
        if currency:
            self._currency = currency
        self.balance = balance
        show_message(self.message, "")
        self.balance_line.setText(self.balance_text(balance))
        self.balance_line.setToolTip(
            f"Billed {money(balance.total_billed, self._currency)}, paid "
            f"{money(balance.total_paid, self._currency)} (cancelled bills not counted)"
        )
        self.balance_line.show()
        self.model.set_rows(bills.rows)
        self.table.setVisible(bool(bills.rows))
        self.empty.setVisible(not bills.rows)
        self.open_button.setEnabled(bool(bills.rows))
        more = f", the latest {len(bills.rows)} listed" if bills.truncated else ""
        self.summary.setText(
            f"{bills.count} {'bill' if bills.count == 1 else 'bills'}{more}  ·  billed "
            f"{money(bills.total, self._currency)}  ·  paid {money(bills.paid, self._currency)}"
            f"  ·  balance {money(bills.balance, self._currency)}"
        )
        if bills.rows and not self.table.selectionModel().hasSelection():
            self.table.selectRow(0)
        self.loaded.emit(balance)

    def balance_text(self, balance: Any) -> str:
        """ "Balance: $123.00 · 2 open bills · $50.00 overdue" (rich text)."""
        amount = money(balance.balance, self._currency)
        if balance.balance <= 0:
            return f"Balance: <b>{amount}</b> · nothing owed"
        parts = [f"Balance: <b style='color:#ab091e'>{amount}</b>"]
        parts.append(f"{balance.open_bills} open {'bill' if balance.open_bills == 1 else 'bills'}")
        if balance.overdue_amount > 0:
            overdue = money(balance.overdue_amount, self._currency)
            parts.append(f"<span style='color:#ab091e'>{overdue} overdue</span>")
        return " · ".join(parts)

    def _failed(self, seq: int, error: BaseException) -> None:
        if seq != self._seq:
            return
        show_message(self.message, error_text(error, "reading the patient's bills"))
        self.summary.setText("Bills")

    # -- opening ----------------------------------------------------------------------------
    def open_current(self) -> None:
        index = self.table.currentIndex()
        if not index.isValid():
            return
        row = self.proxy.data(self.proxy.index(index.row(), 0), ROW_ROLE)
        self.open_bill(row.id)

    def open_bill(self, bill_id: uuid.UUID) -> BillDetailDialog:
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
        open_dialog(self, dialog, closed=self.refresh)
        self.bill_opened.emit(dialog)
        return dialog
