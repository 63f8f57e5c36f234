"""The admin's list of user accounts: a table model and the proxy that filters and sorts it.

A clinic has tens of accounts, not thousands: the list is read whole and sorted and
filtered in a proxy model, as the house style says for small tables.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from enum import IntEnum
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)
from PySide6.QtGui import QColor

from dcms_desktop.domain.enums import Role
from dcms_desktop.domain.readmodels.people import UserAccount
from dcms_desktop.views.admin.common import when_text

SORT_ROLE = Qt.ItemDataRole.UserRole + 1
ACCOUNT_ROLE = Qt.ItemDataRole.UserRole + 2

ROLE_NAMES = {Role.ADMIN: "Admin", Role.DENTIST: "Dentist", Role.STAFF: "Staff"}
_ANY = ""
_LOCKED_COLOUR = QColor("#ab091e")
_INACTIVE_COLOUR = QColor("#829ab1")
_Index = QModelIndex | QPersistentModelIndex


class Column(IntEnum):
    NAME = 0
    EMAIL = 1
    ROLE = 2
    STATUS = 3
    LAST_SIGN_IN = 4


HEADERS = {
    Column.NAME: "Name",
    Column.EMAIL: "Email",
    Column.ROLE: "Role",
    Column.STATUS: "Status",
    Column.LAST_SIGN_IN: "Last sign-in",
}


class StatusFilter(IntEnum):
    ANY = 0
    ACTIVE = 1
    LOCKED = 2
    DEACTIVATED = 3


def status_text(account: UserAccount) -> str:
    """ "Active", "Deactivated", "Locked until 14:35 (5 failed sign-ins)", and whether a
    new password is due."""
    state = account.lock_state or "Active"
    if account.is_active and account.must_change_password:
        state += " · must choose a new password"
    return state


def last_sign_in_text(account: UserAccount, now: datetime | None = None) -> str:
    """ "Today, 08:12", "3 May 2026, 17:40" or "Never"."""
    if account.last_login is None:
        return "Never"
    local = account.last_login.astimezone()
    today = (now or datetime.now().astimezone()).date()
    if local.date() == today:
        return f"Today, {local:%H:%M}"
    return f"{local.day} {local:%b %Y}, {local:%H:%M}"


class UserTableModel(QAbstractTableModel):
    """One row per account, in the order the service gave them."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._accounts: list[UserAccount] = []

    # -- contents ---------------------------------------------------------------------------
    def set_accounts(self, accounts: Sequence[UserAccount]) -> None:
        self.beginResetModel()
        self._accounts = list(accounts)
        self.endResetModel()

    def replace_account(self, account: UserAccount) -> None:
        """Show the new state of one account (after a change); adds it when it is new."""
        for row, current in enumerate(self._accounts):
            if current.id == account.id:
                self._accounts[row] = account
                self.dataChanged.emit(self.index(row, 0), self.index(row, len(Column) - 1), [])
                return
        row = len(self._accounts)
        self.beginInsertRows(QModelIndex(), row, row)
        self._accounts.append(account)
        self.endInsertRows()

    def account_at(self, row: int) -> UserAccount:
        return self._accounts[row]

    def row_of(self, user_id: uuid.UUID) -> int | None:
        for row, account in enumerate(self._accounts):
            if account.id == user_id:
                return row
        return None

    def accounts(self) -> list[UserAccount]:
        return list(self._accounts)

    # -- Qt's model API ---------------------------------------------------------------------
    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._accounts)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(Column)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return HEADERS[Column(section)]
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        account = self._accounts[index.row()]
        column = Column(index.column())
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(account, column)
        if role == SORT_ROLE:
            return self._sort_key(account, column)
        if role == ACCOUNT_ROLE:
            return account
        if role == Qt.ItemDataRole.ForegroundRole:
            if not account.is_active:
                return _INACTIVE_COLOUR
            if column is Column.STATUS and account.is_locked:
                return _LOCKED_COLOUR
        if role == Qt.ItemDataRole.ToolTipRole and column is Column.STATUS:
            return self._status_tip(account)
        if (
            role == Qt.ItemDataRole.ToolTipRole
            and column is Column.LAST_SIGN_IN
            and account.last_login is not None
        ):
            return f"{account.last_login.astimezone():%d %b %Y %H:%M}"
        return None

    @staticmethod
    def _text(account: UserAccount, column: Column) -> str:
        if column is Column.NAME:
            return account.full_name
        if column is Column.EMAIL:
            return account.email
        if column is Column.ROLE:
            return ROLE_NAMES.get(account.role, account.role.value.title())
        if column is Column.STATUS:
            return status_text(account)
        return last_sign_in_text(account)

    @staticmethod
    def _sort_key(account: UserAccount, column: Column) -> Any:
        if column is Column.NAME:
            return f"{account.last_name.casefold()}\x00{account.first_name.casefold()}"
        if column is Column.EMAIL:
            return account.email.casefold()
        if column is Column.ROLE:
            return list(ROLE_NAMES).index(account.role) if account.role in ROLE_NAMES else 9
        if column is Column.STATUS:
            # Locked first (they are what an admin looks for), then active, deactivated.
            rank = 0 if account.is_locked and account.is_active else 1 if account.is_active else 2
            return f"{rank}{account.last_name.casefold()}"
        moment = account.last_login
        return moment.timestamp() if isinstance(moment, datetime) else float("-inf")

    @staticmethod
    def _status_tip(account: UserAccount) -> str:
        tips = []
        if account.is_locked:
            tips.append("Too many failed sign-ins. Unlock it (Ctrl+U) to let them try again now.")
        elif account.failed_login_attempts:
            tips.append(f"{account.failed_login_attempts} failed sign-in(s) since the last one.")
        if account.must_change_password:
            tips.append("They must choose a new password at their next sign-in.")
        if account.updated_by_name:
            tips.append(
                f"Last changed by {account.updated_by_name} at {when_text(account.updated_at)}."
            )
        return "\n".join(tips)


class UserFilterProxy(QSortFilterProxyModel):
    """Filters by typed text (name, email, phone), role and status; sorts by column."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._text = ""
        self._role: Role | str = _ANY
        self._status = StatusFilter.ANY
        self.setSortRole(SORT_ROLE)
        self.setDynamicSortFilter(True)

    def set_text(self, text: str) -> None:
        self._refilter("_text", " ".join(text.casefold().split()))

    def set_role(self, role: Role | str) -> None:
        self._refilter("_role", role)

    def set_status(self, status: StatusFilter) -> None:
        self._refilter("_status", status)

    def _refilter(self, name: str, value: Any) -> None:
        if getattr(self, name) == value:
            return
        if hasattr(self, "endFilterChange"):  # Qt 6.10 and later
            self.beginFilterChange()
            setattr(self, name, value)
            self.endFilterChange(QSortFilterProxyModel.Direction.Rows)
        else:  # pragma: no cover - older Qt
            setattr(self, name, value)
            self.invalidateRowsFilter()

    def account_at(self, row: int) -> UserAccount:
        return self.index(row, 0).data(ACCOUNT_ROLE)

    def filterAcceptsRow(self, source_row: int, source_parent: _Index) -> bool:
        model = self.sourceModel()
        account: UserAccount = model.index(source_row, 0, source_parent).data(ACCOUNT_ROLE)
        if self._role != _ANY and account.role != self._role:
            return False
        if not self._status_matches(account):
            return False
        if not self._text:
            return True
        haystack = " ".join(
            (account.full_name, account.email, account.phone or "", account.last_name)
        ).casefold()
        return all(word in haystack for word in self._text.split())

    def _status_matches(self, account: UserAccount) -> bool:
        if self._status is StatusFilter.ACTIVE:
            return account.is_active
        if self._status is StatusFilter.LOCKED:
            return account.is_active and account.is_locked
        if self._status is StatusFilter.DEACTIVATED:
            return not account.is_active
        return True
