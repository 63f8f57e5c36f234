"""What every inventory dialog shares: fields with their message underneath, a save that
runs in the background, and refusals put next to the field they are about.

A subclass adds its fields with :meth:`FormDialog.add_field`, returns the background work
from :meth:`FormDialog.work` (or raises ``ValidationError`` there for what it can check
at once), and gets the result in :meth:`FormDialog.saved`. A failed save leaves the form
as it was. A save on a stale record shows who changed it and when above the fields.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QComboBox,
    QDialog,
    QFormLayout,
    QLabel,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from dcms_desktop.domain.errors import DcmsError, StaleRecordError
from dcms_desktop.views.admin.common import (
    banner,
    busy_bar,
    button_row,
    error_text,
    save_and_cancel,
    when_text,
    widen,
)
from dcms_desktop.views.change_password import field_message, show_message, with_message
from dcms_desktop.views.tasks import TaskHandle, run_task

log = logging.getLogger(__name__)

Work = Callable[[Any], Any]


def stale_text(error: StaleRecordError, what: str) -> str:
    """ "ana@clinic saved this item at 14:32 after you opened it. …" """
    who = error.changed_by or "Someone else"
    when = when_text(error.changed_at)
    at = f" at {when}" if when else ""
    return (
        f"{who} changed {what}{at} after you opened it. Nothing was saved; "
        "close and open it again to see their changes."
    )


class FormDialog(QDialog):
    """A modal dialog with a form, a message line, a busy bar and Save/Cancel."""

    def __init__(
        self,
        title: str,
        name: str,
        save_text: str,
        parent: QWidget | None = None,
        *,
        what: str = "this record",
        intro: str = "",
    ) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self.setWindowTitle(title)
        self.setModal(True)
        self._name = name
        self._what = what
        self._task: TaskHandle | None = None
        self.result_value: Any = None
        self.errors: dict[str, QLabel] = {}
        self.fields: dict[str, QWidget] = {}

        self.stale = banner(f"{name}Stale")
        self.stale.setProperty("role", "error")
        self.intro = QLabel(intro)
        self.intro.setObjectName(f"{name}Intro")
        self.intro.setWordWrap(True)
        self.intro.setTextFormat(Qt.TextFormat.RichText)
        self.intro.setVisible(bool(intro))
        self.form = QFormLayout()
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        self.form.setVerticalSpacing(4)
        self.body = QVBoxLayout()
        self.body.addLayout(self.form)
        self.message = field_message(f"{name}Message")
        widen(self.message, self.stale)
        self.busy = busy_bar(f"{name}Busy")
        self.save_button, self.cancel_button = save_and_cancel(self, name, save_text, self.save)
        buttons = button_row(self.cancel_button, self.save_button)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 20)
        layout.setSpacing(8)
        layout.addWidget(self.stale)
        layout.addWidget(self.intro)
        layout.addLayout(self.body)
        layout.addWidget(self.message)
        layout.addWidget(self.busy)
        layout.addLayout(buttons)

    # -- building ---------------------------------------------------------------------------
    def add_field(
        self,
        caption: str,
        name: str,
        widget: QWidget,
        *,
        form: QFormLayout | None = None,
        hint: str = "",
    ) -> QWidget:
        """Add ``widget`` as field ``name`` with its message label underneath."""
        widget.setObjectName(f"{self._name}_{name}")
        if isinstance(widget, QComboBox | QAbstractSpinBox):
            widget.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        if not widget.accessibleName():
            widget.setAccessibleName(caption.replace("&", ""))
        label = QLabel(caption)
        label.setBuddy(widget)
        message = field_message(f"{self._name}_{name}_error")
        widen(message)
        self.errors[name] = message
        self.fields[name] = widget
        (form or self.form).addRow(label, with_message(widget, message))
        if hint:
            show_message(message, hint, "hint")
        return widget

    # -- messages ---------------------------------------------------------------------------
    def show_error(self, field: str | None, text: str) -> None:
        """``text`` next to ``field`` (or under the form when it has no such field)."""
        if field in self.errors:
            assert field is not None
            show_message(self.errors[field], text)
            self.fields[field].setFocus()
        else:
            show_message(self.message, text)
        self.fit()

    def fit(self) -> None:
        """Grow to show every message in full (a message adds lines under its field)."""
        layout = self.layout()
        layout.activate()
        wanted = layout.totalHeightForWidth(self.width()) if layout.hasHeightForWidth() else -1
        height = max(wanted, layout.totalSizeHint().height(), self.minimumSizeHint().height())
        if height > self.height():
            self.resize(self.width(), height)

    def clear_error(self, field: str, hint: str = "") -> None:
        show_message(self.errors[field], hint, "hint" if hint else "error")

    def error_of(self, field: str) -> str:
        """The error shown under ``field`` ("" when none; hints don't count)."""
        label = self.errors[field]
        shown = not label.isHidden() and label.property("role") == "error"
        return label.text() if shown else ""

    # -- saving -----------------------------------------------------------------------------
    def work(self) -> Work:
        """The background work of Save (raise ``ValidationError`` for what is wrong now)."""
        raise NotImplementedError

    def saved(self, result: Any) -> None:
        """Called with the work's result on the UI thread; accepts by default."""
        self.result_value = result
        self.accept()

    def save(self) -> None:
        if self._task is not None and not self._task.done:
            return
        show_message(self.message, "")
        try:
            work = self.work()
        except DcmsError as error:
            self.show_error(error.field, error.message)
            return
        self._set_busy(True)
        self._task = run_task(work, on_done=self._done, on_error=self._failed, owner=self)

    @property
    def busy_now(self) -> bool:
        return self._task is not None and not self._task.done

    def _done(self, result: Any) -> None:
        self._set_busy(False)
        self.saved(result)

    def _failed(self, error: BaseException) -> None:
        self._set_busy(False)
        if isinstance(error, StaleRecordError):
            show_message(self.stale, stale_text(error, self._what))
            self.fit()
            return
        if isinstance(error, DcmsError):
            self.show_error(error.field, error.message)
            return
        log.error("an inventory dialog's save failed", exc_info=error)
        show_message(self.message, error_text(error, "saving"))

    def _set_busy(self, busy: bool) -> None:
        self.busy.setVisible(busy)
        self.save_button.setEnabled(not busy)
        for widget in self.fields.values():
            widget.setEnabled(not busy)
