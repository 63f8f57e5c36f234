"""Drawing the chart that :mod:`geometry` laid out: nothing here decides where things go.

Every tooth is drawn in its own *unit* coordinates (its column one unit wide, its cell's
top left at 0, 0: :func:`~geometry.layout_single_tooth` at scale 1), the painter scaled
and moved to the tooth's cell in the layout. Teeth drawn alike (every upper first molar)
share one set of shapes, and the lines, which are slow to stroke, are stroked once per
process in unit coordinates and afterwards only filled; a resize changes nothing but the
painter's transform. The drawing is vector all the way, so it is sharp at any size and on
any device pixel ratio. Text is drawn unscaled, in pixels, with the font sized from the
layout.

:func:`look_of` decides how one tooth looks from the chart's state; the legend draws its
samples with the same :func:`paint_tooth`, so the two always agree.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cache

from PySide6.QtCore import QLineF, QPointF, QRectF, Qt
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QPainter,
    QPainterPath,
    QPainterPathStroker,
    QPen,
    QPolygonF,
    QTransform,
)

from dcms_desktop.domain.enums import ToothSurface
from dcms_desktop.widgets.toothchart import palette
from dcms_desktop.widgets.toothchart.geometry import (
    DEFAULT_METRICS,
    ChartLayout,
    Hit,
    Rect,
    ToothGeometry,
    is_primary,
    is_upper,
    layout_single_tooth,
    polygon_centre,
)
from dcms_desktop.widgets.toothchart.state import ChartState, Notation

MIN_FONT_PX = 7
LINE = DEFAULT_METRICS.line_width
"""The width of a tooth's outline, in units (it scales with the chart)."""


class Stroke(StrEnum):
    """The lines the chart draws."""

    OUTLINE = "outline"
    MISSING = "missing"
    PLANNED = "planned"
    CROSS = "cross"
    DIAGRAM = "diagram"
    DIAGRAM_MISSING = "diagram-missing"
    SELECTED_RING = "selected-ring"
    HOVER_RING = "hover-ring"
    FOCUS_RING = "focus-ring"


def _stroker(
    width: float,
    *,
    dashes: list[float] | None = None,
    cap: Qt.PenCapStyle = Qt.PenCapStyle.FlatCap,
) -> QPainterPathStroker:
    stroker = QPainterPathStroker()
    stroker.setWidth(width)
    stroker.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
    stroker.setCapStyle(cap)
    if dashes:
        stroker.setDashPattern(dashes)
    return stroker


@cache
def _strokers() -> dict[Stroke, QPainterPathStroker]:
    return {
        Stroke.OUTLINE: _stroker(LINE),
        Stroke.MISSING: _stroker(LINE, dashes=[3, 2]),
        Stroke.PLANNED: _stroker(LINE * 2.2, dashes=[2.5, 1.5]),
        Stroke.CROSS: _stroker(LINE * 1.8, cap=Qt.PenCapStyle.RoundCap),
        Stroke.DIAGRAM: _stroker(LINE * 0.9),
        Stroke.DIAGRAM_MISSING: _stroker(LINE, dashes=[3, 2]),
        Stroke.SELECTED_RING: _stroker(LINE * 2),
        Stroke.HOVER_RING: _stroker(LINE),
        Stroke.FOCUS_RING: _stroker(LINE * 1.2, dashes=[3, 2]),
    }


@dataclass
class SharedLines:
    """Lines several teeth share, in unit coordinates, and their strokes once made."""

    lines: dict[Stroke, QPainterPath]
    stroked: dict[Stroke, QPainterPath] = field(default_factory=dict)

    def stroke(self, stroke: Stroke) -> QPainterPath:
        """The ``stroke`` lines as a shape to fill (made the first time it is asked for)."""
        shape = self.stroked.get(stroke)
        if shape is None:
            # Simplified, a stroke is a few outlines instead of a shape per segment, which
            # fills several times faster.
            shape = _strokers()[stroke].createStroke(self.lines[stroke]).simplified()
            self.stroked[stroke] = shape
        return shape


def _rectf(rect: Rect) -> QRectF:
    return QRectF(rect.x, rect.y, rect.width, rect.height)


def _polygon(points: tuple[tuple[float, float], ...]) -> QPolygonF:
    return QPolygonF([QPointF(x, y) for x, y in points])


@dataclass
class ToothShapes:
    """One tooth's shapes in unit coordinates (its cell's top left at 0, 0)."""

    geometry: ToothGeometry
    ring: QRectF
    radius: float
    diagram: QRectF
    crown: QPolygonF
    root: QPolygonF
    surfaces: dict[ToothSurface, QPolygonF]
    letter_points: dict[ToothSurface, QPointF]
    silhouette: SharedLines
    frame: SharedLines


@cache
def _silhouette_lines(upper: bool, primary: bool, position: int) -> SharedLines:
    """Outline, missing outline and cross of every tooth of this kind."""
    tooth = _unit_geometry((10 if upper else 40) + position + (40 if primary else 0))
    crown, root = _polygon(tooth.crown), _polygon(tooth.root)
    silhouette = QPainterPath()
    # The root is left open at its top: its closing edge would show through the crown.
    silhouette.addPolygon(root)
    silhouette.addPolygon(crown)
    silhouette.closeSubpath()
    outline = QPainterPath()
    outline.addPolygon(root)
    outline.closeSubpath()
    outline.addPolygon(crown)
    outline.closeSubpath()
    outline = outline.simplified()
    body = _rectf(tooth.body)
    inset = body.width() * 0.18
    box = body.adjusted(inset, body.height() * 0.08, -inset, -body.height() * 0.08)
    cross = QPainterPath()
    cross.moveTo(box.topLeft())
    cross.lineTo(box.bottomRight())
    cross.moveTo(box.topRight())
    cross.lineTo(box.bottomLeft())
    return SharedLines(
        {
            Stroke.OUTLINE: silhouette,
            Stroke.MISSING: outline,
            Stroke.PLANNED: outline,
            Stroke.CROSS: cross,
        }
    )


def _ring(tooth: ToothGeometry) -> tuple[QRectF, float]:
    cell = _rectf(tooth.cell)
    return cell.adjusted(LINE, LINE, -LINE, -LINE), cell.width() * 0.12


@cache
def _frame_lines(upper: bool, primary: bool) -> SharedLines:
    """The surface grid, the selection and hover rings and the focus ring of a cell."""
    tooth = _unit_geometry(11 + (0 if upper else 30) + (40 if primary else 0))
    diagram = _rectf(tooth.diagram)
    centre = _polygon(tooth.surfaces[ToothSurface.OCCLUSAL])
    grid = QPainterPath()
    grid.addRect(diagram)
    grid.addPolygon(centre)
    grid.closeSubpath()
    corners = (diagram.topLeft(), diagram.topRight(), diagram.bottomRight(), diagram.bottomLeft())
    for corner, inner in zip(corners, centre.toList(), strict=False):
        grid.moveTo(corner)
        grid.lineTo(inner)
    ring, radius = _ring(tooth)
    rounded = QPainterPath()
    rounded.addRoundedRect(ring, radius, radius)
    focus = QPainterPath()
    inset = LINE * 2.5
    focus.addRoundedRect(ring.adjusted(inset, inset, -inset, -inset), radius, radius)
    return SharedLines(
        {
            Stroke.DIAGRAM: grid,
            Stroke.DIAGRAM_MISSING: grid,
            Stroke.SELECTED_RING: rounded,
            Stroke.HOVER_RING: rounded,
            Stroke.FOCUS_RING: focus,
        }
    )


@cache
def _unit_geometry(fdi: int) -> ToothGeometry:
    height = DEFAULT_METRICS.row_height(is_primary(fdi))
    return layout_single_tooth(fdi, Rect(0, 0, 1, height))


@cache
def tooth_shapes(fdi: int) -> ToothShapes:
    """The shapes of ``fdi`` in unit coordinates (made once per process)."""
    tooth = _unit_geometry(fdi)
    ring, radius = _ring(tooth)
    upper, primary = is_upper(fdi), is_primary(fdi)
    return ToothShapes(
        geometry=tooth,
        ring=ring,
        radius=radius,
        diagram=_rectf(tooth.diagram),
        crown=_polygon(tooth.crown),
        root=_polygon(tooth.root),
        surfaces={s: _polygon(points) for s, points in tooth.surfaces.items()},
        letter_points={s: QPointF(*polygon_centre(p)) for s, p in tooth.surfaces.items()},
        silhouette=_silhouette_lines(upper, primary, fdi % 10),
        frame=_frame_lines(upper, primary),
    )


_FRAME_STROKES = frozenset(
    {
        Stroke.DIAGRAM,
        Stroke.DIAGRAM_MISSING,
        Stroke.SELECTED_RING,
        Stroke.HOVER_RING,
        Stroke.FOCUS_RING,
    }
)


# -- how a tooth looks ----------------------------------------------------------------------
@dataclass(frozen=True)
class Look:
    """How one tooth is drawn."""

    missing: bool = False
    disabled: bool = False
    planned: bool = False
    selected: bool = False
    hovered: bool = False
    focused: bool = False
    crown_fill: str = palette.CROWN
    root_fill: str = palette.ROOT
    surface_fills: Mapping[ToothSurface, str] = field(default_factory=dict)
    hovered_surface: ToothSurface | None = None
    show_letters: bool = False


@dataclass(frozen=True)
class PaintInputs:
    """What the widget adds to the layout: the state, the selection, the pointer, focus."""

    state: ChartState
    selection: frozenset[int]
    labels: Mapping[int, str]
    notation: Notation = Notation.FDI
    hovered: Hit | None = None
    cursor: int | None = None
    has_focus: bool = False
    band: Rect | None = None
    font_family: str = ""


def look_of(fdi: int, inputs: PaintInputs) -> Look:
    """How ``fdi`` looks given the state, the selection, the hover and the cursor."""
    state = inputs.state
    missing = fdi in state.missing
    crown_fill, root_fill = palette.CROWN, palette.ROOT
    kind = state.treated.get(fdi)
    if kind is not None and not missing:
        style = palette.kind_style(kind)
        if style.on_root:
            root_fill = style.colour
        else:
            crown_fill = style.colour
    fills: dict[ToothSurface, str] = {}
    if not missing:
        for surface, done in state.treated_surfaces.get(fdi, {}).items():
            fills[surface] = palette.kind_style(done).colour
        for surface in state.surfaces_of(fdi):
            fills[surface] = palette.MARKED_SURFACE
    hovered = inputs.hovered is not None and inputs.hovered.tooth == fdi
    focused = inputs.has_focus and inputs.cursor == fdi
    return Look(
        missing=missing,
        disabled=fdi in state.disabled,
        planned=fdi in state.planned,
        selected=fdi in inputs.selection,
        hovered=hovered,
        focused=focused,
        crown_fill=crown_fill,
        root_fill=root_fill,
        surface_fills=fills,
        hovered_surface=inputs.hovered.surface if hovered and inputs.hovered else None,
        show_letters=hovered or focused,
    )


class Brushes:
    """The brushes of one paint (one per colour, made once)."""

    def __init__(self) -> None:
        self._made: dict[str, QBrush] = {}
        self.hatch = QBrush(QColor(palette.DISABLED_HATCH), Qt.BrushStyle.BDiagPattern)

    def __call__(self, colour: str) -> QBrush:
        found = self._made.get(colour)
        if found is None:
            found = self._made[colour] = QBrush(QColor(colour))
        return found


def label_font(pixels: float, family: str = "", *, bold: bool = False) -> QFont:
    font = QFont(family) if family else QFont()
    font.setPixelSize(max(MIN_FONT_PX, round(pixels)))
    if bold:
        font.setWeight(QFont.Weight.Bold)
    return font


# -- painting -------------------------------------------------------------------------------
def paint_chart(painter: QPainter, layout: ChartLayout, inputs: PaintInputs) -> None:
    """Draw the whole chart: guides, every tooth with its number, the rubber band."""
    if layout.scale <= 0:
        return
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    painter.setRenderHint(QPainter.RenderHint.TextAntialiasing, True)
    brushes = Brushes()
    _paint_guides(painter, layout, inputs.font_family)
    fonts = (
        label_font(layout.label_px, inputs.font_family),
        label_font(layout.label_px, inputs.font_family, bold=True),
    )
    letters = QFont(fonts[0])
    letters.setPixelSize(max(MIN_FONT_PX - 1, round(layout.label_px * 0.62)))
    base = painter.transform()
    scale = layout.scale
    for tooth in layout.teeth:
        fdi = tooth.fdi
        shapes = tooth_shapes(fdi)
        look = look_of(fdi, inputs)
        x, y = tooth.cell.x, tooth.cell.y
        painter.setTransform(QTransform(scale, 0, 0, scale, x, y) * base)
        paint_tooth(painter, shapes, look, brushes)
        painter.setTransform(QTransform.fromTranslate(x, y) * base)
        label = QRectF(tooth.label.x - x, tooth.label.y - y, tooth.label.width, tooth.label.height)
        text = inputs.labels.get(fdi, str(fdi))
        _paint_label(painter, tooth, label, look, text, fonts, inputs.notation, scale)
        if look.show_letters and not look.missing:
            _paint_letters(painter, shapes, look, letters, scale)
    painter.setTransform(base)
    if inputs.band is not None:
        fill = QColor(palette.BAND_FILL)
        fill.setAlpha(palette.BAND_ALPHA)
        painter.setPen(QPen(QColor(palette.BAND_FILL), max(LINE * scale, 1.0)))
        painter.setBrush(fill)
        painter.drawRect(_rectf(inputs.band))


def _paint_guides(painter: QPainter, layout: ChartLayout, family: str) -> None:
    """The midline and the line between the arches (the quadrants), and R and L."""
    painter.setPen(QPen(QColor(palette.GUIDE), max(LINE * 1.6 * layout.scale, 1.0)))
    for (x0, y0), (x1, y1) in (layout.midline, layout.arch_line):
        painter.drawLine(QLineF(x0, y0, x1, y1))
    painter.setFont(label_font(layout.label_px, family, bold=True))
    painter.setPen(QColor(palette.SIDE_LABEL))
    for text, rect in layout.side_labels:
        painter.drawText(_rectf(rect), Qt.AlignmentFlag.AlignCenter, text)


def paint_tooth(painter: QPainter, shapes: ToothShapes, look: Look, brushes: Brushes) -> None:
    """Draw one tooth (backdrop, silhouette, marks, surfaces) but not its number, in unit
    coordinates: the painter is scaled and moved to the tooth's cell."""

    def line(stroke: Stroke, colour: str) -> None:
        shared = shapes.frame if stroke in _FRAME_STROKES else shapes.silhouette
        painter.fillPath(shared.stroke(stroke), brushes(colour))

    ring, radius = shapes.ring, shapes.radius
    painter.setPen(Qt.PenStyle.NoPen)
    if look.selected:
        painter.setBrush(brushes(palette.SELECTED_FILL))
        painter.drawRoundedRect(ring, radius, radius)
        line(Stroke.SELECTED_RING, palette.SELECTED_RING)
    elif look.hovered and not look.disabled:
        painter.setBrush(brushes(palette.HOVER_FILL))
        painter.drawRoundedRect(ring, radius, radius)
        line(Stroke.HOVER_RING, palette.HOVER_RING)
    if look.disabled:
        # A pattern brush is laid in device pixels, so the hatching stays fine at any size.
        painter.setBrush(brushes.hatch)
        painter.drawRoundedRect(ring, radius, radius)
    if look.focused:
        line(Stroke.FOCUS_RING, palette.FOCUS_RING)

    # The silhouette: root first, the crown over its neck, then their outline.
    if look.missing:
        line(Stroke.MISSING, palette.MISSING_LINE)
        line(Stroke.CROSS, palette.MISSING_CROSS)
    else:
        grey = look.disabled
        root = palette.DISABLED_FILL if grey and look.root_fill == palette.ROOT else look.root_fill
        crown = (
            palette.DISABLED_FILL if grey and look.crown_fill == palette.CROWN else look.crown_fill
        )
        painter.setBrush(brushes(root))
        painter.drawPolygon(shapes.root)
        painter.setBrush(brushes(crown))
        painter.drawPolygon(shapes.crown)
        line(Stroke.OUTLINE, palette.DISABLED_LINE if grey else palette.OUTLINE)
    if look.planned:
        line(Stroke.PLANNED, palette.PLANNED)

    # The five surfaces: one fill for the square, coloured surfaces over it, the grid.
    if not look.missing:
        painter.setBrush(brushes(palette.DISABLED_FILL if look.disabled else palette.SURFACE))
        painter.drawRect(shapes.diagram)
    for surface, colour in look.surface_fills.items():
        painter.setBrush(brushes(colour))
        painter.drawPolygon(shapes.surfaces[surface])
    if look.missing:
        line(Stroke.DIAGRAM_MISSING, palette.MISSING_LINE)
    else:
        line(Stroke.DIAGRAM, palette.SURFACE_LINE)
    if look.hovered_surface is not None:
        painter.setPen(QPen(QColor(palette.HOVER_SURFACE), LINE * 2.2))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawPolygon(shapes.surfaces[look.hovered_surface])
        painter.setPen(Qt.PenStyle.NoPen)


def _paint_label(
    painter: QPainter,
    tooth: ToothGeometry,
    label: QRectF,
    look: Look,
    text: str,
    fonts: tuple[QFont, QFont],
    notation: Notation,
    scale: float,
) -> None:
    """The tooth's number in ``label`` (pixels, the painter moved to the tooth's cell)."""
    if look.selected:
        pill = QRectF(label)
        pill.setWidth(label.width() * 0.8)
        pill.moveCenter(label.center())
        pill = pill.adjusted(0, label.height() * 0.08, 0, -label.height() * 0.08)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(palette.SELECTED_RING))
        painter.drawRoundedRect(pill, pill.height() / 2, pill.height() / 2)
        ink = palette.SELECTED_LABEL
    elif look.disabled:
        ink = palette.DISABLED_LABEL
    elif look.missing:
        ink = palette.MISSING_LABEL
    elif look.planned:
        ink = palette.PLANNED
    else:
        ink = palette.LABEL
    painter.setFont(fonts[1] if look.selected or look.focused else fonts[0])
    painter.setPen(QColor(ink))
    if notation is Notation.PALMER:
        _paint_palmer(painter, tooth, label, text, scale)
    else:
        painter.drawText(label, Qt.AlignmentFlag.AlignCenter, text)


def _paint_palmer(
    painter: QPainter, tooth: ToothGeometry, label: QRectF, text: str, scale: float
) -> None:
    """Palmer's grid form: the tooth's digit (or letter) with a corner on its midline side
    and its biting side: "1┘" upper right, "└1" upper left, "1┐" lower right, "┌1" lower
    left."""
    symbol = text[-1]
    painter.drawText(label, Qt.AlignmentFlag.AlignCenter, symbol)
    metrics = painter.fontMetrics()
    half_w = metrics.horizontalAdvance(symbol) / 2 + label.height() * 0.16
    half_h = metrics.capHeight() / 2 + label.height() * 0.16
    centre = label.center()
    towards_midline = 1 if tooth.column < 8 else -1
    midline_x = centre.x() + towards_midline * half_w
    far_x = centre.x() - towards_midline * half_w
    biting_y = centre.y() + (half_h if tooth.upper else -half_h)
    other_y = centre.y() - (half_h if tooth.upper else -half_h)
    pen = QPen(painter.pen().color(), max(LINE * 1.3 * scale, 0.9))
    pen.setCapStyle(Qt.PenCapStyle.SquareCap)
    painter.setPen(pen)
    painter.drawLine(QLineF(midline_x, other_y, midline_x, biting_y))
    painter.drawLine(QLineF(midline_x, biting_y, far_x, biting_y))


def _paint_letters(
    painter: QPainter, shapes: ToothShapes, look: Look, font: QFont, scale: float
) -> None:
    """The surface letters (M, D, O, B, L) on the tooth under the pointer or the cursor."""
    painter.setFont(font)
    size = shapes.diagram.width() * 0.3 * scale
    for surface, point in shapes.letter_points.items():
        filled = surface in look.surface_fills
        painter.setPen(QColor(palette.SELECTED_LABEL if filled else palette.LABEL))
        box = QRectF(0, 0, size, size)
        box.moveCenter(point * scale)
        painter.drawText(box, Qt.AlignmentFlag.AlignCenter, surface.value)
