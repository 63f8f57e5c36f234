"""The Admin section of the main window: Users and Clinic settings, one tab each.

The shell puts :class:`AdminPage` in the "admin" section and calls :meth:`focus_search`
(Ctrl+F) and :meth:`refresh` (F5). Each tab reads its data the first time it is shown.

Changes saved on other workstations arrive as change events on the bus: the users list
reads itself again; the settings form too, unless it holds unsaved edits, in which case
it says so and offers Reload (their values in, the edits kept on top).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QTabWidget, QVBoxLayout, QWidget

from dcms_desktop.services.auth import SignedIn
from dcms_desktop.services.context import ServiceContext
from dcms_desktop.services.settings import SettingsService
from dcms_desktop.services.users import UserService
from dcms_desktop.views.admin.settings_page import SettingsPage
from dcms_desktop.views.admin.users_page import UsersPage

USERS_TAB = 0
SETTINGS_TAB = 1
USER_ENTITY = "user"
SETTINGS_ENTITY = "settings"


class _ChangeRelay(QObject):
    """Carries change events from the bus's thread to the UI thread."""

    arrived = Signal(str, str)  # entity, workstation


class AdminPage(QWidget):
    """Users and clinic settings for an admin."""

    settings_saved = Signal(object)
    """The clinic settings were saved here (a ``ClinicSettingsView``)."""

    def __init__(
        self,
        context: ServiceContext,
        signed_in: SignedIn,
        parent: QWidget | None = None,
        *,
        user_service: UserService | None = None,
        settings_service: SettingsService | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("page_admin")
        actor = signed_in.actor
        self.users = UsersPage(actor, user_service or UserService(context))
        self.settings = SettingsPage(actor, settings_service or SettingsService(context))
        self.settings.saved.connect(self.settings_saved)
        self.tabs = QTabWidget()
        self.tabs.setObjectName("adminTabs")
        self.tabs.setDocumentMode(True)
        self.tabs.addTab(self.users, "&Users")
        self.tabs.addTab(self.settings, "Clinic &settings")
        self.tabs.currentChanged.connect(self._load_if_new)
        self._loaded: set[int] = set()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.tabs)

        self._workstation = context.workstation
        self._relay = _ChangeRelay(self)
        self._relay.arrived.connect(self.on_change)
        self._unsubscribe = context.bus.subscribe(self._event_arrived)
        unsubscribe: Callable[[], None] = self._unsubscribe
        self.destroyed.connect(lambda *_: unsubscribe())

    def _event_arrived(self, event: Any) -> None:
        # In the bus's thread (or a worker's): hand over to the UI thread only.
        with contextlib.suppress(RuntimeError):  # RuntimeError: the page is being deleted
            self._relay.arrived.emit(
                str(getattr(event, "entity", "")), str(getattr(event, "workstation", ""))
            )

    def on_change(self, entity: str, workstation: str) -> None:
        """Another workstation changed ``entity``: show it, where it concerns this page."""
        if workstation == self._workstation:
            return  # ours: the page that made the change shows it already
        if entity in (USER_ENTITY, "*") and USERS_TAB in self._loaded:
            self.users.refresh()
        if entity in (SETTINGS_ENTITY, "*") and SETTINGS_TAB in self._loaded:
            self.settings.saved_elsewhere()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._load_if_new(self.tabs.currentIndex())

    def _load_if_new(self, index: int) -> None:
        if index in self._loaded or not self.isVisible():
            return
        self._loaded.add(index)
        self.tabs.widget(index).refresh()  # type: ignore[attr-defined]

    def show_users(self) -> None:
        self.tabs.setCurrentIndex(USERS_TAB)

    def show_settings(self) -> None:
        self.tabs.setCurrentIndex(SETTINGS_TAB)

    def focus_search(self) -> None:
        """Ctrl+F: the users' filter box (switching to the Users tab)."""
        self.show_users()
        self.users.focus_search()

    def refresh(self) -> None:
        """F5: read the current tab again (unsaved settings edits are kept)."""
        index = self.tabs.currentIndex()
        self._loaded.add(index)
        self.tabs.widget(index).refresh()  # type: ignore[attr-defined]
