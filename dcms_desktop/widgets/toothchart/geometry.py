"""Where every tooth and surface of the chart is: pure layout and hit-testing, no Qt.

The chart is laid out once in *units* (one unit is the width of a tooth's column) and then
scaled, keeping its proportions, to fit and centre in the widget: everything grows and
shrinks with the widget, fonts included. Hit-testing asks :func:`layout_chart`'s layout;
painting draws the same shapes (each tooth's from :func:`layout_single_tooth` at scale 1,
moved and scaled to its cell in that layout), so what is drawn is what is hit, and both
can be tested without a screen.

Anatomical layout, as the dentist faces the patient: the patient's right is on the
viewer's left. Rows from the top: upper permanent 18…11 | 21…28, then (when shown) upper
primary 55…51 | 61…65, then lower primary 85…81 | 71…75, then lower permanent
48…41 | 31…38. A primary tooth sits in the column of the permanent tooth that replaces it
(55 under 15). A vertical midline separates right from left and a horizontal line the
upper arch from the lower: the four quadrants.

Each tooth has, from the outside of its arch towards the biting plane: its number, its
silhouette (root towards the outside, crown towards the biting plane) and its five-surface
diagram. In the diagram the centre is occlusal (incisal on front teeth); the side facing
out of the arch (top for the upper arch, bottom for the lower) is buccal (labial on front
teeth); the other is lingual (palatal on the upper arch); and mesial faces the midline, so
mesial and distal swap sides at the midline as they do in the mouth.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from dcms_desktop.domain.enums import ToothSurface
from dcms_desktop.widgets.toothchart.shapes import Point, Polygon, silhouette


@dataclass(frozen=True)
class Rect:
    """An axis-aligned rectangle (no Qt type: this module runs without Qt)."""

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

    @property
    def center(self) -> Point:
        return (self.x + self.width / 2, self.y + self.height / 2)

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

    @classmethod
    def spanning(cls, a: Point, b: Point) -> Rect:
        """The rectangle with corners ``a`` and ``b`` (in any order)."""
        x0, x1 = sorted((a[0], b[0]))
        y0, y1 = sorted((a[1], b[1]))
        return cls(x0, y0, x1 - x0, y1 - y0)


def polygon_contains(polygon: Sequence[Point], px: float, py: float) -> bool:
    """Whether the point lies inside ``polygon`` (even-odd rule)."""
    inside = False
    j = len(polygon) - 1
    for i, (xi, yi) in enumerate(polygon):
        xj, yj = polygon[j]
        if (yi > py) != (yj > py) and px < (xj - xi) * (py - yi) / (yj - yi) + xi:
            inside = not inside
        j = i
    return inside


def polygon_centre(polygon: Sequence[Point]) -> Point:
    """The mean of the corners: inside any convex polygon, such as a surface."""
    return (
        sum(p[0] for p in polygon) / len(polygon),
        sum(p[1] for p in polygon) / len(polygon),
    )


# -- the dentition, row by row ------------------------------------------------------------
COLUMNS = 16
MIDLINE_COLUMN = 8
"""Columns 0-7 are the patient's right (viewer's left), 8-15 the patient's left."""

UPPER_PERMANENT: tuple[int, ...] = tuple(range(18, 10, -1)) + tuple(range(21, 29))
LOWER_PERMANENT: tuple[int, ...] = tuple(range(48, 40, -1)) + tuple(range(31, 39))
UPPER_PRIMARY: tuple[int, ...] = tuple(range(55, 50, -1)) + tuple(range(61, 66))
LOWER_PRIMARY: tuple[int, ...] = tuple(range(85, 80, -1)) + tuple(range(71, 76))

# Teeth in order round the mouth (the Universal numbering's order): right to left across
# the upper arch, then left to right across the lower one. Ranges follow this order.
PERMANENT_ROUND: tuple[int, ...] = UPPER_PERMANENT + tuple(reversed(LOWER_PERMANENT))
PRIMARY_ROUND: tuple[int, ...] = UPPER_PRIMARY + tuple(reversed(LOWER_PRIMARY))


def column_of(fdi: int) -> int:
    """The tooth's column, 0 (viewer's far left, 18/48) to 15 (28/38)."""
    quadrant, position = divmod(fdi, 10)
    on_viewers_left = quadrant in (1, 4, 5, 8)
    return MIDLINE_COLUMN - position if on_viewers_left else MIDLINE_COLUMN - 1 + position


def is_upper(fdi: int) -> bool:
    return fdi // 10 in (1, 2, 5, 6)


def is_primary(fdi: int) -> bool:
    return fdi // 10 >= 5


def mesial_on_right(fdi: int) -> bool:
    """Whether the tooth's mesial side is on the viewer's right (it faces the midline)."""
    return column_of(fdi) < MIDLINE_COLUMN


def is_anterior(fdi: int) -> bool:
    """Incisors and canines: their surfaces are incisal and labial, not occlusal and buccal."""
    return fdi % 10 <= 3


def surface_name(fdi: int, surface: ToothSurface) -> str:
    """The surface's name on this tooth: "incisal" on a canine, "palatal" on an upper one."""
    if surface is ToothSurface.OCCLUSAL:
        return "incisal" if is_anterior(fdi) else "occlusal"
    if surface is ToothSurface.BUCCAL:
        return "labial" if is_anterior(fdi) else "buccal"
    if surface is ToothSurface.LINGUAL:
        return "palatal" if is_upper(fdi) else "lingual"
    return "mesial" if surface is ToothSurface.MESIAL else "distal"


def rows_shown(show_primary: bool) -> tuple[tuple[int, ...], ...]:
    """The rows from top to bottom, each from the viewer's left to right."""
    if show_primary:
        return (UPPER_PERMANENT, UPPER_PRIMARY, LOWER_PRIMARY, LOWER_PERMANENT)
    return (UPPER_PERMANENT, LOWER_PERMANENT)


# -- sizes, in units of one column --------------------------------------------------------
@dataclass(frozen=True)
class Metrics:
    """Sizes of the chart's parts in units (a tooth's column is one unit wide)."""

    margin_x: float = 0.5
    margin_y: float = 0.12
    midline_gap: float = 0.32
    label_height: float = 0.46
    label_font: float = 0.34
    label_gap: float = 0.04
    body_height: float = 1.45
    body_gap: float = 0.12
    diagram_size: float = 0.76
    inner_fraction: float = 0.42
    row_gap: float = 0.34
    arch_gap: float = 0.42
    primary_scale: float = 0.8
    line_width: float = 0.022

    def row_height(self, primary: bool) -> float:
        scale = self.primary_scale if primary else 1.0
        return (
            self.label_height
            + self.label_gap
            + (self.body_height + self.body_gap + self.diagram_size) * scale
        )

    def size(self, show_primary: bool) -> tuple[float, float]:
        """Width and height of the whole chart in units."""
        width = 2 * self.margin_x + COLUMNS + self.midline_gap
        height = 2 * self.margin_y + 2 * self.row_height(False) + self.arch_gap
        if show_primary:
            height += 2 * (self.row_height(True) + self.row_gap)
        return width, height


DEFAULT_METRICS = Metrics()


# -- the layout ---------------------------------------------------------------------------
@dataclass(frozen=True)
class ToothGeometry:
    """Where one tooth and its parts are, in widget pixels.

    ``cell`` is the tooth's whole clickable area; ``body`` the box of its silhouette
    (``crown`` and ``root``); ``diagram`` the square of its five ``surfaces``;
    ``label`` where its number goes.
    """

    fdi: int
    row: int
    column: int
    cell: Rect
    label: Rect
    body: Rect
    crown: Polygon
    root: Polygon
    diagram: Rect
    surfaces: dict[ToothSurface, Polygon]

    @property
    def upper(self) -> bool:
        return is_upper(self.fdi)

    @property
    def primary(self) -> bool:
        return is_primary(self.fdi)

    @property
    def centre(self) -> Point:
        """The middle of the silhouette: clicking there picks the tooth, not a surface."""
        return self.body.center

    def surface_at(self, x: float, y: float) -> ToothSurface | None:
        if not self.diagram.contains(x, y):
            return None
        for surface, polygon in self.surfaces.items():
            if polygon_contains(polygon, x, y):
                return surface
        return None


@dataclass(frozen=True)
class Hit:
    """What a point is on: a tooth, and which of its surfaces if any."""

    tooth: int
    surface: ToothSurface | None = None


@dataclass(frozen=True)
class ChartLayout:
    """The whole chart laid out in a widget of ``width`` × ``height`` pixels."""

    width: float
    height: float
    scale: float
    show_primary: bool
    rows: tuple[tuple[int, ...], ...]
    teeth: tuple[ToothGeometry, ...]
    frame: Rect
    midline: tuple[Point, Point]
    arch_line: tuple[Point, Point]
    side_labels: tuple[tuple[str, Rect], ...]
    label_px: float
    line_width: float
    _index: dict[int, ToothGeometry] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        self._index.update({tooth.fdi: tooth for tooth in self.teeth})

    @property
    def shown(self) -> tuple[int, ...]:
        """Every tooth on the chart, row by row."""
        return tuple(tooth.fdi for tooth in self.teeth)

    def tooth(self, fdi: int) -> ToothGeometry:
        return self._index[fdi]

    def has(self, fdi: int) -> bool:
        return fdi in self._index

    def hit_test(self, x: float, y: float) -> Hit | None:
        """The tooth (and surface) at the point, or None between teeth."""
        for tooth in self.teeth:
            if tooth.cell.contains(x, y):
                return Hit(tooth.fdi, tooth.surface_at(x, y))
        return None

    def teeth_in(self, rect: Rect) -> tuple[int, ...]:
        """Teeth whose silhouette or diagram the rectangle touches (a rubber band)."""
        return tuple(
            tooth.fdi
            for tooth in self.teeth
            if rect.intersects(tooth.body) or rect.intersects(tooth.diagram)
        )


@dataclass(frozen=True)
class _Place:
    """Units → pixels: ``scale`` pixels a unit, the chart's corner at (``ox``, ``oy``)."""

    ox: float
    oy: float
    scale: float

    def point(self, x: float, y: float) -> Point:
        return (self.ox + x * self.scale, self.oy + y * self.scale)

    def rect(self, x: float, y: float, w: float, h: float) -> Rect:
        return Rect(
            self.ox + x * self.scale, self.oy + y * self.scale, w * self.scale, h * self.scale
        )


def layout_chart(
    width: float,
    height: float,
    *,
    show_primary: bool = False,
    metrics: Metrics = DEFAULT_METRICS,
) -> ChartLayout:
    """The chart fitted (proportions kept) and centred in ``width`` × ``height`` pixels."""
    unit_w, unit_h = metrics.size(show_primary)
    scale = max(0.0, min(width / unit_w, height / unit_h))
    place = _Place((width - unit_w * scale) / 2, (height - unit_h * scale) / 2, scale)

    def column_x(column: int) -> float:
        gap = metrics.midline_gap if column >= MIDLINE_COLUMN else 0.0
        return metrics.margin_x + column + gap

    rows = rows_shown(show_primary)
    teeth: list[ToothGeometry] = []
    y = metrics.margin_y
    arch_line_y = 0.0
    for row_index, row in enumerate(rows):
        upper = is_upper(row[0])
        if row_index > 0:
            if upper == is_upper(rows[row_index - 1][0]):
                y += metrics.row_gap
            else:
                arch_line_y = y + metrics.arch_gap / 2
                y += metrics.arch_gap
        row_h = metrics.row_height(is_primary(row[0]))
        for fdi in row:
            column = column_of(fdi)
            teeth.append(_tooth(fdi, row_index, column_x(column), y, row_h, metrics, place))
        y += row_h

    left_x = metrics.margin_x
    right_x = column_x(COLUMNS - 1) + 1
    mid_x = metrics.margin_x + MIDLINE_COLUMN + metrics.midline_gap / 2
    side = metrics.margin_x
    return ChartLayout(
        width=width,
        height=height,
        scale=scale,
        show_primary=show_primary,
        rows=rows,
        teeth=tuple(teeth),
        frame=place.rect(0, 0, unit_w, unit_h),
        midline=(
            place.point(mid_x, metrics.margin_y * 0.5),
            place.point(mid_x, unit_h - metrics.margin_y * 0.5),
        ),
        arch_line=(place.point(left_x - 0.1, arch_line_y), place.point(right_x + 0.1, arch_line_y)),
        side_labels=(
            ("R", place.rect(0, arch_line_y - side / 2, side, side)),
            ("L", place.rect(right_x, arch_line_y - side / 2, side, side)),
        ),
        label_px=metrics.label_font * scale,
        line_width=metrics.line_width * scale,
    )


def layout_single_tooth(
    fdi: int, box: Rect, *, metrics: Metrics = DEFAULT_METRICS
) -> ToothGeometry:
    """One tooth fitted and centred in ``box``, as on the chart (for the legend's samples)."""
    row_h = metrics.row_height(is_primary(fdi))
    scale = max(0.0, min(box.width, box.height / row_h))
    place = _Place(box.x + (box.width - scale) / 2, box.y + (box.height - row_h * scale) / 2, scale)
    return _tooth(fdi, 0, 0.0, 0.0, row_h, metrics, place)


def _tooth(
    fdi: int, row: int, x: float, y: float, row_h: float, m: Metrics, place: _Place
) -> ToothGeometry:
    """One tooth in the column starting at ``x``, in the row from ``y`` to ``y + row_h``."""
    upper = is_upper(fdi)
    primary = is_primary(fdi)
    scale = m.primary_scale if primary else 1.0
    body_h = m.body_height * scale
    body_w = scale
    diagram = m.diagram_size * scale
    label_y = y if upper else y + row_h - m.label_height
    if upper:
        body_y = y + m.label_height + m.label_gap
        diagram_y = body_y + body_h + m.body_gap * scale
    else:
        diagram_y = y
        body_y = diagram_y + diagram + m.body_gap * scale
    body_x = x + (1 - body_w) / 2
    crown_unit, root_unit = silhouette(primary, fdi % 10)

    def fit(points: Polygon) -> Polygon:
        if upper:
            return tuple(place.point(body_x + u * body_w, body_y + v * body_h) for u, v in points)
        return tuple(place.point(body_x + u * body_w, body_y + (1 - v) * body_h) for u, v in points)

    dx = x + (1 - diagram) / 2
    return ToothGeometry(
        fdi=fdi,
        row=row,
        column=column_of(fdi),
        cell=place.rect(x, y, 1.0, row_h),
        label=place.rect(x, label_y, 1.0, m.label_height),
        body=place.rect(body_x, body_y, body_w, body_h),
        crown=fit(crown_unit),
        root=fit(root_unit),
        diagram=place.rect(dx, diagram_y, diagram, diagram),
        surfaces=_surfaces(
            fdi, place.point(dx, diagram_y), diagram * place.scale, m.inner_fraction
        ),
    )


def _surfaces(
    fdi: int, origin: Point, size: float, inner_fraction: float
) -> dict[ToothSurface, Polygon]:
    """The five surfaces of the diagram whose top-left corner is ``origin``."""
    x0, y0 = origin
    x1, y1 = x0 + size, y0 + size
    inset = size * (1 - inner_fraction) / 2
    ix0, iy0, ix1, iy1 = x0 + inset, y0 + inset, x1 - inset, y1 - inset
    top = ((x0, y0), (x1, y0), (ix1, iy0), (ix0, iy0))
    right = ((x1, y0), (x1, y1), (ix1, iy1), (ix1, iy0))
    bottom = ((x1, y1), (x0, y1), (ix0, iy1), (ix1, iy1))
    left = ((x0, y1), (x0, y0), (ix0, iy0), (ix0, iy1))
    centre = ((ix0, iy0), (ix1, iy0), (ix1, iy1), (ix0, iy1))
    outer, inner = (top, bottom) if is_upper(fdi) else (bottom, top)
    mesial, distal = (right, left) if mesial_on_right(fdi) else (left, right)
    return {
        ToothSurface.OCCLUSAL: centre,
        ToothSurface.BUCCAL: outer,
        ToothSurface.LINGUAL: inner,
        ToothSurface.MESIAL: mesial,
        ToothSurface.DISTAL: distal,
    }


# -- moving and ranges --------------------------------------------------------------------
def step_along_row(rows: Sequence[Sequence[int]], fdi: int, step: int) -> int:
    """The tooth ``step`` places to the viewer's right (negative: left), stopping at the end."""
    for row in rows:
        if fdi in row:
            index = min(max(row.index(fdi) + step, 0), len(row) - 1)
            return row[index]
    raise ValueError(f"tooth {fdi} is not on the chart")


def step_across_rows(rows: Sequence[Sequence[int]], fdi: int, step: int) -> int:
    """The tooth in the row ``step`` rows down (negative: up) nearest to ``fdi``'s column.

    With two rows this jumps to the opposite arch; with the primary rows shown it moves
    through them in turn. At the top or bottom it stays put.
    """
    for index, row in enumerate(rows):
        if fdi in row:
            target = index + step
            if not 0 <= target < len(rows):
                return fdi
            column = column_of(fdi)
            return min(rows[target], key=lambda t: (abs(column_of(t) - column), column_of(t)))
    raise ValueError(f"tooth {fdi} is not on the chart")


def range_along_arch(start: int, end: int) -> tuple[int, ...]:
    """The teeth from ``start`` to ``end`` going round the mouth, both included.

    Round the mouth is the Universal order (18 → 28, then 38 → 48; 55 → 65, 75 → 85), so
    27 to 37 is 27, 28, 38, 37. A permanent and a primary tooth make no range: only the two
    ends are given.
    """
    order = PRIMARY_ROUND if is_primary(start) else PERMANENT_ROUND
    if end not in order:
        return (start, end)
    a, b = sorted((order.index(start), order.index(end)))
    return order[a : b + 1]


def quadrant_teeth(quadrant: int, shown: Iterable[int]) -> tuple[int, ...]:
    """The teeth of quadrant 1-4 on the chart, with the matching primary quadrant's."""
    return tuple(t for t in shown if t // 10 in (quadrant, quadrant + 4))


def arch_teeth(upper: bool, shown: Iterable[int]) -> tuple[int, ...]:
    return tuple(t for t in shown if is_upper(t) == upper)
