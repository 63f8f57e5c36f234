"""The printed day list: one A4 sheet (or more) per dentist with the day's visits.

Data in (:class:`~dcms_desktop.domain.readmodels.scheduling.DayList`), PDF out. Each
page carries the clinic's name and the day at the top, and when it was printed and "page
n of m" at the bottom. Each dentist starts on a page of their own, so the list can be
handed to each chair; a visit lists its time, the patient (with the visit's type when it
is not a regular one, and the patient's medical alerts), their phone, the services and
the reason, and the status.

The text font is DejaVu Sans when the application bundles it (resources/fonts), which
covers most scripts a patient's name is written in; otherwise Bitstream Vera, which
ships with ReportLab and covers Western European names.
"""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen import canvas
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    PageBreak,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from dcms_desktop.domain.contact import display_phone
from dcms_desktop.domain.enums import AppointmentStatus, AppointmentType
from dcms_desktop.domain.readmodels.scheduling import (
    EN_DASH,
    DayList,
    DayListDentist,
    ScheduleEntry,
)
from dcms_desktop.reports.document import build_pdf
from dcms_desktop.reports.fonts import Fonts as _Fonts
from dcms_desktop.reports.fonts import fit as _fit
from dcms_desktop.reports.fonts import fonts as _fonts
from dcms_desktop.reports.numbered_canvas import PrintedAtCanvas
from dcms_desktop.reports.palette import ALERT, HEAD_FILL, INK, MUTED, RULE, STRIPE

log = logging.getLogger(__name__)

PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN = 15 * mm
TOP = 30 * mm  # the header's band
BOTTOM = 16 * mm  # the footer's band

_TYPE_BADGES = {
    AppointmentType.WALK_IN: "Walk-in",
    AppointmentType.EMERGENCY: "Emergency",
    AppointmentType.FOLLOW_UP: "Follow-up",
}
_STATUS_LABELS = {
    AppointmentStatus.PENDING: "Pending",
    AppointmentStatus.CONFIRMED: "Confirmed",
    AppointmentStatus.IN_PROGRESS: "In progress",
    AppointmentStatus.COMPLETED: "Completed",
    AppointmentStatus.CANCELLED: "Cancelled",
    AppointmentStatus.NO_SHOW: "No-show",
}
# Time, patient, phone, services and reason, status: the body's 180 mm. The time, a
# grouped international phone number and "In progress" each fit on one line.
_COLUMNS = (26 * mm, 47 * mm, 34 * mm, 50 * mm, 23 * mm)


@dataclass(frozen=True)
class _Styles:
    dentist: ParagraphStyle
    dentist_note: ParagraphStyle
    cell: ParagraphStyle
    cell_bold: ParagraphStyle
    head: ParagraphStyle
    note: ParagraphStyle
    time: ParagraphStyle


def _styles(fonts: _Fonts) -> _Styles:
    cell = ParagraphStyle("cell", fontName=fonts.regular, fontSize=9, leading=11.5, textColor=INK)
    return _Styles(
        dentist=ParagraphStyle(
            "dentist", fontName=fonts.bold, fontSize=14, leading=18, textColor=INK, spaceAfter=1
        ),
        dentist_note=ParagraphStyle(
            "dentist_note", parent=cell, textColor=MUTED, spaceAfter=3 * mm
        ),
        cell=cell,
        cell_bold=ParagraphStyle("cell_bold", parent=cell, fontName=fonts.bold),
        head=ParagraphStyle(
            "head", parent=cell, fontName=fonts.bold, fontSize=8.5, textColor=MUTED
        ),
        note=ParagraphStyle("note", parent=cell, fontSize=10, leading=14, textColor=MUTED),
        time=ParagraphStyle("time", parent=cell, fontName=fonts.bold),
    )


def render_day_list(data: DayList) -> bytes:
    """The day list as a PDF."""
    fonts = _fonts()
    styles = _styles(fonts)
    return build_pdf(
        _story(data, styles),
        pagesize=A4,
        side_margin=MARGIN,
        top_margin=TOP,
        bottom_margin=BOTTOM,
        title=f"Day list {data.day:%d %b %Y} - {data.clinic_name}",
        author=data.clinic_name,
        subject="Appointments of the day, per dentist",
        canvasmaker=functools.partial(
            PrintedAtCanvas, printed_at=data.printed_at, font=fonts.regular, margin=MARGIN
        ),
        # At the end of the page: by then it knows whose visits it lists.
        on_page_end=functools.partial(_draw_header, data=data, fonts=fonts),
    )


def _story(data: DayList, styles: _Styles) -> list[Flowable]:
    story: list[Flowable] = []
    if not data.dentists:
        story.append(Paragraph("No appointments on this day.", styles.note))
    for index, dentist in enumerate(data.dentists):
        if index:
            story.append(PageBreak())
        story.extend(_dentist_section(dentist, data, styles))
    if data.left_out:
        visits = "visit is" if data.left_out == 1 else "visits are"
        story.append(Spacer(1, 4 * mm))
        story.append(
            Paragraph(f"{data.left_out} cancelled or no-show {visits} not listed.", styles.note)
        )
    return story


def _dentist_section(dentist: DayListDentist, data: DayList, styles: _Styles) -> list[Flowable]:
    entries = dentist.entries
    count = f"{len(entries)} appointment{'' if len(entries) == 1 else 's'}"
    if entries:
        last_end = max(e.end for e in entries)
        count += f" · {entries[0].start:%H:%M}{EN_DASH}{last_end:%H:%M}"
    header = [
        _Dentist(dentist.dentist_name),
        Paragraph(escape(dentist.dentist_name), styles.dentist),
        Paragraph(count, styles.dentist_note),
    ]
    for flowable in header:
        flowable.keepWithNext = True
    if not entries:
        return [*header, Paragraph("No appointments.", styles.note)]
    rows: list[list[Any]] = [
        [Paragraph(h, styles.head) for h in ("TIME", "PATIENT", "PHONE", "SERVICES", "STATUS")]
    ]
    rows.extend(_row(entry, data, styles) for entry in entries)
    table = Table(rows, colWidths=_COLUMNS, repeatRows=1, hAlign="LEFT")
    commands: list[tuple[Any, ...]] = [
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
    return [*header, table]


class _Dentist(Flowable):
    """Takes no room: tells the page's header whose visits the page lists."""

    def __init__(self, name: str) -> None:
        super().__init__()
        self.name = name
        self.width = self.height = 0

    def draw(self) -> None:
        self.canv._dcms_dentist = self.name  # type: ignore[attr-defined]


def _row(entry: ScheduleEntry, data: DayList, styles: _Styles) -> list[Any]:
    patient = f"<b>{escape(entry.patient_name)}</b>"
    badge = _TYPE_BADGES.get(entry.type)
    if badge:
        patient += f"<br/><font color='{MUTED.hexval()}'>{badge}</font>"
    alerts = data.alerts.get(entry.patient_id) if entry.patient_id is not None else None
    if alerts:
        patient += "".join(
            f"<br/><font color='{ALERT.hexval()}'>{escape(alert)}</font>" for alert in alerts
        )
    services = escape(", ".join(entry.service_names)) or f"<font color='{MUTED.hexval()}'>-</font>"
    if entry.reason:
        services += f"<br/><font color='{MUTED.hexval()}'><i>{escape(entry.reason)}</i></font>"
    return [
        Paragraph(f"{entry.start:%H:%M}{EN_DASH}{entry.end:%H:%M}", styles.time),
        Paragraph(patient, styles.cell),
        Paragraph(escape(display_phone(entry.patient_phone)) or "-", styles.cell),
        Paragraph(services, styles.cell),
        Paragraph(_STATUS_LABELS[entry.status], styles.cell),
    ]


def _draw_header(
    page: canvas.Canvas, document: BaseDocTemplate, *, data: DayList, fonts: _Fonts
) -> None:
    page.saveState()
    top = PAGE_HEIGHT - 12 * mm
    width = PAGE_WIDTH - 2 * MARGIN
    title = f"Day list · {_long_date(data)}"
    title_width = pdfmetrics.stringWidth(title, fonts.bold, 12)
    page.setFillColor(INK)
    page.setFont(fonts.bold, 12)
    page.drawRightString(PAGE_WIDTH - MARGIN, top - 4 * mm, title)
    page.setFont(fonts.bold, 15)
    name = _fit(data.clinic_name, fonts.bold, 15, width - title_width - 8 * mm)
    page.drawString(MARGIN, top - 4 * mm, name)
    page.setFillColor(MUTED)
    page.setFont(fonts.regular, 8.5)
    dentist = getattr(page, "_dcms_dentist", "")
    page.drawRightString(PAGE_WIDTH - MARGIN, top - 9 * mm, dentist)
    dentist_width = pdfmetrics.stringWidth(dentist, fonts.regular, 8.5)
    contact = " · ".join(part for part in (data.clinic_phone, data.clinic_address) if part)
    if contact:
        room = width - dentist_width - (8 * mm if dentist else 0)
        line = _fit(" ".join(contact.split()), fonts.regular, 8.5, room)
        page.drawString(MARGIN, top - 9 * mm, line)
    page.setStrokeColor(RULE)
    page.setLineWidth(0.8)
    page.line(MARGIN, top - 12 * mm, PAGE_WIDTH - MARGIN, top - 12 * mm)
    page.restoreState()


def _long_date(data: DayList) -> str:
    """ "Tuesday 5 March 2030"."""
    return f"{data.day:%A} {data.day.day} {data.day:%B %Y}"
