"""A ReportLab canvas that writes "page n of m": it holds every page back until the
document ends, when the total is known, then draws each page's footer and emits it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from reportlab.lib.units import mm
from reportlab.pdfgen import canvas

from dcms_desktop.reports.palette import MUTED, RULE


class NumberedCanvas(canvas.Canvas):
    """Subclasses draw the footer of page ``number`` of ``total`` in :meth:`_draw_footer`."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._pages: list[dict[str, Any]] = []

    def showPage(self) -> None:  # noqa: N802 - ReportLab's name
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        total = len(self._pages)
        for number, state in enumerate(self._pages, start=1):
            self.__dict__.update(state)
            self._draw_footer(number, total)
            super().showPage()
        super().save()

    def _draw_footer(self, number: int, total: int) -> None:
        raise NotImplementedError


class PrintedAtCanvas(NumberedCanvas):
    """The reports' footer: a thin rule, "Printed <when>" on the left and "Page n of m" on
    the right, ``margin`` in from the page's sides, in ``font`` at 8 pt."""

    def __init__(
        self, *args: Any, printed_at: datetime, font: str, margin: float, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self._printed_at = printed_at
        self._font = font
        self._margin = margin

    def _draw_footer(self, number: int, total: int) -> None:
        right = self._pagesize[0] - self._margin
        self.saveState()
        self.setStrokeColor(RULE)
        self.setLineWidth(0.5)
        self.line(self._margin, 12 * mm, right, 12 * mm)
        self.setFillColor(MUTED)
        self.setFont(self._font, 8)
        self.drawString(self._margin, 8 * mm, f"Printed {self._printed_at:%a %d %b %Y %H:%M}")
        self.drawRightString(right, 8 * mm, f"Page {number} of {total}")
        self.restoreState()
