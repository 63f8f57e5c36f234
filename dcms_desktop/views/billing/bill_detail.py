"""One bill: who and when, its items, totals and payments, and what can be done with it.

Read with one ``BillingService.bill`` call off the UI thread, and read again after each
change (the service hands back the bill as saved). Items and discount can be changed only
while no payment has been taken on the bill (payments carried into a reissue don't count)
and its invoice is not issued; otherwise the buttons are off and a line says why and what
to do instead (cancel and raise a new bill). A change refused because someone else saved
the bill first says who and when, and Reload reads it again.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from datetime import date
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from dcms_desktop.domain.enums import BillStatus
from dcms_desktop.domain.errors import StaleRecordError
from dcms_desktop.domain.permissions import Action, is_allowed
from dcms_desktop.domain.readmodels.billing import BillView
from dcms_desktop.domain.readmodels.people import Actor
from dcms_desktop.views.admin.common import (
    Confirm,
    ask,
    banner,
    busy_bar,
    error_text,
    stale_message,
    when_text,
)
from dcms_desktop.views.billing.bill_forms import AddItemDialog, CancelBillDialog, DiscountDialog
from dcms_desktop.views.billing.common import (
    BILLING_STYLE,
    STATUS_COLOUR,
    BillFormDialog,
    day_text,
    edit_block_reason,
    heading,
    money,
    shown_status,
    status_text,
)
from dcms_desktop.views.billing.invoice_preview import InvoicePreviewDialog
from dcms_desktop.views.billing.models import ItemsModel, PaymentsModel, table
from dcms_desktop.views.billing.payment_dialog import PaymentDialog
from dcms_desktop.views.change_password import show_message
from dcms_desktop.views.open_dialog import open_dialog
from dcms_desktop.views.patients.live import REFRESH_ALL_ENTITY, ChangeRelay
from dcms_desktop.views.tasks import TaskHandle, run_task

log = logging.getLogger(__name__)

_STYLE = (
    BILLING_STYLE
    + """
QLabel#billNumber { font-size: 16pt; font-weight: 600; color: #102a43; }
QLabel#billFacts { color: #486581; }
QLabel#billStatus { font-weight: 700; font-size: 11pt; }
QFrame#billTotalsCard { background: #ffffff; border: 1px solid #d9e2ec; border-radius: 6px; }
QFrame#billTotalsCard QLabel { background: transparent; }
QLabel#total_balance, QLabel#total_total { font-weight: 700; }
"""
)

TOTALS = (
    ("subtotal", "Subtotal"),
    ("discount", "Discount"),
    ("tax", "Tax"),
    ("total", "Total"),
    ("paid", "Paid"),
    ("balance", "Balance"),
)


class BillDetailDialog(QDialog):
    """``BillDetailDialog(billing, actor, bill_id)``; services for invoices and the catalogue
    are optional (without them the invoice / add-item buttons are hidden)."""

    loaded = Signal(object)
    """The ``BillView`` just shown."""
    changed = Signal(object)
    """A change was saved from here: the ``BillView`` as saved."""

    def __init__(
        self,
        billing: Any,
        actor: Actor,
        bill_id: uuid.UUID,
        parent: QWidget | None = None,
        *,
        invoices: Any = None,
        catalog: Any = None,
        currency: str | None = None,
        today: Callable[[], date] = date.today,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("billDetailDialog")
        self.setStyleSheet(_STYLE)
        self.setWindowTitle("Bill")
        self.setModal(True)
        self.resize(1040, 660)
        self._billing = billing
        self._invoices = invoices
        self._catalog = catalog
        self._actor = actor
        self._bill_id = bill_id
        self._currency = currency
        self._today = today
        self._task: TaskHandle | None = None
        self._seq = 0
        self.bill: BillView | None = None
        self.form: QDialog | None = None
        self.confirm: Confirm = ask(self)
        self.items_model = ItemsModel(self, currency=lambda: self._currency)
        self.payments_model = PaymentsModel(self, currency=lambda: self._currency)
        self._build()
        # Another workstation's change to this bill is shown at once (unless a form is open
        # or a conflict is being shown: then Reload is the person's call).
        context = getattr(billing, "context", None)
        self.relay = ChangeRelay(getattr(context, "bus", None), self)
        self.relay.changed.connect(self._on_change)
        self.reload()

    # -- building ---------------------------------------------------------------------------
    def _button(
        self, text: str, name: str, slot: Callable[[], None], shortcut: str = ""
    ) -> QPushButton:
        button = QPushButton(text)
        button.setObjectName(name)
        button.setAutoDefault(False)
        button.clicked.connect(slot)
        if shortcut:
            action = QAction(self)
            action.setShortcut(QKeySequence(shortcut))
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            action.triggered.connect(lambda: button.isEnabled() and button.isVisible() and slot())
            self.addAction(action)
            button.setToolTip(f"{text.replace('&', '')} ({shortcut})")
        return button

    def _build(self) -> None:
        self.stale = banner("billStale")
        self.stale.setProperty("role", "error")
        self.reload_button = self._button("&Reload", "billReload", self.reload, "F5")
        self.reload_button.hide()
        stale_row = QHBoxLayout()
        stale_row.addWidget(self.stale, 1)
        stale_row.addWidget(self.reload_button, 0, Qt.AlignmentFlag.AlignTop)

        self.number_label = QLabel("Loading the bill…")
        self.number_label.setObjectName("billNumber")
        self.status_label = QLabel("")
        self.status_label.setObjectName("billStatus")
        title_row = QHBoxLayout()
        title_row.addWidget(self.number_label)
        title_row.addSpacing(12)
        title_row.addWidget(self.status_label)
        title_row.addStretch(1)
        self.facts_label = QLabel("")
        self.facts_label.setObjectName("billFacts")
        self.facts_label.setWordWrap(True)
        self.facts_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.note = banner("billNote")
        self.message = banner("billMessage")
        self.busy = busy_bar("billBusy")

        self.items_table = table("billItems", self.items_model, 0)
        self.items_table.selectionModel().selectionChanged.connect(lambda *_: self._update())
        self.add_item_button = self._button("&Add item…", "billAddItem", self.add_item, "Ctrl+N")
        self.remove_item_button = self._button(
            "Re&move item", "billRemoveItem", self.remove_item, "Del"
        )
        self.discount_button = self._button(
            "&Discount…", "billDiscount", self.set_discount, "Ctrl+D"
        )
        item_buttons = QHBoxLayout()
        item_buttons.addWidget(self.add_item_button)
        item_buttons.addWidget(self.remove_item_button)
        item_buttons.addWidget(self.discount_button)
        item_buttons.addStretch(1)

        self.payments_table = table("billPayments", self.payments_model, 2)
        self.payments_empty = QLabel("No payments yet.")
        self.payments_empty.setObjectName("billPaymentsEmpty")
        self.payments_empty.setProperty("class", "muted")

        left = QVBoxLayout()
        left.setSpacing(6)
        left.addWidget(heading("Items"))
        left.addWidget(self.items_table, 3)
        left.addLayout(item_buttons)
        left.addSpacing(4)
        self.payments_heading = heading("Payments")
        left.addWidget(self.payments_heading)
        left.addWidget(self.payments_table, 2)
        left.addWidget(self.payments_empty)

        card = QFrame()
        card.setObjectName("billTotalsCard")
        card.setFixedWidth(300)
        card_layout = QVBoxLayout(card)
        card_layout.setContentsMargins(14, 10, 14, 12)
        card_layout.addWidget(heading("Totals"))
        totals = QFormLayout()
        totals.setVerticalSpacing(6)
        self.totals: dict[str, QLabel] = {}
        for key, caption in TOTALS:
            value = QLabel("—")
            value.setObjectName(f"total_{key}")
            value.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.totals[key] = value
            totals.addRow(QLabel(caption), value)
        card_layout.addLayout(totals)
        self.discount_reason = QLabel("")
        self.discount_reason.setObjectName("billDiscountReason")
        self.discount_reason.setProperty("class", "muted")
        self.discount_reason.setWordWrap(True)
        card_layout.addWidget(self.discount_reason)
        card_layout.addStretch(1)

        body = QHBoxLayout()
        body.setSpacing(16)
        body.addLayout(left, 1)
        body.addWidget(card, 0)

        self.pay_button = self._button(
            "Record &payment…", "billRecordPayment", self.record_payment, "Ctrl+P"
        )
        self.pay_button.setProperty("primary", True)
        self.invoice_button = self._button(
            "&Invoice: preview, print, save…", "billInvoice", self.show_invoice, "Ctrl+I"
        )
        self.cancel_bill_button = self._button("&Cancel bill…", "billCancel", self.cancel_bill)
        self.reissue_button = self._button("&New bill from this one", "billReissue", self.reissue)
        close = self._button("Close", "billClose", self.reject)
        actions = QHBoxLayout()
        actions.addWidget(self.pay_button)
        actions.addWidget(self.invoice_button)
        actions.addStretch(1)
        actions.addWidget(self.cancel_bill_button)
        actions.addWidget(self.reissue_button)
        actions.addWidget(close)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 14, 20, 14)
        layout.setSpacing(6)
        layout.addLayout(stale_row)
        layout.addLayout(title_row)
        layout.addWidget(self.facts_label)
        layout.addWidget(self.note)
        layout.addWidget(self.message)
        layout.addWidget(self.busy)
        layout.addLayout(body, 1)
        layout.addLayout(actions)
        self._update()

    # -- loading ----------------------------------------------------------------------------
    def reload(self) -> None:
        """Read the bill as saved now."""
        if self._task is not None:
            self._task.cancel()
        self._seq += 1
        seq = self._seq
        billing, actor, bill_id = self._billing, self._actor, self._bill_id
        self.busy.show()
        self._task = run_task(
            lambda _report: billing.bill(actor, bill_id),
            on_done=lambda bill: self._show(seq, bill),
            on_error=lambda error: self._failed(seq, error, "reading the bill"),
            owner=self,
        )

    def _show(self, seq: int, bill: BillView) -> None:
        if seq != self._seq:
            return
        self.busy.hide()
        show_message(self.stale, "")
        self.reload_button.hide()
        self.bill = bill
        self._bill_id = bill.id
        self.setWindowTitle(f"Invoice {bill.invoice_number} — {bill.patient_name}")
        self.number_label.setText(f"Invoice {bill.invoice_number}")
        status = shown_status(bill, self._today())
        self.status_label.setText(status_text(status))
        self.status_label.setStyleSheet(f"color: {STATUS_COLOUR[status]};")
        facts = [
            f"<b>{bill.patient_name}</b>",
            f"visit {day_text(bill.appointment_date)}",
            f"raised {when_text(bill.generated_at)}",
            f"due {day_text(bill.due_date)}" if bill.due_date else "no due date",
        ]
        if bill.patient_email:
            facts.insert(1, bill.patient_email)
        self.facts_label.setText("  ·  ".join(facts))
        self.items_model.set_rows(bill.items)
        self.payments_model.set_rows(bill.payments)
        self.payments_table.setVisible(bool(bill.payments))
        self.payments_empty.setVisible(not bill.payments)
        self.payments_heading.setText(f"Payments ({len(bill.payments)})")
        figures = {
            "subtotal": bill.subtotal,
            "discount": -bill.discount_amount,
            "tax": bill.tax_amount,
            "total": bill.total_amount,
            "paid": bill.amount_paid,
            "balance": bill.balance,
        }
        for key, amount in figures.items():
            self.totals[key].setText(money(amount, self._currency))
        owing = bill.balance > 0 and status is not BillStatus.CANCELLED
        self.totals["balance"].setStyleSheet("color: #ab091e;" if owing else "")
        if status is BillStatus.CANCELLED:
            self.totals["balance"].setText("not owed")
            self.totals["balance"].setToolTip("Nothing is owed on a cancelled bill")
        else:
            self.totals["balance"].setToolTip("")
        self.discount_reason.setText(
            f"Discount: {bill.discount_reason}" if bill.discount_reason else ""
        )
        self.discount_reason.setVisible(bool(bill.discount_reason))
        note = self._note(bill)
        show_message(self.note, note, "hint")
        self._update()
        self.loaded.emit(bill)

    def _note(self, bill: BillView) -> str:
        if BillStatus(bill.status) is BillStatus.CANCELLED:
            reason = f" ({bill.cancellation_reason})" if bill.cancellation_reason else ""
            if bill.reissued_as is not None:
                carried = " with its payments" if bill.amount_paid > 0 else ""
                return (
                    f"This bill is cancelled{reason}. It was reissued as bill "
                    f"{bill.reissued_as}{carried}: correct or reissue that one."
                )
            paid = (
                f" {money(bill.amount_paid, self._currency)} was paid on it; a new bill "
                "raised from it carries that over."
                if bill.amount_paid > 0
                else ""
            )
            return f"This bill is cancelled{reason}.{paid}"
        return edit_block_reason(bill) or ""

    def _failed(self, seq: int, error: BaseException, doing: str) -> None:
        if seq != self._seq:
            return
        self.busy.hide()
        if isinstance(error, StaleRecordError):
            show_message(self.stale, stale_message(error, "this bill"))
            self.reload_button.show()
            self.reload_button.setFocus()
        else:
            show_message(self.message, error_text(error, doing))
        self._update()

    def _on_change(self, entity: str, entity_id: str, _action: str) -> None:
        if entity not in ("bill", REFRESH_ALL_ENTITY):
            return
        if entity == "bill" and entity_id != str(self._bill_id):
            return
        busy = self._task is not None and not self._task.done
        if self.form is None and not busy and self.stale.isHidden():
            self.reload()

    # -- state ------------------------------------------------------------------------------
    def _may(self, action: Action) -> bool:
        return is_allowed(self._actor.role, action)

    def _update(self) -> None:
        bill = self.bill
        busy = self._task is not None and not self._task.done
        status = BillStatus(bill.status) if bill else None
        editable = bill is not None and not busy and edit_block_reason(bill) is None
        editable = editable and self._may(Action.EDIT_BILLS)
        why = edit_block_reason(bill) if bill else None
        self.add_item_button.setEnabled(editable and self._catalog is not None)
        self.add_item_button.setVisible(self._catalog is not None)
        selected = bool(self.items_table.selectionModel().selectedRows())
        self.remove_item_button.setEnabled(editable and selected)
        self.discount_button.setEnabled(editable)
        for button in (self.add_item_button, self.remove_item_button, self.discount_button):
            button.setToolTip(why or button.toolTip())
        open_bill = status is not None and status not in (BillStatus.CANCELLED, BillStatus.PAID)
        self.pay_button.setEnabled(
            bool(bill and open_bill and bill.balance > 0 and not busy)
            and self._may(Action.RECORD_PAYMENT)
        )
        self.invoice_button.setVisible(self._invoices is not None)
        self.invoice_button.setEnabled(
            bill is not None and not busy and self._may(Action.PRINT_INVOICE)
        )
        admin = self._may(Action.CANCEL_BILL)
        self.cancel_bill_button.setVisible(admin and status is not BillStatus.CANCELLED)
        self.cancel_bill_button.setEnabled(bill is not None and not busy)
        self.reissue_button.setVisible(admin and status is BillStatus.CANCELLED)
        self.reissue_button.setEnabled(bill is not None and not busy and bill.reissued_as is None)

    # -- changes ----------------------------------------------------------------------------
    def _open_form(self, form: BillFormDialog) -> None:
        form.saved.connect(self._saved)
        open_dialog(self, form, slot="form")

    def _saved(self, bill: BillView) -> None:
        show_message(self.message, "")
        self._seq += 1
        self._show(self._seq, bill)
        self.changed.emit(bill)

    def record_payment(self) -> None:
        if self.bill is None or not self.pay_button.isEnabled():
            return
        self._open_form(
            PaymentDialog(
                self._billing,
                self._actor,
                self.bill,
                self,
                currency=self._currency,
                today=self._today(),
            )
        )

    def set_discount(self) -> None:
        if self.bill is None or not self.discount_button.isEnabled():
            return
        self._open_form(
            DiscountDialog(self._billing, self._actor, self.bill, self, currency=self._currency)
        )

    def cancel_bill(self) -> None:
        if self.bill is None or not self.cancel_bill_button.isEnabled():
            return
        self._open_form(
            CancelBillDialog(self._billing, self._actor, self.bill, self, currency=self._currency)
        )

    def add_item(self) -> None:
        """Read the active services (background), then open the add-item form."""
        if self.bill is None or self._catalog is None or not self.add_item_button.isEnabled():
            return
        catalog, actor = self._catalog, self._actor
        self._run(
            lambda _report: catalog.list_active(actor),
            self._add_item_with,
            "reading the services",
        )

    def _add_item_with(self, services: Any) -> None:
        if self.bill is None:
            return
        self._open_form(
            AddItemDialog(
                self._billing, self._actor, self.bill, services, self, currency=self._currency
            )
        )

    def remove_item(self) -> None:
        bill = self.bill
        rows = self.items_table.selectionModel().selectedRows()
        if bill is None or not rows or not self.remove_item_button.isEnabled():
            return
        item = self.items_model.row_at(rows[0].row())
        if not self.confirm(
            "Remove the item?",
            f"Remove “{item.service_name}” ({money(item.subtotal, self._currency)}) from "
            f"invoice {bill.invoice_number}?",
        ):
            return
        billing, actor, bill_id, version = self._billing, self._actor, bill.id, bill.version
        self._run(
            lambda _report: billing.remove_item(actor, bill_id, version, item.id),
            self._saved,
            "removing the item",
        )

    def reissue(self) -> None:
        bill = self.bill
        if bill is None or not self.reissue_button.isEnabled():
            return
        carried = (
            f" The {money(bill.amount_paid, self._currency)} paid on it is carried over."
            if bill.amount_paid > 0
            else ""
        )
        if not self.confirm(
            "Raise a new bill?",
            f"Raise a new bill for {bill.patient_name} with the items of cancelled invoice "
            f"{bill.invoice_number}, under a new invoice number?{carried}",
        ):
            return
        billing, actor, bill_id = self._billing, self._actor, bill.id
        old = bill.invoice_number

        def reissued(new: BillView) -> None:
            self._saved(new)
            show_message(
                self.message,
                f"New bill {new.invoice_number} raised from cancelled invoice {old}.",
                "ok",
            )

        self._run(lambda _report: billing.reissue(actor, bill_id), reissued, "raising the new bill")

    def _run(self, fn: Callable[[Any], Any], done: Callable[[Any], None], doing: str) -> None:
        if self._task is not None and not self._task.done:
            return
        self._seq += 1
        seq = self._seq
        self.busy.show()
        show_message(self.message, "")

        def finished(result: Any) -> None:
            if seq != self._seq:
                return
            self.busy.hide()
            self._task = None
            done(result)
            self._update()

        self._task = run_task(
            fn,
            on_done=finished,
            on_error=lambda error: self._failed(seq, error, doing),
            owner=self,
        )
        self._update()

    # -- invoice ----------------------------------------------------------------------------
    def show_invoice(self) -> None:
        bill = self.bill
        if bill is None or self._invoices is None:
            return
        dialog = InvoicePreviewDialog(
            self._invoices,
            self._actor,
            bill.id,
            self,
            title=f"Invoice {bill.invoice_number} — {bill.patient_name}",
        )
        # Issuing makes the bill's items final: read it again to show that (a draft or a
        # stored copy changes nothing).
        dialog.loaded.connect(lambda pdf: None if pdf.is_draft or pdf.is_copy else self.reload())
        open_dialog(self, dialog, slot="form")
