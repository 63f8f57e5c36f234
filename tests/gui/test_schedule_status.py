"""Status actions from the book: keys, the context menu and the bar under the book; cancel
asks a reason, no-show and complete ask to be sure; every step records who did it."""

from __future__ import annotations

from datetime import datetime, time

from PySide6.QtCore import Qt
from PySide6.QtGui import QContextMenuEvent
from PySide6.QtWidgets import QMessageBox

from dcms_desktop.domain.enums import AppointmentStatus, Role
from dcms_desktop.views.schedule.status_actions import StatusKind
from tests.gui import schedule_support
from tests.gui.schedule_support import TODAY, block_point, fixed_clock, open_page, tomorrow

# The clinic of each test (a copy of one small demo clinic).
demo_template = schedule_support.demo_template
clinic = schedule_support.clinic


def _select(qtbot, page, status: AppointmentStatus, *, before: time | None = None):
    view = page.current_view()
    entry = next(
        e
        for e in sorted(view.entries(), key=lambda e: e.start)
        if e.status is status and (before is None or e.time < before)
    )
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=block_point(view, entry.id))
    assert view.selected_entry() == entry
    return entry


def test_c_confirms_the_selected_visit_and_records_who(qtbot, clinic):
    page = open_page(qtbot, clinic, day=tomorrow())
    entry = _select(qtbot, page, AppointmentStatus.PENDING)
    assert page.action_buttons[StatusKind.CONFIRM].isEnabled()
    assert not page.action_buttons[StatusKind.COMPLETE].isEnabled()
    with qtbot.waitSignal(page.loaded, timeout=5000):
        qtbot.keyClick(page.day_view, Qt.Key.Key_C)
    stored = clinic.stored(entry.id)
    assert stored.status == AppointmentStatus.CONFIRMED.value
    assert stored.confirmed_by == clinic.actor.user_id
    assert page.day_view.selected_entry().status is AppointmentStatus.CONFIRMED
    assert "is confirmed" in page.message_text_shown()


def test_cancelling_asks_for_a_reason_and_refuses_without_one(qtbot, clinic, screenshot):
    page = open_page(qtbot, clinic, day=tomorrow())
    entry = _select(qtbot, page, AppointmentStatus.CONFIRMED)
    qtbot.keyClick(page.day_view, Qt.Key.Key_Delete)
    dialog = page.cancel_dialog
    assert dialog is not None and dialog.isVisible()
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert dialog.isVisible() and dialog.error.isVisible()
    assert dialog.error.text() == "Give a reason for cancelling"
    assert clinic.stored(entry.id).status == AppointmentStatus.CONFIRMED.value
    screenshot(dialog, "schedule-cancel-dialog")
    qtbot.keyClicks(dialog.reason_box.lineEdit(), "Patient has the flu")
    assert not dialog.error.isVisible()
    with qtbot.waitSignal(page.loaded, timeout=5000):
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    stored = clinic.stored(entry.id)
    assert stored.status == AppointmentStatus.CANCELLED.value
    assert stored.cancellation_reason == "Patient has the flu"
    assert stored.cancelled_by == clinic.actor.user_id
    block = page.day_view.grid_layout().block_for(entry.id)
    assert block is not None and block.faint


def test_keeping_the_visit_in_the_cancel_dialog_changes_nothing(qtbot, clinic):
    page = open_page(qtbot, clinic, day=tomorrow())
    entry = _select(qtbot, page, AppointmentStatus.PENDING)
    qtbot.mouseClick(page.action_buttons[StatusKind.CANCEL], Qt.MouseButton.LeftButton)
    dialog = page.cancel_dialog
    dialog.reason_box.setCurrentIndex(1)
    dialog.reject()
    qtbot.wait(100)
    assert clinic.stored(entry.id).status == AppointmentStatus.PENDING.value


def test_check_in_from_the_context_menu_starts_the_visit(qtbot, clinic):
    page = open_page(qtbot, clinic)
    view = page.day_view
    entry = next(
        e for e in sorted(view.entries(), key=lambda e: e.start)
        if e.status is AppointmentStatus.CONFIRMED
    )  # fmt: skip
    point = block_point(view, entry.id)
    event = QContextMenuEvent(
        QContextMenuEvent.Reason.Mouse, point, view.viewport().mapToGlobal(point)
    )
    view.contextMenuEvent(event)
    menu = page.context_menu
    texts = [a.text() for a in menu.actions() if not a.isSeparator()]
    assert texts[0] == f"{entry.patient_name} · {entry.span}"
    start = page.status_actions.actions[StatusKind.START]
    assert start in menu.actions() and start.isEnabled()
    assert f"Show {entry.dentist_title}'s week" in texts
    with qtbot.waitSignal(page.loaded, timeout=5000):
        start.trigger()
    menu.close()
    assert clinic.stored(entry.id).status == AppointmentStatus.IN_PROGRESS.value


def test_a_no_show_is_asked_about_first(qtbot, clinic):
    clinic.context.clock = fixed_clock(datetime.combine(TODAY, time(16, 30)))
    page = open_page(qtbot, clinic)
    entry = _select(qtbot, page, AppointmentStatus.CONFIRMED, before=time(16, 0))
    qtbot.keyClick(page.day_view, Qt.Key.Key_N)
    box = page.question
    assert box is not None and box.isVisible()
    assert entry.patient_name in box.text() and "can't be undone" in box.text()
    qtbot.mouseClick(box.button(QMessageBox.StandardButton.No), Qt.MouseButton.LeftButton)
    qtbot.wait(100)
    assert clinic.stored(entry.id).status == AppointmentStatus.CONFIRMED.value
    qtbot.keyClick(page.day_view, Qt.Key.Key_N)
    box = page.question
    with qtbot.waitSignal(page.loaded, timeout=5000):
        qtbot.mouseClick(box.button(QMessageBox.StandardButton.Yes), Qt.MouseButton.LeftButton)
    assert clinic.stored(entry.id).status == AppointmentStatus.NO_SHOW.value


def test_a_dentist_completes_a_visit_in_the_chair(qtbot, clinic):
    dentist = clinic.actor_of(Role.DENTIST)
    page = open_page(qtbot, clinic, actor=dentist)
    entry = _select(qtbot, page, AppointmentStatus.IN_PROGRESS)
    assert page.action_buttons[StatusKind.COMPLETE].isEnabled()
    assert not page.action_buttons[StatusKind.CANCEL].isEnabled()
    assert "in-progress" in page.action_buttons[StatusKind.CANCEL].toolTip()
    qtbot.mouseClick(page.action_buttons[StatusKind.COMPLETE], Qt.MouseButton.LeftButton)
    with qtbot.waitSignal(page.loaded, timeout=5000):
        qtbot.mouseClick(
            page.question.button(QMessageBox.StandardButton.Yes), Qt.MouseButton.LeftButton
        )
    stored = clinic.stored(entry.id)
    assert stored.status == AppointmentStatus.COMPLETED.value
    assert stored.completed_by == dentist.user_id


def test_a_step_the_service_refuses_shows_why(qtbot, clinic):
    page = open_page(qtbot, clinic, day=tomorrow())
    entry = _select(qtbot, page, AppointmentStatus.CONFIRMED)
    with qtbot.waitSignal(page.message_shown, timeout=5000) as shown:
        qtbot.keyClick(page.day_view, Qt.Key.Key_I)
    assert "start it on the day" in shown.args[0]
    assert page.message.property("level") == "error"
    assert clinic.stored(entry.id).status == AppointmentStatus.CONFIRMED.value


def test_keys_of_final_visits_do_nothing(qtbot, clinic):
    page = open_page(qtbot, clinic)
    entry = _select(qtbot, page, AppointmentStatus.COMPLETED)
    for kind in StatusKind:
        assert not page.status_actions.actions[kind].isEnabled()
    qtbot.keyClick(page.day_view, Qt.Key.Key_Delete)
    assert page.cancel_dialog is None
    assert clinic.stored(entry.id).status == AppointmentStatus.COMPLETED.value
