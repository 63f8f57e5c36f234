"""The week view: one dentist, Monday to Sunday, a column per day."""

from __future__ import annotations

import uuid
from collections.abc import Hashable, Sequence
from datetime import date, timedelta

from PySide6.QtWidgets import QWidget

from dcms_desktop.domain.readmodels.scheduling import ScheduleEntry
from dcms_desktop.views.schedule.day_view import DentistColumn
from dcms_desktop.views.schedule.geometry import ColumnSpec
from dcms_desktop.views.schedule.grid_view import ScheduleGridView


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def week_columns(
    monday: date, dentist: DentistColumn, entries: Sequence[ScheduleEntry], today: date | None
) -> tuple[ColumnSpec, ...]:
    """Seven columns, Monday first, titled "Mon 12 May" ("Today" on today's)."""
    counts: dict[date, int] = {}
    for entry in entries:
        if entry.is_active:
            counts[entry.date] = counts.get(entry.date, 0) + 1
    columns = []
    for offset in range(7):
        day = monday + timedelta(days=offset)
        count = counts.get(day, 0)
        visits = "no visits" if count == 0 else ("1 visit" if count == 1 else f"{count} visits")
        subtitle = f"Today · {visits}" if day == today else visits
        columns.append(ColumnSpec(dentist.id, day, f"{day:%a %d %b}", subtitle))
    return tuple(columns)


def _by_dentist_and_date(entry: ScheduleEntry) -> Hashable:
    return (entry.dentist_id, entry.date)


class WeekView(ScheduleGridView):
    """One dentist's week."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("weekView")
        self.setAccessibleName("Week view of the appointment book")
        self.column_of = _by_dentist_and_date
        self._monday: date | None = None
        self._dentist: DentistColumn | None = None

    def set_week(
        self,
        monday: date,
        dentist: DentistColumn,
        entries: Sequence[ScheduleEntry],
        *,
        today: date | None = None,
    ) -> None:
        """Show ``dentist``'s week from ``monday`` (``entries`` are that week's visits)."""
        monday = monday_of(monday)
        self._monday = monday
        self._dentist = dentist
        end = monday + timedelta(days=7)
        shown = tuple(e for e in entries if monday <= e.date < end and e.dentist_id == dentist.id)
        self.set_columns_and_entries(week_columns(monday, dentist, shown, today), shown)
        self.setAccessibleName(
            f"Week view of the appointment book: {dentist.title}, week of {monday:%d %B %Y}"
        )

    def monday(self) -> date | None:
        return self._monday

    def dentist(self) -> DentistColumn | None:
        return self._dentist

    def dentist_id(self) -> uuid.UUID | None:
        return None if self._dentist is None else self._dentist.id
