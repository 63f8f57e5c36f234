"""The small dialogs that change a bill from its detail: discount, add an item, cancel.

Each is a :class:`~dcms_desktop.views.billing.common.BillFormDialog`: messages next to
the fields, the call in the background, stale versions said with who and when.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QRadioButton,
    QSpinBox,
    QWidget,
)

from dcms_desktop.domain.enums import PricingModel
from dcms_desktop.domain.errors import ValidationError
from dcms_desktop.domain.pricing import discount_from_percent
from dcms_desktop.domain.readmodels.billing import BillView
from dcms_desktop.domain.readmodels.catalog import DentalService
from dcms_desktop.domain.readmodels.people import Actor
from dcms_desktop.domain.teeth import parse_teeth_text
from dcms_desktop.views.billing.common import BillFormDialog, money
from dcms_desktop.views.billing.payment_dialog import parse_amount
from dcms_desktop.views.change_password import show_message

MAX_REASON = 500

PRICING_HINT = {
    PricingModel.PER_TOOTH: "Priced per tooth: list the teeth treated.",
    PricingModel.PER_SESSION: "Priced per session.",
    PricingModel.PER_FILM: "Priced per film taken.",
}


class DiscountDialog(BillFormDialog):
    """Set the bill's discount: an amount or a percent of the subtotal, with a reason."""

    doing = "setting the discount"

    def __init__(
        self,
        billing: Any,
        actor: Actor,
        bill: BillView,
        parent: QWidget | None = None,
        *,
        currency: str | None = None,
    ) -> None:
        super().__init__(billing, actor, bill, "discount", parent)
        self.setObjectName("discountDialog")
        self.setWindowTitle(f"Discount — invoice {bill.invoice_number}")
        self._currency = currency
        self.intro = QLabel("")
        self.intro.setObjectName("discountIntro")
        self.intro.setWordWrap(True)

        kind = QWidget()
        row = QHBoxLayout(kind)
        row.setContentsMargins(0, 0, 0, 0)
        self.by_amount = QRadioButton("A&n amount")
        self.by_amount.setObjectName("discount_by_amount")
        self.by_percent = QRadioButton("A &percent of the subtotal")
        self.by_percent.setObjectName("discount_by_percent")
        self.by_amount.setChecked(True)
        group = QButtonGroup(self)
        group.addButton(self.by_amount)
        group.addButton(self.by_percent)
        row.addWidget(self.by_amount)
        row.addWidget(self.by_percent)
        row.addStretch(1)
        self.value = QLineEdit()
        self.value.setObjectName("discount_value")
        self.value.setAccessibleName("Discount")
        self.reason = QLineEdit()
        self.reason.setObjectName("discount_reason")
        self.reason.setAccessibleName("Reason for the discount")
        self.reason.setMaxLength(MAX_REASON)
        self.reason.setPlaceholderText("Needed for any discount, e.g. “Senior rate”")
        self.add_field("Discount as", "kind", kind)
        self.add_field("&Discount", "amount", self.value)
        self.add_field("R&eason", "reason", self.reason)
        # The service names these fields "discount" and "discount_reason".
        for alias, name in (("discount", "amount"), ("discount_reason", "reason")):
            self.errors[alias] = self.errors[name]
            self.fields[alias] = self.fields[name]
        self.by_amount.toggled.connect(lambda _on: self._typed())
        self.value.textChanged.connect(lambda _t: self._typed())
        self.save_button.setText("&Apply discount")
        self.finish(self.intro)
        self.bill_reloaded(bill)
        if bill.discount_amount > 0:
            self.value.setText(f"{bill.discount_amount:.2f}")
            self.reason.setText(bill.discount_reason or "")
        self.value.setFocus()

    def bill_reloaded(self, bill: BillView) -> None:
        self.intro.setText(
            f"Subtotal {money(bill.subtotal, self._currency)}; discount now "
            f"{money(bill.discount_amount, self._currency)}. Set 0 to remove the discount."
        )
        self._typed()

    def _discount(self) -> tuple[Decimal, Decimal | None]:
        """(discount amount, percent typed or None); ValidationError about ``amount``."""
        text = self.value.text().strip().rstrip("%").strip()
        if self.by_percent.isChecked():
            try:
                percent = Decimal(text)
            except ArithmeticError:
                raise ValidationError(
                    f"“{self.value.text().strip()}” is not a percent: type it like 10 or 12.5.",
                    field="amount",
                ) from None
            if not percent.is_finite() or percent < 0 or percent > 100:
                raise ValidationError("A percent is between 0 and 100.", field="amount")
            return discount_from_percent(self.bill.subtotal, percent), percent
        return (parse_amount(text) if text else Decimal("0.00")), None

    def _typed(self) -> None:
        if not self.value.text().strip():
            show_message(self.errors["amount"], "")
            return
        problem = self._problems_of_amount()
        if problem:
            show_message(self.errors["amount"], problem)
            return
        amount, percent = self._discount()
        hint = f"That is {money(amount, self._currency)}." if percent is not None else ""
        show_message(self.errors["amount"], hint, "hint")

    def _problems_of_amount(self) -> str | None:
        try:
            amount, _percent = self._discount()
        except ValidationError as error:
            return error.message
        if amount < 0:
            return "A discount can't be negative."
        if amount > self.bill.subtotal:
            return (
                f"The discount can't be more than the subtotal of "
                f"{money(self.bill.subtotal, self._currency)}."
            )
        return None

    def problems(self) -> dict[str, str]:
        found: dict[str, str] = {}
        problem = self._problems_of_amount()
        if problem:
            found["amount"] = problem
        elif self._discount()[0] > 0 and not self.reason.text().strip():
            found["reason"] = "Say why the discount is given."
        return found

    def work(self, bill: BillView) -> Callable[[Any], BillView]:
        amount, percent = self._discount()
        reason = self.reason.text().strip() or None
        billing, actor, bill_id, version = self._billing, self._actor, bill.id, bill.version
        if percent is not None:
            return lambda _report: billing.set_discount(
                actor, bill_id, version, percent=percent, reason=reason
            )
        return lambda _report: billing.set_discount(
            actor, bill_id, version, amount=amount, reason=reason
        )


class AddItemDialog(BillFormDialog):
    """Add a line to the bill: a service of the catalogue, its teeth, sessions or films."""

    doing = "adding the item"

    def __init__(
        self,
        billing: Any,
        actor: Actor,
        bill: BillView,
        services: Sequence[DentalService],
        parent: QWidget | None = None,
        *,
        currency: str | None = None,
    ) -> None:
        super().__init__(billing, actor, bill, "item", parent)
        self.setObjectName("addItemDialog")
        self.setWindowTitle(f"Add an item — invoice {bill.invoice_number}")
        self._currency = currency
        self.service = QComboBox()
        self.service.setObjectName("item_service")
        self.service.setAccessibleName("Service")
        self.service.setEditable(False)
        for service in sorted(services, key=lambda s: (s.category, s.name)):
            self.service.addItem(
                f"{service.name} — {money(service.price, currency)} ({service.category})", service
            )
        self.teeth = QLineEdit()
        self.teeth.setObjectName("item_teeth")
        self.teeth.setAccessibleName("Teeth")
        self.teeth.setPlaceholderText("FDI numbers, e.g. 16, 17")
        self.sessions = QSpinBox()
        self.sessions.setObjectName("item_sessions")
        self.sessions.setAccessibleName("Sessions")
        self.sessions.setRange(1, 99)
        self.films = QSpinBox()
        self.films.setObjectName("item_films")
        self.films.setAccessibleName("Films")
        self.films.setRange(1, 99)
        self.notes = QPlainTextEdit()
        self.notes.setObjectName("item_notes")
        self.notes.setAccessibleName("Notes")
        self.notes.setFixedHeight(54)
        self.notes.setTabChangesFocus(True)
        self.add_field("&Service", "service_id", self.service)
        self.add_field("&Teeth", "teeth", self.teeth)
        self.add_field("S&essions", "sessions", self.sessions)
        self.add_field("&Films", "films", self.films)
        self.add_field("&Notes", "notes", self.notes)
        self.service.currentIndexChanged.connect(lambda _i: self._service_changed())
        self.save_button.setText("&Add item")
        self.finish()
        self._service_changed()
        self.service.setFocus()

    def _service_changed(self) -> None:
        service: DentalService | None = self.service.currentData()
        model = service.pricing_model if service else None
        self.sessions.setEnabled(model is PricingModel.PER_SESSION)
        self.films.setEnabled(model is PricingModel.PER_FILM)
        hint = PRICING_HINT.get(model, "One price; record the teeth if any.") if model else ""
        if service is not None and service.needs_teeth:
            hint = "This service needs the teeth treated. " + hint
        show_message(self.errors["teeth"], hint, "hint")

    def problems(self) -> dict[str, str]:
        found: dict[str, str] = {}
        service: DentalService | None = self.service.currentData()
        if service is None:
            found["service_id"] = "Choose a service."
            return found
        try:
            teeth = parse_teeth_text(self.teeth.text())
        except ValidationError as error:
            found["teeth"] = error.message
            return found
        if not teeth and (service.needs_teeth or service.pricing_model is PricingModel.PER_TOOTH):
            found["teeth"] = f"{service.name} needs the teeth treated."
        return found

    def work(self, bill: BillView) -> Callable[[Any], BillView]:
        service: DentalService = self.service.currentData()
        teeth = parse_teeth_text(self.teeth.text())
        sessions, films = self.sessions.value(), self.films.value()
        notes = self.notes.toPlainText().strip() or None
        billing, actor, bill_id, version = self._billing, self._actor, bill.id, bill.version
        return lambda _report: billing.add_item(
            actor,
            bill_id,
            version,
            service_id=service.id,
            teeth=teeth,
            sessions=sessions,
            films=films,
            notes=notes,
        )


class CancelBillDialog(BillFormDialog):
    """Cancel the bill (admin): a reason is required; payments stay recorded on it."""

    doing = "cancelling the bill"

    def __init__(
        self,
        billing: Any,
        actor: Actor,
        bill: BillView,
        parent: QWidget | None = None,
        *,
        currency: str | None = None,
    ) -> None:
        super().__init__(billing, actor, bill, "cancel", parent)
        self.setObjectName("cancelBillDialog")
        self.setWindowTitle(f"Cancel invoice {bill.invoice_number}")
        self._currency = currency
        intro = QLabel("")
        intro.setObjectName("cancelIntro")
        intro.setWordWrap(True)
        paid = (
            f" The {money(bill.amount_paid, currency)} already paid stays recorded on it, and "
            "is carried over if you raise a new bill from it."
            if bill.amount_paid > 0
            else ""
        )
        intro.setText(
            f"Cancel invoice {bill.invoice_number} of {bill.patient_name} "
            f"({money(bill.total_amount, currency)})? It stays on file, marked cancelled.{paid}"
        )
        self.reason = QLineEdit()
        self.reason.setObjectName("cancel_reason")
        self.reason.setAccessibleName("Reason for cancelling")
        self.reason.setMaxLength(MAX_REASON)
        self.reason.setPlaceholderText("e.g. Wrong service billed")
        self.add_field("&Reason", "reason", self.reason)
        self.save_button.setText("Cancel &bill")
        self.cancel_button.setText("&Keep bill")
        self.finish(intro)
        self.reason.setFocus()

    def problems(self) -> dict[str, str]:
        if not self.reason.text().strip():
            return {"reason": "Say why the bill is cancelled."}
        return {}

    def work(self, bill: BillView) -> Callable[[Any], BillView]:
        reason = self.reason.text().strip()
        billing, actor, bill_id, version = self._billing, self._actor, bill.id, bill.version
        return lambda _report: billing.cancel_bill(actor, bill_id, version, reason)
