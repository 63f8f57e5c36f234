"""What the main window remembers per user: its size, position and last section.

Kept in an INI file of its own under the config directory (not the registry or the
platform's default QSettings place), keyed by the user's id, so that two people sharing a
front-desk PC each find the window as they left it, and a test can point it at a
temporary folder.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings

STATE_FILE_NAME = "window-state.ini"


class WindowMemory:
    """Window geometry and the last section, per user id, in ``<config_dir>/window-state.ini``."""

    def __init__(self, config_dir: Path) -> None:
        self.path = Path(config_dir) / STATE_FILE_NAME
        self._settings = QSettings(str(self.path), QSettings.Format.IniFormat)

    def _key(self, user_id: object, name: str) -> str:
        return f"users/{user_id}/{name}"

    def geometry(self, user_id: object) -> QByteArray | None:
        """The saved ``QWidget.saveGeometry()`` bytes, or None for a first sign-in."""
        value = self._settings.value(self._key(user_id, "geometry"))
        if isinstance(value, QByteArray) and not value.isEmpty():
            return value
        if isinstance(value, bytes | bytearray) and value:
            return QByteArray(bytes(value))
        return None

    def section(self, user_id: object) -> str | None:
        """The key of the section the user was in when the window last closed."""
        value = self._settings.value(self._key(user_id, "section"))
        return str(value) if value else None

    def save(self, user_id: object, geometry: QByteArray, section: str | None) -> None:
        self._settings.setValue(self._key(user_id, "geometry"), geometry)
        if section:
            self._settings.setValue(self._key(user_id, "section"), section)
        self._settings.sync()
