"""The admin's users screen end to end: the real services on a tiny demo clinic (SQLite).

The list shows why and until when an account is locked; an admin creates, edits,
deactivates, reactivates, unlocks and resets passwords from it, by button, shortcut or
context menu; the last active admin can't be demoted; a stale edit names who saved first
and keeps the edits.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMenu

from dcms_desktop.data.cache import MemoryCache
from dcms_desktop.data.engine import Database, create_database
from dcms_desktop.data.events import LocalEventBus
from dcms_desktop.domain.enums import Role
from dcms_desktop.domain.readmodels.people import Actor, UserAccount
from dcms_desktop.services.auth import AuthService, SignedIn, SignInError
from dcms_desktop.services.context import ServiceContext
from dcms_desktop.services.demo import DEMO_PASSWORD, DemoSummary, generate_demo
from dcms_desktop.services.users import UserService
from dcms_desktop.views.admin.page import AdminPage
from dcms_desktop.views.admin.reset_password_dialog import ResetPasswordDialog
from dcms_desktop.views.admin.user_dialog import UserDialog
from dcms_desktop.views.admin.users_model import Column, StatusFilter
from dcms_desktop.views.admin.users_page import UsersPage
from dcms_desktop.views.main_window import MainWindow, StatusInfo

NEW_PASSWORD = "violet harbour lantern seventeen"
WAIT = 10_000


def make_demo_file(tmp_path_factory: pytest.TempPathFactory, template: Path):
    """A tiny demo clinic in a SQLite file, and its summary (credentials)."""
    path = tmp_path_factory.mktemp("demo") / "tiny.db"
    shutil.copyfile(template, path)
    database = create_database(f"sqlite:///{path}")
    summary = generate_demo(database, "tiny")
    database.dispose()
    return path, summary


@pytest.fixture(scope="module")
def demo_file(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path):
    """Made once per module; each test gets a copy."""
    return make_demo_file(tmp_path_factory, sqlite_template)


@dataclass
class Clinic:
    database: Database
    context: ServiceContext
    users: UserService
    auth: AuthService
    admin: SignedIn
    demo: DemoSummary

    def email(self, role: str) -> str:
        return self.demo.credentials[role]

    def account(self, email: str) -> UserAccount:
        (found,) = [a for a in self.users.list_accounts(self.admin.actor) if a.email == email]
        return found

    def lock(self, email: str) -> None:
        for _ in range(5):
            with pytest.raises(SignInError):
                self.auth.sign_in(email, "not the password at all")

    def second_admin(self) -> Actor:
        user = self.users.create_user(
            self.admin.actor,
            email="ana.reyes@brightsmile.example",
            role=Role.ADMIN,
            first_name="Ana",
            last_name="Reyes",
            password=NEW_PASSWORD,
        )
        return Actor(user.id, user.email, Role.ADMIN, "Ana Reyes")


@contextmanager
def open_clinic(tmp_path: Path, demo_file) -> Iterator[Clinic]:
    """A copy of the demo clinic, with its services and the admin signed in."""
    template, summary = demo_file
    path = tmp_path / "clinic.db"
    shutil.copyfile(template, path)
    database = create_database(f"sqlite:///{path}")
    context = ServiceContext(database, MemoryCache(), LocalEventBus(), "front-desk-1")
    auth = AuthService(context)
    admin = auth.sign_in(summary.credentials["admin"], DEMO_PASSWORD)
    try:
        yield Clinic(database, context, UserService(context), auth, admin, summary)
    finally:
        database.dispose()


@pytest.fixture
def clinic(tmp_path: Path, demo_file) -> Iterator[Clinic]:
    with open_clinic(tmp_path, demo_file) as opened:
        yield opened


def _page(qtbot, clinic: Clinic, accounts: int = 5) -> UsersPage:
    page = UsersPage(clinic.admin.actor, clinic.users)
    qtbot.addWidget(page)
    page.resize(1176, 680)
    page.show()
    qtbot.waitExposed(page)
    page.activateWindow()
    qtbot.waitUntil(page.isActiveWindow)
    page.refresh()
    qtbot.waitUntil(lambda: page.model.rowCount() == accounts and _idle(page), timeout=WAIT)
    return page


def _row(page: UsersPage, email: str) -> int:
    for row in range(page.proxy.rowCount()):
        if page.proxy.account_at(row).email == email:
            return row
    raise AssertionError(f"{email} is not shown")


def _cell(page: UsersPage, email: str, column: Column) -> str:
    return page.proxy.index(_row(page, email), column).data()


def _select(page: UsersPage, email: str) -> None:
    page.table.setFocus()
    page.table.selectRow(_row(page, email))
    assert page.selected_account().email == email


def _idle(page: UsersPage) -> bool:
    return page._task is None or page._task.done


def _save(qtbot, dialog) -> None:
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)


def test_the_list_shows_every_account_and_why_and_until_when_one_is_locked(qtbot, clinic):
    staff = clinic.email("staff")
    clinic.lock(staff)
    page = _page(qtbot, clinic)

    locked = clinic.account(staff)
    until = locked.locked_until.astimezone()
    assert _cell(page, staff, Column.STATUS) == f"Locked until {until:%H:%M} (5 failed sign-ins)"
    assert _cell(page, clinic.email("admin"), Column.STATUS) == "Active"
    assert _cell(page, clinic.email("admin"), Column.ROLE) == "Admin"
    assert page.count.text() == "5 users"
    _select(page, staff)
    assert page.unlock_action.isEnabled()
    _select(page, clinic.email("dentist"))
    assert not page.unlock_action.isEnabled()


def test_an_admin_creates_a_user_who_then_appears_selected_in_the_list(qtbot, clinic):
    page = _page(qtbot, clinic)
    qtbot.keyClick(page.table, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    dialog = page.dialog
    assert isinstance(dialog, UserDialog) and dialog.isVisible()
    qtbot.keyClicks(dialog.first_name, "Maria")
    qtbot.keyClicks(dialog.last_name, "Santos")
    qtbot.keyClicks(dialog.email, "maria.santos@brightsmile")
    assert dialog.errors["email"].isVisible()  # checked as typed
    qtbot.keyClicks(dialog.email, ".example")
    assert not dialog.errors["email"].isVisible()
    dialog.role.setCurrentIndex(dialog.role.findData(Role.DENTIST))
    assert dialog.password_fields is not None
    qtbot.keyClicks(dialog.password_fields.password, NEW_PASSWORD)
    qtbot.keyClicks(dialog.password_fields.repeat, NEW_PASSWORD)
    _save(qtbot, dialog)
    qtbot.waitUntil(lambda: page.dialog is None, timeout=WAIT)

    assert page.selected_account().email == "maria.santos@brightsmile.example"
    assert _cell(page, "maria.santos@brightsmile.example", Column.ROLE) == "Dentist"
    assert page.count.text() == "6 users"
    assert "Maria Santos can now sign in" in page.message.text()
    assert clinic.auth.sign_in("maria.santos@brightsmile.example", NEW_PASSWORD)


def test_a_taken_email_and_a_weak_password_are_told_next_to_their_fields(qtbot, clinic):
    page = _page(qtbot, clinic)
    page.new_user()
    dialog = page.dialog
    assert isinstance(dialog, UserDialog) and dialog.password_fields is not None
    dialog.first_name.setText("Maria")
    dialog.last_name.setText("Santos")
    dialog.email.setText(clinic.email("staff").upper())
    dialog.password_fields.password.setText("password")
    dialog.password_fields.repeat.setText("password")
    _save(qtbot, dialog)
    assert "At least 15 characters" in dialog.password_fields.policy.text()

    dialog.password_fields.password.setText(NEW_PASSWORD)
    dialog.password_fields.repeat.setText(NEW_PASSWORD)
    _save(qtbot, dialog)
    qtbot.waitUntil(lambda: dialog.errors["email"].isVisible(), timeout=WAIT)
    assert "already a user with the email" in dialog.errors["email"].text()
    assert dialog.isVisible() and dialog.first_name.text() == "Maria"


def test_editing_a_user_saves_the_new_details_and_role(qtbot, clinic):
    dentist = clinic.email("dentist")
    page = _page(qtbot, clinic)
    _select(page, dentist)
    qtbot.keyClick(page.table, Qt.Key.Key_Return)
    dialog = page.dialog
    assert isinstance(dialog, UserDialog) and dialog.email.text() == dentist
    assert dialog.password_fields is None
    dialog.phone.setText("0917 555 0199")
    dialog.role.setCurrentIndex(dialog.role.findData(Role.ADMIN))
    _save(qtbot, dialog)
    qtbot.waitUntil(lambda: page.dialog is None, timeout=WAIT)

    assert _cell(page, dentist, Column.ROLE) == "Admin"
    saved = clinic.account(dentist)
    assert (saved.phone, saved.role) == ("0917 555 0199", Role.ADMIN)
    assert "was saved" in page.message.text()


def test_deactivating_asks_first_then_the_user_can_be_reactivated(qtbot, clinic):
    staff = clinic.email("staff")
    page = _page(qtbot, clinic)
    asked: list[str] = []
    page.confirm = lambda title, text: asked.append(title) is None and len(asked) > 1
    _select(page, staff)
    name = page.selected_account().full_name

    qtbot.keyClick(page.table, Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier)
    assert asked == [f"Deactivate {name}?"]  # answered No: nothing happens
    assert _cell(page, staff, Column.STATUS) == "Active"

    qtbot.keyClick(page.table, Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: _cell(page, staff, Column.STATUS) == "Deactivated", timeout=WAIT)
    assert not clinic.account(staff).is_active
    assert page.active_button.text() == "Re&activate"
    assert not page.reset_action.isEnabled()
    with pytest.raises(SignInError):
        clinic.auth.sign_in(staff, DEMO_PASSWORD)

    qtbot.mouseClick(page.active_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: _cell(page, staff, Column.STATUS) == "Active", timeout=WAIT)
    assert f"{name} can sign in again." == page.message.text()
    assert clinic.auth.sign_in(staff, DEMO_PASSWORD)


def test_unlocking_lets_a_locked_user_sign_in_again_at_once(qtbot, clinic):
    staff = clinic.email("staff")
    clinic.lock(staff)
    page = _page(qtbot, clinic)
    _select(page, staff)
    qtbot.keyClick(page.table, Qt.Key.Key_U, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: _cell(page, staff, Column.STATUS) == "Active", timeout=WAIT)
    assert not page.unlock_action.isEnabled()
    assert "is unlocked" in page.message.text()
    assert clinic.auth.sign_in(staff, DEMO_PASSWORD)


def test_a_reset_password_is_policy_checked_and_must_be_changed_at_next_sign_in(qtbot, clinic):
    staff = clinic.email("staff")
    page = _page(qtbot, clinic)
    _select(page, staff)
    qtbot.keyClick(page.table, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
    dialog = page.dialog
    assert isinstance(dialog, ResetPasswordDialog)
    local = staff.split("@")[0]
    dialog.fields.password.setText(f"{local} is my password here")
    assert "email" in dialog.fields.policy.text()  # the policy speaks as one types
    dialog.fields.password.setText(NEW_PASSWORD)
    dialog.fields.repeat.setText(NEW_PASSWORD)
    _save(qtbot, dialog)
    qtbot.waitUntil(lambda: page.dialog is None, timeout=WAIT)

    assert "must choose a new password" in _cell(page, staff, Column.STATUS)
    assert "temporary password" in page.message.text()
    signed_in = clinic.auth.sign_in(staff, NEW_PASSWORD)
    assert signed_in.must_change_password


def test_the_last_active_admin_cannot_be_demoted_or_deactivated(qtbot, clinic):
    admin = clinic.email("admin")
    page = _page(qtbot, clinic)
    _select(page, admin)
    page.confirm = lambda title, text: True
    page.toggle_active()
    qtbot.waitUntil(lambda: page.message.isVisible() and _idle(page), timeout=WAIT)
    assert page.message.text() == "You can't deactivate your own account; ask another admin"
    assert page.message.property("role") == "error"

    page.edit_user()
    dialog = page.dialog
    assert isinstance(dialog, UserDialog)
    dialog.role.setCurrentIndex(dialog.role.findData(Role.STAFF))
    _save(qtbot, dialog)
    qtbot.waitUntil(lambda: "last active admin" in dialog.errors["role"].text(), timeout=WAIT)
    assert "can't be demoted; make someone else an admin first" in dialog.errors["role"].text()
    assert dialog.isVisible()
    assert clinic.account(admin).role is Role.ADMIN


def test_a_stale_edit_names_who_saved_first_keeps_the_edits_and_reload_merges(
    qtbot, clinic, screenshot
):
    staff = clinic.email("staff")
    ana = clinic.second_admin()
    page = _page(qtbot, clinic, accounts=6)
    _select(page, staff)
    page.edit_user()
    dialog = page.dialog
    assert isinstance(dialog, UserDialog)
    dialog.phone.setText("0917 555 0123")

    opened = clinic.account(staff)
    theirs = clinic.users.update_user(
        ana,
        opened.id,
        expected_version=opened.version,
        email=opened.email,
        first_name=opened.first_name,
        last_name="Caldera-Cruz",
        phone=opened.phone,
        role=opened.role,
    )
    _save(qtbot, dialog)
    qtbot.waitUntil(dialog.stale.isVisible, timeout=WAIT)
    when = theirs.updated_at.astimezone()
    assert dialog.stale.text() == (
        f"Ana Reyes saved this user at {when:%H:%M} after you opened it. Your changes are "
        "still here: reload to see theirs, or close."
    )
    assert dialog.phone.text() == "0917 555 0123"
    assert dialog.reload_button.isVisible()
    screenshot(dialog, "admin-user-dialog-stale")

    qtbot.mouseClick(dialog.reload_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.last_name.text() == "Caldera-Cruz", timeout=WAIT)
    assert dialog.phone.text() == "0917 555 0123"
    _save(qtbot, dialog)
    qtbot.waitUntil(lambda: page.dialog is None, timeout=WAIT)
    saved = clinic.account(staff)
    assert (saved.last_name, saved.phone) == ("Caldera-Cruz", "0917 555 0123")


def test_the_list_filters_by_text_role_and_status_and_sorts_by_any_column(qtbot, clinic):
    clinic.lock(clinic.email("staff"))
    page = _page(qtbot, clinic)
    dentist = clinic.account(clinic.email("dentist"))

    qtbot.keyClicks(page.search, dentist.last_name.upper())
    assert [page.proxy.account_at(r).email for r in range(page.proxy.rowCount())] == [dentist.email]
    assert page.count.text() == "1 of 5 users"
    page.search.clear()

    page.role_filter.setCurrentIndex(page.role_filter.findData(Role.DENTIST))
    roles = {page.proxy.index(r, Column.ROLE).data() for r in range(page.proxy.rowCount())}
    assert roles == {"Dentist"} and page.proxy.rowCount() == 2
    page.role_filter.setCurrentIndex(0)

    page.status_filter.setCurrentIndex(page.status_filter.findData(StatusFilter.LOCKED))
    assert page.proxy.rowCount() == 1
    assert page.proxy.account_at(0).email == clinic.email("staff")
    page.status_filter.setCurrentIndex(0)

    page.table.sortByColumn(Column.EMAIL, Qt.SortOrder.DescendingOrder)
    emails = [page.proxy.account_at(r).email for r in range(page.proxy.rowCount())]
    assert emails == sorted(emails, reverse=True)
    page.table.sortByColumn(Column.NAME, Qt.SortOrder.AscendingOrder)
    names = [
        (page.proxy.account_at(r).last_name.casefold(), page.proxy.account_at(r).first_name)
        for r in range(page.proxy.rowCount())
    ]
    assert names == sorted(names)


def test_the_context_menu_offers_the_actions_for_the_row_under_the_pointer(qtbot, clinic):
    page = _page(qtbot, clinic)
    row = _row(page, clinic.email("dentist"))
    point = page.table.visualRect(page.proxy.index(row, 0)).center()
    page._context_menu(point)
    menu = page.findChild(QMenu, "usersMenu")
    assert menu is not None
    texts = [a.text() for a in menu.actions() if not a.isSeparator()]
    assert texts == ["&Edit…", "&Deactivate", "&Unlock", "&Reset password…", "&New user…"]
    assert page.selected_account().email == clinic.email("dentist")
    menu.close()


def test_the_admin_section_focuses_the_filter_on_ctrl_f_and_renders_at_1366x768(
    qtbot, clinic, screenshot
):
    clinic.lock(clinic.email("staff"))
    page = AdminPage(clinic.context, clinic.admin)
    window = MainWindow(
        "DCMS Desktop — demo clinic",
        StatusInfo(
            database="SQLite clinic.db",
            sync="Live sync: this workstation only",
            workstation="Workstation: front-desk-1",
            user="Signed in as the admin",
        ),
        {"admin": page},
        role=Role.ADMIN,
    )
    qtbot.addWidget(window)
    window.resize(1366, 768)
    window.show()
    qtbot.waitExposed(window)
    window.show_section(len(window.section_titles()) - 1)
    qtbot.waitUntil(lambda: page.users.model.rowCount() == 5, timeout=WAIT)

    page.focus_search()
    assert page.users.search.hasFocus()
    page.users.table.selectRow(_row(page.users, clinic.email("staff")))
    qtbot.waitUntil(lambda: _idle(page.users))
    screenshot(window, "admin-users-1366x768")

    page.users.table.selectRow(_row(page.users, clinic.email("dentist")))
    page.users.edit_user()
    assert page.users.dialog is not None
    screenshot(page.users.dialog, "admin-user-dialog-edit")
    page.users.dialog.reject()
    page.users.new_user()
    assert page.users.dialog is not None
    screenshot(page.users.dialog, "admin-user-dialog-new")
    page.users.dialog.reject()
    page.users.reset_password()
    assert page.users.dialog is not None
    screenshot(page.users.dialog, "admin-reset-password")
    page.users.dialog.reject()


def test_tab_walks_the_new_user_form_top_to_bottom_then_to_the_buttons(qtbot, clinic):
    page = _page(qtbot, clinic)
    page.new_user()
    dialog = page.dialog
    assert isinstance(dialog, UserDialog) and dialog.password_fields is not None
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow)
    qtbot.waitUntil(dialog.first_name.hasFocus)
    seen = []
    for _ in range(8):
        qtbot.keyClick(dialog.focusWidget(), Qt.Key.Key_Tab)
        seen.append(dialog.focusWidget())
    assert seen == [
        dialog.last_name,
        dialog.email,
        dialog.phone,
        dialog.role,
        dialog.password_fields.password,
        dialog.password_fields.repeat,
        dialog.save_button,
        dialog.cancel_button,
    ]


def test_a_user_changed_on_another_workstation_shows_up_in_the_list(qtbot, clinic):
    page = AdminPage(clinic.context, clinic.admin)
    qtbot.addWidget(page)
    page.show()
    qtbot.waitUntil(lambda: page.users.model.rowCount() == 5 and _idle(page.users), timeout=WAIT)
    context_2 = ServiceContext(clinic.database, MemoryCache(), clinic.context.bus, "desk-2")
    staff = clinic.account(clinic.email("staff"))
    UserService(context_2).set_active(
        clinic.admin.actor, staff.id, False, expected_version=staff.version
    )
    qtbot.waitUntil(
        lambda: _cell(page.users, staff.email, Column.STATUS) == "Deactivated", timeout=WAIT
    )
