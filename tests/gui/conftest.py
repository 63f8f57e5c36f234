"""GUI tests run offscreen; screenshots go to DCMS_SCREENSHOT_DIR when it is set."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture(scope="session")
def qapp_args() -> list[str]:
    return ["dcms-desktop-tests"]


@pytest.fixture
def screenshot(tmp_path: Path, qapp):
    """``screenshot(widget, "name")`` saves a PNG of the widget and returns its path."""
    from dcms_desktop.resources_path import read_text

    qapp.setStyleSheet(read_text("style.qss"))
    target = Path(os.environ.get("DCMS_SCREENSHOT_DIR") or tmp_path)
    target.mkdir(parents=True, exist_ok=True)

    def save(widget, name: str) -> Path:
        path = target / f"{name}.png"
        assert widget.grab().save(str(path)), f"could not save {path}"
        return path

    return save


@pytest.fixture(autouse=True)
def _no_window_outlives_its_test(qapp):
    """Close every window a test left open (a dialog opened with ``open()`` and never
    registered with qtbot, say). Left open until the garbage collector takes it, an
    application-modal one can keep a later test's window from being activated. Closed,
    not deleted: the test's objects still own them, and a result on its way to one of
    them must find it whole."""
    yield
    from PySide6.QtWidgets import QApplication

    for widget in QApplication.topLevelWidgets():
        if widget.isVisible():
            widget.close()
