"""Drawing the grid that :mod:`geometry` laid out: nothing here decides where things go.

:func:`paint_grid` paints a :class:`~geometry.GridLayout` onto a viewport scrolled by
(``scroll_x``, ``scroll_y``): the body scrolls both ways, the time axis only up and down,
the header row only sideways, so the dentists' names and the hours stay in sight.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from PySide6.QtCore import QLineF, QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetricsF, QPainter, QPen

from dcms_desktop.domain.enums import AppointmentStatus
from dcms_desktop.domain.readmodels.scheduling import ScheduleEntry, time_span
from dcms_desktop.views.schedule import palette
from dcms_desktop.views.schedule.geometry import (
    LAST_START_MINUTE,
    GridLayout,
    LineKind,
    Rect,
    Slot,
    SlotRange,
    clock_text,
)

LINE_PADDING = 4


@dataclass(frozen=True)
class Ghost:
    """A visit shown where it is being dragged to (or was dropped, until the service
    answers): ``column``, ``start``-``end`` minutes; ``refused`` paints it red."""

    entry: ScheduleEntry
    column: int
    start: int
    end: int
    refused: bool = False


@dataclass(frozen=True)
class PaintState:
    """What the view adds to the layout: scroll position, cursor, selection, drag."""

    scroll_x: float = 0
    scroll_y: float = 0
    viewport_width: float = 0
    viewport_height: float = 0
    cursor: Slot | None = None
    selection: SlotRange | None = None
    selected_id: uuid.UUID | None = None
    ghost: Ghost | None = None
    dimmed: frozenset[uuid.UUID] = frozenset()
    has_focus: bool = False


class Fonts:
    """The fonts of the grid, derived from the widget's font once."""

    def __init__(self, base: QFont) -> None:
        self.base = QFont(base)
        self.bold = QFont(base)
        self.bold.setBold(True)
        self.small = QFont(base)
        size = base.pointSizeF()
        if size > 0:
            self.small.setPointSizeF(max(size - 1.5, 7.0))
        else:
            self.small.setPixelSize(max(base.pixelSize() - 2, 9))
        self.small_bold = QFont(self.small)
        self.small_bold.setBold(True)
        self.struck = QFont(self.bold)
        self.struck.setStrikeOut(True)
        self.metrics = QFontMetricsF(self.base)
        self.bold_metrics = QFontMetricsF(self.bold)
        self.small_metrics = QFontMetricsF(self.small)
        self.small_bold_metrics = QFontMetricsF(self.small_bold)


def _qrect(r: Rect) -> QRectF:
    return QRectF(r.x, r.y, r.width, r.height)


def _color(name: str, alpha: int = 255) -> QColor:
    color = QColor(name)
    color.setAlpha(alpha)
    return color


def paint_grid(painter: QPainter, layout: GridLayout, state: PaintState, fonts: Fonts) -> None:
    """Paint the whole viewport."""
    m = layout.metrics
    vw, vh = state.viewport_width, state.viewport_height
    sx, sy = state.scroll_x, state.scroll_y
    painter.fillRect(QRectF(0, 0, vw, vh), _color(palette.BACKGROUND))
    # What part of the content shows, for skipping what doesn't.
    visible = Rect(sx + m.axis_width, sy + m.header_height, vw - m.axis_width, vh - m.header_height)

    # The body: scrolls both ways, clipped to below the header and right of the axis.
    painter.save()
    painter.setClipRect(QRectF(m.axis_width, m.header_height, vw - m.axis_width, vh))
    painter.translate(-sx, -sy)
    _paint_body(painter, layout, state, fonts, visible)
    painter.restore()

    # The time axis: scrolls up and down only.
    painter.save()
    painter.setClipRect(QRectF(0, m.header_height, m.axis_width, vh))
    painter.translate(0, -sy)
    _paint_axis(painter, layout, fonts)
    painter.restore()

    # The header row: scrolls sideways only.
    painter.save()
    painter.setClipRect(QRectF(m.axis_width, 0, vw - m.axis_width, m.header_height))
    painter.translate(-sx, 0)
    _paint_header(painter, layout, fonts)
    painter.restore()

    painter.fillRect(QRectF(0, 0, m.axis_width, m.header_height), _color(palette.HEADER_FILL))
    painter.setPen(_color(palette.COLUMN_LINE))
    painter.drawLine(QLineF(0, m.header_height - 0.5, vw, m.header_height - 0.5))
    painter.drawLine(QLineF(m.axis_width - 0.5, 0, m.axis_width - 0.5, vh))


def _paint_body(
    painter: QPainter, layout: GridLayout, state: PaintState, fonts: Fonts, visible: Rect
) -> None:
    m = layout.metrics
    left = m.axis_width
    right = layout.width
    closed_from = layout.y_of(LAST_START_MINUTE + layout.grid_minutes)
    painter.fillRect(
        QRectF(left, closed_from, right - left, layout.height - closed_from),
        _color(palette.AFTER_HOURS),
    )
    pens = {
        LineKind.HOUR: QPen(_color(palette.HOUR_LINE), 1),
        LineKind.HALF: QPen(_color(palette.HALF_LINE), 1),
        LineKind.STEP: QPen(_color(palette.STEP_LINE), 1),
    }
    for line in layout.lines:
        if visible.y - 2 <= line.y <= visible.bottom + 2:
            painter.setPen(pens[line.kind])
            painter.drawLine(QLineF(left, line.y + 0.5, right, line.y + 0.5))
    painter.setPen(QPen(_color(palette.COLUMN_LINE), 1))
    for column in layout.columns:
        x = column.body.right - 0.5
        painter.drawLine(QLineF(x, layout.body_top, x, layout.height))

    if state.selection is not None and state.selection.column < len(layout.columns):
        rect = _qrect(layout.range_rect(state.selection)).adjusted(1, 0, -1, 0)
        painter.fillRect(rect, _color(palette.SELECTION_FILL, 50))
        painter.setPen(QPen(_color(palette.SELECTION_FILL), 1.5))
        painter.drawRect(rect)
        painter.setFont(fonts.small_bold)
        painter.setPen(_color(palette.HEADER_INK))
        label = f"{clock_text(state.selection.start)}–{clock_text(state.selection.end)}"
        painter.drawText(
            rect.adjusted(4, 1, -4, 0),
            int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop),
            label,
        )

    hidden = state.ghost.entry.id if state.ghost is not None else None
    for block in layout.blocks:
        if block.entry.id == hidden or not block.rect.intersects(visible):
            continue
        dimmed = block.entry.id in state.dimmed
        _paint_block(
            painter, block.entry, _qrect(block.rect), fonts, faint=block.faint, dimmed=dimmed
        )
        if block.entry.id == state.selected_id:
            painter.setPen(QPen(_color(palette.SELECTED_RING), 2))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRoundedRect(_qrect(block.rect).adjusted(-1, -1, 1, 1), 4, 4)

    if state.ghost is not None and state.ghost.column < len(layout.columns):
        _paint_ghost(painter, layout, state.ghost, fonts)

    if state.cursor is not None and state.cursor.column < len(layout.columns):
        body = layout.columns[state.cursor.column].body
        top = layout.y_of(state.cursor.minute)
        bottom = layout.y_of(state.cursor.minute + layout.grid_minutes)
        pen = QPen(_color(palette.CURSOR), 2 if state.has_focus else 1)
        if not state.has_focus:
            pen.setStyle(Qt.PenStyle.DotLine)
        painter.setPen(pen)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawRect(QRectF(body.x + 1, top, body.width - 2, bottom - top))

    if layout.now_line is not None:
        now = layout.now_line
        painter.setPen(QPen(_color(palette.NOW_LINE), 2))
        painter.drawLine(QLineF(now.x1, now.y, now.x2, now.y))
        painter.setBrush(_color(palette.NOW_LINE))
        painter.drawEllipse(QPointF(now.x1 + 3, now.y), 3.5, 3.5)


def _paint_ghost(painter: QPainter, layout: GridLayout, ghost: Ghost, fonts: Fonts) -> None:
    m = layout.metrics
    body = layout.columns[ghost.column].body
    top = layout.y_of(ghost.start) + 1
    rect = QRectF(
        body.x + m.block_inset,
        top,
        body.width - 2 * m.block_inset,
        max(layout.y_of(ghost.end) - 1 - top, m.min_block_height),
    )
    _paint_block(painter, ghost.entry, rect, fonts, faint=False, dimmed=False, ghost_start=ghost)
    pen = QPen(_color(palette.DROP_REFUSED if ghost.refused else palette.SELECTED_RING), 2)
    pen.setStyle(Qt.PenStyle.DashLine)
    painter.setPen(pen)
    painter.setBrush(Qt.BrushStyle.NoBrush)
    painter.drawRoundedRect(rect, 4, 4)


def wrap_two_lines(
    metrics: QFontMetricsF, text: str, width: float, second_width: float | None = None
) -> list[str]:
    """``text`` on one line, or on two (words kept whole, the rest elided) when one line
    is too narrow for it; the second line may be wider (``second_width``)."""
    if metrics.horizontalAdvance(text) <= width:
        return [text]
    words = text.split()
    first = words[0] if words else text
    rest = words[1:]
    while rest and metrics.horizontalAdvance(f"{first} {rest[0]}") <= width:
        first = f"{first} {rest.pop(0)}"
    lines = [metrics.elidedText(first, Qt.TextElideMode.ElideRight, width)]
    if rest:
        wide = width if second_width is None else second_width
        lines.append(metrics.elidedText(" ".join(rest), Qt.TextElideMode.ElideRight, wide))
    return lines


def _block_lines(
    entry: ScheduleEntry,
    span: str,
    start: str,
    fonts: Fonts,
    *,
    first_width: float,
    width: float,
    height: float,
) -> list[tuple[str, str]]:
    """(font key, text) lines of a visit that fit, most important first: the patient,
    when (and the status in words, where there is room), the services, the reason."""
    name = entry.patient_name or "—"
    name_h = fonts.bold_metrics.height()
    small_h = fonts.small_metrics.height()
    if height < name_h + small_h:  # one line: the start, then as much of the patient as fits
        return [("name", f"{start} {name}")]
    lines: list[tuple[str, str]] = []
    if height >= 2 * name_h + 2 * small_h:
        wrapped = wrap_two_lines(fonts.bold_metrics, name, first_width, width)
        lines.extend(("name", line) for line in wrapped)
    else:
        lines.append(("name", name))
    when = f"{span}  {palette.status_label(entry.status)}"
    if fonts.small_bold_metrics.horizontalAdvance(when) > width:
        when = span if fonts.small_bold_metrics.horizontalAdvance(span) <= width else start
    lines.append(("small_bold", when))
    if entry.service_names:
        lines.append(("small", ", ".join(entry.service_names)))
    if entry.reason:
        lines.append(("small", entry.reason))
    return lines


def _paint_block(
    painter: QPainter,
    entry: ScheduleEntry,
    rect: QRectF,
    fonts: Fonts,
    *,
    faint: bool,
    dimmed: bool,
    ghost_start: Ghost | None = None,
) -> None:
    style = palette.STATUS_STYLES[entry.status]
    alpha = 255
    if faint:
        alpha = palette.FAINT_ALPHA
    if dimmed:
        alpha = palette.DIMMED_ALPHA
    painter.setPen(QPen(_color(style.accent, alpha), 1))
    painter.setBrush(QBrush(_color(style.fill, alpha)))
    if faint:
        pen = QPen(_color(style.accent, alpha), 1)
        pen.setStyle(Qt.PenStyle.DashLine)
        painter.setPen(pen)
    painter.drawRoundedRect(rect.adjusted(0.5, 0.5, -0.5, -0.5), 3, 3)
    accent = QRectF(rect.x(), rect.y(), 4, rect.height())
    painter.fillRect(accent, _color(style.accent, alpha))

    text_rect = rect.adjusted(4 + LINE_PADDING, 1, -LINE_PADDING, -1)
    if text_rect.width() < 8 or text_rect.height() < 6:
        return
    painter.save()
    painter.setClipRect(rect)
    ink = _color(style.text, alpha if not faint else 200)
    if ghost_start is not None:
        start = ghost_start.start
        span = f"{clock_text(start)}–{clock_text(ghost_start.end)}"
    else:
        span = time_span(entry.start, entry.end)

    badge = palette.BADGES.get(entry.type)
    badge_width = 0.0
    if badge is not None:
        badge_width = _paint_badge(painter, badge, text_rect, fonts, alpha)
    y = text_rect.y()
    bottom = text_rect.bottom()
    start = span.split("–")[0]
    lines = _block_lines(
        entry,
        span,
        start,
        fonts,
        first_width=text_rect.width() - badge_width,
        width=text_rect.width(),
        height=text_rect.height(),
    )
    for index, (kind, text) in enumerate(lines):
        font, metrics = _font(fonts, kind, struck=entry.status is AppointmentStatus.CANCELLED)
        height = metrics.height()
        if y + height > bottom + 2 and index > 0:
            break
        width = text_rect.width()
        if y < text_rect.y() + fonts.bold_metrics.height() - 1:  # beside the badge
            width -= badge_width
        painter.setFont(font)
        painter.setPen(ink)
        shown = metrics.elidedText(text, Qt.TextElideMode.ElideRight, max(width, 0))
        painter.drawText(
            QRectF(text_rect.x(), y, max(width, 0), height),
            int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
            shown,
        )
        y += height
    painter.restore()


def _font(fonts: Fonts, kind: str, *, struck: bool) -> tuple[QFont, QFontMetricsF]:
    if kind == "name":
        return (fonts.struck if struck else fonts.bold), fonts.bold_metrics
    if kind == "small_bold":
        return fonts.small_bold, fonts.small_bold_metrics
    return fonts.small, fonts.small_metrics


def _paint_badge(
    painter: QPainter, badge: palette.Badge, text_rect: QRectF, fonts: Fonts, alpha: int
) -> float:
    """Paint the badge at the top right; return the width it takes from the first line."""
    metrics = fonts.small_bold_metrics
    full = metrics.horizontalAdvance(badge.text) + 8
    text = badge.text if full <= text_rect.width() * 0.45 else badge.short
    width = metrics.horizontalAdvance(text) + 8
    height = min(metrics.height() + 1, fonts.bold_metrics.height())
    rect = QRectF(text_rect.right() - width, text_rect.y() + 1, width, height)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(_color(badge.fill, alpha))
    painter.drawRoundedRect(rect, 3, 3)
    painter.setFont(fonts.small_bold)
    painter.setPen(_color(badge.ink, alpha))
    painter.drawText(rect, int(Qt.AlignmentFlag.AlignCenter), text)
    return width + 4


def _paint_axis(painter: QPainter, layout: GridLayout, fonts: Fonts) -> None:
    m = layout.metrics
    painter.fillRect(QRectF(0, 0, m.axis_width, layout.height), _color(palette.HEADER_FILL))
    half_fits = 30 * layout.pixels_per_minute >= 2 * fonts.small_metrics.height()
    now_top = now_bottom = -1.0
    if layout.now_line is not None:  # labels the current time's tag would cover
        now_top = layout.now_line.y - fonts.small_metrics.height() - fonts.bold_metrics.height()
        now_bottom = layout.now_line.y + fonts.small_metrics.height()
    for line in layout.lines:
        if now_top < line.y < now_bottom:
            continue
        if line.kind is LineKind.HOUR and line.label:
            painter.setFont(fonts.bold)
            painter.setPen(_color(palette.AXIS_INK))
            painter.drawText(
                QRectF(0, line.y + 1, m.axis_width - 8, fonts.bold_metrics.height()),
                int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop),
                line.label,
            )
        elif line.kind is LineKind.HALF and half_fits:
            painter.setFont(fonts.small)
            painter.setPen(_color(palette.HEADER_SUBTLE))
            painter.drawText(
                QRectF(0, line.y + 1, m.axis_width - 8, fonts.small_metrics.height()),
                int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop),
                clock_text(line.minute),
            )
    if layout.now_line is not None:
        now = layout.now_line
        height = fonts.small_metrics.height() + 2
        rect = QRectF(2, now.y - height / 2, m.axis_width - 6, height)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(_color(palette.NOW_LINE))
        painter.drawRoundedRect(rect, 3, 3)
        painter.setFont(fonts.small_bold)
        painter.setPen(QColor("#ffffff"))
        painter.drawText(rect, int(Qt.AlignmentFlag.AlignCenter), now.label)


def _paint_header(painter: QPainter, layout: GridLayout, fonts: Fonts) -> None:
    m = layout.metrics
    painter.fillRect(QRectF(0, 0, layout.width, m.header_height), _color(palette.HEADER_FILL))
    for column in layout.columns:
        rect = _qrect(column.header).adjusted(6, 3, -6, -3)
        painter.setFont(fonts.bold)
        painter.setPen(_color(palette.HEADER_INK))
        titles = wrap_two_lines(fonts.bold_metrics, column.spec.title, rect.width())
        line_h = fonts.bold_metrics.height()
        top = rect.y() if len(titles) == 1 else rect.center().y() - line_h
        for n, title in enumerate(titles):
            painter.drawText(
                QRectF(rect.x(), top + n * line_h, rect.width(), line_h),
                int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
                title,
            )
        if column.spec.subtitle and len(titles) == 1:
            painter.setFont(fonts.small)
            painter.setPen(_color(palette.HEADER_SUBTLE))
            subtitle = fonts.small_metrics.elidedText(
                column.spec.subtitle, Qt.TextElideMode.ElideRight, rect.width()
            )
            painter.drawText(
                rect, int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignBottom), subtitle
            )
        painter.setPen(_color(palette.COLUMN_LINE))
        x = column.header.right - 0.5
        painter.drawLine(QLineF(x, 0, x, m.header_height))
