"""The interactive grid the day and week views share: painting, mouse and keyboard.

The view owns no data source: it is given columns and entries, and says what the user
wants through signals (book this range, move that visit, act on the selected one). The
page does the work through the services and gives the view the new entries.

Mouse: drag on empty space to select a range (then the booking dialog opens), drag a
visit to move it, drag its bottom edge to make it longer or shorter, right-click for its
actions. Keyboard: arrows move the slot cursor, Shift+Up/Down extend a range, Enter
books it, Page Up/Down jump an hour, Home/End go to the first/last start, Escape drops
the range. A moved visit shows where it was dropped until the page settles the move:
accepted (the next data shows it there) or refused (it snaps back).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from datetime import datetime

from PySide6.QtCore import QEvent, QPoint, QPointF, Qt, Signal
from PySide6.QtGui import (
    QContextMenuEvent,
    QFocusEvent,
    QHelpEvent,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QResizeEvent,
)
from PySide6.QtWidgets import QAbstractScrollArea, QApplication, QToolTip, QWidget

from dcms_desktop.domain.enums import AppointmentStatus
from dcms_desktop.domain.readmodels.scheduling import ScheduleEntry
from dcms_desktop.views.schedule import palette
from dcms_desktop.views.schedule.geometry import (
    DEFAULT_METRICS,
    Block,
    ColumnSpec,
    GridLayout,
    GridSpec,
    HitKind,
    Metrics,
    Slot,
    SlotRange,
    clamp_start,
    clock_text,
    is_bookable_start,
    layout_grid,
    move_cursor,
    range_between,
    start_of,
)
from dcms_desktop.views.schedule.painting import Fonts, Ghost, PaintState, paint_grid

MOVABLE = frozenset({AppointmentStatus.PENDING, AppointmentStatus.CONFIRMED})
"""Visits that can be dragged elsewhere (one in the chair can only change its length)."""
DEFAULT_SLOT_MINUTES = 30
"""How long a booking from a single slot (double-click) is, before services say more."""


@dataclass(frozen=True)
class BookingRequest:
    """Book ``dentist_id`` from ``start`` for ``duration`` minutes (the dialog opens)."""

    dentist_id: uuid.UUID | None
    start: datetime
    duration: int


@dataclass(frozen=True)
class MoveRequest:
    """Move (or resize) ``entry`` to ``dentist_id`` at ``start`` for ``duration``."""

    entry: ScheduleEntry
    dentist_id: uuid.UUID | None
    start: datetime
    duration: int


@dataclass
class _Drag:
    mode: str  # "select", "move" or "resize"
    press: tuple[float, float]
    block: Block | None = None
    started: bool = False


def describe_entry(entry: ScheduleEntry) -> str:
    """One line about a visit, for tooltips and screen readers."""
    parts = [entry.patient_name, entry.span, palette.status_label(entry.status)]
    if entry.type.value != "regular":
        parts.append(palette.type_label(entry.type))
    if entry.dentist_title:
        parts.append(entry.dentist_title)
    if entry.service_names:
        parts.append(", ".join(entry.service_names))
    return " · ".join(parts)


class ScheduleGridView(QAbstractScrollArea):
    """A custom-painted appointment grid (see the module docstring)."""

    book_requested = Signal(object)
    """A :class:`BookingRequest`."""
    move_requested = Signal(object)
    """A :class:`MoveRequest`."""
    selection_changed = Signal(object)
    """The selected :class:`ScheduleEntry`, or None."""
    context_menu_requested = Signal(object, QPoint)
    """(entry, global position): show the visit's actions."""

    def __init__(self, parent: QWidget | None = None, *, metrics: Metrics = DEFAULT_METRICS):
        super().__init__(parent)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.viewport().setMouseTracking(True)
        self.viewport().setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent, True)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        self._metrics = metrics
        self._columns: tuple[ColumnSpec, ...] = ()
        self._entries: tuple[ScheduleEntry, ...] = ()
        self._grid = 15
        self._show_inactive = True
        self._now: datetime | None = None
        self._filter = ""
        self._dimmed: frozenset[uuid.UUID] = frozenset()
        self._layout: GridLayout | None = None
        self._cursor: Slot | None = None
        self._anchor: Slot | None = None
        self._selection: SlotRange | None = None
        self._selected_id: uuid.UUID | None = None
        self._drag: _Drag | None = None
        self._ghost: Ghost | None = None
        self._pending: Ghost | None = None
        self._fonts = Fonts(self.font())
        self.column_of: Callable[[ScheduleEntry], Hashable] | None = None
        self.book_enabled = True
        self.move_enabled = True

    # -- data --------------------------------------------------------------------------------
    def set_columns_and_entries(
        self, columns: Sequence[ColumnSpec], entries: Sequence[ScheduleEntry]
    ) -> None:
        """New data: keeps the cursor and the selected visit where they still exist."""
        self._columns = tuple(columns)
        self._entries = tuple(entries)
        self._pending = None
        self._ghost = None
        self._update_dimmed()
        self._relayout()
        if self._selected_id is not None and self.selected_entry() is None:
            self._selected_id = None
            self.selection_changed.emit(None)
        if self._cursor is not None and self._cursor.column >= len(self._columns):
            self._cursor = self._anchor = None
            self._selection = None

    def set_grid_minutes(self, minutes: int) -> None:
        if minutes != self._grid:
            self._grid = minutes
            if self._cursor is not None:
                self._cursor = Slot(self._cursor.column, clamp_start(self._cursor.minute, minutes))
                self._anchor = self._cursor
                self._selection = SlotRange(
                    self._cursor.column, self._cursor.minute, self._cursor.minute + minutes
                )
            self._relayout()

    def grid_minutes(self) -> int:
        return self._grid

    def set_show_inactive(self, show: bool) -> None:
        """Show cancelled and no-show visits (faint) or hide them."""
        if show != self._show_inactive:
            self._show_inactive = show
            self._relayout()

    def set_now(self, now: datetime | None) -> None:
        """The clinic's wall-clock time, for the current-time line."""
        self._now = now
        self._relayout()

    def set_filter(self, text: str) -> None:
        """Dim the visits whose patient, services and reason don't hold ``text``."""
        self._filter = text.strip().lower()
        self._update_dimmed()
        self.viewport().update()

    def _update_dimmed(self) -> None:
        if not self._filter:
            self._dimmed = frozenset()
            return
        words = self._filter.split()

        def matches(entry: ScheduleEntry) -> bool:
            haystack = " ".join(
                [entry.patient_name, entry.reason or "", *entry.service_names]
            ).lower()
            return all(word in haystack for word in words)

        self._dimmed = frozenset(e.id for e in self._entries if not matches(e))

    def matching_entries(self) -> tuple[ScheduleEntry, ...]:
        """The visits the filter keeps (all of them without a filter)."""
        return tuple(e for e in self._entries if e.id not in self._dimmed)

    def columns(self) -> tuple[ColumnSpec, ...]:
        return self._columns

    def entries(self) -> tuple[ScheduleEntry, ...]:
        return self._entries

    def grid_layout(self) -> GridLayout:
        """The current layout (computed now if the view has not been laid out yet)."""
        if self._layout is None:
            self._relayout()
        assert self._layout is not None
        return self._layout

    # -- selection ---------------------------------------------------------------------------
    def selected_entry(self) -> ScheduleEntry | None:
        if self._selected_id is None:
            return None
        return next((e for e in self._entries if e.id == self._selected_id), None)

    def select_appointment(self, appointment_id: uuid.UUID | None) -> None:
        if appointment_id != self._selected_id:
            self._selected_id = appointment_id
            self.viewport().update()
            self.selection_changed.emit(self.selected_entry())
            self._describe()

    def cursor_slot(self) -> Slot | None:
        return self._cursor

    def selection_range(self) -> SlotRange | None:
        return self._selection

    def set_cursor(self, slot: Slot, *, extend: bool = False) -> None:
        """Put the slot cursor on ``slot`` (extending the range from the anchor)."""
        self._cursor = slot
        if not extend or self._anchor is None or self._anchor.column != slot.column:
            self._anchor = slot
        self._selection = range_between(self._anchor, slot, self._grid)
        layout = self.grid_layout()
        block = layout.block_at_slot(slot)
        self.select_appointment(block.entry.id if block is not None else None)
        self._ensure_visible(slot)
        self.viewport().update()
        self._describe()

    def clear_range(self) -> None:
        self._anchor = self._cursor
        if self._cursor is not None:
            self._selection = SlotRange(
                self._cursor.column, self._cursor.minute, self._cursor.minute + self._grid
            )
        self.viewport().update()

    def request_booking(self) -> bool:
        """Ask for a booking of the selected range; False when there is none to book."""
        if not self.book_enabled or self._selection is None:
            return False
        selection = self._selection
        if not is_bookable_start(selection.start) or selection.column >= len(self._columns):
            return False
        spec = self._columns[selection.column]
        duration = selection.duration
        if duration <= self._grid and self._anchor == self._cursor:
            duration = max(DEFAULT_SLOT_MINUTES, self._grid)
        self.book_requested.emit(
            BookingRequest(spec.dentist_id, start_of(spec, selection.start), duration)
        )
        return True

    # -- moves -------------------------------------------------------------------------------
    def pending_move(self) -> Ghost | None:
        """Where a dropped visit waits for the service's answer, if one does."""
        return self._pending

    def settle_move(self, accepted: bool) -> None:
        """The service answered: refused moves snap back now; accepted ones stay where
        they were dropped until the next data comes."""
        if not accepted:
            self._pending = None
            self._ghost = None
            self.viewport().update()

    def _request_move(self, block: Block, column: int, start: int, duration: int) -> None:
        spec = self._columns[column]
        same = (
            column == block.column
            and start == block.start_minute
            and duration == block.entry.duration
        )
        if same:
            self._ghost = None
            self.viewport().update()
            return
        self._pending = Ghost(block.entry, column, start, start + duration)
        self._ghost = self._pending
        self.viewport().update()
        self.move_requested.emit(
            MoveRequest(block.entry, spec.dentist_id, start_of(spec, start), duration)
        )

    # -- layout and painting ---------------------------------------------------------------------
    def _relayout(self) -> None:
        viewport = self.viewport()
        spec = GridSpec(
            columns=self._columns,
            entries=self._entries,
            grid_minutes=self._grid,
            show_inactive=self._show_inactive,
            now=self._now,
            viewport_width=viewport.width(),
            viewport_height=viewport.height(),
            metrics=self._metrics,
            column_of=self.column_of,
        )
        self._layout = layout_grid(spec)
        h = self.horizontalScrollBar()
        v = self.verticalScrollBar()
        h.setRange(0, max(0, int(self._layout.width - viewport.width())))
        h.setPageStep(viewport.width())
        v.setRange(0, max(0, int(self._layout.height - viewport.height())))
        v.setPageStep(viewport.height())
        v.setSingleStep(max(8, int(self._layout.pixels_per_minute * self._grid)))
        viewport.update()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._relayout()

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:
            self._fonts = Fonts(self.font())
            self.viewport().update()

    def scrollContentsBy(self, dx: int, dy: int) -> None:
        self.viewport().update()

    def paint_state(self) -> PaintState:
        viewport = self.viewport()
        return PaintState(
            scroll_x=self.horizontalScrollBar().value(),
            scroll_y=self.verticalScrollBar().value(),
            viewport_width=viewport.width(),
            viewport_height=viewport.height(),
            cursor=self._cursor,
            selection=self._selection if self._anchor != self._cursor else None,
            selected_id=self._selected_id,
            ghost=self._ghost,
            dimmed=self._dimmed,
            has_focus=self.hasFocus(),
        )

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self.viewport())
        try:
            painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
            paint_grid(painter, self.grid_layout(), self.paint_state(), self._fonts)
        finally:
            painter.end()

    def scroll_to_minute(self, minute: float) -> None:
        """Scroll so that ``minute`` sits near the top of the view."""
        layout = self.grid_layout()
        y = layout.y_of(minute) - layout.metrics.header_height - 20
        self.verticalScrollBar().setValue(int(max(0, y)))

    def _ensure_visible(self, slot: Slot) -> None:
        layout = self.grid_layout()
        body = layout.columns[slot.column].body
        top = layout.y_of(slot.minute)
        self.ensure_content_visible(body.x, top, layout.y_of(slot.minute + self._grid) - top)

    def ensure_content_visible(self, x: float, y: float, height: float) -> None:
        """Scroll (as little as needed) so that the column at content ``x`` and the span
        ``y``..``y + height`` show."""
        layout = self.grid_layout()
        m = layout.metrics
        v = self.verticalScrollBar()
        h = self.horizontalScrollBar()
        top = y - m.header_height
        visible_h = self.viewport().height() - m.header_height
        if top < v.value():
            v.setValue(int(top))
        elif top + height > v.value() + visible_h:
            v.setValue(int(min(top, top + height - visible_h)))
        column = layout.column_at(x)
        if column is None:
            return
        body = layout.columns[column].body
        left = body.x - m.axis_width
        visible_w = self.viewport().width() - m.axis_width
        if left < h.value():
            h.setValue(int(left))
        elif left + body.width > h.value() + visible_w:
            h.setValue(int(left + body.width - visible_w))

    # -- coordinates -------------------------------------------------------------------------
    def to_content(self, point: QPointF | QPoint) -> tuple[float, float]:
        """Content coordinates (see geometry) of a viewport point."""
        m = self._metrics
        x, y = point.x(), point.y()
        cx = x if x < m.axis_width else x + self.horizontalScrollBar().value()
        cy = y if y < m.header_height else y + self.verticalScrollBar().value()
        return cx, cy

    def to_viewport(self, x: float, y: float) -> QPoint:
        """The viewport point of content point (x, y) (the inverse of :meth:`to_content`
        in the body)."""
        return QPoint(
            int(x - self.horizontalScrollBar().value()),
            int(y - self.verticalScrollBar().value()),
        )

    # -- mouse -------------------------------------------------------------------------------
    def mousePressEvent(self, event: QMouseEvent) -> None:
        self.setFocus(Qt.FocusReason.MouseFocusReason)
        if event.button() != Qt.MouseButton.LeftButton:
            super().mousePressEvent(event)
            return
        point = self.to_content(event.position())
        hit = self.grid_layout().hit_test(*point)
        if hit.kind in (HitKind.APPOINTMENT, HitKind.RESIZE) and hit.block is not None:
            block = hit.block
            self.select_appointment(block.entry.id)
            mode = self._drag_mode(block, hit.kind)
            if mode is not None:
                self._drag = _Drag(mode, point, block)
                return
            if block.faint and hit.column is not None:
                slot = self.grid_layout().slot_at(*point)
                if slot is not None:
                    self._start_select(slot, point)
            return
        if hit.kind is HitKind.SLOT and hit.column is not None and hit.minute is not None:
            self._start_select(Slot(hit.column, clamp_start(hit.minute, self._grid)), point)

    def _drag_mode(self, block: Block, kind: HitKind) -> str | None:
        """What dragging ``block`` from this spot does: move it, change its length (a visit
        in the chair can only run longer or shorter), or nothing."""
        if not self.move_enabled or self._pending is not None or block.faint:
            return None
        status = block.entry.status
        if status in MOVABLE:
            return "resize" if kind is HitKind.RESIZE else "move"
        if status is AppointmentStatus.IN_PROGRESS and kind is HitKind.RESIZE:
            return "resize"
        return None

    def _start_select(self, slot: Slot, point: tuple[float, float]) -> None:
        self._cursor = self._anchor = slot
        self._selection = range_between(slot, slot, self._grid)
        block = self.grid_layout().block_at_slot(slot)
        if block is None or block.faint:
            self.select_appointment(None if block is None else block.entry.id)
        self._drag = _Drag("select", point)
        self.viewport().update()
        self._describe()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        point = self.to_content(event.position())
        drag = self._drag
        layout = self.grid_layout()
        if drag is None:
            hit = layout.hit_test(*point)
            mode = self._drag_mode(hit.block, hit.kind) if hit.block is not None else None
            shape = {
                "resize": Qt.CursorShape.SizeVerCursor,
                "move": Qt.CursorShape.OpenHandCursor,
            }.get(mode or "", Qt.CursorShape.ArrowCursor)
            self.viewport().setCursor(shape)
            return
        distance = abs(point[0] - drag.press[0]) + abs(point[1] - drag.press[1])
        if not drag.started and distance < QApplication.startDragDistance():
            return
        drag.started = True
        if drag.mode == "select":
            slot = layout.slot_at(point[0], point[1])
            if slot is not None and self._anchor is not None:
                slot = Slot(self._anchor.column, clamp_start(slot.minute, self._grid))
                self._cursor = slot
                self._selection = range_between(self._anchor, slot, self._grid)
        elif drag.block is not None and drag.mode == "move":
            column, start = layout.move_target(drag.block, drag.press, point)
            self._ghost = Ghost(drag.block.entry, column, start, start + drag.block.entry.duration)
            self.viewport().setCursor(Qt.CursorShape.ClosedHandCursor)
        elif drag.block is not None:
            duration = layout.resize_target(drag.block, point)
            start = drag.block.start_minute
            self._ghost = Ghost(drag.block.entry, drag.block.column, start, start + duration)
        self.viewport().update()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        drag, self._drag = self._drag, None
        if drag is None or event.button() != Qt.MouseButton.LeftButton:
            super().mouseReleaseEvent(event)
            return
        if drag.mode == "select":
            self.viewport().update()
            self._describe()
            if drag.started and self._anchor != self._cursor:
                self.request_booking()
            return
        ghost = self._ghost
        if not drag.started or ghost is None or drag.block is None:
            self._ghost = None
            self.viewport().update()
            return
        self._request_move(drag.block, ghost.column, ghost.start, ghost.end - ghost.start)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        point = self.to_content(event.position())
        hit = self.grid_layout().hit_test(*point)
        if hit.kind is HitKind.SLOT and event.button() == Qt.MouseButton.LeftButton:
            self._drag = None
            self.request_booking()

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:
        if event.reason() == QContextMenuEvent.Reason.Mouse:
            point = self.to_content(self.viewport().mapFrom(self, event.pos()))
            hit = self.grid_layout().hit_test(*point)
            if hit.block is None:
                return
            self.select_appointment(hit.block.entry.id)
            position = event.globalPos()
        else:
            block = self.grid_layout().block_for(self._selected_id) if self._selected_id else None
            if block is None:
                return
            rect = block.rect
            position = self.viewport().mapToGlobal(self.to_viewport(rect.x + 8, rect.y + 8))
        entry = self.selected_entry()
        if entry is not None:
            self.context_menu_requested.emit(entry, position)

    def viewportEvent(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip and isinstance(event, QHelpEvent):
            hit = self.grid_layout().hit_test(*self.to_content(event.pos()))
            if hit.block is not None:
                QToolTip.showText(event.globalPos(), describe_entry(hit.block.entry), self)
            else:
                QToolTip.hideText()
            return True
        return super().viewportEvent(event)

    # -- keyboard ----------------------------------------------------------------------------
    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        shift = bool(event.modifiers() & Qt.KeyboardModifier.ShiftModifier)
        if not self._columns:
            super().keyPressEvent(event)
            return
        hour = max(1, 60 // self._grid)
        moves = {
            Qt.Key.Key_Up: (0, -1),
            Qt.Key.Key_Down: (0, 1),
            Qt.Key.Key_Left: (-1, 0),
            Qt.Key.Key_Right: (1, 0),
            Qt.Key.Key_PageUp: (0, -hour),
            Qt.Key.Key_PageDown: (0, hour),
            Qt.Key.Key_Home: (0, -10_000),
            Qt.Key.Key_End: (0, 10_000),
        }
        if key in moves:
            d_column, d_steps = moves[key]
            cursor = self._cursor or self._first_cursor()
            if self._cursor is None:
                d_column, d_steps = 0, 0
            extend = shift and d_column == 0
            moved = move_cursor(
                cursor,
                columns=len(self._columns),
                grid_minutes=self._grid,
                d_column=d_column,
                d_steps=d_steps,
            )
            self.set_cursor(moved, extend=extend)
            return
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            if self._cursor is None:
                self.set_cursor(self._first_cursor())
            self.request_booking()
            return
        if key == Qt.Key.Key_Escape and self._anchor != self._cursor:
            self.clear_range()
            return
        super().keyPressEvent(event)

    def _first_cursor(self) -> Slot:
        """Where the cursor starts: at the current time when the view shows today."""
        layout = self.grid_layout()
        minute = layout.start_minute
        if layout.now_line is not None and self._now is not None:
            minute = self._now.hour * 60 + self._now.minute
        return Slot(0, clamp_start(minute, self._grid))

    def focusInEvent(self, event: QFocusEvent) -> None:
        super().focusInEvent(event)
        self.viewport().update()

    def focusOutEvent(self, event: QFocusEvent) -> None:
        super().focusOutEvent(event)
        self.viewport().update()

    # -- accessibility -----------------------------------------------------------------------
    def describe_cursor(self) -> str:
        """What the cursor is on, in words (read by screen readers)."""
        if self._cursor is None or self._cursor.column >= len(self._columns):
            return "No slot selected. Use the arrow keys to move through the book."
        spec = self._columns[self._cursor.column]
        entry = self.selected_entry()
        where = f"{spec.title}, {spec.day:%a %d %b}"
        if self._selection is not None and self._anchor != self._cursor:
            span = f"{clock_text(self._selection.start)}–{clock_text(self._selection.end)}"
            return f"{where}, {span} selected; press Enter to book"
        if entry is not None:
            return f"{where}: {describe_entry(entry)}"
        return f"{where}, {clock_text(self._cursor.minute)}, free; press Enter to book"

    def _describe(self) -> None:
        self.setAccessibleDescription(self.describe_cursor())
