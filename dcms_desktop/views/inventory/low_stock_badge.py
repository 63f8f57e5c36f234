"""The main window's low-stock badge: how many items are critical or urgent.

:class:`LowStockMonitor` counts them off the UI thread (``InventoryService.low_stock``)
when started, whenever an ``inventory …`` or ``restock_request …`` event arrives on the
bus (a burst of events gives one count), and every few minutes in case an event was
missed. It emits ``changed(count, tip)``; the main window shows the count on the
Inventory section (``MainWindow.watch_badge``).
"""

from __future__ import annotations

import logging
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from dcms_desktop.domain.enums import AlertLevel
from dcms_desktop.domain.readmodels.inventory import LowStockAlert
from dcms_desktop.domain.readmodels.people import Actor
from dcms_desktop.views.patients.live import ChangeRelay
from dcms_desktop.views.tasks import TaskHandle, run_task

log = logging.getLogger(__name__)

WATCHED_ENTITIES = frozenset({"inventory", "restock_request", "*"})
DEBOUNCE_MS = 400
POLL_INTERVAL_MS = 5 * 60_000
BADGE_LEVELS = (AlertLevel.CRITICAL, AlertLevel.URGENT)


def badge_count(alerts: list[LowStockAlert]) -> tuple[int, str]:
    """The badge's number (critical + urgent items) and its tooltip."""
    critical = sum(1 for a in alerts if a.alert_level is AlertLevel.CRITICAL)
    urgent = sum(1 for a in alerts if a.alert_level is AlertLevel.URGENT)
    count = critical + urgent
    if count == 0:
        return 0, "No item is critically or urgently low."
    names = ", ".join([a.name for a in alerts if a.alert_level in BADGE_LEVELS][:5])
    more = "…" if count > 5 else ""
    return count, (
        f"{critical} item{'s' if critical != 1 else ''} out of stock, {urgent} at half their "
        f"minimum or less: {names}{more}"
    )


class LowStockMonitor(QObject):
    """Counts critical and urgent items; ``changed(count, tip)`` after each count."""

    changed = Signal(int, str)

    def __init__(
        self,
        service: Any,
        actor: Actor,
        bus: Any,
        *,
        interval_ms: int = POLL_INTERVAL_MS,
        debounce_ms: int = DEBOUNCE_MS,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._service = service
        self._actor = actor
        self.count: int | None = None
        self.tip = ""
        self._pending: TaskHandle | None = None
        self._again = False
        self._relay = ChangeRelay(bus, self)
        self._relay.changed.connect(self._on_change)
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(debounce_ms)
        self._debounce.timeout.connect(self.poll)
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.poll)

    def start(self) -> None:
        """Count now, then on every change event and every ``interval_ms``."""
        self._timer.start()
        self.poll()

    def stop(self) -> None:
        self._timer.stop()
        self._debounce.stop()
        self._relay.stop()
        if self._pending is not None:
            self._pending.cancel()
            self._pending = None

    def poll(self) -> None:
        """Count once in the background (once more after the running count, if asked)."""
        if self._pending is not None and not self._pending.done:
            self._again = True
            return
        service, actor = self._service, self._actor
        self._pending = run_task(
            lambda _report: badge_count(service.low_stock(actor)),
            on_done=self._counted,
            on_error=self._failed,
            owner=self,
        )

    def _on_change(self, entity: str, _id: str, _action: str) -> None:
        if entity in WATCHED_ENTITIES:
            self._debounce.start()

    def _counted(self, result: tuple[int, str]) -> None:
        self.count, self.tip = result
        self.changed.emit(*result)
        self._follow_up()

    def _failed(self, error: BaseException) -> None:
        log.warning("the low-stock badge could not be counted: %s", error)
        self._follow_up()

    def _follow_up(self) -> None:
        if self._again:
            self._again = False
            self._debounce.start()
