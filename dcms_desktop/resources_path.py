"""Where the bundled resources (style sheet, icons, fonts) are, installed or not."""

from __future__ import annotations

from importlib import resources
from pathlib import Path


def resource_path(name: str) -> Path:
    """The path of a bundled resource file, e.g. ``resource_path("style.qss")``."""
    return Path(str(resources.files("dcms_desktop.resources").joinpath(name)))


def read_text(name: str) -> str:
    return resource_path(name).read_text(encoding="utf-8")
