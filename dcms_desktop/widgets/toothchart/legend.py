"""The tooth chart's legend: a sample tooth for every state, drawn as the chart draws it.

Entries flow left to right and wrap to the width given (the widget has a height for its
width). The treated entries show one sample per kind of treatment; a screen may list only
the kinds its patient has (:meth:`ToothChartLegend.set_kinds`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from PySide6.QtCore import QEvent, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QTransform
from PySide6.QtWidgets import QSizePolicy, QWidget

from dcms_desktop.domain.enums import ToothSurface
from dcms_desktop.widgets.toothchart import palette
from dcms_desktop.widgets.toothchart.painting import Brushes, Look, paint_tooth, tooth_shapes
from dcms_desktop.widgets.toothchart.state import TreatmentKind

SAMPLE_TOOTH = 16


class View(StrEnum):
    """The part of the sample tooth an entry shows, enlarged."""

    BODY = "body"
    DIAGRAM = "diagram"
    COLUMN = "column"  # the body with the cell's full width, for the backdrops


@dataclass(frozen=True)
class LegendEntry:
    """One entry of the legend: what it says, how its sample looks, which part it shows."""

    text: str
    look: Look
    view: View = View.BODY


def legend_entries(kinds: Iterable[TreatmentKind] = tuple(TreatmentKind)) -> list[LegendEntry]:
    """The legend's entries: the states, then one per kind of treatment in ``kinds``."""
    entries = [
        LegendEntry("Present", Look()),
        LegendEntry("Selected", Look(selected=True), View.COLUMN),
        LegendEntry(
            "Under the pointer",
            Look(hovered=True, hovered_surface=ToothSurface.MESIAL),
            View.COLUMN,
        ),
        LegendEntry("Planned (booked, not done)", Look(planned=True)),
        LegendEntry("Missing", Look(missing=True)),
        LegendEntry("Not selectable", Look(disabled=True)),
        LegendEntry(
            "Surface marked",
            Look(surface_fills={ToothSurface.OCCLUSAL: palette.MARKED_SURFACE}),
            View.DIAGRAM,
        ),
    ]
    for kind in TreatmentKind:
        if kind not in set(kinds):
            continue
        style = palette.kind_style(kind)
        look = Look(root_fill=style.colour) if style.on_root else Look(crown_fill=style.colour)
        entries.append(LegendEntry(f"Treated: {style.label.lower()}", look))
    return entries


def _view_rect(view: View) -> QRectF:
    """The part of the sample tooth shown, in its unit coordinates, with a small margin."""
    tooth = tooth_shapes(SAMPLE_TOOTH).geometry
    if view is View.COLUMN:
        return QRectF(tooth.cell.x, tooth.body.y - 0.12, tooth.cell.width, tooth.body.height + 0.24)
    part = tooth.body if view is View.BODY else tooth.diagram
    return QRectF(part.x, part.y, part.width, part.height).adjusted(-0.06, -0.06, 0.06, 0.06)


class ToothChartLegend(QWidget):
    """What the chart's colours and marks mean, each with a sample tooth."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("toothChartLegend")
        self.setAccessibleName("Tooth chart legend")
        sizing = QSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
        sizing.setHeightForWidth(True)
        self.setSizePolicy(sizing)
        self._entries = legend_entries()
        self._describe()

    def entries(self) -> list[LegendEntry]:
        return list(self._entries)

    def set_kinds(self, kinds: Iterable[TreatmentKind]) -> None:
        """List only these kinds of treatment (say, those on the patient's chart)."""
        self._entries = legend_entries(kinds)
        self._describe()
        self.updateGeometry()
        self.update()

    def _describe(self) -> None:
        self.setAccessibleDescription("; ".join(entry.text for entry in self._entries))

    # -- layout: entries flow and wrap --------------------------------------------------------
    def _sample_height(self) -> float:
        """The height of a sample, from the font (so the legend scales with it)."""
        return self.fontMetrics().height() * 2.6

    def _places(self, width: float) -> list[tuple[QRectF, QRectF]]:
        """Where each entry's sample and text go when the legend is ``width`` wide."""
        metrics = self.fontMetrics()
        sample_h = self._sample_height()
        gap = metrics.height() * 0.5
        x = y = 0.0
        places: list[tuple[QRectF, QRectF]] = []
        for entry in self._entries:
            view = _view_rect(entry.view)
            sample_w = sample_h * view.width() / view.height()
            text_w = metrics.horizontalAdvance(entry.text) + 2
            entry_w = sample_w + gap * 0.6 + text_w
            if x > 0 and x + entry_w > width:
                x, y = 0.0, y + sample_h + gap * 0.5
            sample = QRectF(x, y, sample_w, sample_h)
            text = QRectF(x + sample_w + gap * 0.6, y, text_w, sample_h)
            places.append((sample, text))
            x += entry_w + gap * 1.6
        return places

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.StyleChange):
            self.updateGeometry()  # the samples and the text follow the font

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        places = self._places(width)
        return round(max((sample.bottom() for sample, _ in places), default=0)) + 1

    def sizeHint(self) -> QSize:
        width = round(self.fontMetrics().averageCharWidth() * 110)
        return QSize(width, self.heightForWidth(width))

    def minimumSizeHint(self) -> QSize:
        sample_h = self._sample_height()
        return QSize(round(sample_h * 6), round(sample_h))

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        brushes = Brushes()
        shapes = tooth_shapes(SAMPLE_TOOTH)
        base = painter.transform()
        ink = QColor(palette.LABEL)
        for entry, (sample, text) in zip(self._entries, self._places(self.width()), strict=True):
            view = _view_rect(entry.view)
            scale = sample.height() / view.height()
            painter.setClipRect(sample)
            painter.setTransform(
                QTransform.fromTranslate(-view.x(), -view.y())
                * QTransform(scale, 0, 0, scale, sample.x(), sample.y())
                * base
            )
            paint_tooth(painter, shapes, entry.look, brushes)
            painter.setTransform(base)
            painter.setClipping(False)
            painter.setPen(ink)
            painter.drawText(
                text, Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft, entry.text
            )
        painter.end()
