"""A patient's money on their page: the balance line in the header and the Bills tab, read
with the real services on the small demo clinic."""

from __future__ import annotations

from PySide6.QtCore import Qt

from dcms_desktop.domain.enums import BillStatus
from dcms_desktop.domain.money import format_money
from dcms_desktop.domain.readmodels.billing import BillFilter
from dcms_desktop.services.patients import PatientService
from dcms_desktop.services.settings import SettingsService
from dcms_desktop.views.billing.bill_detail import BillDetailDialog
from dcms_desktop.views.patients.patient_page import PatientPageView
from tests.gui import schedule_support
from tests.gui.schedule_support import PAGE_SIZE
from tests.gui.test_billing_support import WAIT, billing_of

demo_template = schedule_support.demo_template
clinic = schedule_support.clinic


def _overdue_patient(clinic):
    rows = billing_of(clinic).bills(clinic.actor, BillFilter(status=BillStatus.OVERDUE)).rows
    return rows[0].patient_id


def open_patient(qtbot, clinic, patient_id) -> PatientPageView:
    settings = SettingsService(clinic.context)
    page = PatientPageView(
        PatientService(clinic.context),
        clinic.actor,
        currency=lambda: settings.get(clinic.actor).currency,
    )
    qtbot.addWidget(page)
    page.resize(*PAGE_SIZE)
    page.show()
    qtbot.waitExposed(page)
    assert page.bills_panel is not None
    with (
        qtbot.waitSignal(page.loaded, timeout=WAIT),
        qtbot.waitSignal(page.bills_panel.loaded, timeout=WAIT),
    ):
        page.show_patient(patient_id)
    return page


def test_patient_page_shows_the_balance_line_and_the_bills_tab(qtbot, clinic, screenshot):
    patient_id = _overdue_patient(clinic)
    page = open_patient(qtbot, clinic, patient_id)
    panel = page.bills_panel
    balance = billing_of(clinic).patient_balance(clinic.actor, patient_id)
    assert balance.overdue_amount > 0
    text = panel.balance_line.text()
    assert panel.balance_line.isVisible()
    assert format_money(balance.balance, "PHP") in text
    assert f"{balance.open_bills} open bill" in text
    assert f"{format_money(balance.overdue_amount, 'PHP')} overdue" in text
    screenshot(page, "patient_page_balance")

    page.tabs.setCurrentWidget(panel)
    bills = billing_of(clinic).bills(clinic.actor, BillFilter(patient_id=patient_id))
    assert panel.model.rowCount() == len(bills.rows) == bills.count
    assert panel.table.isColumnHidden(2)  # the patient column: it is their page
    assert f"{bills.count} bill" in panel.summary.text()
    screenshot(page, "patient_page_bills_tab")

    panel.table.setFocus()
    panel.table.selectRow(0)
    with qtbot.waitSignal(panel.bill_opened, timeout=WAIT) as opened:
        qtbot.keyClick(panel.table, Qt.Key.Key_Return)
    dialog: BillDetailDialog = opened.args[0]
    qtbot.waitUntil(lambda: dialog.bill is not None, timeout=WAIT)
    assert dialog.bill.patient_id == patient_id
    dialog.reject()


def test_a_payment_elsewhere_updates_the_balance_line(qtbot, clinic):
    patient_id = _overdue_patient(clinic)
    page = open_patient(qtbot, clinic, patient_id)
    service = billing_of(clinic)
    before = service.patient_balance(clinic.actor, patient_id)
    row = service.bills(clinic.actor, BillFilter(patient_id=patient_id, status=BillStatus.OVERDUE))
    bill = service.bill(clinic.actor, row.rows[0].id)
    with qtbot.waitSignal(page.bills_panel.loaded, timeout=WAIT):
        service.record_payment(
            clinic.actor,
            bill.id,
            bill.version,
            amount=bill.balance,
            method="cash",
            paid_on=schedule_support.TODAY,
        )
        # The patients section re-reads the page on any bill event (its live refresh).
        assert page.concerns("bill", str(bill.id))
        page.reload()
    after = page.bills_panel.balance
    assert after.balance == before.balance - bill.balance
    assert format_money(after.balance, "PHP") in page.bills_panel.balance_line.text()
