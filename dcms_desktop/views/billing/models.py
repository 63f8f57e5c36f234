"""Table models of the billing screens: bills, receivables, a bill's items and payments.

Each is a plain model over a tuple of read models; money is right-aligned, the status
column carries its colour, ``SORT_ROLE`` gives the raw value (dates, ``Decimal``) so a
proxy sorts by value, not by text, and ``ROW_ROLE`` the read model itself.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)
from PySide6.QtWidgets import QHeaderView, QTableView

from dcms_desktop.domain.enums import BillStatus
from dcms_desktop.views.billing.common import (
    METHOD_TEXT,
    day_text,
    money,
    shown_status,
    status_colour,
    status_text,
)
from dcms_desktop.views.tables import list_table

SORT_ROLE = Qt.ItemDataRole.UserRole + 1
ROW_ROLE = Qt.ItemDataRole.UserRole + 2
_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
_Index = QModelIndex | QPersistentModelIndex


class _RowsModel(QAbstractTableModel):
    """Rows of read models; subclasses say the columns, texts and raw values."""

    COLUMNS: tuple[str, ...] = ()
    MONEY_COLUMNS: frozenset[int] = frozenset()
    STATUS_COLUMN: int | None = None

    def __init__(
        self,
        parent: Any = None,
        *,
        currency: Callable[[], str | None] = lambda: None,
        today: Callable[[], date] = date.today,
    ) -> None:
        super().__init__(parent)
        self._rows: tuple[Any, ...] = ()
        self._currency = currency
        self._today = today

    def set_rows(self, rows: Sequence[Any]) -> None:
        self.beginResetModel()
        self._rows = tuple(rows)
        self.endResetModel()

    def rows(self) -> tuple[Any, ...]:
        return self._rows

    def row_at(self, row: int) -> Any:
        return self._rows[row]

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self.COLUMNS[section]
        if role == Qt.ItemDataRole.TextAlignmentRole and section in self.MONEY_COLUMNS:
            return _RIGHT
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row = self._rows[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            value = self.value(row, column)
            if column in self.MONEY_COLUMNS:
                return "—" if value is None else money(value, self._currency())
            return self.text(row, column, value)
        if role == SORT_ROLE:
            value = self.value(row, column)
            if value is None and column in self.MONEY_COLUMNS:
                return 0.0  # nothing owed (a cancelled bill): sorts as zero, among numbers
            if isinstance(value, date | Decimal):
                return _sortable(value)
            return value if isinstance(value, int) else str(value or "")
        if role == ROW_ROLE:
            return row
        if role == Qt.ItemDataRole.TextAlignmentRole and column in self.MONEY_COLUMNS:
            return _RIGHT
        if role == Qt.ItemDataRole.ForegroundRole and column == self.STATUS_COLUMN:
            return status_colour(self.value(row, column))
        if role == Qt.ItemDataRole.ToolTipRole:
            return self.tooltip(row, column)
        return None

    def value(self, row: Any, column: int) -> Any:
        raise NotImplementedError

    def text(self, row: Any, column: int, value: Any) -> str:
        if column == self.STATUS_COLUMN:
            return status_text(value)
        if isinstance(value, date):
            return day_text(value)
        return "—" if value in (None, "") else str(value)

    def tooltip(self, row: Any, column: int) -> str | None:
        return None


def _sortable(value: date | Decimal) -> Any:
    # QVariant keeps neither Decimal nor date well for sorting: use ISO text / float cents.
    if isinstance(value, date):
        return value.isoformat()
    return float(value)  # sorting only; never shown, never summed


class BillsModel(_RowsModel):
    """Bills (``BillListRow``): invoice, date, patient, dentist, money, shown status."""

    COLUMNS = ("Invoice", "Date", "Patient", "Dentist", "Total", "Paid", "Balance", "Status")
    MONEY_COLUMNS = frozenset({4, 5, 6})
    STATUS_COLUMN = 7

    def value(self, row: Any, column: int) -> Any:
        if column == 0:
            return row.invoice_number
        if column == 1:
            return row.appointment_date
        if column == 2:
            return row.patient_name
        if column == 3:
            return getattr(row, "dentist_name", None)
        if column == 4:
            return row.total_amount
        if column == 5:
            return row.amount_paid
        if column == 6:  # a cancelled bill isn't owed
            cancelled = BillStatus(row.status) is BillStatus.CANCELLED
            return None if cancelled else row.total_amount - row.amount_paid
        return shown_status(row, self._today())

    def tooltip(self, row: Any, column: int) -> str | None:
        if column == 7 and row.due_date is not None:
            return f"Due {day_text(row.due_date)}"
        return None


class ReceivablesModel(_RowsModel):
    """Bills with money owed (``ReceivableRow``): age at ``as_of`` and days past due."""

    COLUMNS = (
        "Invoice",
        "Date",
        "Age (days)",
        "Patient",
        "Due",
        "Days overdue",
        "Total",
        "Paid",
        "Balance",
    )
    MONEY_COLUMNS = frozenset({6, 7, 8})
    COUNT_COLUMNS = frozenset({2, 5})

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.as_of: date | None = None
        """The day the ages are counted at (the list's "as of")."""

    def value(self, row: Any, column: int) -> Any:
        as_of = self.as_of or self._today()
        return (
            row.invoice_number,
            row.appointment_date,
            (as_of - row.appointment_date).days,
            row.patient_name,
            row.due_date,
            row.days_overdue,
            row.total_amount,
            row.amount_paid,
            row.total_amount - row.amount_paid,
        )[column]

    def text(self, row: Any, column: int, value: Any) -> str:
        if column == 5:
            return str(value) if value and value > 0 else "—"
        return super().text(row, column, value)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if (
            index.isValid()
            and index.column() in self.COUNT_COLUMNS
            and role == Qt.ItemDataRole.TextAlignmentRole
        ):
            return _RIGHT
        return super().data(index, role)


class ItemsModel(_RowsModel):
    """A bill's items (``BillItemView``)."""

    COLUMNS = ("Service", "Teeth", "Qty", "Unit price", "Subtotal")
    MONEY_COLUMNS = frozenset({3, 4})

    def value(self, row: Any, column: int) -> Any:
        if column == 0:
            return row.service_name
        if column == 1:
            return ", ".join(str(t) for t in row.teeth_treated)
        if column == 2:
            return row.quantity
        if column == 3:
            return row.unit_price
        return row.subtotal

    def tooltip(self, row: Any, column: int) -> str | None:
        notes = [text for text in (row.description, row.treatment_notes) if text]
        return "\n".join(notes) or None


class PaymentsModel(_RowsModel):
    """A bill's payments (``PaymentView``), oldest first."""

    COLUMNS = ("Date", "Method", "Reference", "Amount")
    MONEY_COLUMNS = frozenset({3})

    def value(self, row: Any, column: int) -> Any:
        return (row.paid_on, row.method, row.reference, row.amount)[column]

    def text(self, row: Any, column: int, value: Any) -> str:
        if column == 1:
            return METHOD_TEXT.get(value, str(value))
        return super().text(row, column, value)


def sorting_proxy(model: QAbstractTableModel, parent: Any) -> QSortFilterProxyModel:
    proxy = QSortFilterProxyModel(parent)
    proxy.setSourceModel(model)
    proxy.setSortRole(SORT_ROLE)
    return proxy


def table(name: str, model: Any, stretch: int, *, sortable: bool = False) -> QTableView:
    """A read-only, row-selecting table; column ``stretch`` takes the spare width."""
    view = list_table(name, model)
    view.verticalHeader().setDefaultSectionSize(26)
    view.setShowGrid(False)
    header = view.horizontalHeader()
    if sortable:
        # No column sorted to start with: the service's order stands until a header click.
        header.setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        view.setSortingEnabled(True)
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    header.setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)
    return view
