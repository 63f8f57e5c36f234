"""One patient: who they are, their medical alerts, visits and money, and what's coming.

Read with one ``PatientService.patient_page`` call, off the UI thread. The Overview tab
holds the details, the summary (appointments, completed, last visit, billed, paid,
balance) and the upcoming and past appointments; the Chart tab the tooth chart
(:mod:`.chart_tab`, read by its own background call); the Bills and Records tabs say
plainly that their part is not built yet and what it will hold.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QColor, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QStackedWidget,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from dcms_desktop.domain.contact import display_phone
from dcms_desktop.domain.enums import AppointmentStatus, AppointmentType
from dcms_desktop.domain.errors import DcmsError
from dcms_desktop.domain.money import format_money
from dcms_desktop.domain.readmodels.people import Actor, PatientPage, User
from dcms_desktop.domain.readmodels.reports import PatientSummary
from dcms_desktop.domain.readmodels.scheduling import ScheduleEntry
from dcms_desktop.services.charting import ChartService
from dcms_desktop.services.patients import PatientService
from dcms_desktop.views.billing.patient_bills import PatientBillsPanel, make_bills_panel
from dcms_desktop.views.open_dialog import open_dialog
from dcms_desktop.views.patients.alert_strip import AlertStrip
from dcms_desktop.views.patients.chart_tab import ChartTab
from dcms_desktop.views.patients.patient_form import PatientFormDialog, age_on
from dcms_desktop.views.tasks import TaskHandle, run_task

log = logging.getLogger(__name__)

STATUS_TEXT = {
    AppointmentStatus.PENDING: "Booked",
    AppointmentStatus.CONFIRMED: "Confirmed",
    AppointmentStatus.IN_PROGRESS: "In the chair",
    AppointmentStatus.COMPLETED: "Completed",
    AppointmentStatus.CANCELLED: "Cancelled",
    AppointmentStatus.NO_SHOW: "No-show",
}
STATUS_COLOUR = {
    AppointmentStatus.PENDING: "#486581",
    AppointmentStatus.CONFIRMED: "#186faf",
    AppointmentStatus.IN_PROGRESS: "#8d2b0b",
    AppointmentStatus.COMPLETED: "#27704b",
    AppointmentStatus.CANCELLED: "#9fb3c8",
    AppointmentStatus.NO_SHOW: "#ab091e",
}
TYPE_TEXT = {
    AppointmentType.WALK_IN: "walk-in",
    AppointmentType.EMERGENCY: "emergency",
    AppointmentType.FOLLOW_UP: "follow-up",
}
COMING = {
    "chart": (
        "The tooth chart can't be shown here.",
        "This screen was opened without access to the charts.",
    ),
    "bills": (
        "Bills are not built yet.",
        "They come with the billing issue: this patient's bills and payments, taking a "
        "payment and printing an invoice. The billed, paid and balance figures on the "
        "Overview already count every bill.",
    ),
    "records": (
        "Medical records are not built yet.",
        "They come with the records issue: X-rays, photos, consent forms and letters for "
        "this patient, each visible only to the roles allowed to see it.",
    ),
}

_STYLE = """
QLabel#patientName { font-size: 18pt; font-weight: 600; color: #102a43; }
QLabel#patientFacts { color: #486581; font-size: 10.5pt; }
QLabel.sectionHeading { font-weight: 700; color: #334e68; font-size: 10.5pt; }
QLabel#pageMessage { color: #486581; font-size: 11pt; }
QLabel.comingTitle { font-size: 12pt; font-weight: 600; color: #243b53; }
QLabel.comingText { color: #486581; font-size: 10.5pt; }
QFrame#detailsCard { background: #ffffff; border: 1px solid #d9e2ec; border-radius: 6px; }
QFrame#detailsCard QLabel { background: transparent; }
QLabel.detailName { color: #627d98; }
QLabel#figure_balance[owing="true"] { color: #ab091e; }
QTableView { background: #ffffff; border: 1px solid #d9e2ec; gridline-color: #f0f4f8; }
"""

AnyIndex = QModelIndex | QPersistentModelIndex


def day_text(day: date) -> str:
    """ "Tue 2 Dec 2025"."""
    return f"{day:%a} {day.day} {day:%b %Y}"


class AppointmentsModel(QAbstractTableModel):
    """A patient's appointments: date, time, dentist, services, status."""

    COLUMNS = ("Date", "Time", "Dentist", "Services", "Status")

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: tuple[ScheduleEntry, ...] = ()

    def set_entries(self, entries: tuple[ScheduleEntry, ...]) -> None:
        self.beginResetModel()
        self._rows = tuple(entries)
        self.endResetModel()

    def entry(self, row: int) -> ScheduleEntry:
        return self._rows[row]

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.COLUMNS[section]
        return None

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        entry = self._rows[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self.text(entry, column)
        if role == Qt.ItemDataRole.ForegroundRole and column == 4:
            return QColor(STATUS_COLOUR.get(entry.status, "#1f2933"))
        if role == Qt.ItemDataRole.ToolTipRole and column in (2, 3):
            return self._tooltip(entry)
        if role == Qt.ItemDataRole.UserRole:
            return entry.id
        return None

    @staticmethod
    def _tooltip(entry: ScheduleEntry) -> str:
        lines = [", ".join(entry.service_names) or "No services booked"]
        if entry.reason:
            lines.append(f"Reason: {entry.reason}")
        if entry.dentist_last_name:
            lines.append(f"With {entry.dentist_title}")
        return "\n".join(lines)

    @staticmethod
    def text(entry: ScheduleEntry, column: int) -> str:
        if column == 0:
            return day_text(entry.date)
        if column == 1:
            return entry.span
        if column == 2:
            return entry.dentist_title or "—"
        if column == 3:
            return ", ".join(entry.service_names) or entry.reason or "—"
        status = STATUS_TEXT.get(entry.status, str(entry.status))
        kind = TYPE_TEXT.get(entry.type)
        return f"{status} · {kind}" if kind else status


def _heading(text: str) -> QLabel:
    label = QLabel(text)
    label.setProperty("class", "sectionHeading")
    return label


def _appointments_table(name: str, model: AppointmentsModel) -> QTableView:
    table = QTableView()
    table.setObjectName(name)
    table.setModel(model)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setAlternatingRowColors(False)
    table.verticalHeader().hide()
    table.setShowGrid(False)
    table.setWordWrap(False)
    header = table.horizontalHeader()
    header.setHighlightSections(False)
    for column, mode in enumerate(
        (
            QHeaderView.ResizeMode.ResizeToContents,
            QHeaderView.ResizeMode.ResizeToContents,
            QHeaderView.ResizeMode.ResizeToContents,
            QHeaderView.ResizeMode.Stretch,
            QHeaderView.ResizeMode.ResizeToContents,
        )
    ):
        header.setSectionResizeMode(column, mode)
    table.verticalHeader().setDefaultSectionSize(26)
    return table


class _Card(QFrame):
    """One figure of the summary: "12" over "Appointments"."""

    def __init__(self, key: str, caption: str) -> None:
        super().__init__()
        self.setObjectName("card")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(14, 8, 14, 8)
        layout.setSpacing(0)
        self.figure = QLabel("—")
        self.figure.setObjectName(f"figure_{key}")
        self.figure.setProperty("class", "cardFigure")
        self.figure.setStyleSheet("font-size: 16pt; font-weight: 600;")
        caption_label = QLabel(caption)
        caption_label.setObjectName("cardCaption")
        layout.addWidget(self.figure)
        layout.addWidget(caption_label)


class PatientPageView(QWidget):
    """A patient's page; ``show_patient(id)`` loads it in the background."""

    back_requested = Signal()
    loaded = Signal(object)
    """The ``PatientPage`` just shown."""
    edited = Signal(object)
    """The patient (``User``) as saved from this page's Edit form."""

    def __init__(
        self,
        patients: PatientService,
        actor: Actor,
        parent: QWidget | None = None,
        *,
        currency: Callable[[], str] | None = None,
        today: Callable[[], date] = date.today,
        charts: ChartService | None = None,
    ) -> None:
        """``charts`` defaults to a ChartService on ``patients``'s context; without either
        the Chart tab says it can't be shown."""
        super().__init__(parent)
        self.setObjectName("patientPage")
        self.setStyleSheet(_STYLE)
        self._patients = patients
        self._actor = actor
        self._currency_source = currency
        self._currency: str | None = None
        self._today = today
        self._patient_id: uuid.UUID | None = None
        self._page: PatientPage | None = None
        self._task: TaskHandle | None = None
        self._seq = 0
        self.form: PatientFormDialog | None = None
        context = getattr(patients, "context", None)
        if charts is None and context is not None:
            charts = ChartService(context)
        self.chart_tab: ChartTab | None = None if charts is None else ChartTab(charts, actor)
        # The Bills tab and the balance line: None without a context or for roles that
        # may not see bills (the tab then says so).
        self.bills_panel: PatientBillsPanel | None = make_bills_panel(context, actor)
        self._build()

    # -- building --------------------------------------------------------------------------
    def _build(self) -> None:
        outer = QVBoxLayout(self)
        outer.setContentsMargins(32, 20, 32, 14)
        outer.setSpacing(8)

        top = QHBoxLayout()
        self.back_button = QPushButton("← All patients")
        self.back_button.setObjectName("backToSearch")
        self.back_button.setToolTip("Back to the patient search (Esc)")
        self.back_button.clicked.connect(self.back_requested)
        self.edit_button = QPushButton("Edit details")
        self.edit_button.setObjectName("editPatient")
        self.edit_button.setToolTip("Edit this patient's details (Ctrl+E)")
        self.edit_button.setProperty("primary", True)
        self.edit_button.clicked.connect(self.edit)
        self.edit_button.setEnabled(False)
        top.addWidget(self.back_button)
        top.addStretch(1)
        top.addWidget(self.edit_button)
        outer.addLayout(top)

        self.name_label = QLabel("")
        self.name_label.setObjectName("patientName")
        self.name_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.facts_label = QLabel("")
        self.facts_label.setObjectName("patientFacts")
        self.facts_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        outer.addWidget(self.name_label)
        outer.addWidget(self.facts_label)
        self.alert_strip = AlertStrip()
        outer.addWidget(self.alert_strip)
        if self.bills_panel is not None:
            outer.addWidget(self.bills_panel.balance_line)

        self.body = QStackedWidget()
        self.message = QLabel("")
        self.message.setObjectName("pageMessage")
        self.message.setWordWrap(True)
        self.message.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.tabs = QTabWidget()
        self.tabs.setObjectName("patientTabs")
        self.tabs.addTab(self._overview(), "Overview")
        if self.chart_tab is not None:
            self.tabs.addTab(self.chart_tab, "Chart")
        else:
            self.tabs.addTab(self._coming("chart"), "Chart")
        if self.bills_panel is not None:
            self.tabs.addTab(self.bills_panel, "Bills")
        else:
            self.tabs.addTab(self._coming("bills"), "Bills")
        self.tabs.addTab(self._coming("records"), "Records")
        self.body.addWidget(self.message)
        self.body.addWidget(self.tabs)
        outer.addWidget(self.body, 1)

        edit = QShortcut(QKeySequence("Ctrl+E"), self)
        edit.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        edit.activated.connect(self.edit)
        back = QShortcut(QKeySequence(Qt.Key.Key_Escape), self)
        back.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        back.activated.connect(self.back_requested)

    def _overview(self) -> QWidget:
        page = QWidget()
        page.setObjectName("overviewTab")
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 10, 0, 0)
        layout.setSpacing(10)

        cards = QHBoxLayout()
        cards.setSpacing(10)
        self.cards: dict[str, _Card] = {}
        for key, caption in (
            ("appointments", "Appointments"),
            ("completed", "Completed"),
            ("last_visit", "Last visit"),
            ("billed", "Billed"),
            ("paid", "Paid"),
            ("balance", "Balance"),
        ):
            card = _Card(key, caption)
            self.cards[key] = card
            cards.addWidget(card, 1)
        layout.addLayout(cards)

        row = QHBoxLayout()
        row.setSpacing(16)
        row.addWidget(self._details(), 0)
        lists = QVBoxLayout()
        lists.setSpacing(4)
        self.upcoming_model = AppointmentsModel(self)
        self.past_model = AppointmentsModel(self)
        self.upcoming_heading = _heading("Upcoming appointments")
        self.upcoming_table = _appointments_table("upcomingAppointments", self.upcoming_model)
        self.upcoming_empty = QLabel("Nothing booked.")
        self.upcoming_empty.setObjectName("upcomingEmpty")
        self.past_heading = _heading("Past appointments")
        self.past_table = _appointments_table("pastAppointments", self.past_model)
        self.past_empty = QLabel("No visits yet.")
        self.past_empty.setObjectName("pastEmpty")
        lists.addWidget(self.upcoming_heading)
        lists.addWidget(self.upcoming_table, 2)
        lists.addWidget(self.upcoming_empty)
        lists.addSpacing(6)
        lists.addWidget(self.past_heading)
        lists.addWidget(self.past_table, 3)
        lists.addWidget(self.past_empty)
        row.addLayout(lists, 1)
        layout.addLayout(row, 1)
        return page

    def _details(self) -> QFrame:
        card = QFrame()
        card.setObjectName("detailsCard")
        card.setFixedWidth(360)
        layout = QVBoxLayout(card)
        layout.setContentsMargins(14, 10, 14, 12)
        layout.addWidget(_heading("Details"))
        form = QFormLayout()
        form.setLabelAlignment(Qt.AlignmentFlag.AlignLeft)
        form.setVerticalSpacing(6)
        self.details: dict[str, QLabel] = {}
        for key, caption in (
            ("address", "Address"),
            ("emergency_contact", "Emergency contact"),
            ("emergency_phone", "Emergency phone"),
            ("medical_history", "Medical history"),
            ("registered", "Registered"),
        ):
            name = QLabel(caption)
            name.setProperty("class", "detailName")
            value = QLabel("")
            value.setObjectName(f"detail_{key}")
            value.setWordWrap(True)
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self.details[key] = value
            form.addRow(name, value)
        layout.addLayout(form)
        layout.addStretch(1)
        return card

    def _coming(self, key: str) -> QWidget:
        title, text = COMING[key]
        page = QWidget()
        page.setObjectName(f"{key}Tab")
        layout = QVBoxLayout(page)
        layout.setContentsMargins(8, 16, 8, 8)
        heading = QLabel(f"Not available yet. {title}")
        heading.setObjectName(f"{key}Coming")
        heading.setProperty("class", "comingTitle")
        heading.setWordWrap(True)
        body = QLabel(text)
        body.setProperty("class", "comingText")
        body.setWordWrap(True)
        layout.addWidget(heading)
        layout.addWidget(body)
        layout.addStretch(1)
        return page

    # -- loading ---------------------------------------------------------------------------
    @property
    def patient_id(self) -> uuid.UUID | None:
        return self._patient_id

    @property
    def page(self) -> PatientPage | None:
        """The ``PatientPage`` on show (None while the first load runs)."""
        return self._page

    def show_patient(self, patient_id: uuid.UUID) -> None:
        """Show ``patient_id``: say it's loading, then read it in the background."""
        if patient_id != self._patient_id:
            self._page = None
            self._patient_id = patient_id
            self.name_label.setText("")
            self.facts_label.setText("")
            self.alert_strip.set_alerts(())
            self.edit_button.setEnabled(False)
            self.tabs.setCurrentIndex(0)
            self._say("Loading the patient…")
        self.reload()

    def reload(self) -> None:
        """Read the shown patient again (after a change made here or elsewhere)."""
        patient_id = self._patient_id
        if patient_id is None:
            return
        if self.chart_tab is not None:
            self.chart_tab.show_patient(patient_id)
        if self.bills_panel is not None:
            self.bills_panel.show_patient(patient_id)
        if self._task is not None:
            self._task.cancel()
        self._seq += 1
        seq = self._seq
        patients, actor = self._patients, self._actor
        want_currency = self._currency is None

        def work(_report: Any) -> tuple[PatientPage, str | None]:
            page = patients.patient_page(actor, patient_id)
            currency = self._read_currency() if want_currency else None
            return page, currency

        self._task = run_task(
            work,
            owner=self,
            on_done=lambda result: self._loaded(seq, *result),
            on_error=lambda error: self._failed(seq, error),
        )

    def _read_currency(self) -> str | None:
        """The clinic's currency (background thread); None if it can't be read."""
        if self._currency_source is None:
            return None
        try:
            return self._currency_source()
        except Exception:
            log.warning("could not read the clinic's currency", exc_info=True)
            return None

    def _loaded(self, seq: int, page: PatientPage, currency: str | None) -> None:
        if seq != self._seq:
            return
        if currency:
            self._currency = currency
        self._page = page
        self._fill(page)
        self.body.setCurrentWidget(self.tabs)
        self.edit_button.setEnabled(True)
        self.loaded.emit(page)

    def _failed(self, seq: int, error: BaseException) -> None:
        if seq != self._seq:
            return
        if isinstance(error, DcmsError):
            text = error.message
        else:
            log.error("reading a patient's page failed", exc_info=error)
            text = "The patient could not be read because of an unexpected problem."
        if self._page is None:
            self.edit_button.setEnabled(False)
            self._say(text)
        else:
            self.facts_label.setText(f"{self._facts(self._page.user)}   ⚠ {text}")

    def _say(self, text: str) -> None:
        self.message.setText(text)
        self.body.setCurrentWidget(self.message)

    # -- showing ---------------------------------------------------------------------------
    def _facts(self, user: User) -> str:
        parts: list[str] = []
        if user.date_of_birth is not None:
            age = age_on(user.date_of_birth, self._today())
            parts.append(f"Born {day_text(user.date_of_birth)} (age {age})")
        else:
            parts.append("Date of birth not recorded")
        parts.append(display_phone(user.phone) or "No phone")
        parts.append(user.email)
        if not user.is_active:
            parts.append("Inactive")
        return "   ·   ".join(parts)

    def _fill(self, page: PatientPage) -> None:
        user: User = page.user
        self.name_label.setText(user.full_name)
        self.facts_label.setText(self._facts(user))
        self.alert_strip.set_alerts(tuple(page.alerts))
        self._fill_summary(page.summary)
        none = "—"
        self.details["address"].setText(user.address or none)
        self.details["emergency_contact"].setText(user.emergency_contact or none)
        self.details["emergency_phone"].setText(display_phone(user.emergency_phone) or none)
        self.details["medical_history"].setText(user.medical_history or "Nothing recorded")
        self.details["registered"].setText(day_text(user.created_at.astimezone().date()))
        upcoming = tuple(sorted(page.upcoming, key=lambda e: e.start))
        past = tuple(sorted(page.past, key=lambda e: e.start, reverse=True))
        self.upcoming_model.set_entries(upcoming)
        self.past_model.set_entries(past)
        self.upcoming_heading.setText(f"Upcoming appointments ({len(upcoming)})")
        self.past_heading.setText(f"Past appointments ({len(past)})")
        self.upcoming_table.setVisible(bool(upcoming))
        self.upcoming_empty.setVisible(not upcoming)
        self.past_table.setVisible(bool(past))
        self.past_empty.setVisible(not past)

    def _money(self, amount: Decimal) -> str:
        return format_money(amount, self._currency or "USD")

    def _fill_summary(self, summary: PatientSummary) -> None:
        self.cards["appointments"].figure.setText(str(summary.total_appointments))
        self.cards["completed"].figure.setText(str(summary.completed_appointments))
        last = summary.last_visit
        self.cards["last_visit"].figure.setText(day_text(last) if last else "Never")
        self.cards["billed"].figure.setText(self._money(summary.total_billed))
        self.cards["paid"].figure.setText(self._money(summary.total_paid))
        balance = summary.total_billed - summary.total_paid
        figure = self.cards["balance"].figure
        figure.setText(self._money(balance))
        figure.setStyleSheet(
            "font-size: 16pt; font-weight: 600;" + (" color: #ab091e;" if balance > 0 else "")
        )
        figure.setToolTip("Still to pay" if balance > 0 else "Nothing owed")

    # -- editing ---------------------------------------------------------------------------
    def edit(self) -> None:
        """Open the form on the patient as shown."""
        if self._page is None or (self.form is not None and self.form.isVisible()):
            return
        form = PatientFormDialog(
            self._patients, self._actor, self._page.user, self, today=self._today()
        )
        form.saved.connect(self._edited)
        open_dialog(self, form, slot="form")

    def _edited(self, user: User) -> None:
        self.edited.emit(user)
        self.reload()

    # -- live refresh ----------------------------------------------------------------------
    def concerns(self, entity: str, entity_id: str) -> bool:
        """Whether a change to ``entity`` ``entity_id`` may change what is shown."""
        if self._patient_id is None:
            return False
        if entity == "*":
            return True
        if entity in ("patient", "tooth_chart"):
            return entity_id == str(self._patient_id)
        # An appointment or bill event names its own id, not the patient's: re-read, it
        # may be one of ours or a new one (cheap: one patient's page).
        return entity in ("appointment", "bill", "payment")
