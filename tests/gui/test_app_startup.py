"""`dcms-desktop --demo` opens a main window on a freshly made demo clinic."""

from __future__ import annotations

from pathlib import Path

from dcms_desktop.app import Launcher
from dcms_desktop.config import load_settings


def test_demo_start_creates_the_demo_clinic_in_the_background_and_opens_the_window(
    qtbot, tmp_path: Path, screenshot
) -> None:
    settings = load_settings(
        {"DCMS_DATA_DIR": str(tmp_path / "data"), "DCMS_CONFIG_DIR": str(tmp_path / "cfg")},
        demo=True,
    )
    launcher = Launcher(settings)
    launcher.start()
    # The UI thread stays free while the database is prepared in the background.
    assert launcher.window is None
    qtbot.waitUntil(lambda: launcher.window is not None, timeout=60_000)
    window = launcher.window
    assert window is not None
    qtbot.addWidget(window)
    qtbot.waitExposed(window)
    assert window.isVisible()
    assert "demo" in window.windowTitle().lower()
    assert "demo-clinic.db" in window.database_label.text()
    assert (tmp_path / "data" / "demo-clinic.db").exists()
    screenshot(window, "demo-start")
    launcher.context.database.dispose()
