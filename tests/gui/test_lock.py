"""The idle lock: the lock screen covers the work, only the same password opens it, and
nothing typed underneath is lost."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, QRect, Qt, QTimer
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import QApplication, QDialog, QLabel, QLineEdit, QVBoxLayout, QWidget
from sqlalchemy import select

from dcms_desktop.app import Launcher
from dcms_desktop.data.engine import create_database
from dcms_desktop.data.models import AuditEntry
from dcms_desktop.domain.enums import Role
from dcms_desktop.services.settings import SettingsService
from dcms_desktop.views.idle import IdleWatcher
from dcms_desktop.views.lock_screen import WRONG_PASSWORD, LockScreen
from dcms_desktop.views.main_window import MainWindow, StatusInfo
from tests.gui.shell_support import (
    FakeAuth,
    copy_clinic,
    make_demo_template,
    make_user,
    settings_for,
    signed_in_as,
)

PASSWORD = "copper lamp river basket"


class NotesPage(QWidget):
    """A page with something half-typed on it."""

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("page_patients")
        self.notes = QLineEdit()
        self.notes.setObjectName("notes")
        QVBoxLayout(self).addWidget(self.notes)


def as_seen(window: MainWindow) -> QLabel:
    """The main window with the lock window over it, as one picture (they are two windows)."""
    picture = window.grab()
    painter = QPainter(picture)
    offset = window.lock_window.geometry().topLeft() - window.geometry().topLeft()
    painter.drawPixmap(offset, window.lock_window.grab())
    painter.end()
    label = QLabel()
    label.setPixmap(picture)
    label.resize(picture.size())
    return label


def _locking_window(qtbot, auth: FakeAuth, idle_ms: int) -> tuple[MainWindow, NotesPage]:
    user = auth.add(make_user("Lea", "Cruz", Role.STAFF), PASSWORD)
    signed_in = signed_in_as(user)
    page = NotesPage()
    window = MainWindow(
        "DCMS Desktop",
        StatusInfo("SQLite clinic.db", "Live sync: local only", "Workstation: ws-1", "Lea Cruz"),
        {"patients": page},
        role=Role.STAFF,
    )
    lock = LockScreen(
        "Lea Cruz (staff)", lambda password: auth.verify_password(signed_in, password)
    )
    window.install_lock(lock, IdleWatcher(idle_ms))
    qtbot.addWidget(window)
    window.resize(1366, 768)
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    return window, page


def test_idle_lock_covers_the_work_and_unlocking_keeps_what_was_typed(qtbot, screenshot):
    auth = FakeAuth()
    window, page = _locking_window(qtbot, auth, idle_ms=250)
    window.show_section_key("patients")
    page.notes.setFocus()
    qtbot.keyClicks(page.notes, "Maria Santos called about")
    qtbot.waitUntil(lambda: window.is_locked, timeout=3000)

    lock = window.lock_screen
    assert isinstance(lock, LockScreen)
    assert not page.notes.isVisible()  # covered, not just greyed
    assert window.lock_window.isVisible() and window.lock_window.isModal()
    assert window.lock_window.geometry() == QRect(
        window.cover.mapToGlobal(QPoint(0, 0)), window.cover.size()
    )
    assert "Lea Cruz (staff) is signed in." in lock.who_label.text()
    qtbot.waitUntil(lock.password.hasFocus, timeout=1000)
    screenshot(as_seen(window), "lock-screen-1366x768")

    qtbot.keyClicks(lock.password, "not her password")
    qtbot.keyClick(lock.password, Qt.Key.Key_Return)
    qtbot.waitUntil(lock.error.isVisible, timeout=3000)
    assert lock.error.text() == WRONG_PASSWORD
    assert window.is_locked
    screenshot(as_seen(window), "lock-screen-wrong-password")

    with qtbot.waitSignal(window.unlocked, timeout=3000):
        qtbot.keyClicks(lock.password, PASSWORD)
        qtbot.keyClick(lock.password, Qt.Key.Key_Return)
    assert not window.is_locked
    assert page.notes.text() == "Maria Santos called about"
    qtbot.waitUntil(page.notes.hasFocus, timeout=1000)
    qtbot.keyClicks(page.notes, " her bill")
    assert page.notes.text() == "Maria Santos called about her bill"
    assert auth.calls == ["verify lea.cruz@clinic.example"] * 2


def test_input_keeps_the_screen_from_locking(qtbot):
    auth = FakeAuth()
    window, page = _locking_window(qtbot, auth, idle_ms=300)
    page.notes.setFocus()
    typing = QTimer()
    typing.timeout.connect(lambda: qtbot.keyClicks(page.notes, "a"))
    typing.start(60)
    qtbot.wait(900)
    typing.stop()
    assert not window.is_locked
    qtbot.waitUntil(lambda: window.is_locked, timeout=3000)


def test_while_locked_the_shortcuts_and_menus_do_nothing(qtbot):
    window, _page = _locking_window(qtbot, FakeAuth(), idle_ms=60_000)
    window.show_section_key("schedule")
    qtbot.keyClick(window, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)  # lock now
    assert window.is_locked
    lock = window.lock_screen
    qtbot.keyClick(lock.password, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(lock.password, Qt.Key.Key_F5)
    assert window.current_section().key == "schedule"
    assert not window.go_menu.isEnabled() and not window.menuBar().isVisible()
    assert not window.change_password_action.isEnabled()
    assert window.sign_out_action.isEnabled()


def test_sign_out_from_the_lock_screen_asks_the_app_to_sign_out(qtbot):
    window, _page = _locking_window(qtbot, FakeAuth(), idle_ms=60_000)
    window.lock()
    lock = window.lock_screen
    with qtbot.waitSignal(window.sign_out_requested, timeout=1000):
        qtbot.mouseClick(lock.sign_out_button, Qt.MouseButton.LeftButton)


def test_the_lock_screen_warns_about_the_account_lock_after_repeated_wrong_passwords(qtbot):
    window, _page = _locking_window(qtbot, FakeAuth(), idle_ms=60_000)
    window.lock()
    lock = window.lock_screen
    for attempt in range(3):
        lock.password.setText(f"wrong guess {attempt}")
        lock.unlock()
        qtbot.waitUntil(lambda: not lock.busy.isVisible() and lock.error.isVisible())
        qtbot.wait(10)
    assert "locked for 15 minutes" in lock.error.text()


# -- end to end, on a real clinic ---------------------------------------------------------------
@pytest.fixture(scope="module")
def demo_template(tmp_path_factory) -> Path:
    return make_demo_template(tmp_path_factory.mktemp("demo"))


def test_idle_lock_and_unlock_with_the_real_auth_service_is_audited(qtbot, demo_template, tmp_path):
    url = copy_clinic(demo_template, tmp_path)
    launcher = Launcher(settings_for(url, tmp_path), idle_ms=300)
    launcher.start()
    qtbot.waitUntil(lambda: launcher.auth is not None, timeout=30_000)
    signin = launcher.signin
    credentials = launcher.demo_credentials
    assert credentials is not None
    signin.form.fill(credentials["staff"], credentials["password"])
    with qtbot.waitSignal(launcher.main_shown, timeout=10_000):
        signin.form.submit()
    window = launcher.window
    qtbot.waitUntil(lambda: window.is_locked, timeout=5000)
    lock = window.lock_screen
    lock.password.setText("not the password")
    lock.unlock()
    qtbot.waitUntil(lock.error.isVisible, timeout=5000)
    with qtbot.waitSignal(window.unlocked, timeout=5000):
        lock.password.setText(credentials["password"])
        lock.unlock()
    launcher.close()

    database = create_database(url)
    with database.read_sessions() as session:
        rows = session.execute(
            select(AuditEntry.action, AuditEntry.outcome)
            .where(AuditEntry.action.in_(["sign_in", "unlock_screen"]))
            .order_by(AuditEntry.at)
        ).all()
    database.dispose()
    assert [tuple(r) for r in rows] == [
        ("sign_in", "ok"),
        ("unlock_screen", "failed"),
        ("unlock_screen", "ok"),
    ]


def test_the_idle_time_is_the_clinic_setting_and_follows_its_changes(
    qtbot, demo_template, tmp_path
):
    url = copy_clinic(demo_template, tmp_path)
    launcher = Launcher(settings_for(url, tmp_path))
    launcher.start()
    qtbot.waitUntil(lambda: launcher.auth is not None, timeout=30_000)
    credentials = launcher.demo_credentials
    launcher.signin.form.fill(credentials["admin"], credentials["password"])
    launcher.signin.form.submit()
    qtbot.waitUntil(lambda: launcher.window is not None, timeout=10_000)
    watcher = launcher.window.idle_watcher
    qtbot.waitUntil(lambda: watcher.interval_ms == 10 * 60_000, timeout=5000)  # the default

    # An admin changes the setting (here, or at another workstation: the bus says so).
    settings = SettingsService(launcher.context)
    current = settings.get(launcher.signed_in.actor)
    settings.update(launcher.signed_in.actor, {"idle_lock_minutes": 3}, current.version)
    qtbot.waitUntil(lambda: watcher.interval_ms == 3 * 60_000, timeout=5000)
    launcher.close()


def test_a_dialog_left_open_is_hidden_while_locked_and_back_afterwards_with_its_input(qtbot):
    auth = FakeAuth()
    window, _page = _locking_window(qtbot, auth, idle_ms=60_000)
    dialog = QDialog(window)
    field = QLineEdit(dialog)
    dialog.setWindowModality(Qt.WindowModality.WindowModal)
    dialog.open()
    qtbot.waitExposed(dialog)
    qtbot.keyClicks(field, "Maria Santos, allergic to")
    window.lock()
    assert dialog.isVisible() and dialog.windowOpacity() == 0.0  # not closed: out of sight
    # The lock window is the newest modal window: it takes the keyboard, not the dialog.
    assert QApplication.activeModalWidget() is window.lock_window
    with qtbot.waitSignal(window.unlocked, timeout=3000):
        window.lock_screen.password.setText(PASSWORD)
        window.lock_screen.unlock()
    assert dialog.isVisible() and dialog.windowOpacity() == 1.0
    assert field.text() == "Maria Santos, allergic to"
    assert not window.lock_window.isVisible()
