"""The supplies a service uses (admins): what completing a visit takes from stock.

One row per inventory item: the item (a combo box to type in: it finds items by any part
of their name), the quantity used per visit, a quantity per tooth for Per Tooth services,
whether the visit needs it (a short required item is flagged for review), and the items
that may stand in for it when it is short, in the order they are tried. Rows are added
and removed freely; Save replaces the whole set at once. The service's refusals land on
the row and column they are about. If another admin saved this service's supplies after
the editor opened, the save is refused saying who and when; Reload shows theirs.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from decimal import Decimal
from itertools import pairwise
from typing import Any

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QCompleter,
    QDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from dcms_desktop.domain.enums import PricingModel
from dcms_desktop.domain.errors import DcmsError, StaleRecordError
from dcms_desktop.domain.readmodels.catalog import (
    DentalService,
    MappingDraft,
    SupplyItemRef,
    SupplyMappingView,
)
from dcms_desktop.domain.readmodels.inventory import InventoryItemView
from dcms_desktop.domain.readmodels.people import Actor
from dcms_desktop.services.catalog import CatalogService
from dcms_desktop.services.inventory import InventoryService
from dcms_desktop.views.admin.common import (
    busy_bar,
    button_row,
    error_text,
    save_and_cancel,
    stale_row,
    widen,
)
from dcms_desktop.views.change_password import field_message, show_message
from dcms_desktop.views.tasks import TaskHandle, run_task

HEADERS = ("Item", "Used per visit", "Per tooth", "Required", "Alternatives (in order)", "")
ITEM, QUANTITY, PER_TOOTH, REQUIRED, ALTERNATIVES, REMOVE = range(6)
NO_ALTERNATIVES = "None"


def _quantity_text(amount: Decimal | None) -> str:
    """ "2", "1.5": a quantity without trailing zeros."""
    if amount is None:
        return ""
    text = f"{amount:.2f}".rstrip("0").rstrip(".")
    return text or "0"


def _mark(widget: QWidget, invalid: bool) -> None:
    widget.setProperty("invalid", invalid)
    widget.style().unpolish(widget)
    widget.style().polish(widget)


class SupplyRow(QObject):
    """The widgets of one supply row; :meth:`draft` reads them back."""

    remove_requested = Signal(object)

    def __init__(
        self,
        number: int,
        items: Sequence[SupplyItemRef],
        mapping: SupplyMappingView | None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._items = {ref.id: ref for ref in items}
        self.alternatives: list[uuid.UUID] = []

        self.item = QComboBox()
        self.item.setObjectName(f"supplyItem{number}")
        self.item.setEditable(True)
        self.item.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.item.setMinimumWidth(240)
        self.item.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        for ref in items:
            self.item.addItem(self._label(ref), str(ref.id))
        completer = QCompleter(self.item.model(), self.item)
        completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.item.setCompleter(completer)
        self.item.setCurrentIndex(-1)
        line = self.item.lineEdit()
        assert line is not None
        line.setPlaceholderText("Type to find an item")

        self.quantity = QLineEdit("1")
        self.quantity.setObjectName(f"supplyQuantity{number}")
        self.quantity.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.quantity.setFixedWidth(80)

        self.per_tooth_on = QCheckBox()
        self.per_tooth_on.setObjectName(f"supplyPerToothOn{number}")
        self.per_tooth_on.setToolTip("Use a quantity per tooth treated instead")
        self.per_tooth = QLineEdit()
        self.per_tooth.setObjectName(f"supplyPerTooth{number}")
        self.per_tooth.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.per_tooth.setFixedWidth(64)
        self.per_tooth.setPlaceholderText("—")
        self.per_tooth.setEnabled(False)
        self.per_tooth_on.toggled.connect(self._per_tooth_toggled)
        self.per_tooth_cell = QWidget()
        cell = QHBoxLayout(self.per_tooth_cell)
        cell.setContentsMargins(0, 0, 0, 0)
        cell.setSpacing(4)
        cell.addWidget(self.per_tooth_on)
        cell.addWidget(self.per_tooth)

        self.required = QCheckBox()
        self.required.setObjectName(f"supplyRequired{number}")
        self.required.setChecked(True)
        self.required.setToolTip("A visit short of a required item is flagged for review")

        self.alternatives_button = QToolButton()
        self.alternatives_button.setObjectName(f"supplyAlternatives{number}")
        self.alternatives_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.alternatives_button.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.alternatives_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.alternatives_button.setSizePolicy(
            QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed
        )
        self.alternatives_button.setMinimumWidth(200)
        self.menu = QMenu(self.alternatives_button)
        self.menu.setObjectName(f"supplyAlternativesMenu{number}")
        self.menu.aboutToShow.connect(self._fill_menu)
        self.alternatives_button.setMenu(self.menu)

        self.remove = QToolButton()
        self.remove.setObjectName(f"supplyRemove{number}")
        self.remove.setText("Remove")
        self.remove.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.remove.clicked.connect(lambda: self.remove_requested.emit(self))

        self.error = field_message(f"supplyError{number}")
        widen(self.error)
        self.set_number(number)
        if mapping is not None:
            self._show(mapping)
        self._alternatives_changed()

    # -- contents ---------------------------------------------------------------------------
    @staticmethod
    def _label(ref: SupplyItemRef) -> str:
        unit = f" ({ref.unit})" if ref.unit else ""
        return f"{ref.name}{unit}" if ref.is_active else f"{ref.name}{unit} — no longer stocked"

    def set_number(self, number: int) -> None:
        """Accessible names say the row ("Row 2 item")."""
        self.number = number
        for widget, what in (
            (self.item, "item"),
            (self.quantity, "quantity used per visit"),
            (self.per_tooth_on, "uses a quantity per tooth"),
            (self.per_tooth, "quantity per tooth"),
            (self.required, "required"),
            (self.alternatives_button, "alternatives"),
            (self.remove, "remove"),
        ):
            widget.setAccessibleName(f"Row {number} {what}")

    def _show(self, mapping: SupplyMappingView) -> None:
        if mapping.item.id not in self._items:
            self._items[mapping.item.id] = mapping.item
            self.item.addItem(self._label(mapping.item), str(mapping.item.id))
        self.item.setCurrentIndex(self.item.findData(str(mapping.item.id)))
        self.quantity.setText(_quantity_text(mapping.quantity_used))
        if mapping.per_tooth_quantity is not None:
            self.per_tooth_on.setChecked(True)
            self.per_tooth.setText(_quantity_text(mapping.per_tooth_quantity))
        self.required.setChecked(mapping.is_required)
        for ref in mapping.alternatives:
            self._items.setdefault(ref.id, ref)
            self.alternatives.append(ref.id)

    def _per_tooth_toggled(self, on: bool) -> None:
        self.per_tooth.setEnabled(on)
        if on and not self.per_tooth.text():
            self.per_tooth.setText("1")
        if on:
            self.per_tooth.setFocus()

    def _fill_menu(self) -> None:
        self.menu.clear()
        own = self.item_id()
        for ref in sorted(self._items.values(), key=lambda r: r.name.casefold()):
            if ref.id == own or (not ref.is_active and ref.id not in self.alternatives):
                continue
            action = QAction(self._label(ref), self.menu)
            action.setCheckable(True)
            action.setChecked(ref.id in self.alternatives)
            action.toggled.connect(lambda on, ident=ref.id: self._toggle(ident, on))
            self.menu.addAction(action)
        if self.menu.isEmpty():
            self.menu.addAction("No other items in the inventory").setEnabled(False)

    def _toggle(self, item_id: uuid.UUID, on: bool) -> None:
        if on and item_id not in self.alternatives:
            self.alternatives.append(item_id)
        elif not on and item_id in self.alternatives:
            self.alternatives.remove(item_id)
        self._alternatives_changed()

    def set_alternatives(self, item_ids: Sequence[uuid.UUID]) -> None:
        self.alternatives = list(item_ids)
        self._alternatives_changed()

    def _alternatives_changed(self) -> None:
        names = [self._items[i].name for i in self.alternatives if i in self._items]
        text = ", ".join(names) if names else NO_ALTERNATIVES
        metrics = self.alternatives_button.fontMetrics()
        self.alternatives_button.setText(metrics.elidedText(text, Qt.TextElideMode.ElideRight, 215))
        self.alternatives_button.setToolTip(
            "Tried in this order when the item is short: " + ", ".join(names)
            if names
            else "Items that may stand in when this one is short (choose from the list)"
        )

    # -- reading back -----------------------------------------------------------------------
    def item_id(self) -> uuid.UUID | None:
        """The chosen item: the entry whose text is in the box, or None."""
        index = self.item.findText(self.item.currentText().strip())
        return None if index < 0 else uuid.UUID(self.item.itemData(index))

    def draft(self) -> MappingDraft | None:
        item_id = self.item_id()
        if item_id is None:
            return None
        return MappingDraft(
            item_id=item_id,
            quantity_used=self.quantity.text().strip(),
            per_tooth_quantity=self.per_tooth.text().strip()
            if self.per_tooth_on.isChecked()
            else None,
            is_required=self.required.isChecked(),
            alternatives=tuple(self.alternatives),
        )

    def widget_for(self, name: str) -> QWidget:
        """The widget a service error about ``name`` belongs to."""
        return {
            "item": self.item,
            "quantity_used": self.quantity,
            "per_tooth_quantity": self.per_tooth,
            "alternatives": self.alternatives_button,
        }.get(name, self.item)

    def show_error(self, text: str, name: str | None = None) -> None:
        show_message(self.error, text)
        for key in ("item", "quantity_used", "per_tooth_quantity"):
            target = self.widget_for(key)
            if isinstance(target, QComboBox):
                target = target.lineEdit() or target
            _mark(target, bool(text) and key == name)

    def widgets(self) -> list[QWidget]:
        return [
            self.item,
            self.quantity,
            self.per_tooth_cell,
            self.required,
            self.alternatives_button,
            self.remove,
        ]

    def focus_order(self) -> list[QWidget]:
        return [
            self.item,
            self.quantity,
            self.per_tooth_on,
            self.per_tooth,
            self.required,
            self.alternatives_button,
            self.remove,
        ]


class MappingsEditor(QDialog):
    """The supplies of ``service``; ``saved_mappings`` after Save."""

    def __init__(
        self,
        catalog: CatalogService,
        inventory: InventoryService,
        actor: Actor,
        service: DentalService,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("mappingsEditor")
        self._catalog = catalog
        self._inventory = inventory
        self._actor = actor
        self._service = service
        self._task: TaskHandle | None = None
        self._items: list[SupplyItemRef] = []
        self._opened: list[MappingDraft] | None = None
        self.rows: list[SupplyRow] = []
        self.saved_mappings: tuple[SupplyMappingView, ...] | None = None
        self.setWindowTitle(f"Supplies used by {service.name}")
        self.setModal(True)
        self.setMinimumWidth(1000)
        self.resize(1060, 560)
        self._build()
        self.load()

    # -- building ---------------------------------------------------------------------------
    def _build(self) -> None:
        title = QLabel(f"Supplies used by {self._service.name}")
        title.setObjectName("mappingsTitle")
        font = title.font()
        font.setPointSizeF(font.pointSizeF() * 1.25)
        font.setBold(True)
        title.setFont(font)
        per_tooth = self._service.pricing_model is PricingModel.PER_TOOTH
        explain = QLabel(
            "Completing a visit with this service takes these from stock. "
            + (
                "With a quantity per tooth, that is what each tooth treated uses."
                if per_tooth
                else "It is priced "
                + self._service.pricing_model.value
                + ", so the quantity per visit is used (per-tooth quantities apply to "
                "Per Tooth services only)."
            )
            + " When an item is short, the first alternative with enough stock is used."
        )
        explain.setObjectName("mappingsExplain")
        explain.setWordWrap(True)
        self.stale, self.reload_button, stale_line = stale_row(
            "mappings", "Show the supplies as saved now (your rows are replaced)", self.load
        )

        self.grid_host = QWidget()
        self.grid_host.setObjectName("mappingsRows")
        host = QVBoxLayout(self.grid_host)
        host.setContentsMargins(4, 4, 4, 4)
        self.grid = QGridLayout()
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.grid.setHorizontalSpacing(10)
        self.grid.setVerticalSpacing(2)
        self.grid.setColumnStretch(ITEM, 3)
        self.grid.setColumnStretch(ALTERNATIVES, 2)
        for column, text in enumerate(HEADERS):
            label = QLabel(text)
            label.setObjectName(f"mappingsHeader{column}")
            label.setProperty("role", "hint")
            self.grid.addWidget(label, 0, column)
        host.addLayout(self.grid)
        host.addStretch(1)  # the rows stay at the top however few they are
        self.empty = QLabel("No supplies yet: add the items this service uses.")
        self.empty.setObjectName("mappingsEmpty")
        self.empty.setProperty("role", "hint")
        scroll = QScrollArea()
        scroll.setObjectName("mappingsScroll")
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.grid_host)
        self.scroll = scroll

        self.add_button = QPushButton("&Add supply")
        self.add_button.setObjectName("mappingsAdd")
        self.add_button.setToolTip("Add a row (Ctrl+N)")
        self.add_button.setAutoDefault(False)
        self.add_button.clicked.connect(lambda: self.add_row(None, focus=True))
        add = QShortcut(QKeySequence("Ctrl+N"), self)
        add.activated.connect(lambda: self.add_row(None, focus=True))
        self.message = field_message("mappingsMessage")
        widen(self.message, self.stale)
        self.busy = busy_bar("mappingsBusy")
        self.save_button, self.cancel_button = save_and_cancel(
            self, "mappings", "&Save supplies", self.save
        )
        self.save_button.setToolTip("Save (Ctrl+S)")
        save = QShortcut(QKeySequence("Ctrl+S"), self)
        save.activated.connect(self.save)
        buttons = button_row(self.cancel_button, self.save_button, leading=(self.add_button,))

        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 20)
        layout.setSpacing(8)
        layout.addWidget(title)
        layout.addWidget(explain)
        layout.addLayout(stale_line)
        layout.addWidget(self.busy)
        layout.addWidget(scroll, 1)
        layout.addWidget(self.empty)
        layout.addWidget(self.message)
        layout.addLayout(buttons)
        self._set_busy(True)

    # -- loading ----------------------------------------------------------------------------
    def load(self) -> None:
        """Read the saved supplies and the inventory's items (in the background)."""
        if self._task is not None and not self._task.done:
            return
        catalog, inventory, actor = self._catalog, self._inventory, self._actor
        service_id = self._service.id

        def work(_report: Any) -> tuple[tuple[SupplyMappingView, ...], list[InventoryItemView]]:
            return catalog.mappings(actor, service_id), inventory.items(actor)

        self._set_busy(True)
        self._task = run_task(work, on_done=self._loaded, on_error=self._failed, owner=self)

    def _loaded(
        self, result: tuple[tuple[SupplyMappingView, ...], list[InventoryItemView]]
    ) -> None:
        mappings, items = result
        self._items = [SupplyItemRef(i.id, i.name, i.unit, i.is_active) for i in items]
        self._opened = [m.to_draft() for m in mappings]
        self._set_busy(False)
        self.set_rows(mappings)
        self.reload_button.hide()
        show_message(self.stale, "")
        show_message(self.message, "")
        if self.rows:
            self.rows[0].item.setFocus()
        else:
            self.add_button.setFocus()

    def set_rows(self, mappings: Sequence[SupplyMappingView]) -> None:
        for row in list(self.rows):
            self._drop(row)
        for mapping in mappings:
            self.add_row(mapping)
        self._rows_changed()

    # -- rows -------------------------------------------------------------------------------
    def add_row(
        self, mapping: SupplyMappingView | None = None, *, focus: bool = False
    ) -> SupplyRow:
        row = SupplyRow(len(self.rows) + 1, self._items, mapping, self)
        row.remove_requested.connect(self.remove_row)
        self.rows.append(row)
        self._rows_changed()
        if focus:
            # The layout shows the new widgets on the next turn of the event loop.
            QTimer.singleShot(0, lambda: self._focus_row(row))
        return row

    def _focus_row(self, row: SupplyRow) -> None:
        if row in self.rows:
            row.item.setFocus()
            self.scroll.ensureWidgetVisible(row.item)

    def remove_row(self, row: SupplyRow) -> None:
        index = self.rows.index(row)
        self._drop(row)
        self._rows_changed()
        if self.rows:
            self.rows[min(index, len(self.rows) - 1)].item.setFocus()
        else:
            self.add_button.setFocus()

    def _drop(self, row: SupplyRow) -> None:
        self.rows.remove(row)
        for widget in [*row.widgets(), row.error]:
            self.grid.removeWidget(widget)
            widget.deleteLater()
        row.deleteLater()

    def _rows_changed(self) -> None:
        """Lay the rows out again (two grid lines each: the fields, then their message)."""
        for number, row in enumerate(self.rows, start=1):
            line = 2 * number - 1
            row.set_number(number)
            for column, widget in enumerate(row.widgets()):
                self.grid.addWidget(widget, line, column)
            self.grid.addWidget(row.error, line + 1, 0, 1, len(HEADERS))
        self.empty.setVisible(not self.rows)
        order: list[QWidget] = [w for row in self.rows for w in row.focus_order()]
        order += [self.add_button, self.cancel_button, self.save_button]
        for first, second in pairwise(order):
            QWidget.setTabOrder(first, second)

    # -- saving -----------------------------------------------------------------------------
    def drafts(self) -> list[MappingDraft] | None:
        """The rows as drafts; None (with the row marked) when a row has no item chosen."""
        drafts = []
        for row in self.rows:
            row.show_error("")
            draft = row.draft()
            if draft is None:
                row.show_error(
                    f"Row {row.number}: choose an item from the list (or remove the row)", "item"
                )
                row.item.setFocus()
                return None
            drafts.append(draft)
        return drafts

    def save(self) -> None:
        if (self._task is not None and not self._task.done) or self._opened is None:
            return
        show_message(self.message, "")
        drafts = self.drafts()
        if drafts is None:
            return
        catalog, actor, service_id = self._catalog, self._actor, self._service.id
        expected = list(self._opened)
        self._set_busy(True)
        self._task = run_task(
            lambda _report: catalog.save_mappings(actor, service_id, drafts, expected=expected),
            on_done=self._saved,
            on_error=self._failed,
            owner=self,
        )

    def _saved(self, mappings: tuple[SupplyMappingView, ...]) -> None:
        self._set_busy(False)
        self.saved_mappings = mappings
        self.accept()

    def _failed(self, error: BaseException) -> None:
        self._set_busy(False)
        if isinstance(error, StaleRecordError):
            show_message(self.stale, error.message)
            self.reload_button.show()
            self.reload_button.setFocus()
            return
        field = error.field if isinstance(error, DcmsError) else None
        if field and field.startswith("supplies."):
            _prefix, index, name = field.split(".", 2)
            row = self.rows[int(index)]
            row.show_error(f"Row {row.number}: {error.message}", name)
            target = row.widget_for(name)
            target.setFocus()
            self.scroll.ensureWidgetVisible(target)
            return
        show_message(self.message, error_text(error, "saving the supplies"))

    def _set_busy(self, busy: bool) -> None:
        self.busy.setVisible(busy)
        ready = not busy and self._opened is not None
        self.save_button.setEnabled(ready)
        self.add_button.setEnabled(ready)
        self.reload_button.setEnabled(not busy)
        self.grid_host.setEnabled(not busy)
