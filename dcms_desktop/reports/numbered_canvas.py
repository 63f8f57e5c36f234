"""A ReportLab canvas that writes "page n of m": it holds every page back until the
document ends, when the total is known, then draws each page's footer and emits it."""

from __future__ import annotations

from typing import Any

from reportlab.pdfgen import canvas


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
