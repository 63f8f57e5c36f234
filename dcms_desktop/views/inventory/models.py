"""Table models of the inventory screens: items, low-stock alerts, restock requests and an
item's ledger.

A clinic has hundreds of items at most, so each list is read whole (filtered in the
query) and handed to a :class:`RowsModel`: one row per read model, columns described by
:class:`Col` (the text, and optionally a colour, a tooltip and a sort key).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Generic, TypeVar

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor, QFont

from dcms_desktop.domain.enums import MovementType, RestockStatus, Urgency
from dcms_desktop.domain.readmodels.inventory import (
    InventoryItemView,
    LowStockAlert,
    RestockRequestView,
    StockMovementView,
    quantity_text,
)
from dcms_desktop.views.inventory.stock_bar import LEVEL_COLOURS, LEVEL_NAMES, STOCK_BAR_ROLE

ROW_ROLE = Qt.ItemDataRole.UserRole + 1
SORT_ROLE = Qt.ItemDataRole.UserRole + 2
_Index = QModelIndex | QPersistentModelIndex
T = TypeVar("T")

EXPIRED_COLOUR = "#c62828"
EXPIRING_COLOUR = "#b45309"
MUTED_COLOUR = "#829ab1"
_LEVEL_RANK = {level: rank for rank, level in enumerate(LEVEL_NAMES)}  # critical first

MOVEMENT_NAMES = {
    MovementType.RESTOCK: "Restock",
    MovementType.DEDUCTION: "Deduction",
    MovementType.ADJUSTMENT: "Adjustment",
    MovementType.EXPIRED: "Expired",
    MovementType.DAMAGED: "Damaged",
}
STATUS_NAMES = {
    RestockStatus.PENDING: "Pending",
    RestockStatus.APPROVED: "Approved",
    RestockStatus.ORDERED: "Ordered",
    RestockStatus.RECEIVED: "Received",
    RestockStatus.CANCELLED: "Cancelled",
}
URGENCY_NAMES = {
    Urgency.LOW: "Low",
    Urgency.MEDIUM: "Medium",
    Urgency.HIGH: "High",
    Urgency.CRITICAL: "Critical",
}


def money_text(amount: Decimal | None) -> str:
    return "" if amount is None else f"{amount:,.2f}"


def date_text(day: date | None) -> str:
    return "" if day is None else f"{day.day} {day:%b %Y}"


def moment_text(moment: datetime | None) -> str:
    if moment is None:
        return ""
    local = moment.astimezone() if moment.tzinfo else moment
    return f"{local.day} {local:%b %Y} {local:%H:%M}"


def expiry_text(expiry: date | None, today: date) -> str:
    """ "30 Jun 2031", "12 Dec 2026 · in 17 days", "3 Nov 2026 · expired"."""
    if expiry is None:
        return ""
    days = (expiry - today).days
    if days < 0:
        return f"{date_text(expiry)} · expired"
    if days == 0:
        return f"{date_text(expiry)} · expires today"
    if days <= 30:
        return f"{date_text(expiry)} · in {days} day{'s' if days != 1 else ''}"
    return date_text(expiry)


def expiry_colour(expiry: date | None, today: date) -> str | None:
    if expiry is None:
        return None
    days = (expiry - today).days
    return EXPIRED_COLOUR if days < 0 else EXPIRING_COLOUR if days <= 30 else None


@dataclass(frozen=True)
class Col(Generic[T]):
    """A column: its header, the text of a row, and optional colour/tip/sort/extra data."""

    header: str
    text: Callable[[T], str]
    colour: Callable[[T], str | None] | None = None
    tip: Callable[[T], str | None] | None = None
    sort: Callable[[T], Any] | None = None
    extra: Callable[[T, int], Any] | None = None
    bold: bool = False
    right: bool = False


class RowsModel(QAbstractTableModel, Generic[T]):
    """One row per read model, in the order given; the columns as :class:`Col` say."""

    def __init__(
        self, columns: Sequence[Col[T]], key: Callable[[T], uuid.UUID], parent: QObject | None
    ) -> None:
        super().__init__(parent)
        self.columns = list(columns)
        self._key = key
        self._rows: list[T] = []

    def set_rows(self, rows: Sequence[T]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def rows(self) -> list[T]:
        return list(self._rows)

    def row_at(self, row: int) -> T:
        return self._rows[row]

    def row_of(self, key: uuid.UUID) -> int | None:
        for row, value in enumerate(self._rows):
            if self._key(value) == key:
                return row
        return None

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.columns)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.columns[section].header
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        value = self._rows[index.row()]
        column = self.columns[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return column.text(value)
        if role == ROW_ROLE:
            return value
        if role == SORT_ROLE:
            return column.sort(value) if column.sort else column.text(value).casefold()
        if role == Qt.ItemDataRole.ForegroundRole and column.colour is not None:
            colour = column.colour(value)
            return QColor(colour) if colour else None
        if role == Qt.ItemDataRole.ToolTipRole and column.tip is not None:
            return column.tip(value)
        if role == Qt.ItemDataRole.FontRole and column.bold:
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.TextAlignmentRole and column.right:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if column.extra is not None:
            return column.extra(value, role)
        return None


# -- the items list -------------------------------------------------------------------------
def _bar(item: InventoryItemView, role: int) -> Any:
    if role == STOCK_BAR_ROLE:
        return (item.current_stock, item.min_stock, item.max_stock)
    return None


def _stock_tip(item: InventoryItemView) -> str:
    level = LEVEL_NAMES[item.alert_level]
    return (
        f"{level}: {item.current_stock} {item.unit} in stock; minimum {item.min_stock}, "
        f"maximum {item.max_stock}"
    )


def item_columns(today: Callable[[], date]) -> list[Col[InventoryItemView]]:
    def inactive(item: InventoryItemView) -> str | None:
        return None if item.is_active else MUTED_COLOUR

    return [
        Col(
            "Item",
            lambda i: i.name if i.is_active else f"{i.name} (inactive)",
            colour=inactive,
            tip=lambda i: i.description,
            bold=True,
        ),
        Col("Category", lambda i: i.category, colour=inactive),
        Col(
            "Stock",
            lambda i: "",
            tip=_stock_tip,
            sort=lambda i: i.current_stock / max(i.min_stock, 1) + i.current_stock / 1e9,
            extra=_bar,
        ),
        Col(
            "Level",
            lambda i: LEVEL_NAMES[i.alert_level],
            colour=lambda i: LEVEL_COLOURS[i.alert_level],
            sort=lambda i: _LEVEL_RANK[i.alert_level],
        ),
        Col("Unit", lambda i: i.unit, colour=inactive),
        Col(
            "Cost",
            lambda i: money_text(i.cost_per_unit),
            sort=lambda i: float(i.cost_per_unit),
            right=True,
        ),
        Col(
            "Expires",
            lambda i: expiry_text(i.expiration_date, today()),
            colour=lambda i: expiry_colour(i.expiration_date, today()),
            sort=lambda i: (i.expiration_date or date.max).toordinal(),
        ),
        Col("Location", lambda i: i.storage_location or "", colour=inactive),
    ]


# -- the low-stock list ----------------------------------------------------------------------
_STATUS_COLOURS = {
    RestockStatus.PENDING: "#b45309",
    RestockStatus.APPROVED: "#1d4ed8",
    RestockStatus.ORDERED: "#6d28d9",
    RestockStatus.RECEIVED: "#2e7d32",
    RestockStatus.CANCELLED: MUTED_COLOUR,
}


def alert_columns(
    open_request: Callable[[uuid.UUID], RestockRequestView | None],
) -> list[Col[LowStockAlert]]:
    """The low-stock list's columns; ``open_request(item_id)`` gives the item's open
    restock request, if any (so nobody asks twice)."""

    def request_text(alert: LowStockAlert) -> str:
        request = open_request(alert.item_id)
        if request is None:
            return "None yet"
        return f"{STATUS_NAMES[request.status]}: {request.requested_quantity}"

    def request_colour(alert: LowStockAlert) -> str | None:
        request = open_request(alert.item_id)
        return MUTED_COLOUR if request is None else _STATUS_COLOURS[request.status]

    return [
        Col(
            "Level",
            lambda a: LEVEL_NAMES[a.alert_level],
            colour=lambda a: LEVEL_COLOURS[a.alert_level],
            bold=True,
            sort=lambda a: _LEVEL_RANK[a.alert_level] * 1_000_000 + a.current_stock - a.min_stock,
        ),
        Col("Item", lambda a: a.name, bold=True),
        Col("Category", lambda a: a.category),
        Col(
            "In stock",
            lambda a: quantity_text(a.current_stock, a.unit),
            colour=lambda a: LEVEL_COLOURS[a.alert_level],
        ),
        Col("Minimum", lambda a: str(a.min_stock), right=True),
        Col("Order to fill", lambda a: str(a.suggested_order), right=True),
        Col("Open request", request_text, colour=request_colour),
        Col("Supplier", lambda a: a.supplier or ""),
        Col("Location", lambda a: a.storage_location or ""),
    ]


# -- restock requests ------------------------------------------------------------------------


def _request_progress(r: RestockRequestView) -> str:
    if r.status is RestockStatus.ORDERED:
        expected = f", expected {date_text(r.expected_delivery)}" if r.expected_delivery else ""
        return f"Order {r.supplier_order_id or '—'} on {date_text(r.order_date)}{expected}"
    if r.status is RestockStatus.RECEIVED:
        return f"Delivered {date_text(r.actual_delivery)}"
    if r.status is RestockStatus.APPROVED:
        return f"Approved {moment_text(r.approval_date)}"
    if r.status is RestockStatus.CANCELLED:
        return (r.notes or "").splitlines()[-1] if r.notes else "Cancelled"
    return "Waiting for an admin's approval"


def request_columns() -> list[Col[RestockRequestView]]:
    return [
        Col(
            "Status",
            lambda r: STATUS_NAMES[r.status],
            colour=lambda r: _STATUS_COLOURS[r.status],
            bold=True,
            sort=lambda r: list(RestockStatus).index(r.status),
        ),
        Col("Item", lambda r: r.item_name or "(item removed)", bold=True),
        Col("Quantity", lambda r: quantity_text(r.requested_quantity, r.item_unit or "")),
        Col(
            "Urgency",
            lambda r: URGENCY_NAMES[r.urgency],
            sort=lambda r: list(Urgency).index(r.urgency),
        ),
        Col(
            "Requested",
            lambda r: moment_text(r.request_date),
            sort=lambda r: r.request_date.timestamp(),
            tip=lambda r: f"By {r.requested_by_name or 'the system'}: {r.reason}",
        ),
        Col("Progress", _request_progress, tip=lambda r: r.notes),
    ]


# -- an item's ledger ------------------------------------------------------------------------
def ledger_reference(m: StockMovementView) -> str:
    """What a movement belongs to, in words: "Visit of Maria Santos, 3 Nov 2026",
    "Restock request MP-20931" (the supplier's order number, else the request's short id)."""
    short_id = str(m.reference_id)[:8] if m.reference_id else ""
    if m.reference_type == "appointment":
        if m.visit_patient is None:
            return f"Visit {short_id}".strip()
        day = f", {date_text(m.visit_date)}" if m.visit_date else ""
        return f"Visit of {m.visit_patient}{day}"
    if m.reference_type == "restock_request":
        return f"Restock request {m.supplier_order_id or short_id}".strip()
    if m.reference_type is None:
        return short_id
    kind = m.reference_type.replace("_", " ").capitalize()
    return f"{kind} {short_id}".strip()


def _reference_tip(m: StockMovementView) -> str:
    text = ledger_reference(m)
    if m.reference_id is None:
        return text
    return f"{text}\nReference {m.reference_id}"


def ledger_columns() -> list[Col[StockMovementView]]:
    def sign_colour(m: StockMovementView) -> str | None:
        if m.needs_review:
            return EXPIRED_COLOUR
        return "#2e7d32" if m.quantity > 0 else "#c62828" if m.quantity < 0 else None

    return [
        Col("When", lambda m: moment_text(m.timestamp), sort=lambda m: m.timestamp.timestamp()),
        Col("Type", lambda m: MOVEMENT_NAMES[m.movement_type]),
        Col(
            "Qty",
            lambda m: f"{m.quantity:+d}" if m.quantity else "0",
            colour=sign_colour,
            bold=True,
            right=True,
        ),
        Col("Stock", lambda m: f"{m.previous_stock} → {m.new_stock}"),
        Col("Reason", lambda m: m.reason, tip=lambda m: m.reason),
        Col("Who", lambda m: m.performed_by_name or ""),
        Col("Reference", ledger_reference, tip=_reference_tip),
        Col(
            "Review",
            lambda m: "Needs review" if m.needs_review else "",
            colour=lambda m: EXPIRED_COLOUR if m.needs_review else None,
            bold=True,
        ),
    ]
