"""Selecting a row of a sorted, filtered table by the key of the record it shows."""

from __future__ import annotations

from typing import Any, Protocol

from PySide6.QtCore import QItemSelectionModel, QModelIndex, QSortFilterProxyModel
from PySide6.QtWidgets import QTableView


class KeyedRows(Protocol):
    """A table model that knows the row of a record's key."""

    def row_of(self, key: Any) -> int | None: ...

    def index(self, row: int, column: int, parent: QModelIndex = ...) -> QModelIndex: ...


def select_index(table: QTableView, index: QModelIndex) -> None:
    """Make ``index``'s row the table's one selected, current row, and show it."""
    table.selectionModel().setCurrentIndex(
        index,
        QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows,
    )
    table.scrollTo(index)


def select_by_key(
    table: QTableView, proxy: QSortFilterProxyModel, model: KeyedRows, key: Any
) -> bool:
    """Select the row showing the record ``key``; False when the model hasn't it or the
    filters hide it."""
    row = model.row_of(key)
    if row is None:
        return False
    index = proxy.mapFromSource(model.index(row, 0))
    if not index.isValid():
        return False
    select_index(table, index)
    return True
