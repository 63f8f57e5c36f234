"""Stock alert levels as the low_stock_alerts view computes them, and restocking."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dcms_desktop.domain.enums import AlertLevel, Urgency
from dcms_desktop.domain.errors import ValidationError
from dcms_desktop.domain.stock import (
    alert_level,
    check_stock_levels,
    is_low,
    restock_quantity,
    urgency_for,
)

A = AlertLevel


@pytest.mark.parametrize(
    ("current", "minimum", "level"),
    [
        (0, 10, A.CRITICAL),
        (0, 0, A.CRITICAL),  # the view says critical whenever the stock is 0
        (1, 10, A.URGENT),
        (5, 10, A.URGENT),  # exactly half
        (6, 10, A.LOW),
        (10, 10, A.LOW),  # exactly the minimum
        (11, 10, A.NORMAL),
        (2, 5, A.URGENT),  # half of 5 is 2.5: not rounded
        (3, 5, A.LOW),
        (1, 1, A.LOW),  # 1 > 0.5
        (1, 2, A.URGENT),
        (1, 3, A.URGENT),
        (2, 3, A.LOW),
        (1, 0, A.NORMAL),
        (500, 20, A.NORMAL),
    ],
)
def test_alert_levels_match_the_view(current: int, minimum: int, level: AlertLevel) -> None:
    assert alert_level(current, minimum) is level


def _view_case(current: int, minimum: int) -> AlertLevel:
    """The view's CASE, with ``min_stock * 0.5`` computed exactly as NUMERIC does."""
    if current == 0:
        return A.CRITICAL
    if current <= Fraction(minimum) * Fraction(1, 2):
        return A.URGENT
    if current <= minimum:
        return A.LOW
    return A.NORMAL


def test_alert_level_agrees_with_the_view_for_every_small_stock() -> None:
    for minimum in range(0, 60):
        for current in range(0, 80):
            assert alert_level(current, minimum) is _view_case(current, minimum)
            assert is_low(current, minimum) is (current <= minimum)


@given(st.integers(min_value=0, max_value=10**9), st.integers(min_value=0, max_value=10**9))
def test_alert_level_agrees_with_the_view_for_any_stock(current: int, minimum: int) -> None:
    assert alert_level(current, minimum) is _view_case(current, minimum)


def test_negative_or_non_integer_stock_is_a_programming_error() -> None:
    with pytest.raises(ValueError):
        alert_level(-1, 5)
    with pytest.raises(ValueError):
        alert_level(1, -5)
    with pytest.raises(TypeError):
        alert_level(1.0, 5)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        alert_level(True, 5)


@pytest.mark.parametrize(
    ("current", "maximum", "quantity"), [(3, 100, 97), (0, 50, 50), (100, 100, 0), (120, 100, 0)]
)
def test_restock_fills_up_to_the_maximum_and_never_asks_for_less_than_nothing(
    current: int, maximum: int, quantity: int
) -> None:
    assert restock_quantity(current, maximum) == quantity


def test_each_alert_level_has_its_urgency() -> None:
    assert {level: urgency_for(level) for level in A} == {
        A.CRITICAL: Urgency.CRITICAL,
        A.URGENT: Urgency.HIGH,
        A.LOW: Urgency.MEDIUM,
        A.NORMAL: Urgency.LOW,
    }
    assert urgency_for("urgent") is Urgency.HIGH


@pytest.mark.parametrize(
    ("current", "minimum", "maximum", "field"),
    [(-1, 0, 10, "current_stock"), (5, -1, 10, "min_stock"), (5, 11, 10, "min_stock")],
)
def test_item_levels_that_break_the_schema_are_refused_naming_the_field(
    current: int, minimum: int, maximum: int, field: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        check_stock_levels(current, minimum, maximum)
    assert caught.value.field == field


def test_sound_item_levels_pass() -> None:
    check_stock_levels(0, 0, 0)
    check_stock_levels(500, 10, 100)  # above the maximum is allowed: a big delivery
