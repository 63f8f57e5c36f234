"""Change events from the bus, delivered on the UI thread.

The bus calls its listeners from whatever thread published or received the event (the
Redis listening thread, a background task). :class:`ChangeRelay` re-emits each event as
a Qt signal, which Qt queues to the thread the relay lives in: the UI thread. Screens
connect to ``changed`` and may then touch their widgets.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, Protocol

from PySide6.QtCore import QObject, Signal

log = logging.getLogger(__name__)

REFRESH_ALL_ENTITY = "*"
"""The entity of the bus's "reload everything" event (data/events.REFRESH_ALL)."""


class Subscribable(Protocol):
    """What the relay needs of the event bus (``context.bus``)."""

    def subscribe(self, listener: Callable[[Any], None]) -> Callable[[], None]: ...


class ChangeRelay(QObject):
    """Subscribes to ``bus`` and re-emits its events as ``changed(entity, id, action)``."""

    changed = Signal(str, str, str)

    def __init__(self, bus: Subscribable | None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._unsubscribe: Callable[[], None] | None = None
        if bus is not None:
            self._unsubscribe = bus.subscribe(self._on_event)
        self.destroyed.connect(self._forget(self._unsubscribe))

    @staticmethod
    def _forget(unsubscribe: Callable[[], None] | None) -> Callable[[], None]:
        # A plain closure: it must not touch the relay, which is being destroyed.
        def run() -> None:
            if unsubscribe is not None:
                unsubscribe()

        return run

    def stop(self) -> None:
        """Stop listening (also done when the relay is destroyed)."""
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None

    def _on_event(self, event: Any) -> None:
        """Called by the bus, maybe in another thread: only emit, touch nothing."""
        try:
            self.changed.emit(str(event.entity), str(event.id), str(event.action))
        except RuntimeError:  # the relay's C++ half is gone: the screen was closed
            log.debug("change event for a closed screen dropped")
