"""Completing a visit whose supplies ran short tells the dentist what was missing, in a
message of its own; a visit with everything in stock shows none."""

from __future__ import annotations

from decimal import Decimal

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from dcms_desktop.data.models import ServiceInventoryMapping
from dcms_desktop.domain.enums import AppointmentStatus, Role
from dcms_desktop.services.inventory import InventoryService, ItemForm
from dcms_desktop.services.scheduling import SchedulingService
from dcms_desktop.views.schedule.status_actions import StatusKind, short_supply_text
from tests.factories import write_session
from tests.gui import schedule_support
from tests.gui.schedule_support import open_page

demo_template = schedule_support.demo_template
clinic = schedule_support.clinic


def _in_progress(qtbot, page):
    view = page.current_view()
    entry = next(
        e for e in sorted(view.entries(), key=lambda e: e.start)
        if e.status is AppointmentStatus.IN_PROGRESS
    )  # fmt: skip
    qtbot.mouseClick(
        view.viewport(),
        Qt.MouseButton.LeftButton,
        pos=schedule_support.block_point(view, entry.id),
    )
    return entry


def _complete(qtbot, page) -> None:
    qtbot.mouseClick(page.action_buttons[StatusKind.COMPLETE], Qt.MouseButton.LeftButton)
    with qtbot.waitSignal(page.loaded, timeout=10_000):
        qtbot.mouseClick(
            page.question.button(QMessageBox.StandardButton.Yes), Qt.MouseButton.LeftButton
        )


def test_a_completion_short_of_supplies_tells_the_dentist_what_was_missing(
    qtbot, clinic, screenshot
) -> None:
    dentist = clinic.actor_of(Role.DENTIST)
    admin = clinic.actor_of(Role.ADMIN)
    page = open_page(qtbot, clinic, actor=dentist)
    entry = _in_progress(qtbot, page)
    visit = SchedulingService(clinic.context).get_appointment(admin, entry.id)
    empty = InventoryService(clinic.context).create_item(
        admin,
        ItemForm(
            name="Lidocaine 2% (test lot)",
            category="Anesthetics",
            unit="cartridge",
            cost_per_unit=Decimal("18.75"),
            min_stock=10,
            max_stock=50,
            expiration_date=clinic.context.local_now().date().replace(year=2031),
        ),
    )
    service_id = next(line.service_id for line in visit.services if line.service_id)
    with write_session(clinic.database) as session:
        session.add(
            ServiceInventoryMapping(
                service_id=service_id,
                inventory_item_id=empty.id,
                quantity_used=Decimal("2"),
                is_required=True,
            )
        )

    _complete(qtbot, page)

    qtbot.waitUntil(lambda: page.short_supply is not None, timeout=10_000)
    box = page.short_supply
    assert box.isVisible()
    assert "Lidocaine 2% (test lot) — 2 cartridges missing" in box.text()
    assert "recorded for review" in box.text()
    shortfalls = InventoryService(clinic.context).shortfalls_for_appointment(dentist, entry.id)
    assert short_supply_text(shortfalls) == (
        "Stock ran short: Lidocaine 2% (test lot) — 2 cartridges missing; recorded for review."
    )
    qtbot.wait(50)
    screenshot(box, "inventory_short_supply_message")
    box.accept()


def test_a_completion_with_everything_in_stock_shows_no_short_supply_message(qtbot, clinic) -> None:
    dentist = clinic.actor_of(Role.DENTIST)
    page = open_page(qtbot, clinic, actor=dentist)
    entry = _in_progress(qtbot, page)
    _complete(qtbot, page)
    assert clinic.stored(entry.id).status == AppointmentStatus.COMPLETED.value
    assert page.short_supply is None
    assert "is completed" in page.message_text_shown()
