"""The Services screen end to end: the real services on a tiny demo clinic (SQLite).

Admins see the catalogue with its filters and edit it (new, edit, deactivate/reactivate,
delete, by button, shortcut or Enter); everyone else reads it without the buttons. The
service form shows each problem next to its field, a taken name included, and a stale
save names who saved first and keeps the edits.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass, replace
from decimal import Decimal
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

from dcms_desktop.data.cache import MemoryCache
from dcms_desktop.data.engine import Database, create_database
from dcms_desktop.data.events import LocalEventBus
from dcms_desktop.domain.enums import PricingModel, ToothChartUse
from dcms_desktop.domain.readmodels.catalog import DentalService, ServiceDraft
from dcms_desktop.domain.readmodels.people import Actor
from dcms_desktop.services.catalog import CatalogService
from dcms_desktop.services.context import ServiceContext
from dcms_desktop.services.demo import generate_demo
from dcms_desktop.views.catalog.service_dialog import ServiceDialog
from dcms_desktop.views.catalog.services_model import Column
from dcms_desktop.views.catalog.services_page import ServicesPage
from tests.factories import actor_for, make_admin, make_staff, write_session

WAIT = 10_000
DEMO_SERVICES = 28


@pytest.fixture(scope="module")
def demo_file(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Path:
    path = tmp_path_factory.mktemp("catalog") / "tiny.db"
    shutil.copyfile(sqlite_template, path)
    database = create_database(f"sqlite:///{path}")
    generate_demo(database, "tiny")
    database.dispose()
    return path


@dataclass
class Clinic:
    database: Database
    context: ServiceContext
    catalog: CatalogService
    admin: Actor
    other_admin: Actor
    staff: Actor

    def service(self, name: str) -> DentalService:
        (found,) = [s for s in self.catalog.list_services(self.admin) if s.name == name]
        return found


@pytest.fixture
def clinic(tmp_path: Path, demo_file: Path) -> Iterator[Clinic]:
    path = tmp_path / "clinic.db"
    shutil.copyfile(demo_file, path)
    database = create_database(f"sqlite:///{path}")
    context = ServiceContext(database, MemoryCache(), LocalEventBus(), "front-desk-1")
    with write_session(database) as s:
        admin = actor_for(make_admin(s, first_name="Ana", last_name="Reyes"))
        other = actor_for(make_admin(s, first_name="Luis", last_name="Cruz"))
        staff = actor_for(make_staff(s, first_name="Rosa", last_name="Flores"))
    try:
        yield Clinic(database, context, CatalogService(context), admin, other, staff)
    finally:
        database.dispose()


def _page(qtbot, clinic: Clinic, actor: Actor | None = None) -> ServicesPage:
    page = ServicesPage(clinic.context, actor or clinic.admin)
    qtbot.addWidget(page)
    page.resize(1176, 680)  # the section's area in a 1366×768 main window
    page.show()
    qtbot.waitExposed(page)
    page.refresh()
    _wait_listed(qtbot, page)
    return page


def _wait_listed(qtbot, page: ServicesPage) -> None:
    qtbot.waitUntil(lambda: page._load_task is not None and page._load_task.done, timeout=WAIT)
    qtbot.waitUntil(lambda: not page.busy.isVisible(), timeout=WAIT)


def _idle(page: ServicesPage) -> bool:
    return page._task is None or page._task.done


def _names(page: ServicesPage) -> list[str]:
    return [page.proxy.service_at(row).name for row in range(page.proxy.rowCount())]


def _select(page: ServicesPage, name: str) -> None:
    page.table.setFocus()
    page.table.selectRow(_names(page).index(name))
    selected = page.selected_service()
    assert selected is not None and selected.name == name


def _cell(page: ServicesPage, name: str, column: Column) -> str:
    return page.proxy.index(_names(page).index(name), column).data()


def test_the_admin_sees_the_whole_catalogue_with_every_column(qtbot, clinic, screenshot):
    page = _page(qtbot, clinic)

    assert page.model.rowCount() == DEMO_SERVICES
    assert page.count.text() == f"{DEMO_SERVICES} services"
    assert _names(page)[:2] == ["In-office teeth whitening", "Porcelain veneers (up to 6 teeth)"]
    filling = "Composite filling"
    assert _cell(page, filling, Column.CATEGORY) == "Restorative"
    assert _cell(page, filling, Column.MODEL) == "Per Tooth"
    assert _cell(page, filling, Column.PRICE) == "1,500.00"
    assert _cell(page, filling, Column.CHART_USE) == "Teeth required"
    assert _cell(page, "Amalgam filling (discontinued)", Column.ACTIVE) == "Inactive"
    header = page.model.headerData(Column.PRICE, Qt.Orientation.Horizontal)
    assert header.startswith("Price (")
    assert page.category_filter.count() == 1 + 9
    for button in page.buttons:
        assert button.isVisible()
    _select(page, filling)
    assert page.edit_action.isEnabled() and page.delete_action.isEnabled()
    shot = screenshot(page, "catalog_services_page_admin")
    assert shot.stat().st_size > 0


def test_search_category_model_and_status_filters_narrow_the_list(qtbot, clinic, screenshot):
    page = _page(qtbot, clinic)

    qtbot.keyClicks(page.search, "filling")
    _wait_listed(qtbot, page)
    qtbot.waitUntil(lambda: page.model.rowCount() == 4, timeout=WAIT)
    assert page.count.text() == "4 services found"

    page.status_filter.setCurrentIndex(page.status_filter.findData("inactive"))
    qtbot.waitUntil(lambda: _names(page) == ["Amalgam filling (discontinued)"], timeout=WAIT)

    page.search.clear()
    page.status_filter.setCurrentIndex(page.status_filter.findData("active"))
    page.category_filter.setCurrentIndex(page.category_filter.findData("Diagnostics"))
    page.model_filter.setCurrentIndex(page.model_filter.findData(PricingModel.PER_FILM))
    qtbot.waitUntil(
        lambda: _names(page) == ["Bitewing X-ray", "Panoramic X-ray", "Periapical X-ray"],
        timeout=WAIT,
    )
    screenshot(page, "catalog_services_page_filtered")


def test_staff_read_the_catalogue_without_any_editing_button(qtbot, clinic, screenshot):
    page = _page(qtbot, clinic, clinic.staff)

    assert page.model.rowCount() == DEMO_SERVICES
    for button in page.buttons:
        assert not button.isVisible()
    _select(page, "Composite filling")
    qtbot.keyClick(page.table, Qt.Key.Key_Return)
    qtbot.keyClick(page.table, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    assert page.dialog is None
    assert "Only an admin" in page.findChild(QLabel, "servicesSubtitle").text()
    screenshot(page, "catalog_services_page_staff")


def test_a_new_service_form_shows_each_problem_next_to_its_field(qtbot, clinic, screenshot):
    page = _page(qtbot, clinic)
    qtbot.keyClick(page.table, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    dialog = page.dialog
    assert isinstance(dialog, ServiceDialog) and dialog.isVisible()
    dialog.resize(dialog.sizeHint())

    qtbot.keyClicks(dialog.price, "12.345")
    assert "two decimal places" in dialog.errors["price"].text()  # checked as typed
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert dialog.errors["name"].text() == "Enter the service's name"
    assert dialog.errors["category"].isVisible()
    assert dialog.focusWidget() is dialog.name
    screenshot(dialog, "catalog_service_dialog_errors")

    dialog.name.setText("composite FILLING")  # taken: the service says so
    dialog.category.setEditText("Restorative")
    dialog.price.setText("1800")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.errors["name"].isVisible(), timeout=WAIT)
    assert "already a service called “Composite filling”" in dialog.errors["name"].text()
    assert dialog.isVisible()
    screenshot(dialog, "catalog_service_dialog_taken_name")

    dialog.name.setText("Composite filling (two surfaces)")
    dialog.duration.setValue(60)
    dialog.pricing_model.setCurrentIndex(dialog.pricing_model.findData(PricingModel.PER_TOOTH))
    dialog.tooth_chart_use.setCurrentIndex(dialog.tooth_chart_use.findData(ToothChartUse.REQUIRED))
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.dialog is None, timeout=WAIT)

    saved = clinic.service("Composite filling (two surfaces)")
    assert (saved.price, saved.duration, saved.needs_teeth) == (Decimal("1800.00"), 60, True)
    assert page.selected_service() == saved
    assert "was added" in page.message.text()


def test_enter_edits_the_selected_service_and_a_stale_save_names_who_saved_first(
    qtbot, clinic, screenshot
):
    page = _page(qtbot, clinic)
    _select(page, "Composite filling")
    qtbot.keyClick(page.table, Qt.Key.Key_Return)
    dialog = page.dialog
    assert isinstance(dialog, ServiceDialog) and dialog.name.text() == "Composite filling"
    dialog.resize(dialog.sizeHint())
    opened = clinic.service("Composite filling")
    clinic.catalog.update_service(
        clinic.other_admin,
        opened.id,
        opened.version,
        replace(ServiceDraft.from_service(opened), duration=50),
    )

    dialog.price.setText("1650.00")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.reload_button.isVisible(), timeout=WAIT)
    assert "Luis Cruz changed Composite filling" in dialog.stale.text()
    screenshot(dialog, "catalog_service_dialog_stale")

    qtbot.mouseClick(dialog.reload_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.reload_button.isVisible(), timeout=WAIT)
    assert (dialog.price.text(), dialog.duration.value()) == ("1650.00", 50)
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.dialog is None, timeout=WAIT)
    saved = clinic.service("Composite filling")
    assert (saved.price, saved.duration) == (Decimal("1650.00"), 50)
    assert _cell(page, "Composite filling", Column.PRICE) == "1,650.00"


def test_deactivating_asks_first_and_reactivating_brings_it_back(qtbot, clinic):
    page = _page(qtbot, clinic)
    asked: list[str] = []
    page.confirm = lambda title, _text: asked.append(title) or True
    _select(page, "Night guard")
    assert page.active_action.text() == "&Deactivate"

    qtbot.keyClick(page.table, Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: _idle(page) and "deactivated" in page.message.text(), timeout=WAIT)

    assert asked == ["Deactivate Night guard?"]
    assert not clinic.service("Night guard").is_active
    assert _cell(page, "Night guard", Column.ACTIVE) == "Inactive"
    assert page.active_action.text() == "Re&activate"
    page.active_action.trigger()
    qtbot.waitUntil(lambda: _idle(page) and "booked again" in page.message.text(), timeout=WAIT)
    assert clinic.service("Night guard").is_active
    assert asked == ["Deactivate Night guard?"]  # reactivating needs no question


def test_a_service_in_use_is_not_deleted_and_an_unused_one_is(qtbot, clinic, screenshot):
    page = _page(qtbot, clinic)
    page.confirm = lambda _title, _text: True
    _select(page, "Composite filling")

    page.delete_action.trigger()
    qtbot.waitUntil(lambda: _idle(page) and page.message.isVisible(), timeout=WAIT)
    assert "is in use" in page.message.text()
    assert "deactivate it instead" in page.message.text()
    assert "Composite filling" in _names(page)
    screenshot(page, "catalog_services_page_delete_refused")

    unused = clinic.catalog.create_service(
        clinic.admin,
        ServiceDraft(name="Mouthguard fitting", category="Preventive", price="900", duration=20),
    )
    page.refresh()
    _wait_listed(qtbot, page)
    _select(page, unused.name)
    page.delete_action.trigger()
    qtbot.waitUntil(lambda: _idle(page) and "was deleted" in page.message.text(), timeout=WAIT)
    assert unused.name not in _names(page)
    assert unused.name not in [s.name for s in clinic.catalog.list_services(clinic.admin)]


def test_a_change_saved_at_another_workstation_shows_up_by_itself(qtbot, clinic):
    page = _page(qtbot, clinic)
    elsewhere = ServiceContext(clinic.database, MemoryCache(), clinic.context.bus, "ws-2")
    CatalogService(elsewhere).create_service(
        clinic.other_admin,
        ServiceDraft(name="Tongue tie release", category="Oral Surgery", price="5000", duration=45),
    )
    qtbot.waitUntil(lambda: "Tongue tie release" in _names(page), timeout=WAIT)


def test_sorting_by_price_orders_by_amount_not_by_text(qtbot, clinic):
    page = _page(qtbot, clinic)
    page.table.sortByColumn(Column.PRICE, Qt.SortOrder.AscendingOrder)
    prices = [page.proxy.service_at(row).price for row in range(page.proxy.rowCount())]
    assert prices == sorted(prices)
    assert prices[0] < Decimal("1000") < prices[-1]


def test_the_page_reads_the_catalogue_when_first_shown_and_ctrl_f_finds(qtbot, clinic):
    page = ServicesPage(clinic.context, clinic.admin)
    qtbot.addWidget(page)
    page.show()
    qtbot.waitUntil(lambda: page.model.rowCount() == DEMO_SERVICES, timeout=WAIT)
    page.table.setFocus()
    page.focus_search()
    qtbot.keyClicks(page.search, "x-ray")
    qtbot.keyClick(page.search, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: page.model.rowCount() == 3, timeout=WAIT)
