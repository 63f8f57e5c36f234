"""The legend under the appointment book: status colours and badges as the book paints them."""

from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QLabel, QWidget

from dcms_desktop.views.schedule import palette


class Legend(QWidget):
    """The status colours and the badges, as the book paints them."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("scheduleLegend")
        self.setAccessibleName("Legend of the appointment book's colours")
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(6)
        for status, style in palette.STATUS_STYLES.items():
            swatch = QLabel()
            swatch.setFixedSize(14, 14)
            border = "dashed" if not status.is_active else "solid"
            swatch.setStyleSheet(
                f"background: {style.fill}; border: 1px {border} {style.accent};"
                f"border-left: 4px solid {style.accent};"
            )
            row.addWidget(swatch)
            row.addWidget(QLabel(style.label))
            row.addSpacing(6)
        for badge in palette.BADGES.values():
            tag = QLabel(badge.text)
            tag.setStyleSheet(
                f"background: {badge.fill}; color: {badge.ink}; border-radius: 3px;"
                "padding: 0 4px; font-weight: 600;"
            )
            row.addWidget(tag)
        row.addStretch(1)
