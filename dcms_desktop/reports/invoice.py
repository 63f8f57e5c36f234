"""The printed invoice: data in (:class:`InvoiceData`), PDF out (:func:`render_invoice`).

Every page carries the clinic's header (logo scaled to fit, name, address, phone, email,
tax id) with "INVOICE" and the invoice number on the right, and "Invoice <number> · Page n
of m" at the bottom. The first page says who is billed and the invoice's dates and status;
the items follow in a table whose header row repeats on every page a long bill runs to;
the totals (subtotal, discount with its reason, tax at its rate, total, paid, balance due)
close it, then the payment terms and the clinic's own footer text.

The copy (``copy=True``) is the same document stamped COPY: a large light-grey diagonal
"COPY" over the content and a "COPY" badge in the header, on every page; a draft
(``draft=True``, the preview of an invoice not issued yet) is stamped DRAFT the same way.
A cancelled bill carries a red CANCELLED badge and the reason.

Rendering is deterministic: ReportLab's ``invariant`` mode fixes the creation date and
document id, and nothing else in the document depends on the moment it is rendered (the
issue date is part of the data), so the same data gives the same bytes.
"""

from __future__ import annotations

import functools
import io
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, LETTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen import canvas
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    KeepTogether,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from dcms_desktop.domain.enums import BillStatus
from dcms_desktop.domain.money import format_money
from dcms_desktop.reports.document import build_pdf
from dcms_desktop.reports.fonts import Fonts as _Fonts
from dcms_desktop.reports.fonts import fonts as _fonts
from dcms_desktop.reports.numbered_canvas import NumberedCanvas
from dcms_desktop.reports.palette import ALERT, HEAD_FILL, INK, MUTED, RULE, STRIPE

log = logging.getLogger(__name__)

PAGE_SIZES: dict[str, tuple[float, float]] = {"A4": A4, "Letter": LETTER}
"""The paper an invoice can be printed on, by the name stored with an issued invoice."""

MARGIN = 16 * mm
TOP = 40 * mm  # the header's band
BOTTOM = 18 * mm  # the footer's band
LOGO_BOX = (42 * mm, 20 * mm)  # the most room a logo may take: width, height
WATERMARK = colors.HexColor("#9aa5b1")
WATERMARK_ALPHA = 0.16

STATUS_LABELS: dict[BillStatus, str] = {
    BillStatus.PENDING: "Unpaid",
    BillStatus.PARTIAL: "Part paid",
    BillStatus.PAID: "Paid",
    BillStatus.OVERDUE: "Overdue",
    BillStatus.CANCELLED: "Cancelled",
}


@dataclass(frozen=True)
class InvoiceLine:
    """One item of the invoice: a service, the teeth it was done on (FDI), how many
    times at what price, and the line's amount."""

    service: str
    quantity: int
    unit_price: Decimal
    subtotal: Decimal
    teeth: tuple[int, ...] = ()
    description: str | None = None


@dataclass(frozen=True)
class InvoiceData:
    """Everything printed on an invoice: the clinic's header and the bill as it stood on
    ``issue_date``. Amounts are ``Decimal`` to the cent, printed in ``currency``."""

    clinic_name: str
    invoice_number: str
    bill_date: date
    issue_date: date
    patient_name: str
    patient_email: str
    items: tuple[InvoiceLine, ...]
    subtotal: Decimal
    discount: Decimal
    tax: Decimal
    total: Decimal
    paid: Decimal
    status: BillStatus
    clinic_address: str | None = None
    clinic_phone: str | None = None
    clinic_email: str | None = None
    clinic_tax_id: str | None = None
    logo_png: bytes | None = None
    currency: str = "USD"
    footer: str | None = None
    payment_terms_days: int | None = None
    due_date: date | None = None
    discount_reason: str | None = None
    tax_rate: Decimal | None = None
    cancellation_reason: str | None = None

    @property
    def balance(self) -> Decimal:
        """What is still owed."""
        return self.total - self.paid


def render_invoice(
    data: InvoiceData, *, page_size: str = "A4", copy: bool = False, draft: bool = False
) -> bytes:
    """The invoice as a PDF on ``page_size`` paper ("A4" or "Letter"); ``copy`` stamps
    every page COPY, ``draft`` DRAFT (a preview of an invoice not issued yet). Pure: the
    same arguments give the same bytes."""
    try:
        pagesize = PAGE_SIZES[page_size]
    except KeyError:
        raise ValueError(f"page size must be one of {', '.join(PAGE_SIZES)}") from None
    fonts = _fonts()
    styles = _styles(fonts)
    logo = _logo(data.logo_png)
    stamp = "COPY" if copy else "DRAFT" if draft else None
    kind = {"COPY": "Invoice copy", "DRAFT": "Invoice draft"}.get(stamp or "", "Invoice")
    page = _Page(data, fonts, pagesize, logo, stamp)
    return build_pdf(
        _story(data, styles, pagesize[0] - 2 * MARGIN),
        pagesize=pagesize,
        side_margin=MARGIN,
        top_margin=TOP,
        bottom_margin=BOTTOM,
        title=f"{kind} {data.invoice_number} - {data.clinic_name}",
        author=data.clinic_name,
        subject=f"{kind} {data.invoice_number}",
        canvasmaker=functools.partial(_NumberedCanvas, page=page),
        on_page=page.draw,
        on_page_end=page.draw_over,
        invariant=True,
    )


# -- the body ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Styles:
    cell: ParagraphStyle
    cell_bold: ParagraphStyle
    cell_muted: ParagraphStyle
    head: ParagraphStyle
    label: ParagraphStyle
    name: ParagraphStyle
    total_label: ParagraphStyle
    note: ParagraphStyle
    alert: ParagraphStyle


@functools.cache
def _styles(fonts: _Fonts) -> _Styles:
    cell = ParagraphStyle("cell", fontName=fonts.regular, fontSize=9, leading=11.5, textColor=INK)
    head = ParagraphStyle("head", parent=cell, fontName=fonts.bold, fontSize=8, textColor=MUTED)
    total_label = ParagraphStyle("total_label", parent=cell, alignment=2)
    return _Styles(
        cell=cell,
        cell_bold=ParagraphStyle("cell_bold", parent=cell, fontName=fonts.bold),
        cell_muted=ParagraphStyle("cell_muted", parent=cell, fontSize=8, textColor=MUTED),
        head=head,
        label=ParagraphStyle("label", parent=head, spaceAfter=1.5 * mm),
        name=ParagraphStyle("name", parent=cell, fontName=fonts.bold, fontSize=11, leading=14),
        total_label=total_label,
        note=ParagraphStyle("note", parent=cell, fontSize=9, leading=12.5, textColor=MUTED),
        alert=ParagraphStyle("alert", parent=cell, fontName=fonts.bold, textColor=ALERT),
    )


def _money(data: InvoiceData, amount: Decimal) -> str:
    return escape(format_money(amount, data.currency))


def long_date(day: date) -> str:
    """ "5 Mar 2030"."""
    return f"{day.day} {day:%b %Y}"


def teeth_text(teeth: Sequence[int]) -> str:
    """FDI numbers as printed: "11, 12, 16"."""
    return ", ".join(str(tooth) for tooth in teeth)


def _story(data: InvoiceData, styles: _Styles, width: float) -> list[Flowable]:
    story: list[Flowable] = [_parties(data, styles, width), Spacer(1, 7 * mm)]
    story.append(_items_table(data, styles, width))
    story.append(Spacer(1, 4 * mm))
    story.append(KeepTogether([_totals_table(data, styles, width), *_closing(data, styles)]))
    return story


def _text_or_paragraph(text: str, style: ParagraphStyle, width: float) -> Any:
    """``text`` as a plain table cell (cheap) when it fits ``width`` on one line, else as
    a wrapping paragraph."""
    if pdfmetrics.stringWidth(text, style.fontName, style.fontSize) <= width:
        return text
    return Paragraph(escape(text), style)


def _parties(data: InvoiceData, styles: _Styles, width: float) -> Table:
    """Who is billed (left) and the invoice's dates and status (right), as one table of
    plain cells: label and value columns on the right."""
    label_w, value_w = 28 * mm, 44 * mm
    left_w = width - label_w - value_w
    facts = [
        ("Invoice date", long_date(data.issue_date)),
        ("Visit date", long_date(data.bill_date)),
    ]
    if data.due_date is not None:
        facts.append(("Due date", long_date(data.due_date)))
    facts.append(("Status", STATUS_LABELS[data.status]))
    left: list[Any] = [
        "BILL TO",
        _text_or_paragraph(data.patient_name, styles.name, left_w - 8 * mm),
        _text_or_paragraph(data.patient_email, styles.cell, left_w - 8 * mm),
    ]
    rows = [
        [left[n] if n < len(left) else "", label, value] for n, (label, value) in enumerate(facts)
    ]
    status_row = len(rows) - 1
    commands: list[tuple[Any, ...]] = [
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 0),
        ("RIGHTPADDING", (0, 0), (-1, -1), 0),
        ("TOPPADDING", (0, 0), (-1, -1), 1.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
        ("FONTNAME", (0, 0), (-1, -1), styles.cell.fontName),
        ("FONTSIZE", (0, 0), (-1, -1), styles.cell.fontSize),
        ("LEADING", (0, 0), (-1, -1), styles.cell.leading),
        ("TEXTCOLOR", (0, 0), (-1, -1), INK),
        ("FONTNAME", (0, 0), (0, 0), styles.label.fontName),
        ("FONTSIZE", (0, 0), (0, 0), styles.label.fontSize),
        ("TEXTCOLOR", (0, 0), (0, 0), MUTED),
        ("FONTNAME", (0, 1), (0, 1), styles.name.fontName),
        ("FONTSIZE", (0, 1), (0, 1), styles.name.fontSize),
        ("LEADING", (0, 1), (0, 1), styles.name.leading),
        ("FONTSIZE", (1, 0), (1, -1), styles.cell_muted.fontSize),
        ("TEXTCOLOR", (1, 0), (1, -1), MUTED),
        ("ALIGN", (2, 0), (2, -1), "RIGHT"),
    ]
    if data.status in (BillStatus.OVERDUE, BillStatus.CANCELLED):
        commands.append(("FONTNAME", (2, status_row), (2, status_row), styles.alert.fontName))
        commands.append(("TEXTCOLOR", (2, status_row), (2, status_row), ALERT))
    table = Table(rows, colWidths=(left_w, label_w, value_w), hAlign="LEFT")
    table.setStyle(TableStyle(commands))
    return table


def _items_table(data: InvoiceData, styles: _Styles, width: float) -> Table:
    """The items, the header row repeated on every page. Cells are plain text (cheap to lay
    out) unless their text needs wrapping to fit the column."""
    teeth_w, qty_w, money_w = 34 * mm, 13 * mm, 28 * mm
    service_w = width - teeth_w - qty_w - 2 * money_w
    columns = (service_w, teeth_w, qty_w, money_w, money_w)
    pad = 8  # left + right padding of a cell
    font, size = styles.cell.fontName, styles.cell.fontSize
    rows: list[list[Any]] = [["SERVICE", "TEETH (FDI)", "QTY", "UNIT PRICE", "AMOUNT"]]
    for line in data.items:
        service: Any = line.service
        if line.description or pdfmetrics.stringWidth(service, font, size) > service_w - pad:
            text = escape(line.service)
            if line.description:
                text += f"<br/><font size='8' color='{MUTED.hexval()}'>"
                text += f"{escape(line.description)}</font>"
            service = Paragraph(text, styles.cell)
        teeth: Any = teeth_text(line.teeth) or "-"
        if pdfmetrics.stringWidth(teeth, font, size) > teeth_w - pad:
            teeth = Paragraph(escape(teeth), styles.cell)
        rows.append(
            [
                service,
                teeth,
                str(line.quantity),
                format_money(line.unit_price, data.currency),
                format_money(line.subtotal, data.currency),
            ]
        )
    if not data.items:
        rows.append(["No items.", "", "", "", ""])
    table = Table(rows, colWidths=columns, repeatRows=1, hAlign="LEFT")
    commands: list[tuple[Any, ...]] = [
        ("FONTNAME", (0, 0), (-1, 0), styles.head.fontName),
        ("FONTSIZE", (0, 0), (-1, 0), styles.head.fontSize),
        ("TEXTCOLOR", (0, 0), (-1, 0), MUTED),
        ("FONTNAME", (0, 1), (-1, -1), font),
        ("FONTSIZE", (0, 1), (-1, -1), size),
        ("LEADING", (0, 1), (-1, -1), styles.cell.leading),
        ("TEXTCOLOR", (0, 1), (-1, -1), INK),
        ("ALIGN", (2, 0), (-1, -1), "RIGHT"),
        ("BACKGROUND", (0, 0), (-1, 0), HEAD_FILL),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LINEBELOW", (0, 0), (-1, -1), 0.5, RULE),
        ("TOPPADDING", (0, 0), (-1, -1), 4),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 5),
        ("LEFTPADDING", (0, 0), (-1, -1), 4),
        ("RIGHTPADDING", (0, 0), (-1, -1), 4),
    ]
    for row_index in range(2, len(rows), 2):
        commands.append(("BACKGROUND", (0, row_index), (-1, row_index), STRIPE))
    table.setStyle(TableStyle(commands))
    return table


def _totals_table(data: InvoiceData, styles: _Styles, width: float) -> Table:
    """The money lines, right-aligned under the amounts column (plain cells)."""
    money = functools.partial(format_money, currency=data.currency)
    lines: list[tuple[str, str]] = [("Subtotal", money(data.subtotal))]
    if data.discount:
        reason = f" ({data.discount_reason})" if data.discount_reason else ""
        lines.append((f"Discount{reason}", money(-data.discount)))
    rate = f" ({_percent(data.tax_rate)})" if data.tax_rate is not None else ""
    lines.append((f"Tax{rate}", money(data.tax)))
    total_row = len(lines)
    lines.append(("Total", money(data.total)))
    lines.append(("Paid", money(data.paid)))
    # A cancelled bill is owed by nobody, whatever its numbers say.
    cancelled = data.status is BillStatus.CANCELLED
    lines.append(("Balance due", "Cancelled" if cancelled else money(data.balance)))
    value_w = 30 * mm
    label_w = min(96 * mm, width - value_w)
    rows = [
        [_text_or_paragraph(label, styles.total_label, label_w - 8), value]
        for label, value in lines
    ]
    bold = styles.cell_bold.fontName
    table = Table(rows, colWidths=(label_w, value_w), hAlign="RIGHT")
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("ALIGN", (0, 0), (-1, -1), "RIGHT"),
                ("FONTNAME", (0, 0), (-1, -1), styles.cell.fontName),
                ("FONTSIZE", (0, 0), (-1, -1), styles.cell.fontSize),
                ("LEADING", (0, 0), (-1, -1), styles.cell.leading),
                ("TEXTCOLOR", (0, 0), (-1, -1), INK),
                ("FONTNAME", (0, total_row), (-1, total_row), bold),
                ("FONTNAME", (0, -1), (-1, -1), bold),
                ("LEFTPADDING", (0, 0), (-1, -1), 4),
                ("RIGHTPADDING", (0, 0), (-1, -1), 4),
                ("TOPPADDING", (0, 0), (-1, -1), 2.5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
                ("LINEABOVE", (0, total_row), (-1, total_row), 0.8, INK),
                ("LINEABOVE", (0, -1), (-1, -1), 0.5, RULE),
                ("BACKGROUND", (0, -1), (-1, -1), HEAD_FILL),
            ]
        )
    )
    return table


def _percent(rate: Decimal) -> str:
    """12 -> "12%", 7.50 -> "7.5%"."""
    text = f"{rate.normalize():f}"
    return f"{text}%"


def _closing(data: InvoiceData, styles: _Styles) -> list[Flowable]:
    """What follows the totals: the cancellation, the payment terms, the clinic's footer."""
    story: list[Flowable] = [Spacer(1, 6 * mm)]
    if data.status is BillStatus.CANCELLED:
        reason = f": {escape(data.cancellation_reason)}" if data.cancellation_reason else "."
        story.append(Paragraph(f"This bill was cancelled{reason}", styles.alert))
        story.append(Spacer(1, 2 * mm))
    elif data.balance <= 0:
        story.append(Paragraph("Paid in full. Thank you.", styles.note))
    elif data.due_date is not None:
        balance, number = _money(data, data.balance), escape(data.invoice_number)
        if data.due_date < data.issue_date:
            text = (
                f"Payment was due on {long_date(data.due_date)}. Please pay the balance of "
                f"{balance} now, quoting invoice {number}."
            )
        else:
            terms = (
                f" ({data.payment_terms_days} days)"
                if data.payment_terms_days is not None and data.payment_terms_days > 0
                else ""
            )
            text = (
                f"Please pay the balance of {balance} by {long_date(data.due_date)}{terms}, "
                f"quoting invoice {number}."
            )
        story.append(Paragraph(text, styles.note))
    if data.footer:
        story.append(Spacer(1, 3 * mm))
        footer = "<br/>".join(escape(line) for line in data.footer.strip().splitlines())
        story.append(Paragraph(footer, styles.note))
    return story


# -- the page: header, watermark, footer --------------------------------------------------------
def _logo(png: bytes | None) -> ImageReader | None:
    if not png:
        return None
    try:
        return ImageReader(io.BytesIO(png))
    except Exception:  # a damaged logo must not stop the invoice
        log.warning("the clinic's logo could not be read; printing without it", exc_info=True)
        return None


def logo_size(
    width: float, height: float, box: tuple[float, float] = LOGO_BOX
) -> tuple[float, float]:
    """The logo's printed size: scaled (up or down) to fit ``box``, aspect kept."""
    if width <= 0 or height <= 0:
        return (0.0, 0.0)
    scale = min(box[0] / width, box[1] / height)
    return (width * scale, height * scale)


def _tax_id(tax_id: str | None) -> str:
    """ "Tax ID 123-456", but "TIN 123-456" as given when the clinic wrote what it is."""
    text = (tax_id or "").strip()
    if not text:
        return ""
    return f"Tax ID {text}" if text[0].isdigit() else text


def _fit(text: str, font: str, size: float, width: float) -> str:
    """``text``, cut short with an ellipsis if it is wider than ``width``."""
    if pdfmetrics.stringWidth(text, font, size) <= width:
        return text
    while text and pdfmetrics.stringWidth(text + "…", font, size) > width:
        text = text[:-1]
    return text.rstrip() + "…"


class _Page:
    """Draws what every page carries: the header before the content, the translucent
    watermark of a copy over it (over, so that table shading can't hide parts of it). The
    footer is drawn by :class:`_NumberedCanvas`, which knows the page count."""

    def __init__(
        self,
        data: InvoiceData,
        fonts: _Fonts,
        pagesize: tuple[float, float],
        logo: ImageReader | None,
        stamp: str | None,
    ) -> None:
        self.data = data
        self.fonts = fonts
        self.width, self.height = pagesize
        self.logo = logo
        self.stamp = stamp

    def draw(self, page: canvas.Canvas, _document: BaseDocTemplate) -> None:
        page.saveState()
        self._header(page)
        page.restoreState()

    def draw_over(self, page: canvas.Canvas, _document: BaseDocTemplate) -> None:
        if self.stamp:
            self._watermark(page, self.stamp)

    def _watermark(self, page: canvas.Canvas, stamp: str) -> None:
        page.saveState()
        page.setFillColor(WATERMARK)
        page.setFillAlpha(WATERMARK_ALPHA)
        page.translate(self.width / 2, self.height / 2)
        page.rotate(45)
        page.setFont(self.fonts.bold, 150)
        page.drawCentredString(0, -50, stamp)
        page.restoreState()

    def _header(self, page: canvas.Canvas) -> None:
        data, fonts = self.data, self.fonts
        top = self.height - 12 * mm
        left = MARGIN
        right = self.width - MARGIN
        # Right block: INVOICE, the number, the badges.
        page.setFillColor(INK)
        page.setFont(fonts.bold, 20)
        page.drawRightString(right, top - 7 * mm, "INVOICE")
        page.setFont(fonts.bold, 11)
        page.drawRightString(right, top - 13 * mm, data.invoice_number)
        badges = []
        if data.status is BillStatus.CANCELLED:
            badges.append(("CANCELLED", ALERT))
        if self.stamp:
            badges.append((self.stamp, INK))
        badge_right = right
        for text, colour in badges:
            badge_right -= self._badge(page, text, colour, badge_right, top - 21 * mm) + 2 * mm
        right_block = max(
            pdfmetrics.stringWidth("INVOICE", fonts.bold, 20),
            pdfmetrics.stringWidth(data.invoice_number, fonts.bold, 11),
        )
        # Left block: the logo, then the clinic's name and details beside it.
        text_left = left
        if self.logo is not None:
            w, h = logo_size(*self.logo.getSize())
            page.drawImage(self.logo, left, top - h, width=w, height=h, mask="auto")
            text_left = left + w + 5 * mm
        room = right - right_block - 8 * mm - text_left
        page.setFillColor(INK)
        page.setFont(fonts.bold, 14)
        page.drawString(text_left, top - 5 * mm, _fit(data.clinic_name, fonts.bold, 14, room))
        details = [
            ", ".join(
                " ".join(x.split()) for x in (data.clinic_address or "").splitlines() if x.strip()
            ),
            " · ".join(part for part in (data.clinic_phone, data.clinic_email) if part),
            _tax_id(data.clinic_tax_id),
        ]
        page.setFillColor(MUTED)
        page.setFont(fonts.regular, 8.5)
        y = top - 10 * mm
        for line in details:
            if line:
                page.drawString(text_left, y, _fit(line, fonts.regular, 8.5, room))
                y -= 4 * mm
        page.setStrokeColor(RULE)
        page.setLineWidth(0.8)
        rule_y = self.height - TOP + 6 * mm
        page.line(left, rule_y, right, rule_y)

    def _badge(
        self, page: canvas.Canvas, text: str, colour: colors.Color, right: float, y: float
    ) -> float:
        """A boxed word ending at ``right`` on baseline ``y``; returns its width."""
        size = 9
        width = pdfmetrics.stringWidth(text, self.fonts.bold, size) + 4 * mm
        page.saveState()
        page.setStrokeColor(colour)
        page.setFillColor(colour)
        page.setLineWidth(1)
        page.roundRect(right - width, y - 1.6 * mm, width, 5.4 * mm, 1 * mm, stroke=1, fill=0)
        page.setFont(self.fonts.bold, size)
        page.drawCentredString(right - width / 2, y, text)
        page.restoreState()
        return width


class _NumberedCanvas(NumberedCanvas):
    """A canvas that holds its pages back until the end, to write "Page n of m"."""

    def __init__(self, *args: Any, page: _Page, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._page = page

    def _draw_footer(self, number: int, total: int) -> None:
        page = self._page
        width = page.width
        self.saveState()
        self.setStrokeColor(RULE)
        self.setLineWidth(0.5)
        self.line(MARGIN, 12 * mm, width - MARGIN, 12 * mm)
        self.setFillColor(MUTED)
        self.setFont(page.fonts.regular, 8)
        left = f"Invoice {page.data.invoice_number} · {page.data.clinic_name}"
        if page.stamp:
            left = f"{page.stamp} · {left}"
        self.drawString(MARGIN, 8 * mm, _fit(left, page.fonts.regular, 8, width / 2))
        self.drawRightString(width - MARGIN, 8 * mm, f"Page {number} of {total}")
        self.restoreState()
