"""The Patients section: find a patient as you type, open them, register a new one.

Every keystroke starts a search off the UI thread at once (no debounce: the search takes
milliseconds). Each search gets a sequence number; a newer keystroke cancels the older
search's delivery, and a search still queued when a newer one starts does not even run,
so the list only ever shows the answer to what is typed now. The list loads lazily: the
model asks for more hits (the same search with a larger limit) when it is scrolled to
the end.

Enter or a double-click opens the patient's page inside the section (Esc goes back);
"New patient" (Ctrl+N) opens the form. Changes made at any workstation (the bus) re-run
the search and re-read the patient on show.
"""

from __future__ import annotations

import logging
import time
import uuid
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from dcms_desktop.domain.errors import DcmsError
from dcms_desktop.domain.readmodels.people import Actor, PatientHit, User
from dcms_desktop.services.context import ServiceContext
from dcms_desktop.services.patients import MAX_SEARCH_RESULTS, PatientService
from dcms_desktop.services.settings import SettingsService
from dcms_desktop.views.open_dialog import open_dialog
from dcms_desktop.views.patients.live import REFRESH_ALL_ENTITY, ChangeRelay, Subscribable
from dcms_desktop.views.patients.patient_form import PatientFormDialog
from dcms_desktop.views.patients.patient_page import PatientPageView
from dcms_desktop.views.patients.search_model import FIRST_PAGE, NAME, PatientSearchModel
from dcms_desktop.views.tasks import TaskHandle, run_task

log = logging.getLogger(__name__)

LIVE_REFRESH_DELAY_MS = 150
"""Bursts of change events (a bulk import, a reconnect) become one re-read."""
HINT = "Type a name, email, phone number or date of birth (YYYY-MM-DD)."

_STYLE = """
QLabel#searchStatus { color: #486581; }
QLineEdit#patientSearch { font-size: 12pt; padding: 7px 10px; }
QTableView#patientResults { background: #ffffff; border: 1px solid #d9e2ec;
    selection-background-color: #d1eefc; selection-color: #102a43; }
"""


class _SearchKeys(QObject):
    """Up/Down/PageDown in the search box move through the results; Enter opens."""

    def __init__(self, page: PatientsPage) -> None:
        super().__init__(page)
        self._page = page

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() != QEvent.Type.KeyPress or not isinstance(event, QKeyEvent):
            return False
        key = event.key()
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self._page.open_current()
            return True
        if key in (Qt.Key.Key_Down, Qt.Key.Key_Up, Qt.Key.Key_PageDown, Qt.Key.Key_PageUp):
            self._page.move_selection(key)
            return True
        return False


class PatientsPage(QWidget):
    """The Patients section page: ``PatientsPage(context, actor)``."""

    results_shown = Signal(str)
    """The list now shows the answer to this search text."""
    patient_opened = Signal(object)
    """The id of the patient whose page is now shown."""

    def __init__(
        self,
        context: ServiceContext | None,
        actor: Actor,
        parent: QWidget | None = None,
        *,
        patients: PatientService | None = None,
        settings: SettingsService | None = None,
        bus: Subscribable | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("page_patients")
        self.setStyleSheet(_STYLE)
        if patients is None or settings is None:
            assert context is not None, "PatientsPage needs a context or its services"
        self._patients = patients if patients is not None else PatientService(context)
        settings_service = settings if settings is not None else SettingsService(context)
        self._actor = actor
        self._max_results = MAX_SEARCH_RESULTS
        self._seq = 0
        self._search_task: TaskHandle | None = None
        self._more_task: TaskHandle | None = None
        self._typed_at = 0.0
        self.last_latency_ms: float | None = None
        """Keystroke to list updated, of the last search shown (for the bench)."""
        self.form: PatientFormDialog | None = None

        self.model = PatientSearchModel(max_results=self._max_results, parent=self)
        self.model.more_wanted.connect(self._fetch_more)
        self.patient_view = PatientPageView(
            self._patients,
            actor,
            currency=lambda: settings_service.get(actor).currency,
        )
        self.patient_view.back_requested.connect(self.show_search)
        self.patient_view.edited.connect(lambda _user: self._refresh_search())
        self._build()

        self._live_timer = QTimer(self)
        self._live_timer.setSingleShot(True)
        self._live_timer.setInterval(LIVE_REFRESH_DELAY_MS)
        self._live_timer.timeout.connect(self._live_refresh)
        self._pending_search_refresh = False
        self._pending_page_refresh = False
        self.relay = ChangeRelay(bus if bus is not None else getattr(context, "bus", None), self)
        self.relay.changed.connect(self._on_change)

    # -- building --------------------------------------------------------------------------
    def _build(self) -> None:
        self.stack = QStackedWidget()
        self.stack.addWidget(self._search_pane())
        self.stack.addWidget(self.patient_view)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.stack)

        new = QShortcut(QKeySequence("Ctrl+N"), self)
        new.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        new.activated.connect(self.new_patient)
        find = QShortcut(QKeySequence("Ctrl+F"), self)
        find.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        find.activated.connect(self.focus_search)

    def _search_pane(self) -> QWidget:
        pane = QWidget()
        pane.setObjectName("patientSearchPane")
        layout = QVBoxLayout(pane)
        layout.setContentsMargins(32, 24, 32, 16)
        layout.setSpacing(10)

        top = QHBoxLayout()
        title = QLabel("Patients")
        title.setObjectName("sectionTitle")
        self.new_button = QPushButton("New patient")
        self.new_button.setObjectName("newPatient")
        self.new_button.setToolTip("Register a new patient (Ctrl+N)")
        self.new_button.setProperty("primary", True)
        self.new_button.clicked.connect(self.new_patient)
        top.addWidget(title)
        top.addStretch(1)
        top.addWidget(self.new_button)
        layout.addLayout(top)

        self.search_box = QLineEdit()
        self.search_box.setObjectName("patientSearch")
        self.search_box.setPlaceholderText(
            "Search patients by name, email, phone or date of birth (Ctrl+F)"
        )
        self.search_box.setAccessibleName("Search patients")
        self.search_box.setClearButtonEnabled(True)
        self.search_box.textChanged.connect(self.search)
        self._keys = _SearchKeys(self)
        self.search_box.installEventFilter(self._keys)
        layout.addWidget(self.search_box)

        self.status = QLabel(HINT)
        self.status.setObjectName("searchStatus")
        layout.addWidget(self.status)

        self.table = QTableView()
        self.table.setObjectName("patientResults")
        self.table.setAccessibleName("Patients found")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setShowGrid(False)
        self.table.setWordWrap(False)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(28)
        header = self.table.horizontalHeader()
        header.setHighlightSections(False)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        for column, width in enumerate((300, 130, 180)):
            self.table.setColumnWidth(column, width)
        self.table.doubleClicked.connect(lambda index: self.open_row(index.row()))
        self.table.activated.connect(lambda index: self.open_row(index.row()))
        layout.addWidget(self.table, 1)
        return pane

    # -- the section API -------------------------------------------------------------------
    def focus_search(self) -> None:
        """Back to the list with the search box focused and its text selected."""
        self.show_search()
        self.search_box.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search_box.selectAll()

    def refresh(self) -> None:
        """Re-run the search and re-read the patient on show."""
        self._refresh_search()
        if self.stack.currentWidget() is self.patient_view:
            self.patient_view.reload()

    def show_search(self) -> None:
        self.stack.setCurrentIndex(0)
        self.search_box.setFocus()

    # -- searching -------------------------------------------------------------------------
    def search(self, text: str) -> None:
        """Start the search for ``text`` now; whatever older search is running is dropped."""
        self._typed_at = time.perf_counter()
        self._start_search(text.strip(), FIRST_PAGE, keep=None)

    def _refresh_search(self) -> None:
        text = self.search_box.text().strip()
        if not text:
            return
        current = self.model.hit(self.table.currentIndex().row())
        limit = max(FIRST_PAGE, min(self.model.rowCount(), self._max_results))
        self._typed_at = time.perf_counter()
        self._start_search(text, limit, keep=current.id if current else None)

    def _start_search(self, text: str, limit: int, keep: uuid.UUID | None) -> None:
        self._seq += 1
        seq = self._seq
        for task in (self._search_task, self._more_task):
            if task is not None:
                task.cancel()
        self._search_task = self._more_task = None
        if not text:
            self.model.clear()
            self.status.setText(HINT)
            self.results_shown.emit("")
            return
        patients, actor = self._patients, self._actor

        def work(_report: Any) -> tuple[PatientHit, ...] | None:
            if seq != self._seq:
                return None  # a newer keystroke came while this one waited for a thread
            return patients.search(actor, text, limit)

        self._search_task = run_task(
            work,
            owner=self,
            on_done=lambda hits: self._found(seq, text, limit, hits, keep),
            on_error=lambda error: self._search_failed(seq, error),
        )

    def _found(
        self,
        seq: int,
        text: str,
        limit: int,
        hits: tuple[PatientHit, ...] | None,
        keep: uuid.UUID | None,
    ) -> None:
        if seq != self._seq or hits is None:
            return
        self._search_task = None
        self.model.set_results(text, hits, limit)
        row = self.model.row_of(keep) if keep is not None else None
        if self.model.rowCount():
            self.table.selectRow(row if row is not None else 0)
        self.last_latency_ms = (time.perf_counter() - self._typed_at) * 1000
        self._update_status()
        self.results_shown.emit(text)

    def _search_failed(self, seq: int, error: BaseException) -> None:
        if seq != self._seq:
            return
        self._search_task = None
        if isinstance(error, DcmsError):
            self.status.setText(error.message)
        else:
            log.error("patient search failed", exc_info=error)
            self.status.setText("The search failed because of an unexpected problem.")

    def _fetch_more(self, text: str, limit: int) -> None:
        """The list was scrolled to its end: the same search, ``limit`` hits."""
        seq = self._seq
        patients, actor = self._patients, self._actor

        def failed(error: BaseException) -> None:
            self.model.fetch_failed()
            if seq == self._seq:
                self._search_failed(seq, error)

        self._more_task = run_task(
            lambda _report: patients.search(actor, text, limit),
            owner=self,
            on_done=lambda hits: self._more_found(seq, text, limit, hits),
            on_error=failed,
        )

    def _more_found(self, seq: int, text: str, limit: int, hits: tuple[PatientHit, ...]) -> None:
        self._more_task = None
        if seq != self._seq:
            self.model.fetch_failed()
            return
        self.model.extend(text, hits, limit)
        self._update_status()

    def _update_status(self) -> None:
        count = self.model.rowCount()
        text = self.model.text
        if count == 0:
            self.status.setText(
                f"No patient matches “{text}”. Check the spelling, try the phone number, "
                "or register them with New patient (Ctrl+N)."
            )
        elif self.model.at_limit:
            self.status.setText(
                f"The first {count} patients matching “{text}”: type more to narrow the list."
            )
        elif self.model.canFetchMore():
            self.status.setText(
                f"{count} patients shown, more below. Enter or double-click opens one."
            )
        else:
            noun = "patient" if count == 1 else "patients"
            self.status.setText(f"{count} {noun} found. Enter or double-click opens one.")

    def move_selection(self, key: int) -> None:
        """Up/Down/PageUp/PageDown typed in the search box move the selected row."""
        rows = self.model.rowCount()
        if not rows:
            return
        row = self.table.currentIndex().row()
        step = {
            Qt.Key.Key_Down: 1,
            Qt.Key.Key_Up: -1,
            Qt.Key.Key_PageDown: 10,
            Qt.Key.Key_PageUp: -10,
        }[Qt.Key(key)]
        target = max(0, min(rows - 1, (row if row >= 0 else -1) + step))
        self.table.selectRow(target)
        self.table.scrollTo(self.model.index(target, NAME))
        if target >= rows - 1 and self.model.canFetchMore():
            self.model.fetchMore()

    # -- opening ---------------------------------------------------------------------------
    def open_current(self) -> None:
        row = self.table.currentIndex().row()
        self.open_row(row if row >= 0 else 0)

    def open_row(self, row: int) -> None:
        hit = self.model.hit(row)
        if hit is not None:
            self.open_patient(hit.id)

    def open_patient(self, patient_id: uuid.UUID) -> None:
        """Show ``patient_id``'s page in this section (other sections may call this)."""
        self.stack.setCurrentWidget(self.patient_view)
        self.patient_view.show_patient(patient_id)
        self.patient_view.setFocus()
        self.patient_opened.emit(patient_id)

    @property
    def showing_patient(self) -> bool:
        return self.stack.currentWidget() is self.patient_view

    def new_patient(self) -> None:
        """Open the form for a new patient (Ctrl+N)."""
        if self.form is not None and self.form.isVisible():
            self.form.raise_()
            return
        form = PatientFormDialog(self._patients, self._actor, None, self)
        form.saved.connect(self._created)
        form.open_existing.connect(self.open_patient)
        open_dialog(self, form, slot="form")

    def _created(self, user: User) -> None:
        self.open_patient(user.id)
        self._refresh_search()

    # -- live refresh ----------------------------------------------------------------------
    def _on_change(self, entity: str, entity_id: str, action: str) -> None:
        """A change event, now on the UI thread."""
        del action
        if entity in ("patient", REFRESH_ALL_ENTITY):
            self._pending_search_refresh = True
        if self.showing_patient and self.patient_view.concerns(entity, entity_id):
            self._pending_page_refresh = True
        if self._pending_search_refresh or self._pending_page_refresh:
            self._live_timer.start()

    def _live_refresh(self) -> None:
        if self._pending_search_refresh:
            self._refresh_search()
        if self._pending_page_refresh and self.showing_patient:
            self.patient_view.reload()
        self._pending_search_refresh = self._pending_page_refresh = False
