"""What a service costs on a bill, and how a bill adds up.

Quantity by pricing model (ARCHITECTURE.md "Pricing"):

- Per Tooth: the number of (distinct, valid) teeth selected; at least one.
- Per Session: the number of sessions, default 1.
- Per Film: the number of films taken, default 1.
- Per Tooth Package and Per Treatment Package: 1, one flat price; the teeth are recorded.

A bill (ARCHITECTURE.md "Bills"): subtotal = sum of the line subtotals; 0 <= discount <=
subtotal; tax = (subtotal - discount) x rate / 100, rounded half-up to the cent; total =
subtotal - discount + tax, which is therefore never negative.

Tooth chart use: a ``required`` service can't go without teeth. A ``not needed`` service
given teeth keeps them: they are recorded as given (an X-ray "of 36" is information, not a
mistake), only checked to be real FDI teeth. The booking screens don't offer the chart for
such services, so this only happens when a caller means it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, localcontext

from dcms_desktop.domain.enums import PricingModel, ToothChartUse
from dcms_desktop.domain.errors import ValidationError
from dcms_desktop.domain.money import CENT, ZERO, format_money, to_money
from dcms_desktop.domain.teeth import validate_teeth

_HUNDRED = Decimal(100)


def _count(value: int, *, field: str, noun: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{field} must be an int, not {type(value).__name__}")
    if value < 1:
        raise ValidationError(f"There must be at least one {noun}", field=field)
    return value


def quantity_for(
    model: PricingModel | str,
    *,
    teeth: Sequence[int | str] = (),
    sessions: int = 1,
    films: int = 1,
) -> int:
    """The quantity billed for a service priced by ``model`` (see the module docstring).

    The teeth are checked for every model (they are recorded even when not counted).
    """
    model = PricingModel(model)
    selected = validate_teeth(teeth)
    if model is PricingModel.PER_TOOTH:
        if not selected:
            raise ValidationError(
                "Choose at least one tooth for a per-tooth service", field="teeth"
            )
        return len(selected)
    if model is PricingModel.PER_SESSION:
        return _count(sessions, field="sessions", noun="session")
    if model is PricingModel.PER_FILM:
        return _count(films, field="films", noun="film")
    return 1


def line_subtotal(unit_price: Decimal | int | str, quantity: int) -> Decimal:
    """``unit_price`` x ``quantity``, to the cent."""
    price = to_money(unit_price, field="unit_price")
    if price < 0:
        raise ValidationError("A price can't be negative", field="unit_price")
    _count(quantity, field="quantity", noun="item")
    return to_money(price * quantity, field="unit_price")


@dataclass(frozen=True)
class BillTotals:
    """The money lines at the foot of a bill, each a ``Decimal`` to the cent."""

    subtotal: Decimal
    discount: Decimal
    taxable: Decimal
    tax: Decimal
    total: Decimal


def _check_rate(rate: Decimal | int | str, field: str, what: str) -> Decimal:
    if isinstance(rate, bool) or not isinstance(rate, Decimal | int | str):
        raise TypeError(f"{field} must be a Decimal, int or str, not {type(rate).__name__}")
    try:
        value = Decimal(rate.strip() if isinstance(rate, str) else rate)
    except ArithmeticError:
        raise ValidationError(f'"{rate}" is not a percentage', field=field) from None
    if not value.is_finite() or not ZERO <= value <= _HUNDRED:
        raise ValidationError(f"{what} must be between 0 and 100 %", field=field)
    return value


def percent_of(amount: Decimal, percent: Decimal) -> Decimal:
    """``percent`` % of ``amount``, rounded half-up to the cent, with no intermediate
    rounding (the product is computed at a precision that can't lose a digit)."""
    with localcontext() as context:
        context.prec = 60
        exact = (amount * percent).scaleb(-2)
        return exact.quantize(CENT, rounding=ROUND_HALF_UP)


def compute_totals(
    line_subtotals: Iterable[Decimal | int | str],
    *,
    discount: Decimal | int | str = ZERO,
    tax_rate_percent: Decimal | int | str = ZERO,
    currency: str = "USD",
) -> BillTotals:
    """The totals of a bill from its line subtotals, discount and tax rate.

    Refuses a negative line (``items``), a negative discount or one above the subtotal
    (``discount``) and a tax rate outside 0-100 % (``tax_rate``). ``currency`` is only
    used to write amounts into messages.
    """
    lines = [to_money(line, field="items") for line in line_subtotals]
    if any(line < 0 for line in lines):
        raise ValidationError("A bill item can't have a negative subtotal", field="items")
    subtotal = to_money(sum(lines, ZERO))
    discount_amount = to_money(discount, field="discount")
    rate = _check_rate(tax_rate_percent, "tax_rate", "The tax rate")
    if discount_amount < 0:
        raise ValidationError("A discount can't be negative", field="discount")
    if discount_amount > subtotal:
        raise ValidationError(
            f"The discount ({format_money(discount_amount, currency)}) can't be more than "
            f"the subtotal ({format_money(subtotal, currency)})",
            field="discount",
        )
    taxable = subtotal - discount_amount
    tax = percent_of(taxable, rate)
    total = taxable + tax
    return BillTotals(
        subtotal=subtotal,
        discount=discount_amount,
        taxable=to_money(taxable),
        tax=to_money(tax),
        total=to_money(total),
    )


def discount_from_percent(subtotal: Decimal | int | str, percent: Decimal | int | str) -> Decimal:
    """The discount amount for ``percent`` % (0-100) off ``subtotal``, half-up to the cent."""
    amount = to_money(subtotal, field="subtotal")
    if amount < 0:
        raise ValidationError("A subtotal can't be negative", field="subtotal")
    rate = _check_rate(percent, "discount", "A discount")
    return to_money(percent_of(amount, rate))


def check_teeth_use(
    tooth_chart_use: ToothChartUse | str,
    teeth: Iterable[int | str],
    *,
    service_name: str | None = None,
) -> None:
    """Refuse a ``required`` service without teeth, and any tooth that isn't FDI.

    ``optional`` and ``not needed`` services accept teeth or none (see module docstring).
    """
    use = ToothChartUse(tooth_chart_use)
    selected = validate_teeth(teeth)
    if use is ToothChartUse.REQUIRED and not selected:
        what = service_name or "this service"
        raise ValidationError(f"Choose the teeth for {what}", field="teeth")
