"""Property: whatever the lines, quantities, discount and tax rate, the bill STORED by the
billing service (read back from the table, on both backends) adds up exactly as
ARCHITECTURE.md says: subtotal = sum of the lines; 0 <= discount <= subtotal; tax =
(subtotal - discount) x rate, half-up to the cent; total = subtotal - discount + tax >= 0.
A discount above the subtotal is refused and leaves the bill as it was."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from dcms_desktop.data.models import Bill, BillItem
from dcms_desktop.domain.errors import ValidationError
from dcms_desktop.domain.pricing import compute_totals
from dcms_desktop.domain.readmodels.billing import NewBill
from dcms_desktop.services.billing import BillingService
from dcms_desktop.services.context import ServiceContext
from tests.factories import actor_for, make_patient, make_service, make_staff, write_session

CENT = Decimal("0.01")

prices = st.decimals(min_value=0, max_value=Decimal("99999.99"), places=2)
percents = st.decimals(min_value=0, max_value=100, places=2)
lines = st.lists(st.tuples(prices, st.integers(min_value=1, max_value=20)), min_size=1, max_size=6)
# A discount: a percentage, or an amount as a share of the subtotal (over 1: too much).
discounts = st.one_of(
    st.tuples(st.just("percent"), percents),
    st.tuples(st.just("share"), st.decimals(min_value=0, max_value=Decimal("1.5"), places=3)),
)


def _stored(context: ServiceContext, bill_id: object) -> tuple[Bill, list[Decimal]]:
    with context.uow(write=False) as uow:
        bill = uow.session.scalars(select(Bill).where(Bill.id == bill_id)).one()
        items = list(
            uow.session.scalars(select(BillItem.subtotal).where(BillItem.bill_id == bill_id))
        )
        uow.session.expunge(bill)
    return bill, items


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(lines=lines, tax_rate=percents, discount=discounts)
def test_a_stored_bill_always_adds_up_exactly(
    database,
    service_context: ServiceContext,
    lines: list[tuple[Decimal, int]],
    tax_rate: Decimal,
    discount: tuple[str, Decimal],
) -> None:
    with write_session(database) as s:
        staff = actor_for(make_staff(s))
        patient = make_patient(s)
        services = [
            make_service(s, price=price, pricing_model="Per Session").id for price, _ in lines
        ]
        patient_id, name, email = patient.id, patient.first_name, patient.email
    with service_context.uow() as uow:
        current = uow.settings.get()
        uow.settings.update({"tax_rate": tax_rate}, current.version, None)
        empty = uow.bills.add(
            NewBill(
                patient_id=patient_id,
                patient_name=name,
                patient_email=email,
                appointment_date=service_context.local_now().date(),
                totals=compute_totals([]),
                items=(),
            ),
            generated_by=None,
        )
        uow.commit()
    billing = BillingService(service_context)
    bill = empty
    for service_id, (_, sessions) in zip(services, lines, strict=True):
        bill = billing.add_item(
            staff, bill.id, bill.version, service_id=service_id, sessions=sessions
        )

    kind, value = discount
    before = bill
    try:
        if kind == "percent":
            bill = billing.set_discount(
                staff, bill.id, bill.version, percent=value, reason="property"
            )
        else:
            amount = (bill.subtotal * value).quantize(CENT, rounding=ROUND_HALF_UP)
            bill = billing.set_discount(
                staff, bill.id, bill.version, amount=amount, reason="property"
            )
        refused = False
    except ValidationError as error:
        assert error.field == "discount"
        refused = True

    stored, items = _stored(service_context, bill.id)
    assert stored.subtotal == sum(items, Decimal("0.00"))
    assert stored.subtotal == sum((price * n for price, n in lines), Decimal("0.00"))
    assert Decimal(0) <= stored.discount_amount <= stored.subtotal
    taxable = stored.subtotal - stored.discount_amount
    assert stored.tax_amount == (taxable * tax_rate / 100).quantize(CENT, rounding=ROUND_HALF_UP)
    assert stored.total_amount == taxable + stored.tax_amount
    assert stored.total_amount >= 0
    if refused:
        assert kind == "share" and value > 1
        assert (stored.discount_amount, stored.version) == (before.discount_amount, before.version)
    elif kind == "percent":
        assert stored.discount_amount == (stored.subtotal * value / 100).quantize(
            CENT, rounding=ROUND_HALF_UP
        )
