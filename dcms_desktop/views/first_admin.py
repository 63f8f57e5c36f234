"""The first-admin form: what a new clinic's database shows instead of the sign-in.

Nobody can sign in before a clinic has an admin, so the first person to open a new
database creates that admin here (and is signed in as them). Once an admin exists the
service refuses a second "first" admin, and the form hands over to the sign-in.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from dcms_desktop.domain.errors import ConflictError, DcmsError
from dcms_desktop.views.change_password import (
    NewPasswordFields,
    field_message,
    show_message,
    with_message,
)
from dcms_desktop.views.tasks import TaskHandle, run_task


class FirstAdminForm(QWidget):
    """Names, email, password (twice): creates the clinic's first admin."""

    created = Signal(object)  # SignedIn
    admin_exists = Signal()

    def __init__(self, auth: Any | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("firstAdminForm")
        self._auth = auth
        self._task: TaskHandle | None = None

        title = QLabel("Set up your clinic")
        title.setObjectName("formTitle")
        intro = QLabel(
            "This clinic has no admin yet. Create the first admin account: the admin adds "
            "everyone else and sets up the clinic."
        )
        intro.setObjectName("formIntro")
        intro.setWordWrap(True)

        self.first_name = QLineEdit()
        self.first_name.setObjectName("firstAdminFirstName")
        self.last_name = QLineEdit()
        self.last_name.setObjectName("firstAdminLastName")
        self.email = QLineEdit()
        self.email.setObjectName("firstAdminEmail")
        self.email.setPlaceholderText("name@yourclinic.com")
        self.messages = {
            "first_name": field_message("firstAdminFirstNameError"),
            "last_name": field_message("firstAdminLastNameError"),
            "email": field_message("firstAdminEmailError"),
        }
        self.fields = NewPasswordFields("firstAdmin", lambda: self.email.text().strip(), self)

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        for text, edit, key in (
            ("&First name", self.first_name, "first_name"),
            ("&Last name", self.last_name, "last_name"),
            ("&Email", self.email, "email"),
        ):
            edit.setAccessibleName(text.replace("&", ""))
            label = QLabel(text)
            label.setBuddy(edit)
            form.addRow(label, with_message(edit, self.messages[key]))
            edit.textEdited.connect(lambda _t, k=key: show_message(self.messages[k], ""))
        self.email.textEdited.connect(lambda _t: self.fields.refresh_policy())
        self.fields.add_rows(form)

        self.message = field_message("firstAdminError")
        self.busy = QProgressBar()
        self.busy.setObjectName("firstAdminBusy")
        self.busy.setRange(0, 0)
        self.busy.setTextVisible(False)
        self.busy.setFixedHeight(4)
        self.busy.hide()
        self.create_button = QPushButton("&Create admin and sign in")
        self.create_button.setObjectName("firstAdminCreate")
        self.create_button.setProperty("primary", True)
        self.create_button.setDefault(True)
        self.create_button.clicked.connect(self.submit)
        for edit in (self.first_name, self.last_name, self.email):
            edit.returnPressed.connect(self.submit)
        self.fields.password.returnPressed.connect(self.submit)
        self.fields.repeat.returnPressed.connect(self.submit)

        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.create_button)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(8)
        layout.addWidget(title)
        layout.addWidget(intro)
        layout.addSpacing(6)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(self.busy)
        layout.addLayout(buttons)

    def set_auth(self, auth: Any) -> None:
        """The clinic is open (the form is only shown once it is)."""
        self._auth = auth

    def focus_first_field(self) -> None:
        self.first_name.setFocus(Qt.FocusReason.OtherFocusReason)

    def submit(self) -> None:
        """Check what can be checked here, then create the admin in the background."""
        if self._task is not None and not self._task.done:
            return
        show_message(self.message, "")
        values = {
            "first_name": self.first_name.text().strip(),
            "last_name": self.last_name.text().strip(),
            "email": self.email.text().strip(),
        }
        missing = {
            "first_name": "Type the admin's first name.",
            "last_name": "Type the admin's last name.",
            "email": "Type the admin's email: it is what they sign in with.",
        }
        for key, text in missing.items():
            if not values[key]:
                self._field_error(key, text)
                return
        if "@" not in values["email"]:
            self._field_error("email", "That is not an email address (it has no @).")
            return
        if self.fields.problem() is not None:
            return
        password = self.fields.value()
        auth = self._auth
        if auth is None:
            return
        self._set_busy(True)
        self._task = run_task(
            lambda _report: auth.create_first_admin(password=password, **values),
            on_done=self._created,
            on_error=self._failed,
        )

    def _field_error(self, key: str, text: str) -> None:
        show_message(self.messages[key], text)
        edit = {"first_name": self.first_name, "last_name": self.last_name, "email": self.email}
        edit[key].setFocus()

    def _created(self, signed_in: object) -> None:
        self._set_busy(False)
        self.created.emit(signed_in)

    def _failed(self, error: BaseException) -> None:
        self._set_busy(False)
        if isinstance(error, ConflictError) and error.field is None:
            show_message(self.message, "This clinic already has an admin: sign in instead.")
            self.admin_exists.emit()
        elif isinstance(error, DcmsError) and error.field in self.messages:
            self._field_error(error.field, error.message)
        elif isinstance(error, DcmsError) and error.field in ("password", "new_password"):
            self.fields.show_error(error.message)
        elif isinstance(error, DcmsError):
            show_message(self.message, error.message)
        else:
            show_message(
                self.message,
                "The admin could not be created: the database did not answer. Try again.",
            )

    def _set_busy(self, busy: bool) -> None:
        self.busy.setVisible(busy)
        self.create_button.setEnabled(not busy)
        for edit in (self.first_name, self.last_name, self.email):
            edit.setReadOnly(busy)
        self.fields.set_busy(busy)
