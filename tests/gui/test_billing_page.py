"""The Billing section's list and receivables, on the small demo clinic with real services:
filters narrow the list, the totals line adds up the filtered bills, the ageing buckets
show the service's figures and filter the list, and the keyboard reaches everything."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import QApplication

from dcms_desktop.domain.enums import BillStatus, Role
from dcms_desktop.domain.money import format_money
from dcms_desktop.domain.readmodels.billing import BillFilter
from dcms_desktop.views.billing import billing_page
from dcms_desktop.views.billing.batch_export import BatchExportDialog
from dcms_desktop.views.billing.bill_detail import BillDetailDialog
from dcms_desktop.views.billing.invoice_preview import InvoicePreviewDialog
from dcms_desktop.views.billing.models import ROW_ROLE
from dcms_desktop.views.billing.payment_dialog import PaymentDialog
from tests.gui import schedule_support
from tests.gui.test_billing_support import TODAY, WAIT, billing_of, fresh_bill, open_billing

demo_template = schedule_support.demo_template
clinic = schedule_support.clinic


def _rows(page):
    return [page.proxy.data(page.proxy.index(r, 0), ROW_ROLE) for r in range(page.proxy.rowCount())]


def _choose(qtbot, page, combo, data) -> None:
    with qtbot.waitSignal(page.loaded, timeout=WAIT):
        combo.setCurrentIndex(combo.findData(data))


def test_the_list_shows_bills_newest_first_with_totals_over_every_filtered_bill(
    qtbot, clinic, screenshot
):
    page = open_billing(qtbot, clinic)
    expected = billing_of(clinic).bills(clinic.actor, BillFilter())
    shown = page.bill_list
    assert shown.count == expected.count and shown.total == expected.total
    assert page.model.rowCount() == len(expected.rows)
    assert shown.truncated, "the small demo has more bills than the list shows"
    assert page.totals.text().startswith(
        f"{expected.count:,} bills (the first {len(expected.rows)} listed)"
    )
    assert format_money(expected.balance, page.currency) in page.totals.text()
    dates = [row.appointment_date for row in _rows(page)]
    assert dates == sorted(dates, reverse=True)
    # Money is right-aligned; the status column carries its colour.
    index = page.proxy.index(0, 4)
    assert page.proxy.data(index, Qt.ItemDataRole.TextAlignmentRole) & Qt.AlignmentFlag.AlignRight
    screenshot(page, "billing_list")


def test_status_filter_overdue_lists_only_overdue_bills_and_totals_equal_their_sum(
    qtbot, clinic, screenshot
):
    page = open_billing(qtbot, clinic)
    _choose(qtbot, page, page.status, BillStatus.OVERDUE)
    rows = _rows(page)
    assert rows and all(row.shown_status is BillStatus.OVERDUE for row in rows)
    assert all(row.due_date < TODAY and row.amount_paid < row.total_amount for row in rows)
    listed = page.bill_list
    assert not listed.truncated
    assert listed.count == len(rows)
    assert listed.total == sum((r.total_amount for r in rows), Decimal("0"))
    assert listed.paid == sum((r.amount_paid for r in rows), Decimal("0"))
    assert listed.balance == listed.total - listed.paid
    texts = [page.proxy.index(r, 7).data() for r in range(page.proxy.rowCount())]
    assert set(texts) == {"Overdue"}
    assert f"{len(rows)} bill" in page.totals.text()
    assert format_money(listed.balance, page.currency) in page.totals.text()
    screenshot(page, "billing_list_overdue")


def test_period_dentist_and_search_narrow_the_list(qtbot, clinic):
    page = open_billing(qtbot, clinic)
    _choose(qtbot, page, page.period, 30)
    rows = _rows(page)
    assert rows and all(TODAY - timedelta(days=30) <= r.appointment_date <= TODAY for r in rows)
    assert page.date_from.isEnabled()
    # Typing a date makes the period "Custom dates".
    with qtbot.waitSignal(page.loaded, timeout=WAIT):
        page.date_from.setDate(QDate(TODAY - timedelta(days=3)))
    assert page.period.currentData() == "custom"
    assert all(r.appointment_date >= TODAY - timedelta(days=3) for r in _rows(page))
    # A dentist.
    qtbot.waitUntil(lambda: page.dentist.count() > 1, timeout=WAIT)
    dentist_name = page.dentist.itemText(1)
    with qtbot.waitSignal(page.loaded, timeout=WAIT):
        page.dentist.setCurrentIndex(1)
    assert {r.dentist_name for r in _rows(page)} <= {dentist_name}
    # An invoice number typed in the search box.
    with qtbot.waitSignal(page.loaded, timeout=WAIT):
        page.period.setCurrentIndex(page.period.findData(None))
    with qtbot.waitSignal(page.loaded, timeout=WAIT):
        page.dentist.setCurrentIndex(0)
    wanted = fresh_bill(clinic)
    with qtbot.waitSignal(page.loaded, timeout=WAIT):
        qtbot.keyClicks(page.search, wanted.invoice_number)
    assert [r.id for r in _rows(page)] == [wanted.id]
    assert page.totals.text().startswith("1 bill ")


def test_a_filter_that_matches_nothing_says_so(qtbot, clinic):
    page = open_billing(qtbot, clinic)
    with qtbot.waitSignal(page.loaded, timeout=WAIT):
        qtbot.keyClicks(page.search, "nobody-of-that-name")
    assert page.model.rowCount() == 0
    assert page.empty.isVisible() and "No bills match" in page.empty.text()
    assert not page.pay_button.isEnabled() and not page.open_button.isEnabled()


def test_receivables_tab_shows_the_ageing_buckets_and_a_bucket_filters_the_list(
    qtbot, clinic, screenshot
):
    page = open_billing(qtbot, clinic)
    report = billing_of(clinic).receivables_aging(clinic.actor, TODAY)
    tab = page.receivables
    with qtbot.waitSignal(tab.rows_shown, timeout=WAIT):
        page.tabs.setCurrentWidget(tab)
    qtbot.waitUntil(lambda: tab.report is not None, timeout=WAIT)
    for button, bucket in zip(tab.buckets, report.buckets, strict=True):
        assert format_money(bucket.amount, page.currency) in button.text()
        assert f"{bucket.count} bill" in button.text()
    assert format_money(report.total, page.currency) in tab.total.text()
    assert tab.model.rowCount() == report.count
    screenshot(page, "billing_receivables")

    with qtbot.waitSignal(tab.rows_shown, timeout=WAIT):
        qtbot.mouseClick(tab.buckets[1], Qt.MouseButton.LeftButton)
    rows = tab.model.rows()
    assert tab.buckets[1].isChecked()
    assert len(rows) == report.buckets[1].count
    assert sum((r.balance for r in rows), Decimal("0")) == report.buckets[1].amount
    assert all(31 <= (TODAY - r.appointment_date).days <= 60 for r in rows)
    ages = [int(tab.proxy.index(r, 2).data()) for r in range(tab.proxy.rowCount())]
    assert all(31 <= age <= 60 for age in ages)
    assert "31–60 days" in tab.list_caption.text()
    screenshot(page, "billing_receivables_bucket")
    # Alt+2 again shows every bill with money owed.
    tab.table.setFocus()
    with qtbot.waitSignal(tab.rows_shown, timeout=WAIT):
        qtbot.keyClick(tab.table, Qt.Key.Key_2, Qt.KeyboardModifier.AltModifier)
    assert tab.bucket is None and tab.model.rowCount() == report.count
    # Enter opens the selected bill.
    tab.table.selectRow(0)
    first = tab.current_bill_id()
    with qtbot.waitSignal(page.bill_opened, timeout=WAIT) as opened:
        qtbot.keyClick(tab.table, Qt.Key.Key_Return)
    dialog = opened.args[0]
    qtbot.waitUntil(lambda: dialog.bill is not None, timeout=WAIT)
    assert dialog.bill.id == first
    dialog.reject()


def test_keyboard_search_enter_opens_the_bill_and_ctrl_p_takes_a_payment(qtbot, clinic):
    page = open_billing(qtbot, clinic)
    wanted = fresh_bill(clinic)
    page.search.setFocus()
    with qtbot.waitSignal(page.loaded, timeout=WAIT):
        qtbot.keyClicks(page.search, wanted.invoice_number)
    qtbot.keyClick(page.search, Qt.Key.Key_Down)
    assert page.table.hasFocus()
    with qtbot.waitSignal(page.bill_opened, timeout=WAIT) as opened:
        qtbot.keyClick(page.table, Qt.Key.Key_Return)
    dialog: BillDetailDialog = opened.args[0]
    qtbot.waitUntil(lambda: dialog.bill is not None, timeout=WAIT)
    assert dialog.bill.id == wanted.id
    qtbot.keyClick(dialog, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: isinstance(dialog.form, PaymentDialog), timeout=WAIT)
    payment = dialog.form
    assert payment.focusWidget() is payment.amount
    assert payment.amount.text() == f"{wanted.total_amount:.2f}"
    with qtbot.waitSignal(dialog.changed, timeout=WAIT):
        qtbot.keyClick(payment.amount, Qt.Key.Key_Return)
    assert dialog.bill.status is BillStatus.PAID
    assert dialog.totals["balance"].text() == format_money(Decimal("0"), page.currency)
    with qtbot.waitSignal(page.loaded, timeout=WAIT):
        qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert _rows(page)[0].status is BillStatus.PAID


def test_record_payment_from_the_list_opens_the_payment_dialog(qtbot, clinic):
    page = open_billing(qtbot, clinic)
    wanted = fresh_bill(clinic)
    with qtbot.waitSignal(page.loaded, timeout=WAIT):
        qtbot.keyClicks(page.search, wanted.invoice_number)
    assert page.pay_button.isEnabled()
    qtbot.mouseClick(page.pay_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: isinstance(page.dialog, PaymentDialog), timeout=WAIT)
    dialog = page.dialog
    dialog.amount.setText("10.00")
    with qtbot.waitSignal(page.loaded, timeout=WAIT):
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    row = _rows(page)[0]
    assert row.amount_paid == Decimal("10.00")
    assert row.shown_status is BillStatus.PARTIAL


def test_another_workstations_payment_refreshes_the_list(qtbot, clinic):
    page = open_billing(qtbot, clinic)
    wanted = fresh_bill(clinic)
    with qtbot.waitSignal(page.loaded, timeout=WAIT):
        qtbot.keyClicks(page.search, wanted.invoice_number)
    other = billing_of(clinic).__class__(clinic.another_workstation())
    bill = other.bill(clinic.actor, wanted.id)
    with qtbot.waitSignal(page.loaded, timeout=WAIT):
        other.record_payment(
            clinic.actor,
            bill.id,
            bill.version,
            amount=Decimal("5.00"),
            method="cash",
            paid_on=TODAY,
        )
    assert _rows(page)[0].amount_paid == Decimal("5.00")


def test_a_dentist_sees_bills_but_not_cancel(qtbot, clinic):
    dentist = clinic.actor_of(Role.DENTIST)
    page = open_billing(qtbot, clinic, dentist)
    assert page.model.rowCount() > 0
    with qtbot.waitSignal(page.bill_opened, timeout=WAIT) as opened:
        page.open_current()
    dialog = opened.args[0]
    qtbot.waitUntil(lambda: dialog.bill is not None, timeout=WAIT)
    assert not dialog.cancel_bill_button.isVisible()
    dialog.reject()
    QApplication.processEvents()


def test_export_pdfs_hands_every_filtered_bill_to_the_batch_export(qtbot, clinic, monkeypatch):
    # A list of 3 rows: the export still takes every bill the filters match.
    monkeypatch.setattr(billing_page, "LIST_LIMIT", 3)
    page = open_billing(qtbot, clinic)
    _choose(qtbot, page, page.status, BillStatus.PAID)
    assert len(_rows(page)) == 3
    qtbot.keyClick(
        page.table,
        Qt.Key.Key_E,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    qtbot.waitUntil(lambda: isinstance(page.dialog, BatchExportDialog), timeout=WAIT)
    listed = page.current_filter()
    everything = billing_of(clinic).bills(clinic.actor, listed)
    assert page.dialog._ids[:3] == [row.id for row in _rows(page)]
    assert len(page.dialog._ids) == everything.count > 3
    page.dialog.reject()


def test_print_preview_from_the_list_shows_the_selected_bills_invoice(qtbot, clinic):
    page = open_billing(qtbot, clinic)
    wanted = fresh_bill(clinic)
    with qtbot.waitSignal(page.loaded, timeout=WAIT):
        qtbot.keyClicks(page.search, wanted.invoice_number)
    qtbot.mouseClick(page.print_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: isinstance(page.dialog, InvoicePreviewDialog), timeout=WAIT)
    preview = page.dialog
    qtbot.waitUntil(lambda: preview.pdf is not None, timeout=WAIT)
    assert preview.pdf.invoice_number == wanted.invoice_number and preview.pdf.is_draft
    preview.reject()
