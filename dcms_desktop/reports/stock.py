"""The stock report: what is on the shelf, what it is worth, and what needs attention.

Data in (:class:`~dcms_desktop.domain.readmodels.stock_reports.StockReport`), PDF out, A4.
Page one opens with the value per category and the grand total, then the items at or
below their minimum (critical first) and the stock that has expired or expires within 30
days; after that every category's items with quantity, unit cost and value (quantity ×
cost) and the category's subtotal. Every page carries the clinic's name and the report's
date at the top, the moment of printing and "page n of m" at the bottom; a table that runs
over a page repeats its header.

:func:`render_document` is the frame (header, footer, fonts) the movements report shares.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen import canvas
from reportlab.platypus import (
    BaseDocTemplate,
    CondPageBreak,
    Flowable,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from dcms_desktop.domain.enums import AlertLevel
from dcms_desktop.domain.money import format_money
from dcms_desktop.domain.readmodels.inventory import quantity_text
from dcms_desktop.domain.readmodels.stock_reports import ExpiringLine, StockCategory, StockReport
from dcms_desktop.reports.document import build_pdf
from dcms_desktop.reports.fonts import Fonts as _Fonts
from dcms_desktop.reports.fonts import fit as _fit
from dcms_desktop.reports.fonts import fonts as _fonts
from dcms_desktop.reports.numbered_canvas import PrintedAtCanvas
from dcms_desktop.reports.palette import ALERT, HEAD_FILL, INK, MUTED, RULE, STRIPE

MARGIN = 15 * mm
TOP = 30 * mm  # the header's band
BOTTOM = 16 * mm  # the footer's band
TOTAL_FILL = colors.HexColor("#eef2f6")
WARN = colors.HexColor("#b54708")

LEVEL_WORDS = {
    AlertLevel.CRITICAL: "Critical",
    AlertLevel.URGENT: "Urgent",
    AlertLevel.LOW: "Low",
    AlertLevel.NORMAL: "",
}
_LEVEL_COLOURS = {AlertLevel.CRITICAL: ALERT, AlertLevel.URGENT: ALERT, AlertLevel.LOW: WARN}

# The body is 180 mm wide on A4 portrait.
_ITEM_COLUMNS = (74 * mm, 30 * mm, 26 * mm, 28 * mm, 22 * mm)
_SUMMARY_COLUMNS = (92 * mm, 22 * mm, 30 * mm, 36 * mm)
_LOW_COLUMNS = (60 * mm, 32 * mm, 34 * mm, 18 * mm, 36 * mm)
_EXPIRY_COLUMNS = (60 * mm, 32 * mm, 34 * mm, 24 * mm, 30 * mm)
_KEEP_ROOM = 30 * mm  # a section starts on a new page when less room than this is left


# -- the frame both reports share -------------------------------------------------------------
@dataclass(frozen=True)
class Styles:
    """The paragraph styles of a report."""

    fonts: _Fonts
    section: ParagraphStyle
    subsection: ParagraphStyle
    cell: ParagraphStyle
    cell_right: ParagraphStyle
    cell_bold: ParagraphStyle
    cell_bold_right: ParagraphStyle
    head: ParagraphStyle
    head_right: ParagraphStyle
    note: ParagraphStyle


def styles() -> Styles:
    """The styles of the stock and movements reports (fonts registered once)."""
    fonts = _fonts()
    cell = ParagraphStyle("cell", fontName=fonts.regular, fontSize=8.5, leading=10.5, textColor=INK)
    head = ParagraphStyle("head", parent=cell, fontName=fonts.bold, fontSize=7.5, textColor=MUTED)
    bold = ParagraphStyle("cell_bold", parent=cell, fontName=fonts.bold)
    return Styles(
        fonts=fonts,
        section=ParagraphStyle(
            "section",
            fontName=fonts.bold,
            fontSize=13,
            leading=17,
            textColor=INK,
            spaceBefore=2 * mm,
            spaceAfter=2 * mm,
        ),
        subsection=ParagraphStyle(
            "subsection",
            fontName=fonts.bold,
            fontSize=10.5,
            leading=14,
            textColor=INK,
            spaceBefore=3 * mm,
            spaceAfter=1.5 * mm,
        ),
        cell=cell,
        cell_right=ParagraphStyle("cell_right", parent=cell, alignment=2),
        cell_bold=bold,
        cell_bold_right=ParagraphStyle("cell_bold_right", parent=bold, alignment=2),
        head=head,
        head_right=ParagraphStyle("head_right", parent=head, alignment=2),
        note=ParagraphStyle("note", parent=cell, fontSize=9, leading=12, textColor=MUTED),
    )


@dataclass(frozen=True)
class Letterhead:
    """What the top and bottom of every page say."""

    clinic_name: str
    contact: str
    """The clinic's phone and address, on one line ("" for none)."""
    title: str
    """The report and its date, at the top right: "Stock report · 5 March 2030"."""
    detail: str
    """A second, smaller line under the title ("" for none)."""
    printed_at: datetime


def contact_line(phone: str | None, address: str | None) -> str:
    return " · ".join(" ".join(part.split()) for part in (phone, address) if part)


def long_date(day: date) -> str:
    """ "5 March 2030"."""
    return f"{day.day} {day:%B %Y}"


def render_document(
    story: list[Flowable],
    letterhead: Letterhead,
    *,
    pagesize: tuple[float, float] = A4,
    subject: str,
) -> bytes:
    """``story`` laid out on ``pagesize`` pages under ``letterhead``, as a PDF."""
    fonts = _fonts()
    return build_pdf(
        story,
        pagesize=pagesize,
        side_margin=MARGIN,
        top_margin=TOP,
        bottom_margin=BOTTOM,
        title=f"{letterhead.title} - {letterhead.clinic_name}",
        author=letterhead.clinic_name,
        subject=subject,
        canvasmaker=functools.partial(
            PrintedAtCanvas, printed_at=letterhead.printed_at, font=fonts.regular, margin=MARGIN
        ),
        on_page=functools.partial(_draw_header, letterhead=letterhead, fonts=fonts),
    )


def table(
    rows: list[list[Any]],
    widths: Sequence[float],
    *,
    total_rows: int = 0,
    extra: Sequence[tuple[Any, ...]] = (),
) -> Table:
    """A striped table whose first row is a header repeated on every page; the last
    ``total_rows`` rows are totals, shaded and ruled above."""
    built = Table(rows, colWidths=list(widths), repeatRows=1, hAlign="LEFT")
    commands: list[tuple[Any, ...]] = [
        ("BACKGROUND", (0, 0), (-1, 0), HEAD_FILL),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LINEBELOW", (0, 0), (-1, -1), 0.5, RULE),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
        ("LEFTPADDING", (0, 0), (-1, -1), 4),
        ("RIGHTPADDING", (0, 0), (-1, -1), 4),
    ]
    body_end = len(rows) - total_rows
    for index in range(2, body_end, 2):
        commands.append(("BACKGROUND", (0, index), (-1, index), STRIPE))
    if total_rows:
        commands.append(("BACKGROUND", (0, body_end), (-1, -1), TOTAL_FILL))
        commands.append(("LINEABOVE", (0, body_end), (-1, body_end), 1, INK))
    commands.extend(extra)
    built.setStyle(TableStyle(commands))
    return built


def _draw_header(
    page: canvas.Canvas, document: BaseDocTemplate, *, letterhead: Letterhead, fonts: _Fonts
) -> None:
    page_width, page_height = document.pagesize
    page.saveState()
    top = page_height - 12 * mm
    width = page_width - 2 * MARGIN
    title_width = pdfmetrics.stringWidth(letterhead.title, fonts.bold, 12)
    page.setFillColor(INK)
    page.setFont(fonts.bold, 12)
    page.drawRightString(page_width - MARGIN, top - 4 * mm, letterhead.title)
    page.setFont(fonts.bold, 15)
    name = _fit(letterhead.clinic_name, fonts.bold, 15, width - title_width - 8 * mm)
    page.drawString(MARGIN, top - 4 * mm, name)
    page.setFillColor(MUTED)
    page.setFont(fonts.regular, 8.5)
    page.drawRightString(page_width - MARGIN, top - 9 * mm, letterhead.detail)
    detail_width = pdfmetrics.stringWidth(letterhead.detail, fonts.regular, 8.5)
    if letterhead.contact:
        room = width - detail_width - (8 * mm if letterhead.detail else 0)
        page.drawString(MARGIN, top - 9 * mm, _fit(letterhead.contact, fonts.regular, 8.5, room))
    page.setStrokeColor(RULE)
    page.setLineWidth(0.8)
    page.line(MARGIN, top - 12 * mm, page_width - MARGIN, top - 12 * mm)
    page.restoreState()


# -- the stock report ---------------------------------------------------------------------
def render_stock_report(data: StockReport) -> bytes:
    """The stock report as a PDF."""
    s = styles()
    items = f"{data.item_count} item{'' if data.item_count == 1 else 's'}"
    letterhead = Letterhead(
        clinic_name=data.clinic_name,
        contact=contact_line(data.clinic_phone, data.clinic_address),
        title=f"Stock report · {long_date(data.as_of)}",
        detail=f"{items} · value {format_money(data.grand_total, data.currency)}",
        printed_at=data.printed_at,
    )
    story: list[Flowable] = []
    story.extend(_summary(data, s))
    story.extend(_low_stock(data, s))
    story.extend(_expiry(data, s))
    story.extend([CondPageBreak(_KEEP_ROOM + 10 * mm), Paragraph("Stock by category", s.section)])
    if not data.categories:
        story.append(Paragraph("There are no active stock items.", s.note))
    for category in data.categories:
        story.extend(_category(category, data.currency, s))
    return render_document(story, letterhead, subject="Stock on hand and its value, by category")


def _head(titles: Sequence[str], s: Styles, right: Sequence[int] = ()) -> list[Paragraph]:
    return [
        Paragraph(title, s.head_right if index in right else s.head)
        for index, title in enumerate(titles)
    ]


def _summary(data: StockReport, s: Styles) -> list[Flowable]:
    money = functools.partial(format_money, currency=data.currency)
    rows: list[list[Any]] = [_head(("CATEGORY", "ITEMS", "UNITS", "VALUE"), s, right=(1, 2, 3))]
    for category in data.categories:
        rows.append(
            [
                Paragraph(escape(category.name), s.cell),
                Paragraph(f"{len(category.lines):,}", s.cell_right),
                Paragraph(f"{category.units:,}", s.cell_right),
                Paragraph(money(category.subtotal), s.cell_right),
            ]
        )
    rows.append(
        [
            Paragraph("Total stock value", s.cell_bold),
            Paragraph(f"{data.item_count:,}", s.cell_bold_right),
            Paragraph(f"{data.units:,}", s.cell_bold_right),
            Paragraph(money(data.grand_total), s.cell_bold_right),
        ]
    )
    heading = Paragraph("Value by category", s.section)
    heading.keepWithNext = True
    note = Paragraph(
        "Value is the quantity on hand × the item's cost per unit. Active items only.", s.note
    )
    return [heading, table(rows, _SUMMARY_COLUMNS, total_rows=1), Spacer(1, 1.5 * mm), note]


def _low_stock(data: StockReport, s: Styles) -> list[Flowable]:
    heading = Paragraph(f"At or below minimum ({len(data.low_stock)})", s.subsection)
    start: list[Flowable] = [Spacer(1, 3 * mm), CondPageBreak(_KEEP_ROOM), heading]
    if not data.low_stock:
        return [*start, Paragraph("Every item is above its minimum.", s.note)]
    rows: list[list[Any]] = [
        _head(("ITEM", "CATEGORY", "ON HAND", "MINIMUM", "LEVEL · ORDER"), s, right=(2, 3))
    ]
    for alert in data.low_stock:
        level = LEVEL_WORDS[alert.alert_level]
        colour = _LEVEL_COLOURS.get(alert.alert_level, INK).hexval()
        order = f"order {alert.suggested_order:,}" if alert.suggested_order else ""
        rows.append(
            [
                Paragraph(escape(alert.name), s.cell),
                Paragraph(escape(alert.category), s.cell),
                Paragraph(escape(quantity_text(alert.current_stock, alert.unit)), s.cell_right),
                Paragraph(f"{alert.min_stock:,}", s.cell_right),
                Paragraph(
                    f"<font color='{colour}'><b>{level}</b></font>"
                    + (f" · {order}" if order else ""),
                    s.cell,
                ),
            ]
        )
    return [*start, table(rows, _LOW_COLUMNS)]


def _expiry(data: StockReport, s: Styles) -> list[Flowable]:
    count = len(data.expired) + len(data.expiring)
    heading = Paragraph(
        f"Expired or expiring within {data.expiring_days} days ({count})", s.subsection
    )
    if not count:
        return [heading, Paragraph("Nothing on the shelf expires in that time.", s.note)]
    rows: list[list[Any]] = [
        _head(("ITEM", "CATEGORY", "ON HAND", "EXPIRES", "STATUS"), s, right=(2,))
    ]
    for line in (*data.expired, *data.expiring):
        rows.append(
            [
                Paragraph(escape(line.name), s.cell),
                Paragraph(escape(line.category), s.cell),
                Paragraph(escape(quantity_text(line.quantity, line.unit)), s.cell_right),
                Paragraph(f"{line.expiration_date:%d %b %Y}", s.cell),
                Paragraph(_expiry_status(line), s.cell),
            ]
        )
    return [CondPageBreak(_KEEP_ROOM), heading, table(rows, _EXPIRY_COLUMNS)]


def _expiry_status(line: ExpiringLine) -> str:
    if line.expired:
        days = -line.days_left
        return f"<font color='{ALERT.hexval()}'><b>Expired</b></font> {days} d ago"
    if line.days_left == 0:
        return f"<font color='{WARN.hexval()}'><b>Expires today</b></font>"
    return f"<font color='{WARN.hexval()}'>in {line.days_left} d</font>"


def _category(category: StockCategory, currency: str, s: Styles) -> list[Flowable]:
    money = functools.partial(format_money, currency=currency)
    heading = Paragraph(escape(category.name), s.subsection)
    rows: list[list[Any]] = [
        _head(("ITEM", "ON HAND", "UNIT COST", "VALUE", "NOTE"), s, right=(1, 2, 3))
    ]
    for line in category.lines:
        note = LEVEL_WORDS[line.alert_level]
        colour = _LEVEL_COLOURS.get(line.alert_level, INK).hexval()
        name = escape(line.name)
        if line.storage_location:
            name += f"<br/><font color='{MUTED.hexval()}'>{escape(line.storage_location)}</font>"
        rows.append(
            [
                Paragraph(name, s.cell),
                Paragraph(escape(quantity_text(line.quantity, line.unit)), s.cell_right),
                Paragraph(money(line.unit_cost), s.cell_right),
                Paragraph(money(line.value), s.cell_right),
                Paragraph(f"<font color='{colour}'>{note}</font>" if note else "", s.cell),
            ]
        )
    rows.append(
        [
            Paragraph(f"{escape(category.name)} subtotal", s.cell_bold),
            Paragraph(f"{category.units:,}", s.cell_bold_right),
            "",
            Paragraph(money(category.subtotal), s.cell_bold_right),
            "",
        ]
    )
    return [CondPageBreak(_KEEP_ROOM), heading, table(rows, _ITEM_COLUMNS, total_rows=1)]
