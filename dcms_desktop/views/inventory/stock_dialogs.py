"""Small dialogs that move stock or a restock request a step: Move stock…, Request
restock…, Mark ordered…, Receive… and Cancel request…; each with its messages next to
the field, the work done in the background by the inventory service.
"""

from __future__ import annotations

import html
from dataclasses import replace
from datetime import date
from decimal import Decimal

from PySide6.QtCore import QDate
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QWidget,
)

from dcms_desktop.domain.enums import MovementType, Urgency
from dcms_desktop.domain.errors import InsufficientStockError, ValidationError
from dcms_desktop.domain.money import to_money
from dcms_desktop.domain.readmodels.inventory import (
    InventoryItemView,
    RestockRequestView,
    quantity_text,
)
from dcms_desktop.domain.readmodels.people import Actor
from dcms_desktop.domain.stock import alert_level, urgency_for
from dcms_desktop.services.inventory import InventoryService
from dcms_desktop.views.inventory.form_dialog import FormDialog, Work
from dcms_desktop.views.inventory.models import URGENCY_NAMES
from dcms_desktop.views.inventory.stock_bar import LEVEL_COLOURS, LEVEL_NAMES

MAX_QUANTITY = 1_000_000


def _qdate(day: date) -> QDate:
    return QDate(day.year, day.month, day.day)


def _pydate(value: QDate) -> date:
    return date(value.year(), value.month(), value.day())


def _date_edit(day: date) -> QDateEdit:
    edit = QDateEdit()
    edit.setCalendarPopup(True)
    edit.setDisplayFormat("d MMM yyyy")
    edit.setDate(_qdate(day))
    return edit


def _money(text: str, field: str) -> Decimal:
    try:
        amount = to_money(text.strip() or "", field=field)
    except ValidationError:
        raise ValidationError("Enter the cost as an amount, e.g. 12.50", field=field) from None
    if amount < 0:
        raise ValidationError("A unit cost can't be negative", field=field)
    return amount


# -- moving stock -----------------------------------------------------------------------------
MOVE_CHOICES: tuple[tuple[str, MovementType, int, str], ...] = (
    ("Restock — a delivery came in", MovementType.RESTOCK, +1, "Delivery received"),
    ("Adjustment up — the count found more", MovementType.ADJUSTMENT, +1, "Stock count"),
    ("Adjustment down — the count found fewer", MovementType.ADJUSTMENT, -1, "Stock count"),
    ("Expired — write off", MovementType.EXPIRED, -1, "Past its expiration date"),
    ("Damaged — write off", MovementType.DAMAGED, -1, "Damaged in storage"),
)
"""(label, type, sign, suggested reason) of each choice of Move stock…"""

REASONS = (
    "Delivery received",
    "Stock count",
    "Past its expiration date",
    "Damaged in storage",
    "Returned to supplier",
    "Found in another room",
)


class MoveStockDialog(FormDialog):
    """Record a movement of one item: type, quantity, a reason, the unit cost of a
    restock. The service refuses a move below zero with the stock there is: that lands
    next to the quantity."""

    def __init__(
        self,
        service: InventoryService,
        actor: Actor,
        item: InventoryItemView,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(
            f"Move stock — {item.name}", "moveDialog", "&Record movement", parent, what="the item"
        )
        self._service = service
        self._actor = actor
        self.item = item
        self.setMinimumWidth(580)
        self._show_stock()
        self.kind = QComboBox()
        for label, *_rest in MOVE_CHOICES:
            self.kind.addItem(label)
        self.quantity = QSpinBox()
        self.quantity.setRange(1, MAX_QUANTITY)
        self.quantity.setSuffix(f"  {item.unit}")
        self.reason = QComboBox()
        self.reason.setEditable(True)
        self.reason.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.reason.addItems(["", *REASONS])
        self.reason.lineEdit().setPlaceholderText("Why does the stock change? (required)")
        self.unit_cost = QLineEdit(f"{item.cost_per_unit:.2f}")
        self.add_field("&Movement", "movement_type", self.kind)
        self.add_field("&Quantity", "quantity", self.quantity)
        self.add_field("&Reason", "reason", self.reason)
        self.add_field("Unit &cost", "unit_cost", self.unit_cost)
        self.after = QLabel("")
        self.after.setObjectName("moveDialogAfter")
        self.form.addRow("After", self.after)
        self.kind.currentIndexChanged.connect(lambda _i: self._kind_changed())
        self.quantity.valueChanged.connect(lambda _v: self._preview())
        self.reason.currentTextChanged.connect(lambda _t: self.clear_error("reason"))
        self._kind_changed()
        self.quantity.setFocus()
        self.quantity.selectAll()

    def _show_stock(self) -> None:
        item = self.item
        level = item.alert_level
        self.intro.setText(
            f"<b>{html.escape(item.name)}</b>: {quantity_text(item.current_stock, item.unit)} "
            f"in stock (minimum {item.min_stock}, maximum {item.max_stock}) — "
            f"<span style='color:{LEVEL_COLOURS[level]}'>{LEVEL_NAMES[level].lower()}</span>"
        )
        self.intro.show()

    def _failed(self, error: BaseException) -> None:
        if isinstance(error, InsufficientStockError):
            # The stock changed since the dialog opened (another workstation): show it.
            self.item = replace(self.item, current_stock=error.available)
            self._show_stock()
            self._preview()
        super()._failed(error)

    def choice(self) -> tuple[MovementType, int]:
        _label, kind, sign, _reason = MOVE_CHOICES[self.kind.currentIndex()]
        return kind, sign

    def set_choice(self, kind: MovementType, sign: int) -> None:
        for index, (_label, k, s, _reason) in enumerate(MOVE_CHOICES):
            if k is kind and s == sign:
                self.kind.setCurrentIndex(index)
                return

    def _kind_changed(self) -> None:
        kind, _sign = self.choice()
        restock = kind is MovementType.RESTOCK
        self.unit_cost.setEnabled(restock)
        self.clear_error(
            "unit_cost",
            "What this delivery cost per unit." if restock else "The item's cost is used.",
        )
        suggested = MOVE_CHOICES[self.kind.currentIndex()][3]
        if self.reason.currentText().strip() in ("", *[c[3] for c in MOVE_CHOICES]):
            self.reason.setCurrentText(suggested)
        self._preview()

    def _preview(self) -> None:
        self.clear_error("quantity")
        _kind, sign = self.choice()
        new = self.item.current_stock + sign * self.quantity.value()
        if new < 0:
            self.after.setText(
                f"Only {quantity_text(self.item.current_stock, self.item.unit)} in stock"
            )
            self.after.setProperty("role", "error")
        else:
            level = LEVEL_NAMES[alert_level(new, self.item.min_stock)].lower()
            self.after.setText(f"{self.item.current_stock} → {new} ({level})")
            self.after.setProperty("role", "hint")
        self.after.style().unpolish(self.after)
        self.after.style().polish(self.after)

    def work(self) -> Work:
        kind, sign = self.choice()
        reason = self.reason.currentText().strip()
        if not reason:
            raise ValidationError("Say why the stock changes", field="reason")
        cost = _money(self.unit_cost.text(), "unit_cost") if kind is MovementType.RESTOCK else None
        delta = sign * self.quantity.value()
        service, actor, item_id = self._service, self._actor, self.item.id
        return lambda _report: service.move_stock(
            actor, item_id, delta, kind, reason, unit_cost=cost
        )


# -- restock requests -------------------------------------------------------------------------
class RequestRestockDialog(FormDialog):
    """Ask for more of an item (a pending request an admin approves)."""

    def __init__(
        self,
        service: InventoryService,
        actor: Actor,
        item_id: object,
        name: str,
        unit: str,
        *,
        current: int,
        minimum: int,
        suggested: int,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(
            f"Request restock — {name}", "requestDialog", "&Request", parent, what="the item"
        )
        self._service = service
        self._actor = actor
        self._item_id = item_id
        self.intro.setText(
            f"<b>{html.escape(name)}</b>: {quantity_text(current, unit)} in stock, "
            f"minimum {minimum}."
        )
        self.intro.show()
        self.quantity = QSpinBox()
        self.quantity.setRange(1, MAX_QUANTITY)
        self.quantity.setValue(max(1, suggested))
        self.quantity.setSuffix(f"  {unit}")
        self.urgency = QComboBox()
        for urgency in Urgency:
            self.urgency.addItem(URGENCY_NAMES[urgency], urgency)
        level = alert_level(current, minimum)
        self.urgency.setCurrentIndex(self.urgency.findData(urgency_for(level)))
        self.reason = QLineEdit(
            f"Stock {LEVEL_NAMES[level].lower()}: {current} of minimum {minimum}"
        )
        self.notes = QLineEdit()
        self.notes.setPlaceholderText("Optional")
        self.add_field("&Quantity", "requested_quantity", self.quantity)
        self.add_field("&Urgency", "urgency", self.urgency)
        self.add_field("&Reason", "reason", self.reason)
        self.add_field("&Notes", "notes", self.notes)
        self.setMinimumWidth(480)
        self.quantity.setFocus()

    def work(self) -> Work:
        reason = self.reason.text().strip()
        if not reason:
            raise ValidationError("Say why the restock is needed", field="reason")
        service, actor, item_id = self._service, self._actor, self._item_id
        quantity, urgency = self.quantity.value(), self.urgency.currentData()
        notes = self.notes.text().strip() or None
        return lambda _report: service.request_restock(
            actor, item_id, quantity, reason=reason, urgency=urgency, notes=notes
        )


def _request_intro(request: RestockRequestView) -> str:
    name = html.escape(request.item_name or "the item")
    unit = request.item_unit or ""
    return f"<b>{name}</b>: {quantity_text(request.requested_quantity, unit)} requested."


class OrderDialog(FormDialog):
    """Mark an approved request as ordered: order date, supplier's order number, expected
    delivery."""

    def __init__(
        self,
        service: InventoryService,
        actor: Actor,
        request: RestockRequestView,
        *,
        today: date,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(
            "Mark as ordered", "orderDialog", "&Mark ordered", parent, what="this request"
        )
        self._service, self._actor, self.request = service, actor, request
        self.intro.setText(_request_intro(request))
        self.intro.show()
        self.order_date = _date_edit(today)
        self.order_id = QLineEdit()
        self.order_id.setMaxLength(100)
        self.order_id.setPlaceholderText("The supplier's order number")
        self.expect = QCheckBox("Expected on")
        self.expected = _date_edit(today)
        self.expected.setDate(_qdate(today).addDays(3))
        row = QWidget()
        row_layout = QHBoxLayout(row)
        row_layout.setContentsMargins(0, 0, 0, 0)
        row_layout.addWidget(self.expect)
        row_layout.addWidget(self.expected, 1)
        self.expect.setChecked(True)
        self.expect.toggled.connect(self.expected.setEnabled)
        self.add_field("&Order date", "order_date", self.order_date)
        self.add_field("Supplier &order no.", "supplier_order_id", self.order_id)
        self.add_field("&Delivery", "expected_delivery", row)
        self.fields["expected_delivery"] = self.expected
        self.order_id.textChanged.connect(lambda _t: self.clear_error("supplier_order_id"))
        self.setMinimumWidth(480)
        self.order_id.setFocus()

    def work(self) -> Work:
        ordered = _pydate(self.order_date.date())
        expected = _pydate(self.expected.date()) if self.expect.isChecked() else None
        order_ref = self.order_id.text().strip()
        if not order_ref:
            raise ValidationError("Enter the supplier's order number", field="supplier_order_id")
        if expected is not None and expected < ordered:
            raise ValidationError(
                "The delivery can't be expected before the order date", field="expected_delivery"
            )
        service, actor, request = self._service, self._actor, self.request
        return lambda _report: service.order_restock(
            actor,
            request.id,
            expected_version=request.version,
            order_date=ordered,
            supplier_order_id=order_ref,
            expected_delivery=expected,
        )


class ReceiveDialog(FormDialog):
    """Record the delivery of an ordered request: date, quantity and unit cost received
    (they come in as a restock movement)."""

    def __init__(
        self,
        service: InventoryService,
        actor: Actor,
        request: RestockRequestView,
        *,
        unit_cost: Decimal,
        today: date,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(
            "Receive the delivery", "receiveDialog", "&Receive", parent, what="this request"
        )
        self._service, self._actor, self.request = service, actor, request
        self.intro.setText(_request_intro(request))
        self.intro.show()
        self.delivered = _date_edit(today)
        self.quantity = QSpinBox()
        self.quantity.setRange(0, MAX_QUANTITY)
        self.quantity.setValue(request.requested_quantity)
        self.quantity.setSuffix(f"  {request.item_unit or ''}")
        self.unit_cost = QLineEdit(f"{unit_cost:.2f}")
        self.add_field("&Delivered on", "actual_delivery", self.delivered)
        self.add_field("&Quantity received", "quantity", self.quantity)
        self.add_field("Unit &cost", "unit_cost", self.unit_cost)
        self.quantity.valueChanged.connect(lambda _v: self.clear_error("quantity"))
        self.unit_cost.textChanged.connect(lambda _t: self.clear_error("unit_cost"))
        self.setMinimumWidth(480)
        self.quantity.setFocus()

    def work(self) -> Work:
        if self.quantity.value() <= 0:
            raise ValidationError("Enter how many were received", field="quantity")
        cost = _money(self.unit_cost.text(), "unit_cost")
        delivered, quantity = _pydate(self.delivered.date()), self.quantity.value()
        service, actor, request = self._service, self._actor, self.request
        return lambda _report: service.receive_restock(
            actor,
            request.id,
            expected_version=request.version,
            actual_delivery=delivered,
            quantity=quantity,
            unit_cost=cost,
        )


class CancelRequestDialog(FormDialog):
    """Cancel a request not yet received (admins), saying why."""

    def __init__(
        self,
        service: InventoryService,
        actor: Actor,
        request: RestockRequestView,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(
            "Cancel the request",
            "cancelRequestDialog",
            "Cancel the &request",
            parent,
            what="this request",
        )
        self.cancel_button.setText("&Keep it")
        self._service, self._actor, self.request = service, actor, request
        self.intro.setText(_request_intro(request))
        self.intro.show()
        self.reason = QComboBox()
        self.reason.setEditable(True)
        self.reason.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.reason.addItems(
            ["", "Ordered by mistake", "Supplier can't deliver", "No longer used", "Duplicate"]
        )
        self.reason.lineEdit().setPlaceholderText("Why is it cancelled? (required)")
        self.add_field("&Reason", "reason", self.reason)
        self.reason.currentTextChanged.connect(lambda _t: self.clear_error("reason"))
        self.setMinimumWidth(480)
        self.reason.setFocus()

    def work(self) -> Work:
        reason = self.reason.currentText().strip()
        if not reason:
            raise ValidationError("Say why the request is cancelled", field="reason")
        service, actor, request = self._service, self._actor, self.request
        return lambda _report: service.cancel_restock(
            actor, request.id, reason, expected_version=request.version
        )
