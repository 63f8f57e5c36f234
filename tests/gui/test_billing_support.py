"""What the billing GUI tests share (no tests here): the small demo clinic on SQLite with
its clock at 11:40 on a fixed Tuesday (schedule_support), real services, and finders for
bills in a given state.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from dcms_desktop.domain.enums import BillStatus
from dcms_desktop.domain.readmodels.billing import BillFilter, BillListRow
from dcms_desktop.domain.readmodels.people import Actor
from dcms_desktop.services.billing import BillingService
from dcms_desktop.views.billing.billing_page import BillingPage
from tests.gui.schedule_support import PAGE_SIZE, TODAY, Clinic

WAIT = 20_000

__all__ = ["TODAY", "WAIT", "billing_of", "fresh_bill", "open_billing"]


def billing_of(clinic: Clinic) -> BillingService:
    return BillingService(clinic.context)


def fresh_bill(clinic: Clinic, actor: Actor | None = None) -> BillListRow:
    """An unpaid bill with nothing paid on it and its invoice not issued (editable)."""
    service = billing_of(clinic)
    who = actor or clinic.actor
    rows = service.bills(who, BillFilter(status=BillStatus.PENDING, limit=500)).rows
    for row in rows:
        editable = row.amount_paid == Decimal("0.00") and row.total_amount > 0
        if editable and not service.bill(who, row.id).is_issued:
            return row
    raise AssertionError("the demo clinic has no editable bill")


def open_billing(qtbot: Any, clinic: Clinic, actor: Actor | None = None) -> BillingPage:
    """The billing page at 1366×768, shown, with its first list loaded."""
    page = BillingPage(clinic.context, actor or clinic.actor)
    qtbot.addWidget(page)
    page.resize(*PAGE_SIZE)
    with qtbot.waitSignal(page.loaded, timeout=WAIT):
        page.show()
    qtbot.waitExposed(page)
    qtbot.waitUntil(lambda: page.currency is not None, timeout=WAIT)
    return page
