"""The patient page's Chart tab: the tooth chart, the treatment history beside it, and
(dentists and admins) marking teeth missing, present or not selectable.

Everyone may select teeth: the selection filters the history to the treatments that
touched them. Only dentists and admins see the marking actions; for everyone else the
chart is read-only. Reading and saving run off the UI thread; a save over someone else's
(``StaleRecordError``) says who saved and when, and shows the chart as it now is.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterable
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from dcms_desktop.domain.enums import Role, ToothSurface
from dcms_desktop.domain.errors import DcmsError, StaleRecordError
from dcms_desktop.domain.readmodels.charting import PlannedWork, ToothChart, Treatment
from dcms_desktop.domain.readmodels.people import Actor
from dcms_desktop.services.charting import ChartService
from dcms_desktop.views.tasks import TaskHandle, run_task
from dcms_desktop.widgets.toothchart.legend import ToothChartLegend
from dcms_desktop.widgets.toothchart.state import ChartState, SelectionMode, TreatmentKind
from dcms_desktop.widgets.toothchart.widget import ToothChartWidget

log = logging.getLogger(__name__)

EDITORS = frozenset({Role.DENTIST, Role.ADMIN})
HISTORY_LINES = 3
"""Treatments listed in a tooth's tooltip."""

AnyIndex = QModelIndex | QPersistentModelIndex


def teeth_text(teeth: Iterable[int]) -> str:
    return ", ".join(str(t) for t in teeth)


def _surfaces_text(treatment: Treatment) -> str:
    if not treatment.surfaces:
        return ""
    return "; ".join(f"{tooth} {''.join(marks)}" for tooth, marks in treatment.surfaces.items())


def chart_state(chart: ToothChart) -> ChartState:
    """What the widget draws for ``chart``: each treated tooth coloured by the kind of its
    latest treatment (other, when no treatment is on record), surfaces likewise."""
    kinds: dict[int, TreatmentKind] = {}
    surfaces: dict[int, dict[str, TreatmentKind]] = {}
    for treatment in chart.treatments:  # newest first: the first kind seen wins
        kind = TreatmentKind.from_category(treatment.service_category)
        for tooth in treatment.teeth:
            kinds.setdefault(tooth, kind)
        for tooth, marks in (treatment.surfaces or {}).items():
            on_tooth = surfaces.setdefault(int(tooth), {})
            for mark in marks:
                if mark in ToothSurface._value2member_map_:
                    on_tooth.setdefault(mark, kind)
    missing = set(chart.missing)
    return ChartState.build(
        missing=missing,
        treated={t: kinds.get(t, TreatmentKind.OTHER) for t in chart.treated if t not in missing},
        treated_surfaces={t: marks for t, marks in surfaces.items() if t in chart.treated},
        disabled=chart.disabled,
        planned=chart.planned_teeth,
    )


def tooth_histories(chart: ToothChart) -> dict[int, list[str]]:
    """Tooth -> its last few treatments and planned work, for the chart's tooltips."""
    lines: dict[int, list[str]] = {}
    for treatment in chart.treatments:
        for tooth in treatment.teeth:
            shown = lines.setdefault(tooth, [])
            if len(shown) < HISTORY_LINES:
                shown.append(f"{treatment.treatment_date:%d %b %Y} {treatment.service_name}")
    for work in chart.planned:
        for tooth in work.teeth:
            lines.setdefault(tooth, []).append(f"Planned {work.date:%d %b} {work.service_name}")
    return lines


class TreatmentHistoryModel(QAbstractTableModel):
    """Treatments, newest first: date, service, teeth, surfaces, detail."""

    COLUMNS = ("Date", "Treatment", "Teeth", "Surfaces", "Notes")

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: tuple[Treatment, ...] = ()

    def set_treatments(self, treatments: Iterable[Treatment]) -> None:
        self.beginResetModel()
        self._rows = tuple(treatments)
        self.endResetModel()

    def treatment(self, row: int) -> Treatment:
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
        if not index.isValid() or role not in (
            Qt.ItemDataRole.DisplayRole,
            Qt.ItemDataRole.ToolTipRole,
        ):
            return None
        t = self._rows[index.row()]
        return (
            f"{t.treatment_date:%d %b %Y}",
            t.service_name,
            teeth_text(t.teeth),
            _surfaces_text(t),
            t.detail or "",
        )[index.column()]


def _table(name: str, model: QAbstractTableModel, stretch: int) -> QTableView:
    table = QTableView()
    table.setObjectName(name)
    table.setModel(model)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.verticalHeader().hide()
    table.setShowGrid(False)
    table.setWordWrap(False)
    header = table.horizontalHeader()
    header.setHighlightSections(False)
    for column in range(model.columnCount()):
        header.setSectionResizeMode(
            column,
            QHeaderView.ResizeMode.Stretch
            if column == stretch
            else QHeaderView.ResizeMode.ResizeToContents,
        )
    table.verticalHeader().setDefaultSectionSize(24)
    return table


class ChartTab(QWidget):
    """A patient's chart; ``show_patient(id)`` reads it in the background."""

    saved = Signal(object)
    """The ``ToothChart`` as just saved from this tab."""

    def __init__(self, charts: ChartService, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("chartTab")
        self._charts = charts
        self._actor = actor
        self._patient_id: uuid.UUID | None = None
        self._chart: ToothChart | None = None
        self._task: TaskHandle | None = None
        self._seq = 0
        self._busy = False
        self.can_edit = actor.role in EDITORS
        self._build()
        self._update_actions()

    # -- building --------------------------------------------------------------------------
    def _build(self) -> None:
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 10, 0, 0)
        outer.setSpacing(6)
        self.status_label = QLabel("")
        self.status_label.setObjectName("chartStatus")
        self.status_label.setWordWrap(True)
        self.status_label.hide()
        outer.addWidget(self.status_label)

        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.setChildrenCollapsible(False)
        left = QWidget()
        column = QVBoxLayout(left)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(6)
        self.chart = ToothChartWidget()
        self.chart.set_selection_mode(SelectionMode.MULTIPLE)
        self.chart.setMinimumSize(420, 220)
        self.chart.selection_changed.connect(self._selection_changed)
        column.addWidget(self.chart, 1)
        self.legend = ToothChartLegend()
        column.addWidget(self.legend)
        column.addLayout(self._toolbar())
        splitter.addWidget(left)

        right = QWidget()
        lists = QVBoxLayout(right)
        lists.setContentsMargins(8, 0, 0, 0)
        lists.setSpacing(4)
        self.history_heading = QLabel("Treatment history")
        self.history_heading.setObjectName("historyHeading")
        self.history_heading.setProperty("class", "sectionHeading")
        self.history_model = TreatmentHistoryModel(self)
        self.history_table = _table("treatmentHistory", self.history_model, stretch=1)
        self.history_empty = QLabel("No treatments recorded.")
        self.history_empty.setObjectName("historyEmpty")
        self.planned_heading = QLabel("Planned")
        self.planned_heading.setObjectName("plannedHeading")
        self.planned_heading.setProperty("class", "sectionHeading")
        self.planned_label = QLabel("")
        self.planned_label.setObjectName("plannedWork")
        self.planned_label.setWordWrap(True)
        self.planned_label.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        lists.addWidget(self.history_heading)
        lists.addWidget(self.history_table, 1)
        lists.addWidget(self.history_empty)
        lists.addSpacing(6)
        lists.addWidget(self.planned_heading)
        lists.addWidget(self.planned_label)
        splitter.addWidget(right)
        right.setMinimumWidth(300)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        self.splitter = splitter
        self._sized = False
        outer.addWidget(splitter, 1)

    def _toolbar(self) -> QHBoxLayout:
        row = QHBoxLayout()
        row.setSpacing(6)
        self.primary_box = QCheckBox("Primary teeth")
        self.primary_box.setObjectName("showPrimaryTeeth")
        self.primary_box.setToolTip("Also show the baby teeth (51–85)")
        self.primary_box.toggled.connect(self.chart.set_show_primary)
        self.clear_button = QPushButton("Select none")
        self.clear_button.setObjectName("selectNoTeeth")
        self.clear_button.clicked.connect(self.chart.select_none)
        row.addWidget(self.primary_box)
        row.addWidget(self.clear_button)
        row.addStretch(1)
        self.actions: dict[str, QPushButton] = {}
        for key, text, tip in (
            ("missing", "Mark missing", "Mark the selected teeth missing"),
            ("present", "Mark present", "Mark the selected teeth present again"),
            ("disabled", "Make not selectable", "Keep the selected teeth from being chosen"),
            ("enable", "Make all selectable", "Let every tooth be chosen again"),
        ):
            button = QPushButton(text)
            button.setObjectName(f"chart_{key}")
            button.setToolTip(tip)
            button.clicked.connect(lambda _checked=False, k=key: self.mark(k))
            button.setVisible(self.can_edit)
            self.actions[key] = button
            row.addWidget(button)
        return row

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self._sized:
            # The chart's own size hint is wide; start at three fifths for the chart.
            self._sized = True
            width = max(self.splitter.width(), 1)
            self.splitter.setSizes([width * 3 // 5, width - width * 3 // 5])

    # -- loading ---------------------------------------------------------------------------
    @property
    def chart_data(self) -> ToothChart | None:
        """The chart on show (None until read)."""
        return self._chart

    def show_patient(self, patient_id: uuid.UUID) -> None:
        if patient_id != self._patient_id:
            self._patient_id = patient_id
            self._chart = None
            self.chart.select_none()
            self._say("Reading the chart…")
        self.reload()

    def reload(self, *, then_say: str | None = None) -> None:
        patient_id = self._patient_id
        if patient_id is None:
            return
        if self._task is not None:
            self._task.cancel()
        self._seq += 1
        seq = self._seq
        charts, actor = self._charts, self._actor
        self._run(
            lambda: charts.patient_chart(actor, patient_id),
            lambda chart: self._loaded(seq, chart, then_say),
            lambda error: self._failed(seq, error),
        )

    def _run(
        self,
        work: Callable[[], Any],
        on_done: Callable[[Any], None],
        on_error: Callable[[BaseException], None],
    ) -> None:
        self._task = run_task(
            lambda _report: work(), owner=self, on_done=on_done, on_error=on_error
        )

    def _loaded(self, seq: int, chart: ToothChart, say: str | None) -> None:
        if seq != self._seq:
            return
        self._busy = False
        self._show(chart)
        if say:
            self._say(say, warning=True)
        else:
            self.status_label.hide()

    def _failed(self, seq: int, error: BaseException) -> None:
        if seq != self._seq:
            return
        self._busy = False
        self._update_actions()
        self._say(_message(error, "reading a chart"), warning=True)

    def _say(self, text: str, *, warning: bool = False) -> None:
        self.status_label.setText(("⚠ " if warning else "") + text)
        self.status_label.setStyleSheet("color: #8d2b0b;" if warning else "color: #486581;")
        self.status_label.show()

    # -- showing ---------------------------------------------------------------------------
    def _show(self, chart: ToothChart) -> None:
        self._chart = chart
        state = chart_state(chart)
        self.chart.set_state(state)
        self.chart.set_histories(tooth_histories(chart))
        kinds = set(state.treated.values()) | {
            k for marks in state.treated_surfaces.values() for k in marks.values()
        }
        self.legend.set_kinds(sorted(kinds))
        self.planned_label.setText(_planned_text(chart.planned))
        self._selection_changed(self.chart.selection())

    def _selection_changed(self, selection: tuple[int, ...]) -> None:
        chart = self._chart
        treatments = () if chart is None else chart.treatments
        if selection:
            wanted = set(selection)
            treatments = tuple(t for t in treatments if wanted & set(t.teeth))
            self.history_heading.setText(
                f"Treatment history of {_teeth_words(selection)} ({len(treatments)})"
            )
        else:
            self.history_heading.setText(f"Treatment history ({len(treatments)})")
        self.history_model.set_treatments(treatments)
        self.history_table.setVisible(bool(treatments))
        self.history_empty.setVisible(not treatments)
        self.history_empty.setText(
            "No treatments recorded for the selected teeth."
            if selection
            else "No treatments recorded."
        )
        self._update_actions()

    def _update_actions(self) -> None:
        chart = self._chart
        ready = chart is not None and not self._busy
        chosen = set(self.chart.selection())
        missing = set() if chart is None else set(chart.missing)
        self.actions["missing"].setEnabled(ready and bool(chosen - missing))
        self.actions["present"].setEnabled(ready and bool(chosen & missing))
        self.actions["disabled"].setEnabled(ready and bool(chosen))
        self.actions["enable"].setEnabled(ready and chart is not None and bool(chart.disabled))

    # -- marking ---------------------------------------------------------------------------
    def mark(self, action: str) -> None:
        """Save the selected teeth as missing / present / not selectable, or every tooth
        selectable again ("enable"), on the chart version shown."""
        chart, patient_id = self._chart, self._patient_id
        if not self.can_edit or chart is None or patient_id is None or self._busy:
            return
        chosen = set(self.chart.selection())
        missing, disabled = set(chart.missing), set(chart.disabled)
        if action == "missing":
            missing |= chosen
        elif action == "present":
            missing -= chosen
        elif action == "disabled":
            disabled |= chosen
        elif action == "enable":
            disabled = set()
        else:
            raise ValueError(action)
        treated = set(chart.treated) - missing
        self._busy = True
        self._update_actions()
        self._seq += 1
        seq = self._seq
        charts, actor, version = self._charts, self._actor, chart.version
        self._run(
            lambda: charts.mark_teeth(
                actor,
                patient_id,
                missing=sorted(missing),
                treated=sorted(treated),
                disabled=sorted(disabled),
                expected_version=version,
            ),
            lambda saved: self._saved(seq, saved),
            lambda error: self._not_saved(seq, error),
        )

    def _saved(self, seq: int, chart: ToothChart) -> None:
        if seq != self._seq:
            return
        self._busy = False
        self.status_label.hide()
        self._show(chart)
        self.saved.emit(chart)

    def _not_saved(self, seq: int, error: BaseException) -> None:
        if seq != self._seq:
            return
        self._busy = False
        if isinstance(error, StaleRecordError):
            self.reload(then_say=conflict_text(error))
            return
        self._update_actions()
        self._say(_message(error, "saving a chart"), warning=True)


def _teeth_words(selection: tuple[int, ...]) -> str:
    if len(selection) == 1:
        return f"tooth {selection[0]}"
    return f"teeth {teeth_text(selection)}"


def _planned_text(planned: tuple[PlannedWork, ...]) -> str:
    if not planned:
        return "Nothing booked."
    return "\n".join(
        f"{work.date:%a %d %b} {work.time:%H:%M}  {work.service_name} — {_teeth_words(work.teeth)}"
        for work in planned
    )


def conflict_text(error: StaleRecordError) -> str:
    """ "Ben Cruz saved this chart at 10:42 on 25 Nov, after you opened it: your change was
    not saved. The chart now shows theirs." """
    who = error.changed_by or "Someone else"
    when = "" if error.changed_at is None else f" at {error.changed_at.astimezone():%H:%M on %d %b}"
    return (
        f"{who} saved this chart{when}, after you opened it: your change was not saved. "
        "The chart now shows theirs."
    )


def _message(error: BaseException, doing: str) -> str:
    if isinstance(error, DcmsError):
        return error.message
    log.error("%s failed", doing, exc_info=error)
    return "The chart could not be read or saved because of an unexpected problem."
