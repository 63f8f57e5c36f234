"""The supplies editor, opened from the Services screen on a tiny demo clinic (SQLite):
it shows what a service uses, finds items as they are typed, adds and removes rows, puts
each refusal on its row, saves what the completion will deduct, and refuses to overwrite
supplies another admin saved meanwhile."""

from __future__ import annotations

from decimal import Decimal

from PySide6.QtCore import Qt

from dcms_desktop.domain.readmodels.catalog import MappingDraft
from dcms_desktop.services.inventory import InventoryService
from dcms_desktop.views.catalog.mappings_editor import MappingsEditor, SupplyRow
from tests.gui import test_catalog_page as page_tests
from tests.gui.test_catalog_page import WAIT, Clinic, _page, _select

# The Services screen's clinic: a copy of a tiny demo per test.
demo_file = page_tests.demo_file
clinic = page_tests.clinic

ROOT_CANAL = "Root canal treatment (molar)"


def _editor(qtbot, clinic: Clinic, name: str = ROOT_CANAL) -> MappingsEditor:
    page = _page(qtbot, clinic)
    _select(page, name)
    qtbot.keyClick(page.table, Qt.Key.Key_U, Qt.KeyboardModifier.ControlModifier)
    editor = page.dialog
    assert isinstance(editor, MappingsEditor) and editor.isVisible()
    qtbot.waitUntil(lambda: editor.save_button.isEnabled(), timeout=WAIT)
    qtbot.waitUntil(lambda: all(row.item.isVisible() for row in editor.rows), timeout=WAIT)
    return editor


def _choose(row: SupplyRow, item_name: str) -> None:
    index = next(i for i in range(row.item.count()) if row.item.itemText(i).startswith(item_name))
    row.item.setCurrentIndex(index)


def _item_id(clinic: Clinic, name: str):
    (item,) = [i for i in InventoryService(clinic.context).items(clinic.admin) if i.name == name]
    return item.id


def test_the_editor_shows_the_supplies_the_service_uses(qtbot, clinic, screenshot):
    saved = clinic.catalog.mappings(clinic.admin, clinic.service(ROOT_CANAL).id)
    editor = _editor(qtbot, clinic)

    assert len(editor.rows) == len(saved) == 5
    for row, mapping in zip(editor.rows, saved, strict=True):
        assert row.item_id() == mapping.item.id
        assert row.required.isChecked() == mapping.is_required
        assert row.per_tooth_on.isChecked() == (mapping.per_tooth_quantity is not None)
    assert not editor.empty.isVisible()
    screenshot(editor, "catalog_mappings_editor")


def test_each_problem_lands_on_its_row_and_nothing_is_saved(qtbot, clinic, screenshot):
    service = clinic.service(ROOT_CANAL)
    before = clinic.catalog.mappings(clinic.admin, service.id)
    editor = _editor(qtbot, clinic)

    qtbot.mouseClick(editor.add_button, Qt.MouseButton.LeftButton)
    new = editor.rows[-1]
    assert new.number == 6
    qtbot.waitUntil(lambda: editor.focusWidget() is new.item, timeout=WAIT)
    qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
    assert "Row 6: choose an item" in new.error.text()

    new.item.setEditText(editor.rows[0].item.currentText())  # typed: an item already used
    qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "already on row 1" in new.error.text(), timeout=WAIT)

    editor.remove_row(new)
    editor.rows[1].quantity.setText("0")
    qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: editor.rows[1].error.isVisible(), timeout=WAIT)
    assert editor.rows[1].error.text() == "Row 2: The quantity used is at least 1"
    assert editor.rows[1].quantity.property("invalid") is True
    assert editor.isVisible()
    screenshot(editor, "catalog_mappings_editor_errors")
    assert clinic.catalog.mappings(clinic.admin, service.id) == before


def test_saved_rows_are_the_service_s_supplies_in_order(qtbot, clinic, screenshot):
    service = clinic.service("Composite filling")
    editor = _editor(qtbot, clinic, "Composite filling")
    count = len(editor.rows)
    editor.remove_row(editor.rows[0])
    row = editor.add_row(focus=True)
    items = InventoryService(clinic.context).items(clinic.admin)
    used = {r.item_id() for r in editor.rows}
    free = [i for i in items if i.id not in used]
    _choose(row, free[0].name)
    row.quantity.setText("2")
    row.per_tooth_on.setChecked(True)
    row.per_tooth.setText("0.5")
    row.required.setChecked(False)
    row.menu.aboutToShow.emit()
    actions = [a for a in row.menu.actions() if a.text().startswith(free[2].name)]
    actions[0].trigger()
    row.set_alternatives([*row.alternatives, free[1].id])
    assert row.alternatives_button.text().startswith(free[2].name)
    qtbot.waitUntil(lambda: row.item.isVisible(), timeout=WAIT)
    screenshot(editor, "catalog_mappings_editor_new_row")

    page = editor.parent()
    qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.dialog is None, timeout=WAIT)

    saved = clinic.catalog.mappings(clinic.admin, service.id)
    assert len(saved) == count
    last = saved[-1]
    assert (last.item.id, last.quantity_used, last.per_tooth_quantity, last.is_required) == (
        free[0].id,
        Decimal("2.00"),
        Decimal("0.50"),
        False,
    )
    assert [ref.id for ref in last.alternatives] == [free[2].id, free[1].id]
    assert f"Composite filling now uses {count} supply items." in page.message.text()


def test_supplies_saved_elsewhere_meanwhile_are_not_overwritten(qtbot, clinic, screenshot):
    service = clinic.service(ROOT_CANAL)
    editor = _editor(qtbot, clinic)
    bib = _item_id(clinic, editor.rows[0].item.currentText().split(" (")[0])
    clinic.catalog.save_mappings(clinic.other_admin, service.id, [MappingDraft(item_id=bib)])

    editor.rows[0].quantity.setText("3")
    qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: editor.reload_button.isVisible(), timeout=WAIT)
    assert f"{clinic.other_admin.email} changed the supplies of {ROOT_CANAL}" in (
        editor.stale.text()
    )
    screenshot(editor, "catalog_mappings_editor_stale")

    qtbot.mouseClick(editor.reload_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(editor.rows) == 1 and editor.save_button.isEnabled(), timeout=WAIT)
    assert not editor.reload_button.isVisible()
    assert editor.rows[0].item_id() == bib
