"""The patient form: register a new patient or edit one, checked as the user types.

- Every keystroke asks ``PatientService.validate`` (no database) and puts each message
  in the label under its field (``error_<field>``). A field shows its message once it has
  been typed in, or after a Save; Save is off while a message is showing and refuses
  (showing every message) while anything is wrong.
- A new patient is first checked for possible duplicates; if there are any, the
  receptionist chooses between opening the existing patient and saving anyway.
- Saving runs off the UI thread. A refusal about one field goes under that field.
- When someone else saved the patient meanwhile (``StaleRecordError``) the form keeps
  every edit and says who saved when; "Reload their version" loads theirs and shows,
  under each field where the two differ, what the user had typed, to re-apply.
"""

from __future__ import annotations

import logging
import re
import uuid
from dataclasses import dataclass
from datetime import date, datetime

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QCloseEvent, QKeyEvent
from PySide6.QtWidgets import (
    QDialog,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from dcms_desktop.domain.contact import display_phone
from dcms_desktop.domain.errors import DcmsError, StaleRecordError
from dcms_desktop.domain.medical import medical_alerts
from dcms_desktop.domain.readmodels.people import Actor, PatientHit, User
from dcms_desktop.services.patients import PatientForm, PatientService
from dcms_desktop.views.patients.alert_strip import AlertStrip
from dcms_desktop.views.patients.duplicates_dialog import Choice, DuplicatesDialog
from dcms_desktop.views.tasks import TaskHandle, run_task

log = logging.getLogger(__name__)

_STYLE = """
QLabel[role="error"] { color: #ab091e; }
QLabel[role="hint"] { color: #627d98; }
QLabel[role="mine"] { color: #7c5e10; background: #fff8e1; padding: 2px 4px; }
QLabel.fieldLabel { font-weight: 600; color: #334e68; }
QPlainTextEdit[invalid="true"] { border: 1px solid #ab091e; }
QFrame#formBanner { border-radius: 4px; padding: 2px; }
QFrame#formBanner[level="conflict"] { background: #fff3c4; border: 1px solid #f0b429; }
QFrame#formBanner[level="error"] { background: #ffe3e3; border: 1px solid #e12d39; }
QFrame#formBanner[level="discard"] { background: #fff3c4; border: 1px solid #f0b429; }
QFrame#formBanner[level="info"] { background: #e6f6ff; border: 1px solid #8ed0f8; }
QFrame#formBanner QLabel { background: transparent; border: none; }
QLabel#formTitle { font-size: 14pt; font-weight: 600; color: #102a43; }
QLabel#requiredNote { color: #627d98; }
"""

BIRTH_FORMAT_MESSAGE = "Type the date as year-month-day, e.g. 1984-03-02."
_DATE = re.compile(r"^\s*(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})\s*$")


@dataclass(frozen=True)
class FieldSpec:
    """One input of the form."""

    name: str
    label: str
    placeholder: str = ""
    multiline: bool = False
    column: int = 0


FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec("first_name", "First name"),
    FieldSpec("last_name", "Last name"),
    FieldSpec("date_of_birth", "Date of birth", "YYYY-MM-DD, e.g. 1984-03-02"),
    FieldSpec("phone", "Phone", "e.g. 0917 555 0101"),
    FieldSpec("email", "Email", "name@example.com"),
    FieldSpec("address", "Address", "Street, town", multiline=True),
    FieldSpec("emergency_contact", "Emergency contact", "Name and relation", column=1),
    FieldSpec("emergency_phone", "Emergency phone", "e.g. 0917 555 0199", column=1),
    FieldSpec(
        "medical_history",
        "Medical history",
        "Allergies, conditions, medication, e.g. “Allergic to penicillin. Diabetes type 2.”",
        multiline=True,
        column=1,
    ),
)
FIELD_NAMES = tuple(spec.name for spec in FIELDS)


def parse_birth_date(text: str) -> date | None:
    """The date typed as year-month-day (``-``, ``/`` or ``.`` between), None when empty.

    Raises ``ValueError`` with a message for the user when it is not such a date.
    """
    if not text.strip():
        return None
    match = _DATE.match(text)
    if match is None:
        raise ValueError(BIRTH_FORMAT_MESSAGE)
    year, month, day = (int(part) for part in match.groups())
    try:
        return date(year, month, day)
    except ValueError:
        raise ValueError(f"There is no such date as {text.strip()}.") from None


def age_on(born: date, today: date) -> int:
    years = today.year - born.year
    return years - ((today.month, today.day) < (born.month, born.day))


def describe_moment(when: datetime | None, today: date) -> str:
    """ "at 10:42" today, "at 10:42 on 3 Mar" another day (local time)."""
    if when is None:
        return ""
    local = when.astimezone() if when.tzinfo else when
    if local.date() == today:
        return f"at {local:%H:%M}"
    return f"at {local:%H:%M} on {local.day} {local:%b %Y}"


def _user_values(user: User) -> dict[str, str]:
    values = {name: getattr(user, name) for name in FIELD_NAMES}
    values["date_of_birth"] = user.date_of_birth.isoformat() if user.date_of_birth else ""
    values["phone"] = display_phone(user.phone)
    values["emergency_phone"] = display_phone(user.emergency_phone)
    return {name: "" if value is None else str(value) for name, value in values.items()}


class _FocusWatcher(QObject):
    """Marks a field as touched when the user leaves it."""

    def __init__(self, form: PatientFormDialog) -> None:
        super().__init__(form)
        self._form = form

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.FocusOut:
            name = watched.property("field")
            if isinstance(name, str):
                self._form.touch(name)
        return False


class PatientFormDialog(QDialog):
    """Register a new patient (``patient=None``) or edit ``patient``."""

    saved = Signal(object)
    """The saved patient (a ``User``), after the dialog has closed itself."""
    open_existing = Signal(object)
    """The id of an existing patient the user chose to open instead of a new one."""

    def __init__(
        self,
        patients: PatientService,
        actor: Actor,
        patient: User | None = None,
        parent: QWidget | None = None,
        *,
        today: date | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("patientForm")
        self.setStyleSheet(_STYLE)
        self.setModal(True)
        self._patients = patients
        self._actor = actor
        self._patient = patient
        self._today = today or date.today()
        self._version = patient.version if patient else None
        self._original = _user_values(patient) if patient else dict.fromkeys(FIELD_NAMES, "")
        self._typed: set[str] = set()
        self._touched: set[str] = set()
        self._submitted = False
        self._server_errors: dict[str, str] = {}
        self._errors: dict[str, str] = {}
        self._task: TaskHandle | None = None
        self._busy = False
        self._mine: dict[str, str] = {}
        self._theirs_changed: dict[str, str] = {}
        """Fields the other workstation changed (after a reload) -> what they were before."""
        self._saved_by = ""
        self.duplicates_dialog: DuplicatesDialog | None = None
        self.saved_patient: User | None = None

        self.setWindowTitle(f"Edit {patient.full_name}" if patient else "New patient")
        self.inputs: dict[str, QLineEdit | QPlainTextEdit] = {}
        self.error_labels: dict[str, QLabel] = {}
        self.mine_labels: dict[str, QLabel] = {}
        self._field_titles: dict[str, QLabel] = {}
        self._watcher = _FocusWatcher(self)
        self._build()
        self._required = self._find_required()
        self._mark_required()
        self._load(self._original)
        self._revalidate()

    # -- building --------------------------------------------------------------------------
    def _build(self) -> None:
        outer = QVBoxLayout(self)
        outer.setContentsMargins(22, 18, 22, 16)
        outer.setSpacing(10)
        title = QLabel(self.windowTitle())
        title.setObjectName("formTitle")
        outer.addWidget(title)
        self.banner = self._build_banner()
        outer.addWidget(self.banner)

        grid = QGridLayout()
        grid.setHorizontalSpacing(28)
        grid.setVerticalSpacing(0)
        columns: list[QVBoxLayout] = [QVBoxLayout(), QVBoxLayout()]
        for column in columns:
            column.setSpacing(2)
        for spec in FIELDS:
            self._add_field(columns[spec.column], spec)
        for index, column in enumerate(columns):
            column.addStretch(1)
            grid.addLayout(column, 0, index)
        grid.setColumnStretch(0, 1)
        grid.setColumnStretch(1, 1)
        outer.addLayout(grid, 1)

        self.required_note = QLabel("* must be filled in")
        self.required_note.setObjectName("requiredNote")
        buttons = QHBoxLayout()
        buttons.addWidget(self.required_note)
        buttons.addStretch(1)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setObjectName("cancelButton")
        self.cancel_button.setAutoDefault(False)
        self.cancel_button.clicked.connect(self.reject)
        self.save_button = QPushButton("Save patient" if self._patient is None else "Save")
        self.save_button.setObjectName("saveButton")
        self.save_button.setProperty("primary", True)
        self.save_button.setDefault(True)
        self.save_button.clicked.connect(self.save)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.save_button)
        outer.addLayout(buttons)
        self.resize(900, max(560, self.sizeHint().height()))

    def _build_banner(self) -> QFrame:
        banner = QFrame()
        banner.setObjectName("formBanner")
        row = QHBoxLayout(banner)
        row.setContentsMargins(12, 8, 8, 8)
        self.banner_text = QLabel("")
        self.banner_text.setObjectName("bannerText")
        self.banner_text.setWordWrap(True)
        self.reload_button = QPushButton("Reload their version")
        self.reload_button.setObjectName("reloadTheirs")
        self.reload_button.setAutoDefault(False)
        self.reload_button.clicked.connect(self.reload_theirs)
        self.use_all_mine_button = QPushButton("Use all my edits")
        self.use_all_mine_button.setObjectName("useAllMine")
        self.use_all_mine_button.setAutoDefault(False)
        self.use_all_mine_button.clicked.connect(self.use_all_mine)
        self.discard_button = QPushButton("Discard changes")
        self.discard_button.setObjectName("discardChanges")
        self.discard_button.setAutoDefault(False)
        self.discard_button.clicked.connect(self.discard)
        row.addWidget(self.banner_text, 1)
        row.addWidget(self.reload_button)
        row.addWidget(self.use_all_mine_button)
        row.addWidget(self.discard_button)
        banner.hide()
        return banner

    def _add_field(self, column: QVBoxLayout, spec: FieldSpec) -> None:
        title = QLabel(spec.label)
        title.setProperty("class", "fieldLabel")
        title.setObjectName(f"label_{spec.name}")
        widget: QLineEdit | QPlainTextEdit
        if spec.multiline:
            widget = QPlainTextEdit()
            widget.setTabChangesFocus(True)
            widget.setFixedHeight(170 if spec.name == "medical_history" else 56)
            widget.setPlaceholderText(spec.placeholder)
            widget.textChanged.connect(lambda n=spec.name: self._edited(n))
        else:
            widget = QLineEdit()
            widget.setPlaceholderText(spec.placeholder)
            widget.textEdited.connect(lambda _text, n=spec.name: self._edited(n))
        widget.setObjectName(spec.name)
        widget.setProperty("field", spec.name)
        widget.setAccessibleName(spec.label)
        widget.installEventFilter(self._watcher)
        title.setBuddy(widget)
        error = QLabel("")
        error.setObjectName(f"error_{spec.name}")
        error.setProperty("role", "error")
        error.setWordWrap(True)
        error.setMinimumHeight(18)
        mine = QLabel("")
        mine.setObjectName(f"mine_{spec.name}")
        mine.setProperty("role", "mine")
        mine.setWordWrap(True)
        mine.setTextFormat(Qt.TextFormat.RichText)
        mine.linkActivated.connect(lambda _link, n=spec.name: self.use_mine(n))
        mine.hide()
        column.addWidget(title)
        column.addWidget(widget)
        column.addWidget(mine)
        column.addWidget(error)
        if spec.name == "medical_history":
            self.alert_preview = AlertStrip()
            self.alert_preview.setAccessibleName("Medical alerts this history will raise")
            column.addWidget(self.alert_preview)
        column.addSpacing(4)
        self.inputs[spec.name] = widget
        self.error_labels[spec.name] = error
        self.mine_labels[spec.name] = mine
        self._field_titles[spec.name] = title

    def _find_required(self) -> set[str]:
        """The fields the service refuses empty (its messages for an empty form)."""
        try:
            return set(self._patients.validate(self._make_form(dict.fromkeys(FIELD_NAMES, ""))))
        except Exception:  # a form must open even if the rules can't be asked
            log.exception("could not ask which patient fields are required")
            return set()

    def _mark_required(self) -> None:
        for spec in FIELDS:
            mark = " *" if spec.name in self._required else ""
            self._field_titles[spec.name].setText(spec.label + mark)
        self.required_note.setVisible(bool(self._required))

    # -- values ----------------------------------------------------------------------------
    def values(self) -> dict[str, str]:
        """What is typed in each field."""
        result: dict[str, str] = {}
        for name, widget in self.inputs.items():
            result[name] = (
                widget.toPlainText() if isinstance(widget, QPlainTextEdit) else widget.text()
            )
        return result

    def set_value(self, name: str, text: str) -> None:
        """Put ``text`` in field ``name`` as if typed (tests, "use mine")."""
        widget = self.inputs[name]
        if isinstance(widget, QPlainTextEdit):
            widget.setPlainText(text)  # emits textChanged -> _edited
        else:
            widget.setText(text)
            self._edited(name)

    def _load(self, values: dict[str, str]) -> None:
        for name, text in values.items():
            widget = self.inputs[name]
            widget.blockSignals(True)
            if isinstance(widget, QPlainTextEdit):
                widget.setPlainText(text)
            else:
                widget.setText(text)
            widget.blockSignals(False)

    def _make_form(self, values: dict[str, str]) -> PatientForm:
        try:
            born = parse_birth_date(values["date_of_birth"])
        except ValueError:
            born = None
        fields = {name: values[name] for name in FIELD_NAMES if name != "date_of_birth"}
        return PatientForm(date_of_birth=born, **fields)

    def form(self) -> PatientForm:
        """The ``PatientForm`` of what is typed."""
        return self._make_form(self.values())

    @property
    def is_dirty(self) -> bool:
        return self.values() != self._original

    # -- validation ------------------------------------------------------------------------
    def _edited(self, name: str) -> None:
        # A field's message shows once the user has typed in it and left it (or saved);
        # from then on it follows every keystroke, so a fix clears it at once.
        self._typed.add(name)
        self._hide_banner_if("discard")
        self._server_errors.pop(name, None)
        self._update_mine(name)
        self._revalidate()

    def touch(self, name: str) -> None:
        """The user left field ``name``: its message shows if they had typed in it."""
        if name in self._typed and name not in self._touched:
            self._touched.add(name)
            self._revalidate()

    def errors(self) -> dict[str, str]:
        """Every problem with what is typed (shown or not yet), field -> message."""
        return dict(self._errors)

    def _revalidate(self) -> None:
        values = self.values()
        try:
            errors = dict(self._patients.validate(self._make_form(values)))
        except Exception:
            log.exception("validating the patient form failed")
            errors = {}
        try:
            parse_birth_date(values["date_of_birth"])
        except ValueError as exc:
            errors["date_of_birth"] = str(exc)
        errors.update(self._server_errors)
        self._errors = errors
        self._show_errors(values)
        self.alert_preview.set_alerts(medical_alerts(values["medical_history"]))

    def _visible(self, name: str) -> bool:
        return self._submitted or name in self._touched or name in self._server_errors

    def _show_errors(self, values: dict[str, str]) -> None:
        shown = False
        for name in FIELD_NAMES:
            label = self.error_labels[name]
            message = self._errors.get(name, "") if self._visible(name) else ""
            role = "error"
            if not message and name in self._theirs_changed:
                message, role = self._their_change(name), "hint"
            if not message and name == "date_of_birth":
                message, role = self._age_hint(values[name]), "hint"
            shown = shown or (role == "error" and bool(message))
            _set_role(label, role)
            label.setText(message)
            widget = self.inputs[name]
            widget.setProperty("invalid", role == "error" and bool(message))
            _repolish(widget)
        self.save_button.setEnabled(not shown and not self._busy)

    def _their_change(self, name: str) -> str:
        before = self._theirs_changed[name]
        if len(before) > 60:
            before = before[:57] + "…"
        return (
            f"Changed by {self._saved_by} (it was “{before}”)"
            if before
            else (f"Filled in by {self._saved_by}")
        )

    def _age_hint(self, text: str) -> str:
        try:
            born = parse_birth_date(text)
        except ValueError:
            return ""
        if born is None or born > self._today:
            return ""
        return f"Age {age_on(born, self._today)}"

    def shown_errors(self) -> dict[str, str]:
        """The messages showing under the fields now."""
        return {
            name: label.text()
            for name, label in self.error_labels.items()
            if label.text() and label.property("role") == "error"
        }

    # -- saving ----------------------------------------------------------------------------
    def save(self) -> None:
        """Check everything; then look for duplicates (new patients) and save."""
        if self._busy:
            return
        self._submitted = True
        self._revalidate()
        if self._errors:
            first = next(name for name in FIELD_NAMES if name in self._errors)
            self.inputs[first].setFocus()
            count = len(self._errors)
            self._show_banner(
                "error",
                "Please fix the field marked in red."
                if count == 1
                else f"Please fix the {count} fields marked in red.",
            )
            return
        self._hide_banner_if("error")
        if self._patient is None:
            self._check_duplicates()
        else:
            self._store()

    def _set_busy(self, busy: bool, text: str = "") -> None:
        self._busy = busy
        self.save_button.setText(text or ("Save patient" if self._patient is None else "Save"))
        self.save_button.setEnabled(not busy and not self.shown_errors())
        self.cancel_button.setEnabled(not busy)
        self.reload_button.setEnabled(not busy)

    def _check_duplicates(self) -> None:
        form = self.form()
        self._set_busy(True, "Checking…")
        self._task = run_task(
            lambda _report: self._patients.possible_duplicates(self._actor, form),
            owner=self,
            on_done=self._duplicates_found,
            on_error=self._failed,
        )

    def _duplicates_found(self, hits: tuple[PatientHit, ...]) -> None:
        self._set_busy(False)
        if not hits:
            self._store()
            return
        values = self.values()
        name = f"{values['first_name']} {values['last_name']}".strip()
        dialog = DuplicatesDialog(tuple(hits), name, self)
        self.duplicates_dialog = dialog
        dialog.finished.connect(lambda _result: self._duplicates_decided(dialog))
        dialog.open()

    def _duplicates_decided(self, dialog: DuplicatesDialog) -> None:
        self.duplicates_dialog = None
        dialog.deleteLater()
        if dialog.choice is Choice.OPEN and dialog.chosen_id is not None:
            chosen: uuid.UUID = dialog.chosen_id
            self._close_without_asking()
            self.open_existing.emit(chosen)
        elif dialog.choice is Choice.SAVE_ANYWAY:
            self._store()

    def _store(self) -> None:
        form = self.form()
        patients, actor = self._patients, self._actor
        if self._patient is None:
            work = lambda _report: patients.create_patient(actor, form)  # noqa: E731
        else:
            patient_id, version = self._patient.id, self._version
            work = lambda _report: patients.update_patient(  # noqa: E731
                actor, patient_id, form, expected_version=version
            )
        self._set_busy(True, "Saving…")
        self._task = run_task(work, owner=self, on_done=self._stored, on_error=self._failed)

    def _stored(self, user: User) -> None:
        self._set_busy(False)
        self.saved_patient = user
        self._close_without_asking()
        self.saved.emit(user)

    def _failed(self, error: BaseException) -> None:
        self._set_busy(False)
        if isinstance(error, StaleRecordError):
            self._conflict(error)
            return
        if isinstance(error, DcmsError):
            by_field = dict(getattr(error, "errors", None) or {})
            if error.field:
                by_field.setdefault(error.field, error.message)
            by_field = {name: text for name, text in by_field.items() if name in self.inputs}
            if by_field:
                self._server_errors.update(by_field)
                self._revalidate()
                self.inputs[next(n for n in FIELD_NAMES if n in by_field)].setFocus()
                self._hide_banner_if("error")
                return
            self._show_banner("error", error.message)
            return
        log.error("saving a patient failed", exc_info=error)
        self._show_banner(
            "error",
            "The patient could not be saved because of an unexpected problem; nothing was "
            "changed. Try again, and tell the administrator if it happens again.",
        )
        self._revalidate()

    # -- someone else saved first ------------------------------------------------------------
    def _conflict(self, error: StaleRecordError) -> None:
        who = error.changed_by or "Someone at another workstation"
        self._saved_by = error.changed_by or "the other workstation"
        when = describe_moment(error.changed_at, self._today)
        name = self._patient.full_name if self._patient else "this patient"
        self._show_banner(
            "conflict",
            f"{who} saved {name} {when} while you were editing, so your changes were not "
            "saved. Everything you typed is still here. Reload their version to see what "
            "they changed, then re-apply yours and save.".replace("  ", " "),
            reload=True,
        )

    def reload_theirs(self) -> None:
        """Read the patient as saved now; keep what the user typed to re-apply."""
        if self._patient is None or self._busy:
            return
        mine = self.values()
        patient_id = self._patient.id
        self._set_busy(True, "Loading…")
        self._task = run_task(
            lambda _report: self._patients.get(self._actor, patient_id),
            owner=self,
            on_done=lambda theirs: self._reloaded(theirs, mine),
            on_error=self._reload_failed,
        )

    def _reloaded(self, theirs: User, mine: dict[str, str]) -> None:
        self._set_busy(False)
        self._patient = theirs
        self._version = theirs.version
        their_values = _user_values(theirs)
        mine_changed = {
            name: text
            for name, text in mine.items()
            if text != self._original[name] and text != their_values[name]
        }
        self._theirs_changed = {
            name: before for name, before in self._original.items() if their_values[name] != before
        }
        self._original = their_values
        self._load(their_values)
        self._server_errors.clear()
        self._mine = mine_changed
        for name in FIELD_NAMES:
            self._update_mine(name)
        self._revalidate()
        if mine_changed:
            self._show_banner(
                "info",
                "Their version is loaded. Under each field you had changed, your text is "
                "shown: click “Use mine” where yours should win, then save.",
                use_all=True,
            )
        else:
            self._show_banner("info", "Their version is loaded. Nothing you typed differs.")

    def _reload_failed(self, error: BaseException) -> None:
        self._set_busy(False)
        message = error.message if isinstance(error, DcmsError) else "Reading it failed."
        self._show_banner("error", f"Their version could not be read: {message}")

    def _update_mine(self, name: str) -> None:
        label = self.mine_labels[name]
        text = self._mine.get(name)
        if text is None or text == self.values()[name]:
            label.hide()
            return
        preview = text if len(text) <= 80 else text[:77] + "…"
        shown = _escape(preview) if preview else "<i>(empty)</i>"
        label.setText(f"Yours: {shown} &nbsp;<a href='use'>Use mine</a>")
        label.show()

    def use_mine(self, name: str) -> None:
        """Put back what the user had typed in ``name`` before reloading."""
        if name in self._mine:
            self.set_value(name, self._mine[name])
            self._update_mine(name)

    def use_all_mine(self) -> None:
        for name in list(self._mine):
            self.use_mine(name)
        self.banner.hide()

    def mine(self) -> dict[str, str]:
        """The user's own edits still offered for re-applying (field -> text)."""
        return {n: t for n, t in self._mine.items() if not self.mine_labels[n].isHidden()}

    # -- banner ----------------------------------------------------------------------------
    def _show_banner(
        self,
        level: str,
        text: str,
        *,
        reload: bool = False,
        use_all: bool = False,
        discard: bool = False,
    ) -> None:
        self.banner.setProperty("level", level)
        self.banner_text.setText(text)
        self.reload_button.setVisible(reload)
        self.use_all_mine_button.setVisible(use_all)
        self.discard_button.setVisible(discard)
        _repolish(self.banner)
        self.banner.show()

    def _hide_banner_if(self, level: str) -> None:
        if self.banner.property("level") == level:
            self.banner.hide()

    def banner_message(self) -> str:
        return "" if self.banner.isHidden() else self.banner_text.text()

    # -- closing ---------------------------------------------------------------------------
    def _close_without_asking(self) -> None:
        self._original = self.values()
        self.accept()

    def reject(self) -> None:
        """Cancel. With unsaved typing, the first Cancel/Esc asks (in the banner) and the
        second one closes."""
        if self._busy:
            return
        if self.is_dirty and self.banner.property("level") != "discard":
            self._show_banner(
                "discard",
                "Close without saving? What you typed will be lost. Press Cancel again, "
                "or “Discard changes”, to close; or keep editing.",
                discard=True,
            )
            return
        super().reject()

    def discard(self) -> None:
        """Close and lose what was typed."""
        if not self._busy:
            super().reject()

    def closeEvent(self, event: QCloseEvent) -> None:
        if self._busy:
            event.ignore()
            return
        super().closeEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape:
            self.reject()
            return
        super().keyPressEvent(event)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _set_role(label: QLabel, role: str) -> None:
    if label.property("role") != role:
        label.setProperty("role", role)
        _repolish(label)


def _repolish(widget: QWidget) -> None:
    widget.style().unpolish(widget)
    widget.style().polish(widget)
