"""The sign-in window: what the clinic sees every morning.

Email and password, one generic message when sign-in fails (the service says the same
for an unknown email, a wrong password, a locked and an inactive account; an admin sees
why in the users screen). The password check (argon2) runs in the background under a
busy bar. On a demo clinic a marked box shows the demo accounts; on a clinic without an
admin the first-admin form takes the place of the sign-in.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QFormLayout,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from dcms_desktop.domain.errors import DcmsError
from dcms_desktop.views.change_password import field_message, show_message
from dcms_desktop.views.first_admin import FirstAdminForm
from dcms_desktop.views.tasks import TaskHandle, run_task

UNREACHABLE = (
    "The clinic database did not answer. Check the network or the clinic server, then try again."
)
DEMO_ROLES = (("admin", "Admin"), ("dentist", "Dentist"), ("staff", "Receptionist"))


class DemoAccounts(QFrame):
    """The clearly marked box of a demo clinic's accounts; a click fills the form in."""

    chosen = Signal(str, str)  # email, password

    def __init__(self, credentials: dict[str, str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("demoBox")
        title = QLabel("Demo clinic: made-up people, try anything")
        title.setObjectName("demoTitle")
        password = credentials.get("password", "")
        note = QLabel(f"Every demo account's password is <b>{password}</b>.")
        note.setObjectName("demoPassword")
        note.setTextFormat(Qt.TextFormat.RichText)
        note.setWordWrap(True)
        grid = QGridLayout()
        grid.setHorizontalSpacing(10)
        grid.setVerticalSpacing(4)
        row = 0
        for key, label in DEMO_ROLES:
            email = credentials.get(key)
            if not email:
                continue
            role = QLabel(label)
            role.setObjectName("demoRole")
            button = QPushButton(email)
            button.setObjectName(f"demoUse_{key}")
            button.setProperty("link", True)
            button.setCursor(Qt.CursorShape.PointingHandCursor)
            button.setToolTip(f"Fill in the {label.lower()} account")
            button.setAccessibleName(f"Use the demo {label.lower()} account")
            button.clicked.connect(lambda _c=False, e=email: self.chosen.emit(e, password))
            grid.addWidget(role, row, 0)
            grid.addWidget(button, row, 1, alignment=Qt.AlignmentFlag.AlignLeft)
            row += 1
        grid.setColumnStretch(1, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(14, 10, 14, 12)
        layout.setSpacing(6)
        layout.addWidget(title)
        layout.addWidget(note)
        layout.addLayout(grid)


class SignInForm(QWidget):
    """Email, password, Sign in: the form itself.

    Without an auth service yet (the clinic is still being opened) the form can be typed
    in but not sent: Enter then signs in as soon as the clinic is open.
    """

    signed_in = Signal(object, str)  # SignedIn, the password when it must be changed

    def __init__(self, auth: Any | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("signInForm")
        self._auth = auth
        self._task: TaskHandle | None = None
        self._submit_when_ready = False

        title = QLabel("Sign in")
        title.setObjectName("formTitle")
        self.email = QLineEdit()
        self.email.setObjectName("signInEmail")
        self.email.setAccessibleName("Email")
        self.email.setPlaceholderText("name@yourclinic.com")
        self.password = QLineEdit()
        self.password.setObjectName("signInPassword")
        self.password.setAccessibleName("Password")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        email_label = QLabel("&Email")
        email_label.setBuddy(self.email)
        password_label = QLabel("&Password")
        password_label.setBuddy(self.password)

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        form.addRow(email_label, self.email)
        form.addRow(password_label, self.password)

        self.error = field_message("signInError")
        # Room for the two-line message from the start: the form must not jump or squeeze
        # when it appears.
        self.error.setMinimumHeight(self.error.fontMetrics().lineSpacing() * 2 + 4)
        keep = self.error.sizePolicy()
        keep.setRetainSizeWhenHidden(True)
        self.error.setSizePolicy(keep)
        self.busy = QProgressBar()
        self.busy.setObjectName("signInBusy")
        self.busy.setRange(0, 0)
        self.busy.setTextVisible(False)
        self.busy.setFixedHeight(4)
        self.busy.setAccessibleName("Signing in")
        # Keep the space the bar needs so the form does not jump when it appears.
        policy = self.busy.sizePolicy()
        policy.setRetainSizeWhenHidden(True)
        self.busy.setSizePolicy(policy)
        self.busy.hide()
        self.status = QLabel("")
        self.status.setObjectName("signInStatus")
        self.status.setProperty("role", "hint")
        self.status.hide()

        self.button = QPushButton("&Sign in")
        self.button.setObjectName("signInButton")
        self.button.setProperty("primary", True)
        self.button.setDefault(True)
        self.button.setMinimumWidth(self.button.fontMetrics().horizontalAdvance("Signing in…") + 36)
        self.button.clicked.connect(self.submit)
        self.email.returnPressed.connect(self._email_entered)
        self.password.returnPressed.connect(self.submit)
        self.email.textEdited.connect(lambda _t: show_message(self.error, ""))
        self.password.textEdited.connect(lambda _t: show_message(self.error, ""))

        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.button)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(8)
        layout.addWidget(title)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(self.busy)
        layout.addWidget(self.status)
        layout.addLayout(buttons)

    @property
    def busy_now(self) -> bool:
        return self._task is not None and not self._task.done

    @property
    def ready(self) -> bool:
        """True once the clinic is open and a sign-in can be sent."""
        return self._auth is not None

    def set_waiting(self, text: str, done: int = 0, total: int = 0) -> None:
        """The clinic is being opened: say what is happening; Sign in waits."""
        self.status.setText(text)
        self.status.show()
        self.busy.setRange(0, total if total > 0 else 0)
        self.busy.setValue(min(done, total) if total > 0 else 0)
        self.busy.show()
        self.button.setEnabled(False)

    def set_auth(self, auth: Any) -> None:
        """The clinic is open: sign-ins can go; one asked for meanwhile goes now."""
        self._auth = auth
        self.status.hide()
        self.busy.setRange(0, 0)
        self.busy.hide()
        self.button.setEnabled(True)
        if self._submit_when_ready:
            self._submit_when_ready = False
            self.submit()

    def fill(self, email: str, password: str) -> None:
        self.email.setText(email)
        self.password.setText(password)
        show_message(self.error, "")
        self.button.setFocus(Qt.FocusReason.OtherFocusReason)

    def focus_first_field(self) -> None:
        target = self.password if self.email.text() else self.email
        target.setFocus(Qt.FocusReason.OtherFocusReason)

    def reset(self) -> None:
        """Empty, ready for the next person (after a sign-out)."""
        if self._task is not None:
            self._task.cancel()
            self._task = None
        self.email.clear()
        self.password.clear()
        show_message(self.error, "")
        self._set_busy(False)

    def _email_entered(self) -> None:
        if self.password.text():
            self.submit()
        else:
            self.password.setFocus(Qt.FocusReason.OtherFocusReason)

    def submit(self) -> None:
        """Sign in in the background; the window stays responsive meanwhile."""
        if self.busy_now:
            return
        email = self.email.text().strip()
        password = self.password.text()
        if not email:
            show_message(self.error, "Type your email address.")
            self.email.setFocus()
            return
        if not password:
            show_message(self.error, "Type your password.")
            self.password.setFocus()
            return
        show_message(self.error, "")
        auth = self._auth
        if auth is None:
            self._submit_when_ready = True
            self.status.setText("You will be signed in as soon as the clinic is open…")
            return
        self._set_busy(True)
        self._task = run_task(
            lambda _report: auth.sign_in(email, password),
            on_done=lambda signed_in: self._signed_in(signed_in, password),
            on_error=self._failed,
        )

    def _signed_in(self, signed_in: Any, password: str) -> None:
        self._set_busy(False)
        self.password.clear()
        must_change = bool(getattr(signed_in, "must_change_password", False))
        self.signed_in.emit(signed_in, password if must_change else "")

    def _failed(self, error: BaseException) -> None:
        self._set_busy(False)
        show_message(self.error, error.message if isinstance(error, DcmsError) else UNREACHABLE)
        self.password.clear()
        self.password.setFocus(Qt.FocusReason.OtherFocusReason)

    def _set_busy(self, busy: bool) -> None:
        self.busy.setVisible(busy)
        self.button.setEnabled(not busy)
        self.button.setText("Signing in…" if busy else "&Sign in")
        self.email.setReadOnly(busy)
        self.password.setReadOnly(busy)


class SignInWindow(QWidget):
    """The window shown before anyone is signed in.

    It shows at once, while the clinic is still being opened in the background
    (:meth:`opening`): the email can be typed meanwhile. :meth:`set_ready` hands it the
    auth service and what the database said: the first-admin form on a clinic without an
    admin, the demo accounts on a demo clinic. :meth:`show_unavailable` says why the
    clinic can't be opened, with Try again (``retry_requested``).

    ``signed_in(SignedIn, password)`` fires after a sign-in or after the first admin was
    created; ``password`` is only passed on when the account must change it (so the
    change-password dialog need not ask for it again). ``connect_requested`` asks the app
    to open the "Connect to clinic server" dialog; the link shows only when
    ``can_connect``.
    """

    signed_in = Signal(object, str)
    connect_requested = Signal()
    retry_requested = Signal()

    def __init__(
        self,
        auth: Any | None = None,
        *,
        clinic: str = "",
        needs_first_admin: bool = False,
        demo_credentials: dict[str, str] | None = None,
        can_connect: bool = False,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("signInWindow")
        self.setWindowTitle("DCMS Desktop — sign in")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)

        brand = QLabel("DCMS Desktop")
        brand.setObjectName("brandTitle")
        self.clinic_label = QLabel(clinic)
        self.clinic_label.setObjectName("signInClinic")
        self.clinic_label.setWordWrap(True)

        self.form = SignInForm(auth)
        self.first_admin = FirstAdminForm(auth)
        self.form.signed_in.connect(self.signed_in)
        self.first_admin.created.connect(lambda signed_in: self.signed_in.emit(signed_in, ""))
        self.first_admin.admin_exists.connect(self.show_sign_in)
        self.unavailable = self._unavailable_panel()

        card = QFrame()
        card.setObjectName("signInCard")
        inner = QVBoxLayout(card)
        inner.setContentsMargins(28, 22, 28, 22)
        # One of the three shows at a time; hidden, the others take no room.
        inner.addWidget(self.form)
        inner.addWidget(self.first_admin)
        inner.addWidget(self.unavailable)

        self.demo_box: DemoAccounts | None = None
        self.connect_button: QPushButton | None = None
        if can_connect:
            self.connect_button = QPushButton("Connect to clinic server…")
            self.connect_button.setObjectName("signInConnect")
            self.connect_button.setProperty("link", True)
            self.connect_button.setCursor(Qt.CursorShape.PointingHandCursor)
            self.connect_button.setAutoDefault(False)
            self.connect_button.setToolTip(
                "Use the clinic's shared database server instead of this computer's own file."
            )
            self.connect_button.clicked.connect(self.connect_requested)

        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(36, 28, 36, 24)
        self._layout.setSpacing(12)
        self._layout.addWidget(brand)
        self._layout.addWidget(self.clinic_label)
        self._layout.addWidget(card)
        self._layout.addStretch(1)
        if self.connect_button is not None:
            self._layout.addWidget(self.connect_button, alignment=Qt.AlignmentFlag.AlignLeft)

        self.setMinimumWidth(520)
        if auth is None:
            self.opening("Opening the clinic")
        else:
            self.set_ready(
                auth,
                clinic=clinic,
                needs_first_admin=needs_first_admin,
                demo_credentials=demo_credentials,
            )

    def _unavailable_panel(self) -> QWidget:
        panel = QWidget()
        panel.setObjectName("signInUnavailable")
        title = QLabel("The clinic can't be opened")
        title.setObjectName("formTitle")
        self.unavailable_message = QLabel("")
        self.unavailable_message.setObjectName("signInUnavailableMessage")
        self.unavailable_message.setProperty("role", "error")
        self.unavailable_message.setWordWrap(True)
        self.retry_button = QPushButton("&Try again")
        self.retry_button.setObjectName("signInRetry")
        self.retry_button.setProperty("primary", True)
        self.retry_button.clicked.connect(self.retry_requested)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.retry_button)
        column = QVBoxLayout(panel)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(8)
        column.addWidget(title)
        column.addWidget(self.unavailable_message)
        column.addLayout(row)
        panel.hide()
        return panel

    # -- states -----------------------------------------------------------------------------
    @property
    def ready(self) -> bool:
        return self.form.ready

    @property
    def showing_first_admin(self) -> bool:
        return not self.first_admin.isHidden()

    def opening(self, phase: str, done: int = 0, total: int = 0) -> None:
        """The clinic is being opened: the form shows, Sign in waits for it."""
        self.unavailable.hide()
        self.first_admin.hide()
        self.form.show()
        self.form.set_waiting(f"{phase}…", done, total)

    def set_ready(
        self,
        auth: Any,
        *,
        clinic: str,
        needs_first_admin: bool,
        demo_credentials: dict[str, str] | None,
    ) -> None:
        """The clinic is open: what the database said decides what shows."""
        self.clinic_label.setText(clinic)
        self.form.set_auth(auth)
        self.first_admin.set_auth(auth)
        if demo_credentials and self.demo_box is None:
            self.demo_box = DemoAccounts(demo_credentials)
            self.demo_box.chosen.connect(self.form.fill)
            self._layout.insertWidget(3, self.demo_box)
            # Tab goes form -> demo accounts -> "Connect…", as they read on screen.
            previous: QWidget = self.form.button
            for button in self.demo_box.findChildren(QPushButton):
                QWidget.setTabOrder(previous, button)
                previous = button
            if self.connect_button is not None:
                QWidget.setTabOrder(previous, self.connect_button)
        if needs_first_admin:
            self.show_first_admin()
        else:
            self.show_sign_in()

    def show_unavailable(self, message: str) -> None:
        """Why the clinic can't be opened, with Try again (and Connect, when offered)."""
        self.unavailable_message.setText(message)
        self.form.hide()
        self.first_admin.hide()
        if self.demo_box is not None:
            self.demo_box.hide()
        self.unavailable.show()
        self.retry_button.setFocus(Qt.FocusReason.OtherFocusReason)
        self.adjustSize()

    def show_first_admin(self) -> None:
        self.unavailable.hide()
        self.form.hide()
        self.first_admin.show()
        if self.demo_box is not None:
            self.demo_box.hide()
        self.first_admin.focus_first_field()
        self.adjustSize()

    def show_sign_in(self) -> None:
        self.unavailable.hide()
        self.first_admin.hide()
        self.form.show()
        if self.demo_box is not None:
            self.demo_box.show()
        self.form.focus_first_field()
        self.adjustSize()

    def reset(self) -> None:
        """Back to an empty sign-in form (after a sign-out)."""
        self.form.reset()
        self.show_sign_in()

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        QTimer.singleShot(0, self._focus_first_field)

    def _focus_first_field(self) -> None:
        if self.showing_first_admin:
            self.first_admin.focus_first_field()
        elif not self.form.isHidden():
            self.form.focus_first_field()
