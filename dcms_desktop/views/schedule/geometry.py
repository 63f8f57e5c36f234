"""Where everything of the appointment book's grid is: pure layout, no painting, no Qt.

The day view (one column per dentist) and the week view (one column per day) share one
grid: a header row of column titles, a time axis on the left, one row per grid step
(5, 10 or 15 minutes) from 09:00 to an hour past the last start (18:00), longer when a
visit runs later, and a block per appointment. :func:`layout_grid` computes it all in
*content* coordinates (pixels; the header starts at y = 0, the axis at x = 0); a widget
that scrolls maps its viewport onto them. Painting draws what this module computed and
hit-testing asks the same layout, so both can be tested without a screen.

Times are minutes since the midnight of the column's day (10:30 is 630); a visit that
runs past midnight simply goes past 1440.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum

from dcms_desktop.domain import hours
from dcms_desktop.domain.readmodels.scheduling import ScheduleEntry

OPENING_MINUTE = hours.OPENING_TIME.hour * 60 + hours.OPENING_TIME.minute
LAST_START_MINUTE = hours.LAST_START_TIME.hour * 60 + hours.LAST_START_TIME.minute
DEFAULT_END_MINUTE = LAST_START_MINUTE + 60
"""The grid shows an hour past the last start, so an 18:00 visit can be seen and booked."""
GRID_CHOICES = (5, 10, 15)
MAX_DURATION = hours.MAX_DURATION


@dataclass(frozen=True)
class Metrics:
    """Sizes of the grid's parts, in pixels."""

    axis_width: float = 58
    header_height: float = 40
    min_column_width: float = 104
    min_row_height: float = 12
    min_pixels_per_minute: float = 1.6
    block_inset: float = 2
    lane_gap: float = 2
    resize_margin: float = 5
    min_block_height: float = 4


DEFAULT_METRICS = Metrics()


@dataclass(frozen=True)
class Rect:
    """An axis-aligned rectangle (no Qt type: this module must run without Qt)."""

    x: float
    y: float
    width: float
    height: float

    @property
    def right(self) -> float:
        return self.x + self.width

    @property
    def bottom(self) -> float:
        return self.y + self.height

    def contains(self, px: float, py: float) -> bool:
        """True when the point lies inside (left/top edges in, right/bottom out)."""
        return self.x <= px < self.right and self.y <= py < self.bottom

    def intersects(self, other: Rect) -> bool:
        return (
            self.x < other.right
            and other.x < self.right
            and self.y < other.bottom
            and other.y < self.bottom
        )


@dataclass(frozen=True)
class ColumnSpec:
    """What one column shows: ``dentist_id``'s book on ``day``."""

    dentist_id: uuid.UUID | None
    day: date
    title: str
    subtitle: str = ""

    @property
    def key(self) -> tuple[uuid.UUID | None, date]:
        return (self.dentist_id, self.day)


@dataclass(frozen=True)
class Column:
    index: int
    spec: ColumnSpec
    header: Rect
    body: Rect


class LineKind(StrEnum):
    HOUR = "hour"
    HALF = "half"
    STEP = "step"


@dataclass(frozen=True)
class GridLine:
    """A horizontal line of the grid at ``minute``; hours carry their label."""

    y: float
    minute: int
    kind: LineKind
    label: str | None


@dataclass(frozen=True)
class Block:
    """An appointment's rectangle; ``lane`` of ``lanes`` when visits overlap in a column
    (a cancelled visit and the one booked in its place)."""

    entry: ScheduleEntry
    column: int
    rect: Rect
    lane: int
    lanes: int
    faint: bool
    start_minute: int
    end_minute: int


@dataclass(frozen=True)
class NowLine:
    """The line at the current time across the columns of today."""

    y: float
    x1: float
    x2: float
    label: str


@dataclass(frozen=True)
class Slot:
    """A place in the grid: ``column`` at ``minute`` (a grid start)."""

    column: int
    minute: int


@dataclass(frozen=True)
class SlotRange:
    """[start, end) minutes in ``column``."""

    column: int
    start: int
    end: int

    @property
    def duration(self) -> int:
        return self.end - self.start


class HitKind(StrEnum):
    APPOINTMENT = "appointment"
    RESIZE = "resize"
    SLOT = "slot"
    HEADER = "header"
    AXIS = "axis"
    OUTSIDE = "outside"


@dataclass(frozen=True)
class Hit:
    """What lies under a point: an appointment (or its bottom edge), an empty slot, ..."""

    kind: HitKind
    column: int | None = None
    minute: int | None = None
    block: Block | None = None


@dataclass(frozen=True)
class GridSpec:
    """Everything the layout depends on."""

    columns: Sequence[ColumnSpec]
    entries: Sequence[ScheduleEntry]
    grid_minutes: int = 15
    show_inactive: bool = True
    now: datetime | None = None
    viewport_width: float = 0
    viewport_height: float = 0
    metrics: Metrics = DEFAULT_METRICS
    column_of: Callable[[ScheduleEntry], Hashable] | None = None
    """Which column key (see :attr:`ColumnSpec.key`) an entry belongs to; by default its
    dentist and date."""


def minute_of(t: time) -> int:
    return t.hour * 60 + t.minute


def clock_text(minute: int) -> str:
    """ "09:30"; minutes past midnight read on the next day's clock."""
    minute %= 24 * 60
    return f"{minute // 60:02d}:{minute % 60:02d}"


def pixels_per_minute(grid_minutes: int, available_height: float, span: int, m: Metrics) -> float:
    """Tall enough that a grid row is readable, taller when the viewport has room."""
    readable = max(m.min_pixels_per_minute, m.min_row_height / grid_minutes)
    fit = available_height / span if span > 0 else 0
    return max(readable, fit)


def is_bookable_start(minute: int) -> bool:
    """True when a visit may start at ``minute`` (09:00-18:00)."""
    return OPENING_MINUTE <= minute <= LAST_START_MINUTE


def snap(minute: float, grid_minutes: int) -> int:
    """The grid start at or before ``minute``."""
    return math.floor(minute / grid_minutes) * grid_minutes


def _default_column_of(entry: ScheduleEntry) -> Hashable:
    return (entry.dentist_id, entry.date)


def _lanes(blocks: list[tuple[int, int, ScheduleEntry]]) -> list[tuple[int, int]]:
    """(lane, lanes) for each (start, end, entry), in the order given (sorted by start).

    Overlapping visits form a cluster; each takes the first lane free at its start, and all
    of a cluster share its lane count.
    """
    result: list[tuple[int, int]] = [(0, 1)] * len(blocks)
    cluster: list[int] = []
    lane_ends: list[int] = []
    cluster_end = -1

    def close() -> None:
        for i in cluster:
            result[i] = (result[i][0], len(lane_ends))

    for i, (start, end, _entry) in enumerate(blocks):
        if cluster and start >= cluster_end:
            close()
            cluster, lane_ends = [], []
        lane = next((n for n, lane_end in enumerate(lane_ends) if lane_end <= start), None)
        if lane is None:
            lane = len(lane_ends)
            lane_ends.append(end)
        else:
            lane_ends[lane] = end
        result[i] = (lane, 0)
        cluster.append(i)
        cluster_end = max(cluster_end, end) if len(cluster) > 1 else end
    if cluster:
        close()
    return result


@dataclass(frozen=True)
class GridLayout:
    """The computed grid; see the module docstring for the coordinates."""

    columns: tuple[Column, ...]
    lines: tuple[GridLine, ...]
    blocks: tuple[Block, ...]
    now_line: NowLine | None
    width: float
    height: float
    start_minute: int
    end_minute: int
    pixels_per_minute: float
    grid_minutes: int
    column_width: float
    metrics: Metrics = field(default=DEFAULT_METRICS)

    # -- coordinates -----------------------------------------------------------------------
    @property
    def body_top(self) -> float:
        return self.metrics.header_height

    def y_of(self, minute: float) -> float:
        return self.body_top + (minute - self.start_minute) * self.pixels_per_minute

    def minute_at(self, y: float) -> float:
        return self.start_minute + (y - self.body_top) / self.pixels_per_minute

    def column_at(self, x: float) -> int | None:
        if x < self.metrics.axis_width or not self.columns:
            return None
        index = int((x - self.metrics.axis_width) // self.column_width)
        return index if 0 <= index < len(self.columns) else None

    def slot_at(self, x: float, y: float) -> Slot | None:
        """The grid slot under the point (its start snapped to the grid), if any."""
        column = self.column_at(x)
        if column is None or y < self.body_top or y >= self.height:
            return None
        minute = snap(self.minute_at(y), self.grid_minutes)
        return Slot(column, max(self.start_minute, minute))

    def range_rect(self, selection: SlotRange) -> Rect:
        body = self.columns[selection.column].body
        top = self.y_of(selection.start)
        return Rect(body.x, top, body.width, self.y_of(selection.end) - top)

    def block_for(self, appointment_id: uuid.UUID) -> Block | None:
        return next((b for b in self.blocks if b.entry.id == appointment_id), None)

    def blocks_in(self, column: int) -> tuple[Block, ...]:
        return tuple(b for b in self.blocks if b.column == column)

    def block_at_slot(self, slot: Slot) -> Block | None:
        """The (non-faint first) visit that covers ``slot``'s start, if any."""
        covering = [
            b
            for b in self.blocks
            if b.column == slot.column and b.start_minute <= slot.minute < b.end_minute
        ]
        covering.sort(key=lambda b: (b.faint, b.start_minute))
        return covering[0] if covering else None

    def hit_test(self, x: float, y: float) -> Hit:
        """What lies at content point (x, y)."""
        m = self.metrics
        if x < 0 or y < 0 or x >= self.width or y >= self.height:
            return Hit(HitKind.OUTSIDE)
        if y < m.header_height:
            return Hit(HitKind.HEADER, column=self.column_at(x))
        minute = snap(self.minute_at(y), self.grid_minutes)
        if x < m.axis_width:
            return Hit(HitKind.AXIS, minute=minute)
        column = self.column_at(x)
        if column is None:
            return Hit(HitKind.OUTSIDE)
        for block in reversed(self.blocks):  # the last painted is on top
            if block.column == column and block.rect.contains(x, y):
                near_bottom = y >= block.rect.bottom - m.resize_margin
                if near_bottom and not block.faint and block.rect.height >= 3 * m.resize_margin:
                    return Hit(HitKind.RESIZE, column, block.start_minute, block)
                return Hit(HitKind.APPOINTMENT, column, block.start_minute, block)
        return Hit(HitKind.SLOT, column, max(self.start_minute, minute))

    # -- moving and resizing -----------------------------------------------------------------
    def move_target(
        self, block: Block, press: tuple[float, float], point: tuple[float, float]
    ) -> tuple[int, int]:
        """(column, start minute) where dragging ``block`` from ``press`` to ``point``
        puts it: whole grid steps, starts kept within 09:00-18:00."""
        delta = (point[1] - press[1]) / self.pixels_per_minute
        steps = round(delta / self.grid_minutes)
        start = block.start_minute + steps * self.grid_minutes
        start = min(max(start, OPENING_MINUTE), LAST_START_MINUTE)
        column = self.column_at(point[0])
        return (block.column if column is None else column), start

    def resize_target(self, block: Block, point: tuple[float, float]) -> int:
        """The duration dragging ``block``'s bottom edge to ``point`` gives it: the edge
        snaps to the nearest grid line, at least one grid step, at most 480 minutes."""
        end = round(self.minute_at(point[1]) / self.grid_minutes) * self.grid_minutes
        duration = end - block.start_minute
        return min(max(duration, self.grid_minutes), MAX_DURATION)


def layout_grid(spec: GridSpec) -> GridLayout:
    """Lay the grid out (see the module docstring)."""
    m = spec.metrics
    grid = spec.grid_minutes
    if grid < 1:
        raise ValueError("grid_minutes must be a positive number of minutes")
    column_of = spec.column_of or _default_column_of
    index_of = {c.key: i for i, c in enumerate(spec.columns)}

    # Which entries show, where, from when to when.
    placed: dict[int, list[tuple[int, int, ScheduleEntry]]] = {}
    end_minute = DEFAULT_END_MINUTE
    for entry in spec.entries:
        if not spec.show_inactive and not entry.is_active:
            continue
        column = index_of.get(column_of(entry))  # type: ignore[arg-type]
        if column is None:
            continue
        start = minute_of(entry.time)
        end = start + max(entry.duration, 1)
        placed.setdefault(column, []).append((start, end, entry))
        end_minute = max(end_minute, end)
    end_minute = int(math.ceil(end_minute / 60) * 60)
    start_minute = OPENING_MINUTE
    span = end_minute - start_minute

    ppm = pixels_per_minute(grid, spec.viewport_height - m.header_height, span, m)
    count = len(spec.columns)
    available = spec.viewport_width - m.axis_width
    column_width = max(m.min_column_width, available / count if count else 0)
    width = m.axis_width + column_width * count
    height = m.header_height + span * ppm

    def y_of(minute: float) -> float:
        return m.header_height + (minute - start_minute) * ppm

    columns = tuple(
        Column(
            index=i,
            spec=c,
            header=Rect(m.axis_width + i * column_width, 0, column_width, m.header_height),
            body=Rect(m.axis_width + i * column_width, m.header_height, column_width, span * ppm),
        )
        for i, c in enumerate(spec.columns)
    )

    lines = []
    for minute in range(start_minute, end_minute + 1, grid):
        if minute % 60 == 0:
            kind, label = LineKind.HOUR, clock_text(minute)
        elif minute % 30 == 0:
            kind, label = LineKind.HALF, None
        else:
            kind, label = LineKind.STEP, None
        lines.append(GridLine(y_of(minute), minute, kind, label))

    blocks: list[Block] = []
    for column_index in sorted(placed):
        items = sorted(placed[column_index], key=lambda t: (t[0], not t[2].is_active, t[1]))
        body = columns[column_index].body
        inner_x = body.x + m.block_inset
        inner_w = body.width - 2 * m.block_inset
        for (start, end, entry), (lane, lanes) in zip(items, _lanes(items), strict=True):
            lane_w = (inner_w - m.lane_gap * (lanes - 1)) / lanes
            top = y_of(start) + 1
            bottom = y_of(end) - 1
            rect = Rect(
                inner_x + lane * (lane_w + m.lane_gap),
                top,
                lane_w,
                max(bottom - top, m.min_block_height),
            )
            blocks.append(
                Block(entry, column_index, rect, lane, lanes, not entry.is_active, start, end)
            )

    now_line = None
    if spec.now is not None:
        now = spec.now.replace(tzinfo=None)
        today = [c for c in columns if c.spec.day == now.date()]
        minute = now.hour * 60 + now.minute + now.second / 60
        if today and start_minute <= minute <= end_minute:
            now_line = NowLine(y_of(minute), today[0].body.x, today[-1].body.right, f"{now:%H:%M}")

    return GridLayout(
        columns=columns,
        lines=tuple(lines),
        blocks=tuple(blocks),
        now_line=now_line,
        width=width,
        height=height,
        start_minute=start_minute,
        end_minute=end_minute,
        pixels_per_minute=ppm,
        grid_minutes=grid,
        column_width=column_width,
        metrics=m,
    )


# -- the slot cursor and range selection -----------------------------------------------------
def clamp_start(minute: int, grid_minutes: int) -> int:
    """``minute`` snapped to the grid and kept within the bookable starts."""
    snapped = snap(minute, grid_minutes)
    last = snap(LAST_START_MINUTE, grid_minutes)
    return min(max(snapped, OPENING_MINUTE), last)


def move_cursor(
    cursor: Slot, *, columns: int, grid_minutes: int, d_column: int = 0, d_steps: int = 0
) -> Slot:
    """The cursor moved by whole columns and grid steps, kept on bookable starts."""
    column = min(max(cursor.column + d_column, 0), max(columns - 1, 0))
    minute = clamp_start(cursor.minute + d_steps * grid_minutes, grid_minutes)
    return Slot(column, minute)


def range_between(anchor: Slot, cursor: Slot, grid_minutes: int) -> SlotRange:
    """The slots from ``anchor`` to ``cursor`` (either order) in the cursor's column."""
    start = min(anchor.minute, cursor.minute)
    end = max(anchor.minute, cursor.minute) + grid_minutes
    return SlotRange(cursor.column, start, min(end, start + MAX_DURATION))


def start_of(spec: ColumnSpec, minute: int) -> datetime:
    """The wall-clock moment of ``minute`` in the column's day."""
    return datetime.combine(spec.day, time(0)) + timedelta(minutes=minute)
