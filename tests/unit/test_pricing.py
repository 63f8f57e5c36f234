"""Pricing by model and the arithmetic of a bill (ARCHITECTURE.md "Pricing", "Bills")."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dcms_desktop.domain.enums import PricingModel, ToothChartUse
from dcms_desktop.domain.errors import ValidationError
from dcms_desktop.domain.money import ZERO
from dcms_desktop.domain.pricing import (
    BillTotals,
    check_teeth_use,
    compute_totals,
    discount_from_percent,
    line_subtotal,
    quantity_for,
)

D = Decimal


# -- quantity by pricing model -------------------------------------------------------------
def test_per_tooth_bills_one_unit_per_distinct_tooth() -> None:
    assert quantity_for(PricingModel.PER_TOOTH, teeth=[11, 21, 36]) == 3
    assert quantity_for(PricingModel.PER_TOOTH, teeth=[11, "11", 21]) == 2


def test_per_tooth_without_teeth_is_refused_on_the_teeth_field() -> None:
    with pytest.raises(ValidationError) as caught:
        quantity_for(PricingModel.PER_TOOTH, teeth=[])
    assert caught.value.field == "teeth"


def test_per_session_bills_the_sessions_and_defaults_to_one() -> None:
    assert quantity_for(PricingModel.PER_SESSION) == 1
    assert quantity_for(PricingModel.PER_SESSION, sessions=3, teeth=[11, 12]) == 3


def test_per_film_bills_the_films_and_defaults_to_one() -> None:
    assert quantity_for(PricingModel.PER_FILM) == 1
    assert quantity_for(PricingModel.PER_FILM, films=4) == 4


@pytest.mark.parametrize(
    "model", [PricingModel.PER_TOOTH_PACKAGE, PricingModel.PER_TREATMENT_PACKAGE]
)
def test_packages_are_one_flat_price_whatever_the_teeth(model: PricingModel) -> None:
    assert quantity_for(model) == 1
    assert quantity_for(model, teeth=[11, 12, 13, 14], sessions=5, films=2) == 1


def test_models_are_accepted_by_their_stored_names() -> None:
    assert quantity_for("Per Tooth", teeth=[11]) == 1
    with pytest.raises(ValueError):
        quantity_for("Per Smile")


@pytest.mark.parametrize(
    ("model", "kwargs", "field"),
    [
        (PricingModel.PER_SESSION, {"sessions": 0}, "sessions"),
        (PricingModel.PER_SESSION, {"sessions": -1}, "sessions"),
        (PricingModel.PER_FILM, {"films": 0}, "films"),
    ],
)
def test_fewer_than_one_session_or_film_is_refused(
    model: PricingModel, kwargs: dict[str, int], field: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        quantity_for(model, **kwargs)  # type: ignore[arg-type]
    assert caught.value.field == field


@pytest.mark.parametrize("model", list(PricingModel))
def test_invalid_teeth_are_refused_for_every_model(model: PricingModel) -> None:
    with pytest.raises(ValidationError) as caught:
        quantity_for(model, teeth=[11, 19])
    assert caught.value.field == "teeth"


def test_line_subtotal_is_price_times_quantity_to_the_cent() -> None:
    assert line_subtotal(D("120.00"), 3) == D("360.00")
    assert line_subtotal(D("33.335"), 1) == D("33.34")
    assert line_subtotal("19.99", 7) == D("139.93")
    assert line_subtotal(0, 2) == ZERO


def test_line_subtotal_refuses_negative_prices_and_no_quantity() -> None:
    with pytest.raises(ValidationError) as price:
        line_subtotal(D("-1"), 1)
    with pytest.raises(ValidationError) as quantity:
        line_subtotal(D("1"), 0)
    assert price.value.field == "unit_price"
    assert quantity.value.field == "quantity"
    with pytest.raises(TypeError):
        line_subtotal(9.99, 1)  # type: ignore[arg-type]


# -- bill totals ------------------------------------------------------------------------------
def test_totals_follow_subtotal_minus_discount_plus_tax() -> None:
    totals = compute_totals(
        [D("100.00"), D("50.00")], discount=D("10.00"), tax_rate_percent=D("12")
    )
    assert totals == BillTotals(
        subtotal=D("150.00"),
        discount=D("10.00"),
        taxable=D("140.00"),
        tax=D("16.80"),
        total=D("156.80"),
    )


def test_tax_rounds_half_up_to_the_cent() -> None:
    # 0.25 x 10 % = 0.025 -> 0.03 (banker's rounding would give 0.02)
    assert compute_totals([D("0.25")], tax_rate_percent=D("10")).tax == D("0.03")
    # 0.15 x 15 % = 0.0225 -> 0.02
    assert compute_totals([D("0.15")], tax_rate_percent=D("15")).tax == D("0.02")
    # 33.33 x 7.5 % = 2.49975 -> 2.50
    assert compute_totals([D("33.33")], tax_rate_percent=D("7.5")).tax == D("2.50")


def test_tax_is_on_the_discounted_amount() -> None:
    totals = compute_totals([D("200")], discount=D("50"), tax_rate_percent=D("10"))
    assert totals.tax == D("15.00")
    assert totals.total == D("165.00")


def test_an_empty_bill_totals_zero_with_two_places() -> None:
    totals = compute_totals([])
    assert totals == BillTotals(ZERO, ZERO, ZERO, ZERO, ZERO)
    assert all(str(value) == "0.00" for value in vars(totals).values())


def test_a_full_discount_leaves_nothing_to_pay_or_tax() -> None:
    totals = compute_totals([D("80")], discount=D("80"), tax_rate_percent=D("20"))
    assert (totals.taxable, totals.tax, totals.total) == (ZERO, ZERO, ZERO)


def test_a_discount_above_the_subtotal_is_refused_naming_both_amounts() -> None:
    with pytest.raises(ValidationError) as caught:
        compute_totals([D("1234.50")], discount=D("1234.51"))
    assert caught.value.field == "discount"
    assert caught.value.message == (
        "The discount ($1,234.51) can't be more than the subtotal ($1,234.50)"
    )


def test_the_discount_message_uses_the_clinics_currency() -> None:
    with pytest.raises(ValidationError, match=r"£5\.00"):
        compute_totals([D("4")], discount=D("5"), currency="GBP")


def test_a_negative_discount_is_refused() -> None:
    with pytest.raises(ValidationError) as caught:
        compute_totals([D("10")], discount=D("-0.01"))
    assert caught.value.field == "discount"


@pytest.mark.parametrize("rate", [D("-0.01"), D("100.01"), D("NaN"), "abc"])
def test_a_tax_rate_outside_0_to_100_percent_is_refused(rate: Decimal | str) -> None:
    with pytest.raises(ValidationError) as caught:
        compute_totals([D("10")], tax_rate_percent=rate)
    assert caught.value.field == "tax_rate"


def test_a_negative_line_is_refused() -> None:
    with pytest.raises(ValidationError) as caught:
        compute_totals([D("10"), D("-1")])
    assert caught.value.field == "items"


def test_float_amounts_are_refused_anywhere_in_a_bill() -> None:
    with pytest.raises(TypeError):
        compute_totals([0.1])  # type: ignore[list-item]
    with pytest.raises(TypeError):
        compute_totals([D("1")], discount=0.5)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        compute_totals([D("1")], tax_rate_percent=7.5)  # type: ignore[arg-type]


def test_discount_from_percent_rounds_half_up_and_stays_within_the_subtotal() -> None:
    assert discount_from_percent(D("200.00"), D("10")) == D("20.00")
    assert discount_from_percent(D("0.25"), D("10")) == D("0.03")
    assert discount_from_percent(D("99.99"), 100) == D("99.99")
    assert discount_from_percent(D("99.99"), 0) == ZERO


@pytest.mark.parametrize("percent", [D("-1"), D("100.5")])
def test_discount_percent_outside_0_to_100_is_refused(percent: Decimal) -> None:
    with pytest.raises(ValidationError) as caught:
        discount_from_percent(D("100"), percent)
    assert caught.value.field == "discount"


# -- properties -------------------------------------------------------------------------------
money_cents = st.integers(min_value=0, max_value=10**9)  # up to 10 million
rates_thousandths = st.integers(min_value=0, max_value=100_000)  # 0.000 % .. 100.000 %


def _money(cents: int) -> Decimal:
    return Decimal(cents).scaleb(-2)


def _half_up_div(numerator: int, denominator: int) -> int:
    """round(numerator / denominator) half-up, for non-negative ints: an integer oracle."""
    return (2 * numerator + denominator) // (2 * denominator)


@st.composite
def bills(draw: st.DrawFn) -> tuple[list[int], int, int]:
    lines = draw(st.lists(money_cents, max_size=12))
    discount = draw(st.integers(min_value=0, max_value=sum(lines)))
    return lines, discount, draw(rates_thousandths)


@given(bills())
def test_totals_are_exact_to_the_cent_for_any_bill(bill: tuple[list[int], int, int]) -> None:
    lines, discount, rate = bill
    totals = compute_totals(
        [_money(c) for c in lines],
        discount=_money(discount),
        tax_rate_percent=Decimal(rate).scaleb(-3),
    )
    taxable_cents = sum(lines) - discount
    tax_cents = _half_up_div(taxable_cents * rate, 100 * 1000)
    assert totals.subtotal == _money(sum(lines))
    assert totals.discount == _money(discount)
    assert totals.taxable == _money(taxable_cents)
    assert totals.tax == _money(tax_cents)
    assert totals.total == totals.subtotal - totals.discount + totals.tax
    assert totals.total >= 0
    for value in (totals.subtotal, totals.discount, totals.taxable, totals.tax, totals.total):
        assert value.as_tuple().exponent == -2


@given(st.lists(money_cents, max_size=12), st.integers(min_value=1, max_value=10**6))
def test_a_discount_above_the_subtotal_is_always_refused(lines: list[int], excess: int) -> None:
    with pytest.raises(ValidationError) as caught:
        compute_totals([_money(c) for c in lines], discount=_money(sum(lines) + excess))
    assert caught.value.field == "discount"


@given(money_cents, rates_thousandths)
def test_a_percent_discount_is_half_up_and_never_above_the_subtotal(cents: int, rate: int) -> None:
    discount = discount_from_percent(_money(cents), Decimal(rate).scaleb(-3))
    assert discount == _money(_half_up_div(cents * rate, 100 * 1000))
    assert ZERO <= discount <= _money(cents)
    compute_totals([_money(cents)], discount=discount)  # always acceptable


@given(st.integers(min_value=0, max_value=10**7), st.integers(min_value=1, max_value=1000))
def test_line_subtotal_is_exact_for_cent_prices(cents: int, quantity: int) -> None:
    assert line_subtotal(_money(cents), quantity) == _money(cents * quantity)


# -- tooth chart use --------------------------------------------------------------------------
def test_a_required_service_without_teeth_is_refused_with_its_name() -> None:
    with pytest.raises(ValidationError) as caught:
        check_teeth_use(ToothChartUse.REQUIRED, [], service_name="Root canal")
    assert caught.value.field == "teeth"
    assert caught.value.message == "Choose the teeth for Root canal"


def test_a_required_service_with_teeth_passes() -> None:
    check_teeth_use(ToothChartUse.REQUIRED, [36])


@pytest.mark.parametrize("use", [ToothChartUse.OPTIONAL, ToothChartUse.NOT_NEEDED])
def test_optional_and_not_needed_services_accept_teeth_or_none(use: ToothChartUse) -> None:
    check_teeth_use(use, [])
    check_teeth_use(use, [36, 46])
    check_teeth_use(use.value, ["36"])


@pytest.mark.parametrize("use", list(ToothChartUse))
def test_teeth_that_are_not_fdi_are_refused_whatever_the_use(use: ToothChartUse) -> None:
    with pytest.raises(ValidationError) as caught:
        check_teeth_use(use, [49])
    assert caught.value.field == "teeth"
