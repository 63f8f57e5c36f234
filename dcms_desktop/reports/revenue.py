"""The revenue report: as an A4 PDF, and as CSV for a spreadsheet.

Data in (:class:`~dcms_desktop.domain.readmodels.reports.RevenueReport`), bytes out.

The PDF carries the clinic's name, the period and the filters at the top of every page,
and when it was printed and "page n of m" at the bottom. The body: the period's totals, a
bar chart of revenue and paid per month, the month table with a totals row, then the
tables per dentist and per service category. Long periods paginate, the tables' headers
repeated on each page. Fonts are the day list's (DejaVu Sans when bundled).

The CSV is one table, so a spreadsheet can sort and filter it: a ``section`` column says
what each row is (``month``, ``total``, ``dentist``, ``category``), amounts are plain
decimals with a point ("1234.50", no currency sign, no thousands separator). It is written
as UTF-8 with a byte order mark, which spreadsheet programs need to read names like Zoë.
"""

from __future__ import annotations

import csv
import functools
import io
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any
from xml.sax.saxutils import escape

from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
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

from dcms_desktop.domain.money import format_money, to_money
from dcms_desktop.domain.readmodels.reports import RevenueFigures, RevenueReport
from dcms_desktop.reports.document import build_pdf
from dcms_desktop.reports.fonts import Fonts as _Fonts
from dcms_desktop.reports.fonts import fit as _fit
from dcms_desktop.reports.fonts import fonts as _fonts

# The day list's fonts and helpers: one set of fonts for every printed report.
from dcms_desktop.reports.numbered_canvas import PrintedAtCanvas
from dcms_desktop.reports.palette import HEAD_FILL, INK, MUTED, RULE, STRIPE

PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN = 15 * mm
TOP = 32 * mm  # the header's band
BOTTOM = 16 * mm  # the footer's band
BODY_WIDTH = PAGE_WIDTH - 2 * MARGIN
TOTAL_FILL = colors.HexColor("#dde7f3")
REVENUE_BAR = colors.HexColor("#2f6fb5")
PAID_BAR = colors.HexColor("#3f9c6d")

EN_DASH = "\u2013"
# Label, bills, revenue, paid, pending: the body's 180 mm.
_COLUMNS = (60 * mm, 21 * mm, 33 * mm, 33 * mm, 33 * mm)
CHART_HEIGHT = 62 * mm

CSV_HEADER = ("section", "label", "bills", "revenue", "paid", "pending")


# -- CSV ------------------------------------------------------------------------------------
def render_revenue_csv(report: RevenueReport) -> bytes:
    """The report as CSV: one row per month, the totals, one per dentist and per category."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    for month in report.months:
        writer.writerow(_csv_row("month", f"{month.month:%Y-%m}", month))
    writer.writerow(
        _csv_row(
            "total", f"{report.date_from.isoformat()}..{report.date_to.isoformat()}", report.totals
        )
    )
    for dentist in report.by_dentist:
        writer.writerow(_csv_row("dentist", dentist.dentist_name, dentist))
    for category in report.by_category:
        writer.writerow(_csv_row("category", category.category, category))
    return buffer.getvalue().encode("utf-8-sig")


def _csv_row(section: str, label: str, figures: RevenueFigures) -> list[str]:
    return [
        section,
        label,
        str(figures.bills),
        _plain(figures.revenue),
        _plain(figures.paid),
        _plain(figures.pending),
    ]


def _plain(amount: Decimal) -> str:
    """ "1234.50": exact, two places, no sign of currency or thousands."""
    return f"{to_money(amount):f}"


# -- PDF ------------------------------------------------------------------------------------
def period_text(date_from: date, date_to: date) -> str:
    """ "1 Jan 2026 – 31 Dec 2026"."""
    return f"{_short(date_from)} {EN_DASH} {_short(date_to)}"


def _short(day: date) -> str:
    return f"{day.day} {day:%b %Y}"


def month_label(month: date) -> str:
    """ "Mar 2026"."""
    return f"{month:%b %Y}"


def render_revenue_pdf(report: RevenueReport) -> bytes:
    """The revenue report as an A4 PDF."""
    fonts = _fonts()
    return build_pdf(
        _story(report, fonts),
        pagesize=A4,
        side_margin=MARGIN,
        top_margin=TOP,
        bottom_margin=BOTTOM,
        title=f"Revenue {period_text(report.date_from, report.date_to)} - {report.clinic_name}",
        author=report.clinic_name,
        subject="Revenue per month, per dentist and per service category",
        canvasmaker=functools.partial(
            PrintedAtCanvas, printed_at=report.printed_at, font=fonts.regular, margin=MARGIN
        ),
        on_page=functools.partial(_draw_header, report=report, fonts=fonts),
    )


def _styles(fonts: _Fonts) -> dict[str, ParagraphStyle]:
    cell = ParagraphStyle("cell", fontName=fonts.regular, fontSize=9, leading=11.5, textColor=INK)
    return {
        "cell": cell,
        "number": ParagraphStyle("number", parent=cell, alignment=2),
        "bold": ParagraphStyle("bold", parent=cell, fontName=fonts.bold),
        "bold_number": ParagraphStyle("bold_number", parent=cell, fontName=fonts.bold, alignment=2),
        "head": ParagraphStyle(
            "head", parent=cell, fontName=fonts.bold, fontSize=8, textColor=MUTED
        ),
        "head_number": ParagraphStyle(
            "head_number",
            parent=cell,
            fontName=fonts.bold,
            fontSize=8,
            textColor=MUTED,
            alignment=2,
        ),
        "section": ParagraphStyle(
            "section",
            fontName=fonts.bold,
            fontSize=12,
            leading=16,
            textColor=INK,
            spaceBefore=5 * mm,
            spaceAfter=2 * mm,
        ),
        "note": ParagraphStyle("note", parent=cell, fontSize=8, leading=10.5, textColor=MUTED),
        "figure_label": ParagraphStyle(
            "figure_label", parent=cell, fontSize=8, leading=10, textColor=MUTED
        ),
        "figure": ParagraphStyle(
            "figure", parent=cell, fontName=fonts.bold, fontSize=13, leading=16
        ),
    }


def _story(report: RevenueReport, fonts: _Fonts) -> list[Flowable]:
    styles = _styles(fonts)
    money = functools.partial(format_money, currency=report.currency)
    lines = report.counts_lines
    revenue_word = "Services billed" if lines else "Revenue"
    story: list[Flowable] = [_summary(report, styles, revenue_word)]
    if lines:
        story.append(Spacer(1, 2 * mm))
        story.append(
            Paragraph(
                f"Bill lines of the category {escape(report.category or '')} only: their "
                "subtotals before the bills' discount and tax; a line counts as paid when "
                "its bill is paid in full.",
                styles["note"],
            )
        )
    story.append(Spacer(1, 4 * mm))
    story.append(_chart(report, fonts))

    rows = [(month_label(m.month), m.bills, m.revenue, m.paid, m.pending) for m in report.months]
    story.append(Paragraph("Per month", styles["section"]))
    story.append(
        _table("MONTH", revenue_word, rows, report.totals, styles, money, total_label="Total")
    )

    dentist_rows = [
        (d.dentist_name, d.bills, d.revenue, d.paid, d.pending) for d in report.by_dentist
    ]
    story.append(Paragraph("Per dentist", styles["section"]))
    story.append(_table("DENTIST", revenue_word, dentist_rows, None, styles, money))

    category_rows = [
        (c.category, c.bills, c.revenue, c.paid, c.pending) for c in report.by_category
    ]
    heading = Paragraph("Per service category", styles["section"])
    note = Paragraph(
        "Bill lines per category, before the bills' discount and tax; a line counts as paid "
        "when its bill is paid in full. Bills: those with a line of the category.",
        styles["note"],
    )
    table = _table("CATEGORY", "Services billed", category_rows, None, styles, money)
    story.append(KeepTogether([heading, note, Spacer(1, 2 * mm), table]))
    return story


def _summary(report: RevenueReport, styles: dict[str, ParagraphStyle], revenue_word: str) -> Table:
    """Four figures side by side: bills, revenue, paid, pending."""
    money = functools.partial(format_money, currency=report.currency)
    totals = report.totals
    figures = [
        ("Bills", f"{totals.bills:,}"),
        (revenue_word, money(totals.revenue)),
        ("Paid", money(totals.paid)),
        ("Pending", money(totals.pending)),
    ]
    # One size for the four figures, as large as lets the longest fit on one line.
    figure = styles["figure"]
    room = BODY_WIDTH / 4 - 18
    widest = max(pdfmetrics.stringWidth(value, figure.fontName, 1) for _label, value in figures)
    size = min(figure.fontSize, room / widest)
    figure = ParagraphStyle("figure_fitted", parent=figure, fontSize=size, leading=size * 1.25)
    cells = [
        [Paragraph(escape(label), styles["figure_label"]), Paragraph(escape(value), figure)]
        for label, value in figures
    ]
    table = Table([cells], colWidths=[BODY_WIDTH / 4] * 4, hAlign="LEFT")
    table.setStyle(
        TableStyle(
            [
                ("BACKGROUND", (0, 0), (-1, -1), STRIPE),
                ("LINEAFTER", (0, 0), (-2, -1), 0.5, colors.white),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("TOPPADDING", (0, 0), (-1, -1), 6),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 7),
                ("LEFTPADDING", (0, 0), (-1, -1), 8),
            ]
        )
    )
    return table


def _table(
    label_head: str,
    revenue_word: str,
    rows: Sequence[tuple[str, int, Decimal, Decimal, Decimal]],
    totals: RevenueFigures | None,
    styles: dict[str, ParagraphStyle],
    money: Any,
    *,
    total_label: str = "",
) -> Flowable:
    if not rows:
        return Paragraph("No bills in this period.", styles["note"])
    data: list[list[Any]] = [
        [Paragraph(label_head, styles["head"])]
        + [
            Paragraph(h, styles["head_number"])
            for h in ("BILLS", revenue_word.upper(), "PAID", "PENDING")
        ]
    ]
    for label, bills, revenue, paid, pending in rows:
        data.append(
            [
                Paragraph(escape(label), styles["cell"]),
                Paragraph(f"{bills:,}", styles["number"]),
                Paragraph(escape(money(revenue)), styles["number"]),
                Paragraph(escape(money(paid)), styles["number"]),
                Paragraph(escape(money(pending)), styles["number"]),
            ]
        )
    if totals is not None:
        data.append(
            [
                Paragraph(total_label, styles["bold"]),
                Paragraph(f"{totals.bills:,}", styles["bold_number"]),
                Paragraph(escape(money(totals.revenue)), styles["bold_number"]),
                Paragraph(escape(money(totals.paid)), styles["bold_number"]),
                Paragraph(escape(money(totals.pending)), styles["bold_number"]),
            ]
        )
    table = Table(data, colWidths=_COLUMNS, repeatRows=1, hAlign="LEFT")
    commands: list[tuple[Any, ...]] = [
        ("BACKGROUND", (0, 0), (-1, 0), HEAD_FILL),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("LINEBELOW", (0, 0), (-1, -1), 0.5, RULE),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
        ("LEFTPADDING", (0, 0), (-1, -1), 4),
        ("RIGHTPADDING", (0, 0), (-1, -1), 4),
    ]
    last_striped = len(data) - (1 if totals is not None else 0)
    for row_index in range(2, last_striped, 2):
        commands.append(("BACKGROUND", (0, row_index), (-1, row_index), STRIPE))
    if totals is not None:
        commands.append(("BACKGROUND", (0, -1), (-1, -1), TOTAL_FILL))
        commands.append(("LINEABOVE", (0, -1), (-1, -1), 1, INK))
    table.setStyle(TableStyle(commands))
    return table


def _chart(report: RevenueReport, fonts: _Fonts) -> Drawing:
    """Revenue and paid per month as bars, amounts on the left axis, a legend on top."""
    drawing = Drawing(BODY_WIDTH, CHART_HEIGHT)
    months = report.months
    chart = VerticalBarChart()
    chart.x, chart.y = 22 * mm, 12 * mm
    chart.width, chart.height = BODY_WIDTH - 24 * mm, CHART_HEIGHT - 22 * mm
    revenue = [float(m.revenue) for m in months]  # drawing coordinates, not money
    paid = [float(m.paid) for m in months]
    chart.data = [revenue, paid]
    step = max(1, -(-len(months) // 18))  # at most 18 labels under the bars
    chart.categoryAxis.categoryNames = [
        (f"{m.month:%b}" if len(months) <= 12 else f"{m.month:%b %y}") if i % step == 0 else ""
        for i, m in enumerate(months)
    ]
    chart.categoryAxis.labels.fontName = fonts.regular
    chart.categoryAxis.labels.fontSize = 7
    chart.categoryAxis.labels.fillColor = MUTED
    chart.categoryAxis.strokeColor = RULE
    chart.categoryAxis.tickDown = 0
    if len(months) > 12:
        chart.categoryAxis.labels.angle = 35
        chart.categoryAxis.labels.boxAnchor = "ne"
    chart.valueAxis.valueMin = 0
    chart.valueAxis.labels.fontName = fonts.regular
    chart.valueAxis.labels.fontSize = 7
    chart.valueAxis.labels.fillColor = MUTED
    chart.valueAxis.strokeColor = RULE
    chart.valueAxis.gridStrokeColor = RULE
    chart.valueAxis.gridStrokeWidth = 0.3
    chart.valueAxis.visibleGrid = True
    top = max([*revenue, 0.0])
    if top <= 0:
        chart.valueAxis.valueMax = 100
    chart.valueAxis.labelTextFormat = functools.partial(_axis_money, currency=report.currency)
    chart.bars[0].fillColor = REVENUE_BAR
    chart.bars[1].fillColor = PAID_BAR
    chart.bars.strokeWidth = 0
    chart.bars.strokeColor = None
    chart.barSpacing = 0.5
    chart.groupSpacing = max(1.0, 8.0 - len(months) / 6)
    drawing.add(chart)

    legend = Legend()
    legend.x, legend.y = 22 * mm, CHART_HEIGHT - 2 * mm
    legend.alignment = "right"
    legend.columnMaximum = 1
    legend.fontName = fonts.regular
    legend.fontSize = 8
    legend.dx = legend.dy = 7
    legend.fillColor = INK
    word = "Services billed" if report.counts_lines else "Revenue"
    legend.deltax = pdfmetrics.stringWidth(word, fonts.regular, 8) + 24
    legend.colorNamePairs = [(REVENUE_BAR, word), (PAID_BAR, "Paid")]
    drawing.add(legend)
    drawing.add(
        String(
            BODY_WIDTH,
            CHART_HEIGHT - 4.5 * mm,
            f"per month, {report.currency}",
            fontName=fonts.regular,
            fontSize=8,
            fillColor=MUTED,
            textAnchor="end",
        )
    )
    return drawing


def _axis_money(value: float, *, currency: str) -> str:
    """An axis tick in whole units: "$12,000", "12,000 SEK"."""
    amount = to_money(str(round(value)))
    text = format_money(amount, currency)
    return text.replace(".00", "")


def _draw_header(
    page: canvas.Canvas, document: BaseDocTemplate, *, report: RevenueReport, fonts: _Fonts
) -> None:
    page.saveState()
    top = PAGE_HEIGHT - 12 * mm
    title = "Revenue report"
    title_width = pdfmetrics.stringWidth(title, fonts.bold, 12)
    page.setFillColor(INK)
    page.setFont(fonts.bold, 12)
    page.drawRightString(PAGE_WIDTH - MARGIN, top - 4 * mm, title)
    page.setFont(fonts.bold, 15)
    name = _fit(report.clinic_name, fonts.bold, 15, BODY_WIDTH - title_width - 8 * mm)
    page.drawString(MARGIN, top - 4 * mm, name)
    page.setFont(fonts.regular, 9)
    page.drawString(MARGIN, top - 10 * mm, period_text(report.date_from, report.date_to))
    page.setFillColor(MUTED)
    page.drawRightString(
        PAGE_WIDTH - MARGIN,
        top - 10 * mm,
        _fit(report.filter_text, fonts.regular, 9, BODY_WIDTH / 2),
    )
    page.setStrokeColor(RULE)
    page.setLineWidth(0.8)
    page.line(MARGIN, top - 13 * mm, PAGE_WIDTH - MARGIN, top - 13 * mm)
    page.restoreState()
