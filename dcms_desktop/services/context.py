"""What every use case needs: units of work, the cache, the bus, the clock.

Built once by the composition root (app.py, cli.py, a test) and passed to the service
objects. The clock is injectable so tests can fix "now".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from dcms_desktop.data.cache import Cache
from dcms_desktop.data.engine import Database
from dcms_desktop.data.events import EventBus
from dcms_desktop.data.types import utcnow
from dcms_desktop.data.uow import UnitOfWork


@dataclass
class ServiceContext:
    """The shared plumbing of the service layer."""

    database: Database
    cache: Cache
    bus: EventBus
    workstation: str
    clock: Callable[[], datetime] = field(default=utcnow)

    def uow(self, *, write: bool = True) -> UnitOfWork:
        """A new unit of work; ``write=False`` for read-only use cases."""
        return UnitOfWork(self.database, self.cache, self.bus, self.workstation, write=write)

    def now(self) -> datetime:
        """The current moment (aware), from the injectable clock."""
        return self.clock()

    def local_now(self) -> datetime:
        """The clinic's wall-clock time (the workstation's local zone), naive."""
        return self.clock().astimezone().replace(tzinfo=None)
