"""The appointment book's grid layout and hit-testing, without a screen."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time

import pytest

from dcms_desktop.domain.enums import AppointmentStatus, AppointmentType
from dcms_desktop.domain.readmodels.scheduling import ScheduleEntry
from dcms_desktop.views.schedule.geometry import (
    DEFAULT_END_MINUTE,
    LAST_START_MINUTE,
    OPENING_MINUTE,
    ColumnSpec,
    GridSpec,
    HitKind,
    Metrics,
    Slot,
    SlotRange,
    clamp_start,
    clock_text,
    layout_grid,
    move_cursor,
    range_between,
    start_of,
)

DAY = date(2026, 5, 12)
DENTISTS = [uuid.UUID(int=n) for n in range(1, 5)]


def entry(
    dentist: int,
    start: str,
    minutes: int,
    *,
    status: AppointmentStatus = AppointmentStatus.CONFIRMED,
    day: date = DAY,
    name: str = "Maria Santos",
) -> ScheduleEntry:
    return ScheduleEntry(
        id=uuid.uuid4(),
        date=day,
        time=time.fromisoformat(start),
        duration=minutes,
        status=status,
        type=AppointmentType.REGULAR,
        patient_id=uuid.uuid4(),
        patient_name=name,
        patient_phone=None,
        dentist_id=DENTISTS[dentist],
        dentist_first_name="Ana",
        dentist_last_name=f"Dentist{dentist}",
        reason=None,
        version=1,
        service_names=("Cleaning",),
    )


def columns(count: int = 4, day: date = DAY) -> list[ColumnSpec]:
    return [ColumnSpec(DENTISTS[i % 4], day, f"Dr {i}") for i in range(count)]


def layout(entries=(), *, width=1000, height=600, grid=15, show_inactive=True, now=None, cols=None):
    return layout_grid(
        GridSpec(
            columns=cols if cols is not None else columns(),
            entries=list(entries),
            grid_minutes=grid,
            show_inactive=show_inactive,
            now=now,
            viewport_width=width,
            viewport_height=height,
        )
    )


def centre(rect) -> tuple[float, float]:
    return rect.x + rect.width / 2, rect.y + rect.height / 2


# -- columns and rows ------------------------------------------------------------------------
def test_columns_share_the_width_right_of_the_time_axis():
    grid = layout(width=1000)
    m = Metrics()
    assert grid.column_width == pytest.approx((1000 - m.axis_width) / 4)
    assert grid.columns[0].body.x == m.axis_width
    assert grid.columns[3].body.right == pytest.approx(1000)
    assert grid.width == pytest.approx(1000)


def test_ten_dentists_on_a_narrow_view_keep_a_readable_width_and_scroll_sideways():
    grid = layout(width=700, cols=columns(10))
    assert grid.column_width == Metrics().min_column_width
    assert grid.width > 700
    assert [c.index for c in grid.columns] == list(range(10))


def test_the_day_runs_from_opening_to_an_hour_past_the_last_start():
    grid = layout()
    assert grid.start_minute == OPENING_MINUTE
    assert grid.end_minute == DEFAULT_END_MINUTE
    hours = [line.label for line in grid.lines if line.label]
    assert hours[0] == "09:00"
    assert hours[-1] == "19:00"


def test_a_visit_running_late_extends_the_day_to_the_next_whole_hour():
    grid = layout([entry(0, "18:00", 150)])
    assert grid.end_minute == 21 * 60
    assert grid.blocks[0].rect.bottom <= grid.height


def test_a_visit_past_midnight_reads_on_the_next_days_clock():
    grid = layout([entry(0, "18:00", 480)])
    assert grid.end_minute == 26 * 60
    assert clock_text(grid.end_minute) == "02:00"


@pytest.mark.parametrize(("grid_minutes", "rows"), [(5, 120), (10, 60), (15, 40)])
def test_there_is_a_line_per_grid_step(grid_minutes, rows):
    grid = layout(grid=grid_minutes)
    assert len(grid.lines) == rows + 1  # 09:00 to 19:00 inclusive
    assert grid.lines[1].minute - grid.lines[0].minute == grid_minutes


def test_a_tall_viewport_stretches_the_day_to_fill_it_and_a_short_one_scrolls():
    tall = layout(height=2000)
    short = layout(height=300)
    assert tall.height == pytest.approx(2000)
    assert short.height > 300
    assert short.pixels_per_minute * 15 >= Metrics().min_row_height


# -- blocks ----------------------------------------------------------------------------------
def test_a_visit_sits_in_its_dentists_column_from_its_start_to_its_end():
    visit = entry(2, "10:30", 45)
    grid = layout([visit])
    (block,) = grid.blocks
    column = grid.columns[2].body
    assert block.column == 2
    assert column.x < block.rect.x < block.rect.right < column.right
    assert block.rect.y == pytest.approx(grid.y_of(10 * 60 + 30) + 1)
    assert block.rect.bottom == pytest.approx(grid.y_of(11 * 60 + 15) - 1)


def test_a_cancelled_visit_and_the_one_booked_in_its_slot_share_the_column_in_lanes():
    cancelled = entry(0, "10:00", 30, status=AppointmentStatus.CANCELLED)
    rebooked = entry(0, "10:00", 30)
    grid = layout([cancelled, rebooked])
    by_id = {b.entry.id: b for b in grid.blocks}
    assert by_id[rebooked.id].lane == 0  # the active visit gets the first lane
    assert by_id[cancelled.id].lane == 1
    assert by_id[cancelled.id].faint and not by_id[rebooked.id].faint
    assert {b.lanes for b in grid.blocks} == {2}
    assert by_id[rebooked.id].rect.right <= by_id[cancelled.id].rect.x


def test_back_to_back_visits_each_take_the_full_column_width():
    grid = layout([entry(0, "10:00", 30), entry(0, "10:30", 30)])
    assert [b.lanes for b in grid.blocks] == [1, 1]


def test_hiding_cancelled_and_no_show_visits_leaves_them_out():
    visits = [
        entry(0, "10:00", 30, status=AppointmentStatus.CANCELLED),
        entry(1, "10:00", 30, status=AppointmentStatus.NO_SHOW),
        entry(2, "10:00", 30),
    ]
    assert len(layout(visits).blocks) == 3
    shown = layout(visits, show_inactive=False).blocks
    assert [b.entry.id for b in shown] == [visits[2].id]


def test_visits_of_a_dentist_without_a_column_are_not_placed():
    grid = layout([entry(3, "10:00", 30)], cols=columns(2))
    assert grid.blocks == ()


# -- the current time ------------------------------------------------------------------------
def test_the_current_time_line_crosses_every_column_of_today():
    grid = layout(now=datetime.combine(DAY, time(11, 40)))
    assert grid.now_line is not None
    assert grid.now_line.y == pytest.approx(grid.y_of(11 * 60 + 40))
    assert grid.now_line.x1 == grid.columns[0].body.x
    assert grid.now_line.x2 == grid.columns[-1].body.right
    assert grid.now_line.label == "11:40"


def test_there_is_no_current_time_line_on_another_day_or_outside_the_grid():
    assert layout(now=datetime(2026, 5, 13, 11, 40)).now_line is None
    assert layout(now=datetime.combine(DAY, time(7, 30))).now_line is None


def test_in_a_week_the_current_time_line_crosses_only_todays_column():
    week = [ColumnSpec(DENTISTS[0], date(2026, 5, 11 + i), f"day {i}") for i in range(7)]
    grid = layout(cols=week, now=datetime(2026, 5, 13, 15, 0))
    assert grid.now_line is not None
    assert grid.now_line.x1 == grid.columns[2].body.x
    assert grid.now_line.x2 == grid.columns[2].body.right


# -- hit-testing, at two sizes ----------------------------------------------------------------
@pytest.mark.parametrize(("width", "height"), [(1000, 600), (1600, 1400)])
def test_hit_testing_finds_the_visit_its_bottom_edge_and_empty_slots(width, height):
    visit = entry(1, "10:00", 45)
    grid = layout([visit], width=width, height=height)
    block = grid.blocks[0]

    hit = grid.hit_test(*centre(block.rect))
    assert hit.kind is HitKind.APPOINTMENT and hit.block == block and hit.column == 1

    edge = grid.hit_test(block.rect.x + 10, block.rect.bottom - 2)
    assert edge.kind is HitKind.RESIZE and edge.block == block

    # 10:07 in the next column is the 10:00 slot of the 15-minute grid.
    x = centre(grid.columns[2].body)[0]
    empty = grid.hit_test(x, grid.y_of(10 * 60 + 7))
    assert (empty.kind, empty.column, empty.minute) == (HitKind.SLOT, 2, 600)
    assert grid.slot_at(x, grid.y_of(10 * 60 + 7)) == Slot(2, 600)

    # Just below the visit, in its own column: free.
    below = grid.hit_test(centre(block.rect)[0], grid.y_of(10 * 60 + 50))
    assert (below.kind, below.minute) == (HitKind.SLOT, 645)

    assert grid.hit_test(x, 5).kind is HitKind.HEADER
    assert grid.hit_test(x, 5).column == 2
    assert grid.hit_test(10, grid.y_of(12 * 60)).kind is HitKind.AXIS
    assert grid.hit_test(-1, 100).kind is HitKind.OUTSIDE
    assert grid.hit_test(x, grid.height + 1).kind is HitKind.OUTSIDE


def test_hit_testing_snaps_to_the_grid_in_use():
    grid = layout(grid=5)
    x = centre(grid.columns[0].body)[0]
    assert grid.hit_test(x, grid.y_of(10 * 60 + 7)).minute == 605


def test_a_faint_visit_has_no_resize_edge():
    cancelled = entry(0, "10:00", 60, status=AppointmentStatus.CANCELLED)
    grid = layout([cancelled])
    block = grid.blocks[0]
    assert grid.hit_test(block.rect.x + 5, block.rect.bottom - 2).kind is HitKind.APPOINTMENT


def test_the_slot_under_the_cursor_prefers_the_active_visit():
    cancelled = entry(0, "10:00", 30, status=AppointmentStatus.CANCELLED)
    active = entry(0, "10:00", 30)
    grid = layout([cancelled, active])
    found = grid.block_at_slot(Slot(0, 600))
    assert found is not None and found.entry.id == active.id
    assert grid.block_at_slot(Slot(0, 630)) is None


# -- moving and resizing ---------------------------------------------------------------------
def test_dragging_a_visit_moves_it_by_whole_grid_steps_and_across_columns():
    grid = layout([entry(0, "10:00", 30)])
    block = grid.blocks[0]
    press = centre(block.rect)
    row = grid.pixels_per_minute * 15
    to = (centre(grid.columns[2].body)[0], press[1] + 2 * row + 3)
    assert grid.move_target(block, press, to) == (2, 10 * 60 + 30)
    # Far beyond the day: the start stays at 18:00 at the latest, 09:00 at the earliest.
    assert grid.move_target(block, press, (press[0], press[1] + 5000)) == (0, LAST_START_MINUTE)
    assert grid.move_target(block, press, (press[0], press[1] - 5000)) == (0, OPENING_MINUTE)


def test_dragging_the_bottom_edge_snaps_the_end_to_the_grid():
    grid = layout([entry(0, "10:00", 30)])
    block = grid.blocks[0]
    assert grid.resize_target(block, (0, grid.y_of(11 * 60 + 20))) == 75
    assert grid.resize_target(block, (0, grid.y_of(9 * 60))) == 15  # at least one step
    assert grid.resize_target(block, (0, grid.y_of(26 * 60))) == 480  # at most 480


# -- the slot cursor -------------------------------------------------------------------------
def test_the_cursor_moves_by_grid_steps_and_stays_on_bookable_starts():
    cursor = Slot(0, 600)
    assert move_cursor(cursor, columns=4, grid_minutes=15, d_steps=1) == Slot(0, 615)
    assert move_cursor(cursor, columns=4, grid_minutes=15, d_column=5) == Slot(3, 600)
    assert move_cursor(cursor, columns=4, grid_minutes=15, d_column=-1) == Slot(0, 600)
    assert move_cursor(cursor, columns=4, grid_minutes=15, d_steps=-100) == Slot(0, OPENING_MINUTE)
    assert move_cursor(cursor, columns=4, grid_minutes=15, d_steps=100) == Slot(0, 18 * 60)
    assert clamp_start(18 * 60 + 7, 10) == 18 * 60


def test_a_range_runs_from_the_anchor_to_the_cursor_in_either_direction():
    assert range_between(Slot(1, 600), Slot(1, 630), 15) == SlotRange(1, 600, 645)
    assert range_between(Slot(1, 630), Slot(1, 600), 15) == SlotRange(1, 600, 645)
    assert range_between(Slot(1, 600), Slot(1, 630), 15).duration == 45


def test_a_range_maps_to_the_columns_wall_clock_time():
    spec = columns()[0]
    assert start_of(spec, 10 * 60 + 45) == datetime(2026, 5, 12, 10, 45)
    grid = layout()
    rect = grid.range_rect(SlotRange(1, 600, 660))
    assert rect.x == grid.columns[1].body.x
    assert rect.height == pytest.approx(60 * grid.pixels_per_minute)
