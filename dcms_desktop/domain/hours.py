"""Clinic hours and appointment lengths.

Appointments start between 09:00 and 18:00 inclusive (the schema's CHECK) and last 1-480
minutes. Times here are the clinic's wall-clock times (naive ``time`` values); a time
carrying a ``tzinfo`` is read by its wall-clock reading. Nothing limits when a visit
ends: an 18:00 start may run past closing, as the schema allows.

Intervals are half-open, [start, end): a visit ending at 10:00 and one starting at 10:00
don't overlap.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import TypeVar

from dcms_desktop.domain.errors import ValidationError

OPENING_TIME = time(9, 0)
LAST_START_TIME = time(18, 0)
MIN_DURATION = 1
MAX_DURATION = 480

START_TIME_MESSAGE = "Appointments start between 09:00 and 18:00"
DURATION_MESSAGE = f"An appointment lasts between {MIN_DURATION} and {MAX_DURATION} minutes"

_T = TypeVar("_T", datetime, time)


def is_within_hours(t: time) -> bool:
    """True when an appointment may start at ``t``."""
    return OPENING_TIME <= t.replace(tzinfo=None) <= LAST_START_TIME


def check_start_time(t: time) -> None:
    """Refuse a start outside 09:00-18:00 (``start_time``)."""
    if not is_within_hours(t):
        raise ValidationError(START_TIME_MESSAGE, field="start_time")


def check_duration(minutes: int) -> None:
    """Refuse a duration that isn't a whole number of minutes from 1 to 480 (``duration``)."""
    if isinstance(minutes, bool) or not isinstance(minutes, int):
        raise ValidationError(DURATION_MESSAGE, field="duration")
    if not MIN_DURATION <= minutes <= MAX_DURATION:
        raise ValidationError(DURATION_MESSAGE, field="duration")


def end_of(start: datetime, minutes: int) -> datetime:
    """When a visit starting at ``start`` and lasting ``minutes`` ends."""
    return start + timedelta(minutes=minutes)


def overlaps(start_a: _T, end_a: _T, start_b: _T, end_b: _T) -> bool:
    """True when [start_a, end_a) and [start_b, end_b) share a moment."""
    return start_a < end_b and start_b < end_a


def slot_starts(day: date, grid_minutes: int) -> list[time]:
    """The starts the appointment book offers on ``day``: every ``grid_minutes`` from
    09:00 up to and including 18:00 when the grid lands on it.

    Every day has the same hours for now; ``day`` is taken so that closed days or shorter
    hours can come in without changing callers.
    """
    if isinstance(grid_minutes, bool) or not isinstance(grid_minutes, int) or grid_minutes < 1:
        raise ValidationError("The grid must be a whole number of minutes", field="grid_minutes")
    del day
    opening = OPENING_TIME.hour * 60 + OPENING_TIME.minute
    last = LAST_START_TIME.hour * 60 + LAST_START_TIME.minute
    return [time(m // 60, m % 60) for m in range(opening, last + 1, grid_minutes)]
