"""Configuration precedence and where secrets may (not) go."""

from __future__ import annotations

from pathlib import Path

import pytest

from dcms_desktop.config import (
    ConfigError,
    load_settings,
    write_config_file,
)


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    return {
        "DCMS_DATA_DIR": str(tmp_path / "data"),
        "DCMS_CONFIG_DIR": str(tmp_path / "config"),
        **extra,
    }


def test_embedded_sqlite_in_the_data_dir_is_the_default(tmp_path: Path) -> None:
    settings = load_settings(_env(tmp_path))
    assert settings.database_url == f"sqlite:///{tmp_path / 'data' / 'clinic.db'}"
    assert settings.redis_url is None
    assert settings.is_embedded


def test_environment_overrides_the_config_file(tmp_path: Path) -> None:
    env = _env(tmp_path)
    write_config_file(
        tmp_path / "config" / "config.toml",
        {"database_url": "postgresql://dcms@server/dcms", "redis_url": "redis://server:6379/0"},
    )
    from_file = load_settings(env)
    assert from_file.database_url == "postgresql://dcms@server/dcms"
    assert from_file.redis_url == "redis://server:6379/0"

    env["DCMS_DATABASE_URL"] = "postgresql://other@elsewhere/clinic"
    env["DCMS_REDIS_URL"] = "redis://elsewhere:6380/1"
    overridden = load_settings(env)
    assert overridden.database_url == "postgresql://other@elsewhere/clinic"
    assert overridden.redis_url == "redis://elsewhere:6380/1"


def test_demo_uses_its_own_file_even_when_a_server_is_configured(tmp_path: Path) -> None:
    env = _env(tmp_path, DCMS_DATABASE_URL="postgresql://dcms@server/dcms")
    settings = load_settings(env, demo=True)
    assert settings.database_url.endswith("demo-clinic.db")
    assert settings.redis_url is None
    assert settings.demo


def test_a_broken_config_file_is_explained(tmp_path: Path) -> None:
    path = tmp_path / "config" / "config.toml"
    path.parent.mkdir(parents=True)
    path.write_text("database_url = \n", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_settings(_env(tmp_path))


def test_workstation_name_comes_from_environment(tmp_path: Path) -> None:
    assert load_settings(_env(tmp_path, DCMS_WORKSTATION="front-desk-2")).workstation == (
        "front-desk-2"
    )
