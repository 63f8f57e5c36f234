"""The wheel carries everything the app needs at run time, wherever it is installed."""

from __future__ import annotations

import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _declared_packages() -> set[str]:
    with (ROOT / "pyproject.toml").open("rb") as fh:
        return set(tomllib.load(fh)["tool"]["setuptools"]["packages"])


def test_every_source_package_is_declared_in_pyproject() -> None:
    found = {
        ".".join(path.parent.relative_to(ROOT).parts)
        for path in (ROOT / "dcms_desktop").rglob("__init__.py")
    }
    assert found <= _declared_packages(), (
        f"add to pyproject packages: {found - _declared_packages()}"
    )


@pytest.mark.slow
def test_wheel_holds_migrations_and_resources(tmp_path: Path) -> None:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "-q",
            "-w",
            str(tmp_path),
            str(ROOT),
        ],
        check=True,
        cwd=tmp_path,
    )
    (wheel,) = tmp_path.glob("dcms_desktop-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    migrations = {n for n in names if n.startswith("dcms_desktop/migrations/")}
    assert "dcms_desktop/migrations/env.py" in migrations
    assert any(n.startswith("dcms_desktop/migrations/versions/0001") for n in migrations)
    assert "dcms_desktop/resources/style.qss" in names
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    text = zipfile.ZipFile(wheel).read(entry_points).decode()
    assert "dcms = dcms_desktop.cli:main" in text
    assert "dcms-desktop = dcms_desktop.app:main" in text
