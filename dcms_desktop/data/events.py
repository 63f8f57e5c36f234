"""Change events: "appointment 42 updated by ws-3", sent after commit.

(Placeholder interface; the Redis pub/sub implementation lands with its tests.)
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class ChangeEvent:
    entity: str
    id: str
    action: str
    workstation: str


Listener = Callable[[ChangeEvent], None]


class EventBus(Protocol):
    def publish(self, events: Iterable[ChangeEvent]) -> None: ...

    def subscribe(self, listener: Listener) -> Callable[[], None]: ...

    def close(self) -> None: ...


class LocalEventBus:
    """In-process bus: listeners are called synchronously in the publisher's thread."""

    def __init__(self) -> None:
        self._listeners: list[Listener] = []
        self._lock = threading.Lock()

    def publish(self, events: Iterable[ChangeEvent]) -> None:
        with self._lock:
            listeners = list(self._listeners)
        for event in events:
            for listener in listeners:
                listener(event)

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        with self._lock:
            self._listeners.append(listener)

        def unsubscribe() -> None:
            with self._lock:
                if listener in self._listeners:
                    self._listeners.remove(listener)

        return unsubscribe

    def close(self) -> None:
        with self._lock:
            self._listeners.clear()
