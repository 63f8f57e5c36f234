"""Read models of the service catalogue: what the clinic offers, and at what price.

``dental_service_to_json`` / ``dental_service_from_json`` are the cache's explicit format.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from dcms_desktop.domain.enums import PricingModel, ToothChartUse


@dataclass(frozen=True)
class DentalService:
    """One entry of the catalogue ("Composite filling", per tooth, 85.00)."""

    id: uuid.UUID
    name: str
    description: str | None
    category: str
    price: Decimal
    duration: int
    pricing_model: PricingModel
    tooth_chart_use: ToothChartUse
    is_active: bool
    version: int

    @property
    def needs_teeth(self) -> bool:
        """Can't be booked or completed without teeth."""
        return self.tooth_chart_use is ToothChartUse.REQUIRED


def dental_service_to_json(service: DentalService) -> dict[str, Any]:
    return {
        "id": str(service.id),
        "name": service.name,
        "description": service.description,
        "category": service.category,
        "price": str(service.price),
        "duration": service.duration,
        "pricing_model": service.pricing_model.value,
        "tooth_chart_use": service.tooth_chart_use.value,
        "is_active": service.is_active,
        "version": service.version,
    }


def dental_service_from_json(data: Mapping[str, Any]) -> DentalService:
    return DentalService(
        id=uuid.UUID(data["id"]),
        name=data["name"],
        description=data["description"],
        category=data["category"],
        price=Decimal(data["price"]),
        duration=int(data["duration"]),
        pricing_model=PricingModel(data["pricing_model"]),
        tooth_chart_use=ToothChartUse(data["tooth_chart_use"]),
        is_active=bool(data["is_active"]),
        version=int(data["version"]),
    )
