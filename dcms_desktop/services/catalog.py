"""The service catalogue as the desk reads it (editing it comes with its own screen)."""

from __future__ import annotations

import uuid

from dcms_desktop.data import cache_keys
from dcms_desktop.domain.errors import NotFoundError
from dcms_desktop.domain.permissions import Action, require
from dcms_desktop.domain.readmodels.catalog import (
    DentalService,
    dental_service_from_json,
    dental_service_to_json,
)
from dcms_desktop.domain.readmodels.people import Actor
from dcms_desktop.services.context import ServiceContext

SERVICE_CACHE_SECONDS = 3600


class CatalogService:
    """Reading the service catalogue."""

    def __init__(self, context: ServiceContext) -> None:
        self.context = context

    def list_active(self, actor: Actor) -> tuple[DentalService, ...]:
        """What can be booked, by category then name."""
        require(actor.role, Action.VIEW_SERVICES)
        with self.context.uow(write=False) as uow:
            return uow.services.list_active()

    def get(self, actor: Actor, service_id: uuid.UUID) -> DentalService:
        """One service, active or not (cached under ``dcms:service:{id}``)."""
        require(actor.role, Action.VIEW_SERVICES)
        key = cache_keys.service(service_id)
        cached = self.context.cache.get_json(key)
        if cached is not None:
            return dental_service_from_json(cached)
        with self.context.uow(write=False) as uow:
            service = uow.services.get(service_id)
        if service is None:
            raise NotFoundError("That service is not in the catalogue")
        self.context.cache.set_json(key, dental_service_to_json(service), SERVICE_CACHE_SECONDS)
        return service
