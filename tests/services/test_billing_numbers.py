"""Invoice numbers when bills are raised at the same moment and some of them roll back, on
both backends: the numbers of the bills that were kept are unique and have no gap (a bill
that rolls back gives its number back). tests/data/test_repo_bills.py covers numbers taken
by simultaneous processes that all commit, and one rollback on its own."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from decimal import Decimal

from sqlalchemy import select

from dcms_desktop.data.models import Bill
from dcms_desktop.domain.enums import PricingModel
from dcms_desktop.domain.pricing import compute_totals
from dcms_desktop.domain.readmodels.billing import NewBill, NewBillItem
from dcms_desktop.services.context import ServiceContext
from tests.factories import make_patient, write_session

THREADS = 8
BILLS_EACH = 3


class _RolledBackError(Exception):
    """The bill's transaction fails after it took its number."""


def test_bills_raised_at_once_keep_gapless_unique_numbers_when_some_roll_back(
    database, service_context: ServiceContext
) -> None:
    with write_session(database) as s:
        patient = make_patient(s)
        patient_id, email = patient.id, patient.email
    price = Decimal("40.00")
    bill = NewBill(
        patient_id=patient_id,
        patient_name="Maria Santos",
        patient_email=email,
        appointment_date=date(2030, 3, 4),
        totals=compute_totals([price], tax_rate_percent=Decimal("12")),
        items=(
            NewBillItem(
                service_id=None,
                service_name="Cleaning",
                pricing_model=PricingModel.PER_SESSION,
                quantity=1,
                unit_price=price,
                subtotal=price,
            ),
        ),
    )
    start = threading.Barrier(THREADS)

    def workstation(n: int) -> list[str]:
        kept = []
        start.wait()
        for i in range(BILLS_EACH):
            roll_back = (n + i) % 3 == 0
            try:
                with service_context.uow() as uow:
                    stored = uow.bills.add(bill, generated_by=None)
                    if roll_back:
                        raise _RolledBackError
                    uow.commit()
                kept.append(stored.invoice_number)
            except _RolledBackError:
                pass
        return kept

    with ThreadPoolExecutor(THREADS) as pool:
        kept = sorted(
            number for numbers in pool.map(workstation, range(THREADS)) for number in numbers
        )

    year = kept[0].split("-")[0]
    expected_count = sum(1 for n in range(THREADS) for i in range(BILLS_EACH) if (n + i) % 3)
    assert kept == [f"{year}-{n:06d}" for n in range(1, expected_count + 1)]
    with database.read_sessions() as s:
        stored = sorted(s.scalars(select(Bill.invoice_number)))
    assert stored == kept
