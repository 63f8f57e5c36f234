"""The patient search results as a table model that loads more as the list is scrolled.

The model holds the hits of one search text. It never queries anything itself: when the
view scrolls to the end, ``fetchMore`` asks (``more_wanted``) for the same search with a
larger limit, and the page hands the longer result back with :meth:`extend`. A search
that returned fewer hits than it asked for has nothing more to give.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
)

from dcms_desktop.domain.contact import display_phone
from dcms_desktop.domain.readmodels.people import PatientHit

COLUMNS = ("Name", "Date of birth", "Phone", "Email")
NAME, BIRTH, PHONE, EMAIL = range(4)
FIRST_PAGE = 30
"""Hits asked for by a keystroke: a screenful and a bit, so the first answer is quick."""
NEXT_PAGE = 50
"""Hits added by each ``fetchMore``."""

AnyIndex = QModelIndex | QPersistentModelIndex


def birth_text(born: date | None) -> str:
    return born.isoformat() if born else "—"


class PatientSearchModel(QAbstractTableModel):
    """Hits of the current search: name, date of birth, phone, email."""

    more_wanted = Signal(str, int)
    """(search text, limit): the view wants more rows of this search."""

    def __init__(self, *, max_results: int = 100, parent: Any = None) -> None:
        super().__init__(parent)
        self._text = ""
        self._hits: tuple[PatientHit, ...] = ()
        self._asked = 0
        self._max_results = max_results
        self._fetching = False

    # -- what the page tells the model -----------------------------------------------------
    def set_results(self, text: str, hits: tuple[PatientHit, ...], asked: int) -> None:
        """The answer to a new search for ``text`` that asked for ``asked`` hits."""
        self.beginResetModel()
        self._text = text
        self._hits = tuple(hits)
        self._asked = asked
        self._fetching = False
        self.endResetModel()

    def extend(self, text: str, hits: tuple[PatientHit, ...], asked: int) -> None:
        """A longer answer to the current search (after ``more_wanted``)."""
        self._fetching = False
        if text != self._text:
            return
        old = self._hits
        if hits[: len(old)] != old:
            # Someone added or renamed a patient in between: start the list again.
            self.set_results(text, hits, asked)
            return
        self._asked = asked
        added = hits[len(old) :]
        if added:
            self.beginInsertRows(QModelIndex(), len(old), len(old) + len(added) - 1)
            self._hits = tuple(hits)
            self.endInsertRows()

    def fetch_failed(self) -> None:
        """The request for more failed: allow asking again later."""
        self._fetching = False

    def clear(self) -> None:
        self.set_results("", (), 0)

    # -- reading ---------------------------------------------------------------------------
    @property
    def text(self) -> str:
        return self._text

    @property
    def hits(self) -> tuple[PatientHit, ...]:
        return self._hits

    def hit(self, row: int) -> PatientHit | None:
        return self._hits[row] if 0 <= row < len(self._hits) else None

    def row_of(self, patient_id: uuid.UUID) -> int | None:
        for row, hit in enumerate(self._hits):
            if hit.id == patient_id:
                return row
        return None

    @property
    def at_limit(self) -> bool:
        """True when the service's most hits are shown and there may be more."""
        return self._may_have_more() and len(self._hits) >= self._max_results

    def _may_have_more(self) -> bool:
        return bool(self._text) and self._asked > 0 and len(self._hits) >= self._asked

    # -- QAbstractTableModel ---------------------------------------------------------------
    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._hits)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        return None

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        hit = self.hit(index.row()) if index.isValid() else None
        if hit is None:
            return None
        column = index.column()
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            if column == NAME:
                return hit.full_name
            if column == BIRTH:
                return birth_text(hit.date_of_birth)
            if column == PHONE:
                return display_phone(hit.phone) or "—"
            if column == EMAIL:
                return hit.email
        if role == Qt.ItemDataRole.UserRole:
            return hit.id
        if role == Qt.ItemDataRole.ToolTipRole and column == NAME:
            return f"{hit.full_name}, born {birth_text(hit.date_of_birth)} — Enter to open"
        return None

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def canFetchMore(self, parent: AnyIndex = QModelIndex()) -> bool:  # noqa: B008
        if parent.isValid() or self._fetching:
            return False
        return self._may_have_more() and len(self._hits) < self._max_results

    def fetchMore(self, parent: AnyIndex = QModelIndex()) -> None:  # noqa: B008
        if not self.canFetchMore(parent):
            return
        self._fetching = True
        limit = min(len(self._hits) + NEXT_PAGE, self._max_results)
        self.more_wanted.emit(self._text, limit)
