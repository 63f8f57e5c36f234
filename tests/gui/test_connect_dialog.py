"""The "Connect to clinic server" dialog against real servers.

A throw-away PostgreSQL cluster that asks for passwords plays the clinic server; a port
nothing listens on and a name that doesn't resolve play the unreachable ones. The dialog
tests in the background, puts what is wrong next to the field, saves the password in the
keyring (never in the config file) and switches back to the local database in one click.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from sqlalchemy.engine import make_url

from dcms_desktop.config import Settings, load_settings, read_config_file, write_config_file
from dcms_desktop.credentials import complete_database_url
from dcms_desktop.views.connect_dialog import ConnectDialog
from tests.conftest import create_scratch_pg_database, drop_scratch_pg_database, pg_admin_url
from tests.services.test_connection import (
    PASSWORD,
    PasswordPostgres,
    clinic_on_password_postgres,
    free_port,
)

WAIT = 15_000


@pytest.fixture(scope="module")
def password_pg() -> Iterator[PasswordPostgres]:
    with clinic_on_password_postgres() as server:
        yield server


def _settings(tmp_path: Path) -> Settings:
    return load_settings(
        {"DCMS_CONFIG_DIR": str(tmp_path / "cfg"), "DCMS_DATA_DIR": str(tmp_path / "data")}
    )


def _dialog(qtbot, tmp_path: Path) -> ConnectDialog:
    dialog = ConnectDialog(_settings(tmp_path))
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


def _fill(dialog: ConnectDialog, host: str, port: int, database: str, user: str, password: str):
    dialog.host.setText(host)
    dialog.port.setText(str(port))
    dialog.database.setText(database)
    dialog.user.setText(user)
    dialog.password.setText(password)


def _idle(dialog: ConnectDialog) -> bool:
    return dialog._task is not None and dialog._task.done


def _click_and_wait(qtbot, dialog: ConnectDialog, button) -> None:
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: _idle(dialog), timeout=WAIT)


def test_a_wrong_password_is_named_next_to_the_password_field(
    qtbot, tmp_path, password_pg, screenshot
):
    dialog = _dialog(qtbot, tmp_path)
    _fill(dialog, "127.0.0.1", password_pg.port, "clinic", "postgres", "not the password")
    qtbot.mouseClick(dialog.test_button, Qt.MouseButton.LeftButton)
    assert dialog.busy.isVisible()  # the test runs in the background
    qtbot.waitUntil(lambda: _idle(dialog), timeout=WAIT)

    message = "The server refused the password for the user “postgres”."
    assert dialog.errors["password"].text() == message
    assert dialog.errors["password"].property("role") == "error"
    assert dialog.database_result.text() == f"✗ {message}"
    assert dialog.password.hasFocus()
    assert not dialog.upgrade_button.isVisible()
    dialog.resize(dialog.sizeHint())
    screenshot(dialog, "connect-dialog-wrong-password")

    dialog.password.setText(PASSWORD)
    _click_and_wait(qtbot, dialog, dialog.test_button)
    assert dialog.database_result.text().startswith("✓ Connected to the clinic database")
    assert dialog.errors["password"].property("role") == "hint"
    assert dialog.redis_result.text().startswith("No Redis")


def test_an_unreachable_host_is_named_next_to_the_server_field(qtbot, tmp_path):
    dialog = _dialog(qtbot, tmp_path)
    port = free_port()
    _fill(dialog, "127.0.0.1", port, "clinic", "dcms", "secret")
    _click_and_wait(qtbot, dialog, dialog.test_button)
    assert dialog.errors["host"].text().startswith(f"Nothing answers at 127.0.0.1:{port}")
    assert dialog.host.hasFocus()

    dialog.host.setText("no-such-server.invalid")
    _click_and_wait(qtbot, dialog, dialog.test_button)
    assert "No computer named “no-such-server.invalid”" in dialog.errors["host"].text()


def test_a_missing_database_and_a_dead_redis_are_both_said(qtbot, tmp_path):
    admin = pg_admin_url()
    if admin is None:
        pytest.skip("PostgreSQL not configured (DCMS_TEST_DATABASE_URL is not set)")
    url = make_url(admin)
    dialog = _dialog(qtbot, tmp_path)
    _fill(dialog, url.host or "", url.port or 5432, "dcms_nowhere_db", url.username or "", "")
    dialog.redis_url.setText(f"redis://127.0.0.1:{free_port()}/0")
    _click_and_wait(qtbot, dialog, dialog.test_button)
    assert "no database named “dcms_nowhere_db”" in dialog.errors["database"].text()
    assert dialog.errors["redis_url"].text().startswith("Nothing answers at redis://127.0.0.1")


def test_saving_keeps_the_password_in_the_keyring_and_asks_for_a_restart(
    qtbot, tmp_path, password_pg, fake_keyring
):
    dialog = _dialog(qtbot, tmp_path)
    _fill(dialog, "127.0.0.1", password_pg.port, "clinic", "postgres", PASSWORD)
    changed: list[str] = []
    dialog.connection_changed.connect(changed.append)
    _click_and_wait(qtbot, dialog, dialog.save_button)
    qtbot.waitUntil(lambda: bool(changed), timeout=WAIT)

    config = tmp_path / "cfg" / "config.toml"
    assert PASSWORD not in config.read_text()
    assert read_config_file(config) == {
        "database_url": f"postgresql+psycopg://postgres@127.0.0.1:{password_pg.port}/clinic"
    }
    settings = _settings(tmp_path)
    assert make_url(complete_database_url(settings.database_url)).password == PASSWORD
    assert "Restart DCMS Desktop" in dialog.restart.text()
    assert changed == ["the clinic server 127.0.0.1, database “clinic”"]
    assert dialog.close_button.text() == "Close"

    # Opened again, the dialog shows the saved server with its password from the keyring.
    again = _dialog(qtbot, tmp_path)
    assert (again.host.text(), again.port.text(), again.password.text()) == (
        "127.0.0.1",
        str(password_pg.port),
        PASSWORD,
    )
    assert "now uses the clinic server 127.0.0.1" in again.now.text()


def test_a_failing_server_is_saved_only_when_the_person_insists(qtbot, tmp_path):
    dialog = _dialog(qtbot, tmp_path)
    _fill(dialog, "127.0.0.1", free_port(), "clinic", "dcms", "secret")
    asked: list[str] = []
    dialog.confirm = lambda title, text: asked.append(title) is None and False
    _click_and_wait(qtbot, dialog, dialog.save_button)
    assert asked == ["Save anyway?"]
    assert not (tmp_path / "cfg" / "config.toml").exists()


def test_using_the_local_database_is_one_click(qtbot, tmp_path):
    config = tmp_path / "cfg" / "config.toml"
    write_config_file(
        config, {"database_url": "postgresql+psycopg://dcms@server/clinic", "workstation": "w1"}
    )
    dialog = _dialog(qtbot, tmp_path)
    assert dialog.host.text() == "server"
    _click_and_wait(qtbot, dialog, dialog.local_button)
    assert read_config_file(config) == {"workstation": "w1"}
    assert dialog.now.text() == "This workstation now uses the local database on this computer."
    assert "Restart DCMS Desktop" in dialog.restart.text()


def test_an_empty_server_database_is_set_up_once_an_admin_confirms(qtbot, tmp_path):
    admin = pg_admin_url()
    if admin is None:
        pytest.skip("PostgreSQL not configured (DCMS_TEST_DATABASE_URL is not set)")
    scratch = create_scratch_pg_database("dcms_connect_gui")
    try:
        url = make_url(scratch)
        dialog = _dialog(qtbot, tmp_path)
        _fill(dialog, url.host or "", url.port or 5432, url.database or "", url.username or "", "")
        _click_and_wait(qtbot, dialog, dialog.test_button)
        assert dialog.upgrade_button.isVisible()
        assert dialog.upgrade_button.text() == "Set up the clinic database…"
        assert "is empty" in dialog.errors["database"].text()

        questions: list[str] = []
        dialog.confirm = lambda title, text: questions.append(text) is None and len(questions) > 1
        qtbot.mouseClick(dialog.upgrade_button, Qt.MouseButton.LeftButton)
        assert "Are you the clinic's admin?" in questions[0]
        assert dialog.upgrade_button.isVisible()  # declined: nothing done

        _click_and_wait(qtbot, dialog, dialog.upgrade_button)
        assert dialog.database_result.text().startswith("✓ Connected to the clinic database")
        assert not dialog.upgrade_button.isVisible()
    finally:
        drop_scratch_pg_database(scratch)


def test_an_environment_variable_that_wins_over_the_saved_server_is_pointed_out(
    qtbot, tmp_path, monkeypatch
):
    monkeypatch.setenv("DCMS_DATABASE_URL", "postgresql+psycopg://dcms@elsewhere/clinic")
    dialog = _dialog(qtbot, tmp_path)
    assert dialog.override.isVisible()
    assert dialog.override.text().startswith("DCMS_DATABASE_URL set on this computer wins")
