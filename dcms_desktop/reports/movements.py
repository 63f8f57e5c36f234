"""The movements report: every stock movement of a date range, with totals.

Data in (:class:`~dcms_desktop.domain.readmodels.stock_reports.MovementsReport`), PDF out,
A4 landscape (ten columns need the width). It opens with the totals per movement type
(movements, units in and out, value in and out) and the overall value in and out, then
lists each movement by time: when, item, type, quantity (+ in, − out), stock before →
after, unit and total cost, reason, who and what it belongs to. The frame (header, "page n
of m", fonts) is the stock report's (:func:`dcms_desktop.reports.stock.render_document`).
"""

from __future__ import annotations

import functools
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.platypus import CondPageBreak, Flowable, Paragraph, Spacer

from dcms_desktop.domain.enums import MovementType
from dcms_desktop.domain.money import format_money
from dcms_desktop.domain.readmodels.stock_reports import MovementLine, MovementsReport
from dcms_desktop.reports.stock import (
    ALERT,
    MUTED,
    Letterhead,
    Styles,
    contact_line,
    long_date,
    render_document,
    styles,
    table,
)

MINUS = "−"
ARROW = "→"
TYPE_WORDS = {
    MovementType.RESTOCK: "Restock",
    MovementType.DEDUCTION: "Deduction",
    MovementType.ADJUSTMENT: "Adjustment",
    MovementType.EXPIRED: "Expired",
    MovementType.DAMAGED: "Damaged",
}
# The body is 267 mm wide on A4 landscape.
_COLUMNS = (
    23 * mm,  # when
    43 * mm,  # item
    19 * mm,  # type
    13 * mm,  # quantity
    19 * mm,  # stock before -> after
    20 * mm,  # unit cost
    21 * mm,  # total cost
    48 * mm,  # reason
    28 * mm,  # who
    33 * mm,  # reference
)
_TOTAL_COLUMNS = (60 * mm, 28 * mm, 28 * mm, 28 * mm, 36 * mm, 36 * mm)


def render_movements_report(data: MovementsReport) -> bytes:
    """The movements report as a PDF."""
    s = styles()
    detail = []
    if data.item_name:
        detail.append(data.item_name)
    if data.movement_type is not None:
        detail.append(f"{TYPE_WORDS[data.movement_type].lower()} movements only")
    count = data.movement_count
    detail.append(f"{count:,} movement{'' if count == 1 else 's'}")
    letterhead = Letterhead(
        clinic_name=data.clinic_name,
        contact=contact_line(data.clinic_phone, data.clinic_address),
        title=f"Stock movements · {_range_text(data)}",
        detail=" · ".join(detail),
        printed_at=data.printed_at,
    )
    story: list[Flowable] = [*_totals(data, s), Spacer(1, 4 * mm), *_lines(data, s)]
    return render_document(
        story,
        letterhead,
        pagesize=landscape(A4),
        subject="Stock movements of a date range, with totals per type",
    )


def _range_text(data: MovementsReport) -> str:
    if data.date_from == data.date_to:
        return long_date(data.date_from)
    return f"{long_date(data.date_from)} – {long_date(data.date_to)}"


def signed(quantity: int) -> str:
    """+5, −3, 0 (a real minus sign)."""
    if quantity > 0:
        return f"+{quantity:,}"
    if quantity < 0:
        return f"{MINUS}{-quantity:,}"
    return "0"


def _totals(data: MovementsReport, s: Styles) -> list[Flowable]:
    money = functools.partial(format_money, currency=data.currency)
    right = (1, 2, 3, 4, 5)
    titles = ("TYPE", "MOVEMENTS", "UNITS IN", "UNITS OUT", "VALUE IN", "VALUE OUT")
    rows: list[list[Any]] = [
        [Paragraph(t, s.head_right if i in right else s.head) for i, t in enumerate(titles)]
    ]
    for total in data.totals:
        rows.append(
            [
                Paragraph(TYPE_WORDS[total.movement_type], s.cell),
                Paragraph(f"{total.count:,}", s.cell_right),
                Paragraph(f"{total.units_in:,}", s.cell_right),
                Paragraph(f"{total.units_out:,}", s.cell_right),
                Paragraph(money(total.value_in), s.cell_right),
                Paragraph(money(total.value_out), s.cell_right),
            ]
        )
    rows.append(
        [
            Paragraph("All movements", s.cell_bold),
            Paragraph(f"{data.movement_count:,}", s.cell_bold_right),
            Paragraph(f"{data.units_in:,}", s.cell_bold_right),
            Paragraph(f"{data.units_out:,}", s.cell_bold_right),
            Paragraph(money(data.value_in), s.cell_bold_right),
            Paragraph(money(data.value_out), s.cell_bold_right),
        ]
    )
    heading = Paragraph("Totals", s.section)
    heading.keepWithNext = True
    note = Paragraph(
        "Value in is what the stock that came in cost; value out, what the stock taken away "
        "cost (each movement's total cost).",
        s.note,
    )
    return [heading, table(rows, _TOTAL_COLUMNS, total_rows=1), Spacer(1, 1.5 * mm), note]


def _lines(data: MovementsReport, s: Styles) -> list[Flowable]:
    heading = Paragraph("Movements", s.section)
    if not data.lines:
        return [heading, Paragraph("No stock moved in this period.", s.note)]
    titles = (
        "WHEN",
        "ITEM",
        "TYPE",
        "QTY",
        "STOCK",
        "UNIT COST",
        "TOTAL",
        "REASON",
        "WHO",
        "REFERENCE",
    )
    right = (3, 4, 5, 6)
    rows: list[list[Any]] = [
        [Paragraph(t, s.head_right if i in right else s.head) for i, t in enumerate(titles)]
    ]
    rows.extend(_row(line, data.currency, s) for line in data.lines)
    # The table splits over pages (repeating its header); the heading goes with its start.
    story: list[Flowable] = [CondPageBreak(30 * mm), heading, table(rows, _COLUMNS)]
    if data.truncated:
        story.append(Spacer(1, 2 * mm))
        story.append(
            Paragraph(
                f"Only the first {len(data.lines):,} of {data.movement_count:,} movements are "
                "listed; the totals cover them all. Choose a shorter period to list every one.",
                s.note,
            )
        )
    return story


def _row(line: MovementLine, currency: str, s: Styles) -> list[Any]:
    money = functools.partial(format_money, currency=currency)
    when = line.timestamp.astimezone()
    reason = escape(line.reason)
    if line.needs_review:
        reason = f"<font color='{ALERT.hexval()}'><b>Needs review.</b></font> {reason}"
    muted = MUTED.hexval()
    return [
        Paragraph(f"{when:%d %b} <font color='{muted}'>{when:%H:%M}</font>", s.cell),
        Paragraph(escape(line.item_name), s.cell),
        Paragraph(TYPE_WORDS[line.movement_type], s.cell),
        Paragraph(signed(line.quantity), s.cell_bold_right),
        Paragraph(f"{line.previous_stock:,} {ARROW} {line.new_stock:,}", s.cell_right),
        Paragraph("" if line.unit_cost is None else money(line.unit_cost), s.cell_right),
        Paragraph("" if line.total_cost is None else money(line.total_cost), s.cell_right),
        Paragraph(reason, s.cell),
        Paragraph(escape(line.performed_by or "—"), s.cell),
        Paragraph(escape(line.reference or "—"), s.cell),
    ]
