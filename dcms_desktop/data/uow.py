"""The unit of work: one transaction per use case, side effects only after commit.

A use case opens ``with uow_factory() as uow:``, works through the repositories hanging
off ``uow``, records the cache keys to drop and the change events to announce, and calls
``uow.commit()`` once. Leaving the block without committing rolls back, and then no cache
entry is dropped and no event goes out: other workstations never hear of a change that
did not happen.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from types import TracebackType
from typing import TYPE_CHECKING, Self

from sqlalchemy.orm import Session

from dcms_desktop.data.cache import Cache
from dcms_desktop.data.engine import Database
from dcms_desktop.data.events import ChangeEvent, EventBus

if TYPE_CHECKING:
    from dcms_desktop.data.repositories.appointments import AppointmentRepository
    from dcms_desktop.data.repositories.audit import AuditRepository
    from dcms_desktop.data.repositories.bills import BillRepository
    from dcms_desktop.data.repositories.charts import ToothChartRepository
    from dcms_desktop.data.repositories.inventory import InventoryRepository
    from dcms_desktop.data.repositories.patients import PatientRepository
    from dcms_desktop.data.repositories.records import MedicalRecordRepository
    from dcms_desktop.data.repositories.reports import ReportRepository
    from dcms_desktop.data.repositories.services import ServiceRepository
    from dcms_desktop.data.repositories.settings import SettingsRepository
    from dcms_desktop.data.repositories.stock_reports import StockReportRepository
    from dcms_desktop.data.repositories.users import UserRepository

log = logging.getLogger(__name__)


class UnitOfWork:
    """A transaction with the repositories of every aggregate.

    ``write=False`` opens a read-only unit (a deferred ``BEGIN`` on SQLite, which does not
    wait for writers); commit is then not allowed.
    """

    users: UserRepository
    patients: PatientRepository
    appointments: AppointmentRepository
    services: ServiceRepository
    charts: ToothChartRepository
    bills: BillRepository
    inventory: InventoryRepository
    records: MedicalRecordRepository
    audit: AuditRepository
    reports: ReportRepository
    settings: SettingsRepository
    stock_reports: StockReportRepository

    def __init__(
        self,
        database: Database,
        cache: Cache,
        bus: EventBus,
        workstation: str,
        *,
        write: bool = True,
    ) -> None:
        self.database = database
        self.cache = cache
        self.bus = bus
        self.workstation = workstation
        self.write = write
        self._session: Session | None = None
        self._cache_drops: set[str] = set()
        self._events: list[ChangeEvent] = []
        self._committed = False

    # -- context management -------------------------------------------------------------
    def __enter__(self) -> Self:
        factory = self.database.write_sessions if self.write else self.database.read_sessions
        self._session = factory()
        self._session.begin()
        self._bind_repositories(self._session)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        session = self.session
        try:
            if not self._committed:
                session.rollback()
        finally:
            session.close()
            self._session = None
        if self._committed:
            self._after_commit()

    @property
    def session(self) -> Session:
        if self._session is None:
            raise RuntimeError("the unit of work is not open")
        return self._session

    def _bind_repositories(self, session: Session) -> None:
        from dcms_desktop.data.repositories import bind_repositories

        bind_repositories(self, session)

    # -- recording side effects -----------------------------------------------------------
    def drop_cache(self, *keys: str) -> None:
        """Drop these cache keys once the transaction has committed."""
        self._cache_drops.update(keys)

    def announce(self, entity: str, entity_id: object, action: str) -> None:
        """Publish ``entity id action`` on the bus once the transaction has committed."""
        self._events.append(
            ChangeEvent(
                entity=entity,
                id=str(entity_id),
                action=action,
                workstation=self.workstation,
            )
        )

    def flush(self) -> None:
        self.session.flush()

    def commit(self) -> None:
        """Commit once; cache drops and events follow when the block is left."""
        if not self.write:
            raise RuntimeError("a read-only unit of work cannot commit")
        if self._committed:
            raise RuntimeError("this unit of work has already committed")
        self.session.commit()
        self._committed = True

    def _after_commit(self) -> None:
        if self._cache_drops:
            self.cache.delete(*sorted(self._cache_drops))
        if self._events:
            self.bus.publish(self._events)
        self._cache_drops.clear()
        self._events = []


UnitOfWorkFactory = Callable[..., UnitOfWork]
