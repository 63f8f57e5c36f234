"""The Schedule section on a small demo clinic: what the day and week views show, the
toolbar, the live refresh from another workstation, the printed day list."""

from __future__ import annotations

import uuid
from datetime import datetime, time, timedelta

import pytest
from PySide6.QtCore import Qt

from dcms_desktop.domain.enums import AppointmentStatus, Role
from dcms_desktop.services.scheduling import SchedulingService
from dcms_desktop.views.schedule.booking_dialog import index_of
from dcms_desktop.views.schedule.geometry import Metrics
from dcms_desktop.views.schedule.week_view import monday_of
from tests.gui import schedule_support
from tests.gui.schedule_support import (
    NOW,
    TODAY,
    entries_on,
    free_minute,
    open_page,
    slot_point,
    tomorrow,
)

# The clinic of each test (a copy of one small demo clinic).
demo_template = schedule_support.demo_template
clinic = schedule_support.clinic


def test_the_day_view_shows_a_column_per_dentist_and_every_visit_of_the_day(
    qtbot, clinic, screenshot
):
    busiest = clinic.busiest_day()
    page = open_page(qtbot, clinic, day=busiest)
    view = page.day_view
    dentists = clinic.backend().scheduling.dentists(clinic.actor)
    titles = [c.title for c in view.columns()]
    assert titles == [d.display_name for d in dentists]
    expected = entries_on(clinic, busiest)
    assert {b.entry.id for b in view.grid_layout().blocks} == {e.id for e in expected}
    # Columns fit side by side at 1366 px: no sideways scrolling.
    assert view.grid_layout().width <= view.viewport().width() + 1
    assert page.title.text().startswith(f"{busiest:%A}")
    screenshot(page, "schedule-day-busiest-1366x768")


def test_today_shows_the_current_time_line_and_scrolls_to_it(qtbot, clinic, screenshot):
    page = open_page(qtbot, clinic)
    assert page.day() == TODAY
    layout = page.day_view.grid_layout()
    assert layout.now_line is not None and layout.now_line.label == "11:40"
    scrolled = page.day_view.verticalScrollBar().value()
    assert 0 < scrolled <= layout.now_line.y
    assert page.title.text().startswith("Today")
    screenshot(page, "schedule-day-today-1366x768")


def test_hiding_cancelled_and_no_show_visits_takes_them_off_the_book(qtbot, clinic):
    page = open_page(qtbot, clinic, day=clinic.busiest_day())
    blocks = page.day_view.grid_layout().blocks
    inactive = {b.entry.id for b in blocks if not b.entry.is_active}
    assert inactive, "the busiest demo day has cancelled or no-show visits"
    page.show_cancelled.setChecked(False)
    shown = {b.entry.id for b in page.day_view.grid_layout().blocks}
    assert not shown & inactive
    assert len(shown) == len(blocks) - len(inactive)


def test_previous_next_today_and_the_date_picker_move_through_the_days(qtbot, clinic):
    page = open_page(qtbot, clinic)
    with qtbot.waitSignal(page.loaded):
        qtbot.mouseClick(page.next_button, Qt.MouseButton.LeftButton)
    assert page.day() == TODAY + timedelta(days=1)
    assert page.title.text().startswith("Tomorrow")
    assert page.date_edit.date().toPython() == TODAY + timedelta(days=1)
    with qtbot.waitSignal(page.loaded):
        qtbot.mouseClick(page.previous_button, Qt.MouseButton.LeftButton)
        qtbot.mouseClick(page.previous_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.day_view.day() == TODAY - timedelta(days=1))
    with qtbot.waitSignal(page.loaded):
        page.date_edit.setDate(page.date_edit.date().addDays(10))
    assert page.day_view.day() == TODAY + timedelta(days=9)
    with qtbot.waitSignal(page.loaded):
        qtbot.mouseClick(page.today_button, Qt.MouseButton.LeftButton)
    assert page.day_view.day() == TODAY
    assert {e.id for e in page.day_view.entries()} == {e.id for e in entries_on(clinic, TODAY)}


def test_the_grid_follows_the_clinic_setting_and_the_toolbar(qtbot, clinic):
    page = open_page(qtbot, clinic)
    setting = clinic.backend().scheduling.grid_minutes(clinic.actor)
    assert page.grid_minutes() == setting == page.day_view.grid_minutes()
    page.grid_combo.setCurrentIndex(page.grid_combo.findData(5))
    assert page.day_view.grid_minutes() == 5
    lines = page.day_view.grid_layout().lines
    assert lines[1].minute - lines[0].minute == 5


def test_the_week_view_shows_one_dentists_seven_days(qtbot, clinic, screenshot):
    page = open_page(qtbot, clinic)
    dentists = clinic.backend().scheduling.dentists(clinic.actor)
    second = dentists[1]
    with qtbot.waitSignal(page.loaded):
        qtbot.mouseClick(page.week_button, Qt.MouseButton.LeftButton)
    assert page.mode() == "week" and page.dentist_combo.isVisible()
    with qtbot.waitSignal(page.loaded):
        page.dentist_combo.setCurrentIndex(index_of(page.dentist_combo, second.id))
    view = page.week_view
    monday = monday_of(TODAY)
    assert [c.day for c in view.columns()] == [monday + timedelta(days=i) for i in range(7)]
    assert view.columns()[0].title == f"{monday:%a %d %b}"
    assert "Today" in view.columns()[TODAY.weekday()].subtitle
    week = SchedulingService(clinic.context).dentist_week(clinic.actor, second.id, monday)
    assert week, "the demo dentist works this week"
    assert {b.entry.id for b in view.grid_layout().blocks} == {e.id for e in week}
    assert all(b.entry.dentist_id == second.id for b in view.grid_layout().blocks)
    assert second.display_name in page.title.text()
    layout = view.grid_layout()
    assert layout.now_line is not None
    assert layout.now_line.x1 == layout.columns[TODAY.weekday()].body.x
    with qtbot.waitSignal(page.loaded):
        qtbot.mouseClick(page.next_button, Qt.MouseButton.LeftButton)
    assert view.columns()[0].day == monday + timedelta(days=7)
    with qtbot.waitSignal(page.loaded):
        qtbot.mouseClick(page.previous_button, Qt.MouseButton.LeftButton)
    screenshot(page, "schedule-week-1366x768")


def test_the_filter_dims_the_visits_that_do_not_match(qtbot, clinic):
    page = open_page(qtbot, clinic)
    entries = page.day_view.entries()
    target = entries[0]
    page.focus_search()
    assert page.filter_edit.hasFocus()
    qtbot.keyClicks(page.filter_edit, target.patient_name.split()[-1])
    matching = page.day_view.matching_entries()
    assert target in matching and len(matching) < len(entries)
    qtbot.keyClick(page.filter_edit, Qt.Key.Key_Return)
    assert page.day_view.selected_entry() in matching


def test_ten_dentists_fit_side_by_side_with_their_names(qtbot, clinic, screenshot):
    from dcms_desktop.domain.enums import AppointmentType
    from dcms_desktop.domain.readmodels.scheduling import ScheduleEntry
    from dcms_desktop.views.schedule.day_view import DayView, DentistColumn

    names = ["Villanueva", "Reyes", "Dela Cruz", "Santos", "Bautista", "Mercado",
             "Caldera", "Negron", "Lira", "Montenegro"]  # fmt: skip
    dentists = [DentistColumn(uuid.uuid4(), f"Dr {n}") for n in names]

    def visit(i: int, dentist: DentistColumn) -> ScheduleEntry:
        return ScheduleEntry(
            id=uuid.uuid4(),
            date=TODAY,
            time=time(9 + i % 8, 0),
            duration=45,
            status=list(AppointmentStatus)[i % 6],
            type=list(AppointmentType)[i % 4],
            patient_id=uuid.uuid4(),
            patient_name="Maria Cristina Mangubat",
            patient_phone=None,
            dentist_id=dentist.id,
            dentist_first_name="Ana",
            dentist_last_name=names[i],
            reason="Cleaning",
            version=1,
            service_names=("Oral examination and consultation",),
        )

    view = DayView()
    qtbot.addWidget(view)
    view.resize(1366 - 200 - 32, 640)  # beside the main window's section list
    view.show()
    qtbot.waitExposed(view)
    view.set_now(NOW)
    view.set_day(TODAY, dentists, [visit(i, d) for i, d in enumerate(dentists)])
    layout = view.grid_layout()
    assert len(layout.columns) == 10
    assert layout.column_width >= Metrics().min_column_width
    assert layout.width <= view.viewport().width() + 1
    screenshot(view, "schedule-day-ten-dentists")


@pytest.mark.parametrize("other_bus", ["local", "redis"])
def test_a_change_on_another_workstation_shows_within_a_second(qtbot, clinic, other_bus, request):
    if other_bus == "redis":
        from dcms_desktop.data.events import RedisEventBus
        from dcms_desktop.services.context import ServiceContext

        url = request.getfixturevalue("redis_url")
        channel = f"dcms:test-schedule:{uuid.uuid4().hex}"
        here = RedisEventBus(url, channel=channel, workstation="front-desk-1")
        there = RedisEventBus(url, channel=channel, workstation="front-desk-2")
        request.addfinalizer(here.close)
        request.addfinalizer(there.close)
        clinic.context = ServiceContext(
            clinic.database, clinic.context.cache, here, "front-desk-1", clock=clinic.context.clock
        )
        other = ServiceContext(
            clinic.database, clinic.context.cache, there, "front-desk-2", clock=clinic.context.clock
        )
    else:
        other = clinic.another_workstation()
    page = open_page(qtbot, clinic)
    if other_bus == "redis":
        assert page.backend.bus.wait_until_listening(3)
    entries = page.day_view.entries()
    target = next(e for e in entries if e.status is AppointmentStatus.CONFIRMED)
    dentist = target.dentist_id
    minute = free_minute(entries, dentist, 30)
    service = SchedulingService(other)
    patients = clinic.backend().patients.search(clinic.actor, "a", 5)
    start = datetime.combine(TODAY, time(minute // 60, minute % 60))

    booked = service.book_appointment(
        clinic.actor, patient_id=patients[0].id, dentist_id=dentist, start=start, duration=30
    )
    service.confirm(clinic.actor, target.id, expected_version=target.version) if (
        target.status is AppointmentStatus.PENDING
    ) else service.cancel(clinic.actor, target.id, "Patient asked", expected_version=target.version)

    def shows_both() -> bool:
        shown = {e.id: e for e in page.day_view.entries()}
        return booked.id in shown and shown[target.id].status is AppointmentStatus.CANCELLED

    qtbot.waitUntil(shows_both, timeout=1000)


def test_refresh_all_on_the_bus_reloads_what_the_page_shows(qtbot, clinic):
    from dcms_desktop.data.events import REFRESH_ALL

    page = open_page(qtbot, clinic)
    with qtbot.waitSignal(page.loaded, timeout=1000):
        clinic.context.bus.publish([REFRESH_ALL])


def test_double_clicking_a_free_slot_books_half_an_hour_there(qtbot, clinic):
    page = open_page(qtbot, clinic, day=tomorrow())
    view = page.day_view
    dentist = view.columns()[0].dentist_id
    minute = free_minute(view.entries(), dentist, 30)
    point = slot_point(view, 0, minute)
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=point)
    assert page.dialog is None, "a single click only moves the cursor"
    qtbot.mouseDClick(view.viewport(), Qt.MouseButton.LeftButton, pos=point)
    dialog = page.dialog
    assert dialog is not None and dialog.isVisible()
    assert dialog.start() == datetime.combine(tomorrow(), time(minute // 60, minute % 60))
    assert dialog.duration_spin.value() == 30


def test_the_day_list_is_saved_as_a_pdf_where_the_user_chose(qtbot, clinic, tmp_path):
    page = open_page(qtbot, clinic)
    assert page.backend.day_list is not None
    target = tmp_path / "today"
    page.choose_pdf_path = lambda suggested: str(target)
    with qtbot.waitSignal(page.message_shown, timeout=5000):
        qtbot.mouseClick(page.print_button, Qt.MouseButton.LeftButton)
    saved = tmp_path / "today.pdf"
    assert saved.read_bytes().startswith(b"%PDF")
    assert str(saved) in page.message_text_shown()
    assert page.print_button.isEnabled()


def test_staff_can_book_but_cannot_complete_visits(qtbot, clinic):
    staff = clinic.actor_of(Role.STAFF)
    page = open_page(qtbot, clinic, actor=staff)
    assert page.new_button.isEnabled() and page.walk_in_button.isEnabled()
    running = next(e for e in page.day_view.entries() if e.status is AppointmentStatus.IN_PROGRESS)
    page.day_view.select_appointment(running.id)
    complete = page.action_buttons[next(k for k in page.action_buttons if k.value == "complete")]
    assert not complete.isEnabled()
    assert "dentist" in complete.toolTip().lower()


def test_the_page_has_accessible_names_for_its_controls(qtbot, clinic):
    page = open_page(qtbot, clinic)
    assert page.day_view.accessibleName().startswith("Day view of the appointment book")
    for widget in (page.previous_button, page.next_button, page.date_edit, page.filter_edit):
        assert widget.accessibleName()
    page.day_view.setFocus()
    qtbot.keyClick(page.day_view, Qt.Key.Key_Down)
    description = page.day_view.accessibleDescription()
    assert description.startswith(f"{page.day_view.columns()[0].title}, {TODAY:%a %d %b}")
