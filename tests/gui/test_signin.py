"""The sign-in window, the first-admin form and the forced password change."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton
from sqlalchemy import select

from dcms_desktop.app import Launcher
from dcms_desktop.config import load_settings, write_config_file
from dcms_desktop.data.cache import MemoryCache
from dcms_desktop.data.engine import create_database
from dcms_desktop.data.events import LocalEventBus
from dcms_desktop.data.models import AuditEntry
from dcms_desktop.domain.enums import Role
from dcms_desktop.domain.readmodels.people import Actor, NewUser
from dcms_desktop.services.auth import SIGN_IN_MESSAGE, AuthService
from dcms_desktop.services.context import ServiceContext
from dcms_desktop.services.demo import DEMO_PASSWORD
from dcms_desktop.services.passwords import hash_password
from dcms_desktop.services.users import UserService
from dcms_desktop.views.change_password import SIGNED_OUT, ChangePasswordDialog
from dcms_desktop.views.signin import SignInWindow
from tests.gui.shell_support import (
    GENERIC,
    FakeAuth,
    copy_clinic,
    make_demo_template,
    make_user,
    settings_for,
)

GOOD = "copper lamp river basket"
DEMO = {
    "admin": "admin@brightsmile.example",
    "dentist": "ana.reyes@brightsmile.example",
    "staff": "lea.cruz@brightsmile.example",
    "password": "bright smile demo clinic",
}


def _window(qtbot, auth: FakeAuth, **kwargs) -> SignInWindow:
    kwargs.setdefault("clinic", "Clinic database: SQLite /home/desk/clinic.db")
    window = SignInWindow(auth, **kwargs)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    return window


def _sign_in(qtbot, window: SignInWindow, email: str, password: str) -> None:
    qtbot.keyClicks(window.form.email, email)
    qtbot.keyClicks(window.form.password, password)
    qtbot.keyClick(window.form.password, Qt.Key.Key_Return)


def test_enter_in_the_password_field_signs_in_and_hands_over_the_signed_in_user(qtbot, screenshot):
    auth = FakeAuth(delay=0.2)
    user = auth.add(make_user(role=Role.STAFF), GOOD)
    window = _window(qtbot, auth)
    screenshot(window, "signin-normal")
    with qtbot.waitSignal(window.signed_in, timeout=5000) as signal:
        _sign_in(qtbot, window, user.email, GOOD)
        # Busy while the password is checked in the background; the button can't be pressed twice.
        assert window.form.busy.isVisible()
        assert not window.form.button.isEnabled()
        screenshot(window, "signin-busy")
    signed_in, password = signal.args
    assert signed_in.user.email == user.email
    assert password == ""  # handed on only when it must be changed
    assert not window.form.busy.isVisible()
    assert window.form.password.text() == ""


def test_wrong_password_shows_one_generic_message_and_clears_the_password(qtbot, screenshot):
    auth = FakeAuth()
    user = auth.add(make_user(), GOOD)
    window = _window(qtbot, auth)
    _sign_in(qtbot, window, user.email, "not the password at all")
    qtbot.waitUntil(lambda: window.form.error.isVisible(), timeout=5000)
    assert window.form.error.text() == GENERIC
    assert window.form.password.text() == ""
    assert window.form.password.hasFocus()
    assert window.form.email.text() == user.email
    screenshot(window, "signin-error")
    # Typing again hides the old message.
    qtbot.keyClicks(window.form.password, "x")
    assert not window.form.error.isVisible()


def test_unknown_email_gets_the_same_message_as_a_wrong_password(qtbot):
    auth = FakeAuth()
    auth.add(make_user(), GOOD)
    window = _window(qtbot, auth)
    _sign_in(qtbot, window, "nobody@clinic.example", GOOD)
    qtbot.waitUntil(lambda: window.form.error.isVisible(), timeout=5000)
    assert window.form.error.text() == GENERIC


def test_a_database_that_does_not_answer_is_said_plainly(qtbot):
    auth = FakeAuth(fail_with=OSError("connection refused"))
    window = _window(qtbot, auth)
    _sign_in(qtbot, window, "ana@clinic.example", GOOD)
    qtbot.waitUntil(lambda: window.form.error.isVisible(), timeout=5000)
    assert "did not answer" in window.form.error.text()
    assert "OSError" not in window.form.error.text()


def test_empty_fields_are_asked_for_without_a_round_trip(qtbot):
    auth = FakeAuth()
    window = _window(qtbot, auth)
    qtbot.keyClick(window.form.email, Qt.Key.Key_Return)
    # Enter in an empty email moves to the password; pressing Sign in asks for the email.
    window.form.button.click()
    assert window.form.error.text() == "Type your email address."
    assert auth.calls == []


def test_demo_clinic_shows_its_accounts_in_a_marked_box_and_a_click_fills_the_form(
    qtbot, screenshot
):
    auth = FakeAuth(demo=DEMO)
    window = _window(qtbot, auth, demo_credentials=DEMO, clinic="Demo clinic · SQLite demo.db")
    assert window.demo_box is not None and window.demo_box.isVisible()
    labels = window.demo_box.findChildren(type(window.clinic_label))
    texts = " ".join(label.text() for label in labels)
    assert DEMO["password"] in texts
    screenshot(window, "signin-demo")
    qtbot.mouseClick(
        window.demo_box.findChild(type(window.form.button), "demoUse_staff"),
        Qt.MouseButton.LeftButton,
    )
    assert window.form.email.text() == DEMO["staff"]
    assert window.form.password.text() == DEMO["password"]


def test_a_real_clinic_shows_no_demo_box(qtbot):
    window = _window(qtbot, FakeAuth())
    assert window.demo_box is None


def test_connect_link_shows_only_when_offered_and_asks_the_app(qtbot):
    window = _window(qtbot, FakeAuth(), can_connect=True)
    assert window.connect_button is not None and window.connect_button.isVisible()
    with qtbot.waitSignal(window.connect_requested, timeout=1000):
        window.connect_button.click()
    assert _window(qtbot, FakeAuth()).connect_button is None


# -- first admin ------------------------------------------------------------------------------
def test_new_clinic_shows_the_first_admin_form_instead_of_the_sign_in(qtbot, screenshot):
    auth = FakeAuth(first_admin_needed=True)
    window = _window(qtbot, auth, needs_first_admin=True)
    assert window.showing_first_admin
    assert not window.form.isVisible()
    form = window.first_admin
    qtbot.waitUntil(form.first_name.hasFocus, timeout=1000)
    screenshot(window, "signin-first-admin")
    qtbot.keyClicks(form.first_name, "Ana")
    qtbot.keyClicks(form.last_name, "Reyes")
    qtbot.keyClicks(form.email, "ana.reyes@clinic.example")
    # The policy speaks next to the field as one types.
    qtbot.keyClicks(form.fields.password, "short")
    assert "10 more to go" in form.fields.policy.text()
    form.fields.password.clear()
    qtbot.keyClicks(form.fields.password, "ana reyes is the boss")
    assert "email" in form.fields.policy.text()
    assert form.fields.policy.property("role") == "error"
    screenshot(window, "signin-first-admin-policy")
    form.fields.password.clear()
    qtbot.keyClicks(form.fields.password, GOOD)
    assert form.fields.policy.property("role") == "ok"
    qtbot.keyClicks(form.fields.repeat, GOOD[:-1] + "X")
    assert form.fields.repeat_message.text() == "The two passwords differ."
    form.fields.repeat.clear()
    qtbot.keyClicks(form.fields.repeat, GOOD)
    with qtbot.waitSignal(window.signed_in, timeout=5000) as signal:
        qtbot.keyClick(form.fields.repeat, Qt.Key.Key_Return)
    assert signal.args[0].user.email == "ana.reyes@clinic.example"
    assert signal.args[0].user.role is Role.ADMIN


def test_first_admin_form_puts_a_missing_name_next_to_its_field(qtbot):
    window = _window(qtbot, FakeAuth(first_admin_needed=True), needs_first_admin=True)
    form = window.first_admin
    form.create_button.click()
    assert form.messages["first_name"].isVisible()
    qtbot.waitUntil(form.first_name.hasFocus, timeout=1000)


def test_first_admin_form_hands_over_to_sign_in_once_an_admin_exists(qtbot):
    auth = FakeAuth(first_admin_needed=False)  # someone else was quicker
    window = _window(qtbot, auth, needs_first_admin=True)
    form = window.first_admin
    qtbot.keyClicks(form.first_name, "Ana")
    qtbot.keyClicks(form.last_name, "Reyes")
    qtbot.keyClicks(form.email, "ana.reyes@clinic.example")
    qtbot.keyClicks(form.fields.password, GOOD)
    qtbot.keyClicks(form.fields.repeat, GOOD)
    form.create_button.click()
    qtbot.waitUntil(lambda: not window.showing_first_admin, timeout=5000)
    assert window.form.isVisible()


# -- the forced password change -----------------------------------------------------------------
def _dialog(qtbot, auth: FakeAuth, user, **kwargs) -> ChangePasswordDialog:
    from tests.gui.shell_support import signed_in_as

    actor = signed_in_as(user).actor
    dialog = ChangePasswordDialog(
        lambda current, new: auth.change_own_password(actor, current=current, new=new),
        email=user.email,
        **kwargs,
    )
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


def test_required_password_change_cannot_be_dismissed_only_signed_out(qtbot, screenshot):
    auth = FakeAuth()
    user = auth.add(make_user(must_change_password=True), "temporary pass 2026")
    dialog = _dialog(qtbot, auth, user, required=True, current_password="temporary pass 2026")
    assert not dialog.current.isVisible()  # just typed at sign-in
    screenshot(dialog, "change-password-required")
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    dialog.reject()
    dialog.close()
    assert dialog.isVisible()
    with qtbot.waitSignal(dialog.finished, timeout=1000) as signal:
        dialog.other_button.click()
    assert signal.args == [SIGNED_OUT]


def test_required_password_change_saves_the_new_password(qtbot):
    auth = FakeAuth()
    user = auth.add(make_user(must_change_password=True), "temporary pass 2026")
    dialog = _dialog(qtbot, auth, user, required=True, current_password="temporary pass 2026")
    qtbot.keyClicks(dialog.fields.password, GOOD)
    qtbot.keyClicks(dialog.fields.repeat, GOOD)
    with qtbot.waitSignal(dialog.accepted, timeout=5000):
        dialog.save_button.click()
    assert auth.accounts[user.email][1] == GOOD


def test_wrong_current_password_is_said_next_to_its_field(qtbot):
    auth = FakeAuth()
    user = auth.add(make_user(), "the old long password")
    dialog = _dialog(qtbot, auth, user)
    qtbot.keyClicks(dialog.current, "not my password at all")
    qtbot.keyClicks(dialog.fields.password, GOOD)
    qtbot.keyClicks(dialog.fields.repeat, GOOD)
    dialog.save_button.click()
    qtbot.waitUntil(lambda: dialog.current_message.isVisible(), timeout=5000)
    assert dialog.current_message.text() == "Your current password is not right."
    assert dialog.isVisible()
    assert auth.accounts[user.email][1] == "the old long password"


# -- end to end: the app on a real clinic ------------------------------------------------------
@pytest.fixture(scope="module")
def demo_template(tmp_path_factory) -> Path:
    return make_demo_template(tmp_path_factory.mktemp("demo"))


def _launch(qtbot, settings, **kwargs) -> Launcher:
    launcher = Launcher(settings, **kwargs)
    launcher.start()
    # The window shows at once; the clinic opens in the background meanwhile.
    signin = launcher.signin
    assert signin is not None and signin.isVisible() and not signin.ready
    assert not signin.form.button.isEnabled()
    qtbot.addWidget(signin)
    qtbot.waitUntil(lambda: signin.ready, timeout=60_000)
    assert signin.form.button.isEnabled()
    return launcher


def _open_demo(qtbot, demo_template: Path, tmp_path: Path) -> tuple[Launcher, str]:
    url = copy_clinic(demo_template, tmp_path)
    return _launch(qtbot, settings_for(url, tmp_path)), url


def _context(url: str) -> ServiceContext:
    return ServiceContext(create_database(url), MemoryCache(), LocalEventBus(), "test-ws")


def _admin(context: ServiceContext, email: str) -> Actor:
    signed_in = AuthService(context).sign_in(email, DEMO_PASSWORD)
    return signed_in.actor


def _refused(qtbot, launcher: Launcher, email: str, password: str) -> str:
    form = launcher.signin.form
    form.fill(email, password)
    form.submit()
    qtbot.waitUntil(lambda: not form.busy_now, timeout=10_000)
    assert launcher.window is None
    assert form.error.isVisible()
    return form.error.text()


def test_demo_start_shows_the_demo_accounts_and_signs_in_to_the_main_window(qtbot, tmp_path):
    settings = load_settings(
        {"DCMS_DATA_DIR": str(tmp_path / "data"), "DCMS_CONFIG_DIR": str(tmp_path / "cfg")},
        demo=True,
    )
    launcher = _launch(qtbot, settings)
    signin = launcher.signin
    assert (tmp_path / "data" / "demo-clinic.db").exists()
    assert signin.demo_box is not None and signin.demo_box.isVisible()
    assert "Demo clinic" in signin.clinic_label.text()
    assert signin.connect_button is None  # the demo never connects to a server
    staff = signin.demo_box.findChild(QPushButton, "demoUse_staff")
    qtbot.mouseClick(staff, Qt.MouseButton.LeftButton)
    with qtbot.waitSignal(launcher.main_shown, timeout=10_000):
        qtbot.mouseClick(signin.form.button, Qt.MouseButton.LeftButton)
    window = launcher.window
    assert "demo" in window.windowTitle().lower()
    assert "demo-clinic.db" in window.database_label.text()
    assert window.section_titles() == ["Schedule", "Patients", "Billing", "Inventory", "Records"]
    assert not signin.isVisible()
    launcher.close()


def test_sign_in_opens_the_main_window_and_sign_out_returns_to_an_empty_sign_in(
    qtbot, demo_template, tmp_path
):
    launcher, url = _open_demo(qtbot, demo_template, tmp_path)
    credentials = launcher.demo_credentials
    signin = launcher.signin
    qtbot.keyClicks(signin.form.email, credentials["dentist"])
    qtbot.keyClicks(signin.form.password, credentials["password"])
    with qtbot.waitSignal(launcher.main_shown, timeout=10_000):
        qtbot.keyClick(signin.form.password, Qt.Key.Key_Return)
    window = launcher.window
    assert window.user_label.text().startswith("Signed in as ")
    assert window.user_label.text().endswith("(dentist)")
    with qtbot.waitSignal(launcher.signed_out, timeout=5000):
        window.sign_out_action.trigger()
    assert launcher.window is None
    assert signin.isVisible()
    assert signin.form.email.text() == "" and signin.form.password.text() == ""
    qtbot.wait(200)  # the sign-out is recorded in the background
    launcher.close()
    context = _context(url)
    with context.uow(write=False) as uow:
        rows = uow.session.execute(
            select(AuditEntry.action, AuditEntry.outcome, AuditEntry.workstation)
            .where(AuditEntry.action.in_(["sign_in", "sign_out"]))
            .order_by(AuditEntry.at)
        ).all()
    context.database.dispose()
    assert [tuple(r) for r in rows] == [
        ("sign_in", "ok", "front-desk-1"),
        ("sign_out", "ok", "front-desk-1"),
    ]


def test_wrong_password_on_a_real_clinic_gets_the_generic_message(qtbot, demo_template, tmp_path):
    launcher, _url = _open_demo(qtbot, demo_template, tmp_path)
    text = _refused(qtbot, launcher, launcher.demo_credentials["staff"], "not the right one")
    assert text == SIGN_IN_MESSAGE
    launcher.close()


def test_five_wrong_passwords_lock_the_account_with_the_same_message(
    qtbot, demo_template, tmp_path
):
    launcher, url = _open_demo(qtbot, demo_template, tmp_path)
    credentials = launcher.demo_credentials
    for attempt in range(5):
        assert _refused(qtbot, launcher, credentials["staff"], f"guess {attempt}") == (
            SIGN_IN_MESSAGE
        )
    # Now even the right password is refused, with the very same words.
    assert _refused(qtbot, launcher, credentials["staff"], credentials["password"]) == (
        SIGN_IN_MESSAGE
    )
    launcher.close()
    # The admin's users screen says why (ADMIN's screen reads this).
    context = _context(url)
    admin = _admin(context, credentials["admin"])
    accounts = {a.email: a for a in UserService(context).list_accounts(admin)}
    assert accounts[credentials["staff"]].lock_state.startswith("Locked until")
    context.database.dispose()


def test_a_deactivated_account_gets_the_generic_message(qtbot, demo_template, tmp_path):
    url = copy_clinic(demo_template, tmp_path)
    context = _context(url)
    credentials = AuthService(context).demo_credentials()
    admin = _admin(context, credentials["admin"])
    users = UserService(context)
    staff = next(a for a in users.list_accounts(admin) if a.email == credentials["staff"])
    users.set_active(admin, staff.id, False, expected_version=staff.version)
    context.database.dispose()
    launcher = _launch(qtbot, settings_for(url, tmp_path))
    assert _refused(qtbot, launcher, credentials["staff"], DEMO_PASSWORD) == SIGN_IN_MESSAGE
    launcher.close()


def test_a_patient_cannot_sign_in_at_a_workstation(qtbot, demo_template, tmp_path):
    url = copy_clinic(demo_template, tmp_path)
    context = _context(url)
    with context.uow() as uow:
        uow.users.add_user(
            NewUser(
                email="maria.santos@mail.example",
                first_name="Maria",
                last_name="Santos",
                role=Role.PATIENT,
                password_hash=hash_password(GOOD),
            )
        )
        uow.commit()
    context.database.dispose()
    launcher = _launch(qtbot, settings_for(url, tmp_path))
    assert _refused(qtbot, launcher, "maria.santos@mail.example", GOOD) == SIGN_IN_MESSAGE
    launcher.close()


def test_first_admin_on_a_new_clinic_then_the_admin_sees_every_section(qtbot, tmp_path):
    settings = settings_for(f"sqlite:///{tmp_path / 'new-clinic.db'}", tmp_path)
    launcher = _launch(qtbot, settings)
    signin = launcher.signin
    assert signin.showing_first_admin
    assert signin.demo_box is None
    form = signin.first_admin
    qtbot.keyClicks(form.first_name, "Ana")
    qtbot.keyClicks(form.last_name, "Reyes")
    qtbot.keyClicks(form.email, "ana.reyes@brightsmile.example")
    qtbot.keyClicks(form.fields.password, GOOD)
    qtbot.keyClicks(form.fields.repeat, GOOD)
    with qtbot.waitSignal(launcher.main_shown, timeout=10_000):
        qtbot.mouseClick(form.create_button, Qt.MouseButton.LeftButton)
    window = launcher.window
    assert window.user_label.text() == "Signed in as Ana Reyes (admin)"
    assert len(window.section_titles()) == 7
    assert window.page("admin").objectName() == "page_admin"
    launcher.close()
    # Nobody else can be "first" any more: the next start shows the sign-in.
    again = _launch(qtbot, settings)
    assert not again.signin.showing_first_admin
    again.close()


def test_a_temporary_password_must_be_changed_before_the_main_window_opens(
    qtbot, demo_template, tmp_path
):
    url = copy_clinic(demo_template, tmp_path)
    context = _context(url)
    credentials = AuthService(context).demo_credentials()
    admin = _admin(context, credentials["admin"])
    users = UserService(context)
    staff = next(a for a in users.list_accounts(admin) if a.email == credentials["staff"])
    users.reset_password(admin, staff.id, "temporary lantern harbour")
    context.database.dispose()

    launcher = _launch(qtbot, settings_for(url, tmp_path))
    launcher.signin.form.fill(credentials["staff"], "temporary lantern harbour")
    launcher.signin.form.submit()
    qtbot.waitUntil(lambda: launcher.change_dialog is not None, timeout=10_000)
    dialog = launcher.change_dialog
    assert launcher.window is None
    assert dialog.required and not dialog.current.isVisible()
    qtbot.keyClicks(dialog.fields.password, GOOD)
    qtbot.keyClicks(dialog.fields.repeat, GOOD)
    with qtbot.waitSignal(launcher.main_shown, timeout=10_000):
        dialog.save_button.click()
    assert launcher.window is not None
    launcher.close()
    context = _context(url)
    assert AuthService(context).sign_in(credentials["staff"], GOOD).must_change_password is False
    context.database.dispose()


def test_signing_out_instead_of_changing_a_temporary_password(qtbot, demo_template, tmp_path):
    url = copy_clinic(demo_template, tmp_path)
    context = _context(url)
    credentials = AuthService(context).demo_credentials()
    admin = _admin(context, credentials["admin"])
    users = UserService(context)
    staff = next(a for a in users.list_accounts(admin) if a.email == credentials["staff"])
    users.reset_password(admin, staff.id, "temporary lantern harbour")
    context.database.dispose()
    launcher = _launch(qtbot, settings_for(url, tmp_path))
    launcher.signin.form.fill(credentials["staff"], "temporary lantern harbour")
    launcher.signin.form.submit()
    qtbot.waitUntil(lambda: launcher.change_dialog is not None, timeout=10_000)
    with qtbot.waitSignal(launcher.signed_out, timeout=5000):
        launcher.change_dialog.other_button.click()
    assert launcher.window is None and launcher.signin.isVisible()
    launcher.close()


def test_what_is_typed_while_the_clinic_opens_signs_in_once_it_is_open(
    qtbot, demo_template, tmp_path, screenshot
):
    url = copy_clinic(demo_template, tmp_path)
    launcher = Launcher(settings_for(url, tmp_path))
    launcher.start()
    signin = launcher.signin
    qtbot.addWidget(signin)
    assert not signin.ready
    screenshot(signin, "signin-opening")
    form = signin.form
    form.email.setText("lea.cruz@brightsmile.example")
    form.password.setText("not her password at all")
    qtbot.keyClick(form.password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: form.error.isVisible(), timeout=30_000)
    assert form.error.text() == SIGN_IN_MESSAGE  # sent, and answered, once the clinic opened
    launcher.close()


def test_a_clinic_server_that_cannot_be_reached_is_explained_with_try_again(
    qtbot, tmp_path, screenshot
):
    settings = settings_for("postgresql+psycopg://dcms@127.0.0.1:1/clinic", tmp_path)
    launcher = Launcher(settings)
    launcher.start()
    signin = launcher.signin
    qtbot.addWidget(signin)
    qtbot.waitUntil(lambda: signin.unavailable.isVisible(), timeout=30_000)
    message = signin.unavailable_message.text()
    assert message.startswith("Cannot reach the database server")
    assert not signin.form.isVisible()
    screenshot(signin, "signin-unreachable")
    signin.retry_button.click()
    assert signin.form.isVisible() and not signin.ready  # trying again
    qtbot.waitUntil(lambda: signin.unavailable.isVisible(), timeout=30_000)
    launcher.close()


def test_switching_to_the_local_database_from_the_sign_in_reopens_the_clinic(
    qtbot, tmp_path, monkeypatch
):
    monkeypatch.setenv("DCMS_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("DCMS_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.delenv("DCMS_DATABASE_URL", raising=False)
    monkeypatch.delenv("DCMS_REDIS_URL", raising=False)
    write_config_file(
        tmp_path / "config" / "config.toml",
        {"database_url": "postgresql+psycopg://dcms@127.0.0.1:1/clinic"},
    )
    launcher = Launcher(load_settings())
    launcher.start()
    qtbot.addWidget(launcher.signin)
    qtbot.waitUntil(lambda: launcher.signin.unavailable.isVisible(), timeout=30_000)
    assert launcher.signin.connect_button is not None
    launcher.signin.connect_button.click()
    dialog = launcher.connect_dialog
    assert dialog is not None and dialog.isVisible()
    with qtbot.waitSignal(dialog.connection_changed, timeout=10_000):
        dialog.use_local()
    dialog.reject()
    # The clinic reopens on this computer's own file: a new clinic, so the first admin.
    qtbot.waitUntil(lambda: launcher.signin is not None and launcher.signin.ready, timeout=30_000)
    qtbot.addWidget(launcher.signin)
    assert launcher.signin.showing_first_admin
    assert launcher.settings.is_embedded
    assert "SQLite" in launcher.signin.clinic_label.text()
    launcher.close()


def test_change_password_from_the_menu_can_be_cancelled_or_saved(qtbot, demo_template, tmp_path):
    launcher, _url = _open_demo(qtbot, demo_template, tmp_path)
    credentials = launcher.demo_credentials
    launcher.signin.form.fill(credentials["staff"], credentials["password"])
    with qtbot.waitSignal(launcher.main_shown, timeout=10_000):
        launcher.signin.form.submit()
    window = launcher.window
    window.change_password_action.trigger()
    dialog = launcher.change_dialog
    assert dialog is not None and not dialog.required and dialog.current.isVisible()
    dialog.other_button.click()  # Cancel
    assert launcher.change_dialog is None

    window.change_password_action.trigger()
    dialog = launcher.change_dialog
    qtbot.keyClicks(dialog.current, credentials["password"])
    qtbot.keyClicks(dialog.fields.password, GOOD)
    qtbot.keyClicks(dialog.fields.repeat, GOOD)
    dialog.save_button.click()
    qtbot.waitUntil(lambda: launcher.change_dialog is None, timeout=10_000)
    assert window.statusBar().currentMessage() == "Your password was changed."
    assert launcher.auth.sign_in(credentials["staff"], GOOD).user.email == credentials["staff"]
    launcher.close()
