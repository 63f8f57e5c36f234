"""The services the appointment book uses, built once from the service context.

The only module of the schedule screens that imports the services: every widget gets a
:class:`ScheduleBackend` and calls the service methods on its attributes, so a test can
hand the widgets a fake with the same attribute and method names.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from dcms_desktop.services.catalog import CatalogService
from dcms_desktop.services.context import ServiceContext
from dcms_desktop.services.patients import PatientService
from dcms_desktop.services.scheduling import RequestedService, SchedulingService


class ScheduleBackend:
    """``scheduling``, ``patients``, ``catalog`` and ``day_list`` services, the
    change-event ``bus`` and the clinic's clock."""

    def __init__(self, context: ServiceContext) -> None:
        self.context = context
        self.scheduling: Any = SchedulingService(context)
        self.patients: Any = PatientService(context)
        self.catalog: Any = CatalogService(context)
        self.day_list: Any = _day_list_service(context)
        self.bus: Any = context.bus

    def local_now(self) -> datetime:
        """The clinic's wall-clock time (naive)."""
        return self.context.local_now()

    @staticmethod
    def requested_service(
        service_id: uuid.UUID,
        teeth: Sequence[int] = (),
        surfaces: Mapping[int, Sequence[str]] | None = None,
    ) -> Any:
        """What ``book_appointment``/``walk_in`` take for one service."""
        return RequestedService(service_id, tuple(teeth), surfaces=dict(surfaces or {}) or None)


def _day_list_service(context: ServiceContext) -> Any:
    """The day list's PDF service, once P4-SVC's module is there (None before)."""
    try:
        from dcms_desktop.services.day_list import DayListService
    except ImportError:  # pragma: no cover - only while the module is being written
        return None
    return DayListService(context)
