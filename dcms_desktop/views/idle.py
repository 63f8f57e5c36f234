"""Noticing that nobody has touched the workstation for a while.

:class:`IdleWatcher` watches every keyboard, mouse, wheel and touch event of the
application and emits ``idle`` once no such event has come for the configured time (the
clinic's ``idle_lock_minutes`` setting). The timer is an ordinary single-shot ``QTimer``
that each input restarts; tests give a short interval, or a timer of their own.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QTimer, Signal
from PySide6.QtWidgets import QApplication

DEFAULT_IDLE_MINUTES = 10

INPUT_EVENTS = frozenset(
    {
        QEvent.Type.KeyPress,
        QEvent.Type.KeyRelease,
        QEvent.Type.MouseButtonPress,
        QEvent.Type.MouseButtonRelease,
        QEvent.Type.MouseButtonDblClick,
        QEvent.Type.MouseMove,
        QEvent.Type.Wheel,
        QEvent.Type.TouchBegin,
        QEvent.Type.TouchUpdate,
        QEvent.Type.TabletPress,
        QEvent.Type.TabletMove,
        QEvent.Type.ShortcutOverride,
    }
)


def minutes_to_ms(minutes: int) -> int:
    """The idle time in milliseconds, at least one minute."""
    return max(int(minutes), 1) * 60_000


class IdleWatcher(QObject):
    """Emits ``idle`` after ``interval_ms`` without input; paused while the screen is locked."""

    idle = Signal()

    def __init__(
        self,
        interval_ms: int = DEFAULT_IDLE_MINUTES * 60_000,
        *,
        timer: QTimer | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._timer = timer if timer is not None else QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self._expired)
        self._watching = False

    @property
    def interval_ms(self) -> int:
        return self._timer.interval()

    def set_interval_ms(self, interval_ms: int) -> None:
        """Change the idle time (the setting was read or changed); counts from now."""
        self._timer.setInterval(interval_ms)
        if self._watching:
            self._timer.start()

    def start(self) -> None:
        """Start watching input (again, after an unlock)."""
        app = QApplication.instance()
        if app is not None and not self._watching:
            app.installEventFilter(self)
        self._watching = True
        self._timer.start()

    def stop(self) -> None:
        """Stop watching (while locked, or when the window closes)."""
        app = QApplication.instance()
        if app is not None and self._watching:
            app.removeEventFilter(self)
        self._watching = False
        self._timer.stop()

    @property
    def watching(self) -> bool:
        return self._watching

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in INPUT_EVENTS:
            # Restarting a timer is cheap; there is no need to debounce mouse moves.
            self._timer.start()
        return False

    def _expired(self) -> None:
        if self._watching:
            self.stop()
            self.idle.emit()
