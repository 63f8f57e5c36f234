"""An invoice on screen: read in the background, then shown in the app's PDF preview,
which prints it and saves it as a file.

Before its invoice is issued, a bill is shown as a DRAFT (stamped DRAFT): looking issues
nothing, so the bill's lines and discount can still change. Print and Save wait for
"Issue invoice", which issues it and shows the ORIGINAL. Once issued, the preview shows
the stored COPY (stamped COPY), byte for byte the same each time. The line above the
pages says which of the three is shown.
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
DRAFT_STYLE = (
    "background: #e6f0fa; color: #0b4f82; border: 1px solid #9fc7ea; border-radius: 4px;"
    " padding: 6px 10px;"
)
NOT_ISSUED = "Issue the invoice to print it or save it"


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
        self.issue_button = QPushButton("&Issue invoice")
        self.issue_button.setObjectName("invoiceIssue")
        self.issue_button.setProperty("primary", True)
        self.issue_button.setToolTip(
            "Issue the invoice: its lines and discount are then fixed, and it can be "
            "printed and saved"
        )
        self.issue_button.clicked.connect(self.issue)
        self.issue_button.hide()
        close = QPushButton("&Close")
        close.setObjectName("invoiceClose")
        close.setAutoDefault(False)
        close.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(close)
        state_row = QHBoxLayout()
        state_row.addWidget(self.state, 1)
        state_row.addWidget(self.issue_button, 0, Qt.AlignmentFlag.AlignVCenter)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 12, 16, 12)
        layout.addLayout(state_row)
        layout.addWidget(self.busy)
        layout.addWidget(self.preview, 1)
        layout.addLayout(buttons)
        self.load()

    def load(self) -> None:
        """Show the invoice as it stands: the stored copy, or a draft (issues nothing)."""
        invoices, actor, bill_id = self._invoices, self._actor, self._bill_id
        self._start(lambda _report: invoices.preview_pdf(actor, bill_id))

    def issue(self) -> None:
        """Issue the invoice and show the original, ready to print or save."""
        if self._task is not None and not self._task.done:
            return
        invoices, actor, bill_id = self._invoices, self._actor, self._bill_id
        self.issue_button.setEnabled(False)
        self._start(lambda _report: invoices.invoice_pdf(actor, bill_id))

    def _start(self, work: Any) -> None:
        self.busy.show()
        self._task = run_task(work, on_done=self._loaded, on_error=self._failed, owner=self)

    def _loaded(self, pdf: Any) -> None:
        self.busy.hide()
        self.pdf = pdf
        draft = getattr(pdf, "is_draft", False)
        self.issue_button.setVisible(draft)
        self.issue_button.setEnabled(draft)
        self.preview.allow_output(not draft, NOT_ISSUED)
        if draft:
            text = (
                f"<b>Draft</b> of invoice {pdf.invoice_number}: not issued yet, so the bill "
                "can still change. Issue it to print it or save it for the patient; its "
                "lines and discount are fixed from then on."
            )
            role = "hint"
            style = DRAFT_STYLE
        elif getattr(pdf, "is_cancelled", False):
            text = (
                f"<b>Cancelled</b> bill {pdf.invoice_number}: its invoice was never issued. "
                "This print is marked CANCELLED and issues nothing."
            )
            role = "hint"
            style = COPY_STYLE
        elif pdf.is_copy:
            text = (
                f"<b>COPY</b> of invoice {pdf.invoice_number}: it was issued before, so this is "
                "the stored copy, marked COPY. Amounts paid are as at the first issue; the "
                "bill shows today's."
            )
            role = "hint"
            style = COPY_STYLE
        else:
            text = (
                f"<b>Original</b> of invoice {pdf.invoice_number}: issued just now. Print it or "
                "save it for the patient; any later print is a copy marked COPY."
            )
            role = "ok"
            style = ORIGINAL_STYLE
        show_message(self.state, text, role)
        self.state.setTextFormat(Qt.TextFormat.RichText)
        self.state.setStyleSheet(style)
        self.preview.set_pdf(pdf.data, file_name=f"invoice-{pdf.invoice_number}.pdf")
        self.loaded.emit(pdf)

    def _failed(self, error: BaseException) -> None:
        self.busy.hide()
        self.issue_button.setEnabled(self.issue_button.isVisible())
        text = error_text(error, "preparing the invoice")
        show_message(self.state, text)
        self.failed.emit(text)
