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


@dataclass(frozen=True)
class ServiceDraft:
    """A catalogue entry as an admin typed it (``CatalogService.create_service`` /
    ``update_service`` clean and check it). ``price`` may be the text of the field."""

    name: str
    category: str
    price: Decimal | str
    duration: int
    pricing_model: PricingModel | str = PricingModel.PER_SESSION
    tooth_chart_use: ToothChartUse | str = ToothChartUse.NOT_NEEDED
    description: str | None = None
    is_active: bool = True

    @classmethod
    def from_service(cls, service: DentalService) -> ServiceDraft:
        """The draft of a saved service, to edit it."""
        return cls(
            name=service.name,
            category=service.category,
            price=service.price,
            duration=service.duration,
            pricing_model=service.pricing_model,
            tooth_chart_use=service.tooth_chart_use,
            description=service.description,
            is_active=service.is_active,
        )


@dataclass(frozen=True)
class ServiceUsage:
    """What refers to a catalogue entry (any of it keeps the entry from being deleted)."""

    appointment_lines: int
    bill_items: int
    supply_mappings: int
    treatments: int

    @property
    def in_use(self) -> bool:
        return any((self.appointment_lines, self.bill_items, self.supply_mappings, self.treatments))


@dataclass(frozen=True)
class MappingDraft:
    """One supply of a service as the mappings editor holds it: ``quantity_used`` per
    visit, or ``per_tooth_quantity`` per tooth treated (Per Tooth services), whether the
    visit needs it (``is_required``), and the items that may stand in for it, in order."""

    item_id: uuid.UUID
    quantity_used: Decimal | str = Decimal("1")
    per_tooth_quantity: Decimal | str | None = None
    is_required: bool = True
    alternatives: tuple[uuid.UUID, ...] = ()


@dataclass(frozen=True)
class SupplyItemRef:
    """An inventory item as a mapping names it."""

    id: uuid.UUID
    name: str
    unit: str
    is_active: bool


@dataclass(frozen=True)
class SupplyMappingView:
    """One saved supply of a service, with the items' names for the screen."""

    service_id: uuid.UUID
    item: SupplyItemRef
    quantity_used: Decimal
    per_tooth_quantity: Decimal | None
    is_required: bool
    alternatives: tuple[SupplyItemRef, ...]

    def to_draft(self) -> MappingDraft:
        return MappingDraft(
            item_id=self.item.id,
            quantity_used=self.quantity_used,
            per_tooth_quantity=self.per_tooth_quantity,
            is_required=self.is_required,
            alternatives=tuple(ref.id for ref in self.alternatives),
        )
