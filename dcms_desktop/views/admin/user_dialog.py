"""Creating a user, or editing one: name, email, phone, role (and a temporary password).

Fields are checked as they are typed and the service's refusals land next to the field
they are about. Editing is optimistic: if another admin saved the same user after this
dialog opened, the save is refused saying who and when, the edits stay in the form, and
Reload brings their version in with these edits on top.
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import pairwise
from typing import Any

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from dcms_desktop.domain.enums import Role
from dcms_desktop.domain.errors import DcmsError, StaleRecordError, ValidationError
from dcms_desktop.domain.readmodels.people import Actor, UserAccount
from dcms_desktop.services.users import UserService, clean_profile
from dcms_desktop.views.admin.common import (
    busy_bar,
    button_row,
    error_text,
    merge_edits,
    rename_row_label,
    save_and_cancel,
    stale_message,
    stale_row,
    widen,
)
from dcms_desktop.views.admin.users_model import ROLE_NAMES
from dcms_desktop.views.change_password import (
    NewPasswordFields,
    field_message,
    show_message,
    with_message,
)
from dcms_desktop.views.tasks import TaskHandle, run_task

FIELDS = ("first_name", "last_name", "email", "phone", "role")
ROLE_HINTS = {
    Role.STAFF: "Front desk: patients, booking, bills, payments and stock.",
    Role.DENTIST: "Also completes visits and edits tooth charts.",
    Role.ADMIN: "Everything, including users, settings, reports and backups.",
}


def _check(name: str, value: str) -> str | None:
    """What the service would say about one field as typed, or None (it checks again)."""
    sample = {"email": "someone@clinic.example", "first_name": "A", "last_name": "B"}
    try:
        if name == "phone":
            clean_profile(**sample, phone=value)
        else:
            clean_profile(**(sample | {name: value}))
    except ValidationError as exc:
        return exc.message if exc.field == name else None
    return None


def account_values(account: UserAccount) -> dict[str, Any]:
    """An account as the form holds it."""
    return {
        "first_name": account.first_name,
        "last_name": account.last_name,
        "email": account.email,
        "phone": account.phone or "",
        "role": account.role,
    }


class UserDialog(QDialog):
    """New user (``account`` None) or edit ``account``; ``saved_account`` after Save."""

    def __init__(
        self,
        service: UserService,
        actor: Actor,
        account: UserAccount | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("userDialog")
        self._service = service
        self._actor = actor
        self._account = account
        self._opened = account_values(account) if account else {}
        self._task: TaskHandle | None = None
        self.saved_account: UserAccount | None = None
        self.errors: dict[str, QLabel] = {}
        self.setWindowTitle(f"Edit {account.full_name}" if account else "New user")
        self.setModal(True)
        self.setMinimumWidth(560)
        self._build()
        if account is not None:
            self._fill(self._opened)
        self.first_name.setFocus()

    @property
    def is_new(self) -> bool:
        return self._account is None

    # -- building ---------------------------------------------------------------------------
    def _line(self, name: str, max_length: int, accessible: str) -> QLineEdit:
        edit = QLineEdit()
        edit.setObjectName(f"user_{name}")
        edit.setMaxLength(max_length)
        edit.setAccessibleName(accessible)
        edit.textChanged.connect(lambda _t, n=name: self._typed(n))
        return edit

    def _add(self, form: QFormLayout, caption: str, name: str, widget: QWidget) -> None:
        label = QLabel(caption)
        label.setBuddy(widget)
        self.errors[name] = field_message(f"user_{name}_error")
        widen(self.errors[name])
        form.addRow(label, with_message(widget, self.errors[name]))

    def _build(self) -> None:
        self.stale, self.reload_button, stale_line = stale_row(
            "user", "Bring in their version, keeping your changes on top", self.reload_keeping_edits
        )

        self.first_name = self._line("first_name", 100, "First name")
        self.last_name = self._line("last_name", 100, "Last name")
        self.email = self._line("email", 254, "Email")
        self.email.setPlaceholderText("Used to sign in")
        self.phone = self._line("phone", 20, "Phone")
        self.phone.setPlaceholderText("Optional")
        self.role = QComboBox()
        self.role.setObjectName("user_role")
        for role in (Role.STAFF, Role.DENTIST, Role.ADMIN):
            self.role.addItem(ROLE_NAMES[role], role)
        self.role.currentIndexChanged.connect(lambda _i: self._typed("role"))

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        form.setVerticalSpacing(4)
        self._add(form, "&First name", "first_name", self.first_name)
        self._add(form, "&Last name", "last_name", self.last_name)
        self._add(form, "&Email", "email", self.email)
        self._add(form, "&Phone", "phone", self.phone)
        self._add(form, "R&ole", "role", self.role)
        show_message(self.errors["role"], ROLE_HINTS[Role.STAFF], "hint")

        self.password_fields: NewPasswordFields | None = None
        if self.is_new:
            fields = NewPasswordFields("user", lambda: self.email.text(), self)
            note = QLabel(
                "Choose a password for their first sign-in and tell it to them in person."
            )
            note.setObjectName("userPasswordNote")
            note.setWordWrap(True)
            form.addRow(note)
            fields.add_rows(form)
            rename_row_label(form, fields.password, "Pass&word")
            rename_row_label(form, fields.repeat, "Repeat &it")
            fields.password.setAccessibleName("Password")
            widen(fields.policy, fields.repeat_message)
            self.password_fields = fields

        self.message = field_message("userMessage")
        widen(self.message, self.stale)
        self.busy = busy_bar("userBusy")
        self.save_button, self.cancel_button = save_and_cancel(
            self, "user", "&Create user" if self.is_new else "&Save", self.save
        )
        buttons = button_row(self.cancel_button, self.save_button)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 20)
        layout.setSpacing(8)
        layout.addLayout(stale_line)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(self.busy)
        layout.addLayout(buttons)

        order: list[QWidget] = [self.first_name, self.last_name, self.email, self.phone, self.role]
        if self.password_fields is not None:
            order += [self.password_fields.password, self.password_fields.repeat]
        order += [self.save_button, self.cancel_button, self.reload_button]
        for first, second in pairwise(order):
            QWidget.setTabOrder(first, second)

    # -- values -----------------------------------------------------------------------------
    def values(self) -> dict[str, Any]:
        return {
            "first_name": self.first_name.text(),
            "last_name": self.last_name.text(),
            "email": self.email.text(),
            "phone": self.phone.text(),
            "role": self.role.currentData(),
        }

    def _fill(self, values: dict[str, Any]) -> None:
        self.first_name.setText(values["first_name"])
        self.last_name.setText(values["last_name"])
        self.email.setText(values["email"])
        self.phone.setText(values["phone"])
        self.role.setCurrentIndex(max(self.role.findData(values["role"]), 0))
        for name in FIELDS:
            self._typed(name)

    def _typed(self, name: str) -> None:
        if name == "role":
            role = self.role.currentData()
            show_message(self.errors["role"], ROLE_HINTS.get(role, ""), "hint")
            return
        value = getattr(self, name).text()
        # An empty field is only flagged on Save: a new form shouldn't open in red.
        problem = _check(name, value) if value.strip() else None
        show_message(self.errors[name], problem or "")
        if name == "email" and self.password_fields is not None:
            self.password_fields.refresh_policy()

    def _problems(self) -> dict[str, str]:
        found = {}
        for name in ("first_name", "last_name", "email", "phone"):
            problem = _check(name, getattr(self, name).text())
            if problem:
                found[name] = problem
        return found

    # -- saving -----------------------------------------------------------------------------
    def save(self) -> None:
        if self._task is not None and not self._task.done:
            return
        show_message(self.message, "")
        problems = self._problems()
        for name, problem in problems.items():
            show_message(self.errors[name], problem)
        if problems:
            getattr(self, next(iter(problems))).setFocus()
            return
        if self.password_fields is not None and self.password_fields.problem() is not None:
            return
        self._set_busy(True)
        self._task = run_task(self._work(), on_done=self._saved, on_error=self._failed)

    def _work(self) -> Callable[[Any], UserAccount]:
        values = self.values()
        phone = values["phone"].strip() or None
        service, actor = self._service, self._actor
        if self._account is None:
            assert self.password_fields is not None
            password = self.password_fields.value()

            def create(_report: Any) -> UserAccount:
                user = service.create_user(
                    actor,
                    email=values["email"].strip(),
                    role=values["role"],
                    first_name=values["first_name"].strip(),
                    last_name=values["last_name"].strip(),
                    password=password,
                    phone=phone,
                )
                return service.get_account(actor, user.id)

            return create
        user_id, version = self._account.id, self._account.version
        return lambda _report: service.update_user(
            actor,
            user_id,
            expected_version=version,
            email=values["email"].strip(),
            first_name=values["first_name"].strip(),
            last_name=values["last_name"].strip(),
            phone=phone,
            role=values["role"],
        )

    def _saved(self, account: UserAccount) -> None:
        self._set_busy(False)
        self.saved_account = account
        self.accept()

    def _failed(self, error: BaseException) -> None:
        self._set_busy(False)
        if isinstance(error, StaleRecordError):
            show_message(self.stale, stale_message(error, "this user"))
            self.reload_button.show()
            self.reload_button.setFocus()
            return
        if isinstance(error, DcmsError) and error.field == "password" and self.password_fields:
            self.password_fields.show_error(error.message)
            return
        if isinstance(error, DcmsError) and error.field in self.errors:
            field = error.field
            assert field is not None
            show_message(self.errors[field], error.message)
            getattr(self, field).setFocus()
            return
        show_message(self.message, error_text(error, "saving the user"))

    def reload_keeping_edits(self) -> None:
        """Read the user as saved now; keep this person's edits on top."""
        if self._account is None or (self._task is not None and not self._task.done):
            return
        mine, opened = self.values(), dict(self._opened)
        service, actor, user_id = self._service, self._actor, self._account.id
        self._set_busy(True)
        self._task = run_task(
            lambda _report: service.get_account(actor, user_id),
            on_done=lambda account: self._reloaded(account, opened, mine),
            on_error=self._failed,
        )

    def _reloaded(self, account: UserAccount, opened: dict[str, Any], mine: dict[str, Any]) -> None:
        self._set_busy(False)
        theirs = account_values(account)
        merged, clashes = merge_edits(opened, mine, theirs)
        self._account = account
        self._opened = theirs
        self._fill(merged)
        for name in sorted(clashes):
            shown = ROLE_NAMES.get(theirs[name], theirs[name]) if name == "role" else theirs[name]
            show_message(
                self.errors[name], f"They changed this to “{shown}”; yours is kept.", "hint"
            )
        self.reload_button.hide()
        if merged != theirs:
            show_message(
                self.stale, "Their version is in, with your changes on top: check and save.", "hint"
            )
        else:
            show_message(self.stale, "")

    def _set_busy(self, busy: bool) -> None:
        self.busy.setVisible(busy)
        self.save_button.setEnabled(not busy)
        self.reload_button.setEnabled(not busy)
        for edit in (self.first_name, self.last_name, self.email, self.phone):
            edit.setReadOnly(busy)
        self.role.setEnabled(not busy)
        if self.password_fields is not None:
            self.password_fields.set_busy(busy)
