"""Money: Decimal to the cent, floats refused, half-up rounding, printing."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dcms_desktop.domain.errors import ValidationError
from dcms_desktop.domain.money import CENT, ZERO, format_money, to_money

cents = st.integers(min_value=-(10**12), max_value=10**12)
decimals = st.decimals(
    min_value=Decimal("-1e12"), max_value=Decimal("1e12"), allow_nan=False, places=6
)


def test_constants_are_two_place_decimals() -> None:
    assert Decimal("0.01") == CENT and CENT.as_tuple().exponent == -2
    assert ZERO == 0 and ZERO.as_tuple().exponent == -2


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Decimal("1.005"), "1.01"),
        (Decimal("1.004999"), "1.00"),
        (Decimal("2.675"), "2.68"),
        (Decimal("-1.005"), "-1.01"),
        (Decimal("0.004"), "0.00"),
        (12, "12.00"),
        ("  3.5 ", "3.50"),
        ("1_000.25", "1000.25"),
        ("1e3", "1000.00"),
    ],
)
def test_to_money_rounds_half_up_to_the_cent(value: Decimal | int | str, expected: str) -> None:
    result = to_money(value)
    assert result == Decimal(expected)
    assert result.as_tuple().exponent == -2


def test_negative_zero_becomes_plain_zero() -> None:
    assert str(to_money(Decimal("-0.001"))) == "0.00"
    assert str(to_money("-0")) == "0.00"


@pytest.mark.parametrize("value", [0.1, 1.0, float("nan"), True, None, [1], b"1"])
def test_to_money_refuses_floats_bools_and_other_types_as_programming_errors(
    value: object,
) -> None:
    with pytest.raises(TypeError):
        to_money(value)  # type: ignore[arg-type]


def test_float_refusal_says_floats_are_never_money() -> None:
    with pytest.raises(TypeError, match="floats are never money"):
        to_money(0.1)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "value", [Decimal("NaN"), Decimal("sNaN"), Decimal("Infinity"), "-inf", "nan", "abc", "", "1,5"]
)
def test_to_money_refuses_what_is_not_an_amount_with_a_validation_error(value: object) -> None:
    with pytest.raises(ValidationError) as caught:
        to_money(value, field="price")  # type: ignore[arg-type]
    assert caught.value.field == "price"


def test_refusals_quote_what_was_typed() -> None:
    with pytest.raises(ValidationError) as caught:
        to_money("12,50")
    assert caught.value.message == '"12,50" is not an amount of money'
    assert caught.value.field == "amount"


def test_an_amount_too_large_to_hold_is_refused_not_crashed() -> None:
    with pytest.raises(ValidationError, match="too large"):
        to_money(Decimal("1e40"))


@given(cents)
def test_whole_cents_pass_through_exactly(c: int) -> None:
    amount = Decimal(c).scaleb(-2)
    assert to_money(amount) == amount
    assert to_money(str(amount)) == amount


@given(decimals)
def test_to_money_is_within_half_a_cent_two_places_and_idempotent(value: Decimal) -> None:
    money = to_money(value)
    assert money.as_tuple().exponent == -2
    assert abs(money - value) <= Decimal("0.005")
    assert to_money(money) == money
    assert to_money(str(value)) == money


@given(cents)
def test_exact_half_cents_round_away_from_zero(c: int) -> None:
    half = Decimal(2 * c + 1).scaleb(-3) * 5  # (c + 0.5) cents
    expected = Decimal(c + 1 if c >= 0 else c).scaleb(-2)
    assert to_money(half) == expected


@given(st.floats())
def test_every_float_is_refused(value: float) -> None:
    with pytest.raises(TypeError):
        to_money(value)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("amount", "currency", "expected"),
    [
        (Decimal("1234.5"), "USD", "$1,234.50"),
        (Decimal("0"), "USD", "$0.00"),
        (Decimal("-5"), "USD", "-$5.00"),
        (Decimal("1234567.891"), "USD", "$1,234,567.89"),
        (Decimal("1234.5"), "GBP", "£1,234.50"),
        (Decimal("1234.5"), "eur", "€1,234.50"),
        (Decimal("1234.5"), "SEK", "1,234.50 SEK"),
        (Decimal("-1234.5"), "CHF", "-1,234.50 CHF"),
        ("12", "USD", "$12.00"),
    ],
)
def test_format_money_writes_amounts_for_people(
    amount: Decimal | str, currency: str, expected: str
) -> None:
    assert format_money(amount, currency) == expected


def test_format_money_defaults_to_dollars() -> None:
    assert format_money(Decimal("7")) == "$7.00"
