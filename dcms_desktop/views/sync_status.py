"""Live sync between workstations, as the status bar shows it.

Redis carries the shared cache and the change events. Its state is read from the cache
and the bus (``.state``: "connected", "offline" or "local"); every few seconds the monitor
asks the cache to ping Redis (``cache.check()``), in the background, so that the status
bar sees Redis come back even when nothing else is happening. The UI thread never waits
for Redis.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from dcms_desktop.views.tasks import TaskHandle, run_task

CONNECTED = "connected"
OFFLINE = "offline"
LOCAL = "local"
POLL_INTERVAL_MS = 5_000

SYNC_TEXTS = {
    CONNECTED: "Live sync: connected",
    LOCAL: "Live sync: local only",
    OFFLINE: "Live sync: offline, retrying",
}
SYNC_TIPS = {
    CONNECTED: "Changes made at other workstations show here within a second.",
    LOCAL: "No clinic server for live sync is set up: this workstation works on its own.",
    OFFLINE: "The live-sync server can't be reached. Work goes on from the database; "
    "changes made elsewhere show once it is back.",
}


def combined_state(cache: Any, bus: Any) -> str:
    """One state for the status bar: offline if either part is, local if both are."""
    states = {getattr(cache, "state", LOCAL), getattr(bus, "state", LOCAL)}
    if OFFLINE in states:
        return OFFLINE
    if CONNECTED in states:
        return CONNECTED
    return LOCAL


def sync_text(state: str) -> str:
    """ "Live sync: connected" / "Live sync: local only" / "Live sync: offline, retrying"."""
    return SYNC_TEXTS.get(state, SYNC_TEXTS[OFFLINE])


def check_sync(cache: Any, bus: Any) -> str:
    """Ping Redis through the cache (if it can) and return the combined state.

    Runs in the background: a ping to a Redis that is down takes up to its timeout.
    """
    check = getattr(cache, "check", None)
    if callable(check):
        check()
    return combined_state(cache, bus)


class SyncStatusMonitor(QObject):
    """Polls the sync state every ``interval_ms`` off the UI thread; emits ``changed``."""

    changed = Signal(str)

    def __init__(
        self,
        cache: Any,
        bus: Any,
        *,
        interval_ms: int = POLL_INTERVAL_MS,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._cache = cache
        self._bus = bus
        self.state = combined_state(cache, bus)
        self._pending: TaskHandle | None = None
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.poll)

    def start(self) -> None:
        """Check now (a configured Redis reads "connected" until first tried), then every
        ``interval_ms``."""
        self._timer.start()
        self.poll()

    def stop(self) -> None:
        self._timer.stop()
        if self._pending is not None:
            self._pending.cancel()
            self._pending = None

    def poll(self) -> None:
        """Check once in the background (skipped while the previous check still runs)."""
        if self._pending is not None and not self._pending.done:
            return
        self._pending = run_task(
            lambda _report: check_sync(self._cache, self._bus), on_done=self._checked
        )

    def _checked(self, state: str) -> None:
        self.state = state
        self.changed.emit(state)
