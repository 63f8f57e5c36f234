"""Stock alert levels and restocking, exactly as the ``low_stock_alerts`` view has them.

The view: ``current_stock = 0`` -> critical; ``current_stock <= min_stock * 0.5`` -> urgent;
``current_stock <= min_stock`` -> low; otherwise normal, and it lists the items with
``current_stock <= min_stock``. Half of an odd minimum is not rounded: with a minimum of 5,
2 is urgent and 3 is low. An item with a minimum of 0 and no stock is critical (and listed).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from dcms_desktop.domain.enums import AlertLevel, Urgency
from dcms_desktop.domain.errors import ValidationError

URGENCY_FOR_LEVEL: Mapping[AlertLevel, Urgency] = MappingProxyType(
    {
        AlertLevel.CRITICAL: Urgency.CRITICAL,
        AlertLevel.URGENT: Urgency.HIGH,
        AlertLevel.LOW: Urgency.MEDIUM,
        AlertLevel.NORMAL: Urgency.LOW,
    }
)


def _stock_count(value: int, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, not {type(value).__name__}")
    if value < 0:
        raise ValueError(f"{name} can't be negative ({value})")
    return value


def alert_level(current_stock: int, min_stock: int) -> AlertLevel:
    """The alert level of an item holding ``current_stock`` against its ``min_stock``."""
    current = _stock_count(current_stock, "current_stock")
    minimum = _stock_count(min_stock, "min_stock")
    if current == 0:
        return AlertLevel.CRITICAL
    if 2 * current <= minimum:  # current <= min * 0.5, in integers
        return AlertLevel.URGENT
    if current <= minimum:
        return AlertLevel.LOW
    return AlertLevel.NORMAL


def is_low(current_stock: int, min_stock: int) -> bool:
    """True when the item belongs on the low-stock list (``current_stock <= min_stock``)."""
    return _stock_count(current_stock, "current_stock") <= _stock_count(min_stock, "min_stock")


def restock_quantity(current_stock: int, max_stock: int) -> int:
    """How many to order to fill the item up to ``max_stock`` (never below 0)."""
    return max(0, max_stock - current_stock)


def urgency_for(level: AlertLevel | str) -> Urgency:
    """The urgency a restock request drafted at ``level`` gets."""
    return URGENCY_FOR_LEVEL[AlertLevel(level)]


def check_stock_levels(current_stock: int, min_stock: int, max_stock: int) -> None:
    """Refuse an item form whose levels break the schema's CHECKs, naming the field."""
    if current_stock < 0:
        raise ValidationError("Stock can't be negative", field="current_stock")
    if min_stock < 0:
        raise ValidationError("The minimum can't be negative", field="min_stock")
    if min_stock > max_stock:
        raise ValidationError("The minimum can't be above the maximum", field="min_stock")
