"""Export many invoices at once: one PDF per bill, named by its invoice number, into a
folder the person chooses.

The export runs in the background (``run_task``) with a progress bar and "n of N"; the
window stays responsive and Cancel stops it between two invoices, keeping what was
already written. Bills whose invoice was never issued are issued by the export (their
first print), which the dialog says before it starts.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import QStandardPaths, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from dcms_desktop.domain.readmodels.people import Actor
from dcms_desktop.services.context import ServiceContext
from dcms_desktop.services.invoices import InvoiceService
from dcms_desktop.views.admin.common import error_text
from dcms_desktop.views.change_password import field_message, show_message
from dcms_desktop.views.tasks import TaskHandle, run_task

PAPERS = (("A4", "A4"), ("Letter (US)", "Letter"))


def default_folder() -> Path:
    """Documents/Invoices (or the home folder's) as the first suggestion."""
    documents = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    return Path(documents or Path.home()) / "Invoices"


def _plural(count: int, word: str) -> str:
    return f"{count:,} {word}{'' if count == 1 else 's'}"


class BatchExportDialog(QDialog):
    """``BatchExportDialog(context_or_invoices, actor, bill_ids)``: choose a folder, export.

    The first argument is the ``ServiceContext`` (an ``InvoiceService`` is made from it)
    or an ``InvoiceService`` already made by the opening screen.
    """

    finished_export = Signal(int)
    """How many files were written, when an export ends (finished or cancelled)."""

    def __init__(
        self,
        context: ServiceContext | InvoiceService | Any,
        actor: Actor,
        bill_ids: Sequence[uuid.UUID],
        parent: QWidget | None = None,
        *,
        folder: Path | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("batchExportDialog")
        self.setWindowTitle("Export invoices as PDF")
        self.setModal(True)
        self.setMinimumWidth(560)
        self._invoices = InvoiceService(context) if isinstance(context, ServiceContext) else context
        self._actor = actor
        self._ids = list(dict.fromkeys(bill_ids))
        self._task: TaskHandle | None = None
        self._stop = threading.Event()
        self.written: int | None = None

        count = len(self._ids)
        intro = QLabel(
            f"Save the invoices of the {_plural(count, 'listed bill')} as PDF files, one per "
            "bill, named by invoice number (e.g. 2026-000123.pdf). An invoice printed for the "
            "first time is issued now; one already issued is saved as its stored copy."
        )
        intro.setObjectName("batchExportIntro")
        intro.setWordWrap(True)

        self.folder = QLineEdit(str(folder or default_folder()))
        self.folder.setObjectName("batchExportFolder")
        self.folder.setAccessibleName("Folder")
        self.folder.textChanged.connect(lambda _text: show_message(self.folder_message, ""))
        self.browse = QPushButton("&Choose…")
        self.browse.setObjectName("batchExportBrowse")
        self.browse.setAutoDefault(False)
        self.browse.clicked.connect(self.choose_folder)
        folder_row = QHBoxLayout()
        folder_row.setContentsMargins(0, 0, 0, 0)
        folder_row.addWidget(self.folder, 1)
        folder_row.addWidget(self.browse)
        folder_cell = QWidget()
        folder_cell.setLayout(folder_row)
        self.folder_message = field_message("batchExportFolderMessage")
        folder_column = QVBoxLayout()
        folder_column.setContentsMargins(0, 0, 0, 0)
        folder_column.setSpacing(2)
        folder_column.addWidget(folder_cell)
        folder_column.addWidget(self.folder_message)

        self.paper = QComboBox()
        self.paper.setObjectName("batchExportPaper")
        for label, value in PAPERS:
            self.paper.addItem(label, value)

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        form.addRow("&Folder", folder_column)
        form.addRow("&Paper", self.paper)
        for row, buddy in ((0, self.folder), (1, self.paper)):
            item = form.itemAt(row, QFormLayout.ItemRole.LabelRole)
            label = item.widget() if item is not None else None
            if isinstance(label, QLabel):
                label.setBuddy(buddy)

        self.progress = QProgressBar()
        self.progress.setObjectName("batchExportProgress")
        self.progress.setRange(0, max(1, count))
        self.progress.setValue(0)
        self.progress.setTextVisible(False)
        self.progress.setFixedHeight(8)
        self.progress_text = QLabel(f"0 of {count:,}")
        self.progress_text.setObjectName("batchExportCount")
        self.progress_text.setProperty("role", "hint")
        self.message = field_message("batchExportMessage")

        self.open_button = QPushButton("&Open folder")
        self.open_button.setObjectName("batchExportOpen")
        self.open_button.setAutoDefault(False)
        self.open_button.clicked.connect(self.open_folder)
        self.open_button.hide()
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setObjectName("batchExportCancel")
        self.cancel_button.setAutoDefault(False)
        self.cancel_button.clicked.connect(self.cancel)
        self.export_button = QPushButton(f"&Export {_plural(count, 'invoice')}")
        self.export_button.setObjectName("batchExportStart")
        self.export_button.setProperty("primary", True)
        self.export_button.setDefault(True)
        self.export_button.setEnabled(count > 0)
        self.export_button.clicked.connect(self.start)
        buttons = QHBoxLayout()
        buttons.addWidget(self.open_button)
        buttons.addStretch(1)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.export_button)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 20)
        layout.setSpacing(12)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.progress)
        layout.addWidget(self.progress_text)
        layout.addWidget(self.message)
        layout.addLayout(buttons)
        self.export_button.setFocus()

    # -- state ---------------------------------------------------------------------------
    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done

    def choose_folder(self) -> None:
        chosen = QFileDialog.getExistingDirectory(
            self, "Export the invoices into", self.folder.text()
        )
        if chosen:
            self.folder.setText(chosen)

    def open_folder(self) -> None:
        QDesktopServices.openUrl(QUrl.fromLocalFile(self.folder.text().strip()))

    # -- the export ------------------------------------------------------------------------
    def start(self) -> None:
        if self.running or not self._ids:
            return
        text = self.folder.text().strip()
        if not text:
            show_message(self.folder_message, "Choose the folder to save the invoices in.")
            self.folder.setFocus()
            self._fit()
            return
        folder = Path(text).expanduser()
        if folder.exists() and not folder.is_dir():
            show_message(self.folder_message, f"{folder} is a file, not a folder.")
            self.folder.setFocus()
            self._fit()
            return
        show_message(self.message, "")
        self._stop.clear()
        self._set_running(True)
        invoices, actor, ids = self._invoices, self._actor, list(self._ids)
        paper = self.paper.currentData()
        stop = self._stop

        def export(report: Any) -> int:
            return int(
                invoices.export_batch(
                    actor,
                    ids,
                    folder,
                    page_size=paper,
                    progress=lambda done, total: report("Exporting", done, total),
                    cancelled=stop.is_set,
                )
            )

        self._task = run_task(
            export,
            on_done=self._done,
            on_error=self._failed,
            on_progress=self._progressed,
            owner=self,
        )

    def cancel(self) -> None:
        """Stop a running export between two invoices; close the dialog otherwise."""
        if self.running:
            self._stop.set()
            self.cancel_button.setEnabled(False)
            self.progress_text.setText(f"{self.progress_text.text()} · stopping…")
            return
        self.reject()

    def reject(self) -> None:
        # Closing (Esc, the window's X) while exporting stops the export too.
        self._stop.set()
        super().reject()

    def _progressed(self, _phase: str, done: int, total: int) -> None:
        self.progress.setRange(0, max(1, total))
        self.progress.setValue(done)
        stopping = " · stopping…" if self._stop.is_set() else ""
        self.progress_text.setText(f"{done:,} of {total:,}{stopping}")

    def _done(self, written: int) -> None:
        self.written = written
        self._set_running(False)
        folder = self.folder.text().strip()
        count = len(self._ids)
        if self._stop.is_set() and written < count:
            text = f"Stopped: {_plural(written, 'invoice')} of {count:,} saved in {folder}."
            self.progress_text.setText(f"{self.progress.value():,} of {count:,} · stopped")
        else:
            self.progress.setValue(self.progress.maximum())
            self.progress_text.setText(f"{count:,} of {count:,}")
            text = f"Done: {_plural(written, 'invoice')} saved in {folder}."
        show_message(self.message, text, "ok")
        self.open_button.show()
        self.export_button.hide()
        self.cancel_button.setText("&Close")
        self.cancel_button.setDefault(True)
        self.cancel_button.setFocus()
        self._fit()
        self.finished_export.emit(written)

    def _failed(self, error: BaseException) -> None:
        self._set_running(False)
        if getattr(error, "field", None) == "folder":
            show_message(self.folder_message, error_text(error, "exporting the invoices"))
            self.folder.setFocus()
        else:
            show_message(self.message, error_text(error, "exporting the invoices"))
        self._fit()

    def _fit(self) -> None:
        """Grow to show a message that just appeared, rather than squeeze the fields."""
        self.layout().activate()
        self.resize(self.width(), max(self.height(), self.sizeHint().height()))

    def _set_running(self, running: bool) -> None:
        self.export_button.setEnabled(not running)
        self.folder.setEnabled(not running)
        self.browse.setEnabled(not running)
        self.paper.setEnabled(not running)
        self.cancel_button.setEnabled(True)
        self.cancel_button.setText("Cancel")
        if running:
            self.progress.setValue(0)
            self.progress_text.setText(f"0 of {len(self._ids):,}")
