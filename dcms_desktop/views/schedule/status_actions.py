"""Status actions on a visit: confirm, check in / start, complete, cancel, no-show.

One :class:`StatusActions` holds a ``QAction`` per step, enabled for the selected visit
when the status machine (domain/status.py) and the signed-in role allow it, with the
same shortcut wherever it is offered (context menu, the bar under the book, the keys
C, I, D, Delete and N on the book). The page runs the chosen step through the service
off the UI thread (:func:`perform`). Cancelling asks for a reason first
(:class:`CancelDialog`); a no-show and completing a visit, which can't be taken back,
ask to be sure. Completing also reads which supplies ran short (:class:`Completed`), and
:func:`short_supply_box` tells the dentist.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QMessageBox,
    QVBoxLayout,
    QWidget,
)

from dcms_desktop.domain.enums import AppointmentStatus, Role
from dcms_desktop.domain.permissions import Action, is_allowed, refusal_message
from dcms_desktop.domain.readmodels.inventory import SupplyShortfall
from dcms_desktop.domain.readmodels.people import Actor
from dcms_desktop.domain.readmodels.scheduling import ScheduleEntry
from dcms_desktop.domain.status import can_transition, transition_refusal
from dcms_desktop.services.inventory import InventoryService

log = logging.getLogger(__name__)


class StatusKind(StrEnum):
    CONFIRM = "confirm"
    START = "start"
    COMPLETE = "complete"
    CANCEL = "cancel"
    NO_SHOW = "no_show"


_S = AppointmentStatus
TARGETS: dict[StatusKind, AppointmentStatus] = {
    StatusKind.CONFIRM: _S.CONFIRMED,
    StatusKind.START: _S.IN_PROGRESS,
    StatusKind.COMPLETE: _S.COMPLETED,
    StatusKind.CANCEL: _S.CANCELLED,
    StatusKind.NO_SHOW: _S.NO_SHOW,
}
BUTTON_TEXTS: dict[StatusKind, str] = {
    StatusKind.CONFIRM: "Confirm",
    StatusKind.START: "Check in",
    StatusKind.COMPLETE: "Complete",
    StatusKind.CANCEL: "Cancel visit…",
    StatusKind.NO_SHOW: "No-show…",
}
LABELS: dict[StatusKind, str] = {
    StatusKind.CONFIRM: "&Confirm",
    StatusKind.START: "Check &in / start",
    StatusKind.COMPLETE: "Complete (&done)",
    StatusKind.CANCEL: "Cance&l…",
    StatusKind.NO_SHOW: "&No-show…",
}
SHORTCUTS: dict[StatusKind, str] = {
    StatusKind.CONFIRM: "C",
    StatusKind.START: "I",
    StatusKind.COMPLETE: "D",
    StatusKind.CANCEL: "Del",
    StatusKind.NO_SHOW: "N",
}
PERMISSION: dict[StatusKind, Action] = {
    StatusKind.CONFIRM: Action.CHANGE_APPOINTMENT_STATUS,
    StatusKind.START: Action.CHANGE_APPOINTMENT_STATUS,
    StatusKind.COMPLETE: Action.COMPLETE_APPOINTMENT,
    StatusKind.CANCEL: Action.CHANGE_APPOINTMENT_STATUS,
    StatusKind.NO_SHOW: Action.CHANGE_APPOINTMENT_STATUS,
}
ASKS_TO_BE_SURE = frozenset({StatusKind.COMPLETE, StatusKind.NO_SHOW})

CANCEL_REASONS = (
    "Patient asked to cancel",
    "Patient is unwell",
    "Rebooked for another day",
    "Dentist unavailable",
    "Clinic closed",
)
REASON_REQUIRED = "Give a reason for cancelling"


def why_not(kind: StatusKind, entry: ScheduleEntry | None, role: Role) -> str | None:
    """Why ``kind`` can't be done to ``entry`` now (None when it can)."""
    if entry is None:
        return "Select a visit first"
    if not is_allowed(role, PERMISSION[kind]):
        return refusal_message(role, PERMISSION[kind])
    if not can_transition(entry.status, TARGETS[kind]):
        return transition_refusal(entry.status, TARGETS[kind])
    return None


def perform(
    scheduling: Any, actor: Actor, entry: ScheduleEntry, kind: StatusKind, reason: str = ""
) -> Any:
    """Run the step through the service (in a background task); returns the appointment."""
    version = entry.version
    if kind is StatusKind.CONFIRM:
        return scheduling.confirm(actor, entry.id, expected_version=version)
    if kind is StatusKind.START:
        return scheduling.start(actor, entry.id, expected_version=version)
    if kind is StatusKind.COMPLETE:
        done = scheduling.complete(actor, entry.id, expected_version=version)
        return Completed(done, supply_shortfalls(scheduling, actor, entry))
    if kind is StatusKind.CANCEL:
        return scheduling.cancel(actor, entry.id, reason, expected_version=version)
    return scheduling.no_show(actor, entry.id, expected_version=version)


@dataclass(frozen=True)
class Completed:
    """What completing a visit returns to the page: the appointment, and the supplies it
    needed that were not in stock (recorded for review by the completion)."""

    appointment: Any
    shortfalls: tuple[SupplyShortfall, ...] = ()


def supply_shortfalls(
    scheduling: Any, actor: Actor, entry: ScheduleEntry
) -> tuple[SupplyShortfall, ...]:
    """The shortfalls recorded by the completion of ``entry`` (asked right after it, in
    the same background task). A failure here must not look like a failed completion:
    it is logged and nothing is reported."""
    context = getattr(scheduling, "context", None)
    if context is None:
        return ()
    try:
        return tuple(InventoryService(context).shortfalls_for_appointment(actor, entry.id))
    except Exception:  # the visit is completed either way
        log.warning("the supplies of visit %s could not be checked", entry.id, exc_info=True)
        return ()


def short_supply_text(shortfalls: Sequence[SupplyShortfall]) -> str:
    """ "Stock ran short: Lidocaine 2% — 2 cartridges missing; recorded for review." """
    return f"Stock ran short: {'; '.join(s.text for s in shortfalls)}; recorded for review."


def short_supply_box(parent: QWidget, entry: ScheduleEntry, outcome: Any) -> QMessageBox | None:
    """Tell the dentist, in a window of its own, what ran short at the visit just
    completed (None when nothing did). Opened, not executed: nothing waits on it."""
    shortfalls = getattr(outcome, "shortfalls", ())
    if not shortfalls:
        return None
    lines = "".join(f"<li>{html.escape(s.text)}</li>" for s in shortfalls)
    box = QMessageBox(
        QMessageBox.Icon.Warning,
        "Stock ran short",
        f"<p>{html.escape(entry.patient_name)}'s visit is completed, but the stock ran "
        f"short:</p><ul>{lines}</ul><p>It is recorded for review; the inventory's "
        "low-stock list shows what to reorder.</p>",
        QMessageBox.StandardButton.Ok,
        parent,
    )
    box.setObjectName("shortSupplyMessage")
    box.setTextFormat(Qt.TextFormat.RichText)
    box.open()
    return box


def done_message(kind: StatusKind, entry: ScheduleEntry) -> str:
    """What the page says once the step is done."""
    who = entry.patient_name
    when = f"{entry.start:%H:%M}"
    return {
        StatusKind.CONFIRM: f"{who}'s {when} visit is confirmed.",
        StatusKind.START: f"{who} is checked in: the {when} visit has started.",
        StatusKind.COMPLETE: f"{who}'s {when} visit is completed.",
        StatusKind.CANCEL: f"{who}'s {when} visit is cancelled; the slot is free again.",
        StatusKind.NO_SHOW: f"{who} is marked as a no-show for {when}.",
    }[kind]


def sure_question(kind: StatusKind, entry: ScheduleEntry) -> str:
    """The question asked before a step that can't be taken back."""
    if kind is StatusKind.NO_SHOW:
        return (
            f"Mark {entry.patient_name} ({entry.span}) as a no-show? "
            "This can't be undone; the slot becomes free."
        )
    return f"Complete {entry.patient_name}'s visit ({entry.span})? This can't be undone."


class StatusActions(QObject):
    """The five actions, enabled for the visit given to :meth:`set_entry`."""

    requested = Signal(object, str)
    """(entry, StatusKind value): the user chose a step for the visit."""

    def __init__(self, role: Role, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._role = role
        self._entry: ScheduleEntry | None = None
        self.actions: dict[StatusKind, QAction] = {}
        for kind in StatusKind:
            action = QAction(LABELS[kind], self)
            action.setObjectName(f"action_{kind.value}")
            action.setIconText(BUTTON_TEXTS[kind])
            action.setShortcut(QKeySequence(SHORTCUTS[kind]))
            action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
            action.triggered.connect(lambda _checked=False, k=kind: self._trigger(k))
            self.actions[kind] = action
        self.set_entry(None)

    def set_entry(self, entry: ScheduleEntry | None) -> None:
        self._entry = entry
        for kind, action in self.actions.items():
            reason = why_not(kind, entry, self._role)
            action.setEnabled(reason is None)
            shortcut = action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
            action.setToolTip(
                f"{action.text().replace('&', '')} ({shortcut})" if reason is None else reason
            )

    def entry(self) -> ScheduleEntry | None:
        return self._entry

    def attach(self, widget: QWidget) -> None:
        """Make the shortcuts work while ``widget`` has the focus."""
        for action in self.actions.values():
            widget.addAction(action)

    def _trigger(self, kind: StatusKind) -> None:
        if self._entry is not None and why_not(kind, self._entry, self._role) is None:
            self.requested.emit(self._entry, kind.value)


class CancelDialog(QDialog):
    """Asks why a visit is cancelled; the reason is required."""

    def __init__(self, entry: ScheduleEntry, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("cancelDialog")
        self.setWindowTitle("Cancel the visit")
        self.setModal(True)
        layout = QVBoxLayout(self)
        who = QLabel(
            f"Cancel <b>{_escape(entry.patient_name)}</b>, {entry.span}"
            f"{' with ' + _escape(entry.dentist_title) if entry.dentist_title else ''}?"
        )
        who.setWordWrap(True)
        label = QLabel("&Reason (required)")
        self.reason_box = QComboBox()
        self.reason_box.setObjectName("cancelReason")
        self.reason_box.setEditable(True)
        self.reason_box.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.reason_box.addItems(["", *CANCEL_REASONS])
        self.reason_box.setCurrentIndex(0)
        self.reason_box.setAccessibleName("Reason for cancelling")
        line_edit = self.reason_box.lineEdit()
        line_edit.setPlaceholderText("Why is the visit cancelled?")
        line_edit.textEdited.connect(lambda _text: self.error.hide())
        self.reason_box.currentIndexChanged.connect(lambda _i: self.error.hide())
        label.setBuddy(self.reason_box)
        self.error = QLabel(REASON_REQUIRED)
        self.error.setObjectName("error_reason")
        self.error.setProperty("role", "error")
        self.error.setStyleSheet("color: #ab091e;")
        self.error.hide()
        buttons = QDialogButtonBox()
        self.ok_button = buttons.addButton(
            "Cancel the visit", QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.ok_button.setObjectName("confirmCancel")
        keep = buttons.addButton("Keep it", QDialogButtonBox.ButtonRole.RejectRole)
        keep.setObjectName("keepVisit")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(who)
        layout.addWidget(label)
        layout.addWidget(self.reason_box)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self.setMinimumWidth(420)

    def reason(self) -> str:
        return self.reason_box.currentText().strip()

    def accept(self) -> None:
        if not self.reason():
            self.error.show()
            self.reason_box.setFocus()
            return
        super().accept()


def _escape(text: str | None) -> str:
    return (text or "").replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
