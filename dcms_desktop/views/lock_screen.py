"""The lock screen: covers the work after a while without input.

Only the password of the person signed in opens it again; anyone else at the desk can
only sign that person out. The work underneath is hidden, not closed, so nothing typed
is lost. The password check (argon2, audited) runs in the background.

The lock screen lives in a window of its own (:class:`LockWindow`): frameless,
application-modal, laid exactly over the main window's work area. Being the newest
modal window it takes the keyboard even when a dialog was open when the screen locked
(a patient form, say), which an overlay inside the main window could not: that dialog
would keep the input, and its content would stay on view. Such dialogs are made fully
transparent while locked (:func:`hide_windows`) and come back as they were; they are
not closed, since closing a dialog that runs ``exec()`` would cancel it.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QPoint, QRect, Qt, Signal
from PySide6.QtGui import QCloseEvent, QKeyEvent
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from dcms_desktop.domain.errors import DcmsError
from dcms_desktop.views.tasks import TaskHandle, run_task

WRONG_PASSWORD = "That password is not right. Try again, or sign out."
LOCKOUT_WARNING = (
    " After five wrong passwords in a row the account is locked for 15 minutes; "
    "an admin can unlock it."
)
WARN_AFTER = 3


class LockScreen(QWidget):
    """A full-size cover with the signed-in person's name, a password field and Sign out."""

    unlocked = Signal()
    sign_out_requested = Signal()

    def __init__(
        self,
        who: str,
        verify: Callable[[str], bool],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("lockScreen")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self._verify = verify
        self._task: TaskHandle | None = None
        self._failures = 0

        card = QFrame()
        card.setObjectName("lockCard")
        card.setFixedWidth(420)
        title = QLabel("This workstation is locked")
        title.setObjectName("lockTitle")
        self.who_label = QLabel(f"{who} is signed in.")
        self.who_label.setObjectName("lockWho")
        self.who_label.setWordWrap(True)
        hint = QLabel("Enter your password to go on where you left off.")
        hint.setObjectName("formHint")
        hint.setWordWrap(True)

        password_label = QLabel("&Password")
        self.password = QLineEdit()
        self.password.setObjectName("lockPassword")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setAccessibleName("Password")
        password_label.setBuddy(self.password)
        self.password.returnPressed.connect(self.unlock)
        self.password.textEdited.connect(lambda _text: self.error.hide())

        self.error = QLabel("")
        self.error.setObjectName("lockError")
        self.error.setProperty("role", "error")
        self.error.setWordWrap(True)
        self.error.hide()

        self.busy = QProgressBar()
        self.busy.setObjectName("lockBusy")
        self.busy.setRange(0, 0)
        self.busy.setTextVisible(False)
        self.busy.setFixedHeight(4)
        self.busy.setVisible(False)

        self.unlock_button = QPushButton("&Unlock")
        self.unlock_button.setObjectName("lockUnlock")
        self.unlock_button.setProperty("primary", True)
        self.unlock_button.setDefault(True)
        self.unlock_button.clicked.connect(self.unlock)
        self.sign_out_button = QPushButton("Sign &out")
        self.sign_out_button.setObjectName("lockSignOut")
        self.sign_out_button.setToolTip("Sign this person out; unsaved work is lost.")
        self.sign_out_button.clicked.connect(self.sign_out_requested)

        buttons = QHBoxLayout()
        buttons.addWidget(self.sign_out_button)
        buttons.addStretch(1)
        buttons.addWidget(self.unlock_button)

        inner = QVBoxLayout(card)
        inner.setContentsMargins(28, 24, 28, 24)
        inner.setSpacing(8)
        inner.addWidget(title)
        inner.addWidget(self.who_label)
        inner.addWidget(hint)
        inner.addSpacing(8)
        inner.addWidget(password_label)
        inner.addWidget(self.password)
        inner.addWidget(self.error)
        inner.addWidget(self.busy)
        inner.addSpacing(8)
        inner.addLayout(buttons)

        outer = QVBoxLayout(self)
        outer.addStretch(1)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(card)
        row.addStretch(1)
        outer.addLayout(row)
        outer.addStretch(2)

    def reset(self) -> None:
        """Ready for the next unlock: empty password, no message, focus on the field."""
        if self._task is not None:
            self._task.cancel()
            self._task = None
        self.password.clear()
        self.error.hide()
        self._set_busy(False)
        self.password.setFocus(Qt.FocusReason.OtherFocusReason)

    def unlock(self) -> None:
        """Check the typed password in the background; unlock when it is right."""
        if self._task is not None and not self._task.done:
            return
        password = self.password.text()
        if not password:
            self._show_error("Type your password to unlock.")
            return
        self._set_busy(True)
        self._task = run_task(
            lambda _report: self._verify(password), on_done=self._checked, on_error=self._failed
        )

    def _checked(self, ok: bool) -> None:
        self._set_busy(False)
        if ok:
            self._failures = 0
            self.password.clear()
            self.error.hide()
            self.unlocked.emit()
        else:
            self._failures += 1
            self.password.clear()
            warning = LOCKOUT_WARNING if self._failures >= WARN_AFTER else ""
            self._show_error(WRONG_PASSWORD + warning)

    def _failed(self, error: BaseException) -> None:
        self._set_busy(False)
        detail = error.message if isinstance(error, DcmsError) else "the database did not answer"
        self._show_error(f"The password could not be checked ({detail}). Try again.")

    def _show_error(self, text: str) -> None:
        self.error.setText(text)
        self.error.show()
        self.password.setFocus(Qt.FocusReason.OtherFocusReason)

    def _set_busy(self, busy: bool) -> None:
        self.busy.setVisible(busy)
        self.unlock_button.setEnabled(not busy)
        self.password.setReadOnly(busy)


class LockWindow(QDialog):
    """The frameless, application-modal window that holds the :class:`LockScreen`."""

    def __init__(self, lock_screen: LockScreen, parent: QWidget) -> None:
        super().__init__(parent, Qt.WindowType.Dialog | Qt.WindowType.FramelessWindowHint)
        self.setObjectName("lockWindow")
        self.setWindowTitle("DCMS Desktop — locked")
        self.setWindowModality(Qt.WindowModality.ApplicationModal)
        self.lock_screen = lock_screen
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(lock_screen)
        self._leaving = False

    def cover(self, target: QWidget) -> None:
        """Lie exactly over ``target`` (the main window's work area)."""
        self.setGeometry(QRect(target.mapToGlobal(QPoint(0, 0)), target.size()))

    def leave(self) -> None:
        """Go away (unlocked, or signed out)."""
        self._leaving = True
        self.hide()
        self._leaving = False

    # Nothing but the password or Sign out ends the lock: no Esc, no Alt+F4.
    def reject(self) -> None:
        pass

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape:
            event.ignore()
            return
        super().keyPressEvent(event)

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self._leaving:
            event.ignore()


def hide_windows(owner: QWidget, keep: QWidget) -> dict[QWidget, float]:
    """Make every visible window that belongs to ``owner`` (its dialogs, message boxes)
    fully transparent, except ``keep``; returns their opacities to restore."""
    hidden: dict[QWidget, float] = {}
    for window in QApplication.topLevelWidgets():
        if window is owner or window is keep or not window.isVisible():
            continue
        parent = window.parentWidget()
        while parent is not None and parent is not owner:
            parent = parent.parentWidget()
        if parent is owner:
            hidden[window] = window.windowOpacity()
            window.setWindowOpacity(0.0)
    return hidden


def restore_windows(hidden: dict[QWidget, float]) -> None:
    for window, opacity in hidden.items():
        window.setWindowOpacity(opacity)
