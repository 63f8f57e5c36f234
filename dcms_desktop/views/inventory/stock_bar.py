"""The stock bar of the items list: current stock against minimum and maximum.

Geometry is a pure function (:func:`stock_bar_geometry`), so it is tested without a
screen; :class:`StockBarDelegate` only paints what it computes. The bar fills to
``current / max`` (full, and no further, at or above the maximum), a tick marks the
minimum, the colour is the alert level's, and the number is written beside it.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPen
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem

from dcms_desktop.domain.enums import AlertLevel
from dcms_desktop.domain.stock import alert_level

LEVEL_COLOURS: dict[AlertLevel, str] = {
    AlertLevel.CRITICAL: "#c62828",
    AlertLevel.URGENT: "#e65100",
    AlertLevel.LOW: "#c99700",
    AlertLevel.NORMAL: "#2e7d32",
}
"""The alert levels' colours, shared by every inventory list."""

LEVEL_NAMES: dict[AlertLevel, str] = {
    AlertLevel.CRITICAL: "Critical",
    AlertLevel.URGENT: "Urgent",
    AlertLevel.LOW: "Low",
    AlertLevel.NORMAL: "Normal",
}

STOCK_BAR_ROLE = Qt.ItemDataRole.UserRole + 20
"""The model gives the delegate ``(current, min, max)`` under this role."""

_TRACK = QColor("#e4e9ef")
_TICK = QColor("#486581")
_Index = QModelIndex | QPersistentModelIndex


@dataclass(frozen=True)
class StockBarGeometry:
    """Where the parts of one bar go, in the cell's coordinates."""

    track: tuple[float, float, float, float]
    fill: tuple[float, float, float, float]
    minimum_x: float | None
    text: tuple[float, float, float, float]


def stock_bar_geometry(
    x: float,
    y: float,
    width: float,
    height: float,
    current: int,
    minimum: int,
    maximum: int,
    *,
    text_width: float = 64.0,
    bar_height: float = 10.0,
) -> StockBarGeometry:
    """The bar's track, its filled part, the minimum's tick and the number's box."""
    pad = 6.0
    bar_width = max(10.0, width - text_width - 3 * pad)
    top = y + (height - bar_height) / 2
    left = x + pad
    scale = max(maximum, current, 1)
    filled = bar_width * min(current, scale) / scale
    tick = None if minimum <= 0 else left + bar_width * min(minimum, scale) / scale
    return StockBarGeometry(
        track=(left, top, bar_width, bar_height),
        fill=(left, top, filled, bar_height),
        minimum_x=tick,
        text=(left + bar_width + pad, y, text_width, height),
    )


class StockBarDelegate(QStyledItemDelegate):
    """Paints ``(current, min, max)`` from :data:`STOCK_BAR_ROLE` as a coloured bar."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: _Index) -> None:
        levels = index.data(STOCK_BAR_ROLE)
        if not levels:
            super().paint(painter, option, index)
            return
        current, minimum, maximum = levels
        style = option.widget.style() if option.widget is not None else None
        if style is not None:  # the row's background and selection, without the text
            plain = QStyleOptionViewItem(option)
            self.initStyleOption(plain, index)
            plain.text = ""
            style.drawControl(QStyle.ControlElement.CE_ItemViewItem, plain, painter, option.widget)
        rect = option.rect
        geometry = stock_bar_geometry(
            rect.x(), rect.y(), rect.width(), rect.height(), current, minimum, maximum
        )
        colour = QColor(LEVEL_COLOURS[alert_level(current, minimum)])
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(_TRACK)
        painter.drawRoundedRect(QRectF(*geometry.track), 3, 3)
        if geometry.fill[2] > 0:
            painter.setBrush(colour)
            painter.drawRoundedRect(QRectF(*geometry.fill), 3, 3)
        if geometry.minimum_x is not None:
            painter.setPen(QPen(_TICK, 2))
            _x, top, _w, h = geometry.track
            painter.drawLine(
                int(geometry.minimum_x), int(top - 3), int(geometry.minimum_x), int(top + h + 3)
            )
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        painter.setPen(option.palette.highlightedText().color() if selected else colour.darker(110))
        font = painter.font()
        font.setBold(True)
        painter.setFont(font)
        painter.drawText(
            QRectF(*geometry.text),
            int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
            f"{current} / {maximum}",
        )
        painter.restore()

    def sizeHint(self, option: QStyleOptionViewItem, index: _Index) -> QSize:
        hint = super().sizeHint(option, index)
        return QSize(max(hint.width(), 180), hint.height())
