"""The clinic settings screen end to end, on a tiny demo clinic (SQLite).

Fields are checked as typed; a save reaches every workstation; the logo is chosen from a
PNG or JPEG file and stored as PNG; and when another admin saved in between, the save is
refused with who and when, the edits stay, and Reload merges theirs with ours.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QImage

from dcms_desktop.data.cache import MemoryCache
from dcms_desktop.data.engine import create_database
from dcms_desktop.data.events import LocalEventBus
from dcms_desktop.domain.enums import Role
from dcms_desktop.services.context import ServiceContext
from dcms_desktop.services.settings import SettingsService
from dcms_desktop.views.admin.page import AdminPage
from dcms_desktop.views.admin.settings_page import SettingsPage
from dcms_desktop.views.main_window import MainWindow, StatusInfo
from tests.gui.test_admin_users import WAIT, Clinic, make_demo_file, open_clinic

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def demo_file(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path):
    return make_demo_file(tmp_path_factory, sqlite_template)


@pytest.fixture
def clinic(tmp_path: Path, demo_file) -> Iterator[Clinic]:
    with open_clinic(tmp_path, demo_file) as opened:
        yield opened


@pytest.fixture
def other_workstation(clinic: Clinic) -> Iterator[SettingsService]:
    """The settings service of a second workstation on the same clinic database."""
    database = create_database(clinic.database.url)
    yield SettingsService(ServiceContext(database, MemoryCache(), LocalEventBus(), "desk-2"))
    database.dispose()


def _page(qtbot, clinic: Clinic) -> SettingsPage:
    page = SettingsPage(clinic.admin.actor, SettingsService(clinic.context))
    qtbot.addWidget(page)
    page.resize(1176, 680)
    page.show()
    qtbot.waitExposed(page)
    page.activateWindow()
    qtbot.waitUntil(page.isActiveWindow)
    page.refresh()
    qtbot.waitUntil(lambda: _idle(page) and page._opened is not None, timeout=WAIT)
    return page


def _idle(page: SettingsPage) -> bool:
    return page._task is None or page._task.done


def _image(path: Path, fmt: str, width: int = 1200, height: int = 400) -> Path:
    image = QImage(width, height, QImage.Format.Format_RGB32)
    image.fill(QColor("#2680c2"))
    assert image.save(str(path), fmt)
    return path


def _saved(qtbot, page: SettingsPage) -> None:
    qtbot.mouseClick(page.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: _idle(page), timeout=WAIT)


def test_the_form_opens_with_the_clinics_settings_and_nothing_to_save(qtbot, clinic):
    page = _page(qtbot, clinic)
    assert page.inputs["clinic_name"].text() == "Bright Smile Dental Clinic"
    assert page.inputs["tax_rate"].text() == "12"
    assert page.inputs["currency"].text() == "PHP"
    assert page.inputs["payment_terms_days"].value() == 30
    assert not page.save_button.isEnabled()
    assert not page.is_dirty()


def test_saved_settings_reach_every_workstation_with_the_logo_stored_as_png(
    qtbot, clinic, tmp_path, other_workstation
):
    page = _page(qtbot, clinic)
    saved_signals: list[object] = []
    page.saved.connect(saved_signals.append)
    page.inputs["clinic_name"].setText("Bright Smile Dental, Makati")
    page.inputs["tax_rate"].setText("12.5")
    page.inputs["currency"].setText("usd")
    page.inputs["payment_terms_days"].setValue(45)
    page.inputs["invoice_footer"].setPlainText("Thank you for smiling with us.")
    page.inputs["idle_lock_minutes"].setValue(5)
    grid = page.inputs["schedule_grid_minutes"]
    grid.setCurrentIndex(grid.findData(10))
    page.set_logo_from_file(_image(tmp_path / "logo.jpg", "JPEG"))
    assert page.logo_preview.pixmap() is not None and not page.logo_preview.pixmap().isNull()
    assert page.save_button.isEnabled()

    qtbot.keyClick(page.inputs["clinic_name"], Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: _idle(page) and not page.is_dirty(), timeout=WAIT)

    assert page.message.text().startswith("Saved at")
    shared = other_workstation.get(clinic.admin.actor)
    assert shared.clinic_name == "Bright Smile Dental, Makati"
    assert (shared.tax_rate, shared.currency, shared.payment_terms_days) == (
        Decimal("12.50"),
        "USD",
        45,
    )
    assert shared.invoice_footer == "Thank you for smiling with us."
    assert (shared.idle_lock_minutes, shared.schedule_grid_minutes) == (5, 10)
    assert shared.logo_png is not None and shared.logo_png.startswith(PNG_SIGNATURE)
    logo = QImage.fromData(shared.logo_png)
    assert (logo.width(), logo.height()) == (600, 200)  # shrunk to fit an invoice header
    assert len(saved_signals) == 1
    assert page.inputs["currency"].text() == "USD"


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("tax_rate", "101", "The tax rate must be between 0 and 100 %"),
        ("tax_rate", "twelve", '"twelve" is not a percentage'),
        ("currency", "PH", "Use a three-letter currency code, like USD"),
        ("clinic_name", "  ", "The clinic needs a name"),
        ("email", "hello at clinic", "Write the clinic's email like hello@clinic.com"),
    ],
)
def test_a_wrong_value_is_told_next_to_its_field_as_typed_and_blocks_saving(
    qtbot, clinic, other_workstation, name, value, message
):
    page = _page(qtbot, clinic)
    page.inputs[name].setText(value)
    assert page.errors[name].isVisible()
    assert page.errors[name].text() == message
    qtbot.mouseClick(page.save_button, Qt.MouseButton.LeftButton)
    assert page.message.text() == "Fix the fields marked in red, then save."
    assert page.inputs[name].hasFocus()
    assert other_workstation.get(clinic.admin.actor).version == page._opened.version


def test_a_file_that_is_not_an_image_is_refused_next_to_the_logo(qtbot, clinic, tmp_path):
    page = _page(qtbot, clinic)
    text = tmp_path / "notes.png"
    text.write_text("not an image")
    page.set_logo_from_file(text)
    assert page.errors["logo_png"].text() == "That file is not a PNG or JPEG image."
    assert not page.is_dirty()


def test_undo_changes_puts_back_the_values_as_opened(qtbot, clinic):
    page = _page(qtbot, clinic)
    page.inputs["phone"].setText("555-0100")
    page.inputs["idle_lock_minutes"].setValue(30)
    assert page.revert_button.isEnabled()
    qtbot.mouseClick(page.revert_button, Qt.MouseButton.LeftButton)
    assert not page.is_dirty()
    assert page.inputs["idle_lock_minutes"].value() == 10


def test_a_save_after_another_admin_saved_names_them_keeps_the_edits_and_reload_merges(
    qtbot, clinic, other_workstation, screenshot
):
    ana = clinic.second_admin()
    page = _page(qtbot, clinic)
    page.inputs["clinic_name"].setText("Bright Smile Dental, Makati")
    page.inputs["phone"].setText("02 8555 0101")

    opened = other_workstation.get(ana)
    theirs = other_workstation.update(
        ana, {"phone": "02 8555 0199", "payment_terms_days": 15}, opened.version
    )

    _saved(qtbot, page)
    when = theirs.updated_at.astimezone()
    assert page.stale.isVisible()
    assert page.stale.text() == (
        f"Ana Reyes saved the clinic settings at {when:%H:%M} after you opened it. Your "
        "changes are still here: reload to see theirs, or close."
    )
    assert page.inputs["clinic_name"].text() == "Bright Smile Dental, Makati"
    assert page.inputs["phone"].text() == "02 8555 0101"
    assert page.reload_button.isVisible()
    screenshot(page, "admin-settings-stale")

    qtbot.mouseClick(page.reload_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: _idle(page) and not page.stale.isVisible(), timeout=WAIT)
    assert page.inputs["payment_terms_days"].value() == 15  # theirs
    assert page.inputs["clinic_name"].text() == "Bright Smile Dental, Makati"  # mine
    assert page.inputs["phone"].text() == "02 8555 0101"  # both changed: mine, with a note
    assert "Also changed by the other admin (to “02 8555 0199”)" in page.errors["phone"].text()

    _saved(qtbot, page)
    final = other_workstation.get(ana)
    assert (final.clinic_name, final.phone, final.payment_terms_days) == (
        "Bright Smile Dental, Makati",
        "02 8555 0101",
        15,
    )


def test_the_settings_tab_renders_at_1366x768(qtbot, clinic, tmp_path, screenshot):
    page = AdminPage(clinic.context, clinic.admin)
    window = MainWindow(
        "DCMS Desktop — demo clinic",
        StatusInfo("SQLite clinic.db", "Live sync: this workstation only", "Workstation: ws-1"),
        {"admin": page},
        role=Role.ADMIN,
    )
    qtbot.addWidget(window)
    window.resize(1366, 768)
    window.show()
    qtbot.waitExposed(window)
    window.show_section(len(window.section_titles()) - 1)
    page.show_settings()
    settings = page.settings
    qtbot.waitUntil(lambda: _idle(settings) and settings._opened is not None, timeout=WAIT)
    settings.set_logo_from_file(_image(tmp_path / "logo.png", "PNG", 480, 160))
    settings.inputs["tax_rate"].setText("120")
    qtbot.wait(50)
    screenshot(window, "admin-settings-1366x768")
    assert settings.errors["tax_rate"].isVisible()


def test_f5_on_the_settings_tab_reads_them_again_keeping_unsaved_edits(
    qtbot, clinic, other_workstation
):
    page = AdminPage(clinic.context, clinic.admin)
    qtbot.addWidget(page)
    page.show()
    page.show_settings()
    settings = page.settings
    qtbot.waitUntil(lambda: _idle(settings) and settings._opened is not None, timeout=WAIT)
    settings.inputs["tax_id"].setText("TIN 111-222-333-000")
    opened = other_workstation.get(clinic.admin.actor)
    other_workstation.update(
        clinic.admin.actor, {"invoice_footer": "See you soon."}, opened.version
    )

    page.refresh()
    qtbot.waitUntil(
        lambda: _idle(settings) and settings._opened.version == opened.version + 1, timeout=WAIT
    )
    assert settings.inputs["invoice_footer"].toPlainText() == "See you soon."
    assert settings.inputs["tax_id"].text() == "TIN 111-222-333-000"
    assert settings.is_dirty()


def test_a_save_on_another_workstation_shows_up_or_is_offered_over_unsaved_edits(qtbot, clinic):
    page = AdminPage(clinic.context, clinic.admin)
    qtbot.addWidget(page)
    page.show()
    page.show_settings()
    settings = page.settings
    qtbot.waitUntil(lambda: _idle(settings) and settings._opened is not None, timeout=WAIT)
    # A second workstation on the same database and the same bus.
    database = create_database(clinic.database.url)
    desk_2 = SettingsService(ServiceContext(database, MemoryCache(), clinic.context.bus, "desk-2"))
    try:
        opened = desk_2.get(clinic.admin.actor)
        desk_2.update(clinic.admin.actor, {"phone": "02 8555 0111"}, opened.version)
        qtbot.waitUntil(lambda: settings.inputs["phone"].text() == "02 8555 0111", timeout=WAIT)
        assert not settings.is_dirty()

        settings.inputs["tax_id"].setText("TIN 999")
        desk_2.update(clinic.admin.actor, {"phone": "02 8555 0222"}, opened.version + 1)
        qtbot.waitUntil(settings.stale.isVisible, timeout=WAIT)
        assert settings.stale.text().startswith("Another admin has just saved")
        assert settings.inputs["phone"].text() == "02 8555 0111"  # not under their feet
        qtbot.mouseClick(settings.reload_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: settings.inputs["phone"].text() == "02 8555 0222", timeout=WAIT)
        assert settings.inputs["tax_id"].text() == "TIN 999"
    finally:
        database.dispose()
