"""The services of a booking: picked from the catalogue, with teeth where they take them.

A searchable picker ("fill" finds "Composite filling") adds a service to the table; a
service whose ``tooth_chart_use`` is required or optional gets a field for its teeth,
chosen on the tooth chart under the table (the field shows the chart's choice and may
still be typed in, checked with :func:`dcms_desktop.domain.teeth.parse_teeth_text`). The
chart serves the service whose teeth field last had the focus (the last one added, at
first). The patient's missing and not-selectable teeth can't be chosen
(:meth:`ServicesEditor.set_unavailable`). Quantity and price follow the teeth live for
Per Tooth services.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QCompleter,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from dcms_desktop.domain import hours, pricing
from dcms_desktop.domain.enums import PricingModel, ToothChartUse, ToothSurface
from dcms_desktop.domain.errors import ValidationError
from dcms_desktop.domain.money import format_money
from dcms_desktop.domain.readmodels.catalog import DentalService
from dcms_desktop.domain.teeth import parse_teeth_text
from dcms_desktop.widgets.toothchart.state import ChartState, SelectionMode
from dcms_desktop.widgets.toothchart.widget import ToothChartWidget

QTY_COLUMN, PRICE_COLUMN, REMOVE_COLUMN = 3, 4, 5


def set_invalid(widget: QWidget, invalid: bool) -> None:
    """Mark ``widget`` for the style sheet's red border (``[invalid="true"]``)."""
    if bool(widget.property("invalid")) != invalid:
        widget.setProperty("invalid", invalid)
        widget.style().unpolish(widget)
        widget.style().polish(widget)


class _ServiceRow:
    """A chosen service and, when it takes teeth, the field they are typed in."""

    def __init__(
        self,
        service: DentalService,
        teeth_edit: QLineEdit | None,
        unavailable: Callable[[], dict[int, str]],
    ) -> None:
        self.service = service
        self.teeth_edit = teeth_edit
        self._unavailable = unavailable
        # Surfaces marked on the chart for this service: tooth -> "M", "O", ...
        self.surfaces: dict[int, set[str]] = {}

    def marked_surfaces(self, teeth: Iterable[int]) -> dict[int, tuple[str, ...]]:
        """The marked surfaces of those of ``teeth`` that have any."""
        return {t: tuple(sorted(self.surfaces[t])) for t in teeth if self.surfaces.get(t)}

    def teeth(self) -> tuple[int, ...]:
        """The teeth typed (``ValidationError`` for a bad one, a missing or not selectable
        one; required and empty too)."""
        text = self.teeth_edit.text() if self.teeth_edit is not None else ""
        teeth = parse_teeth_text(text) if text.strip() else ()
        if not teeth and self.service.tooth_chart_use is ToothChartUse.REQUIRED:
            raise ValidationError(f"{self.service.name} needs the teeth it is for", field="teeth")
        unavailable = self._unavailable()
        for tooth in teeth:
            why = unavailable.get(tooth)
            if why is not None:
                raise ValidationError(
                    f"Tooth {tooth} is {why}, so it can't be chosen", field="teeth"
                )
        return teeth

    def quantity(self) -> int | None:
        """The quantity billed for the teeth as they stand (None while they are wrong)."""
        try:
            return pricing.quantity_for(self.service.pricing_model, teeth=self.teeth())
        except ValidationError:
            return None


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
        self._unavailable: dict[int, str] = {}
        self._missing: frozenset[int] = frozenset()
        self._disabled: frozenset[int] = frozenset()
        self._charted: _ServiceRow | None = None
        self._syncing = False
        self._currency = "USD"

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

        self.table = QTableWidget(0, 6)
        self.table.setObjectName("servicesTable")
        self.table.setAccessibleName("Services to book")
        self.table.setHorizontalHeaderLabels(
            ["Service", "Minutes", "Teeth (FDI)", "Qty", "Price", ""]
        )
        self.table.verticalHeader().hide()
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Fixed)
        for column in (QTY_COLUMN, PRICE_COLUMN, REMOVE_COLUMN):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        self.table.setColumnWidth(2, 150)
        self.table.setMinimumHeight(110)

        self.chart_label = QLabel("")
        self.chart_label.setObjectName("bookingChartLabel")
        self.tooth_chart = ToothChartWidget()
        self.tooth_chart.setObjectName("bookingToothChart")
        self.tooth_chart.set_selection_mode(SelectionMode.MULTIPLE)
        self.tooth_chart.setMinimumSize(380, 170)
        self.tooth_chart.selection_changed.connect(self._chart_selection)
        self.tooth_chart.surface_toggled.connect(self._chart_surface)
        self.chart_label.hide()
        self.tooth_chart.hide()

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.picker)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.chart_label)
        layout.addWidget(self.tooth_chart, 2)

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
            table.setCellWidget(index, 2, teeth_edit)
        remove = QPushButton("✕")
        remove.setObjectName("removeService")
        remove.setAccessibleName(f"Remove {service.name}")
        remove.setToolTip(f"Remove {service.name}")
        remove.setFlat(True)
        remove.clicked.connect(lambda _checked=False, sid=service.id: self.remove_service(sid))
        table.setCellWidget(index, REMOVE_COLUMN, remove)
        for column in (QTY_COLUMN, PRICE_COLUMN):
            item = QTableWidgetItem("")
            item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            table.setItem(index, column, item)
        row = _ServiceRow(service, teeth_edit, lambda: self._unavailable)
        self._rows.append(row)
        self._show_price(row)
        if teeth_edit is not None:
            teeth_edit.textChanged.connect(lambda _text, r=row: self._teeth_typed(r))
            teeth_edit.installEventFilter(self)
            self._chart_for(row)
        self.changed.emit()
        if teeth_edit is not None:
            teeth_edit.setFocus()

    def remove_service(self, service_id: uuid.UUID) -> None:
        for index, row in enumerate(self._rows):
            if row.service.id == service_id:
                self.table.removeRow(index)
                del self._rows[index]
                if row is self._charted:
                    charted = [r for r in self._rows if r.teeth_edit is not None]
                    self._chart_for(charted[-1] if charted else None)
                break
        self.changed.emit()

    # -- the tooth chart ---------------------------------------------------------------------
    def set_unavailable(self, missing: Iterable[int], disabled: Iterable[int]) -> None:
        """The patient's missing and not selectable teeth: shown, never chosen."""
        self._missing = frozenset(missing)
        self._disabled = frozenset(disabled)
        self._unavailable = {t: "not selectable" for t in self._disabled} | {
            t: "missing" for t in self._missing
        }
        # Teeth typed before the chart came stay typed (and are refused by name), rather
        # than silently dropped with the chart's selection.
        self._syncing = True
        try:
            self.tooth_chart.set_state(
                ChartState.build(missing=self._missing, disabled=self._missing | self._disabled)
            )
        finally:
            self._syncing = False
        for row in self._rows:
            self._show_price(row)
        self.teeth_edited.emit()

    def set_currency(self, currency: str) -> None:
        self._currency = currency
        for row in self._rows:
            self._show_price(row)

    def charted_service(self) -> DentalService | None:
        """The service whose teeth the chart is choosing."""
        return None if self._charted is None else self._charted.service

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.FocusIn:
            row = next((r for r in self._rows if r.teeth_edit is watched), None)
            if row is not None and row is not self._charted:
                self._chart_for(row)
        return super().eventFilter(watched, event)

    def _chart_for(self, row: _ServiceRow | None) -> None:
        self._charted = row
        shown = row is not None
        self.tooth_chart.setVisible(shown)
        self.chart_label.setVisible(shown)
        if row is None:
            return
        need = "required" if row.service.tooth_chart_use is ToothChartUse.REQUIRED else "optional"
        self.chart_label.setText(f"Teeth for {row.service.name} ({need}): click them on the chart")
        self._sync_chart(row)

    def _sync_chart(self, row: _ServiceRow) -> None:
        edit = row.teeth_edit
        assert edit is not None
        try:
            teeth = parse_teeth_text(edit.text()) if edit.text().strip() else ()
        except ValidationError:
            return
        self._syncing = True
        try:
            state = self.tooth_chart.state()
            marked = {
                t: frozenset(ToothSurface(v) for v in s) for t, s in row.surfaces.items() if s
            }
            self.tooth_chart.set_state(replace(state, marked_surfaces=marked))
            self.tooth_chart.set_selection(t for t in teeth if t not in self._unavailable)
        finally:
            self._syncing = False

    def _chart_surface(self, tooth: int, surface: str) -> None:
        """A surface marked or cleared on the chart: kept for the charted service, and a
        marked surface's tooth joins its teeth."""
        row = self._charted
        if self._syncing or row is None or row.teeth_edit is None:
            return
        marks = row.surfaces.setdefault(tooth, set())
        marks.symmetric_difference_update({surface})
        selection = self.tooth_chart.selection()
        if marks and tooth not in selection:
            self.tooth_chart.set_selection((*selection, tooth))
            self._chart_selection(self.tooth_chart.selection())
        else:
            self.teeth_edited.emit()

    def _chart_selection(self, selection: tuple[int, ...]) -> None:
        row = self._charted
        if self._syncing or row is None or row.teeth_edit is None:
            return
        self._syncing = True
        try:
            row.teeth_edit.setText(", ".join(str(t) for t in selection))
        finally:
            self._syncing = False
        self._show_price(row)
        self.teeth_edited.emit()

    def _teeth_typed(self, row: _ServiceRow) -> None:
        self._show_price(row)
        if self._syncing:
            return
        if row is self._charted:
            self._sync_chart(row)
        self.teeth_edited.emit()

    def _show_price(self, row: _ServiceRow) -> None:
        index = self._rows.index(row)
        quantity = row.quantity()
        per_tooth = row.service.pricing_model is PricingModel.PER_TOOTH
        qty_item = self.table.item(index, QTY_COLUMN)
        price_item = self.table.item(index, PRICE_COLUMN)
        if qty_item is None or price_item is None:
            return
        if quantity is None and per_tooth:
            qty_item.setText("—")
            price_item.setText(f"{format_money(row.service.price, self._currency)} /tooth")
            return
        quantity = quantity or 1
        qty_item.setText(str(quantity))
        price_item.setText(
            format_money(pricing.line_subtotal(row.service.price, quantity), self._currency)
        )

    def line_price(self, service_id: uuid.UUID) -> tuple[str, str]:
        """(quantity, price) as the table shows them for ``service_id``."""
        index = next(i for i, r in enumerate(self._rows) if r.service.id == service_id)
        qty, price = self.table.item(index, QTY_COLUMN), self.table.item(index, PRICE_COLUMN)
        assert qty is not None and price is not None
        return qty.text(), price.text()

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

    def requested(
        self,
    ) -> list[tuple[uuid.UUID, tuple[int, ...], dict[int, tuple[str, ...]]]]:
        """(service id, teeth, marked surfaces) of each chosen service
        (``ValidationError`` on bad teeth)."""
        requested = []
        for row in self._rows:
            teeth = row.teeth()
            requested.append((row.service.id, teeth, row.marked_surfaces(teeth)))
        return requested

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
