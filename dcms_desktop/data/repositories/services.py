"""The service catalogue."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from dcms_desktop.data.models import Service as ServiceRow
from dcms_desktop.data.models import ServiceInventoryMapping
from dcms_desktop.domain.enums import PricingModel, ToothChartUse
from dcms_desktop.domain.readmodels.catalog import DentalService


@dataclass(frozen=True)
class SupplyMapping:
    """An inventory item a service uses up: ``quantity_used`` per visit, or
    ``per_tooth_quantity`` per tooth treated when set; ``alternatives`` are the items that
    may stand in for it, in the order given."""

    service_id: uuid.UUID
    item_id: uuid.UUID
    quantity_used: Decimal
    per_tooth_quantity: Decimal | None
    is_required: bool
    alternatives: tuple[uuid.UUID, ...]


def _alternatives(raw: list[str] | None) -> tuple[uuid.UUID, ...]:
    found = []
    for value in raw or ():
        try:
            found.append(uuid.UUID(str(value)))
        except ValueError:
            continue  # a stray entry in the JSON list is no item: skip it
    return tuple(found)


def _to_service(row: ServiceRow) -> DentalService:
    return DentalService(
        id=row.id,
        name=row.name,
        description=row.description,
        category=row.category,
        price=row.price,
        duration=row.duration,
        pricing_model=PricingModel(row.pricing_model),
        tooth_chart_use=ToothChartUse(row.tooth_chart_use),
        is_active=row.is_active,
        version=row.version,
    )


class ServiceRepository:
    """The service catalogue."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, service_id: uuid.UUID) -> DentalService | None:
        row = self.session.get(ServiceRow, service_id)
        return None if row is None else _to_service(row)

    def list_active(self) -> tuple[DentalService, ...]:
        """The services that can be booked, by category then name."""
        rows = self.session.scalars(
            select(ServiceRow)
            .where(ServiceRow.is_active.is_(True))
            .order_by(ServiceRow.category, ServiceRow.name, ServiceRow.id)
        )
        return tuple(_to_service(row) for row in rows)

    def by_ids(self, service_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, DentalService]:
        """The services with these ids (active or not) in one statement; ids that don't
        exist are simply absent from the result."""
        wanted = list(dict.fromkeys(service_ids))
        if not wanted:
            return {}
        rows = self.session.scalars(select(ServiceRow).where(ServiceRow.id.in_(wanted)))
        return {row.id: _to_service(row) for row in rows}

    def mappings_for(
        self, service_ids: Iterable[uuid.UUID]
    ) -> dict[uuid.UUID, tuple[SupplyMapping, ...]]:
        """The supplies each of these services uses, in one statement; services without
        any are absent. Within a service, by creation then id (a stable order)."""
        wanted = list(dict.fromkeys(service_ids))
        if not wanted:
            return {}
        m = ServiceInventoryMapping
        rows = self.session.scalars(
            select(m).where(m.service_id.in_(wanted)).order_by(m.created_at, m.id)
        )
        found: dict[uuid.UUID, list[SupplyMapping]] = {}
        for row in rows:
            found.setdefault(row.service_id, []).append(
                SupplyMapping(
                    service_id=row.service_id,
                    item_id=row.inventory_item_id,
                    quantity_used=row.quantity_used,
                    per_tooth_quantity=row.per_tooth_quantity,
                    is_required=row.is_required,
                    alternatives=_alternatives(row.alternative_items),
                )
            )
        return {service_id: tuple(mappings) for service_id, mappings in found.items()}
