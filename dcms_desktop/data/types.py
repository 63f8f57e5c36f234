"""Column types that behave the same on SQLite and PostgreSQL.

SQLite has no decimal type: it would store ``NUMERIC`` as a binary float and sum it with
float rounding. ``Decimal2`` therefore stores whole cents as an INTEGER there, and
``NUMERIC(p, 2)`` on PostgreSQL; Python always sees an exact ``Decimal`` with two places.
SQL arithmetic on SQLite works in cents, which sums exactly; a query that reads such a
sum must label it with ``Decimal2`` (``type_coerce``) to get it back as a ``Decimal``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import JSON, DateTime, Dialect, Integer, Numeric, TypeDecorator
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.types import TypeEngine

CENT = Decimal("0.01")

JsonColumn = JSON().with_variant(JSONB(), "postgresql")
"""JSON on SQLite, JSONB on PostgreSQL."""


class Decimal2(TypeDecorator[Decimal]):
    """An exact decimal with two places: INTEGER cents on SQLite, NUMERIC on PostgreSQL."""

    impl = Numeric
    cache_ok = True

    def __init__(self, precision: int = 10) -> None:
        super().__init__()
        self.precision = precision
        self._limit = Decimal(10) ** (precision - 2)

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(Integer())
        return dialect.type_descriptor(Numeric(self.precision, 2, asdecimal=True))

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        amount = Decimal(str(value)) if not isinstance(value, Decimal) else value
        amount = amount.quantize(CENT, rounding=ROUND_HALF_UP)
        if abs(amount) >= self._limit:
            # PostgreSQL's NUMERIC(p, 2) refuses this; SQLite must refuse it the same way.
            raise ValueError(f"{amount} does not fit in NUMERIC({self.precision}, 2)")
        if dialect.name == "sqlite":
            return int(amount * 100)
        return amount

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        if dialect.name == "sqlite":
            if isinstance(value, float) and not value.is_integer():
                # Only a hand-written expression (an average, a division) gives this.
                return (Decimal(repr(value)) / 100).quantize(CENT, rounding=ROUND_HALF_UP)
            return (Decimal(int(value)) / 100).quantize(CENT)
        return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)

    def compare_against_backend(self, dialect: Dialect, conn_type: TypeEngine[Any]) -> bool:
        return True


class UtcDateTime(TypeDecorator[datetime]):
    """A moment in time: TIMESTAMPTZ on PostgreSQL, UTC text on SQLite, aware in Python.

    Naive datetimes are refused on the way in, so local wall-clock time never gets stored
    as if it were UTC.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        if not isinstance(value, datetime):
            raise TypeError(f"expected a datetime, got {type(value).__name__}")
        if value.tzinfo is None:
            raise ValueError("naive datetime given for a UTC timestamp column")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)

    def compare_against_backend(self, dialect: Dialect, conn_type: TypeEngine[Any]) -> bool:
        return True


def utcnow() -> datetime:
    """The current moment, timezone-aware (UTC)."""
    return datetime.now(UTC)
