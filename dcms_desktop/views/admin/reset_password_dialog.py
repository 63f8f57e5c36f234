"""An admin sets a temporary password for someone who forgot theirs.

The password policy is checked as it is typed; the user must choose their own password
at their next sign-in. A locked account is unlocked by the reset as well (the service
decides; the dialog says what happened).
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QFormLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from dcms_desktop.domain.errors import DcmsError
from dcms_desktop.domain.readmodels.people import Actor, UserAccount
from dcms_desktop.services.users import UserService
from dcms_desktop.views.admin.common import (
    busy_bar,
    button_row,
    error_text,
    rename_row_label,
    save_and_cancel,
    widen,
)
from dcms_desktop.views.change_password import NewPasswordFields, field_message, show_message
from dcms_desktop.views.tasks import TaskHandle, run_task


class ResetPasswordDialog(QDialog):
    """Set a temporary password for ``account``; ``saved_account`` after it is done."""

    def __init__(
        self,
        service: UserService,
        actor: Actor,
        account: UserAccount,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("resetPasswordDialog")
        self.setWindowTitle(f"Reset the password of {account.full_name}")
        self.setModal(True)
        self.setMinimumWidth(520)
        self._service = service
        self._actor = actor
        self._account = account
        self._task: TaskHandle | None = None
        self.saved_account: UserAccount | None = None

        intro = QLabel(
            f"Choose a temporary password for {account.full_name} ({account.email}) and "
            "tell it to them in person or by phone. They must choose their own at their "
            "next sign-in."
        )
        intro.setObjectName("resetPasswordIntro")
        intro.setWordWrap(True)
        self.fields = NewPasswordFields("reset", lambda: account.email, self)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        self.fields.add_rows(form)
        rename_row_label(form, self.fields.password, "&Temporary password")
        rename_row_label(form, self.fields.repeat, "Repeat &it")
        self.fields.password.setAccessibleName("Temporary password")
        widen(self.fields.policy, self.fields.repeat_message)
        self.message = field_message("resetPasswordMessage")
        self.busy = busy_bar("resetPasswordBusy")

        self.save_button, self.cancel_button = save_and_cancel(
            self, "resetPassword", "&Set temporary password", self.save
        )
        buttons = button_row(self.cancel_button, self.save_button)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 20)
        layout.setSpacing(10)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(self.busy)
        layout.addLayout(buttons)
        self.fields.password.setFocus()

    def save(self) -> None:
        if self._task is not None and not self._task.done:
            return
        show_message(self.message, "")
        if self.fields.problem() is not None:
            return
        password = self.fields.value()
        service, actor, user_id = self._service, self._actor, self._account.id
        self._set_busy(True)
        self._task = run_task(
            lambda _report: service.reset_password(actor, user_id, password),
            on_done=self._saved,
            on_error=self._failed,
        )

    def _saved(self, account: UserAccount) -> None:
        self._set_busy(False)
        self.saved_account = account
        self.accept()

    def _failed(self, error: BaseException) -> None:
        self._set_busy(False)
        if isinstance(error, DcmsError) and error.field in ("password", "new_password"):
            self.fields.show_error(error.message)
        else:
            show_message(self.message, error_text(error, "resetting the password"))

    def _set_busy(self, busy: bool) -> None:
        self.busy.setVisible(busy)
        self.save_button.setEnabled(not busy)
        self.fields.set_busy(busy)
