"""The main window's sections, shortcuts and status bar."""

from __future__ import annotations

from PySide6.QtCore import Qt

from dcms_desktop.views.main_window import SECTIONS, MainWindow, StatusInfo


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
