"""The Schedule section: the appointment book's day and week views and what acts on them.

Toolbar: Today, previous, next, a date picker, day/week, the dentist (week view), the
grid (5/10/15 minutes, from the clinic's settings), show cancelled and no-shows, a
filter that dims the visits that don't match, New (Ctrl+N), Walk-in, Print day list.
Under the book, the selected visit with its status actions, and the colour legend.

Every service call runs off the UI thread (views/tasks.run_task). Another workstation's
change arrives on the event bus in another thread; a relay (views/patients/live.py)
re-emits it as a Qt signal on the UI thread, and the page reloads what it shows
(coalesced over 150 ms, so within a second). Moves can be undone with Ctrl+Z.
"""

from __future__ import annotations

import logging
import uuid
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from PySide6.QtCore import QDate, QPoint, Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QMessageBox,
    QPushButton,
    QStackedWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from dcms_desktop.domain.errors import DcmsError
from dcms_desktop.domain.permissions import Action, is_allowed
from dcms_desktop.domain.readmodels.people import Actor
from dcms_desktop.domain.readmodels.scheduling import ScheduleEntry
from dcms_desktop.services.context import ServiceContext
from dcms_desktop.views.patients.live import ChangeRelay
from dcms_desktop.views.schedule.backend import ScheduleBackend
from dcms_desktop.views.schedule.booking_dialog import (
    BookingDialog,
    BookingDraft,
    DentistChoice,
    index_of,
)
from dcms_desktop.views.schedule.day_view import DayView, DentistColumn
from dcms_desktop.views.schedule.geometry import GRID_CHOICES, OPENING_MINUTE
from dcms_desktop.views.schedule.grid_view import (
    BookingRequest,
    MoveRequest,
    ScheduleGridView,
    describe_entry,
)
from dcms_desktop.views.schedule.legend import Legend
from dcms_desktop.views.schedule.status_actions import (
    ASKS_TO_BE_SURE,
    CancelDialog,
    StatusActions,
    StatusKind,
    done_message,
    perform,
    short_supply_box,
    sure_question,
)
from dcms_desktop.views.schedule.task_group import TaskGroup
from dcms_desktop.views.schedule.undo import MoveHistory, MoveRecord
from dcms_desktop.views.schedule.week_view import WeekView, monday_of
from dcms_desktop.views.tasks import TaskHandle

log = logging.getLogger(__name__)

DAY, WEEK = "day", "week"
REFRESH_DELAY_MS = 150
NOW_TICK_MS = 30_000
DEFAULT_GRID = 15
REFRESHING_ENTITIES = frozenset({"appointment", "patient", "user", "*"})

_STYLE = """
QLabel#scheduleTitle { font-size: 15pt; font-weight: 600; color: #102a43; }
QFrame#scheduleMessage { border-radius: 4px; }
QFrame#scheduleMessage[level="info"] { background: #e3f8ff; border: 1px solid #40c3f7; }
QFrame#scheduleMessage[level="error"] { background: #ffe3e3; border: 1px solid #e12d39; }
QFrame#scheduleMessage QLabel { background: transparent; border: none; }
QFrame#scheduleMessage[level="error"] QLabel { color: #8a041a; }
QFrame#scheduleMessage[level="info"] QLabel { color: #0b4f71; }
QFrame#selectionBar { background: #ffffff; border: 1px solid #d9e2ec; border-radius: 4px; }
QLabel#selectionText { color: #102a43; }
QToolButton[segment="true"] {
    border: 1px solid #9fb3c8; padding: 4px 12px; background: #ffffff;
}
QToolButton[segment="true"]:checked { background: #2680c2; color: #ffffff; border-color: #186faf; }
"""


def _message(error: BaseException, fallback: str) -> str:
    return error.message if isinstance(error, DcmsError) else fallback


def _day_title(day: date, today: date) -> str:
    words = f"{day:%A} {day.day} {day:%B %Y}"
    if day == today:
        return f"Today, {words}"
    if day == today + timedelta(days=1):
        return f"Tomorrow, {words}"
    if day == today - timedelta(days=1):
        return f"Yesterday, {words}"
    return words


class SchedulePage(QWidget):
    """The appointment book (see the module docstring)."""

    loaded = Signal()
    """The view shows fresh data (tests wait for it)."""
    message_shown = Signal(str)

    def __init__(
        self,
        context: ServiceContext | None,
        actor: Actor,
        parent: QWidget | None = None,
        *,
        backend: Any = None,
    ) -> None:
        """``backend`` replaces the services built from ``context`` (a test's fake)."""
        super().__init__(parent)
        self.setObjectName("page_schedule")
        self.setStyleSheet(_STYLE)
        if backend is None:
            assert context is not None, "SchedulePage needs a context or a backend"
            backend = ScheduleBackend(context)
        self.backend = backend
        self.actor = actor
        self._mode = DAY
        self._day = backend.local_now().date()
        self._dentists: tuple[DentistColumn, ...] = ()
        self._week_dentist: uuid.UUID | None = None
        self._grid: int | None = None
        self._tasks = TaskGroup(self)
        self._load_task: TaskHandle | None = None
        self._scrolled_for: tuple[str, date] | None = None
        self._move_history = MoveHistory()
        self._select_after_load: uuid.UUID | None = None
        self.can_book = is_allowed(actor.role, Action.BOOK_APPOINTMENT)
        self.dialog: BookingDialog | None = None
        self.cancel_dialog: CancelDialog | None = None
        self.question: QMessageBox | None = None
        self.short_supply: QMessageBox | None = None
        self._build()

        self._refresh_timer = QTimer(self)
        self._refresh_timer.setSingleShot(True)
        self._refresh_timer.setInterval(REFRESH_DELAY_MS)
        self._refresh_timer.timeout.connect(self.refresh)
        self._now_timer = QTimer(self)
        self._now_timer.setInterval(NOW_TICK_MS)
        self._now_timer.timeout.connect(self._tick)
        self._now_timer.start()
        self.relay = ChangeRelay(getattr(backend, "bus", None), self)
        self.relay.changed.connect(self._on_change)
        self.refresh()

    # -- building ----------------------------------------------------------------------------
    def _build(self) -> None:
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 12, 16, 10)
        layout.setSpacing(8)
        layout.addLayout(self._build_title_row())
        layout.addLayout(self._build_toolbar())

        self.message = QFrame()
        self.message.setObjectName("scheduleMessage")
        message_row = QHBoxLayout(self.message)
        message_row.setContentsMargins(10, 5, 6, 5)
        self.message_text = QLabel("")
        self.message_text.setObjectName("scheduleMessageText")
        self.message_text.setWordWrap(True)
        close = QToolButton()
        close.setText("✕")
        close.setAutoRaise(True)
        close.setAccessibleName("Dismiss the message")
        close.clicked.connect(self.message.hide)
        message_row.addWidget(self.message_text, 1)
        message_row.addWidget(close)
        self.message.hide()
        layout.addWidget(self.message)

        self.day_view = DayView()
        self.week_view = WeekView()
        self.status_actions = StatusActions(self.actor.role, self)
        self.status_actions.requested.connect(self._status_requested)
        for view in (self.day_view, self.week_view):
            view.book_enabled = self.can_book
            view.move_enabled = self.can_book
            view.book_requested.connect(self._book_requested)
            view.move_requested.connect(self._move_requested)
            view.selection_changed.connect(self._selection_changed)
            view.context_menu_requested.connect(self._context_menu)
            self.status_actions.attach(view)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.day_view)
        self.stack.addWidget(self.week_view)
        layout.addWidget(self.stack, 1)
        layout.addWidget(self._build_selection_bar())
        self.legend = Legend()
        layout.addWidget(self.legend)

        new_shortcut = QShortcut(QKeySequence("Ctrl+N"), self)
        new_shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        new_shortcut.activated.connect(self.new_appointment)
        undo_shortcut = QShortcut(QKeySequence(QKeySequence.StandardKey.Undo), self)
        undo_shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        undo_shortcut.activated.connect(self.undo_move)
        self.undo_shortcut = undo_shortcut

    def _build_title_row(self) -> QHBoxLayout:
        row = QHBoxLayout()
        self.title = QLabel("")
        self.title.setObjectName("scheduleTitle")
        row.addWidget(self.title, 1)
        self.new_button = QPushButton("&New appointment")
        self.new_button.setObjectName("newAppointmentButton")
        self.new_button.setToolTip("Book a visit (Ctrl+N)")
        self.new_button.setProperty("primary", True)
        self.new_button.clicked.connect(self.new_appointment)
        self.walk_in_button = QPushButton("&Walk-in")
        self.walk_in_button.setObjectName("walkInButton")
        self.walk_in_button.setToolTip("Book now with the first free dentist")
        self.walk_in_button.clicked.connect(self.walk_in)
        self.print_button = QPushButton("&Print day list…")
        self.print_button.setObjectName("printDayListButton")
        self.print_button.setToolTip("Save the day's list (PDF) to print")
        self.print_button.clicked.connect(self.print_day_list)
        for button in (self.new_button, self.walk_in_button):
            button.setEnabled(self.can_book)
        row.addWidget(self.new_button)
        row.addWidget(self.walk_in_button)
        row.addWidget(self.print_button)
        return row

    def _build_toolbar(self) -> QHBoxLayout:
        row = QHBoxLayout()
        row.setSpacing(6)
        self.today_button = QPushButton("T&oday")
        self.today_button.setObjectName("todayButton")
        self.today_button.clicked.connect(self.go_today)
        self.previous_button = QToolButton()
        self.previous_button.setObjectName("previousButton")
        self.previous_button.setText("◀")
        self.previous_button.setAccessibleName("Previous day")
        self.previous_button.setToolTip("Previous day (Alt+Left)")
        self.previous_button.setShortcut(QKeySequence("Alt+Left"))
        self.previous_button.clicked.connect(lambda: self.step(-1))
        self.next_button = QToolButton()
        self.next_button.setObjectName("nextButton")
        self.next_button.setText("▶")
        self.next_button.setAccessibleName("Next day")
        self.next_button.setToolTip("Next day (Alt+Right)")
        self.next_button.setShortcut(QKeySequence("Alt+Right"))
        self.next_button.clicked.connect(lambda: self.step(1))
        self.date_edit = QDateEdit(_qdate(self._day))
        self.date_edit.setObjectName("scheduleDate")
        self.date_edit.setCalendarPopup(True)
        self.date_edit.setDisplayFormat("ddd d MMM yyyy")
        self.date_edit.setAccessibleName("Day shown")
        self.date_edit.dateChanged.connect(lambda d: self.show_day(d.toPython()))
        for widget in (self.today_button, self.previous_button, self.date_edit, self.next_button):
            row.addWidget(widget)
        row.addSpacing(10)

        self.day_button = QToolButton()
        self.day_button.setObjectName("dayModeButton")
        self.day_button.setText("Day")
        self.week_button = QToolButton()
        self.week_button.setObjectName("weekModeButton")
        self.week_button.setText("Week")
        self.mode_group = QButtonGroup(self)
        for button in (self.day_button, self.week_button):
            button.setCheckable(True)
            button.setProperty("segment", True)
            self.mode_group.addButton(button)
            row.addWidget(button)
        self.day_button.setChecked(True)
        self.day_button.clicked.connect(lambda: self.set_mode(DAY))
        self.week_button.clicked.connect(lambda: self.set_mode(WEEK))
        self.dentist_combo = QComboBox()
        self.dentist_combo.setObjectName("weekDentistCombo")
        self.dentist_combo.setAccessibleName("Dentist of the week view")
        self.dentist_combo.setMinimumContentsLength(14)
        self.dentist_combo.currentIndexChanged.connect(self._week_dentist_chosen)
        self.dentist_combo.setVisible(False)
        row.addWidget(self.dentist_combo)
        row.addSpacing(10)

        grid_label = QLabel("&Grid")
        self.grid_combo = QComboBox()
        self.grid_combo.setObjectName("gridCombo")
        self.grid_combo.setAccessibleName("Grid step")
        for minutes in GRID_CHOICES:
            self.grid_combo.addItem(f"{minutes} min", minutes)
        self.grid_combo.setCurrentIndex(GRID_CHOICES.index(DEFAULT_GRID))
        self.grid_combo.currentIndexChanged.connect(
            lambda _i: self.set_grid_minutes(int(self.grid_combo.currentData()))
        )
        grid_label.setBuddy(self.grid_combo)
        row.addWidget(grid_label)
        row.addWidget(self.grid_combo)
        self.show_cancelled = QCheckBox("Show &cancelled / no-shows")
        self.show_cancelled.setObjectName("showCancelledCheck")
        self.show_cancelled.setChecked(True)
        self.show_cancelled.toggled.connect(self._show_cancelled_toggled)
        row.addWidget(self.show_cancelled)
        row.addStretch(1)
        self.filter_edit = QLineEdit()
        self.filter_edit.setObjectName("scheduleFilter")
        self.filter_edit.setPlaceholderText("Find in the book: patient, service…")
        self.filter_edit.setAccessibleName("Find a visit in the book")
        self.filter_edit.setClearButtonEnabled(True)
        self.filter_edit.setMinimumWidth(200)
        self.filter_edit.textChanged.connect(self._filter_changed)
        self.filter_edit.returnPressed.connect(self._jump_to_match)
        row.addWidget(self.filter_edit)
        return row

    def _build_selection_bar(self) -> QFrame:
        bar = QFrame()
        bar.setObjectName("selectionBar")
        row = QHBoxLayout(bar)
        row.setContentsMargins(10, 4, 6, 4)
        self.selection_text = QLabel("Select a visit to see it here; right-click for its actions.")
        self.selection_text.setObjectName("selectionText")
        self.selection_text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        row.addWidget(self.selection_text, 1)
        self.action_buttons: dict[StatusKind, QToolButton] = {}
        for kind, action in self.status_actions.actions.items():
            button = QToolButton()
            button.setObjectName(f"{kind.value}Button")
            button.setDefaultAction(action)
            button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
            self.action_buttons[kind] = button
            row.addWidget(button)
        return bar

    # -- what is shown ---------------------------------------------------------------------------
    def current_view(self) -> ScheduleGridView:
        return self.day_view if self._mode == DAY else self.week_view

    def mode(self) -> str:
        return self._mode

    def day(self) -> date:
        return self._day

    def grid_minutes(self) -> int:
        return self._grid or DEFAULT_GRID

    def show_day(self, day: date) -> None:
        """Show ``day`` (in the week view: its week)."""
        if day == self._day:
            return
        self._day = day
        self._move_history.clear()
        if self.date_edit.date().toPython() != day:
            self.date_edit.blockSignals(True)
            self.date_edit.setDate(_qdate(day))
            self.date_edit.blockSignals(False)
        self._update_title()
        self.refresh()

    def go_today(self) -> None:
        self.show_day(self.backend.local_now().date())

    def step(self, direction: int) -> None:
        """Previous (-1) or next (+1) day, or week in the week view."""
        days = 7 if self._mode == WEEK else 1
        self.show_day(self._day + timedelta(days=days * direction))

    def set_mode(self, mode: str) -> None:
        if mode == self._mode:
            return
        self._mode = mode
        self.day_button.setChecked(mode == DAY)
        self.week_button.setChecked(mode == WEEK)
        self.dentist_combo.setVisible(mode == WEEK)
        what = "week" if mode == WEEK else "day"
        self.previous_button.setAccessibleName(f"Previous {what}")
        self.previous_button.setToolTip(f"Previous {what} (Alt+Left)")
        self.next_button.setAccessibleName(f"Next {what}")
        self.next_button.setToolTip(f"Next {what} (Alt+Right)")
        self.stack.setCurrentWidget(self.current_view())
        self._update_title()
        self._selection_changed(self.current_view().selected_entry())
        self.refresh()

    def show_week_of(self, dentist_id: uuid.UUID) -> None:
        """Switch to ``dentist_id``'s week."""
        self._week_dentist = dentist_id
        index = index_of(self.dentist_combo, dentist_id)
        if index >= 0:
            self.dentist_combo.setCurrentIndex(index)
        if self._mode != WEEK:
            self.set_mode(WEEK)
        else:
            self.refresh()

    def _week_dentist_chosen(self, _index: int) -> None:
        dentist_id = self.dentist_combo.currentData()
        if dentist_id is not None and dentist_id != self._week_dentist:
            self._week_dentist = dentist_id
            if self._mode == WEEK:
                self.refresh()

    def set_grid_minutes(self, minutes: int) -> None:
        self._grid = minutes
        index = self.grid_combo.findData(minutes)
        if index >= 0 and index != self.grid_combo.currentIndex():
            self.grid_combo.blockSignals(True)
            self.grid_combo.setCurrentIndex(index)
            self.grid_combo.blockSignals(False)
        for view in (self.day_view, self.week_view):
            view.set_grid_minutes(minutes)

    def _show_cancelled_toggled(self, show: bool) -> None:
        for view in (self.day_view, self.week_view):
            view.set_show_inactive(show)

    def _filter_changed(self, text: str) -> None:
        for view in (self.day_view, self.week_view):
            view.set_filter(text)

    def _jump_to_match(self) -> None:
        view = self.current_view()
        matches = view.matching_entries()
        if self.filter_edit.text().strip() and matches:
            first = min(matches, key=lambda e: (e.start, e.patient_name))
            view.select_appointment(first.id)
            view.scroll_to_minute(first.time.hour * 60 + first.time.minute)
            view.setFocus()

    def _update_title(self) -> None:
        today = self.backend.local_now().date()
        if self._mode == DAY:
            self.title.setText(_day_title(self._day, today))
        else:
            monday = monday_of(self._day)
            sunday = monday + timedelta(days=6)
            name = self.dentist_combo.currentText()
            span = f"{monday.day} {monday:%b} – {sunday.day} {sunday:%b %Y}"
            self.title.setText(f"{name} · week of {span}" if name else f"Week of {span}")

    # -- loading -----------------------------------------------------------------------------
    def focus_search(self) -> None:
        """Ctrl+F: the filter of the book."""
        self.filter_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.filter_edit.selectAll()

    def refresh(self) -> None:
        """Reload the dentists and what the book shows, in the background."""
        self._refresh_timer.stop()
        if self._load_task is not None:
            self._load_task.cancel()
        backend, actor = self.backend, self.actor
        mode, day, dentist = self._mode, self._day, self._week_dentist
        need_grid = self._grid is None

        def load(_report: Any) -> tuple[Any, ...]:
            grid = backend.scheduling.grid_minutes(actor) if need_grid else None
            dentists = tuple(backend.scheduling.dentists(actor))
            if mode == DAY:
                entries = backend.scheduling.day_schedule(actor, day)
            else:
                chosen = dentist or (dentists[0].id if dentists else None)
                entries = (
                    backend.scheduling.dentist_week(actor, chosen, monday_of(day))
                    if chosen is not None
                    else ()
                )
            return grid, dentists, tuple(entries), mode, day

        self._load_task = self._tasks.run(load, on_done=self._loaded, on_error=self._load_failed)

    def _loaded(self, result: tuple[Any, ...]) -> None:
        grid, dentists, entries, mode, day = result
        if grid is not None and self._grid is None:
            self.set_grid_minutes(grid if grid in GRID_CHOICES else DEFAULT_GRID)
        self._set_dentists(dentists)
        now = self.backend.local_now()
        view: ScheduleGridView
        if mode == DAY:
            self.day_view.set_now(now)
            self.day_view.set_day(day, self._dentists, entries)
            view = self.day_view
        else:
            chosen = self._week_column()
            self.week_view.set_now(now)
            if chosen is not None:
                self.week_view.set_week(day, chosen, entries, today=now.date())
            view = self.week_view
        self._update_title()
        self._scroll_first_time(view, mode, day, now)
        if self._select_after_load is not None:
            view.select_appointment(self._select_after_load)
            self._select_after_load = None
        self._selection_changed(view.selected_entry())
        self.loaded.emit()

    def _set_dentists(self, dentists: tuple[Any, ...]) -> None:
        self._dentists = tuple(DentistColumn(d.id, d.display_name) for d in dentists)
        current = self._week_dentist
        self.dentist_combo.blockSignals(True)
        self.dentist_combo.clear()
        for dentist in self._dentists:
            self.dentist_combo.addItem(dentist.title, dentist.id)
        if current is None and self._dentists:
            current = self._dentists[0].id
        index = index_of(self.dentist_combo, current)
        self.dentist_combo.setCurrentIndex(max(index, 0))
        self.dentist_combo.blockSignals(False)
        self._week_dentist = self.dentist_combo.currentData()

    def _week_column(self) -> DentistColumn | None:
        return next((d for d in self._dentists if d.id == self._week_dentist), None)

    def _scroll_first_time(
        self, view: ScheduleGridView, mode: str, day: date, now: datetime
    ) -> None:
        if self._scrolled_for == (mode, day):
            return
        self._scrolled_for = (mode, day)
        showing_today = (
            day == now.date() if mode == DAY else monday_of(day) == monday_of(now.date())
        )
        if showing_today:
            view.scroll_to_minute(now.hour * 60 + now.minute - 60)
        else:
            view.scroll_to_minute(OPENING_MINUTE)

    def _load_failed(self, error: BaseException) -> None:
        if not isinstance(error, DcmsError):
            log.error("the appointment book could not be loaded", exc_info=error)
        self.show_message(
            _message(error, "The appointment book could not be loaded. Retrying shortly."),
            error=True,
        )
        self._refresh_timer.start(5_000)

    def _on_change(self, entity: str, _id: str, _action: str) -> None:
        if entity == "settings":
            self._grid = None  # read the clinic's grid again
        wanted = entity in REFRESHING_ENTITIES or entity == "settings"
        if wanted and not self._refresh_timer.isActive():
            self._refresh_timer.start(REFRESH_DELAY_MS)

    def _tick(self) -> None:
        now = self.backend.local_now()
        for view in (self.day_view, self.week_view):
            view.set_now(now)

    # -- messages ----------------------------------------------------------------------------
    def show_message(self, text: str, *, error: bool = False) -> None:
        self.message.setProperty("level", "error" if error else "info")
        self.message.style().unpolish(self.message)
        self.message.style().polish(self.message)
        self.message_text.setText(text)
        self.message.show()
        self.message_shown.emit(text)

    def message_text_shown(self) -> str:
        return self.message_text.text() if not self.message.isHidden() else ""

    # -- the selected visit ------------------------------------------------------------------
    def _selection_changed(self, entry: ScheduleEntry | None) -> None:
        self.status_actions.set_entry(entry)
        if entry is None:
            self.selection_text.setText(
                "Select a visit to see it here; right-click for its actions."
            )
            return
        phone = f" · ☎ {entry.patient_phone}" if entry.patient_phone else ""
        self.selection_text.setText(describe_entry(entry) + phone)

    def _context_menu(self, entry: ScheduleEntry, position: QPoint) -> None:
        self.status_actions.set_entry(entry)
        menu = QMenu(self)
        menu.setObjectName("appointmentMenu")
        title = menu.addAction(f"{entry.patient_name} · {entry.span}")
        title.setEnabled(False)
        menu.addSeparator()
        for action in self.status_actions.actions.values():
            menu.addAction(action)
        if entry.dentist_id is not None and self._mode == DAY:
            menu.addSeparator()
            week = menu.addAction(f"Show {entry.dentist_title or 'the dentist'}'s week")
            week.triggered.connect(lambda: self.show_week_of(entry.dentist_id))
        self.context_menu = menu
        menu.popup(position)

    # -- status actions ----------------------------------------------------------------------
    def _status_requested(self, entry: ScheduleEntry, kind_value: str) -> None:
        kind = StatusKind(kind_value)
        if kind is StatusKind.CANCEL:
            dialog = CancelDialog(entry, self)
            dialog.accepted.connect(lambda: self.change_status(entry, kind, dialog.reason()))
            self.cancel_dialog = dialog
            dialog.open()
            return
        if kind in ASKS_TO_BE_SURE:
            box = QMessageBox(
                QMessageBox.Icon.Question,
                "Appointment book",
                sure_question(kind, entry),
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                self,
            )
            box.setObjectName("statusQuestion")
            box.setDefaultButton(QMessageBox.StandardButton.No)

            def answered(button: Any) -> None:
                if box.standardButton(button) == QMessageBox.StandardButton.Yes:
                    self.change_status(entry, kind)

            box.buttonClicked.connect(answered)
            self.question = box
            box.open()
            return
        self.change_status(entry, kind)

    def change_status(self, entry: ScheduleEntry, kind: StatusKind, reason: str = "") -> None:
        """Take ``kind`` step for ``entry`` through the service, in the background."""
        scheduling, actor = self.backend.scheduling, self.actor
        self._tasks.run(
            lambda _report: perform(scheduling, actor, entry, kind, reason),
            on_done=lambda outcome: self._status_done(entry, kind, outcome),
            on_error=self._action_failed,
        )

    def _status_done(self, entry: ScheduleEntry, kind: StatusKind, outcome: Any = None) -> None:
        self._move_history.forget(entry.id)
        self.show_message(done_message(kind, entry))
        self.short_supply = short_supply_box(self, entry, outcome)
        self.refresh()

    def _action_failed(self, error: BaseException) -> None:
        if not isinstance(error, DcmsError):
            log.error("an appointment action failed", exc_info=error)
        self.show_message(
            _message(error, "That did not work; the book is reloaded. Try again."), error=True
        )
        self.refresh()

    # -- booking -----------------------------------------------------------------------------
    def _dentist_choices(self) -> list[DentistChoice]:
        return [DentistChoice(d.id, d.title) for d in self._dentists]

    def _open_booking(self, draft: BookingDraft, *, walk_in: bool = False) -> BookingDialog:
        dialog = BookingDialog(
            self.backend,
            self.actor,
            dentists=self._dentist_choices(),
            draft=draft,
            walk_in=walk_in,
            grid_minutes=self.grid_minutes(),
            parent=self,
        )
        dialog.booked.connect(self._booked)
        self.dialog = dialog
        dialog.open()
        return dialog

    def _book_requested(self, request: BookingRequest) -> None:
        self._open_booking(
            BookingDraft(
                dentist_id=request.dentist_id, start=request.start, duration=request.duration
            )
        )

    def new_appointment(self) -> BookingDialog | None:
        """Ctrl+N: the booking dialog, at the cursor's dentist and time if there is one."""
        if not self.can_book:
            return None
        view = self.current_view()
        cursor = view.cursor_slot()
        dentist_id: uuid.UUID | None = None
        start: datetime | None = None
        if cursor is not None and cursor.column < len(view.columns()):
            column = view.columns()[cursor.column]
            dentist_id = column.dentist_id
            start = datetime.combine(column.day, time(0)) + timedelta(minutes=cursor.minute)
        elif self._mode == WEEK:
            dentist_id = self._week_dentist
        now = self.backend.local_now()
        if start is not None and start <= now:
            start = None  # the dialog offers the next start on the grid from now
        if start is None and self._day != now.date():
            start = datetime.combine(self._day, time(9))
        return self._open_booking(BookingDraft(dentist_id=dentist_id, start=start))

    def walk_in(self) -> BookingDialog | None:
        if not self.can_book:
            return None
        return self._open_booking(BookingDraft(), walk_in=True)

    def _booked(self, appointment: Any) -> None:
        dentist = appointment.dentist_title or ""
        self.show_message(
            f"Booked {appointment.patient_name}"
            + (f" with {dentist}" if dentist else "")
            + f", {appointment.start:%a %d %b} {appointment.span}."
        )
        self._select_after_load = appointment.id
        if self._mode == DAY and appointment.date != self._day:
            self.show_day(appointment.date)
        else:
            self.refresh()

    # -- moving ------------------------------------------------------------------------------
    def _move_requested(self, request: MoveRequest) -> None:
        entry = request.entry
        view = self.current_view()
        scheduling, actor = self.backend.scheduling, self.actor

        def call(_report: Any) -> Any:
            return scheduling.move(
                actor,
                entry.id,
                start=request.start,
                dentist_id=request.dentist_id,
                duration=request.duration,
                expected_version=entry.version,
            )

        def done(appointment: Any) -> None:
            view.settle_move(True)
            self._move_history.push(
                MoveRecord(
                    entry.id,
                    entry.patient_name,
                    entry.dentist_id,
                    entry.start,
                    entry.duration,
                    appointment.version,
                )
            )
            where = appointment.dentist_title or ""
            self.show_message(
                f"Moved {entry.patient_name} to {appointment.start:%a %d %b} "
                f"{appointment.span}{' with ' + where if where else ''}. Ctrl+Z undoes it."
            )
            self.refresh()

        def refused(error: BaseException) -> None:
            view.settle_move(False)
            self._action_failed(error)

        self._tasks.run(call, on_done=done, on_error=refused)

    def can_undo(self) -> bool:
        return self._move_history.can_undo

    def undo_move(self) -> None:
        """Ctrl+Z: put the last moved visit back where it was."""
        record = self._move_history.pop()
        if record is None:
            self.show_message("There is no move to undo.")
            return
        scheduling, actor = self.backend.scheduling, self.actor

        def call(_report: Any) -> Any:
            return scheduling.move(
                actor,
                record.appointment_id,
                start=record.start,
                dentist_id=record.dentist_id,
                duration=record.duration,
                expected_version=record.version_after,
            )

        def done(appointment: Any) -> None:
            self.show_message(
                f"Move undone: {record.patient_name} is back at "
                f"{appointment.start:%a %d %b} {appointment.span}."
            )
            self.refresh()

        def failed(error: BaseException) -> None:
            self.show_message(
                "The move could not be undone: " + _message(error, "try moving it by hand."),
                error=True,
            )
            self.refresh()

        self._tasks.run(call, on_done=done, on_error=failed)

    # -- printing ----------------------------------------------------------------------------
    def choose_pdf_path(self, suggested: str) -> str | None:
        """Where to save the day list (a file dialog; tests replace this)."""
        path, _filter = QFileDialog.getSaveFileName(
            self, "Save the day list", suggested, "PDF documents (*.pdf)"
        )
        return path or None

    def print_day_list(self) -> None:
        """Save the shown day's list (all dentists) as a PDF, in the background."""
        day = self._day
        path = self.choose_pdf_path(str(Path.home() / f"day-list-{day.isoformat()}.pdf"))
        if not path:
            return
        if not path.lower().endswith(".pdf"):
            path += ".pdf"
        day_list, actor = self.backend.day_list, self.actor
        if day_list is None:
            self.show_message("Printing the day list is not available yet.", error=True)
            return
        target = Path(path)

        def save(_report: Any) -> Path:
            target.write_bytes(day_list.day_list_pdf(actor, day))
            return target

        self.print_button.setEnabled(False)
        self._tasks.run(save, on_done=self._printed, on_error=self._print_failed)

    def _printed(self, path: Path) -> None:
        self.print_button.setEnabled(True)
        self.show_message(f"The day list is saved as {path}.")

    def _print_failed(self, error: BaseException) -> None:
        self.print_button.setEnabled(True)
        if isinstance(error, OSError):
            self.show_message(f"The day list could not be saved: {error.strerror}.", error=True)
            return
        self._action_failed(error)


def _qdate(day: date) -> QDate:
    return QDate(day.year, day.month, day.day)
