"""A bill's detail and its dialogs with real services on the small demo clinic: payments
(partial, then paid), the over-the-balance error next to the amount, discount errors,
cancelling needs a reason, a new bill from a cancelled one, edits off once paid, a stale
version said with who and Reload, and the invoice preview (original, then COPY)."""

from __future__ import annotations

from decimal import Decimal

from PySide6.QtCore import Qt

from dcms_desktop.domain.enums import BillStatus, PaymentMethod, Role
from dcms_desktop.domain.money import format_money
from dcms_desktop.services.billing import BillingService
from dcms_desktop.services.catalog import CatalogService
from dcms_desktop.services.invoices import InvoiceService
from dcms_desktop.views.billing.bill_detail import BillDetailDialog
from dcms_desktop.views.billing.bill_forms import AddItemDialog, CancelBillDialog, DiscountDialog
from dcms_desktop.views.billing.invoice_preview import InvoicePreviewDialog
from dcms_desktop.views.billing.payment_dialog import PaymentDialog
from tests.gui import schedule_support
from tests.gui.test_billing_support import TODAY, WAIT, fresh_bill

demo_template = schedule_support.demo_template
clinic = schedule_support.clinic

CURRENCY = "PHP"  # the demo clinic's


def _money(amount: Decimal | str) -> str:
    return format_money(Decimal(amount), CURRENCY)


def open_detail(qtbot, clinic, bill_id, actor=None) -> BillDetailDialog:
    context = clinic.context
    dialog = BillDetailDialog(
        BillingService(context),
        actor or clinic.actor,
        bill_id,
        invoices=InvoiceService(context),
        catalog=CatalogService(context),
        currency=CURRENCY,
        today=lambda: TODAY,
    )
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(dialog.loaded, timeout=WAIT):
        dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


def open_form(qtbot, dialog: BillDetailDialog, button, kind):
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: isinstance(dialog.form, kind), timeout=WAIT)
    form = dialog.form
    qtbot.waitExposed(form)
    return form


def save(qtbot, dialog: BillDetailDialog, form) -> None:
    with qtbot.waitSignal(dialog.changed, timeout=WAIT):
        qtbot.mouseClick(form.save_button, Qt.MouseButton.LeftButton)


def test_bill_detail_shows_header_items_totals_and_payments(qtbot, clinic, screenshot):
    row = fresh_bill(clinic)
    dialog = open_detail(qtbot, clinic, row.id)
    bill = dialog.bill
    assert dialog.number_label.text() == f"Invoice {bill.invoice_number}"
    assert bill.patient_name in dialog.facts_label.text()
    assert dialog.status_label.text() in ("Unpaid", "Overdue")
    assert dialog.items_model.rowCount() == len(bill.items)
    assert dialog.totals["total"].text() == _money(bill.total_amount)
    assert dialog.totals["balance"].text() == _money(bill.balance)
    assert dialog.add_item_button.isEnabled() and dialog.discount_button.isEnabled()
    assert dialog.payments_empty.isVisible()
    screenshot(dialog, "bill_detail_unpaid")


def test_payment_partial_then_paid_through_the_dialog(qtbot, clinic, screenshot):
    row = fresh_bill(clinic)
    dialog = open_detail(qtbot, clinic, row.id)
    total = dialog.bill.total_amount
    form = open_form(qtbot, dialog, dialog.pay_button, PaymentDialog)
    assert form.amount.text() == f"{total:.2f}"
    assert form.paid_on.date().toPython() == TODAY
    form.amount.setText("100")
    form.method.setCurrentIndex(form.method.findData(PaymentMethod.CARD))
    form.reference.setText("slip 4411")
    save(qtbot, dialog, form)
    bill = dialog.bill
    assert bill.status is BillStatus.PARTIAL and bill.amount_paid == Decimal("100.00")
    assert dialog.status_label.text() in ("Part paid", "Overdue")
    assert dialog.payments_model.rowCount() == 1
    assert dialog.payments_model.index(0, 1).data() == "Card"
    assert dialog.payments_model.index(0, 2).data() == "slip 4411"
    assert dialog.totals["balance"].text() == _money(total - Decimal("100"))
    # Items and discount are now fixed, and the dialog says why.
    assert not dialog.add_item_button.isEnabled() and not dialog.discount_button.isEnabled()
    assert "cancel the bill and raise a new one" in dialog.note.text()

    form = open_form(qtbot, dialog, dialog.pay_button, PaymentDialog)
    assert form.amount.text() == f"{total - Decimal('100'):.2f}"
    save(qtbot, dialog, form)
    assert dialog.bill.status is BillStatus.PAID
    assert dialog.status_label.text() == "Paid"
    assert dialog.totals["balance"].text() == _money("0")
    assert not dialog.pay_button.isEnabled()
    screenshot(dialog, "bill_detail_paid")


def test_paying_more_than_the_balance_is_refused_next_to_the_amount(qtbot, clinic, screenshot):
    row = fresh_bill(clinic)
    dialog = open_detail(qtbot, clinic, row.id)
    form = open_form(qtbot, dialog, dialog.pay_button, PaymentDialog)
    balance = dialog.bill.balance
    form.amount.setText(f"{balance + Decimal('50'):.2f}")
    error = form.errors["amount"]
    assert error.isVisible()
    assert f"more than the balance of {_money(balance)}" in error.text()
    qtbot.mouseClick(form.save_button, Qt.MouseButton.LeftButton)
    assert form.isVisible() and dialog.bill.amount_paid == 0
    qtbot.wait(50)
    screenshot(form, "payment_dialog_error")
    form.amount.setText("abc")
    assert "is not an amount" in error.text()
    form.amount.setText("0")
    assert "more than nothing" in error.text()
    form.amount.setText(f"{balance:.2f}")
    assert not error.isVisible()


def test_the_services_refusal_lands_next_to_the_amount_when_the_balance_changed(qtbot, clinic):
    row = fresh_bill(clinic)
    dialog = open_detail(qtbot, clinic, row.id)
    form = open_form(qtbot, dialog, dialog.pay_button, PaymentDialog)
    # Another desk takes part of the money first: this dialog's version is now stale.
    other = BillingService(clinic.another_workstation())
    bill = other.bill(clinic.actor, row.id)
    other.record_payment(
        clinic.actor, bill.id, bill.version, amount=Decimal("10"), method="cash", paid_on=TODAY
    )
    qtbot.mouseClick(form.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: form.stale.isVisible(), timeout=WAIT)
    assert "after you opened it" in form.stale.text()
    assert form.reload_button.isVisible()
    qtbot.mouseClick(form.reload_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: form.bill.amount_paid == Decimal("10.00"), timeout=WAIT)
    # The typed amount (the old balance) is now over the balance: said next to the field.
    assert form.errors["amount"].isVisible()
    assert _money(form.bill.balance) in form.errors["amount"].text()
    form.amount.setText(f"{form.bill.balance:.2f}")
    save(qtbot, dialog, form)
    assert dialog.bill.status is BillStatus.PAID


def test_discount_needs_a_reason_and_cannot_exceed_the_subtotal(qtbot, clinic, screenshot):
    row = fresh_bill(clinic)
    dialog = open_detail(qtbot, clinic, row.id)
    subtotal = dialog.bill.subtotal
    form = open_form(qtbot, dialog, dialog.discount_button, DiscountDialog)
    form.value.setText(f"{subtotal + Decimal('1'):.2f}")
    assert "can't be more than the subtotal" in form.errors["amount"].text()
    form.value.setText("10")
    qtbot.mouseClick(form.save_button, Qt.MouseButton.LeftButton)
    assert form.errors["reason"].isVisible()
    assert "Say why" in form.errors["reason"].text()
    qtbot.wait(50)  # let the layout settle before the picture
    screenshot(form, "discount_dialog_error")
    form.by_percent.setChecked(True)
    assert "That is" in form.errors["amount"].text()
    form.reason.setText("Senior rate")
    save(qtbot, dialog, form)
    bill = dialog.bill
    assert bill.discount_amount == (subtotal * Decimal("0.10")).quantize(Decimal("0.01"))
    assert dialog.totals["discount"].text() == _money(-bill.discount_amount)
    assert "Senior rate" in dialog.discount_reason.text()


def test_add_and_remove_an_item(qtbot, clinic):
    row = fresh_bill(clinic)
    dialog = open_detail(qtbot, clinic, row.id)
    before = dialog.items_model.rowCount()
    form = open_form(qtbot, dialog, dialog.add_item_button, AddItemDialog)
    index = next(
        i
        for i in range(form.service.count())
        if not form.service.itemData(i).needs_teeth
        and form.service.itemData(i).pricing_model.value == "Per Session"
    )
    form.service.setCurrentIndex(index)
    form.sessions.setValue(2)
    save(qtbot, dialog, form)
    assert dialog.items_model.rowCount() == before + 1
    added = dialog.bill.items[-1]
    assert added.quantity == 2
    dialog.confirm = lambda _title, _text: True
    dialog.items_table.selectRow(before)
    with qtbot.waitSignal(dialog.changed, timeout=WAIT):
        qtbot.mouseClick(dialog.remove_item_button, Qt.MouseButton.LeftButton)
    assert dialog.items_model.rowCount() == before


def test_cancelling_needs_a_reason_then_a_new_bill_carries_the_payment(qtbot, clinic, screenshot):
    row = fresh_bill(clinic)
    dialog = open_detail(qtbot, clinic, row.id)
    form = open_form(qtbot, dialog, dialog.pay_button, PaymentDialog)
    form.amount.setText("50")
    save(qtbot, dialog, form)

    form = open_form(qtbot, dialog, dialog.cancel_bill_button, CancelBillDialog)
    assert "stays recorded" in form.findChild(type(form.stale), "cancelIntro").text()
    qtbot.mouseClick(form.save_button, Qt.MouseButton.LeftButton)
    assert form.errors["reason"].isVisible() and "Say why" in form.errors["reason"].text()
    assert form.isVisible()
    form.reason.setText("Wrong service billed")
    save(qtbot, dialog, form)
    assert dialog.bill.status is BillStatus.CANCELLED
    assert dialog.status_label.text() == "Cancelled"
    assert "Wrong service billed" in dialog.note.text()
    assert dialog.reissue_button.isVisible() and not dialog.cancel_bill_button.isVisible()
    assert not dialog.pay_button.isEnabled()
    screenshot(dialog, "bill_detail_cancelled")

    old_number = dialog.bill.invoice_number
    dialog.confirm = lambda _title, _text: True
    with qtbot.waitSignal(dialog.changed, timeout=WAIT):
        qtbot.mouseClick(dialog.reissue_button, Qt.MouseButton.LeftButton)
    new = dialog.bill
    assert new.invoice_number != old_number and new.id != row.id
    assert new.amount_paid == Decimal("50.00")
    assert f"raised from cancelled invoice {old_number}" in dialog.message.text()
    assert dialog.payments_model.index(0, 2).data() == f"carried from {old_number}"
    # It was raised to be corrected: the carried payment doesn't fix its lines.
    assert dialog.add_item_button.isEnabled() and dialog.discount_button.isEnabled()
    assert "payment has been recorded" not in dialog.note.text()
    screenshot(dialog, "bill_detail_reissued")

    # The old bill says where it went, and is not reissued a second time.
    old = open_detail(qtbot, clinic, row.id)
    assert f"reissued as bill {new.invoice_number}" in old.note.text()
    assert old.reissue_button.isVisible() and not old.reissue_button.isEnabled()


def test_a_payment_taken_on_a_reissued_bill_fixes_its_lines(qtbot, clinic):
    row = fresh_bill(clinic)
    dialog = open_detail(qtbot, clinic, row.id)
    form = open_form(qtbot, dialog, dialog.pay_button, PaymentDialog)
    form.amount.setText("20")
    save(qtbot, dialog, form)
    form = open_form(qtbot, dialog, dialog.cancel_bill_button, CancelBillDialog)
    form.reason.setText("Wrong tooth")
    save(qtbot, dialog, form)
    dialog.confirm = lambda _title, _text: True
    with qtbot.waitSignal(dialog.changed, timeout=WAIT):
        qtbot.mouseClick(dialog.reissue_button, Qt.MouseButton.LeftButton)
    form = open_form(qtbot, dialog, dialog.pay_button, PaymentDialog)
    form.amount.setText("5")
    save(qtbot, dialog, form)
    assert not dialog.add_item_button.isEnabled() and not dialog.discount_button.isEnabled()
    assert "payment has been recorded" in dialog.note.text()


def test_staff_cannot_cancel_a_bill(qtbot, clinic):
    staff = clinic.actor_of(Role.STAFF)
    dialog = open_detail(qtbot, clinic, fresh_bill(clinic).id, actor=staff)
    assert not dialog.cancel_bill_button.isVisible()
    assert dialog.pay_button.isEnabled() and dialog.discount_button.isEnabled()


def test_a_stale_discount_is_refused_with_who_and_reload_reads_the_bill(qtbot, clinic):
    row = fresh_bill(clinic)
    dialog = open_detail(qtbot, clinic, row.id)
    form = open_form(qtbot, dialog, dialog.discount_button, DiscountDialog)
    other = BillingService(clinic.another_workstation())
    bill = other.bill(clinic.actor, row.id)
    other.set_discount(clinic.actor, bill.id, bill.version, amount=Decimal("5"), reason="Promo")
    form.value.setText("7")
    form.reason.setText("Loyalty")
    qtbot.mouseClick(form.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: form.stale.isVisible(), timeout=WAIT)
    assert clinic.actor.display_name in form.stale.text()
    qtbot.mouseClick(form.reload_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: form.bill.discount_amount == Decimal("5.00"), timeout=WAIT)
    assert form.value.text() == "7" and form.reason.text() == "Loyalty"
    save(qtbot, dialog, form)
    assert dialog.bill.discount_amount == Decimal("7.00")


def test_invoice_preview_shows_a_draft_until_issued_then_the_original_then_the_copy(
    qtbot, clinic, screenshot
):
    row = fresh_bill(clinic)
    dialog = open_detail(qtbot, clinic, row.id)
    qtbot.mouseClick(dialog.invoice_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: isinstance(dialog.form, InvoicePreviewDialog), timeout=WAIT)
    preview = dialog.form
    qtbot.waitUntil(lambda: preview.pdf is not None, timeout=WAIT)
    # Looking issues nothing: a draft, not to be printed, and the bill can still change.
    assert preview.pdf.is_draft and "Draft" in preview.state.text()
    assert not preview.preview.print_button.isEnabled()
    assert not preview.preview.save_button.isEnabled()
    assert preview.issue_button.isVisible() and preview.issue_button.isEnabled()
    qtbot.wait(600)  # the pages are drawn in the background
    screenshot(preview, "invoice_preview_draft")
    assert not dialog.bill.is_issued

    with qtbot.waitSignal(dialog.loaded, timeout=WAIT):  # the bill is read again once issued
        qtbot.mouseClick(preview.issue_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: not preview.pdf.is_draft, timeout=WAIT)
    assert not preview.pdf.is_copy
    assert "Original" in preview.state.text()
    assert not preview.issue_button.isVisible()
    assert preview.preview.print_button.isEnabled() and preview.preview.save_button.isEnabled()
    qtbot.wait(600)  # the pages are drawn in the background
    screenshot(preview, "invoice_preview_original")
    # Issued: items and discount are now fixed.
    assert dialog.bill.is_issued
    assert not dialog.discount_button.isEnabled()
    assert "invoice for this bill has been issued" in dialog.note.text()
    preview.reject()
    qtbot.waitUntil(lambda: dialog.form is None, timeout=WAIT)
    qtbot.mouseClick(dialog.invoice_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: isinstance(dialog.form, InvoicePreviewDialog), timeout=WAIT)
    again = dialog.form
    qtbot.waitUntil(lambda: again.pdf is not None, timeout=WAIT)
    assert again.pdf.is_copy and "COPY" in again.state.text()
    qtbot.wait(600)
    screenshot(again, "invoice_preview_copy")


def test_a_cancelled_bill_never_issued_previews_as_cancelled_and_prints(qtbot, clinic):
    row = fresh_bill(clinic)
    billing = BillingService(clinic.another_workstation())
    bill = billing.bill(clinic.actor, row.id)
    billing.cancel_bill(clinic.actor, bill.id, bill.version, "Raised twice")
    dialog = open_detail(qtbot, clinic, row.id)
    qtbot.mouseClick(dialog.invoice_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: isinstance(dialog.form, InvoicePreviewDialog), timeout=WAIT)
    preview = dialog.form
    qtbot.waitUntil(lambda: preview.pdf is not None, timeout=WAIT)
    assert "Cancelled" in preview.state.text() and "issues nothing" in preview.state.text()
    assert not preview.issue_button.isVisible()
    assert preview.preview.print_button.isEnabled()


def test_a_payment_at_another_workstation_shows_in_the_open_bill(qtbot, clinic):
    row = fresh_bill(clinic)
    dialog = open_detail(qtbot, clinic, row.id)
    other = BillingService(clinic.another_workstation())
    bill = other.bill(clinic.actor, row.id)
    with qtbot.waitSignal(dialog.loaded, timeout=WAIT):
        other.record_payment(
            clinic.actor, bill.id, bill.version, amount=Decimal("20"), method="card", paid_on=TODAY
        )
    assert dialog.bill.amount_paid == Decimal("20.00")
    assert dialog.payments_model.rowCount() == 1
    assert not dialog.discount_button.isEnabled()
