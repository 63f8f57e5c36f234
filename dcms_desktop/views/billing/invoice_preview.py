"""An invoice on screen: read (and, the first time, issued) in the background, then shown
in the app's PDF preview, which prints it and saves it as a file.

The first preview of a bill issues its invoice: the ORIGINAL is shown and the line above
it says so. Every later preview shows the stored COPY (stamped COPY), byte for byte the
same each time; the line above it says when that is what is shown.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from dcms_desktop.domain.readmodels.people import Actor
from dcms_desktop.views.admin.common import busy_bar, error_text
from dcms_desktop.views.change_password import show_message
from dcms_desktop.views.pdf_preview import PdfPreview
from dcms_desktop.views.tasks import TaskHandle, run_task

log = logging.getLogger(__name__)

COPY_STYLE = (
    "background: #fff3c4; color: #8d2b0b; border: 1px solid #f0b429; border-radius: 4px;"
    " padding: 6px 10px;"
)
ORIGINAL_STYLE = (
    "background: #e3f9e5; color: #0c6b58; border: 1px solid #8eedc7; border-radius: 4px;"
    " padding: 6px 10px;"
)


class InvoicePreviewDialog(QDialog):
    """``InvoicePreviewDialog(invoices, actor, bill_id)``: loads and shows the invoice."""

    loaded = Signal(object)
    """The ``InvoicePdf`` just shown."""
    failed = Signal(str)

    def __init__(
        self,
        invoices: Any,
        actor: Actor,
        bill_id: uuid.UUID,
        parent: QWidget | None = None,
        *,
        title: str = "Invoice",
    ) -> None:
        super().__init__(parent)
        self.setObjectName("invoicePreviewDialog")
        self.setWindowTitle(title)
        self.setModal(True)
        self.resize(900, 700)
        self._invoices = invoices
        self._actor = actor
        self._bill_id = bill_id
        self._task: TaskHandle | None = None
        self.pdf: Any = None
        self.state = QLabel("Preparing the invoice…")
        self.state.setObjectName("invoiceState")
        self.state.setWordWrap(True)
        self.busy = busy_bar("invoiceBusy")
        self.preview = PdfPreview(self, placeholder="Preparing the invoice…")
        self.preview.setObjectName("invoicePdf")
        close = QPushButton("&Close")
        close.setObjectName("invoiceClose")
        close.setAutoDefault(False)
        close.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 12, 16, 12)
        layout.addWidget(self.state)
        layout.addWidget(self.busy)
        layout.addWidget(self.preview, 1)
        layout.addLayout(buttons)
        self.load()

    def load(self) -> None:
        invoices, actor, bill_id = self._invoices, self._actor, self._bill_id
        self.busy.show()
        self._task = run_task(
            lambda _report: invoices.invoice_pdf(actor, bill_id),
            on_done=self._loaded,
            on_error=self._failed,
            owner=self,
        )

    def _loaded(self, pdf: Any) -> None:
        self.busy.hide()
        self.pdf = pdf
        if pdf.is_copy:
            text = (
                f"<b>COPY</b> of invoice {pdf.invoice_number}: it was issued before, so this is "
                "the stored copy, marked COPY. Amounts paid are as at the first issue; the "
                "bill shows today's."
            )
            role = "hint"
        else:
            text = (
                f"<b>Original</b> of invoice {pdf.invoice_number}: issued just now. Print it or "
                "save it for the patient; any later print is a copy marked COPY."
            )
            role = "ok"
        show_message(self.state, text, role)
        self.state.setTextFormat(Qt.TextFormat.RichText)
        self.state.setStyleSheet(COPY_STYLE if pdf.is_copy else ORIGINAL_STYLE)
        self.preview.set_pdf(pdf.data, file_name=f"invoice-{pdf.invoice_number}.pdf")
        self.loaded.emit(pdf)

    def _failed(self, error: BaseException) -> None:
        self.busy.hide()
        text = error_text(error, "preparing the invoice")
        show_message(self.state, text)
        self.failed.emit(text)
