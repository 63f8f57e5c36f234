"""The day view: one column per dentist, the whole clinic's day at a glance."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from PySide6.QtWidgets import QWidget

from dcms_desktop.domain.readmodels.scheduling import ScheduleEntry
from dcms_desktop.views.schedule.geometry import ColumnSpec
from dcms_desktop.views.schedule.grid_view import ScheduleGridView

NO_DENTIST = "No dentist"


@dataclass(frozen=True)
class DentistColumn:
    """A dentist the day view gives a column: id and how the desk names them."""

    id: uuid.UUID
    title: str


def _visits(count: int) -> str:
    if count == 0:
        return "free all day"
    return "1 visit" if count == 1 else f"{count} visits"


def day_columns(
    day: date, dentists: Sequence[DentistColumn], entries: Sequence[ScheduleEntry]
) -> tuple[ColumnSpec, ...]:
    """A column per dentist in the order given, then one for every other dentist the
    day's visits name (an inactive dentist's last visits) and for visits with none."""
    titles: dict[uuid.UUID | None, str] = {d.id: d.title for d in dentists}
    for entry in entries:
        if entry.dentist_id not in titles:
            titles[entry.dentist_id] = entry.dentist_title or NO_DENTIST
    counts: dict[uuid.UUID | None, int] = {}
    for entry in entries:
        if entry.is_active:
            counts[entry.dentist_id] = counts.get(entry.dentist_id, 0) + 1
    return tuple(
        ColumnSpec(dentist_id, day, title, _visits(counts.get(dentist_id, 0)))
        for dentist_id, title in titles.items()
    )


class DayView(ScheduleGridView):
    """One day of the whole clinic: a column per dentist."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("dayView")
        self.setAccessibleName("Day view of the appointment book")
        self._day: date | None = None
        self._dentists: tuple[DentistColumn, ...] = ()

    def set_day(
        self,
        day: date,
        dentists: Sequence[DentistColumn],
        entries: Sequence[ScheduleEntry],
    ) -> None:
        """Show ``day``: ``entries`` are that day's visits (all dentists)."""
        self._day = day
        self._dentists = tuple(dentists)
        shown = tuple(e for e in entries if e.date == day)
        self.set_columns_and_entries(day_columns(day, self._dentists, shown), shown)
        self.setAccessibleName(f"Day view of the appointment book, {day:%A %d %B %Y}")

    def day(self) -> date | None:
        return self._day
