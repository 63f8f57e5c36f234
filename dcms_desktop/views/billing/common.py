"""What the billing screens share: status names and colours, money and dates as text,
the overdue rule as the screens show it, and a small base for billing form dialogs.

The form base (:class:`BillFormDialog`) is the pattern of every small billing dialog
(payment, discount, add item, cancel): fields with their message right under them, the
service call in the background, a refusal put next to the field it names, a stale
version said with who and when, and Reload reading the bill again while the typed
values stay.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QColor, QKeyEvent
from PySide6.QtWidgets import (
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLayout,
    QVBoxLayout,
    QWidget,
)

from dcms_desktop.domain.enums import BillStatus, PaymentMethod
from dcms_desktop.domain.errors import DcmsError, StaleRecordError
from dcms_desktop.domain.money import format_money
from dcms_desktop.domain.readmodels.billing import BillView
from dcms_desktop.domain.readmodels.billing import shown_status as domain_shown_status
from dcms_desktop.domain.readmodels.people import Actor
from dcms_desktop.views.admin.common import (
    busy_bar,
    error_text,
    save_and_cancel,
    stale_message,
    stale_row,
    widen,
)
from dcms_desktop.views.change_password import field_message, show_message, with_message
from dcms_desktop.views.tasks import TaskHandle, run_task

log = logging.getLogger(__name__)

STATUS_TEXT = {
    BillStatus.PENDING: "Unpaid",
    BillStatus.PARTIAL: "Part paid",
    BillStatus.PAID: "Paid",
    BillStatus.OVERDUE: "Overdue",
    BillStatus.CANCELLED: "Cancelled",
}
STATUS_COLOUR = {
    BillStatus.PENDING: "#486581",
    BillStatus.PARTIAL: "#b44d12",
    BillStatus.PAID: "#27704b",
    BillStatus.OVERDUE: "#ab091e",
    BillStatus.CANCELLED: "#829ab1",
}
METHOD_TEXT = {
    PaymentMethod.CASH: "Cash",
    PaymentMethod.CARD: "Card",
    PaymentMethod.BANK_TRANSFER: "Bank transfer",
    PaymentMethod.INSURANCE: "Insurance",
    PaymentMethod.OTHER: "Other",
}

FIELD_WIDTH = 360
"""The width of the fields of the small billing dialogs."""

BILLING_STYLE = """
QLabel.sectionHeading { font-weight: 700; color: #334e68; font-size: 10.5pt; }
QLabel#billTotals, QLabel#receivablesTotal { color: #243b53; font-weight: 600; }
QLabel.muted { color: #627d98; }
QTableView { background: #ffffff; border: 1px solid #d9e2ec; gridline-color: #f0f4f8;
    selection-background-color: #d1eefc; selection-color: #102a43; }
"""


def status_text(status: BillStatus | str) -> str:
    return STATUS_TEXT.get(BillStatus(status), str(status))


def status_colour(status: BillStatus | str) -> QColor:
    return QColor(STATUS_COLOUR.get(BillStatus(status), "#1f2933"))


def money(amount: Decimal, currency: str | None = None) -> str:
    """ "$1,234.50" in the clinic's currency (USD until it is known)."""
    return format_money(amount, currency or "USD")


def day_text(day: date | None) -> str:
    """ "2 Dec 2025" ("—" for none)."""
    if day is None:
        return "—"
    return f"{day.day} {day:%b %Y}"


def shown_status(bill: Any, today: date) -> BillStatus:
    """The status a screen shows: the service's ``shown_status`` when the read model has
    one, else the domain's rule (open, money owed and past its due date -> overdue)."""
    given = getattr(bill, "shown_status", None)
    if given is not None:
        return BillStatus(given)
    return domain_shown_status(
        bill.status,
        total_amount=bill.total_amount,
        amount_paid=bill.amount_paid,
        due_date=bill.due_date,
        today=today,
    )


def edit_block_reason(bill: BillView, *, issued: bool | None = None) -> str | None:
    """Why the bill's items and discount can't be changed now, or None when they can."""
    if issued is None:
        issued = bill.is_issued
    status = BillStatus(bill.status)
    if status is BillStatus.CANCELLED:
        return "This bill is cancelled: its items and discount can't be changed."
    if bill.payments_taken_here:  # payments carried into a reissue don't fix it
        return (
            "A payment has been recorded on this bill, so its items and discount can't "
            "be changed. To correct it, cancel the bill and raise a new one."
        )
    if issued:
        return (
            "The invoice for this bill has been issued, so its items and discount can't be "
            "changed. To correct it, cancel the bill and raise a new one."
        )
    return None


def heading(text: str, name: str = "") -> QLabel:
    label = QLabel(text)
    label.setProperty("class", "sectionHeading")
    if name:
        label.setObjectName(name)
    return label


class BillFormDialog(QDialog):
    """A small dialog that changes one bill: subclasses add fields, then call :meth:`finish`.

    ``work(bill)`` (given the bill as last read) runs in the background; its ``BillView``
    result is ``saved_bill`` and is emitted by ``saved`` before the dialog closes.
    """

    saved = Signal(object)
    """The ``BillView`` as saved."""

    def __init__(
        self,
        billing: Any,
        actor: Actor,
        bill: BillView,
        prefix: str,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._billing = billing
        self._actor = actor
        self.bill = bill
        self._prefix = prefix
        self._task: TaskHandle | None = None
        self.saved_bill: BillView | None = None
        self.errors: dict[str, QLabel] = {}
        self.fields: dict[str, QWidget] = {}
        self.setModal(True)
        self.stale, self.reload_button, self._stale_row = stale_row(
            prefix, "Read the bill again; what you typed stays", self.reload_bill
        )
        self.form = QFormLayout()
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        self.form.setVerticalSpacing(6)
        self.message = field_message(f"{prefix}Message")
        widen(self.message, self.stale)
        self.busy = busy_bar(f"{prefix}Busy")
        self.save_button, self.cancel_button = save_and_cancel(self, prefix, "&Save", self.save)

    # -- building ---------------------------------------------------------------------------
    def add_field(self, caption: str, name: str, widget: QWidget, hint: str = "") -> None:
        label = QLabel(caption)
        label.setBuddy(widget)
        error = field_message(f"{self._prefix}_{name}_error")
        widen(error)
        self.errors[name] = error
        self.fields[name] = widget
        widget.setMinimumWidth(FIELD_WIDTH)
        self.form.addRow(label, with_message(widget, error))
        if hint:
            show_message(error, hint, "hint")

    def finish(self, intro: QWidget | None = None) -> None:
        """Lay the dialog out: stale line, ``intro``, the form, messages, buttons."""
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.save_button)
        layout = QVBoxLayout(self)
        # The dialog takes its layout's size: a message appearing under a field makes it
        # grow instead of squeezing the fields.
        layout.setSizeConstraint(QLayout.SizeConstraint.SetFixedSize)
        layout.setContentsMargins(24, 18, 24, 18)
        layout.setSpacing(8)
        layout.addLayout(self._stale_row)
        if intro is not None:
            layout.addWidget(intro)
        layout.addLayout(self.form)
        layout.addWidget(self.message)
        layout.addWidget(self.busy)
        layout.addLayout(buttons)

    # -- messages ---------------------------------------------------------------------------
    def show_error(self, name: str, text: str) -> None:
        show_message(self.errors[name], text)
        self.fields[name].setFocus()

    def clear_errors(self) -> None:
        for label in self.errors.values():
            if label.property("role") == "error":
                show_message(label, "")
        show_message(self.message, "")

    # -- to override ------------------------------------------------------------------------
    def problems(self) -> dict[str, str]:
        """What is wrong with the input as typed (field -> message); checked before saving."""
        return {}

    def work(self, bill: BillView) -> Callable[[Any], BillView]:
        """The service call to make with the input as typed (run in the background)."""
        raise NotImplementedError

    def bill_reloaded(self, bill: BillView) -> None:
        """The bill was read again after a conflict (update what the dialog shows of it)."""

    doing = "saving"

    # -- saving -----------------------------------------------------------------------------
    @property
    def busy_now(self) -> bool:
        return self._task is not None and not self._task.done

    def save(self) -> None:
        if self.busy_now:
            return
        self.clear_errors()
        found = self.problems()
        for name, text in found.items():
            show_message(self.errors[name], text)
        if found:
            self.fields[next(iter(found))].setFocus()
            return
        try:
            work = self.work(self.bill)
        except DcmsError as error:
            self._failed(error)
            return
        self._set_busy(True)
        self._task = run_task(work, on_done=self._saved, on_error=self._failed, owner=self)

    def _saved(self, bill: BillView) -> None:
        self._set_busy(False)
        self.saved_bill = bill
        self.saved.emit(bill)
        self.accept()

    def _failed(self, error: BaseException) -> None:
        self._set_busy(False)
        if isinstance(error, StaleRecordError):
            show_message(self.stale, stale_message(error, "this bill"))
            self.reload_button.show()
            self.reload_button.setFocus()
            return
        if isinstance(error, DcmsError) and error.field in self.errors:
            assert error.field is not None
            self.show_error(error.field, error.message)
            return
        show_message(self.message, error_text(error, self.doing))

    def reload_bill(self) -> None:
        """Read the bill as saved now (after someone else changed it); keep the input."""
        if self.busy_now:
            return
        billing, actor, bill_id = self._billing, self._actor, self.bill.id
        self._set_busy(True)
        self._task = run_task(
            lambda _report: billing.bill(actor, bill_id),
            on_done=self._reloaded,
            on_error=self._failed,
            owner=self,
        )

    def _reloaded(self, bill: BillView) -> None:
        self._set_busy(False)
        self.bill = bill
        self.reload_button.hide()
        show_message(self.stale, "The bill is read again, as saved now: check and save.", "hint")
        self.bill_reloaded(bill)

    def _set_busy(self, busy: bool) -> None:
        self.busy.setVisible(busy)
        self.save_button.setEnabled(not busy)
        self.reload_button.setEnabled(not busy)
        for widget in self.fields.values():
            widget.setEnabled(not busy)


def bill_id_of(row: Any) -> uuid.UUID:
    """The bill id of a list row or receivables row."""
    return row.bill_id if hasattr(row, "bill_id") else row.id


class EnterOpens(QObject):
    """An event filter: Enter on a table calls ``open_current`` (the table would only
    move down a row)."""

    def __init__(self, parent: QObject, open_current: Callable[[], object]) -> None:
        super().__init__(parent)
        self._open_current = open_current

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
        ):
            self._open_current()
            return True
        return False
