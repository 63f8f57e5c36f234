"""What the appointment-book GUI tests share: a small demo clinic on SQLite, a fixed clock.

The demo is generated once per session for a fixed day (a Tuesday) and copied for each
test; the clinic's clock stands at 11:40 on that day, as the demo's own "now" does.
"""

from __future__ import annotations

import functools
import shutil
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QPoint, Qt, QThreadPool
from sqlalchemy import select

from dcms_desktop.data import migrate
from dcms_desktop.data.cache import MemoryCache
from dcms_desktop.data.engine import Database, create_database
from dcms_desktop.data.events import LocalEventBus
from dcms_desktop.data.models import Appointment as AppointmentRow
from dcms_desktop.data.models import User as UserRow
from dcms_desktop.domain.enums import AppointmentStatus, Role
from dcms_desktop.domain.readmodels.people import Actor
from dcms_desktop.domain.readmodels.scheduling import ScheduleEntry
from dcms_desktop.services.context import ServiceContext
from dcms_desktop.services.demo import generate_demo
from dcms_desktop.views.schedule.backend import ScheduleBackend
from dcms_desktop.views.schedule.grid_view import ScheduleGridView
from dcms_desktop.views.schedule.schedule_page import SchedulePage

TODAY = date(2026, 5, 12)  # a Tuesday
NOW = datetime.combine(TODAY, time(11, 40))
PAGE_SIZE = (1366, 768)


def fixed_clock(moment: datetime = NOW) -> Callable[[], datetime]:
    """A clock standing at ``moment`` of the workstation's local wall clock."""
    aware = moment.astimezone()
    return lambda: aware


@dataclass
class Clinic:
    """The demo clinic of one test."""

    database: Database
    context: ServiceContext
    actor: Actor
    path: Path

    def backend(self) -> ScheduleBackend:
        return ScheduleBackend(self.context)

    def another_workstation(self, name: str = "front-desk-2") -> ServiceContext:
        """A second workstation on the same database and bus."""
        return ServiceContext(
            self.database, MemoryCache(), self.context.bus, name, clock=self.context.clock
        )

    def actor_of(self, role: Role) -> Actor:
        with self.database.engine.connect() as conn:
            row = conn.execute(
                select(UserRow.id, UserRow.email, UserRow.first_name, UserRow.last_name)
                .where(UserRow.role == role.value, UserRow.is_active.is_(True))
                .order_by(UserRow.last_name)
                .limit(1)
            ).one()
        return Actor(row.id, row.email, role, f"{row.first_name} {row.last_name}")

    def stored(self, appointment_id: uuid.UUID) -> Any:
        """The appointment's row as stored now (status, times, who did what)."""
        with self.database.engine.connect() as conn:
            return conn.execute(
                select(AppointmentRow).where(AppointmentRow.id == appointment_id)
            ).one()

    def busiest_day(self) -> date:
        from sqlalchemy import func

        with self.database.engine.connect() as conn:
            return conn.execute(
                select(AppointmentRow.appointment_date)
                .group_by(AppointmentRow.appointment_date)
                .order_by(func.count().desc(), AppointmentRow.appointment_date)
                .limit(1)
            ).scalar_one()


@functools.cache
def _demo_file(folder: Path) -> Path:
    """The demo clinic, generated once per session however many modules ask for it."""
    path = folder / "schedule-demo-small.db"
    database = create_database(f"sqlite:///{path}")
    migrate.upgrade(database.engine)
    generate_demo(database, "small", today=TODAY)
    database.dispose()
    return path


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _demo_file(tmp_path_factory.getbasetemp())


@pytest.fixture
def clinic(demo_template: Path, tmp_path: Path) -> Iterator[Clinic]:
    path = tmp_path / "clinic.db"
    shutil.copyfile(demo_template, path)
    database = create_database(f"sqlite:///{path}")
    context = ServiceContext(
        database, MemoryCache(), LocalEventBus(), "front-desk-1", clock=fixed_clock()
    )
    clinic = Clinic(database, context, Actor(uuid.UUID(int=0), "", Role.ADMIN, ""), path)
    clinic.actor = clinic.actor_of(Role.ADMIN)
    yield clinic
    QThreadPool.globalInstance().waitForDone(5000)  # no task still reading the database
    database.dispose()


def open_page(qtbot, clinic: Clinic, *, actor: Actor | None = None, day: date | None = None):
    """A schedule page at 1366x768, shown and loaded."""
    page = SchedulePage(clinic.context, actor or clinic.actor)
    qtbot.addWidget(page)
    page.resize(*PAGE_SIZE)
    with qtbot.waitSignal(page.loaded, timeout=5000):
        page.show()
    qtbot.waitExposed(page)
    if day is not None and day != page.day():
        with qtbot.waitSignal(page.loaded, timeout=5000):
            page.show_day(day)
    return page


def reload(qtbot, page: SchedulePage) -> None:
    with qtbot.waitSignal(page.loaded, timeout=5000):
        page.refresh()


def block_point(view: ScheduleGridView, entry_id: uuid.UUID, *, at: str = "centre") -> QPoint:
    """The viewport point of a visit's centre (or just above its bottom edge)."""
    block = view.grid_layout().block_for(entry_id)
    assert block is not None, "the visit is not in the view"
    rect = block.rect
    y = rect.bottom - 2 if at == "bottom" else rect.y + min(rect.height / 2, 14)
    view.ensure_content_visible(rect.x, rect.y, rect.height)
    return view.to_viewport(rect.x + rect.width / 2, y)


def slot_point(view: ScheduleGridView, column: int, minute: int) -> QPoint:
    """The viewport point in the middle of ``column``'s grid row starting at ``minute``."""
    layout = view.grid_layout()
    body = layout.columns[column].body
    y = layout.y_of(minute + layout.grid_minutes / 2)
    view.ensure_content_visible(body.x, layout.y_of(minute), layout.grid_minutes)
    return view.to_viewport(body.x + body.width / 2, y)


def drag(qtbot, view: ScheduleGridView, start: QPoint, end: QPoint) -> None:
    viewport = view.viewport()
    qtbot.mousePress(viewport, Qt.MouseButton.LeftButton, pos=start)
    middle = QPoint((start.x() + end.x()) // 2, (start.y() + end.y()) // 2)
    qtbot.mouseMove(viewport, middle)
    qtbot.mouseMove(viewport, end)
    qtbot.mouseRelease(viewport, Qt.MouseButton.LeftButton, pos=end)


def entries_on(clinic: Clinic, day: date) -> tuple[ScheduleEntry, ...]:
    return clinic.backend().scheduling.day_schedule(clinic.actor, day)


def free_minute(entries: tuple[ScheduleEntry, ...], dentist_id: uuid.UUID, length: int) -> int:
    """The first grid start after now (on the page's day) when the dentist is free."""
    busy = [
        (e.time.hour * 60 + e.time.minute, e.time.hour * 60 + e.time.minute + e.duration)
        for e in entries
        if e.dentist_id == dentist_id and e.is_active
    ]
    for minute in range(12 * 60, 17 * 60, 15):
        if all(minute + length <= start or minute >= end for start, end in busy):
            return minute
    raise AssertionError("no free slot in the afternoon")


def with_status(entries: tuple[ScheduleEntry, ...], status: AppointmentStatus) -> ScheduleEntry:
    return next(e for e in entries if e.status is status)


def tomorrow() -> date:
    return TODAY + timedelta(days=1)
