"""Changing one's own password, and the new-password fields the first-admin form shares.

After an admin has set a temporary password, the next sign-in opens this dialog and it
can't be skipped: the only other way out is to sign out. From the menu ("Change
password…") it is an ordinary dialog with Cancel.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QCloseEvent, QKeyEvent
from PySide6.QtWidgets import (
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from dcms_desktop.domain.errors import DcmsError
from dcms_desktop.domain.password_policy import MAX_LENGTH, MIN_LENGTH, password_problem
from dcms_desktop.views.tasks import TaskHandle, run_task

POLICY_TEXT = (
    f"At least {MIN_LENGTH} characters. A few unrelated words make a good passphrase; "
    "no symbols or digits needed."
)
DIFFERENT = "The two passwords differ."
SIGNED_OUT = 2
"""``QDialog.exec()`` result when the person chose to sign out instead."""


def policy_problem(password: str, email: str) -> str | None:
    """What is wrong with ``password`` as a new password, or None when it is fine.

    The domain's policy decides (length, the common-password list, the email's name,
    predictable patterns); while the password is still short, a count of what is left.
    """
    if len(password) < MIN_LENGTH:
        return f"At least {MIN_LENGTH} characters: {MIN_LENGTH - len(password)} more to go."
    return password_problem(password, email=email)


def field_message(name: str) -> QLabel:
    """An empty message label that sits under a field."""
    label = QLabel("")
    label.setObjectName(name)
    label.setProperty("role", "error")
    label.setWordWrap(True)
    label.hide()
    return label


def show_message(label: QLabel, text: str, role: str = "error") -> None:
    label.setText(text)
    label.setProperty("role", role)
    label.style().unpolish(label)
    label.style().polish(label)
    label.setVisible(bool(text))


def with_message(edit: QWidget, message: QLabel) -> QWidget:
    """A form cell: the field with its message right under it."""
    cell = QWidget()
    column = QVBoxLayout(cell)
    column.setContentsMargins(0, 0, 0, 0)
    column.setSpacing(3)
    column.addWidget(edit)
    column.addWidget(message)
    return cell


class NewPasswordFields(QObject):
    """New password + repeat, with the policy's message next to the field as one types.

    Not a widget: :meth:`add_rows` puts the two rows into the caller's form, so that
    they line up with the form's other fields.
    """

    changed = Signal()

    def __init__(self, prefix: str, email: Callable[[], str], parent: QObject | None = None):
        super().__init__(parent)
        self._email = email
        self.password = QLineEdit()
        self.password.setObjectName(f"{prefix}Password")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setMaxLength(MAX_LENGTH)
        self.password.setAccessibleName("New password")
        self.repeat = QLineEdit()
        self.repeat.setObjectName(f"{prefix}Repeat")
        self.repeat.setEchoMode(QLineEdit.EchoMode.Password)
        self.repeat.setMaxLength(MAX_LENGTH)
        self.repeat.setAccessibleName("Repeat the new password")
        self.policy = QLabel(POLICY_TEXT)
        self.policy.setObjectName(f"{prefix}PasswordPolicy")
        self.policy.setProperty("role", "hint")
        self.policy.setWordWrap(True)
        self.repeat_message = field_message(f"{prefix}RepeatError")
        self.password.textChanged.connect(self._typed)
        self.repeat.textChanged.connect(self._typed)

    def add_rows(self, form: QFormLayout) -> None:
        password_label = QLabel("&New password")
        password_label.setBuddy(self.password)
        repeat_label = QLabel("&Repeat it")
        repeat_label.setBuddy(self.repeat)
        form.addRow(password_label, with_message(self.password, self.policy))
        form.addRow(repeat_label, with_message(self.repeat, self.repeat_message))

    def _typed(self) -> None:
        self.refresh_policy()
        repeat = self.repeat.text()
        if repeat and len(repeat) >= len(self.password.text()) and repeat != self.password.text():
            show_message(self.repeat_message, DIFFERENT)
        else:
            show_message(self.repeat_message, "")
        self.changed.emit()

    def refresh_policy(self) -> None:
        """Say what is still wrong with the new password, or that it is fine."""
        text = self.password.text()
        if not text:
            show_message(self.policy, POLICY_TEXT, "hint")
            return
        problem = policy_problem(text, self._email())
        if problem is None:
            show_message(self.policy, "✓ A good password.", "ok")
        elif len(text) < MIN_LENGTH:
            show_message(self.policy, problem, "hint")
        else:
            show_message(self.policy, problem, "error")

    def problem(self) -> str | None:
        """The first thing to fix before saving (and shows it next to its field)."""
        problem = policy_problem(self.password.text(), self._email())
        if problem is not None:
            show_message(self.policy, problem, "error")
            self.password.setFocus()
            return problem
        if self.repeat.text() != self.password.text():
            show_message(self.repeat_message, DIFFERENT)
            self.repeat.setFocus()
            return DIFFERENT
        return None

    def show_error(self, text: str) -> None:
        """A message from the service about the new password, under the field."""
        show_message(self.policy, text, "error")
        self.password.setFocus()
        self.password.selectAll()

    def value(self) -> str:
        return self.password.text()

    def set_busy(self, busy: bool) -> None:
        self.password.setReadOnly(busy)
        self.repeat.setReadOnly(busy)


class ChangePasswordDialog(QDialog):
    """Change one's own password. ``required`` leaves only "Sign out" as the other way out.

    ``change(current, new)`` is run in the background (AuthService.change_own_password);
    a ``ValidationError`` about ``current_password`` or ``new_password`` is shown next to
    that field. When ``current_password`` is given (just typed at sign-in) its field is
    not asked again.
    """

    def __init__(
        self,
        change: Callable[[str, str], None],
        *,
        email: str,
        required: bool = False,
        current_password: str | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("changePasswordDialog")
        self.setWindowTitle("Change your password")
        self.setModal(True)
        self.setMinimumWidth(520)
        self._change = change
        self._required = required
        self._given_current = current_password
        self._task: TaskHandle | None = None

        intro = QLabel(
            "An admin set a temporary password for you. Choose your own to go on."
            if required
            else "Choose a new password for your account."
        )
        intro.setObjectName("changePasswordIntro")
        intro.setWordWrap(True)

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        self.current = QLineEdit()
        self.current.setObjectName("changePasswordCurrent")
        self.current.setEchoMode(QLineEdit.EchoMode.Password)
        self.current.setAccessibleName("Current password")
        self.current_message = field_message("changePasswordCurrentError")
        current_label = QLabel("&Current password")
        current_label.setBuddy(self.current)
        self._current_cell = with_message(self.current, self.current_message)
        form.addRow(current_label, self._current_cell)
        self._form = form
        if current_password is not None:
            self.current.setText(current_password)
            form.setRowVisible(self._current_cell, False)
        self.fields = NewPasswordFields("changePassword", lambda: email, self)
        self.fields.add_rows(form)

        self.message = field_message("changePasswordError")
        self.busy = QProgressBar()
        self.busy.setObjectName("changePasswordBusy")
        self.busy.setRange(0, 0)
        self.busy.setTextVisible(False)
        self.busy.setFixedHeight(4)
        self.busy.hide()

        self.save_button = QPushButton("C&hange password")
        self.save_button.setObjectName("changePasswordSave")
        self.save_button.setProperty("primary", True)
        self.save_button.setDefault(True)
        self.save_button.clicked.connect(self.save)
        if required:
            self.other_button = QPushButton("Sign &out")
            self.other_button.setObjectName("changePasswordSignOut")
            self.other_button.clicked.connect(lambda: self.done(SIGNED_OUT))
        else:
            self.other_button = QPushButton("Cancel")
            self.other_button.setObjectName("changePasswordCancel")
            self.other_button.clicked.connect(self.reject)
        self.other_button.setAutoDefault(False)

        buttons = QHBoxLayout()
        buttons.addWidget(self.other_button)
        buttons.addStretch(1)
        buttons.addWidget(self.save_button)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 20)
        layout.setSpacing(10)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(self.busy)
        layout.addLayout(buttons)
        (self.current if current_password is None else self.fields.password).setFocus()

    @property
    def required(self) -> bool:
        return self._required

    def save(self) -> None:
        if self._task is not None and not self._task.done:
            return
        show_message(self.current_message, "")
        show_message(self.message, "")
        current = self.current.text()
        if not current:
            show_message(self.current_message, "Type your current password.")
            self.current.setFocus()
            return
        if self.fields.problem() is not None:
            return
        new = self.fields.value()
        self._set_busy(True)
        self._task = run_task(
            lambda _report: self._change(current, new), on_done=self._saved, on_error=self._failed
        )

    def _saved(self, _result: object) -> None:
        self._set_busy(False)
        self.accept()

    def _failed(self, error: BaseException) -> None:
        self._set_busy(False)
        if isinstance(error, DcmsError) and error.field == "current_password":
            if self._given_current is not None:
                # The password typed at sign-in no longer matches: ask for it here.
                self.current.clear()
                self._form.setRowVisible(self._current_cell, True)
            show_message(self.current_message, error.message)
            self.current.setFocus()
        elif isinstance(error, DcmsError) and error.field in ("new_password", "password"):
            self.fields.show_error(error.message)
        elif isinstance(error, DcmsError):
            show_message(self.message, error.message)
        else:
            show_message(
                self.message,
                "The password could not be changed: the database did "
                "not answer. Try again in a moment.",
            )

    def _set_busy(self, busy: bool) -> None:
        self.busy.setVisible(busy)
        self.save_button.setEnabled(not busy)
        self.other_button.setEnabled(not busy)
        self.current.setReadOnly(busy)
        self.fields.set_busy(busy)

    # A required change can't be dismissed: no Esc, no close button.
    def reject(self) -> None:
        if not self._required:
            super().reject()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if self._required and event.key() == Qt.Key.Key_Escape:
            event.ignore()
            return
        super().keyPressEvent(event)

    def closeEvent(self, event: QCloseEvent) -> None:
        if self._required:
            event.ignore()
            return
        super().closeEvent(event)
