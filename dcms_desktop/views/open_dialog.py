"""A screen's open dialog: shown without blocking, remembered while it is open, deleted
when it closes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QDialog


def open_dialog(
    screen: QObject,
    dialog: QDialog,
    *,
    slot: str = "dialog",
    accepted: Callable[[Any], None] | None = None,
    closed: Callable[[], None] | None = None,
) -> None:
    """Open ``dialog`` (``open()``: the screen's event loop goes on) as ``screen.<slot>``.

    When it closes, the screen forgets it (unless another dialog took the slot meanwhile),
    ``accepted`` gets its ``result_value`` if it was accepted, ``closed`` runs either way,
    and the dialog is deleted.
    """
    setattr(screen, slot, dialog)

    def finished(result: int) -> None:
        if getattr(screen, slot, None) is dialog:
            setattr(screen, slot, None)
        if accepted is not None and result == QDialog.DialogCode.Accepted:
            accepted(getattr(dialog, "result_value", None))
        if closed is not None:
            closed()
        dialog.deleteLater()

    dialog.finished.connect(finished)
    dialog.open()
