"""Colours and words of the appointment book: status colours, badges, the legend."""

from __future__ import annotations

from dataclasses import dataclass

from dcms_desktop.domain.enums import AppointmentStatus, AppointmentType


@dataclass(frozen=True)
class StatusStyle:
    """How a status looks: ``fill`` behind the text, ``accent`` the bar on the left and
    the border, ``text`` the ink; ``label`` what the legend calls it."""

    label: str
    fill: str
    accent: str
    text: str


_S = AppointmentStatus

STATUS_STYLES: dict[AppointmentStatus, StatusStyle] = {
    _S.PENDING: StatusStyle("Pending", "#fff3c4", "#de911d", "#513c06"),
    _S.CONFIRMED: StatusStyle("Confirmed", "#dceefb", "#2680c2", "#0b3a5d"),
    _S.IN_PROGRESS: StatusStyle("In the chair", "#c6f7e2", "#199473", "#014d40"),
    _S.COMPLETED: StatusStyle("Completed", "#e4e7eb", "#7b8794", "#323f4b"),
    _S.CANCELLED: StatusStyle("Cancelled", "#f5f7fa", "#9aa5b1", "#52606d"),
    _S.NO_SHOW: StatusStyle("No-show", "#ffeeee", "#e12d39", "#8a041a"),
}


@dataclass(frozen=True)
class Badge:
    """A small tag on a visit: full ``text`` when it fits, else ``short``."""

    text: str
    short: str
    fill: str
    ink: str


BADGES: dict[AppointmentType, Badge] = {
    AppointmentType.WALK_IN: Badge("Walk-in", "W", "#6a1b9a", "#ffffff"),
    AppointmentType.EMERGENCY: Badge("Emergency", "E", "#cf1124", "#ffffff"),
    AppointmentType.FOLLOW_UP: Badge("Follow-up", "F", "#0e7c86", "#ffffff"),
}

# The grid itself.
BACKGROUND = "#ffffff"
AFTER_HOURS = "#f0f4f8"
HEADER_FILL = "#f5f7fa"
HEADER_INK = "#102a43"
HEADER_SUBTLE = "#627d98"
AXIS_INK = "#486581"
HOUR_LINE = "#bcccdc"
HALF_LINE = "#d9e2ec"
STEP_LINE = "#eef2f6"
COLUMN_LINE = "#bcccdc"
NOW_LINE = "#e12d39"
CURSOR = "#2680c2"
SELECTION_FILL = "#2680c2"
SELECTED_RING = "#102a43"
DROP_REFUSED = "#e12d39"
DIMMED_ALPHA = 70
FAINT_ALPHA = 120


def status_label(status: AppointmentStatus) -> str:
    return STATUS_STYLES[status].label


def type_label(kind: AppointmentType) -> str:
    return {
        AppointmentType.REGULAR: "Regular",
        AppointmentType.WALK_IN: "Walk-in",
        AppointmentType.EMERGENCY: "Emergency",
        AppointmentType.FOLLOW_UP: "Follow-up",
    }[kind]
