"""Background tasks that belong to a screen: their results are dropped once it is gone.

A page or dialog can close while a task it started is still running; the result then
arrives for widgets that no longer exist. A :class:`TaskGroup` remembers the tasks its
owner started and cancels them when the owner is destroyed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject

from dcms_desktop.views.tasks import Progress, TaskHandle, run_task


def _cancel_all(handles: list[TaskHandle]) -> Callable[..., None]:
    # A plain closure over the list: it must not touch the owner, which is being destroyed.
    def cancel(*_args: Any) -> None:
        for handle in handles:
            handle.cancel()
        handles.clear()

    return cancel


class TaskGroup:
    """``run`` is :func:`run_task` for tasks of ``owner``."""

    def __init__(self, owner: QObject) -> None:
        self._handles: list[TaskHandle] = []
        owner.destroyed.connect(_cancel_all(self._handles))

    def run(
        self,
        fn: Callable[[Progress], Any],
        *,
        on_done: Callable[[Any], None] | None = None,
        on_error: Callable[[BaseException], None] | None = None,
    ) -> TaskHandle:
        self._handles[:] = [h for h in self._handles if not h.done]
        handle = run_task(fn, on_done=on_done, on_error=on_error)
        self._handles.append(handle)
        return handle

    def cancel_all(self) -> None:
        _cancel_all(self._handles)()
