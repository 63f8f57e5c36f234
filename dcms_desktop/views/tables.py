"""The table every list screen starts from."""

from __future__ import annotations

from PySide6.QtCore import QAbstractItemModel
from PySide6.QtWidgets import QAbstractItemView, QTableView


def list_table(name: str, model: QAbstractItemModel, *, accessible: str = "") -> QTableView:
    """A read-only table of records, one row selected at a time, no row numbers, text on
    one line; each screen then sets its columns, sorting and look."""
    table = QTableView()
    table.setObjectName(name)
    if accessible:
        table.setAccessibleName(accessible)
    table.setModel(model)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setWordWrap(False)
    table.verticalHeader().hide()
    table.horizontalHeader().setHighlightSections(False)
    return table
