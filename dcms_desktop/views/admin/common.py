"""What the admin screens share: messages about errors and conflicts, merging edits, a busy bar."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QWidget,
)

from dcms_desktop.domain.errors import DcmsError, StaleRecordError

log = logging.getLogger(__name__)

Confirm = Callable[[str, str], bool]
"""Asks the person a yes/no question (title, text); tests replace it."""

NO_ANSWER = "The database did not answer. Try again in a moment; if it persists, call IT."


def when_text(moment: datetime | None, now: datetime | None = None) -> str:
    """A moment as the desk reads it, local time: "14:32" today, else "14:32 on 3 May 2026"."""
    if moment is None:
        return ""
    local = moment.astimezone() if moment.tzinfo else moment
    today = (now or datetime.now().astimezone()).date()
    if local.date() == today:
        return f"{local:%H:%M}"
    return f"{local:%H:%M} on {local.day} {local:%b %Y}"


def stale_message(error: StaleRecordError, what: str) -> str:
    """ "Ana Reyes saved this user at 14:32 after you opened it. Your changes are still
    here: reload to see theirs, or close." """
    who = error.changed_by or "Someone else"
    when = when_text(error.changed_at)
    at = f" at {when}" if when else ""
    return (
        f"{who} saved {what}{at} after you opened it. Your changes are still here: "
        "reload to see theirs, or close."
    )


def error_text(error: BaseException, doing: str) -> str:
    """What to tell the person when ``doing`` ("saving the user") failed."""
    if isinstance(error, DcmsError):
        return error.message
    log.error("%s failed", doing, exc_info=error)
    return f"Something went wrong while {doing}. {NO_ANSWER}"


def merge_edits(
    opened: Mapping[str, Any], mine: Mapping[str, Any], theirs: Mapping[str, Any]
) -> tuple[dict[str, Any], set[str]]:
    """Someone else's saved values with this person's own edits on top.

    A field this person changed keeps their value; every other field takes the one just
    saved by the other person. Returns the merged values and the fields both changed to
    different values (worth a look before saving again).
    """
    merged: dict[str, Any] = {}
    clashes: set[str] = set()
    for name, theirs_value in theirs.items():
        if name in mine and mine[name] != opened.get(name):
            merged[name] = mine[name]
            if theirs_value != opened.get(name) and theirs_value != mine[name]:
                clashes.add(name)
        else:
            merged[name] = theirs_value
    return merged, clashes


def busy_bar(name: str) -> QProgressBar:
    """A thin indeterminate bar shown while a task runs."""
    bar = QProgressBar()
    bar.setObjectName(name)
    bar.setRange(0, 0)
    bar.setTextVisible(False)
    bar.setFixedHeight(4)
    bar.hide()
    return bar


def save_and_cancel(
    dialog: QDialog, name: str, save_text: str, on_save: Callable[[], object]
) -> tuple[QPushButton, QPushButton]:
    """A dialog's primary button, which Enter presses and which calls ``on_save``, and its
    Cancel, which Esc presses; named ``{name}Save`` and ``{name}Cancel``."""
    save = QPushButton(save_text)
    save.setObjectName(f"{name}Save")
    save.setProperty("primary", True)
    save.setDefault(True)
    save.clicked.connect(on_save)
    cancel = QPushButton("Cancel")
    cancel.setObjectName(f"{name}Cancel")
    cancel.setAutoDefault(False)
    cancel.clicked.connect(dialog.reject)
    return save, cancel


def button_row(*buttons: QWidget, leading: tuple[QWidget, ...] = ()) -> QHBoxLayout:
    """``leading`` on the left, then ``buttons`` on the right (Cancel before Save)."""
    row = QHBoxLayout()
    for widget in leading:
        row.addWidget(widget)
    row.addStretch(1)
    for widget in buttons:
        row.addWidget(widget)
    return row


def banner(name: str) -> QLabel:
    """A hidden, word-wrapped message line for the top or bottom of a screen."""
    label = QLabel("")
    label.setObjectName(name)
    label.setWordWrap(True)
    label.hide()
    return label


def stale_row(
    name: str, tooltip: str, reload: Callable[[], object]
) -> tuple[QLabel, QPushButton, QHBoxLayout]:
    """The line that says someone else saved first (``<name>Stale``, red) with its Reload
    button (``<name>Reload``, running ``reload``) beside it, both hidden until needed."""
    message = banner(f"{name}Stale")
    message.setProperty("role", "error")
    button = QPushButton("&Reload")
    button.setObjectName(f"{name}Reload")
    button.setToolTip(tooltip)
    button.setAutoDefault(False)
    button.clicked.connect(reload)
    button.hide()
    row = QHBoxLayout()
    row.addWidget(message, 1)
    row.addWidget(button, 0, Qt.AlignmentFlag.AlignTop)
    return message, button, row


def widen(*labels: QLabel) -> None:
    """Let word-wrapped messages under a field use the field's whole width."""
    for label in labels:
        label.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)


def align_labels(*forms: QFormLayout) -> None:
    """Give the label columns of forms stacked in one dialog the same width."""
    labels: list[QWidget] = []
    for form in forms:
        for row in range(form.rowCount()):
            item = form.itemAt(row, QFormLayout.ItemRole.LabelRole)
            widget = item.widget() if item is not None else None
            if widget is not None:
                labels.append(widget)
    width = max((label.sizeHint().width() for label in labels), default=0)
    for label in labels:
        label.setMinimumWidth(width)


def ask(parent: QWidget) -> Confirm:
    """A yes/no question in a message box, "No" being the default."""

    def confirm(title: str, text: str) -> bool:
        answer = QMessageBox.question(
            parent,
            title,
            text,
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No,
        )
        return answer == QMessageBox.StandardButton.Yes

    return confirm


def rename_row_label(form: QFormLayout, buddy: QWidget, caption: str) -> None:
    """Change the caption of the row whose label is the buddy of ``buddy``."""
    for row in range(form.rowCount()):
        item = form.itemAt(row, QFormLayout.ItemRole.LabelRole)
        label = item.widget() if item is not None else None
        if isinstance(label, QLabel) and label.buddy() is buddy:
            label.setText(caption)
            return
