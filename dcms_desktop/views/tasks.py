"""Run work off the UI thread and get its result back on the UI thread.

The one helper every screen uses for database work (after Anki's ``aqt.operations``):

    run_task(lambda report: service.search(actor, text), on_done=show, on_error=explain)

The function runs in Qt's global thread pool; ``on_done``/``on_error``/``on_progress``
are called on the UI thread. A task can be superseded (``handle.cancel()``): its result
is then dropped, which is how search-as-you-type drops stale results. Given an ``owner``
(the screen that asked), the result is also dropped once that widget has been deleted,
so a screen closed mid-search never receives it.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable
from typing import Any

import shiboken6
from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot

log = logging.getLogger(__name__)

Progress = Callable[[str, int, int], None]


class _Relay(QObject):
    """Lives on the UI thread; signals emitted from the worker arrive here queued."""

    succeeded = Signal(object)
    failed = Signal(object)
    progressed = Signal(str, int, int)

    def __init__(
        self,
        on_done: Callable[[Any], None] | None,
        on_error: Callable[[BaseException], None] | None,
        on_progress: Progress | None,
        owner: QObject | None = None,
    ) -> None:
        super().__init__()
        self._owner = owner
        self._on_done = on_done
        self._on_error = on_error
        self._on_progress = on_progress
        self.cancelled = False
        self.finished = False
        self.succeeded.connect(self._deliver_result)
        self.failed.connect(self._deliver_error)
        self.progressed.connect(self._deliver_progress)

    @property
    def dropped(self) -> bool:
        """True when nobody wants the outcome any more: cancelled, or its owner is gone."""
        return self.cancelled or (self._owner is not None and not shiboken6.isValid(self._owner))

    @Slot(object)
    def _deliver_result(self, result: Any) -> None:
        self.finished = True
        _live_relays.discard(self)
        if not self.dropped and self._on_done is not None:
            self._on_done(result)

    @Slot(object)
    def _deliver_error(self, error: BaseException) -> None:
        self.finished = True
        _live_relays.discard(self)
        if self.dropped:
            return
        if self._on_error is not None:
            self._on_error(error)
        else:
            log.error("background task failed: %s", "".join(traceback.format_exception(error)))

    @Slot(str, int, int)
    def _deliver_progress(self, phase: str, done: int, total: int) -> None:
        if not self.dropped and self._on_progress is not None:
            self._on_progress(phase, done, total)


# Relays must outlive the call that started them until their result has been delivered.
_live_relays: set[_Relay] = set()


class _Runnable(QRunnable):
    def __init__(self, fn: Callable[[Progress], Any], relay: _Relay) -> None:
        super().__init__()
        self._fn = fn
        self._relay = relay
        self.setAutoDelete(True)

    def run(self) -> None:
        relay = self._relay
        try:
            result = self._fn(lambda phase, done, total: relay.progressed.emit(phase, done, total))
        except BaseException as exc:
            relay.failed.emit(exc)
        else:
            relay.succeeded.emit(result)


class TaskHandle:
    """A started task: ask whether it is done, or drop its result."""

    def __init__(self, relay: _Relay) -> None:
        self._relay = relay

    def cancel(self) -> None:
        """Drop the result: none of the callbacks will be called any more."""
        self._relay.cancelled = True

    @property
    def done(self) -> bool:
        return self._relay.finished


def run_task(
    fn: Callable[[Progress], Any],
    *,
    on_done: Callable[[Any], None] | None = None,
    on_error: Callable[[BaseException], None] | None = None,
    on_progress: Progress | None = None,
    owner: QObject | None = None,
    pool: QThreadPool | None = None,
) -> TaskHandle:
    """Run ``fn(report_progress)`` in the background; call back on the UI thread, unless
    the task was cancelled or its ``owner`` widget has been deleted meanwhile."""
    relay = _Relay(on_done, on_error, on_progress, owner)
    _live_relays.add(relay)
    (pool or QThreadPool.globalInstance()).start(_Runnable(fn, relay))
    return TaskHandle(relay)


QUIT_WAIT_MS = 3000


def finish_background_work(timeout_ms: int = QUIT_WAIT_MS) -> bool:
    """At quit, after the event loop: let the tasks still running finish (a few seconds at
    most) before the interpreter and Qt are torn down under them; True when all did."""
    return QThreadPool.globalInstance().waitForDone(timeout_ms)
