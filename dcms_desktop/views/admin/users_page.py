"""The admin's users screen: who can sign in, as what, and the state of their account.

A sortable, filterable list (model/view) with New user, Edit, Deactivate/Reactivate,
Unlock and Reset password, as buttons, keyboard shortcuts and a context menu. Every
service call runs in the background; refusals (the last active admin can't be
deactivated or demoted) are said plainly above the list.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QPoint, Qt, QTimer
from PySide6.QtGui import QAction, QKeySequence
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

from dcms_desktop.domain.enums import Role
from dcms_desktop.domain.errors import StaleRecordError
from dcms_desktop.domain.readmodels.people import Actor, UserAccount
from dcms_desktop.services.users import UserService
from dcms_desktop.views.admin.common import Confirm, ask, busy_bar, error_text, when_text
from dcms_desktop.views.admin.reset_password_dialog import ResetPasswordDialog
from dcms_desktop.views.admin.user_dialog import UserDialog
from dcms_desktop.views.admin.users_model import (
    ROLE_NAMES,
    Column,
    StatusFilter,
    UserFilterProxy,
    UserTableModel,
)
from dcms_desktop.views.change_password import field_message, show_message
from dcms_desktop.views.open_dialog import open_dialog
from dcms_desktop.views.table_selection import select_by_key
from dcms_desktop.views.tables import list_table
from dcms_desktop.views.tasks import TaskHandle, run_task


class UsersPage(QWidget):
    """The list of accounts and what an admin does with them."""

    def __init__(self, actor: Actor, service: UserService, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("usersPage")
        self._actor = actor
        self._service = service
        self._task: TaskHandle | None = None
        self._refresh_pending = False
        self.dialog: UserDialog | ResetPasswordDialog | None = None
        self.confirm: Confirm = ask(self)
        self.model = UserTableModel(self)
        self.proxy = UserFilterProxy(self)
        self.proxy.setSourceModel(self.model)
        self._build()
        self._update_actions()

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
        button.setToolTip(f"{action.text().replace('&', '')} ({action.shortcut().toString()})")
        button.clicked.connect(action.trigger)

        def follow() -> None:
            button.setText(action.text())
            button.setEnabled(action.isEnabled())
            button.setToolTip(f"{action.text().replace('&', '')} ({action.shortcut().toString()})")

        action.changed.connect(follow)
        return button

    def _build(self) -> None:
        title = QLabel("Users")
        title.setObjectName("sectionTitle")
        subtitle = QLabel("Staff, dentists and admins who sign in at the clinic's workstations.")
        subtitle.setObjectName("usersSubtitle")

        self.search = QLineEdit()
        self.search.setObjectName("usersSearch")
        self.search.setPlaceholderText("Find by name, email or phone (Ctrl+F)")
        self.search.setClearButtonEnabled(True)
        self.search.setAccessibleName("Find a user")
        self.search.setMinimumWidth(300)
        self.search.textChanged.connect(self._filter_changed)
        self.role_filter = QComboBox()
        self.role_filter.setObjectName("usersRoleFilter")
        self.role_filter.setAccessibleName("Show role")
        self.role_filter.addItem("All roles", "")
        for role in (Role.ADMIN, Role.DENTIST, Role.STAFF):
            self.role_filter.addItem(
                f"{ROLE_NAMES[role]}s" if role is not Role.STAFF else "Staff", role
            )
        self.role_filter.currentIndexChanged.connect(self._filter_changed)
        self.status_filter = QComboBox()
        self.status_filter.setObjectName("usersStatusFilter")
        self.status_filter.setAccessibleName("Show status")
        for text, status in (
            ("Any status", StatusFilter.ANY),
            ("Active", StatusFilter.ACTIVE),
            ("Locked", StatusFilter.LOCKED),
            ("Deactivated", StatusFilter.DEACTIVATED),
        ):
            self.status_filter.addItem(text, status)
        self.status_filter.currentIndexChanged.connect(self._filter_changed)
        self.count = QLabel("")
        self.count.setObjectName("usersCount")
        self.count.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.count.setMinimumWidth(self.count.fontMetrics().horizontalAdvance("999 of 999 users"))
        filters = QHBoxLayout()
        filters.addWidget(self.search, 2)
        filters.addWidget(self.role_filter)
        filters.addWidget(self.status_filter)
        filters.addStretch(1)
        filters.addWidget(self.count)

        self.new_action = self._action("&New user…", "usersNewAction", "Ctrl+N", self.new_user)
        self.edit_action = self._action("&Edit…", "usersEditAction", "Ctrl+E", self.edit_user)
        self.active_action = self._action(
            "&Deactivate", "usersActiveAction", "Ctrl+D", self.toggle_active
        )
        self.unlock_action = self._action("&Unlock", "usersUnlockAction", "Ctrl+U", self.unlock)
        self.reset_action = self._action(
            "&Reset password…", "usersResetAction", "Ctrl+R", self.reset_password
        )
        self.new_button = self._button(self.new_action, "usersNew")
        self.new_button.setProperty("primary", True)
        self.edit_button = self._button(self.edit_action, "usersEdit")
        self.active_button = self._button(self.active_action, "usersActive")
        self.unlock_button = self._button(self.unlock_action, "usersUnlock")
        self.reset_button = self._button(self.reset_action, "usersReset")
        buttons = QHBoxLayout()
        for button in (
            self.new_button,
            self.edit_button,
            self.active_button,
            self.unlock_button,
            self.reset_button,
        ):
            buttons.addWidget(button)
        buttons.addStretch(1)

        self.message = field_message("usersMessage")
        self.busy = busy_bar("usersBusy")

        self.table = list_table("usersTable", self.proxy, accessible="Users")
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(Column.NAME, Qt.SortOrder.AscendingOrder)
        self.table.setAlternatingRowColors(True)
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.table.customContextMenuRequested.connect(self._context_menu)
        self.table.activated.connect(lambda _index: self.edit_user())
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._update_actions())
        header = self.table.horizontalHeader()
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(Column.EMAIL, QHeaderView.ResizeMode.Stretch)
        header.resizeSection(Column.NAME, 220)
        header.resizeSection(Column.ROLE, 100)
        header.resizeSection(Column.STATUS, 330)
        header.resizeSection(Column.LAST_SIGN_IN, 170)

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

        for first, second in (
            (self.search, self.role_filter),
            (self.role_filter, self.status_filter),
            (self.status_filter, self.table),
            (self.table, self.new_button),
            (self.new_button, self.edit_button),
            (self.edit_button, self.active_button),
            (self.active_button, self.unlock_button),
            (self.unlock_button, self.reset_button),
        ):
            QWidget.setTabOrder(first, second)

    # -- the section's keys -----------------------------------------------------------------
    def focus_search(self) -> None:
        """Ctrl+F: to the filter box, its text selected."""
        self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search.selectAll()

    def refresh(self) -> None:
        """F5: read the list again, keeping the selection."""
        if self._task is not None and not self._task.done:
            self._refresh_pending = True
            return
        keep = self.selected_account()
        service, actor = self._service, self._actor
        self._run(
            lambda _r: service.list_accounts(actor),
            lambda accounts: self._listed(accounts, keep.id if keep else None),
            "reading the users",
        )

    def _listed(self, accounts: list[UserAccount], keep: uuid.UUID | None) -> None:
        self.model.set_accounts(accounts)
        self._count_changed()
        if keep is not None:
            self.select(keep)
        self._update_actions()

    # -- selection --------------------------------------------------------------------------
    def selected_account(self) -> UserAccount | None:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return None
        return self.proxy.account_at(rows[0].row())

    def select(self, user_id: uuid.UUID) -> bool:
        """Select the account with ``user_id`` (if the filters show it)."""
        return select_by_key(self.table, self.proxy, self.model, user_id)

    def _filter_changed(self) -> None:
        self.proxy.set_text(self.search.text())
        self.proxy.set_role(self.role_filter.currentData())
        self.proxy.set_status(StatusFilter(self.status_filter.currentData()))
        self._count_changed()
        self._update_actions()

    def _count_changed(self) -> None:
        shown, total = self.proxy.rowCount(), self.model.rowCount()
        noun = "user" if total == 1 else "users"
        self.count.setText(f"{total} {noun}" if shown == total else f"{shown} of {total} {noun}")

    def _update_actions(self) -> None:
        account = self.selected_account()
        idle = self._task is None or self._task.done
        chosen = account is not None and idle
        self.edit_action.setEnabled(chosen)
        self.reset_action.setEnabled(chosen and account is not None and account.is_active)
        self.active_action.setEnabled(chosen)
        self.active_action.setText(
            "Re&activate" if account is not None and not account.is_active else "&Deactivate"
        )
        self.unlock_action.setEnabled(chosen and account is not None and account.is_locked)
        self.new_action.setEnabled(idle)

    def _context_menu(self, point: QPoint) -> None:
        index = self.table.indexAt(point)
        if index.isValid():
            self.table.selectRow(index.row())
        menu = QMenu(self)
        menu.setObjectName("usersMenu")
        for action in (self.edit_action, self.active_action, self.unlock_action):
            menu.addAction(action)
        menu.addAction(self.reset_action)
        menu.addSeparator()
        menu.addAction(self.new_action)
        menu.popup(self.table.viewport().mapToGlobal(point))

    # -- dialogs ----------------------------------------------------------------------------
    def new_user(self) -> None:
        dialog = UserDialog(self._service, self._actor, None, self)
        dialog.accepted.connect(lambda: self._created(dialog))
        self._open(dialog)

    def _created(self, dialog: UserDialog) -> None:
        account = dialog.saved_account
        if account is None:
            return
        self.model.replace_account(account)
        self._count_changed()
        if not self.select(account.id):
            self._clear_filters()
            self.select(account.id)
        then = (
            "they must choose their own at their first sign-in"
            if account.must_change_password
            else "they can change it once signed in"
        )
        self._say(
            f"{account.full_name} can now sign in with the password you gave them; {then}.",
            "ok",
        )

    def edit_user(self) -> None:
        account = self.selected_account()
        if account is None or not self.edit_action.isEnabled():
            return
        dialog = UserDialog(self._service, self._actor, account, self)
        dialog.accepted.connect(lambda: self._changed(dialog.saved_account, "was saved"))
        self._open(dialog)

    def reset_password(self) -> None:
        account = self.selected_account()
        if account is None or not self.reset_action.isEnabled():
            return
        dialog = ResetPasswordDialog(self._service, self._actor, account, self)
        dialog.accepted.connect(
            lambda: self._changed(
                dialog.saved_account,
                "has a temporary password now: they must choose their own at their next sign-in",
            )
        )
        self._open(dialog)

    def _open(self, dialog: UserDialog | ResetPasswordDialog) -> None:
        open_dialog(self, dialog, closed=self.table.setFocus)

    # -- direct actions ---------------------------------------------------------------------
    def toggle_active(self) -> None:
        account = self.selected_account()
        if account is None or not self.active_action.isEnabled():
            return
        activate = not account.is_active
        # Asked first, except for one's own account, which the service refuses anyway.
        if not activate and account.id != self._actor.user_id:
            question = (
                f"{account.full_name} will no longer be able to sign in. Their records and "
                "history stay, and you can reactivate them at any time."
            )
            if not self.confirm(f"Deactivate {account.full_name}?", question):
                return
        service, actor = self._service, self._actor
        user_id, version = account.id, account.version
        self._run(
            lambda _r: service.set_active(actor, user_id, activate, expected_version=version),
            lambda updated: self._changed(
                updated, "can sign in again" if activate else "was deactivated"
            ),
            "reactivating the user" if activate else "deactivating the user",
        )

    def unlock(self) -> None:
        account = self.selected_account()
        if account is None or not self.unlock_action.isEnabled():
            return
        service, actor, user_id = self._service, self._actor, account.id
        self._run(
            lambda _r: service.unlock(actor, user_id),
            lambda updated: self._changed(updated, "is unlocked and can try to sign in again"),
            "unlocking the user",
        )

    def _changed(self, account: UserAccount | None, what: str) -> None:
        if account is None:
            return
        self.model.replace_account(account)
        self._count_changed()
        self.select(account.id)
        self._update_actions()
        self._say(f"{account.full_name} {what}.", "ok")

    # -- plumbing ---------------------------------------------------------------------------
    def _run(self, work: Any, done: Callable[[Any], None], doing: str) -> None:
        if self._task is not None and not self._task.done:
            return
        self.busy.show()

        def finished(result: Any) -> None:
            self.busy.hide()
            done(result)
            self._update_actions()
            self._refresh_if_pending()

        def failed(error: BaseException) -> None:
            self.busy.hide()
            self._failed(error, doing)
            self._update_actions()
            self._refresh_if_pending()

        self._task = run_task(work, on_done=finished, on_error=failed)
        self._update_actions()

    def _failed(self, error: BaseException, doing: str) -> None:
        if isinstance(error, StaleRecordError):
            who = error.changed_by or "Someone else"
            when = when_text(error.changed_at)
            self._say(
                f"{who} changed this user{f' at {when}' if when else ''} after the list was "
                "read. The list is up to date now: check and try again.",
                "error",
            )
            self.refresh_later()
            return
        self._say(error_text(error, doing), "error")

    def _refresh_if_pending(self) -> None:
        if self._refresh_pending:
            self._refresh_pending = False
            self.refresh_later()

    def refresh_later(self) -> None:
        """Refresh once the current task has delivered (it is finishing right now)."""
        QTimer.singleShot(0, self.refresh)

    def _clear_filters(self) -> None:
        self.search.clear()
        self.role_filter.setCurrentIndex(0)
        self.status_filter.setCurrentIndex(0)

    def _say(self, text: str, role: str) -> None:
        show_message(self.message, text, role)
