"""The services of a booking: picked from the catalogue, with teeth where they take them.

A searchable picker ("fill" finds "Composite filling") adds a service to the table; a
service whose ``tooth_chart_use`` is required or optional gets a field for its teeth,
typed as FDI numbers ("16, 17") and checked as they are typed with
:func:`dcms_desktop.domain.teeth.parse_teeth_text`. The tooth-chart issue replaces the
field with the chart.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QCompleter,
    QHeaderView,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from dcms_desktop.domain import hours
from dcms_desktop.domain.enums import ToothChartUse
from dcms_desktop.domain.errors import ValidationError
from dcms_desktop.domain.readmodels.catalog import DentalService
from dcms_desktop.domain.teeth import parse_teeth_text


def set_invalid(widget: QWidget, invalid: bool) -> None:
    """Mark ``widget`` for the style sheet's red border (``[invalid="true"]``)."""
    if bool(widget.property("invalid")) != invalid:
        widget.setProperty("invalid", invalid)
        widget.style().unpolish(widget)
        widget.style().polish(widget)


class _ServiceRow:
    """A chosen service and, when it takes teeth, the field they are typed in."""

    def __init__(self, service: DentalService, teeth_edit: QLineEdit | None) -> None:
        self.service = service
        self.teeth_edit = teeth_edit

    def teeth(self) -> tuple[int, ...]:
        """The teeth typed (``ValidationError`` for a bad one; required and empty too)."""
        text = self.teeth_edit.text() if self.teeth_edit is not None else ""
        teeth = parse_teeth_text(text) if text.strip() else ()
        if not teeth and self.service.tooth_chart_use is ToothChartUse.REQUIRED:
            raise ValidationError(f"{self.service.name} needs the teeth it is for", field="teeth")
        return teeth


class ServicesEditor(QWidget):
    """Picker and table of the services to book."""

    changed = Signal()
    """A service was added or removed."""
    teeth_edited = Signal()
    """Teeth were typed for a service."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._catalogue: tuple[DentalService, ...] = ()
        self._rows: list[_ServiceRow] = []

        self.picker = QComboBox()
        self.picker.setObjectName("servicePicker")
        self.picker.setEditable(True)
        self.picker.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.picker.setAccessibleName("Add a service")
        self.picker.lineEdit().setPlaceholderText("Type to add a service…")
        self.picker.setEnabled(False)
        completer = self.picker.completer()
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        completer.activated[str].connect(self._add_named)
        self.picker.activated.connect(self._add_at)

        self.table = QTableWidget(0, 4)
        self.table.setObjectName("servicesTable")
        self.table.setAccessibleName("Services to book")
        self.table.setHorizontalHeaderLabels(["Service", "Minutes", "Teeth (FDI)", ""])
        self.table.verticalHeader().hide()
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Fixed)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.ResizeToContents)
        self.table.setColumnWidth(2, 150)
        self.table.setMinimumHeight(130)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.picker)
        layout.addWidget(self.table, 1)

    # -- the catalogue -----------------------------------------------------------------------
    def set_catalogue(self, services: Sequence[DentalService]) -> None:
        self._catalogue = tuple(services)
        self.picker.blockSignals(True)
        self.picker.clear()
        for service in self._catalogue:
            self.picker.addItem(f"{service.name} ({service.duration} min)", service.id)
        self.picker.setCurrentIndex(-1)
        self.picker.blockSignals(False)
        self.picker.setEnabled(True)

    def catalogue(self) -> tuple[DentalService, ...]:
        return self._catalogue

    def _add_at(self, index: int) -> None:
        service_id = self.picker.itemData(index)
        service = next((s for s in self._catalogue if s.id == service_id), None)
        if service is not None:
            self.add_service(service)
        QTimer.singleShot(0, self._reset_picker)

    def _add_named(self, text: str) -> None:
        index = self.picker.findText(text)
        if index >= 0:
            self._add_at(index)

    def _reset_picker(self) -> None:
        self.picker.setCurrentIndex(-1)
        self.picker.clearEditText()

    # -- the chosen services -----------------------------------------------------------------
    def add_service(self, service: DentalService) -> None:
        """Add ``service`` (once); the focus goes to its teeth when it takes them."""
        if any(row.service.id == service.id for row in self._rows):
            return
        table = self.table
        index = table.rowCount()
        table.insertRow(index)
        name = QTableWidgetItem(service.name)
        name.setToolTip(f"{service.name} · {service.category}")
        table.setItem(index, 0, name)
        minutes = QTableWidgetItem(str(service.duration))
        minutes.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        table.setItem(index, 1, minutes)
        teeth_edit: QLineEdit | None = None
        if service.tooth_chart_use is ToothChartUse.NOT_NEEDED:
            table.setItem(index, 2, QTableWidgetItem("—"))
        else:
            teeth_edit = QLineEdit()
            teeth_edit.setObjectName(f"teeth_{service.id}")
            required = service.tooth_chart_use is ToothChartUse.REQUIRED
            teeth_edit.setPlaceholderText("required" if required else "optional")
            teeth_edit.setAccessibleName(f"Teeth for {service.name}")
            teeth_edit.textEdited.connect(lambda _text: self.teeth_edited.emit())
            table.setCellWidget(index, 2, teeth_edit)
        remove = QPushButton("✕")
        remove.setObjectName("removeService")
        remove.setAccessibleName(f"Remove {service.name}")
        remove.setToolTip(f"Remove {service.name}")
        remove.setFlat(True)
        remove.clicked.connect(lambda _checked=False, sid=service.id: self.remove_service(sid))
        table.setCellWidget(index, 3, remove)
        self._rows.append(_ServiceRow(service, teeth_edit))
        self.changed.emit()
        if teeth_edit is not None:
            teeth_edit.setFocus()

    def remove_service(self, service_id: uuid.UUID) -> None:
        for index, row in enumerate(self._rows):
            if row.service.id == service_id:
                self.table.removeRow(index)
                del self._rows[index]
                break
        self.changed.emit()

    def chosen_services(self) -> tuple[DentalService, ...]:
        return tuple(row.service for row in self._rows)

    def teeth_edit_for(self, service_id: uuid.UUID) -> QLineEdit | None:
        return next((r.teeth_edit for r in self._rows if r.service.id == service_id), None)

    def total_minutes(self) -> int | None:
        """What the chosen services take together (None without services)."""
        if not self._rows:
            return None
        total = sum(row.service.duration for row in self._rows)
        return min(max(total, hours.MIN_DURATION), hours.MAX_DURATION)

    def requested(self) -> list[tuple[uuid.UUID, tuple[int, ...]]]:
        """(service id, teeth) of each chosen service (``ValidationError`` on bad teeth)."""
        return [(row.service.id, row.teeth()) for row in self._rows]

    def teeth_problem(self, *, live: bool = False) -> str | None:
        """The first problem with the typed teeth, marking the fields in red (live: an
        empty required field doesn't count until the booking is asked for)."""
        for row in self._rows:
            edit = row.teeth_edit
            try:
                row.teeth()
            except ValidationError as exc:
                empty = edit is None or not edit.text().strip()
                if live and empty:
                    if edit is not None:
                        set_invalid(edit, False)
                    continue
                if edit is not None:
                    set_invalid(edit, True)
                prefix = "" if row.service.name in exc.message else f"{row.service.name}: "
                return prefix + exc.message
            if edit is not None:
                set_invalid(edit, False)
        return None
