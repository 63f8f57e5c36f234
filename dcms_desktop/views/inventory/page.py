"""The Inventory section: Items, Low stock and Restock requests, one tab each.

Items: every item with a stock bar against its minimum and maximum in its alert level's
colour, filtered in the query by search words, category, alert level, expiry and
inactive; New item… and Edit… (admins), Move stock…, Open ledger, Request restock….
Low stock: the ``low_stock_alerts`` list, the most urgent first. Restock requests: by
status, with Approve (admins), Mark ordered…, Receive… and Cancel request… (admins) as
the request's status and the role allow.

Every read and every change runs in the background. Changes made here or at another
workstation arrive as ``inventory …`` / ``restock_request …`` events on the bus; the page
then reads its lists again (once per burst of events), and an open ledger reloads when
its item moved.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import replace
from datetime import date
from typing import Any

from PySide6.QtCore import QSortFilterProxyModel, Qt, QTimer
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from dcms_desktop.domain.enums import AlertLevel, RestockStatus
from dcms_desktop.domain.errors import StaleRecordError
from dcms_desktop.domain.permissions import Action, is_allowed
from dcms_desktop.domain.readmodels.inventory import (
    InventoryItemView,
    LowStockAlert,
    RestockRequestView,
)
from dcms_desktop.domain.readmodels.people import Actor
from dcms_desktop.services.context import ServiceContext
from dcms_desktop.services.inventory import InventoryService
from dcms_desktop.views.admin.common import Confirm, ask, busy_bar, error_text, when_text
from dcms_desktop.views.change_password import field_message, show_message
from dcms_desktop.views.inventory.item_dialog import ItemDialog
from dcms_desktop.views.inventory.ledger_dialog import ItemLedgerDialog
from dcms_desktop.views.inventory.models import (
    ROW_ROLE,
    SORT_ROLE,
    STATUS_NAMES,
    RowsModel,
    alert_columns,
    item_columns,
    request_columns,
)
from dcms_desktop.views.inventory.stock_bar import StockBarDelegate
from dcms_desktop.views.inventory.stock_dialogs import (
    CancelRequestDialog,
    MoveStockDialog,
    OrderDialog,
    ReceiveDialog,
    RequestRestockDialog,
)
from dcms_desktop.views.open_dialog import open_dialog
from dcms_desktop.views.patients.live import ChangeRelay
from dcms_desktop.views.table_selection import select_by_key, select_index
from dcms_desktop.views.tables import list_table
from dcms_desktop.views.tasks import TaskHandle, run_task

log = logging.getLogger(__name__)

ITEMS_TAB, LOW_TAB, REQUESTS_TAB = 0, 1, 2
REFRESH_DELAY_MS = 300
SEARCH_DELAY_MS = 250
WATCHED_ENTITIES = frozenset({"inventory", "restock_request", "*"})

LEVEL_FILTERS: tuple[tuple[str, tuple[AlertLevel, ...]], ...] = (
    ("Any level", ()),
    ("Critical or urgent", (AlertLevel.CRITICAL, AlertLevel.URGENT)),
    ("At or below minimum", (AlertLevel.CRITICAL, AlertLevel.URGENT, AlertLevel.LOW)),
    ("Critical", (AlertLevel.CRITICAL,)),
    ("Urgent", (AlertLevel.URGENT,)),
    ("Low", (AlertLevel.LOW,)),
    ("Normal", (AlertLevel.NORMAL,)),
)
OPEN = "open"
STATUS_FILTERS: tuple[tuple[str, str | None], ...] = (
    ("Open (pending, approved, ordered)", OPEN),
    ("All requests", None),
    *((STATUS_NAMES[s], s.value) for s in RestockStatus),
)


def _table(name: str, accessible: str, model: QSortFilterProxyModel) -> QTableView:
    table = list_table(name, model, accessible=accessible)
    table.setSortingEnabled(True)
    table.setAlternatingRowColors(True)
    header = table.horizontalHeader()
    header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
    header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    return table


def _proxy(model: RowsModel[Any], parent: QWidget) -> QSortFilterProxyModel:
    proxy = QSortFilterProxyModel(parent)
    proxy.setSourceModel(model)
    proxy.setSortRole(SORT_ROLE)
    proxy.setDynamicSortFilter(True)
    return proxy


class InventoryPage(QWidget):
    """The Inventory section of the main window."""

    def __init__(
        self,
        context: ServiceContext | None,
        actor: Actor,
        parent: QWidget | None = None,
        *,
        service: InventoryService | None = None,
        bus: Any = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("page_inventory")
        if service is None:
            assert context is not None, "InventoryPage needs a context or a service"
            service = InventoryService(context)
        self.service = service
        self.actor = actor
        self.can_edit = is_allowed(actor.role, Action.EDIT_INVENTORY)
        self.can_move = is_allowed(actor.role, Action.MOVE_STOCK)
        self.can_request = is_allowed(actor.role, Action.REQUEST_RESTOCK)
        self.confirm: Confirm = ask(self)
        self.dialog: QDialog | None = None
        self.ledger: ItemLedgerDialog | None = None
        self._tasks: dict[str, TaskHandle] = {}
        self._categories: list[str] = []
        self._select_item: uuid.UUID | None = None
        self._open_requests: dict[uuid.UUID, RestockRequestView] = {}

        self.items_model: RowsModel[InventoryItemView] = RowsModel(
            item_columns(self.today), lambda i: i.id, self
        )
        self.alerts_model: RowsModel[LowStockAlert] = RowsModel(
            alert_columns(self.open_request_for), lambda a: a.item_id, self
        )
        self.requests_model: RowsModel[RestockRequestView] = RowsModel(
            request_columns(), lambda r: r.id, self
        )
        self._build()
        self._update_actions()

        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self.load_items)
        self._refresh_timer = QTimer(self)
        self._refresh_timer.setSingleShot(True)
        self._refresh_timer.setInterval(REFRESH_DELAY_MS)
        self._refresh_timer.timeout.connect(self.refresh)
        self.relay = ChangeRelay(bus if bus is not None else _bus_of(context), self)
        self.relay.changed.connect(self._on_change)
        self.refresh()

    def today(self) -> date:
        return self.service.context.local_now().date()

    # -- building ---------------------------------------------------------------------------
    def _action(
        self, owner: QWidget, text: str, name: str, shortcut: str, slot: Callable[[], None]
    ) -> QAction:
        action = QAction(text, owner)
        action.setObjectName(name)
        if shortcut:
            action.setShortcut(QKeySequence(shortcut))
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        action.triggered.connect(lambda _checked=False: slot())
        owner.addAction(action)
        return action

    @staticmethod
    def _button(action: QAction, name: str, *, primary: bool = False) -> QPushButton:
        button = QPushButton(action.text())
        button.setObjectName(name)
        if primary:
            button.setProperty("primary", True)
        shortcut = action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)

        def follow() -> None:
            button.setText(action.text())
            button.setEnabled(action.isEnabled())
            button.setVisible(action.isVisible())
            tip = action.toolTip() or action.text().replace("&", "")
            button.setToolTip(f"{tip} ({shortcut})" if shortcut else tip)

        action.changed.connect(follow)
        button.clicked.connect(action.trigger)
        follow()
        return button

    def _build(self) -> None:
        title = QLabel("Inventory")
        title.setObjectName("sectionTitle")
        subtitle = QLabel(
            "Supplies on the shelves, what is running low, and what has been ordered."
        )
        subtitle.setObjectName("inventorySubtitle")
        self.message = field_message("inventoryMessage")
        self.busy = busy_bar("inventoryBusy")
        self.tabs = QTabWidget()
        self.tabs.setObjectName("inventoryTabs")
        self.tabs.setDocumentMode(True)
        self.tabs.addTab(self._build_items(), "&Items")
        self.tabs.addTab(self._build_low(), "&Low stock")
        self.tabs.addTab(self._build_requests(), "&Restock requests")
        self.tabs.currentChanged.connect(lambda _i: self._update_actions())

        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 16, 24, 12)
        layout.setSpacing(6)
        layout.addWidget(title)
        layout.addWidget(subtitle)
        layout.addWidget(self.message)
        layout.addWidget(self.busy)
        layout.addWidget(self.tabs, 1)

    def _build_items(self) -> QWidget:
        tab = QWidget()
        tab.setObjectName("inventoryItemsTab")
        self.search = QLineEdit()
        self.search.setObjectName("inventorySearch")
        self.search.setPlaceholderText("Find by name, supplier or place (Ctrl+F)")
        self.search.setClearButtonEnabled(True)
        self.search.setAccessibleName("Find an item")
        self.search.setMinimumWidth(300)
        self.search.textChanged.connect(lambda _t: self._search_timer.start())
        self.category = QComboBox()
        self.category.setObjectName("inventoryCategory")
        self.category.setAccessibleName("Category")
        self.category.addItem("All categories", "")
        self.category.setMinimumContentsLength(14)
        self.category.currentIndexChanged.connect(lambda _i: self.load_items())
        self.level = QComboBox()
        self.level.setObjectName("inventoryLevel")
        self.level.setAccessibleName("Alert level")
        for text, levels in LEVEL_FILTERS:
            self.level.addItem(text, levels)
        self.level.currentIndexChanged.connect(lambda _i: self.load_items())
        self.expiring = QCheckBox("Expiring ≤ 30 days")
        self.expiring.setObjectName("inventoryExpiring")
        self.expired = QCheckBox("Expired")
        self.expired.setObjectName("inventoryExpired")
        self.inactive = QCheckBox("Show inactive")
        self.inactive.setObjectName("inventoryInactive")
        for box in (self.expiring, self.expired, self.inactive):
            box.toggled.connect(lambda _c: self.load_items())
        self.items_count = QLabel("")
        self.items_count.setObjectName("inventoryCount")
        self.items_count.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        filters = QHBoxLayout()
        filters.addWidget(self.search, 3)
        filters.addWidget(self.category)
        filters.addWidget(self.level)
        filters.addWidget(self.expiring)
        filters.addWidget(self.expired)
        filters.addWidget(self.inactive)
        filters.addStretch(1)
        filters.addWidget(self.items_count)

        self.new_action = self._action(
            tab, "&New item…", "inventoryNewAction", "Ctrl+N", self.new_item
        )
        self.edit_action = self._action(
            tab, "&Edit…", "inventoryEditAction", "Ctrl+E", self.edit_item
        )
        self.active_action = self._action(
            tab, "&Deactivate", "inventoryActiveAction", "Ctrl+D", self.toggle_active
        )
        self.move_action = self._action(
            tab, "&Move stock…", "inventoryMoveAction", "Ctrl+M", self.move_stock
        )
        self.ledger_action = self._action(
            tab, "&Open ledger", "inventoryLedgerAction", "Ctrl+O", self.open_ledger
        )
        self.request_action = self._action(
            tab, "Request rest&ock…", "inventoryRequestAction", "Ctrl+R", self.request_restock
        )
        for action in (self.new_action, self.edit_action, self.active_action):
            action.setVisible(self.can_edit)
        self.move_action.setVisible(self.can_move)
        self.request_action.setVisible(self.can_request)
        buttons = QHBoxLayout()
        buttons.addWidget(self._button(self.move_action, "inventoryMove", primary=True))
        buttons.addWidget(self._button(self.ledger_action, "inventoryLedger"))
        buttons.addWidget(self._button(self.request_action, "inventoryRequest"))
        buttons.addStretch(1)
        buttons.addWidget(self._button(self.new_action, "inventoryNew"))
        buttons.addWidget(self._button(self.edit_action, "inventoryEdit"))
        buttons.addWidget(self._button(self.active_action, "inventoryActive"))

        self.items_proxy = _proxy(self.items_model, self)
        self.items_table = _table("inventoryTable", "Stock items", self.items_proxy)
        self.items_table.setItemDelegateForColumn(2, StockBarDelegate(self.items_table))
        self.items_table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        self.items_table.activated.connect(lambda _i: self.open_ledger())
        self.items_table.selectionModel().selectionChanged.connect(
            lambda *_: self._update_actions()
        )
        header = self.items_table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column, width in ((1, 125), (2, 185), (3, 68), (4, 78), (5, 78), (6, 178), (7, 130)):
            header.resizeSection(column, width)

        layout = QVBoxLayout(tab)
        layout.setContentsMargins(0, 8, 0, 0)
        layout.setSpacing(6)
        layout.addLayout(filters)
        layout.addLayout(buttons)
        layout.addWidget(self.items_table, 1)
        return tab

    def _build_low(self) -> QWidget:
        tab = QWidget()
        tab.setObjectName("inventoryLowTab")
        self.low_summary = QLabel("")
        self.low_summary.setObjectName("lowStockSummary")
        self.low_summary.setTextFormat(Qt.TextFormat.RichText)
        self.low_request_action = self._action(
            tab, "Request rest&ock…", "lowRequestAction", "Ctrl+R", self.request_restock
        )
        self.low_request_action.setVisible(self.can_request)
        self.low_move_action = self._action(
            tab, "&Move stock…", "lowMoveAction", "Ctrl+M", self.move_stock
        )
        self.low_move_action.setVisible(self.can_move)
        self.low_ledger_action = self._action(
            tab, "&Open ledger", "lowLedgerAction", "Ctrl+O", self.open_ledger
        )
        buttons = QHBoxLayout()
        buttons.addWidget(self.low_summary, 1)
        buttons.addWidget(self._button(self.low_request_action, "lowRequest", primary=True))
        buttons.addWidget(self._button(self.low_move_action, "lowMove"))
        buttons.addWidget(self._button(self.low_ledger_action, "lowLedger"))
        self.alerts_proxy = _proxy(self.alerts_model, self)
        self.alerts_table = _table("lowStockTable", "Low stock", self.alerts_proxy)
        self.alerts_table.sortByColumn(0, Qt.SortOrder.AscendingOrder)  # the most urgent first
        self.alerts_table.activated.connect(lambda _i: self.request_restock())
        self.alerts_table.selectionModel().selectionChanged.connect(
            lambda *_: self._update_actions()
        )
        header = self.alerts_table.horizontalHeader()
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.resizeSection(8, 130)
        for column, width in ((0, 75), (2, 115), (3, 110), (4, 75), (5, 95), (6, 125), (7, 140)):
            header.resizeSection(column, width)
        layout = QVBoxLayout(tab)
        layout.setContentsMargins(0, 8, 0, 0)
        layout.setSpacing(6)
        layout.addLayout(buttons)
        layout.addWidget(self.alerts_table, 1)
        return tab

    def _build_requests(self) -> QWidget:
        tab = QWidget()
        tab.setObjectName("inventoryRequestsTab")
        self.status_filter = QComboBox()
        self.status_filter.setObjectName("requestStatusFilter")
        self.status_filter.setAccessibleName("Show requests")
        for text, status in STATUS_FILTERS:
            self.status_filter.addItem(text, status)
        self.status_filter.currentIndexChanged.connect(lambda _i: self.load_requests())
        self.approve_action = self._action(tab, "&Approve", "approveAction", "", self.approve)
        self.order_action = self._action(tab, "Mark &ordered…", "orderAction", "", self.order)
        self.receive_action = self._action(tab, "Recei&ve…", "receiveAction", "", self.receive)
        self.cancel_action = self._action(
            tab, "Ca&ncel request…", "cancelRequestAction", "", self.cancel_request
        )
        self.approve_action.setVisible(is_allowed(self.actor.role, Action.APPROVE_RESTOCK))
        self.order_action.setVisible(is_allowed(self.actor.role, Action.ORDER_RESTOCK))
        self.receive_action.setVisible(is_allowed(self.actor.role, Action.RECEIVE_RESTOCK))
        self.cancel_action.setVisible(is_allowed(self.actor.role, Action.CANCEL_RESTOCK))
        self.requests_count = QLabel("")
        self.requests_count.setObjectName("requestsCount")
        row = QHBoxLayout()
        show = QLabel("&Show")
        show.setBuddy(self.status_filter)
        row.addWidget(show)
        row.addWidget(self.status_filter)
        row.addWidget(self.requests_count)
        row.addStretch(1)
        row.addWidget(self._button(self.approve_action, "requestApprove", primary=True))
        row.addWidget(self._button(self.order_action, "requestOrder"))
        row.addWidget(self._button(self.receive_action, "requestReceive"))
        row.addWidget(self._button(self.cancel_action, "requestCancel"))
        self.requests_proxy = _proxy(self.requests_model, self)
        self.requests_table = _table("requestsTable", "Restock requests", self.requests_proxy)
        self.requests_table.sortByColumn(4, Qt.SortOrder.DescendingOrder)
        self.requests_table.selectionModel().selectionChanged.connect(
            lambda *_: self._update_actions()
        )
        header = self.requests_table.horizontalHeader()
        header.setSectionResizeMode(5, QHeaderView.ResizeMode.Stretch)
        for column, width in ((0, 90), (1, 250), (2, 120), (3, 80), (4, 140)):
            header.resizeSection(column, width)
        layout = QVBoxLayout(tab)
        layout.setContentsMargins(0, 8, 0, 0)
        layout.setSpacing(6)
        layout.addLayout(row)
        layout.addWidget(self.requests_table, 1)
        return tab

    # -- the section's keys -----------------------------------------------------------------
    def focus_search(self) -> None:
        """Ctrl+F: the Items tab's search box."""
        self.tabs.setCurrentIndex(ITEMS_TAB)
        self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search.selectAll()

    def refresh(self) -> None:
        """F5 (and every change event): read the three lists again."""
        self.load_items()
        self.load_alerts()
        self.load_requests()
        self._load_categories()
        if self.ledger is not None:
            self.ledger.reload()

    # -- loading ----------------------------------------------------------------------------
    def _run(
        self,
        key: str,
        work: Callable[[Any], Any],
        done: Callable[[Any], None],
        doing: str,
    ) -> None:
        """Run ``work`` in the background; a newer run of the same ``key`` supersedes it."""
        previous = self._tasks.get(key)
        if previous is not None and not previous.done:
            previous.cancel()
        self.busy.show()

        def finished(result: Any) -> None:
            self._task_over()
            done(result)

        def failed(error: BaseException) -> None:
            self._task_over()
            self._failed(error, doing)

        self._tasks[key] = run_task(work, on_done=finished, on_error=failed, owner=self)

    def _task_over(self) -> None:
        # The finishing task already counts as done here (tasks.py marks it first).
        self.busy.setVisible(any(not t.done for t in self._tasks.values()))

    def item_filters(self) -> dict[str, Any]:
        """The Items tab's filters, as ``InventoryService.items`` takes them."""
        return {
            "search": self.search.text().strip() or None,
            "category": self.category.currentData() or None,
            "alert_levels": self.level.currentData() or None,
            "expiring_soon": self.expiring.isChecked(),
            "expired": self.expired.isChecked(),
            "include_inactive": self.inactive.isChecked(),
        }

    def load_items(self) -> None:
        service, actor, filters = self.service, self.actor, self.item_filters()
        keep = self.selected_item()
        self._run(
            "items",
            lambda _r: service.items(actor, **filters),
            lambda items: self._items_loaded(items, keep.id if keep else None),
            "reading the items",
        )

    def _items_loaded(self, items: list[InventoryItemView], keep: uuid.UUID | None) -> None:
        self.items_model.set_rows(items)
        noun = "item" if len(items) == 1 else "items"
        self.items_count.setText(f"{len(items)} {noun}")
        wanted = self._select_item or keep
        self._select_item = None
        if wanted is None or not self._select(
            self.items_table, self.items_proxy, self.items_model, wanted
        ):
            _select_first(self.items_table)
        self._update_actions()

    def load_alerts(self) -> None:
        service, actor = self.service, self.actor

        def read(_r: Any) -> tuple[list[LowStockAlert], list[RestockRequestView]]:
            open_ones = [r for r in service.restock_requests(actor) if r.is_open]
            return service.low_stock(actor), open_ones

        self._run("alerts", read, self._alerts_loaded, "reading the low-stock list")

    def open_request_for(self, item_id: uuid.UUID) -> RestockRequestView | None:
        """The item's open restock request, as last read (None when it has none)."""
        return self._open_requests.get(item_id)

    def _alerts_loaded(self, result: tuple[list[LowStockAlert], list[RestockRequestView]]) -> None:
        alerts, open_requests = result
        keep = self.selected_alert()
        self._open_requests = {}
        for request in reversed(open_requests):  # the newest wins
            self._open_requests[request.item_id] = request
        self.alerts_model.set_rows(alerts)
        counts = {level: 0 for level in AlertLevel}
        for alert in alerts:
            counts[alert.alert_level] += 1
        if not alerts:
            self.low_summary.setText("Nothing is at or below its minimum.")
        else:
            self.low_summary.setText(
                f"<b>{len(alerts)}</b> item{'s' if len(alerts) != 1 else ''} at or below "
                f"minimum: <span style='color:#c62828'><b>{counts[AlertLevel.CRITICAL]}</b> "
                f"critical</span>, <span style='color:#e65100'><b>{counts[AlertLevel.URGENT]}"
                f"</b> urgent</span>, <b>{counts[AlertLevel.LOW]}</b> low."
            )
        self.tabs.setTabText(LOW_TAB, f"&Low stock ({len(alerts)})" if alerts else "&Low stock")
        if keep is None or not self._select(
            self.alerts_table, self.alerts_proxy, self.alerts_model, keep.item_id
        ):
            _select_first(self.alerts_table)
        self._update_actions()

    def load_requests(self) -> None:
        service, actor = self.service, self.actor
        wanted = self.status_filter.currentData()

        def read(_r: Any) -> list[RestockRequestView]:
            requests = service.restock_requests(actor, None if wanted in (None, OPEN) else wanted)
            return [r for r in requests if r.is_open] if wanted == OPEN else requests

        self._run("requests", read, self._requests_loaded, "reading the restock requests")

    def _requests_loaded(self, requests: list[RestockRequestView]) -> None:
        keep = self.selected_request()
        self.requests_model.set_rows(requests)
        noun = "request" if len(requests) == 1 else "requests"
        self.requests_count.setText(f"{len(requests)} {noun}")
        open_count = sum(1 for r in requests if r.is_open)
        if self.status_filter.currentData() in (OPEN, None):
            self.tabs.setTabText(
                REQUESTS_TAB,
                f"&Restock requests ({open_count} open)" if open_count else "&Restock requests",
            )
        if keep is None or not self._select(
            self.requests_table, self.requests_proxy, self.requests_model, keep.id
        ):
            _select_first(self.requests_table)
        self._update_actions()

    def _load_categories(self) -> None:
        service, actor = self.service, self.actor
        self._run(
            "categories", lambda _r: service.categories(actor), self._categories_loaded, "reading"
        )

    def _categories_loaded(self, categories: list[str]) -> None:
        self._categories = categories
        current = self.category.currentData()
        self.category.blockSignals(True)
        self.category.clear()
        self.category.addItem("All categories", "")
        for name in categories:
            self.category.addItem(name, name)
        index = self.category.findData(current)
        self.category.setCurrentIndex(max(index, 0))
        self.category.blockSignals(False)
        if current and index < 0:
            self.load_items()  # the category is gone: show them all

    def _on_change(self, entity: str, entity_id: str, _action: str) -> None:
        if entity in WATCHED_ENTITIES and not self._refresh_timer.isActive():
            self._refresh_timer.start()
        dialog = self.dialog
        if entity == "inventory" and isinstance(dialog, ItemDialog):
            item_id = dialog.item_id
            if item_id is not None and str(item_id) == entity_id:
                # The item open in the form changed: bring it in (see changed_elsewhere).
                service, actor = self.service, self.actor
                run_task(
                    lambda _report: service.item(actor, item_id),
                    on_done=dialog.changed_elsewhere,
                    on_error=lambda error: log.warning("re-reading an open item: %s", error),
                    owner=dialog,
                )

    # -- selection --------------------------------------------------------------------------
    @staticmethod
    def _selected(table: QTableView) -> Any:
        rows = table.selectionModel().selectedRows()
        return rows[0].data(ROW_ROLE) if rows else None

    def selected_item(self) -> InventoryItemView | None:
        return self._selected(self.items_table)

    def selected_alert(self) -> LowStockAlert | None:
        return self._selected(self.alerts_table)

    def selected_request(self) -> RestockRequestView | None:
        return self._selected(self.requests_table)

    @staticmethod
    def _select(
        table: QTableView, proxy: QSortFilterProxyModel, model: RowsModel[Any], key: uuid.UUID
    ) -> bool:
        return select_by_key(table, proxy, model, key)

    def select_item(self, item_id: uuid.UUID) -> bool:
        return self._select(self.items_table, self.items_proxy, self.items_model, item_id)

    def select_request(self, request_id: uuid.UUID) -> bool:
        return self._select(
            self.requests_table, self.requests_proxy, self.requests_model, request_id
        )

    def _current_item_id(self) -> uuid.UUID | None:
        """The item chosen on the visible tab (Items or Low stock)."""
        if self.tabs.currentIndex() == LOW_TAB:
            alert = self.selected_alert()
            return alert.item_id if alert else None
        item = self.selected_item()
        return item.id if item else None

    def _update_actions(self) -> None:
        item = self.selected_item()
        alert = self.selected_alert()
        request = self.selected_request()
        self.edit_action.setEnabled(item is not None)
        self.active_action.setEnabled(item is not None)
        self.active_action.setText(
            "Re&activate" if item is not None and not item.is_active else "&Deactivate"
        )
        self.move_action.setEnabled(item is not None and item.is_active)
        self.ledger_action.setEnabled(item is not None)
        self.request_action.setEnabled(item is not None and item.is_active)
        self.low_request_action.setEnabled(alert is not None)
        self.low_move_action.setEnabled(alert is not None)
        self.low_ledger_action.setEnabled(alert is not None)
        status = request.status if request is not None else None
        self.approve_action.setEnabled(status is RestockStatus.PENDING)
        self.order_action.setEnabled(status is RestockStatus.APPROVED)
        self.receive_action.setEnabled(status is RestockStatus.ORDERED)
        self.cancel_action.setEnabled(request is not None and request.is_open)

    # -- dialogs ----------------------------------------------------------------------------
    def _open(self, dialog: QDialog, done: Callable[[Any], None]) -> None:
        open_dialog(self, dialog, accepted=done)

    def new_item(self) -> None:
        if not self.can_edit:
            return
        dialog = ItemDialog(
            self.service,
            self.actor,
            None,
            categories=self._categories,
            today=self.today(),
            parent=self,
        )
        self._open(dialog, lambda item: self._item_saved(item, "is added"))

    def edit_item(self) -> None:
        item = self.selected_item()
        if item is None or not self.can_edit:
            return
        dialog = ItemDialog(
            self.service,
            self.actor,
            item,
            categories=self._categories,
            today=self.today(),
            parent=self,
        )
        self._open(dialog, lambda saved: self._item_saved(saved, "is saved"))

    def _item_saved(self, item: InventoryItemView | None, what: str) -> None:
        if item is None:
            return
        self._select_item = item.id
        self._say(f"{item.name} {what}.", "ok")
        self.refresh()

    def toggle_active(self) -> None:
        item = self.selected_item()
        if item is None or not self.can_edit:
            return
        activate = not item.is_active
        if not activate and not self.confirm(
            f"Deactivate {item.name}?",
            f"{item.name} leaves the lists and the low-stock alerts. Its ledger stays, and "
            "you can reactivate it at any time (tick Show inactive to find it).",
        ):
            return
        service, actor, item_id, version = self.service, self.actor, item.id, item.version
        self._run(  # one key per record: a save never supersedes another record's save
            f"active {item_id}",
            lambda _r: service.set_item_active(actor, item_id, activate, expected_version=version),
            lambda saved: self._item_saved(
                saved, "is active again" if activate else "is deactivated"
            ),
            "changing the item",
        )

    def _item_for(self, item_id: uuid.UUID, then: Callable[[InventoryItemView], None]) -> None:
        service, actor = self.service, self.actor
        self._run("open", lambda _r: service.item(actor, item_id), then, "reading the item")

    def move_stock(self, item: InventoryItemView | None = None) -> None:
        if not self.can_move:
            return
        if item is None:
            item_id = self._current_item_id()
            if item_id is None:
                return
            self._item_for(item_id, self.move_stock)
            return
        dialog = MoveStockDialog(self.service, self.actor, item, self.ledger or self)
        self._open(dialog, lambda movement: self._moved(item, movement))

    def _moved(self, item: InventoryItemView, movement: Any) -> None:
        if movement is None:
            return
        self._say(
            f"{item.name}: {movement.previous_stock} → {movement.new_stock} {item.unit}.", "ok"
        )
        self.refresh()

    def open_ledger(self) -> None:
        item_id = self._current_item_id()
        if item_id is None:
            return
        item = self.selected_item() if self.tabs.currentIndex() == ITEMS_TAB else None
        if item is None:
            self._item_for(item_id, self.show_ledger)
        else:
            self.show_ledger(item)

    def show_ledger(self, item: InventoryItemView) -> ItemLedgerDialog:
        """The item's page with its ledger (one at a time)."""
        if self.ledger is not None:
            self.ledger.close()
        dialog = ItemLedgerDialog(
            self.service,
            self.actor,
            item,
            today=self.today,
            move_stock=self.move_stock if self.can_move else None,
            parent=self,
        )
        open_dialog(self, dialog, slot="ledger")
        dialog.reload()
        return dialog

    def request_restock(self) -> None:
        if not self.can_request:
            return
        if self.tabs.currentIndex() == LOW_TAB:
            alert = self.selected_alert()
            if alert is None:
                return
            args = (alert.item_id, alert.name, alert.unit)
            current, minimum, suggested = (
                alert.current_stock,
                alert.min_stock,
                alert.suggested_order,
            )
        else:
            item = self.selected_item()
            if item is None:
                return
            args = (item.id, item.name, item.unit)
            current, minimum = item.current_stock, item.min_stock
            suggested = max(1, item.max_stock - item.current_stock)
        waiting = self.open_request_for(args[0])
        if waiting is not None and not self.confirm(
            f"{args[1]} is already requested",
            f"A restock request for {waiting.requested_quantity} is "
            f"{STATUS_NAMES[waiting.status].lower()}. Request more anyway?",
        ):
            return
        dialog = RequestRestockDialog(
            self.service,
            self.actor,
            *args,
            current=current,
            minimum=minimum,
            suggested=suggested,
            parent=self,
        )
        self._open(dialog, lambda request: self._request_saved(request, "is requested"))

    def _request_saved(self, request: RestockRequestView | None, what: str) -> None:
        if request is None:
            return
        name = request.item_name or next(
            (i.name for i in self.items_model.rows() if i.id == request.item_id), "The restock"
        )
        self._say(f"{name}: {request.requested_quantity} {what}.", "ok")
        self.refresh()

    def approve(self) -> None:
        request = self.selected_request()
        if request is None or request.status is not RestockStatus.PENDING:
            return
        name = request.item_name or "this item"
        if not self.confirm(
            "Approve the request?",
            f"Approve ordering {request.requested_quantity} {request.item_unit or ''} of "
            f"{name}? Staff can then mark it ordered.",
        ):
            return
        service, actor, request_id, version = self.service, self.actor, request.id, request.version
        self._run(
            f"approve {request_id}",
            lambda _r: service.approve_restock(actor, request_id, expected_version=version),
            lambda saved: self._request_saved(
                _named(saved, request), "is approved; it can be ordered now"
            ),
            "approving the request",
        )

    def order(self) -> None:
        request = self.selected_request()
        if request is None:
            return
        dialog = OrderDialog(self.service, self.actor, request, today=self.today(), parent=self)
        self._open(dialog, lambda saved: self._request_saved(_named(saved, request), "is ordered"))

    def receive(self) -> None:
        request = self.selected_request()
        if request is None:
            return
        service, actor = self.service, self.actor

        def opened(item: InventoryItemView) -> None:
            dialog = ReceiveDialog(
                service,
                actor,
                request,
                unit_cost=item.cost_per_unit,
                today=self.today(),
                parent=self,
            )
            self._open(
                dialog,
                lambda result: self._request_saved(
                    _named(result[0], request) if result else None, "is received into stock"
                ),
            )

        self._item_for(request.item_id, opened)

    def cancel_request(self) -> None:
        request = self.selected_request()
        if request is None:
            return
        dialog = CancelRequestDialog(self.service, self.actor, request, parent=self)
        self._open(
            dialog, lambda saved: self._request_saved(_named(saved, request), "is cancelled")
        )

    # -- messages ---------------------------------------------------------------------------
    def _failed(self, error: BaseException, doing: str) -> None:
        if isinstance(error, StaleRecordError):
            who = error.changed_by or "Someone else"
            when = when_text(error.changed_at)
            self._say(
                f"{who} changed this{f' at {when}' if when else ''} after the list was read. "
                "The list is up to date now: check and try again.",
                "error",
            )
            self._refresh_timer.start()
            return
        self._say(error_text(error, doing), "error")

    def _say(self, text: str, role: str) -> None:
        show_message(self.message, text, role)

    def message_text(self) -> str:
        return self.message.text() if not self.message.isHidden() else ""


def _named(saved: RestockRequestView | None, shown: RestockRequestView) -> Any:
    """The saved request with the item's name and unit the list had (the service's answer
    to a step does not carry them)."""
    if saved is None:
        return None
    return replace(saved, item_name=shown.item_name, item_unit=shown.item_unit)


def _select_first(table: QTableView) -> None:
    """Select the first row, so the next action is one key away."""
    model = table.model()
    if model.rowCount() > 0:
        select_index(table, model.index(0, 0))


def _bus_of(context: ServiceContext | None) -> Any:
    return None if context is None else context.bus
