"""Background work for one widget: its results are dropped once the widget is gone.

A search or a save may still be running when its screen is closed (the section is
switched away for good, a test ends); delivering the result to a deleted widget would
raise. :func:`run_for` is :func:`~dcms_desktop.views.tasks.run_task` with callbacks that
first check their owner still exists.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import shiboken6
from PySide6.QtCore import QObject

from dcms_desktop.views.tasks import Progress, TaskHandle, run_task

log = logging.getLogger(__name__)


def _while_alive(owner: QObject, callback: Callable[[Any], None]) -> Callable[[Any], None]:
    def call(value: Any) -> None:
        if shiboken6.isValid(owner):
            callback(value)
        else:
            log.debug("result for a closed screen dropped")

    return call


def run_for(
    owner: QObject,
    work: Callable[[Progress], Any],
    *,
    on_done: Callable[[Any], None],
    on_error: Callable[[BaseException], None],
) -> TaskHandle:
    """Run ``work`` off the UI thread; call back on it while ``owner`` still exists."""
    return run_task(
        work, on_done=_while_alive(owner, on_done), on_error=_while_alive(owner, on_error)
    )
