"""The service catalogue."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from dcms_desktop.data.models import Service as ServiceRow
from dcms_desktop.domain.enums import PricingModel, ToothChartUse
from dcms_desktop.domain.readmodels.catalog import DentalService


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
