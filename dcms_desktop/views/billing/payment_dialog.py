"""Taking a payment on a bill: amount (the balance to start with), method, date, reference.

Enter saves, Esc cancels. The amount is checked as it is typed (a number, more than
nothing, not more than the balance: the message names the balance); the service checks
again and its refusals land next to the field they are about.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

from PySide6.QtCore import QDate
from PySide6.QtWidgets import QComboBox, QDateEdit, QLabel, QLineEdit, QWidget

from dcms_desktop.domain.enums import PaymentMethod
from dcms_desktop.domain.errors import ValidationError
from dcms_desktop.domain.money import to_money
from dcms_desktop.domain.readmodels.billing import BillView
from dcms_desktop.domain.readmodels.people import Actor
from dcms_desktop.views.billing.common import METHOD_TEXT, BillFormDialog, day_text, money
from dcms_desktop.views.change_password import show_message

MAX_REFERENCE = 100


def parse_amount(text: str) -> Decimal:
    """Typed money ("1,234.50", "$80") as a Decimal; ValidationError about ``amount``."""
    cleaned = text.strip().replace(",", "").lstrip("$€£₹₱").strip()
    if not cleaned:
        raise ValidationError("Enter the amount paid.", field="amount")
    try:
        return to_money(cleaned, field="amount")
    except ValidationError:
        raise ValidationError(
            f"“{text.strip()}” is not an amount: type it like 80 or 80.50.", field="amount"
        ) from None


class PaymentDialog(BillFormDialog):
    """Record a payment on ``bill``; ``saved_bill`` is the bill after it."""

    doing = "recording the payment"

    def __init__(
        self,
        billing: Any,
        actor: Actor,
        bill: BillView,
        parent: QWidget | None = None,
        *,
        currency: str | None = None,
        today: date | None = None,
    ) -> None:
        super().__init__(billing, actor, bill, "payment", parent)
        self.setObjectName("paymentDialog")
        self.setWindowTitle(f"Record a payment — invoice {bill.invoice_number}")
        self._currency = currency
        self._today = today or date.today()
        self.summary = QLabel("")
        self.summary.setObjectName("paymentSummary")
        self.summary.setWordWrap(True)

        self.amount = QLineEdit()
        self.amount.setObjectName("payment_amount")
        self.amount.setAccessibleName("Amount paid")
        self.amount.textChanged.connect(self._amount_typed)
        self.method = QComboBox()
        self.method.setObjectName("payment_method")
        self.method.setAccessibleName("Payment method")
        for method in PaymentMethod:
            self.method.addItem(METHOD_TEXT[method], method)
        self.paid_on = QDateEdit()
        self.paid_on.setObjectName("payment_paid_on")
        self.paid_on.setAccessibleName("Date paid")
        self.paid_on.setCalendarPopup(True)
        self.paid_on.setDisplayFormat("d MMM yyyy")
        self.paid_on.setMaximumDate(QDate(self._today))
        self.paid_on.setDate(QDate(self._today))
        self.reference = QLineEdit()
        self.reference.setObjectName("payment_reference")
        self.reference.setAccessibleName("Reference")
        self.reference.setMaxLength(MAX_REFERENCE)
        self.reference.setPlaceholderText("Optional: card slip, transfer or claim number")

        self.add_field("&Amount", "amount", self.amount)
        self.add_field("&Method", "method", self.method)
        self.add_field("&Date paid", "paid_on", self.paid_on)
        self.add_field("&Reference", "reference", self.reference)
        self.save_button.setText("&Record payment")
        self.finish(self.summary)
        self._show_bill(bill, fill_amount=True)
        self.amount.setFocus()
        self.amount.selectAll()

    def _show_bill(self, bill: BillView, *, fill_amount: bool) -> None:
        self.summary.setText(
            f"<b>{bill.patient_name}</b> · invoice {bill.invoice_number} · visit "
            f"{day_text(bill.appointment_date)}<br>Total {money(bill.total_amount, self._currency)}"
            f", paid {money(bill.amount_paid, self._currency)}, "
            f"<b>balance {money(bill.balance, self._currency)}</b>"
        )
        if fill_amount:
            self.amount.setText(f"{bill.balance:.2f}")

    def bill_reloaded(self, bill: BillView) -> None:
        self._show_bill(bill, fill_amount=False)
        self._amount_typed()

    # -- checking ---------------------------------------------------------------------------
    def _amount_problem(self) -> str | None:
        try:
            amount = parse_amount(self.amount.text())
        except ValidationError as error:
            return error.message
        if amount <= 0:
            return "The amount must be more than nothing."
        if amount > self.bill.balance:
            return (
                f"That is more than the balance of {money(self.bill.balance, self._currency)}. "
                "Take at most the balance."
            )
        return None

    def _amount_typed(self, _text: str = "") -> None:
        problem = self._amount_problem() if self.amount.text().strip() else None
        show_message(self.errors["amount"], problem or "")

    def problems(self) -> dict[str, str]:
        found: dict[str, str] = {}
        problem = self._amount_problem()
        if problem:
            found["amount"] = problem
        if self.paid_on.date().toPython() > self._today:
            found["paid_on"] = "A payment can't be dated in the future."
        return found

    def work(self, bill: BillView) -> Callable[[Any], BillView]:
        amount = parse_amount(self.amount.text())
        method = self.method.currentData()
        paid_on = self.paid_on.date().toPython()
        reference = self.reference.text().strip() or None
        billing, actor = self._billing, self._actor
        bill_id, version = bill.id, bill.version
        return lambda _report: billing.record_payment(
            actor,
            bill_id,
            version,
            amount=amount,
            method=method,
            paid_on=paid_on,
            reference=reference,
        )
