"""Money: ``Decimal`` to the cent, end to end.

Every amount the application stores, sums or prints goes through :func:`to_money`. Floats
are refused outright (``0.1 + 0.2`` is not money); strings and ints are exact. Rounding is
half-up in the commercial sense (ties go away from zero: 0.005 -> 0.01, -0.005 -> -0.01).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from types import MappingProxyType

from dcms_desktop.domain.errors import ValidationError

CENT = Decimal("0.01")
ZERO = Decimal("0.00")

# The symbol printed before the amount. Kept small on purpose: a currency not listed here
# is printed with its ISO 4217 code after the amount ("1,234.50 SEK"), which is never wrong.
CURRENCY_SYMBOLS = MappingProxyType(
    {
        "USD": "$",
        "EUR": "€",
        "GBP": "£",
        "CAD": "CA$",
        "AUD": "A$",
        "NZD": "NZ$",
        "INR": "₹",
        "PHP": "₱",
        "MXN": "MX$",
    }
)


def to_money(value: Decimal | int | str, *, field: str = "amount") -> Decimal:
    """``value`` as an amount of money: a finite ``Decimal`` with exactly two places.

    Raises ``TypeError`` for floats, bools and anything that is not a ``Decimal``, ``int``
    or ``str`` (a programming error), and ``ValidationError`` (about ``field``) for text
    that is not a number, NaN, infinities and amounts too large to hold.
    """
    if isinstance(value, bool) or not isinstance(value, Decimal | int | str):
        raise TypeError(
            f"money must be a Decimal, int or str, not {type(value).__name__}"
            + (" (floats are never money)" if isinstance(value, float) else "")
        )
    shown = f'"{value}"' if isinstance(value, str) else str(value)
    try:
        amount = Decimal(value.strip() if isinstance(value, str) else value)
    except InvalidOperation:
        raise ValidationError(f"{shown} is not an amount of money", field=field) from None
    if not amount.is_finite():
        raise ValidationError(f"{shown} is not an amount of money", field=field)
    try:
        result = amount.quantize(CENT, rounding=ROUND_HALF_UP)
    except InvalidOperation:
        raise ValidationError(f"{shown} is too large an amount", field=field) from None
    # -0.00 is a real Decimal; nobody wants to read it on an invoice.
    return ZERO if result.is_zero() else result


def currency_symbol(currency: str) -> str | None:
    """The symbol printed before amounts in ``currency``, or None to print the code after."""
    return CURRENCY_SYMBOLS.get(currency.strip().upper())


def format_money(amount: Decimal | int | str, currency: str = "USD") -> str:
    """``amount`` for people: "$1,234.50", "-$5.00", "1,234.50 SEK"."""
    money = to_money(amount)
    code = currency.strip().upper()
    digits = f"{abs(money):,.2f}"
    sign = "-" if money < 0 else ""
    symbol = CURRENCY_SYMBOLS.get(code)
    if symbol is not None:
        return f"{sign}{symbol}{digits}"
    return f"{sign}{digits} {code}" if code else f"{sign}{digits}"
