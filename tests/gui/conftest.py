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
