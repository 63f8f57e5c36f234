"""The Services section: the clinic's catalogue, found by text, category, pricing model and
status; admins add, edit, deactivate, reactivate and delete services and set the supplies
each one uses. Everyone else reads it (the buttons are not there for them).

The list is read in the background (``CatalogService.list_services`` with the filters: a
newer filter drops the answer to an older one). Enter or a double-click edits the chosen
service. Changes saved at other workstations (``service`` events on the bus) re-read the
list, keeping the selection.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from itertools import pairwise
from typing import Any

from PySide6.QtCore import QPoint, Qt, QTimer
from PySide6.QtGui import QAction, QKeySequence, QShowEvent
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenu,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from dcms_desktop.domain.enums import PricingModel
from dcms_desktop.domain.errors import StaleRecordError
from dcms_desktop.domain.money import currency_symbol
from dcms_desktop.domain.permissions import Action, is_allowed
from dcms_desktop.domain.readmodels.catalog import DentalService, SupplyMappingView
from dcms_desktop.domain.readmodels.people import Actor
from dcms_desktop.services.catalog import SERVICE_ENTITY, CatalogService
from dcms_desktop.services.context import ServiceContext
from dcms_desktop.services.inventory import InventoryService
from dcms_desktop.services.settings import SettingsService
from dcms_desktop.views.admin.common import Confirm, ask, busy_bar, error_text, when_text
from dcms_desktop.views.catalog.mappings_editor import MappingsEditor
from dcms_desktop.views.catalog.service_dialog import ServiceDialog
from dcms_desktop.views.catalog.services_model import (
    HEADERS,
    Column,
    ServiceSortProxy,
    ServiceTableModel,
)
from dcms_desktop.views.change_password import field_message, show_message
from dcms_desktop.views.open_dialog import open_dialog
from dcms_desktop.views.patients.live import REFRESH_ALL_ENTITY, ChangeRelay, Subscribable
from dcms_desktop.views.table_selection import select_by_key
from dcms_desktop.views.tables import list_table
from dcms_desktop.views.tasks import TaskHandle, run_task

FILTER_DELAY_MS = 150
"""Typing in the search box re-reads the list this long after the last key."""
ALL = ""
ACTIVE, INACTIVE = "active", "inactive"

Listing = tuple[tuple[DentalService, ...], tuple[str, ...], str | None]
"""What a refresh reads: the services, the categories, the clinic's currency."""


class ServicesPage(QWidget):
    """The Services section page: ``ServicesPage(context, actor)``."""

    def __init__(
        self,
        context: ServiceContext | None,
        actor: Actor,
        parent: QWidget | None = None,
        *,
        catalog: CatalogService | None = None,
        inventory: InventoryService | None = None,
        settings: SettingsService | None = None,
        bus: Subscribable | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("page_services")
        if context is not None:
            catalog = catalog or CatalogService(context)
            inventory = inventory or InventoryService(context)
            settings = settings or SettingsService(context)
        assert catalog is not None and inventory is not None, "give a context or the services"
        self._catalog = catalog
        self._inventory = inventory
        self._settings = settings
        self._actor = actor
        self.can_edit = is_allowed(actor.role, Action.EDIT_SERVICES)
        self.can_edit_supplies = is_allowed(actor.role, Action.EDIT_INVENTORY)
        self._workstation = getattr(context, "workstation", None)
        self._load_task: TaskHandle | None = None
        self._task: TaskHandle | None = None
        self._seq = 0
        self._shown_once = False
        self._categories: tuple[str, ...] = ()
        self.dialog: ServiceDialog | MappingsEditor | None = None
        self.confirm: Confirm = ask(self)
        self.model = ServiceTableModel(self)
        self.proxy = ServiceSortProxy(self)
        self.proxy.setSourceModel(self.model)
        self._build()
        self._update_actions()

        self._filter_timer = QTimer(self)
        self._filter_timer.setSingleShot(True)
        self._filter_timer.setInterval(FILTER_DELAY_MS)
        self._filter_timer.timeout.connect(self.refresh)
        self.relay = ChangeRelay(bus if bus is not None else getattr(context, "bus", None), self)
        self.relay.changed.connect(self._on_change)

    # -- building ---------------------------------------------------------------------------
    def _action(self, text: str, name: str, shortcut: str, slot: Callable[[], None]) -> QAction:
        action = QAction(text, self)
        action.setObjectName(name)
        action.setShortcut(QKeySequence(shortcut))
        action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        action.triggered.connect(slot)
        self.addAction(action)
        return action

    def _button(self, action: QAction, name: str) -> QPushButton:
        button = QPushButton(action.text())
        button.setObjectName(name)

        def follow() -> None:
            button.setText(action.text())
            button.setEnabled(action.isEnabled())
            button.setToolTip(f"{action.text().replace('&', '')} ({action.shortcut().toString()})")

        follow()
        button.clicked.connect(action.trigger)
        action.changed.connect(follow)
        return button

    def _build(self) -> None:
        title = QLabel("Services")
        title.setObjectName("sectionTitle")
        subtitle = QLabel(
            "What the clinic offers, its price and chair time."
            + (
                " Deactivate a service to stop booking it; its history stays."
                if self.can_edit
                else " Only an admin can change the catalogue."
            )
        )
        subtitle.setObjectName("servicesSubtitle")
        subtitle.setWordWrap(True)

        self.search = QLineEdit()
        self.search.setObjectName("servicesSearch")
        self.search.setPlaceholderText("Find by name, category or words (Ctrl+F)")
        self.search.setClearButtonEnabled(True)
        self.search.setAccessibleName("Find a service")
        self.search.setMinimumWidth(280)
        self.search.textChanged.connect(lambda _t: self._filter_timer.start())
        self.search.returnPressed.connect(self._search_entered)
        self.category_filter = QComboBox()
        self.category_filter.setObjectName("servicesCategoryFilter")
        self.category_filter.setAccessibleName("Show category")
        self.category_filter.setMinimumContentsLength(16)
        self.category_filter.addItem("All categories", ALL)
        self.category_filter.currentIndexChanged.connect(lambda _i: self.refresh())
        self.model_filter = QComboBox()
        self.model_filter.setObjectName("servicesModelFilter")
        self.model_filter.setAccessibleName("Show pricing model")
        self.model_filter.addItem("Any pricing", ALL)
        for model in PricingModel:
            self.model_filter.addItem(model.value, model)
        self.model_filter.currentIndexChanged.connect(lambda _i: self.refresh())
        self.status_filter = QComboBox()
        self.status_filter.setObjectName("servicesStatusFilter")
        self.status_filter.setAccessibleName("Show status")
        for text, value in (
            ("Active and inactive", ALL),
            ("Active", ACTIVE),
            ("Inactive", INACTIVE),
        ):
            self.status_filter.addItem(text, value)
        self.status_filter.currentIndexChanged.connect(lambda _i: self.refresh())
        self.count = QLabel("")
        self.count.setObjectName("servicesCount")
        self.count.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.count.setMinimumWidth(
            self.count.fontMetrics().horizontalAdvance("999 services found") + 8
        )
        filters = QHBoxLayout()
        filters.addWidget(self.search, 2)
        filters.addWidget(self.category_filter)
        filters.addWidget(self.model_filter)
        filters.addWidget(self.status_filter)
        filters.addStretch(1)
        filters.addWidget(self.count)

        self.new_action = self._action(
            "&New service…", "servicesNewAction", "Ctrl+N", self.new_service
        )
        self.edit_action = self._action("&Edit…", "servicesEditAction", "Ctrl+E", self.edit_service)
        self.supplies_action = self._action(
            "S&upplies used…", "servicesSuppliesAction", "Ctrl+U", self.edit_supplies
        )
        self.active_action = self._action(
            "&Deactivate", "servicesActiveAction", "Ctrl+D", self.toggle_active
        )
        self.delete_action = self._action(
            "De&lete", "servicesDeleteAction", "Ctrl+Del", self.delete_service
        )
        self.new_button = self._button(self.new_action, "servicesNew")
        self.new_button.setProperty("primary", True)
        self.edit_button = self._button(self.edit_action, "servicesEdit")
        self.supplies_button = self._button(self.supplies_action, "servicesSupplies")
        self.active_button = self._button(self.active_action, "servicesActive")
        self.delete_button = self._button(self.delete_action, "servicesDelete")
        self.buttons = [
            self.new_button,
            self.edit_button,
            self.supplies_button,
            self.active_button,
            self.delete_button,
        ]
        buttons = QHBoxLayout()
        for button in self.buttons:
            buttons.addWidget(button)
        buttons.addStretch(1)
        if not self.can_edit:
            for action in (
                self.new_action,
                self.edit_action,
                self.active_action,
                self.delete_action,
            ):
                action.setVisible(False)
                self.removeAction(action)
            for button in (
                self.new_button,
                self.edit_button,
                self.active_button,
                self.delete_button,
            ):
                button.hide()
        if not self.can_edit_supplies:
            self.supplies_action.setVisible(False)
            self.removeAction(self.supplies_action)
            self.supplies_button.hide()

        self.message = field_message("servicesMessage")
        self.busy = busy_bar("servicesBusy")

        self.table = list_table("servicesTable", self.proxy, accessible="Services")
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(Column.CATEGORY, Qt.SortOrder.AscendingOrder)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().setDefaultSectionSize(28)
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.table.customContextMenuRequested.connect(self._context_menu)
        self.table.activated.connect(lambda _index: self.edit_service())
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._update_actions())
        header = self.table.horizontalHeader()
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(Column.NAME, QHeaderView.ResizeMode.Stretch)
        for column, width in (
            (Column.CATEGORY, 150),
            (Column.MODEL, 170),
            (Column.PRICE, 110),
            (Column.DURATION, 90),
            (Column.CHART_USE, 130),
            (Column.ACTIVE, 80),
        ):
            header.resizeSection(column, width)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 16, 24, 16)
        layout.setSpacing(8)
        layout.addWidget(title)
        layout.addWidget(subtitle)
        layout.addSpacing(4)
        layout.addLayout(filters)
        layout.addLayout(buttons)
        layout.addWidget(self.message)
        layout.addWidget(self.busy)
        layout.addWidget(self.table, 1)

        order: list[QWidget] = [
            self.search,
            self.category_filter,
            self.model_filter,
            self.status_filter,
            self.table,
            *[b for b in self.buttons if not b.isHidden()],
        ]
        for first, second in pairwise(order):
            QWidget.setTabOrder(first, second)

    def showEvent(self, event: QShowEvent) -> None:
        """The list is read the first time the page is shown (and on F5 after)."""
        super().showEvent(event)
        if not self._shown_once:
            self._shown_once = True
            if self._load_task is None:
                self.refresh()

    # -- the section's keys -----------------------------------------------------------------
    def focus_search(self) -> None:
        """Ctrl+F: to the search box, its text selected."""
        self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search.selectAll()

    def _search_entered(self) -> None:
        self._filter_timer.stop()
        self.refresh()
        self.table.setFocus()

    def refresh(self) -> None:
        """F5 (and every filter change): read the list again, keeping the selection."""
        self._filter_timer.stop()
        if self._load_task is not None:
            self._load_task.cancel()
        self._seq += 1
        seq = self._seq
        keep = self.selected_service()
        keep_id = keep.id if keep is not None else None
        catalog, actor, settings = self._catalog, self._actor, self._settings
        search = self.search.text()
        category = self.category_filter.currentData() or None
        model = self.model_filter.currentData() or None
        status = self.status_filter.currentData()
        active = None if status == ALL else status == ACTIVE

        def work(_report: Any) -> Listing | None:
            if seq != self._seq:
                return None  # a newer filter came while this one waited for a thread
            services = catalog.list_services(
                actor, search=search, category=category, pricing_model=model, active=active
            )
            currency = settings.get(actor).currency if settings is not None else None
            return services, catalog.categories(actor), currency

        self.busy.show()
        self._load_task = run_task(
            work,
            owner=self,
            on_done=lambda listing: self._listed(seq, listing, keep_id),
            on_error=lambda error: self._list_failed(seq, error),
        )

    def _listed(self, seq: int, listing: Listing | None, keep: uuid.UUID | None) -> None:
        if seq != self._seq or listing is None:
            return
        self.busy.hide()
        services, categories, currency = listing
        self.model.set_services(services)
        self._set_categories(categories)
        if currency:
            symbol = currency_symbol(currency) or currency
            self.model.set_price_header(f"{HEADERS[Column.PRICE]} ({symbol})")
        if (keep is None or not self.select(keep)) and self.proxy.rowCount():
            self.table.selectRow(0)
        self._count_changed()
        self._update_actions()

    def _list_failed(self, seq: int, error: BaseException) -> None:
        if seq != self._seq:
            return
        self.busy.hide()
        self._say(error_text(error, "reading the services"), "error")

    def _set_categories(self, categories: tuple[str, ...]) -> None:
        if categories == self._categories:
            return
        self._categories = categories
        chosen = self.category_filter.currentData()
        self.category_filter.blockSignals(True)
        self.category_filter.clear()
        self.category_filter.addItem("All categories", ALL)
        for category in categories:
            self.category_filter.addItem(category, category)
        self.category_filter.setCurrentIndex(max(self.category_filter.findData(chosen), 0))
        self.category_filter.blockSignals(False)

    def _on_change(self, entity: str, _id: str, _action: str) -> None:
        if entity in (SERVICE_ENTITY, REFRESH_ALL_ENTITY):
            self._filter_timer.start()

    # -- selection --------------------------------------------------------------------------
    def selected_service(self) -> DentalService | None:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return None
        return self.proxy.service_at(rows[0].row())

    def select(self, service_id: uuid.UUID) -> bool:
        """Select the service with ``service_id`` (if the filters show it)."""
        return select_by_key(self.table, self.proxy, self.model, service_id)

    def _count_changed(self) -> None:
        shown = self.model.rowCount()
        filtered = bool(
            self.search.text().strip()
            or self.category_filter.currentData()
            or self.model_filter.currentData()
            or self.status_filter.currentData()
        )
        noun = "service" if shown == 1 else "services"
        self.count.setText(f"{shown} {noun}" + (" found" if filtered else ""))

    def _update_actions(self) -> None:
        service = self.selected_service()
        idle = self._task is None or self._task.done
        chosen = service is not None and idle
        self.new_action.setEnabled(idle and self.can_edit)
        self.edit_action.setEnabled(chosen and self.can_edit)
        self.supplies_action.setEnabled(chosen and self.can_edit_supplies)
        self.active_action.setEnabled(chosen and self.can_edit)
        self.active_action.setText(
            "Re&activate" if service is not None and not service.is_active else "&Deactivate"
        )
        self.delete_action.setEnabled(chosen and self.can_edit)

    def _context_menu(self, point: QPoint) -> None:
        if not (self.can_edit or self.can_edit_supplies):
            return
        index = self.table.indexAt(point)
        if index.isValid():
            self.table.selectRow(index.row())
        menu = QMenu(self)
        menu.setObjectName("servicesMenu")
        for action in (
            self.edit_action,
            self.supplies_action,
            self.active_action,
            self.delete_action,
        ):
            if action.isVisible():
                menu.addAction(action)
        if self.new_action.isVisible():
            menu.addSeparator()
            menu.addAction(self.new_action)
        menu.popup(self.table.viewport().mapToGlobal(point))

    # -- dialogs ----------------------------------------------------------------------------
    def new_service(self) -> None:
        if not self.new_action.isEnabled():
            return
        dialog = ServiceDialog(self._catalog, self._actor, None, self._categories, self)
        dialog.accepted.connect(lambda: self._changed(dialog.saved_service, "was added"))
        self._open(dialog)

    def edit_service(self) -> None:
        service = self.selected_service()
        if service is None or not self.edit_action.isEnabled():
            return
        dialog = ServiceDialog(self._catalog, self._actor, service, self._categories, self)
        dialog.accepted.connect(lambda: self._changed(dialog.saved_service, "was saved"))
        self._open(dialog)

    def edit_supplies(self) -> None:
        service = self.selected_service()
        if service is None or not self.supplies_action.isEnabled():
            return
        editor = MappingsEditor(self._catalog, self._inventory, self._actor, service, self)
        editor.accepted.connect(lambda: self._supplies_saved(service, editor.saved_mappings))
        self._open(editor)

    def _supplies_saved(
        self, service: DentalService, mappings: tuple[SupplyMappingView, ...] | None
    ) -> None:
        count = len(mappings or ())
        used = "no supplies" if not count else f"{count} supply item{'s' if count != 1 else ''}"
        self._say(f"{service.name} now uses {used}.", "ok")

    def _open(self, dialog: ServiceDialog | MappingsEditor) -> None:
        open_dialog(self, dialog, closed=self.table.setFocus)

    # -- direct actions ---------------------------------------------------------------------
    def toggle_active(self) -> None:
        service = self.selected_service()
        if service is None or not self.active_action.isEnabled():
            return
        activate = not service.is_active
        if not activate:
            question = (
                f"{service.name} will no longer be offered when booking. Visits, bills and "
                "charts that name it stay as they are, and you can reactivate it at any time."
            )
            if not self.confirm(f"Deactivate {service.name}?", question):
                return
        catalog, actor = self._catalog, self._actor
        service_id, version = service.id, service.version
        if activate:
            work = lambda _r: catalog.reactivate_service(  # noqa: E731
                actor, service_id, expected_version=version
            )
        else:
            work = lambda _r: catalog.deactivate_service(  # noqa: E731
                actor, service_id, expected_version=version
            )
        self._run(
            work,
            lambda saved: self._changed(
                saved, "can be booked again" if activate else "is deactivated: no new bookings"
            ),
            "reactivating the service" if activate else "deactivating the service",
        )

    def delete_service(self) -> None:
        service = self.selected_service()
        if service is None or not self.delete_action.isEnabled():
            return
        question = (
            f"{service.name} will be removed from the catalogue for good. A service that "
            "has been booked, billed or given supplies can't be deleted: deactivate it instead."
        )
        if not self.confirm(f"Delete {service.name}?", question):
            return
        catalog, actor, service_id = self._catalog, self._actor, service.id
        self._run(
            lambda _r: catalog.delete_service(actor, service_id),
            lambda _none: self._deleted(service),
            "deleting the service",
        )

    def _deleted(self, service: DentalService) -> None:
        self.model.remove_service(service.id)
        self._count_changed()
        self._update_actions()
        self._say(f"{service.name} was deleted from the catalogue.", "ok")

    def _changed(self, service: DentalService | None, what: str) -> None:
        if service is None:
            return
        self.model.replace_service(service)
        self._count_changed()
        self.select(service.id)
        self._update_actions()
        self._say(f"{service.name} {what}.", "ok")
        if service.category not in self._categories:
            self._filter_timer.start()  # a new category: read the filter's list again

    # -- plumbing ---------------------------------------------------------------------------
    def _run(self, work: Any, done: Callable[[Any], None], doing: str) -> None:
        if self._task is not None and not self._task.done:
            return
        self.busy.show()

        def finished(result: Any) -> None:
            self.busy.hide()
            done(result)
            self._update_actions()

        def failed(error: BaseException) -> None:
            self.busy.hide()
            self._failed(error, doing)
            self._update_actions()

        self._task = run_task(work, on_done=finished, on_error=failed, owner=self)
        self._update_actions()

    def _failed(self, error: BaseException, doing: str) -> None:
        if isinstance(error, StaleRecordError):
            who = error.changed_by or "Someone else"
            when = when_text(error.changed_at)
            self._say(
                f"{who} changed this service{f' at {when}' if when else ''} after the list was "
                "read. The list is up to date now: check and try again.",
                "error",
            )
            QTimer.singleShot(0, self.refresh)
            return
        self._say(error_text(error, doing), "error")

    def _say(self, text: str, role: str) -> None:
        show_message(self.message, text, role)
