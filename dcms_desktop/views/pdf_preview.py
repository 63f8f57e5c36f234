"""A PDF on screen, with Print… and Save as PDF…: the preview of every printable document.

``PdfPreview`` knows nothing of what it shows: a screen hands it the bytes of a PDF
(``set_pdf(pdf, file_name=...)``) and it shows the pages one under the other, fitted to
the width (zoom in and out with Ctrl++ / Ctrl+-, Ctrl+0 fits the width again). Print…
(Ctrl+P) opens the system's print dialog and prints each page as an image at the printer's
resolution (QPdfDocument.render), so what comes out is what was previewed; Save as PDF…
(Ctrl+S) writes the very bytes it was given.

The dialogs are attributes (``ask_save_path``, ``ask_printer``) so tests and other screens
can replace them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QRect, QSize, Qt, Signal
from PySide6.QtGui import QKeySequence, QPainter, QShortcut
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPdfWidgets import QPdfView
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

log = logging.getLogger(__name__)

ZOOM_STEP = 1.25
MIN_ZOOM = 0.25
MAX_ZOOM = 4.0


def _ask_save_path(parent: QWidget, suggested: str) -> str | None:
    path, _ = QFileDialog.getSaveFileName(parent, "Save as PDF", suggested, "PDF (*.pdf)")
    return path or None


def _ask_printer(parent: QWidget, printer: QPrinter) -> bool:
    dialog = QPrintDialog(printer, parent)
    dialog.setWindowTitle("Print")
    return dialog.exec() == QPrintDialog.DialogCode.Accepted


class PdfPreview(QWidget):
    """A PDF's pages, fitted to the width, with Print… and Save as PDF…."""

    saved = Signal(str)
    """Emitted with the path the PDF was written to."""
    printed = Signal(int)
    """Emitted with the number of pages sent to the printer."""

    def __init__(self, parent: QWidget | None = None, *, placeholder: str = "") -> None:
        super().__init__(parent)
        self.setObjectName("pdfPreview")
        self._pdf: bytes | None = None
        self._file_name = "document.pdf"
        self._bytes = QByteArray()
        self._buffer: QBuffer | None = None
        self.document = QPdfDocument(self)
        self.ask_save_path: Callable[[str], str | None] = lambda name: _ask_save_path(self, name)
        self.ask_printer: Callable[[QPrinter], bool] = lambda printer: _ask_printer(self, printer)
        self._output_allowed = True
        self._build(placeholder)
        self._update_actions()

    def allow_output(self, allowed: bool, why: str = "") -> None:
        """Let Print… and Save as PDF… run (the default), or not, saying ``why`` on them
        (a draft on screen is for looking at only)."""
        self._output_allowed = allowed
        for button, tip in (
            (self.print_button, "Print the document (Ctrl+P)"),
            (self.save_button, "Save the document as a PDF file (Ctrl+S)"),
        ):
            button.setToolTip(tip if allowed else why)
        self._update_actions()

    # -- building ---------------------------------------------------------------------------
    def _build(self, placeholder: str) -> None:
        self.print_button = QPushButton("&Print…")
        self.print_button.setObjectName("pdfPrint")
        self.print_button.setToolTip("Print the document (Ctrl+P)")
        self.print_button.clicked.connect(self.print_document)
        self.save_button = QPushButton("Save as P&DF…")
        self.save_button.setObjectName("pdfSave")
        self.save_button.setToolTip("Save the document as a PDF file (Ctrl+S)")
        self.save_button.clicked.connect(self.save_as)
        self.zoom_out_button = QPushButton("−")
        self.zoom_out_button.setObjectName("pdfZoomOut")
        self.zoom_out_button.setToolTip("Zoom out (Ctrl+-)")
        self.zoom_out_button.setAccessibleName("Zoom out")
        self.zoom_out_button.clicked.connect(self.zoom_out)
        self.fit_button = QPushButton("Fit &width")
        self.fit_button.setObjectName("pdfFitWidth")
        self.fit_button.setToolTip("Fit the page to the width (Ctrl+0)")
        self.fit_button.clicked.connect(self.fit_width)
        self.zoom_in_button = QPushButton("+")
        self.zoom_in_button.setObjectName("pdfZoomIn")
        self.zoom_in_button.setToolTip("Zoom in (Ctrl++)")
        self.zoom_in_button.setAccessibleName("Zoom in")
        self.zoom_in_button.clicked.connect(self.zoom_in)
        for button in (self.zoom_out_button, self.zoom_in_button):
            button.setFixedWidth(36)
        self.pages_label = QLabel("")
        self.pages_label.setObjectName("pdfPages")
        self.pages_label.setProperty("role", "hint")
        self.message = QLabel("")
        self.message.setObjectName("pdfMessage")
        self.message.setWordWrap(True)
        self.message.hide()

        bar = QHBoxLayout()
        bar.setContentsMargins(0, 0, 0, 0)
        bar.setSpacing(6)
        bar.addWidget(self.zoom_out_button)
        bar.addWidget(self.fit_button)
        bar.addWidget(self.zoom_in_button)
        bar.addSpacing(8)
        bar.addWidget(self.pages_label)
        bar.addStretch(1)
        bar.addWidget(self.save_button)
        bar.addWidget(self.print_button)

        self.view = QPdfView(self)
        self.view.setObjectName("pdfView")
        self.view.setPageMode(QPdfView.PageMode.MultiPage)
        self.view.setZoomMode(QPdfView.ZoomMode.FitToWidth)
        self.view.setPageSpacing(12)
        self.view.setDocument(self.document)
        self.view.setAccessibleName("Document preview")
        self.view.setStyleSheet("QPdfView { background: #9fb3c8; border: none; }")
        self.placeholder = QLabel(placeholder)
        self.placeholder.setObjectName("pdfPlaceholder")
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.placeholder.setWordWrap(True)
        self.placeholder.setProperty("role", "hint")
        self.placeholder.setStyleSheet(
            "QLabel#pdfPlaceholder { background: #ffffff; border: 1px dashed #bcccdc;"
            " font-size: 14px; padding: 24px; }"
        )
        self.stack = QStackedWidget()
        self.stack.addWidget(self.placeholder)
        self.stack.addWidget(self.view)

        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(6)
        column.addLayout(bar)
        column.addWidget(self.message)
        column.addWidget(self.stack, 1)

        for keys, slot in (
            (QKeySequence.StandardKey.Print, self.print_document),
            (QKeySequence.StandardKey.Save, self.save_as),
            (QKeySequence.StandardKey.ZoomIn, self.zoom_in),
            (QKeySequence("Ctrl+="), self.zoom_in),
            (QKeySequence.StandardKey.ZoomOut, self.zoom_out),
            (QKeySequence("Ctrl+0"), self.fit_width),
        ):
            shortcut = QShortcut(QKeySequence(keys), self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(slot)

    # -- the document ---------------------------------------------------------------------
    @property
    def has_document(self) -> bool:
        return self._pdf is not None

    @property
    def page_count(self) -> int:
        return self.document.pageCount() if self._pdf is not None else 0

    def pdf_bytes(self) -> bytes | None:
        """The PDF shown, exactly as it was given."""
        return self._pdf

    def set_pdf(self, pdf: bytes, *, file_name: str = "document.pdf") -> None:
        """Show ``pdf``; ``file_name`` is what Save as PDF… suggests."""
        self.document.close()
        self._bytes = QByteArray(pdf)
        buffer = QBuffer(self._bytes, self)
        buffer.open(QIODevice.OpenModeFlag.ReadOnly)
        self.document.load(buffer)
        if self._buffer is not None:
            self._buffer.deleteLater()
        self._buffer = buffer
        if self.document.status() is not QPdfDocument.Status.Ready:
            self._pdf = None
            self._show_message("This document could not be shown.")
            self.stack.setCurrentWidget(self.placeholder)
            self._update_actions()
            return
        self._pdf = pdf
        self._file_name = file_name
        self._show_message("")
        self.stack.setCurrentWidget(self.view)
        self.fit_width()
        self.view.pageNavigator().jump(0, self.view.pageNavigator().currentLocation())
        count = self.document.pageCount()
        self.pages_label.setText(f"{count} page{'' if count == 1 else 's'}")
        self._update_actions()

    def clear(self, placeholder: str | None = None) -> None:
        """Show no document (and ``placeholder`` text, when given, in its place)."""
        self.document.close()
        self._pdf = None
        if placeholder is not None:
            self.placeholder.setText(placeholder)
        self.pages_label.setText("")
        self._show_message("")
        self.stack.setCurrentWidget(self.placeholder)
        self._update_actions()

    def set_placeholder(self, text: str) -> None:
        self.placeholder.setText(text)

    def _update_actions(self) -> None:
        for button in (self.zoom_in_button, self.zoom_out_button, self.fit_button):
            button.setEnabled(self._pdf is not None)
        for button in (self.print_button, self.save_button):
            button.setEnabled(self._pdf is not None and self._output_allowed)

    def _show_message(self, text: str, role: str = "error") -> None:
        self.message.setText(text)
        self.message.setProperty("role", role)
        self.message.style().unpolish(self.message)
        self.message.style().polish(self.message)
        self.message.setVisible(bool(text))

    # -- zoom -----------------------------------------------------------------------------
    def fit_width(self) -> None:
        self.view.setZoomMode(QPdfView.ZoomMode.FitToWidth)

    def zoom_in(self) -> None:
        self._zoom(ZOOM_STEP)

    def zoom_out(self) -> None:
        self._zoom(1 / ZOOM_STEP)

    def _zoom(self, factor: float) -> None:
        if self._pdf is None:
            return
        current = self.view.zoomFactor()
        self.view.setZoomMode(QPdfView.ZoomMode.Custom)
        self.view.setZoomFactor(max(MIN_ZOOM, min(MAX_ZOOM, current * factor)))

    # -- saving and printing --------------------------------------------------------------
    def save_as(self) -> None:
        """Ask where, and write the PDF there."""
        if self._pdf is None or not self._output_allowed:
            return
        path = self.ask_save_path(self._file_name)
        if not path:
            return
        target = Path(path)
        if target.suffix.lower() != ".pdf":
            target = target.with_name(target.name + ".pdf")
        try:
            target.write_bytes(self._pdf)
        except OSError as exc:
            self._show_message(f"Could not save {target.name}: {exc.strerror or exc}.")
            return
        self._show_message(f"Saved to {target}.", role="ok")
        self.saved.emit(str(target))

    def print_document(self) -> None:
        """Ask for a printer (and pages), and print."""
        if self._pdf is None or not self._output_allowed:
            return
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        printer.setDocName(Path(self._file_name).stem)
        printer.setFromTo(1, self.document.pageCount())
        if not self.ask_printer(printer):
            return
        pages = self.print_to(printer)
        if pages:
            self._show_message(
                f"Sent {pages} page{'' if pages == 1 else 's'} to the printer.", "ok"
            )
            self.printed.emit(pages)

    def print_to(self, printer: QPrinter) -> int:
        """Print the pages the printer asks for (all unless a range is set) as images at
        its resolution, each fitted to the printable area; returns how many."""
        if self._pdf is None:
            return 0
        count = self.document.pageCount()
        first, last = printer.fromPage(), printer.toPage()
        if first <= 0 or last <= 0:
            first, last = 1, count
        first, last = max(1, first), min(count, last)
        painter = QPainter()
        if not painter.begin(printer):
            self._show_message("The printer could not be opened. Check it is on and try again.")
            return 0
        printed = 0
        try:
            dpi = printer.resolution()
            for number in range(first, last + 1):
                if printed:
                    printer.newPage()
                points = self.document.pagePointSize(number - 1)
                size = QSize(round(points.width() * dpi / 72), round(points.height() * dpi / 72))
                image = self.document.render(number - 1, size)
                area = printer.pageLayout().paintRectPixels(dpi)
                target = _fitted(image.size(), QRect(0, 0, area.width(), area.height()))
                painter.drawImage(target, image)
                printed += 1
        finally:
            painter.end()
        return printed


def _fitted(size: QSize, area: QRect) -> QRect:
    """``size`` scaled to fit ``area`` keeping its proportions, centred at the top."""
    scaled = size.scaled(area.size(), Qt.AspectRatioMode.KeepAspectRatio)
    left = area.left() + (area.width() - scaled.width()) // 2
    return QRect(left, area.top(), scaled.width(), scaled.height())
