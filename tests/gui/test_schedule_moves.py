"""Moving visits on the book with the mouse: refused moves snap back with the reason,
accepted ones can be undone, the bottom edge changes the length."""

from __future__ import annotations

import itertools
from datetime import datetime, time

from PySide6.QtCore import QPoint, Qt

from dcms_desktop.domain.enums import AppointmentStatus
from dcms_desktop.domain.readmodels.scheduling import ScheduleEntry
from dcms_desktop.services.scheduling import SchedulingService
from tests.gui import schedule_support
from tests.gui.schedule_support import (
    block_point,
    drag,
    free_minute,
    open_page,
    tomorrow,
)

# The clinic of each test (a copy of one small demo clinic).
demo_template = schedule_support.demo_template
clinic = schedule_support.clinic


def _minute(entry: ScheduleEntry) -> int:
    return entry.time.hour * 60 + entry.time.minute


def _two_visits_of_one_dentist(entries) -> tuple[ScheduleEntry, ScheduleEntry]:
    """Two active visits of one dentist, the second starting within three hours."""
    active = sorted((e for e in entries if e.is_active), key=lambda e: (e.dentist_id, e.start))
    for first, second in itertools.pairwise(active):
        if first.dentist_id == second.dentist_id and 0 < _minute(second) - _minute(first) <= 180:
            return first, second
    raise AssertionError("no two close visits of one dentist tomorrow")


def _drag_by_minutes(qtbot, view, entry: ScheduleEntry, minutes: int, *, at: str = "centre"):
    start = block_point(view, entry.id, at=at)
    pixels = minutes * view.grid_layout().pixels_per_minute
    drag(qtbot, view, start, QPoint(start.x(), start.y() + round(pixels)))


def test_a_move_onto_another_visit_is_refused_with_the_visit_named_and_snaps_back(qtbot, clinic):
    page = open_page(qtbot, clinic, day=tomorrow())
    view = page.day_view
    moved, in_the_way = _two_visits_of_one_dentist(view.entries())
    before = view.grid_layout().block_for(moved.id).rect

    with qtbot.waitSignal(page.message_shown, timeout=5000) as shown:
        _drag_by_minutes(qtbot, view, moved, _minute(in_the_way) - _minute(moved))
    message = shown.args[0]
    assert in_the_way.patient_name in message
    assert in_the_way.span in message
    assert page.message.property("level") == "error"
    assert view.pending_move() is None, "the visit snapped back"
    qtbot.waitUntil(lambda: view.grid_layout().block_for(moved.id) is not None)
    assert view.grid_layout().block_for(moved.id).rect == before
    stored = clinic.stored(moved.id)
    assert (stored.appointment_time, stored.version) == (moved.time, moved.version)
    assert not page.can_undo()


def test_a_move_to_a_free_slot_is_saved_and_ctrl_z_puts_it_back(qtbot, clinic):
    page = open_page(qtbot, clinic, day=tomorrow())
    view = page.day_view
    entries = view.entries()
    moved = next(e for e in entries if e.is_active and _minute(e) >= 10 * 60)
    column = next(
        c.index for c in view.grid_layout().columns if c.spec.dentist_id != moved.dentist_id
    )
    target = view.columns()[column]
    free = free_minute(entries, target.dentist_id, moved.duration)
    start = block_point(view, moved.id)
    rows = (free - _minute(moved)) * view.grid_layout().pixels_per_minute
    end_x = view.to_viewport(view.grid_layout().columns[column].body.x + 20, 0).x()
    with qtbot.waitSignal(page.loaded, timeout=5000):
        drag(qtbot, view, start, QPoint(end_x, start.y() + round(rows)))
    stored = clinic.stored(moved.id)
    assert stored.dentist_id == target.dentist_id
    assert stored.appointment_time == time(free // 60, free % 60)
    assert "Ctrl+Z undoes it" in page.message_text_shown()
    assert view.grid_layout().block_for(moved.id).column == column
    assert page.can_undo()

    view.setFocus()
    with qtbot.waitSignal(page.loaded, timeout=5000):
        qtbot.keyClick(view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    stored = clinic.stored(moved.id)
    assert (stored.dentist_id, stored.appointment_time) == (moved.dentist_id, moved.time)
    assert "Move undone" in page.message_text_shown()
    assert not page.can_undo()


def test_undo_is_refused_when_another_workstation_changed_the_visit_since(qtbot, clinic):
    page = open_page(qtbot, clinic, day=tomorrow())
    view = page.day_view
    entries = view.entries()
    moved = next(e for e in entries if e.status is AppointmentStatus.PENDING)
    free = free_minute(entries, moved.dentist_id, moved.duration)
    with qtbot.waitSignal(page.loaded, timeout=5000):
        _drag_by_minutes(qtbot, view, moved, free - _minute(moved))
    assert clinic.stored(moved.id).appointment_time == time(free // 60, free % 60)
    other = SchedulingService(clinic.another_workstation())
    version = clinic.stored(moved.id).version
    other.confirm(clinic.actor, moved.id, expected_version=version)
    with qtbot.waitSignal(page.message_shown, timeout=5000) as shown:
        page.undo_move()
    assert shown.args[0].startswith("The move could not be undone")
    assert clinic.stored(moved.id).appointment_time == time(free // 60, free % 60)


def test_dragging_the_bottom_edge_makes_the_visit_longer(qtbot, clinic):
    page = open_page(qtbot, clinic, day=tomorrow())
    view = page.day_view
    entries = view.entries()
    longer = None
    for entry in sorted((e for e in entries if e.is_active), key=lambda e: e.start):
        ends = _minute(entry) + entry.duration
        others = [
            e
            for e in entries
            if e.dentist_id == entry.dentist_id and e.is_active and e.id != entry.id
        ]
        if all(
            _minute(o) >= ends + 30 or _minute(o) + o.duration <= _minute(entry) for o in others
        ):
            longer = entry
            break
    assert longer is not None
    with qtbot.waitSignal(page.loaded, timeout=5000):
        _drag_by_minutes(qtbot, view, longer, 30, at="bottom")
    assert clinic.stored(longer.id).duration == longer.duration + 30
    block = view.grid_layout().block_for(longer.id)
    assert block.end_minute - block.start_minute == longer.duration + 30


def test_a_visit_dropped_where_it_was_is_not_moved(qtbot, clinic):
    page = open_page(qtbot, clinic, day=tomorrow())
    view = page.day_view
    entry = next(e for e in view.entries() if e.is_active)
    point = block_point(view, entry.id)
    drag(qtbot, view, point, QPoint(point.x() + 2, point.y() + 3))
    assert view.pending_move() is None and not page.can_undo()
    assert clinic.stored(entry.id).version == entry.version
    assert view.selected_entry().id == entry.id
    assert datetime.combine(entry.date, entry.time) == entry.start


def test_a_visit_in_the_chair_can_run_longer_but_cannot_move(qtbot, clinic):
    page = open_page(qtbot, clinic)
    view = page.day_view
    entries = view.entries()

    def room_after(entry: ScheduleEntry) -> int:
        ends = _minute(entry) + entry.duration
        later = [
            _minute(e)
            for e in entries
            if e.dentist_id == entry.dentist_id and e.is_active and _minute(e) >= ends
        ]
        return min(later, default=24 * 60) - ends

    running = next(
        e for e in entries if e.status is AppointmentStatus.IN_PROGRESS and room_after(e) >= 15
    )
    _drag_by_minutes(qtbot, view, running, 60)
    assert view.pending_move() is None and page.message_text_shown() == ""
    with qtbot.waitSignal(page.loaded, timeout=5000):
        _drag_by_minutes(qtbot, view, running, 15, at="bottom")
    stored = clinic.stored(running.id)
    assert (stored.appointment_time, stored.duration) == (running.time, running.duration + 15)


def test_a_completed_visit_cannot_be_dragged(qtbot, clinic):
    page = open_page(qtbot, clinic)
    view = page.day_view
    done = next(e for e in view.entries() if e.status is AppointmentStatus.COMPLETED)
    _drag_by_minutes(qtbot, view, done, 120)
    assert view.pending_move() is None
    assert clinic.stored(done.id).version == done.version
    assert view.selected_entry().id == done.id
