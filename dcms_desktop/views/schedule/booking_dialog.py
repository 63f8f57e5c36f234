"""The booking dialog: who, with whom, when, what for.

- Patient: search as you type (``PatientService.search``, off the UI thread, stale
  answers dropped) or "New patient…" (the patient form, when the Patients section has
  it). The chosen patient's medical alerts show in the alert strip.
- Dentist, date, start, duration; "Next free slot" lists the earliest free starts for the
  dentist (or any dentist) from the date on, and a click fills dentist, date and start.
- Services from the catalogue: the duration follows their total until it is typed in.
  Services whose ``tooth_chart_use`` is required or optional take teeth, typed as FDI
  numbers ("16, 17") and checked as they are typed.
- Type and reason.

Every refusal of the service goes under the field it is about. In walk-in mode the
dialog asks only for patient, services and duration: the service books "now" for the
first free dentist.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from PySide6.QtCore import QDate, Qt, QTime, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSpinBox,
    QTimeEdit,
    QVBoxLayout,
    QWidget,
)

from dcms_desktop.domain import hours
from dcms_desktop.domain.enums import AppointmentType
from dcms_desktop.domain.errors import DcmsError
from dcms_desktop.domain.medical import medical_alerts
from dcms_desktop.domain.readmodels.catalog import DentalService
from dcms_desktop.domain.readmodels.people import Actor, PatientHit
from dcms_desktop.services.charting import ChartService
from dcms_desktop.views.schedule.palette import type_label
from dcms_desktop.views.schedule.services_editor import ServicesEditor, set_invalid
from dcms_desktop.views.schedule.task_group import TaskGroup
from dcms_desktop.views.tasks import TaskHandle

log = logging.getLogger(__name__)

SEARCH_LIMIT = 20
FREE_SLOTS = 5
FIELDS = ("patient", "dentist", "start", "duration", "services", "teeth", "type", "reason")
FIELD_ALIASES = {"start_time": "start", "date": "start", "patient_id": "patient"}
GENERIC_FAILURE = "The booking could not be saved. Try again; if it keeps failing, see the log."

_STYLE = """
QLabel[role="error"] { color: #ab091e; }
QLabel[role="hint"] { color: #627d98; }
QLabel#chosenPatient { font-weight: 600; color: #102a43; }
QLabel#dialogTitle { font-size: 13pt; font-weight: 600; color: #102a43; }
QFrame#formError { background: #ffe3e3; border: 1px solid #e12d39; border-radius: 4px; }
QFrame#formError QLabel { color: #8a041a; background: transparent; border: none; }
QLineEdit[invalid="true"], QComboBox[invalid="true"], QSpinBox[invalid="true"],
QTimeEdit[invalid="true"], QDateEdit[invalid="true"] { border: 1px solid #ab091e; }
"""


@dataclass(frozen=True)
class DentistChoice:
    """A dentist the dialog offers."""

    id: uuid.UUID
    name: str


@dataclass(frozen=True)
class BookingDraft:
    """What the dialog starts with (from a selected range, the New button...)."""

    dentist_id: uuid.UUID | None = None
    start: datetime | None = None
    duration: int | None = None
    patient: PatientHit | None = None
    type: AppointmentType = AppointmentType.REGULAR


def patient_line(hit: PatientHit) -> str:
    """ "Maria Santos · born 1984-03-02 · 0917 555 0101"."""
    parts = [hit.full_name]
    if hit.date_of_birth:
        parts.append(f"born {hit.date_of_birth.isoformat()}")
    if hit.phone:
        parts.append(hit.phone)
    parts.append(hit.email)
    return " · ".join(parts)


def slot_line(slot: Any) -> str:
    """ "Tue 26 Nov 10:30 · Dr Reyes"."""
    return f"{slot.start:%a %d %b %H:%M} · {slot.dentist_name}"


def index_of(combo: QComboBox, value: object) -> int:
    """The row whose data equals ``value`` (``findData`` compares Python objects by
    identity, so two equal UUIDs would not match), or -1."""
    return next((i for i in range(combo.count()) if combo.itemData(i) == value), -1)


class BookingDialog(QDialog):
    """Book a visit (see the module docstring)."""

    booked = Signal(object)
    """The booked appointment (``Appointment``), after the dialog closed itself."""

    def __init__(
        self,
        backend: Any,
        actor: Actor,
        *,
        dentists: Sequence[DentistChoice],
        draft: BookingDraft | None = None,
        walk_in: bool = False,
        grid_minutes: int = 15,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("bookingDialog")
        self.setStyleSheet(_STYLE)
        self.setModal(True)
        self._backend = backend
        self._actor = actor
        self._dentists = tuple(dentists)
        self._walk_in = walk_in
        self._grid = grid_minutes
        draft = draft or BookingDraft()
        self._patient: PatientHit | None = None
        self._tasks = TaskGroup(self)
        self._search_task: TaskHandle | None = None
        self._alert_task: TaskHandle | None = None
        self._chart_task: TaskHandle | None = None
        self._book_task: TaskHandle | None = None
        self._slots_task: TaskHandle | None = None
        self._server_errors: dict[str, str] = {}
        self.booked_appointment: Any = None
        self.setWindowTitle("Walk-in" if walk_in else "Book an appointment")
        self.error_labels: dict[str, QLabel] = {}
        self._build(draft)
        self._load_catalogue()
        if draft.patient is not None:
            self.choose_patient(draft.patient)
        self._refresh_errors()

    # -- building ----------------------------------------------------------------------------
    def _error_label(self, field: str) -> QLabel:
        label = QLabel("")
        label.setObjectName(f"error_{field}")
        label.setProperty("role", "error")
        label.setWordWrap(True)
        label.hide()
        self.error_labels[field] = label
        return label

    def _build(self, draft: BookingDraft) -> None:
        outer = QVBoxLayout(self)
        outer.setContentsMargins(18, 14, 18, 14)
        outer.setSpacing(8)
        title = QLabel(
            "Walk-in: book now with the first free dentist"
            if self._walk_in
            else "Book an appointment"
        )
        title.setObjectName("dialogTitle")
        outer.addWidget(title)

        self.form_error = QFrame()
        self.form_error.setObjectName("formError")
        error_row = QHBoxLayout(self.form_error)
        error_row.setContentsMargins(10, 6, 10, 6)
        self.form_error_text = QLabel("")
        self.form_error_text.setObjectName("formErrorText")
        self.form_error_text.setWordWrap(True)
        error_row.addWidget(self.form_error_text)
        self.form_error.hide()
        outer.addWidget(self.form_error)

        columns = QHBoxLayout()
        columns.setSpacing(18)
        left = QVBoxLayout()
        right = QVBoxLayout()
        columns.addLayout(left, 3)
        columns.addLayout(right, 2)
        outer.addLayout(columns, 1)

        self._build_patient(left)
        self._build_services(left)
        self._build_when(right, draft)
        right.addStretch(1)

        buttons = QHBoxLayout()
        self.busy_label = QLabel("")
        self.busy_label.setProperty("role", "hint")
        buttons.addWidget(self.busy_label, 1)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setObjectName("cancelBooking")
        self.cancel_button.clicked.connect(self.reject)
        self.book_button = QPushButton("Book walk-in" if self._walk_in else "&Book")
        self.book_button.setObjectName("bookButton")
        self.book_button.setProperty("primary", True)
        self.book_button.setDefault(True)
        self.book_button.setToolTip("Book the visit (Ctrl+Enter)")
        self.book_button.clicked.connect(self.book)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.book_button)
        outer.addLayout(buttons)
        self.setMinimumWidth(880)

    def _build_patient(self, column: QVBoxLayout) -> None:
        label = QLabel("&Patient")
        label.setProperty("class", "fieldLabel")
        row = QHBoxLayout()
        self.patient_search = QLineEdit()
        self.patient_search.setObjectName("patientSearch")
        self.patient_search.setPlaceholderText("Type a name, phone, email or birth date")
        self.patient_search.setAccessibleName("Find the patient")
        self.patient_search.setClearButtonEnabled(True)
        self.patient_search.textEdited.connect(self._search)
        self.patient_search.returnPressed.connect(self._take_first_hit)
        label.setBuddy(self.patient_search)
        self.new_patient_button = QPushButton("New patient…")
        self.new_patient_button.setObjectName("newPatientButton")
        self.new_patient_button.clicked.connect(self.new_patient)
        row.addWidget(self.patient_search, 1)
        row.addWidget(self.new_patient_button)
        self.patient_results = QListWidget()
        self.patient_results.setObjectName("patientResults")
        self.patient_results.setAccessibleName("Patients found")
        self.patient_results.setMaximumHeight(120)
        self.patient_results.itemActivated.connect(self._hit_chosen)
        self.patient_results.itemClicked.connect(self._hit_chosen)
        self.patient_results.hide()
        self.chosen_patient = QLabel("No patient chosen yet")
        self.chosen_patient.setObjectName("chosenPatient")
        self.chosen_patient.setWordWrap(True)
        self.alert_strip = _make_alert_strip()
        column.addWidget(label)
        column.addLayout(row)
        column.addWidget(self.patient_results)
        column.addWidget(self.chosen_patient)
        if self.alert_strip is not None:
            column.addWidget(self.alert_strip)
        column.addWidget(self._error_label("patient"))

    def _build_services(self, column: QVBoxLayout) -> None:
        label = QLabel("&Services")
        self.services = ServicesEditor()
        self.services.changed.connect(self._services_changed)
        self.services.teeth_edited.connect(self._teeth_edited)
        self.service_picker = self.services.picker
        label.setBuddy(self.service_picker)
        teeth_hint = QLabel(
            "Click the teeth on the chart, or type FDI numbers, e.g. 16, 17 (11–48, 51–85)."
        )
        teeth_hint.setProperty("role", "hint")
        reason_label = QLabel("&Reason for the visit")
        self.reason_edit = QLineEdit()
        self.reason_edit.setObjectName("reasonEdit")
        self.reason_edit.setPlaceholderText("e.g. Toothache upper right")
        reason_label.setBuddy(self.reason_edit)
        column.addWidget(label)
        column.addWidget(self.services, 1)
        column.addWidget(teeth_hint)
        column.addWidget(self._error_label("services"))
        column.addWidget(self._error_label("teeth"))
        column.addWidget(reason_label)
        column.addWidget(self.reason_edit)
        column.addWidget(self._error_label("reason"))

    def _build_when(self, column: QVBoxLayout, draft: BookingDraft) -> None:
        grid = QGridLayout()
        grid.setHorizontalSpacing(8)
        grid.setVerticalSpacing(4)
        row = 0

        self.dentist_combo = QComboBox()
        self.dentist_combo.setObjectName("dentistCombo")
        self.dentist_combo.setAccessibleName("Dentist")
        for dentist in self._dentists:
            self.dentist_combo.addItem(dentist.name, dentist.id)
        if draft.dentist_id is not None:
            index = index_of(self.dentist_combo, draft.dentist_id)
            if index >= 0:
                self.dentist_combo.setCurrentIndex(index)
        self.dentist_combo.currentIndexChanged.connect(lambda _i: self._clear_server("dentist"))
        row = self._add_row(grid, row, "De&ntist", self.dentist_combo, "dentist")

        start = draft.start or self._default_start()
        self.date_edit = QDateEdit(QDate(start.year, start.month, start.day))
        self.date_edit.setObjectName("dateEdit")
        self.date_edit.setCalendarPopup(True)
        self.date_edit.setDisplayFormat("ddd d MMM yyyy")
        self.date_edit.setAccessibleName("Date")
        self.date_edit.dateChanged.connect(lambda _d: self._clear_server("start"))
        row = self._add_row(grid, row, "&Date", self.date_edit, None)

        self.start_edit = QTimeEdit(QTime(start.hour, start.minute))
        self.start_edit.setObjectName("startEdit")
        self.start_edit.setDisplayFormat("HH:mm")
        self.start_edit.setAccessibleName("Start time")
        self.start_edit.timeChanged.connect(lambda _t: self._clear_server("start"))
        row = self._add_row(grid, row, "S&tart", self.start_edit, "start")

        self.duration_spin = QSpinBox()
        self.duration_spin.setObjectName("durationSpin")
        self.duration_spin.setRange(hours.MIN_DURATION, hours.MAX_DURATION)
        self.duration_spin.setSingleStep(5)
        self.duration_spin.setSuffix(" min")
        self.duration_spin.setAccessibleName("Duration in minutes")
        self.duration_spin.setValue(draft.duration or 30)
        self.duration_spin.valueChanged.connect(self._duration_changed)
        # A length chosen on the book (a selected range) stays until changed by hand;
        # without one, the length follows the services.
        self._duration_typed = draft.duration is not None
        self.duration_hint = QLabel("")
        self.duration_hint.setObjectName("durationHint")
        self.duration_hint.setProperty("role", "hint")
        self.use_suggested = QPushButton("")
        self.use_suggested.setObjectName("useSuggestedDuration")
        self.use_suggested.setProperty("link", True)
        self.use_suggested.clicked.connect(self.use_suggested_duration)
        self.use_suggested.hide()
        row = self._add_row(grid, row, "D&uration", self.duration_spin, "duration")
        hint_row = QHBoxLayout()
        hint_row.setSpacing(8)
        hint_row.addWidget(self.duration_hint)
        hint_row.addWidget(self.use_suggested)
        hint_row.addStretch(1)
        grid.addLayout(hint_row, row, 1)
        row += 1

        self.type_combo = QComboBox()
        self.type_combo.setObjectName("typeCombo")
        self.type_combo.setAccessibleName("Type of visit")
        for kind in (AppointmentType.REGULAR, AppointmentType.FOLLOW_UP, AppointmentType.EMERGENCY):
            self.type_combo.addItem(type_label(kind), kind.value)
        if draft.type is not AppointmentType.WALK_IN:
            self.type_combo.setCurrentIndex(max(0, self.type_combo.findData(draft.type.value)))
        row = self._add_row(grid, row, "T&ype", self.type_combo, "type")
        column.addLayout(grid)

        free_row = QHBoxLayout()
        self.next_free_button = QPushButton("Next &free slot")
        self.next_free_button.setObjectName("nextFreeButton")
        self.next_free_button.setToolTip(
            "The earliest starts from the date on when the dentist is free for the duration"
        )
        self.next_free_button.clicked.connect(self.find_free_slots)
        self.any_dentist = QCheckBox("Any dentist")
        self.any_dentist.setObjectName("anyDentistCheck")
        free_row.addWidget(self.next_free_button)
        free_row.addWidget(self.any_dentist)
        free_row.addStretch(1)
        self.free_slots = QListWidget()
        self.free_slots.setObjectName("freeSlotsList")
        self.free_slots.setAccessibleName("Free slots")
        self.free_slots.setMaximumHeight(120)
        self.free_slots.itemActivated.connect(self._slot_chosen)
        self.free_slots.itemClicked.connect(self._slot_chosen)
        self.free_slots.hide()
        self.free_slots_note = QLabel("")
        self.free_slots_note.setObjectName("freeSlotsNote")
        self.free_slots_note.setProperty("role", "hint")
        self.free_slots_note.setWordWrap(True)
        column.addLayout(free_row)
        column.addWidget(self.free_slots)
        column.addWidget(self.free_slots_note)

        if self._walk_in:
            for widget in (
                self.dentist_combo,
                self.date_edit,
                self.start_edit,
                self.type_combo,
                self.next_free_button,
                self.any_dentist,
            ):
                widget.setEnabled(False)
            self.walk_in_note = QLabel(
                "The visit starts now (on the grid) with the first dentist who is free."
            )
            self.walk_in_note.setProperty("role", "hint")
            self.walk_in_note.setWordWrap(True)
            column.addWidget(self.walk_in_note)

    def _add_row(
        self, grid: QGridLayout, row: int, text: str, widget: QWidget, field: str | None
    ) -> int:
        label = QLabel(text)
        label.setBuddy(widget)
        grid.addWidget(label, row, 0)
        grid.addWidget(widget, row, 1)
        row += 1
        if field is not None:
            grid.addWidget(self._error_label(field), row, 1)
            row += 1
        return row

    def _default_start(self) -> datetime:
        now = self._backend.local_now()
        minute = (now.hour * 60 + now.minute) // self._grid * self._grid + self._grid
        if minute > 18 * 60:
            return datetime.combine(now.date() + timedelta(days=1), time(9))
        minute = max(minute, 9 * 60)
        return datetime.combine(now.date(), time(minute // 60, minute % 60))

    # -- the patient ---------------------------------------------------------------------------
    def _search(self, text: str) -> None:
        if self._search_task is not None:
            self._search_task.cancel()
        text = text.strip()
        if not text:
            self.patient_results.clear()
            self.patient_results.hide()
            return
        backend, actor = self._backend, self._actor
        self._search_task = self._tasks.run(
            lambda _report: backend.patients.search(actor, text, SEARCH_LIMIT),
            on_done=self._show_hits,
            on_error=self._search_failed,
        )

    def _show_hits(self, hits: Sequence[PatientHit]) -> None:
        self.patient_results.clear()
        for hit in hits:
            item = QListWidgetItem(patient_line(hit))
            item.setData(Qt.ItemDataRole.UserRole, hit)
            self.patient_results.addItem(item)
        if not hits:
            item = QListWidgetItem("No patient found: check the spelling, or add a new patient")
            item.setFlags(Qt.ItemFlag.NoItemFlags)
            self.patient_results.addItem(item)
        else:
            self.patient_results.setCurrentRow(0)
        self.patient_results.show()

    def _search_failed(self, error: BaseException) -> None:
        self._show_field_error("patient", _message(error, "The search failed; try again."))

    def _take_first_hit(self) -> None:
        item = self.patient_results.currentItem() or self.patient_results.item(0)
        if item is not None and self.patient_results.isVisible():
            self._hit_chosen(item)

    def _hit_chosen(self, item: QListWidgetItem) -> None:
        hit = item.data(Qt.ItemDataRole.UserRole)
        if isinstance(hit, PatientHit):
            self.choose_patient(hit)

    def choose_patient(self, hit: PatientHit) -> None:
        """Book for ``hit``; its medical alerts load into the strip."""
        self._patient = hit
        self.chosen_patient.setText(patient_line(hit))
        self.patient_results.hide()
        self.patient_search.clear()
        self._clear_server("patient")
        self._load_alerts(hit.id)
        self._load_chart(hit.id)
        self._refresh_errors()

    def patient(self) -> PatientHit | None:
        return self._patient

    def _load_alerts(self, patient_id: uuid.UUID) -> None:
        if self.alert_strip is None:
            return
        if self._alert_task is not None:
            self._alert_task.cancel()
        self.alert_strip.set_alerts(())
        backend, actor = self._backend, self._actor
        self._alert_task = self._tasks.run(
            lambda _report: medical_alerts(backend.patients.get(actor, patient_id).medical_history),
            on_done=self.alert_strip.set_alerts,
            on_error=lambda error: log.warning("medical alerts not loaded: %s", error),
        )

    def _load_chart(self, patient_id: uuid.UUID) -> None:
        """Read the patient's chart so their missing and not selectable teeth can't be
        chosen for treatment."""
        if self._chart_task is not None:
            self._chart_task.cancel()
        self.services.set_unavailable((), ())
        context = getattr(self._backend, "context", None)
        if context is None:
            return
        actor = self._actor

        def read(_report: Any) -> Any:
            return ChartService(context).patient_chart(actor, patient_id)

        def show(chart: Any) -> None:
            if self._patient is not None and self._patient.id == patient_id:
                self.services.set_unavailable(chart.missing, chart.disabled)

        self._chart_task = self._tasks.run(
            read,
            on_done=show,
            on_error=lambda error: log.warning("tooth chart not loaded: %s", error),
        )

    def new_patient(self) -> None:
        """Open the patient form (P4-PAT); the saved patient becomes the one booked."""
        try:
            from dcms_desktop.views.patients.patient_form import PatientFormDialog
        except ImportError:
            self._show_field_error("patient", "The patient form isn't available yet.")
            return
        form = PatientFormDialog(self._backend.patients, self._actor, None, self)
        form.saved.connect(self._patient_created)
        form.open_existing.connect(self._open_existing)
        self.patient_form = form
        form.open()

    def _patient_created(self, user: Any) -> None:
        self.choose_patient(
            PatientHit(
                user.id, user.first_name, user.last_name, user.email, user.phone, user.date_of_birth
            )
        )

    def _open_existing(self, patient_id: uuid.UUID) -> None:
        backend, actor = self._backend, self._actor
        self._tasks.run(
            lambda _report: backend.patients.get(actor, patient_id),
            on_done=self._patient_created,
            on_error=self._search_failed,
        )

    # -- services ------------------------------------------------------------------------------
    def _load_catalogue(self) -> None:
        backend, actor = self._backend, self._actor
        self._tasks.run(
            lambda _report: backend.catalog.list_active(actor),
            on_done=self._catalogue_loaded,
            on_error=lambda error: self._show_field_error(
                "services", _message(error, "The services could not be loaded.")
            ),
        )

    def _catalogue_loaded(self, services: Sequence[DentalService]) -> None:
        self.services.set_catalogue(services)

    def catalogue(self) -> tuple[DentalService, ...]:
        return self.services.catalogue()

    def add_service(self, service: DentalService) -> None:
        self.services.add_service(service)

    def remove_service(self, service_id: uuid.UUID) -> None:
        self.services.remove_service(service_id)

    def chosen_services(self) -> tuple[DentalService, ...]:
        return self.services.chosen_services()

    def teeth_edit_for(self, service_id: uuid.UUID) -> QLineEdit | None:
        return self.services.teeth_edit_for(service_id)

    def suggested_duration(self) -> int | None:
        """What the chosen services take together (None without services)."""
        return self.services.total_minutes()

    def use_suggested_duration(self) -> None:
        suggested = self.suggested_duration()
        if suggested is not None:
            self.duration_spin.setValue(suggested)
            self._duration_typed = False
            self._update_duration_hint()

    def _services_changed(self) -> None:
        suggested = self.suggested_duration()
        if suggested is not None and not self._duration_typed:
            self.duration_spin.blockSignals(True)
            self.duration_spin.setValue(suggested)
            self.duration_spin.blockSignals(False)
        self._update_duration_hint()
        self._clear_server("services")
        self._clear_server("teeth")
        self._refresh_errors()

    def _update_duration_hint(self) -> None:
        suggested = self.suggested_duration()
        self.duration_hint.setText(
            "" if suggested is None else f"The services take {suggested} min"
        )
        differs = suggested is not None and suggested != self.duration_spin.value()
        self.use_suggested.setText(f"Use {suggested} min")
        self.use_suggested.setVisible(differs)

    def _duration_changed(self, _value: int) -> None:
        self._duration_typed = True
        self._clear_server("duration")
        self._update_duration_hint()

    def _teeth_edited(self) -> None:
        self._clear_server("teeth")
        self._refresh_errors(live=True)

    def teeth_problem(self, *, live: bool = False) -> str | None:
        return self.services.teeth_problem(live=live)

    # -- free slots ------------------------------------------------------------------------------
    def find_free_slots(self) -> None:
        """List the next free starts (for the dentist, or any dentist) from the date on."""
        if self._slots_task is not None:
            self._slots_task.cancel()
        backend, actor = self._backend, self._actor
        duration = self.duration_spin.value()
        dentist_id = None if self.any_dentist.isChecked() else self.dentist_combo.currentData()
        from_day = self.date_edit.date().toPython()
        grid = self._grid
        self.free_slots_note.setText("Looking for free slots…")
        self._slots_task = self._tasks.run(
            lambda _report: backend.scheduling.next_free_slots(
                actor,
                duration=duration,
                dentist_id=dentist_id,
                from_day=from_day,
                count=FREE_SLOTS,
                grid_minutes=grid,
            ),
            on_done=self._show_free_slots,
            on_error=lambda error: self.free_slots_note.setText(
                _message(error, "The free slots could not be found; try again.")
            ),
        )

    def _show_free_slots(self, slots: Sequence[Any]) -> None:
        self.free_slots.clear()
        for slot in slots:
            item = QListWidgetItem(slot_line(slot))
            item.setData(Qt.ItemDataRole.UserRole, slot)
            self.free_slots.addItem(item)
        self.free_slots.setVisible(bool(slots))
        self.free_slots_note.setText(
            "Click a slot to take it." if slots else "No free slot in the weeks ahead."
        )
        if slots:
            self.free_slots.setCurrentRow(0)

    def _slot_chosen(self, item: QListWidgetItem) -> None:
        slot = item.data(Qt.ItemDataRole.UserRole)
        if slot is not None:
            self.take_slot(slot)

    def take_slot(self, slot: Any) -> None:
        """Fill dentist, date and start from a free slot."""
        index = index_of(self.dentist_combo, slot.dentist_id)
        if index < 0:
            self.dentist_combo.addItem(slot.dentist_name, slot.dentist_id)
            index = self.dentist_combo.count() - 1
        self.dentist_combo.setCurrentIndex(index)
        start: datetime = slot.start
        self.date_edit.setDate(QDate(start.year, start.month, start.day))
        self.start_edit.setTime(QTime(start.hour, start.minute))
        self.free_slots_note.setText(f"Taken: {slot_line(slot)}")

    # -- errors ------------------------------------------------------------------------------
    def _show_field_error(self, field: str, message: str) -> None:
        field = FIELD_ALIASES.get(field, field)
        if field not in self.error_labels:
            self.form_error_text.setText(message)
            self.form_error.show()
            return
        self._server_errors[field] = message
        self._refresh_errors()

    def _clear_server(self, field: str) -> None:
        if self._server_errors.pop(field, None) is not None:
            self._refresh_errors()
        self.form_error.hide()

    def _refresh_errors(self, *, live: bool = True) -> None:
        errors = dict(self._server_errors)
        teeth = self.teeth_problem(live=live)
        if teeth and "teeth" not in errors:
            errors["teeth"] = teeth
        for field, label in self.error_labels.items():
            message = errors.get(field, "")
            label.setText(message)
            label.setVisible(bool(message))
        for field, widget in (
            ("dentist", self.dentist_combo),
            ("start", self.start_edit),
            ("duration", self.duration_spin),
            ("type", self.type_combo),
        ):
            set_invalid(widget, field in errors)

    def shown_errors(self) -> dict[str, str]:
        """The messages showing now, by field (and ``form`` for the banner)."""
        shown = {f: label.text() for f, label in self.error_labels.items() if label.isVisible()}
        if not self.form_error.isHidden():
            shown["form"] = self.form_error_text.text()
        return shown

    # -- booking -------------------------------------------------------------------------------
    def _local_errors(self) -> dict[str, str]:
        errors: dict[str, str] = {}
        if self._patient is None:
            errors["patient"] = "Choose the patient: type a name and pick them from the list"
        if not self._walk_in and self.dentist_combo.currentData() is None:
            errors["dentist"] = "Choose a dentist"
        teeth = self.teeth_problem()
        if teeth:
            errors["teeth"] = teeth
        return errors

    def start(self) -> datetime:
        day: date = self.date_edit.date().toPython()
        at: time = self.start_edit.time().toPython()
        return datetime.combine(day, at.replace(second=0, microsecond=0))

    def book(self) -> None:
        """Check what can be checked here, then ask the service to book."""
        if self._book_task is not None and not self._book_task.done:
            return
        self.form_error.hide()
        local = self._local_errors()
        self._server_errors = dict(local)
        self._refresh_errors(live=False)
        if local:
            return
        backend, actor = self._backend, self._actor
        patient = self._patient
        assert patient is not None
        services = [
            backend.requested_service(sid, teeth, surfaces)
            for sid, teeth, surfaces in self.services.requested()
        ]
        duration = self.duration_spin.value()
        reason = self.reason_edit.text().strip() or None
        if self._walk_in:

            def call(_report: Any) -> Any:
                return backend.scheduling.walk_in(
                    actor,
                    patient_id=patient.id,
                    services=services,
                    duration=duration,
                    reason=reason,
                )

        else:
            dentist_id = self.dentist_combo.currentData()
            start = self.start()
            kind = self.type_combo.currentData()

            def call(_report: Any) -> Any:
                return backend.scheduling.book_appointment(
                    actor,
                    patient_id=patient.id,
                    dentist_id=dentist_id,
                    start=start,
                    duration=duration,
                    services=services,
                    type=kind,
                    reason=reason,
                )

        self._set_busy(True)
        self._book_task = self._tasks.run(call, on_done=self._booked, on_error=self._refused)

    def _set_busy(self, busy: bool) -> None:
        self.book_button.setEnabled(not busy)
        self.busy_label.setText("Booking…" if busy else "")

    def _booked(self, appointment: Any) -> None:
        self._set_busy(False)
        self.booked_appointment = appointment
        self.accept()
        self.booked.emit(appointment)

    def _refused(self, error: BaseException) -> None:
        self._set_busy(False)
        if isinstance(error, DcmsError):
            self._show_field_error(error.field or "form", error.message)
            return
        log.error("booking failed", exc_info=error)
        self._show_field_error("form", GENERIC_FAILURE)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Ctrl+Enter books from anywhere; a plain Enter in a field (taking the patient
        found, a service) never books by surprise."""
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
                self.book()
                return
            if self.focusWidget() is not self.book_button:
                event.accept()
                return
        super().keyPressEvent(event)

    def reject(self) -> None:
        for task in (
            self._search_task,
            self._alert_task,
            self._chart_task,
            self._slots_task,
            self._book_task,
        ):
            if task is not None:
                task.cancel()
        super().reject()


def _message(error: BaseException, fallback: str) -> str:
    return error.message if isinstance(error, DcmsError) else fallback


def _make_alert_strip() -> Any:
    """P4-PAT's alert strip, when the Patients section has it."""
    try:
        from dcms_desktop.views.patients.alert_strip import AlertStrip
    except ImportError:
        return None
    return AlertStrip()
