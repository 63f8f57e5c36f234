"""The medical alert strip: allergies and conditions, impossible to miss.

Every screen that shows a patient puts one above what it shows::

    strip = AlertStrip()
    strip.set_alerts(page.alerts)      # ("Allergy: penicillin", "Diabetes")

It is hidden when there is nothing to warn about. Red when an allergy is among the
alerts (a wrong drug can kill), amber for conditions only.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QWidget

SEPARATOR = "  ·  "
RED = "red"
AMBER = "amber"

_STYLE = """
QFrame#alertStrip[level="red"] {
    background: #ffe3e3; border: 1px solid #e12d39; border-left: 6px solid #e12d39;
    border-radius: 4px;
}
QFrame#alertStrip[level="amber"] {
    background: #fff3c4; border: 1px solid #f0b429; border-left: 6px solid #de911d;
    border-radius: 4px;
}
QFrame#alertStrip QLabel { background: transparent; border: none; }
QFrame#alertStrip[level="red"] QLabel { color: #8a041a; }
QFrame#alertStrip[level="amber"] QLabel { color: #7c5e10; }
QLabel#alertStripTitle { font-weight: 700; }
"""


def alert_level(alerts: tuple[str, ...]) -> str:
    """ "red" when any alert is about an allergy, else "amber"."""
    return RED if any("allerg" in alert.lower() for alert in alerts) else AMBER


class AlertStrip(QFrame):
    """A red/amber strip listing a patient's medical alerts; hidden when there are none."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("alertStrip")
        self.setStyleSheet(_STYLE)
        self.setAccessibleName("Medical alerts")
        row = QHBoxLayout(self)
        row.setContentsMargins(12, 6, 12, 6)
        row.setSpacing(10)
        self._title = QLabel("⚠ Medical alerts")
        self._title.setObjectName("alertStripTitle")
        self._text = QLabel("")
        self._text.setObjectName("alertStripText")
        self._text.setWordWrap(True)
        self._text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        row.addWidget(self._title, 0, Qt.AlignmentFlag.AlignTop)
        row.addWidget(self._text, 1)
        self._alerts: tuple[str, ...] = ()
        self.setProperty("level", AMBER)
        self.hide()

    def set_alerts(self, alerts: tuple[str, ...]) -> None:
        """Show ``alerts`` (hide the strip when there are none)."""
        self._alerts = tuple(a for a in alerts if a.strip())
        self._text.setText(SEPARATOR.join(self._alerts))
        self.setProperty("level", alert_level(self._alerts))
        self.setToolTip("\n".join(self._alerts))
        self.style().unpolish(self)
        self.style().polish(self)
        for label in (self._title, self._text):
            label.style().unpolish(label)
            label.style().polish(label)
        self.setVisible(bool(self._alerts))

    def alerts(self) -> tuple[str, ...]:
        return self._alerts

    def text(self) -> str:
        """What the strip says, as one line."""
        return self._text.text()

    def level(self) -> str:
        return str(self.property("level"))
