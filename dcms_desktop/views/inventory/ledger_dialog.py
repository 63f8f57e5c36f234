"""An item's page: its details, and its ledger (every movement, newest first), read in
the background. Move stock… is offered from here too; the page reloads itself when the
item moves (the inventory page calls :meth:`ItemLedgerDialog.reload`)."""

from __future__ import annotations

import html
import uuid
from collections.abc import Callable
from datetime import date
from typing import Any

from PySide6.QtCore import QSortFilterProxyModel, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from dcms_desktop.domain.readmodels.inventory import (
    InventoryItemView,
    StockMovementView,
    quantity_text,
)
from dcms_desktop.domain.readmodels.people import Actor
from dcms_desktop.services.inventory import InventoryService
from dcms_desktop.views.admin.common import busy_bar, error_text
from dcms_desktop.views.change_password import field_message, show_message
from dcms_desktop.views.inventory.models import (
    SORT_ROLE,
    RowsModel,
    date_text,
    expiry_text,
    ledger_columns,
    money_text,
)
from dcms_desktop.views.inventory.stock_bar import LEVEL_COLOURS, LEVEL_NAMES
from dcms_desktop.views.tasks import TaskHandle, run_task

LEDGER_LIMIT = 500
"""The newest movements shown; an item's whole history is in the movements report."""


class ItemLedgerDialog(QDialog):
    """Details and ledger of one item."""

    def __init__(
        self,
        service: InventoryService,
        actor: Actor,
        item: InventoryItemView,
        *,
        today: Callable[[], date] = date.today,
        move_stock: Callable[[InventoryItemView], None] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("ledgerDialog")
        self.setWindowTitle(f"{item.name} — stock ledger")
        self._service = service
        self._actor = actor
        self.item = item
        self._today = today
        self._move_stock = move_stock
        self._task: TaskHandle | None = None
        self.movements: list[StockMovementView] = []
        self.resize(1240, 620)
        self._build()
        self._show_item(item)

    @property
    def item_id(self) -> uuid.UUID:
        return self.item.id

    def _build(self) -> None:
        self.title = QLabel("")
        self.title.setObjectName("sectionTitle")
        self.summary = QLabel("")
        self.summary.setObjectName("ledgerSummary")
        self.summary.setTextFormat(Qt.TextFormat.RichText)
        self.details = QGridLayout()
        self.details.setHorizontalSpacing(18)
        self.details.setVerticalSpacing(2)
        self._detail_labels: dict[str, QLabel] = {}
        for index, caption in enumerate(
            (
                "Category",
                "Unit",
                "Cost per unit",
                "Stock value",
                "Supplier",
                "Supplier contact",
                "Stored at",
                "Expires",
                "Last restocked",
                "Description",
            )
        ):
            row, column = divmod(index, 2)
            name = QLabel(caption)
            name.setProperty("role", "hint")
            value = QLabel("")
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            value.setObjectName(f"ledger_{caption.lower().replace(' ', '_')}")
            self.details.addWidget(name, row, column * 2)
            self.details.addWidget(value, row, column * 2 + 1)
            self._detail_labels[caption] = value
        self.details.setColumnStretch(1, 1)
        self.details.setColumnStretch(3, 1)

        self.model: RowsModel[StockMovementView] = RowsModel(ledger_columns(), lambda m: m.id, self)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setSortRole(SORT_ROLE)
        self.table = QTableView()
        self.table.setObjectName("ledgerTable")
        self.table.setAccessibleName("Stock ledger")
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(0, Qt.SortOrder.DescendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(4, QHeaderView.ResizeMode.Stretch)
        for column, width in ((0, 140), (1, 95), (2, 55), (3, 90), (5, 105), (6, 245), (7, 110)):
            header.resizeSection(column, width)

        self.count = QLabel("")
        self.count.setObjectName("ledgerCount")
        self.message = field_message("ledgerMessage")
        self.busy = busy_bar("ledgerBusy")
        self.move_button = QPushButton("&Move stock…")
        self.move_button.setObjectName("ledgerMove")
        self.move_button.setProperty("primary", True)
        self.move_button.setVisible(self._move_stock is not None)
        self.move_button.clicked.connect(self._move)
        self.close_button = QPushButton("Close")
        self.close_button.setObjectName("ledgerClose")
        self.close_button.clicked.connect(self.accept)
        buttons = QHBoxLayout()
        buttons.addWidget(self.count)
        buttons.addStretch(1)
        buttons.addWidget(self.move_button)
        buttons.addWidget(self.close_button)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 16, 20, 16)
        layout.setSpacing(8)
        layout.addWidget(self.title)
        layout.addWidget(self.summary)
        layout.addLayout(self.details)
        layout.addWidget(self.message)
        layout.addWidget(self.busy)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)

    def _show_item(self, item: InventoryItemView) -> None:
        self.item = item
        level = item.alert_level
        self.title.setText(item.name if item.is_active else f"{item.name} (inactive)")
        self.move_button.setEnabled(item.is_active)  # as on the list: reactivate it first
        self.move_button.setToolTip(
            "" if item.is_active else "Reactivate the item to move its stock"
        )
        stock = html.escape(quantity_text(item.current_stock, item.unit))
        self.summary.setText(
            f"<span style='color:{LEVEL_COLOURS[level]};font-weight:600'>"
            f"{LEVEL_NAMES[level]}</span> — {stock} in stock; "
            f"minimum {item.min_stock}, maximum {item.max_stock}"
        )
        values = {
            "Category": item.category,
            "Unit": item.unit,
            "Cost per unit": money_text(item.cost_per_unit),
            "Stock value": money_text(item.stock_value),
            "Supplier": item.supplier or "—",
            "Supplier contact": item.supplier_contact or "—",
            "Stored at": item.storage_location or "—",
            "Expires": expiry_text(item.expiration_date, self._today()) or "—",
            "Last restocked": date_text(item.last_restocked) or "—",
            "Description": item.description or "—",
        }
        for caption, text in values.items():
            self._detail_labels[caption].setText(text)

    # -- loading ----------------------------------------------------------------------------
    def reload(self) -> None:
        """Read the item and its ledger again, in the background."""
        if self._task is not None and not self._task.done:
            self._task.cancel()
        service, actor, item_id = self._service, self._actor, self.item.id
        self.busy.show()

        def read(_report: Any) -> tuple[InventoryItemView, list[StockMovementView]]:
            return (
                service.item(actor, item_id),
                service.ledger(actor, item_id, limit=LEDGER_LIMIT),
            )

        self._task = run_task(read, on_done=self._loaded, on_error=self._failed, owner=self)

    def _loaded(self, result: tuple[InventoryItemView, list[StockMovementView]]) -> None:
        self.busy.hide()
        item, movements = result
        self._show_item(item)
        self.movements = movements
        self.model.set_rows(movements)
        review = sum(1 for m in movements if m.needs_review)
        shown = f"{len(movements)} movement{'s' if len(movements) != 1 else ''}"
        if len(movements) >= LEDGER_LIMIT:
            shown = f"The newest {LEDGER_LIMIT} movements"
        self.count.setText(shown + (f" · {review} need review" if review else ""))
        show_message(self.message, "")

    def _failed(self, error: BaseException) -> None:
        self.busy.hide()
        show_message(self.message, error_text(error, "reading the ledger"))

    def _move(self) -> None:
        if self._move_stock is not None:
            self._move_stock(self.item)
