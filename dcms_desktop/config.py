"""The settings object, built once at start-up and passed down.

Precedence, highest first: environment (``DCMS_DATABASE_URL``, ``DCMS_REDIS_URL``,
``DCMS_DATA_DIR``, ``DCMS_WORKSTATION``), then the TOML file ``config.toml`` in the user
config directory, then the embedded default (a SQLite file in the user data directory).
Passwords never live here: a URL without one is completed from the OS keyring
(see :mod:`dcms_desktop.credentials`).
"""

from __future__ import annotations

import os
import socket
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import platformdirs

APP_NAME = "dcms-desktop"
CONFIG_FILE_NAME = "config.toml"
DATABASE_FILE_NAME = "clinic.db"
DEMO_DATABASE_FILE_NAME = "demo-clinic.db"


class ConfigError(Exception):
    """The configuration cannot be used; the message says what to fix."""


@dataclass(frozen=True)
class Settings:
    """Where the data lives and who this workstation is."""

    data_dir: Path
    config_dir: Path
    database_url: str
    redis_url: str | None
    workstation: str
    demo: bool = False

    @property
    def config_file(self) -> Path:
        return self.config_dir / CONFIG_FILE_NAME

    @property
    def is_embedded(self) -> bool:
        """True when the clinic runs on the local SQLite file."""
        return self.database_url.startswith("sqlite")


def read_config_file(path: Path) -> dict[str, Any]:
    """The TOML config as a dict; an empty dict when the file does not exist."""
    if not path.exists():
        return {}
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path} is not valid TOML: {exc}") from exc


def write_config_file(path: Path, values: Mapping[str, Any]) -> None:
    """Write a flat ``key = "value"`` TOML file (the config holds no nested tables)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = []
    for key, value in values.items():
        if value is None:
            continue
        escaped = str(value).replace("\\", "\\\\").replace('"', '\\"')
        lines.append(f'{key} = "{escaped}"')
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def load_settings(env: Mapping[str, str] | None = None, *, demo: bool = False) -> Settings:
    """Build the settings from the environment, the config file and the defaults."""
    env = os.environ if env is None else env
    data_dir = Path(
        env.get("DCMS_DATA_DIR") or platformdirs.user_data_dir(APP_NAME, appauthor=False)
    )
    config_dir = Path(
        env.get("DCMS_CONFIG_DIR") or platformdirs.user_config_dir(APP_NAME, appauthor=False)
    )
    file_values = read_config_file(config_dir / CONFIG_FILE_NAME)
    workstation = (
        env.get("DCMS_WORKSTATION") or file_values.get("workstation") or socket.gethostname()
    )
    if demo:
        # The demo clinic is always the embedded file of its own: it never touches a
        # clinic's real server.
        return Settings(
            data_dir=data_dir,
            config_dir=config_dir,
            database_url=sqlite_url(data_dir / DEMO_DATABASE_FILE_NAME),
            redis_url=None,
            workstation=str(workstation),
            demo=True,
        )
    database_url = (
        env.get("DCMS_DATABASE_URL")
        or file_values.get("database_url")
        or sqlite_url(data_dir / DATABASE_FILE_NAME)
    )
    redis_url = env.get("DCMS_REDIS_URL") or file_values.get("redis_url") or None
    return Settings(
        data_dir=data_dir,
        config_dir=config_dir,
        database_url=str(database_url),
        redis_url=str(redis_url) if redis_url else None,
        workstation=str(workstation),
    )
