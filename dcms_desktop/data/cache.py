"""Cache: Redis when configured, an in-process dictionary otherwise.

(Placeholder interface; the Redis implementation lands with its tests.)
"""

from __future__ import annotations

import json
import threading
from typing import Any, Protocol


class Cache(Protocol):
    """What the repositories and the unit of work need of a cache."""

    def get_json(self, key: str) -> Any | None: ...

    def set_json(self, key: str, value: Any, ttl_seconds: int | None = None) -> None: ...

    def delete(self, *keys: str) -> None: ...


class MemoryCache:
    """A process-local cache for a single workstation without Redis."""

    def __init__(self) -> None:
        self._data: dict[str, str] = {}
        self._lock = threading.Lock()

    def get_json(self, key: str) -> Any | None:
        with self._lock:
            raw = self._data.get(key)
        return None if raw is None else json.loads(raw)

    def set_json(self, key: str, value: Any, ttl_seconds: int | None = None) -> None:
        raw = json.dumps(value, default=str)
        with self._lock:
            self._data[key] = raw

    def delete(self, *keys: str) -> None:
        with self._lock:
            for key in keys:
                self._data.pop(key, None)
