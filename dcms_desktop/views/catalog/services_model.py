"""The catalogue as a table: one row per service, in the order the service layer gives
(category, then name). Filtering happens in the query (``CatalogService.list_services``);
a clinic has tens of services, so the view sorts them in a proxy when a header is clicked.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from decimal import Decimal
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

from dcms_desktop.domain.enums import PricingModel, ToothChartUse
from dcms_desktop.domain.readmodels.catalog import DentalService

SORT_ROLE = Qt.ItemDataRole.UserRole + 1
SERVICE_ROLE = Qt.ItemDataRole.UserRole + 2
_INACTIVE_COLOUR = QColor("#829ab1")
_Index = QModelIndex | QPersistentModelIndex

CHART_USE_TEXT = {
    ToothChartUse.REQUIRED: "Teeth required",
    ToothChartUse.OPTIONAL: "Teeth optional",
    ToothChartUse.NOT_NEEDED: "No teeth",
}
PRICE_UNIT = {
    PricingModel.PER_TOOTH: "per tooth",
    PricingModel.PER_TOOTH_PACKAGE: "package",
    PricingModel.PER_SESSION: "per session",
    PricingModel.PER_FILM: "per film",
    PricingModel.PER_TREATMENT_PACKAGE: "package",
}


class Column(IntEnum):
    NAME = 0
    CATEGORY = 1
    MODEL = 2
    PRICE = 3
    DURATION = 4
    CHART_USE = 5
    ACTIVE = 6


HEADERS = {
    Column.NAME: "Service",
    Column.CATEGORY: "Category",
    Column.MODEL: "Pricing",
    Column.PRICE: "Price",
    Column.DURATION: "Duration",
    Column.CHART_USE: "Tooth chart",
    Column.ACTIVE: "Status",
}


def price_text(amount: Decimal) -> str:
    """ "1,500.00": the clinic's currency is named in the column's header."""
    return f"{amount:,.2f}"


def duration_text(minutes: int) -> str:
    """ "45 min", "1 h 30 min", "2 h"."""
    hours, rest = divmod(minutes, 60)
    if not hours:
        return f"{rest} min"
    return f"{hours} h {rest} min" if rest else f"{hours} h"


class ServiceTableModel(QAbstractTableModel):
    """One row per catalogue entry."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._services: list[DentalService] = []
        self._headers = dict(HEADERS)

    def set_price_header(self, text: str) -> None:
        """ "Price (₱)": the clinic's currency in the price column's header."""
        if self._headers[Column.PRICE] != text:
            self._headers[Column.PRICE] = text
            self.headerDataChanged.emit(Qt.Orientation.Horizontal, Column.PRICE, Column.PRICE)

    def set_services(self, services: Sequence[DentalService]) -> None:
        self.beginResetModel()
        self._services = list(services)
        self.endResetModel()

    def replace_service(self, service: DentalService) -> None:
        """Show the new state of one entry; appended when it is new."""
        for row, current in enumerate(self._services):
            if current.id == service.id:
                self._services[row] = service
                self.dataChanged.emit(self.index(row, 0), self.index(row, len(Column) - 1), [])
                return
        row = len(self._services)
        self.beginInsertRows(QModelIndex(), row, row)
        self._services.append(service)
        self.endInsertRows()

    def remove_service(self, service_id: uuid.UUID) -> None:
        row = self.row_of(service_id)
        if row is None:
            return
        self.beginRemoveRows(QModelIndex(), row, row)
        del self._services[row]
        self.endRemoveRows()

    def row_of(self, service_id: uuid.UUID) -> int | None:
        for row, service in enumerate(self._services):
            if service.id == service_id:
                return row
        return None

    def services(self) -> list[DentalService]:
        return list(self._services)

    # -- Qt's model API ---------------------------------------------------------------------
    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._services)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(Column)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self._headers[Column(section)]
        if role == Qt.ItemDataRole.TextAlignmentRole and section in (
            Column.PRICE,
            Column.DURATION,
        ):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        service = self._services[index.row()]
        column = Column(index.column())
        if role == Qt.ItemDataRole.DisplayRole:
            return _text(service, column)
        if role == SORT_ROLE:
            return _sort_key(service, column)
        if role == SERVICE_ROLE:
            return service
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (
            Column.PRICE,
            Column.DURATION,
        ):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ForegroundRole and not service.is_active:
            return _INACTIVE_COLOUR
        if role == Qt.ItemDataRole.ToolTipRole and column is Column.NAME and service.description:
            return service.description
        return None


def _text(service: DentalService, column: Column) -> str:
    if column is Column.NAME:
        return service.name
    if column is Column.CATEGORY:
        return service.category
    if column is Column.MODEL:
        return service.pricing_model.value
    if column is Column.PRICE:
        return price_text(service.price)
    if column is Column.DURATION:
        return duration_text(service.duration)
    if column is Column.CHART_USE:
        return CHART_USE_TEXT[service.tooth_chart_use]
    return "Active" if service.is_active else "Inactive"


def _sort_key(service: DentalService, column: Column) -> Any:
    if column is Column.PRICE:
        return int(service.price * 100)  # whole cents: Qt compares ints, not Decimals
    if column is Column.DURATION:
        return service.duration
    if column is Column.ACTIVE:
        return f"{0 if service.is_active else 1}{service.name.casefold()}"
    if column is Column.CATEGORY:
        return f"{service.category.casefold()}\x00{service.name.casefold()}"
    return _text(service, column).casefold()


class ServiceSortProxy(QSortFilterProxyModel):
    """Sorts by the clicked column; the query already filtered the rows."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.setSortRole(SORT_ROLE)
        self.setDynamicSortFilter(True)

    def service_at(self, row: int) -> DentalService:
        return self.index(row, 0).data(SERVICE_ROLE)
