"""The main window's sections, shortcuts and status bar."""

from __future__ import annotations

import threading
import uuid
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage, QPainter
from PySide6.QtSvg import QSvgRenderer
from PySide6.QtWidgets import QApplication, QLabel, QLineEdit, QWidget

from dcms_desktop.app import build_main_window
from dcms_desktop.data.cache import MemoryCache, RedisCache
from dcms_desktop.data.engine import create_database
from dcms_desktop.data.events import LocalEventBus
from dcms_desktop.domain.enums import Role
from dcms_desktop.services.auth import AuthService
from dcms_desktop.services.context import ServiceContext
from dcms_desktop.views.main_window import SECTIONS, MainWindow, StatusInfo, visible_sections
from dcms_desktop.views.session_state import WindowMemory
from dcms_desktop.views.sync_status import SyncStatusMonitor
from dcms_desktop.views.tabbed_section import TabbedSection
from tests.gui.shell_support import copy_clinic, make_demo_template, settings_for


def _window(qtbot) -> MainWindow:
    window = MainWindow(
        "DCMS Desktop — demo clinic",
        StatusInfo(
            database="SQLite /data/demo-clinic.db",
            sync="Live sync: this workstation only",
            workstation="Workstation: front-desk-1",
        ),
    )
    qtbot.addWidget(window)
    window.resize(1366, 768)
    window.show()
    qtbot.waitExposed(window)
    return window


def test_every_section_is_listed_and_says_plainly_what_is_not_built_yet(qtbot, screenshot):
    window = _window(qtbot)
    assert window.section_titles() == [
        "Schedule",
        "Patients",
        "Billing",
        "Inventory",
        "Records",
        "Reports",
        "Admin",
    ]
    for index, section in enumerate(SECTIONS):
        window.show_section(index)
        page = window.stack.currentWidget()
        assert page.objectName() == f"page_{section.key}"
        texts = " ".join(label.text() for label in page.findChildren(type(window.user_label)))
        assert "Not available yet" in texts
    screenshot(window, "main-window-1366x768")


def test_ctrl_number_switches_sections(qtbot):
    window = _window(qtbot)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    for index, section in enumerate(SECTIONS, start=1):
        qtbot.keyClick(
            window.stack.currentWidget(),
            Qt.Key(Qt.Key.Key_0 + index),
            Qt.KeyboardModifier.ControlModifier,
        )
        assert window.current_section() == section


def test_status_bar_shows_database_sync_and_workstation(qtbot):
    window = _window(qtbot)
    assert window.database_label.text() == "SQLite /data/demo-clinic.db"
    assert window.sync_label.text() == "Live sync: this workstation only"
    assert window.workstation_label.text() == "Workstation: front-desk-1"
    window.set_sync_state("Live sync: offline, retrying")
    assert window.sync_label.text() == "Live sync: offline, retrying"


# -- roles, shortcuts, memory, live status -----------------------------------------------------
ROLE_SECTIONS = {
    Role.STAFF: ["Schedule", "Patients", "Billing", "Inventory", "Records"],
    Role.DENTIST: ["Schedule", "Patients", "Billing", "Inventory", "Records"],
    Role.ADMIN: ["Schedule", "Patients", "Billing", "Inventory", "Records", "Reports", "Admin"],
}


class SearchablePage(QWidget):
    """A section page as the shell expects one: a search field and a reload."""

    def __init__(self) -> None:
        super().__init__()
        self.search = QLineEdit(self)
        self.search.setObjectName("search")
        self.refreshed = 0

    def focus_search(self) -> None:
        self.search.setFocus()

    def refresh(self) -> None:
        self.refreshed += 1


def _role_window(qtbot, role: Role, pages=None) -> MainWindow:
    window = MainWindow(
        "DCMS Desktop",
        StatusInfo("SQLite /data/clinic.db", "Live sync: local only", "Workstation: ws-1"),
        pages,
        role=role,
    )
    qtbot.addWidget(window)
    window.resize(1366, 768)
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    return window


def _press(qtbot, window: MainWindow, key: Qt.Key, modifier=Qt.KeyboardModifier.NoModifier):
    target = QApplication.focusWidget() or window.stack.currentWidget()
    qtbot.keyClick(target, key, modifier)


@pytest.mark.parametrize("role", list(ROLE_SECTIONS))
def test_each_role_sees_exactly_the_sections_the_permission_table_allows(qtbot, role):
    window = _role_window(qtbot, role)
    assert window.section_titles() == ROLE_SECTIONS[role]
    assert [s.title for s in visible_sections(role)] == ROLE_SECTIONS[role]
    for section in SECTIONS:
        if section.title not in ROLE_SECTIONS[role]:
            assert window.page(section.key) is None
            assert not window.show_section_key(section.key)


def test_patients_see_no_section_at_all():
    assert visible_sections(Role.PATIENT) == ()


def test_ctrl_number_switches_among_the_visible_sections_only(qtbot):
    window = _role_window(qtbot, Role.STAFF)
    _press(qtbot, window, Qt.Key.Key_5, Qt.KeyboardModifier.ControlModifier)
    assert window.current_section().key == "records"
    _press(qtbot, window, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)
    assert window.current_section().key == "patients"
    # Staff have five sections: Ctrl+6 and Ctrl+7 lead nowhere.
    _press(qtbot, window, Qt.Key.Key_6, Qt.KeyboardModifier.ControlModifier)
    _press(qtbot, window, Qt.Key.Key_7, Qt.KeyboardModifier.ControlModifier)
    assert window.current_section().key == "patients"


def test_ctrl_f_focuses_the_section_search_and_f5_reloads_the_section(qtbot):
    page = SearchablePage()
    window = _role_window(qtbot, Role.STAFF, {"patients": page})
    window.show_section_key("patients")
    _press(qtbot, window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert page.search.hasFocus()
    _press(qtbot, window, Qt.Key.Key_F5)
    assert page.refreshed == 1


def test_ctrl_f_and_f5_in_a_section_not_built_yet_say_so(qtbot):
    window = _role_window(qtbot, Role.STAFF)
    window.show_section_key("billing")
    _press(qtbot, window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert window.statusBar().currentMessage() == "Billing has no search yet."
    _press(qtbot, window, Qt.Key.Key_F5)
    assert window.statusBar().currentMessage() == "Billing has nothing to reload yet."


def _unshown_window(qtbot, role: Role) -> MainWindow:
    window = MainWindow(
        "DCMS Desktop",
        StatusInfo("SQLite /data/clinic.db", "Live sync: local only", "Workstation: ws-1"),
        role=role,
    )
    # The offscreen test screen is 800x800; Qt moves a restored window that does not fit.
    window.setMinimumSize(400, 300)
    qtbot.addWidget(window)
    return window


def test_window_size_position_and_section_are_remembered_per_user(qtbot, tmp_path):
    memory = WindowMemory(tmp_path)
    ana, ben = uuid.uuid4(), uuid.uuid4()

    first = _unshown_window(qtbot, Role.ADMIN)
    first.remember(memory, ana)
    first.show()
    qtbot.waitExposed(first)
    first.setGeometry(30, 40, 700, 560)
    first.show_section_key("reports")
    qtbot.wait(20)
    remembered = first.geometry()
    first.close()
    assert memory.path == tmp_path / "window-state.ini" and memory.path.exists()

    again = _unshown_window(qtbot, Role.ADMIN)
    again.remember(WindowMemory(tmp_path), ana)
    again.show()
    qtbot.waitExposed(again)
    assert again.current_section().key == "reports"
    assert again.geometry() == remembered

    other = _unshown_window(qtbot, Role.ADMIN)
    other.remember(WindowMemory(tmp_path), ben)
    other.show()
    qtbot.waitExposed(other)
    assert other.current_section().key == "schedule"
    assert other.geometry() != remembered


def test_a_remembered_section_the_role_no_longer_sees_falls_back_to_the_first(qtbot, tmp_path):
    memory = WindowMemory(tmp_path)
    user = uuid.uuid4()
    admin = _role_window(qtbot, Role.ADMIN)
    admin.remember(memory, user)
    admin.show_section_key("admin")
    admin.close()
    demoted = _role_window(qtbot, Role.STAFF)
    demoted.remember(WindowMemory(tmp_path), user)
    assert demoted.current_section().key == "schedule"


class FakeRedisPart:
    """A cache or bus whose ``state`` the test sets; ``check`` records its thread."""

    def __init__(self, state: str) -> None:
        self.state = state
        self.checked_in: list[threading.Thread] = []

    def check(self) -> str:
        self.checked_in.append(threading.current_thread())
        return self.state


def test_live_sync_is_checked_off_the_ui_thread_and_the_status_bar_follows(qtbot):
    cache, bus = FakeRedisPart("connected"), FakeRedisPart("connected")
    window = _role_window(qtbot, Role.STAFF)
    window.watch_sync(SyncStatusMonitor(cache, bus, interval_ms=20))
    assert window.sync_label.text() == "Live sync: connected"
    cache.state = "offline"
    qtbot.waitUntil(lambda: window.sync_label.text() == "Live sync: offline, retrying")
    cache.state = bus.state = "connected"
    qtbot.waitUntil(lambda: window.sync_label.text() == "Live sync: connected")
    assert cache.checked_in and threading.main_thread() not in cache.checked_in
    window.close()


def test_without_redis_the_status_bar_says_local_only(qtbot):
    window = _role_window(qtbot, Role.STAFF)
    window.watch_sync(SyncStatusMonitor(MemoryCache(), LocalEventBus(), interval_ms=20))
    assert window.sync_label.text() == "Live sync: local only"
    window.close()


def test_live_sync_against_a_real_redis_and_one_that_is_down(qtbot, redis_url):
    up = RedisCache(redis_url)
    down = RedisCache("redis://127.0.0.1:1/0", retry_after=0.05)
    try:
        window = _role_window(qtbot, Role.STAFF)
        window.watch_sync(SyncStatusMonitor(up, LocalEventBus(), interval_ms=20))
        qtbot.waitUntil(lambda: window.sync_label.text() == "Live sync: connected")
        window.close()
        window = _role_window(qtbot, Role.STAFF)
        window.watch_sync(SyncStatusMonitor(down, LocalEventBus(), interval_ms=20))
        qtbot.waitUntil(lambda: window.sync_label.text() == "Live sync: offline, retrying")
        window.close()
    finally:
        up.close()
        down.close()


# -- the real thing: each role on a demo clinic -------------------------------------------------
@pytest.fixture(scope="module")
def demo_template(tmp_path_factory) -> Path:
    return make_demo_template(tmp_path_factory.mktemp("demo"))


@pytest.mark.parametrize("role", ["admin", "dentist", "staff"])
def test_main_window_for_each_role_on_a_demo_clinic(
    qtbot, demo_template, tmp_path, role, screenshot
):
    url = copy_clinic(demo_template, tmp_path)
    settings = settings_for(url, tmp_path)
    database = create_database(url)
    context = ServiceContext(database, MemoryCache(), LocalEventBus(), settings.workstation)
    auth = AuthService(context)
    credentials = auth.demo_credentials()
    assert credentials is not None
    signed_in = auth.sign_in(credentials[role], credentials["password"])
    window = build_main_window(
        context, settings, signed_in, auth, memory=WindowMemory(settings.config_dir)
    )
    qtbot.addWidget(window)
    window.resize(1366, 768)
    window.show()
    qtbot.waitExposed(window)
    assert window.section_titles() == ROLE_SECTIONS[Role(role)]
    name = signed_in.user.full_name
    assert window.user_label.text() == f"Signed in as {name} ({role})"
    assert window.database_label.text() == f"SQLite {tmp_path / 'clinic.db'}"
    assert window.sync_label.text() == "Live sync: local only"
    assert window.workstation_label.text() == "Workstation: front-desk-1"
    if role == "admin":
        window.show_section_key("admin")
        qtbot.wait(300)  # the admin page reads its users in the background
    screenshot(window, f"main-window-{role}-1366x768")
    window.close()
    database.dispose()


@pytest.mark.parametrize("section", SECTIONS, ids=lambda s: s.key)
def test_each_section_has_a_bundled_svg_icon_that_stays_crisp_at_high_dpi(qtbot, section):
    path = Path(section.icon_path)
    assert path.suffix == ".svg" and path.exists()
    renderer = QSvgRenderer(str(path))
    assert renderer.isValid()
    for scale in (1, 2, 3):  # 100 %, 200 %, 300 %: drawn from the vector each time
        image = QImage(20 * scale, 20 * scale, QImage.Format.Format_ARGB32)
        image.fill(0)
        painter = QPainter(image)
        renderer.render(painter)
        painter.end()
        drawn = sum(
            1
            for x in range(image.width())
            for y in range(image.height())
            if image.pixelColor(x, y).alpha() > 0
        )
        assert drawn > 10 * scale * scale


def test_billing_inventory_and_reports_open_their_screens_in_the_shell(
    qtbot, demo_template, tmp_path, screenshot
):
    """The admin's Billing, Inventory and Reports sections hold the real screens (each
    tab built when first shown), not the "not available yet" note, and fit 1366x768."""
    url = copy_clinic(demo_template, tmp_path)
    settings = settings_for(url, tmp_path)
    database = create_database(url)
    context = ServiceContext(database, MemoryCache(), LocalEventBus(), settings.workstation)
    auth = AuthService(context)
    credentials = auth.demo_credentials()
    assert credentials is not None
    signed_in = auth.sign_in(credentials["admin"], credentials["password"])
    window = build_main_window(context, settings, signed_in, auth)
    qtbot.addWidget(window)
    window.resize(1366, 768)
    window.show()
    qtbot.waitExposed(window)

    expected = {
        "billing": ["BillingPage", "ServicesPage"],
        "inventory": ["InventoryPage"],
        "reports": ["RevenueTab", "StockReportsTab"],
    }
    for key, screens in expected.items():
        assert window.show_section_key(key)
        page = window.page(key)
        assert page is not None
        assert not any(
            label.text().startswith("Not available yet") for label in page.findChildren(QLabel)
        )
        for index, name in enumerate(screens):
            if isinstance(page, TabbedSection):
                page.tabs.setCurrentIndex(index)
                shown = page.current_screen()
            else:
                shown = page
            assert type(shown).__name__ == name
            qtbot.wait(400)  # each screen reads its data in the background
            screenshot(window, f"section-{key}-{name}-1366x768")
    assert window.section_badge("inventory") != ""  # the demo clinic has items running low
    window.close()
    database.dispose()
