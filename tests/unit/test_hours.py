"""Clinic hours, durations, overlap of half-open intervals and the booking grid."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, time, timedelta, timezone

import pytest

from dcms_desktop.domain.errors import ValidationError
from dcms_desktop.domain.hours import (
    LAST_START_TIME,
    MAX_DURATION,
    MIN_DURATION,
    OPENING_TIME,
    check_duration,
    check_start_time,
    end_of,
    is_within_hours,
    overlaps,
    slot_starts,
)


def test_constants_are_the_schemas() -> None:
    assert time(9, 0) == OPENING_TIME
    assert time(18, 0) == LAST_START_TIME
    assert (MIN_DURATION, MAX_DURATION) == (1, 480)


@pytest.mark.parametrize("t", [time(9, 0), time(12, 30), time(17, 59, 59), time(18, 0)])
def test_starts_from_nine_to_six_inclusive_are_accepted(t: time) -> None:
    check_start_time(t)
    assert is_within_hours(t)


@pytest.mark.parametrize(
    "t", [time(8, 59, 59), time(0, 0), time(18, 0, 1), time(18, 0, 0, 1), time(18, 1), time(23)]
)
def test_starts_outside_nine_to_six_are_refused_on_the_start_field(t: time) -> None:
    with pytest.raises(ValidationError) as caught:
        check_start_time(t)
    assert caught.value.field == "start_time"
    assert caught.value.message == "Appointments start between 09:00 and 18:00"


def test_a_time_with_a_zone_is_judged_by_its_wall_clock() -> None:
    check_start_time(time(9, 0, tzinfo=timezone(timedelta(hours=5))))
    with pytest.raises(ValidationError):
        check_start_time(time(8, 0, tzinfo=UTC))


@pytest.mark.parametrize("minutes", [1, 30, 480])
def test_durations_of_one_to_480_minutes_are_accepted(minutes: int) -> None:
    check_duration(minutes)


@pytest.mark.parametrize("minutes", [0, -15, 481, 10_000, True, 30.0, "30", None])
def test_other_durations_are_refused_on_the_duration_field(minutes: object) -> None:
    with pytest.raises(ValidationError) as caught:
        check_duration(minutes)  # type: ignore[arg-type]
    assert caught.value.field == "duration"
    assert caught.value.message == "An appointment lasts between 1 and 480 minutes"


def test_end_of_adds_the_minutes_keeping_the_zone() -> None:
    start = datetime(2026, 3, 2, 17, 30, tzinfo=UTC)
    assert end_of(start, 45) == datetime(2026, 3, 2, 18, 15, tzinfo=UTC)
    assert end_of(datetime(2026, 3, 2, 18, 0), 480) == datetime(2026, 3, 3, 2, 0)


def _at(hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 3, 2, hour, minute)


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ((_at(10), _at(11)), (_at(11), _at(12)), False),  # back to back
        ((_at(11), _at(12)), (_at(10), _at(11)), False),  # back to back, other order
        ((_at(10), _at(11)), (_at(10, 59), _at(12)), True),  # one minute shared
        ((_at(10), _at(12)), (_at(10, 30), _at(11)), True),  # one inside the other
        ((_at(10), _at(11)), (_at(10), _at(11)), True),  # the same slot
        ((_at(9), _at(10)), (_at(14), _at(15)), False),  # far apart
    ],
)
def test_overlap_is_half_open_so_back_to_back_visits_do_not_clash(
    a: tuple[datetime, datetime], b: tuple[datetime, datetime], expected: bool
) -> None:
    assert overlaps(*a, *b) is expected
    assert overlaps(*b, *a) is expected


def test_overlap_works_on_times_of_day_too() -> None:
    assert overlaps(time(9), time(9, 30), time(9, 15), time(10))
    assert not overlaps(time(9), time(9, 30), time(9, 30), time(10))


@pytest.mark.parametrize(("grid", "count"), [(5, 109), (10, 55), (15, 37), (60, 10)])
def test_the_grid_offers_every_step_from_nine_up_to_six(grid: int, count: int) -> None:
    starts = slot_starts(date(2026, 3, 2), grid)
    assert len(starts) == count
    assert starts[0] == time(9, 0)
    assert starts[-1] == time(18, 0)
    assert all(is_within_hours(t) for t in starts)
    minutes = [t.hour * 60 + t.minute for t in starts]
    assert all(b - a == grid for a, b in itertools.pairwise(minutes))


def test_a_grid_that_does_not_land_on_six_stops_before_it() -> None:
    starts = slot_starts(date(2026, 3, 2), 7)
    assert starts[-1] == time(17, 59)  # 9:00 + 77 x 7 min
    assert starts[1] == time(9, 7)


@pytest.mark.parametrize("grid", [0, -5, True])
def test_a_grid_of_less_than_a_minute_is_refused(grid: int) -> None:
    with pytest.raises(ValidationError):
        slot_starts(date(2026, 3, 2), grid)
