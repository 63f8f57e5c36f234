"""The printed day list: every dentist's visits of a day, as a PDF.

The same document comes from the schedule's Print button and from ``dcms report day``.
Cancelled and no-show visits are left out (the list is for the chairs) and counted at the
end; each patient's medical alerts are printed with the visit.
"""

from __future__ import annotations

import uuid
from datetime import date

from dcms_desktop.domain.medical import medical_alerts
from dcms_desktop.domain.permissions import Action, require
from dcms_desktop.domain.readmodels.people import Actor, dentist_title, full_name
from dcms_desktop.domain.readmodels.scheduling import DayList, DayListDentist, ScheduleEntry
from dcms_desktop.reports.day_list import render_day_list
from dcms_desktop.services.context import ServiceContext

DEFAULT_CLINIC_NAME = "My Dental Clinic"


class DayListService:
    """The day list, to print."""

    def __init__(self, context: ServiceContext) -> None:
        self.context = context

    def day_list(
        self,
        actor: Actor | None,
        day: date,
        *,
        dentist_id: uuid.UUID | None = None,
        include_cancelled: bool = False,
    ) -> DayList:
        """What the day list of ``day`` holds (every dentist with visits, or only
        ``dentist_id``'s). ``actor`` None is the ``dcms`` command at the server."""
        if actor is not None:
            require(actor.role, Action.VIEW_SCHEDULE)
        with self.context.uow(write=False) as uow:
            settings = uow.settings.find()
            entries = uow.appointments.day_schedule(day)
            if dentist_id is not None:
                entries = tuple(e for e in entries if e.dentist_id == dentist_id)
            listed = [e for e in entries if include_cancelled or e.is_active]
            histories = uow.patients.medical_histories(
                e.patient_id for e in listed if e.patient_id is not None
            )
        alerts = {
            patient: found
            for patient, history in histories.items()
            if (found := medical_alerts(history))
        }
        return DayList(
            clinic_name=DEFAULT_CLINIC_NAME if settings is None else settings.clinic_name,
            clinic_phone=None if settings is None else settings.phone,
            clinic_address=None if settings is None else settings.address,
            day=day,
            printed_at=self.context.local_now().replace(second=0, microsecond=0),
            dentists=_by_dentist(listed),
            left_out=len(entries) - len(listed),
            alerts=alerts,
        )

    def day_list_pdf(
        self,
        actor: Actor | None,
        day: date,
        *,
        dentist_id: uuid.UUID | None = None,
        include_cancelled: bool = False,
    ) -> bytes:
        """The day list of ``day`` as an A4 PDF (see :mod:`dcms_desktop.reports.day_list`)."""
        data = self.day_list(actor, day, dentist_id=dentist_id, include_cancelled=include_cancelled)
        return self.render_pdf(data)

    @staticmethod
    def render_pdf(data: DayList) -> bytes:
        """A day list already read, as an A4 PDF."""
        return render_day_list(data)


def _by_dentist(entries: list[ScheduleEntry]) -> tuple[DayListDentist, ...]:
    """Each dentist's visits by start time; dentists by last then first name, visits
    without a dentist last."""
    groups: dict[uuid.UUID | None, list[ScheduleEntry]] = {}
    for entry in entries:
        groups.setdefault(entry.dentist_id, []).append(entry)

    def order(key: uuid.UUID | None) -> tuple[int, str, str]:
        first = groups[key][0]
        if key is None:
            return (1, "", "")
        return (
            0,
            (first.dentist_last_name or "").lower(),
            (first.dentist_first_name or "").lower(),
        )

    return tuple(
        DayListDentist(
            dentist_id=key,
            dentist_name=_dentist_name(groups[key][0]),
            entries=tuple(sorted(groups[key], key=lambda e: (e.start, e.patient_name))),
        )
        for key in sorted(groups, key=order)
    )


def _dentist_name(entry: ScheduleEntry) -> str:
    """ "Dr Ana Reyes"."""
    if entry.dentist_last_name is None:
        return "No dentist assigned"
    name = full_name(entry.dentist_first_name or "", entry.dentist_last_name)
    return f"Dr {name}" if name else dentist_title(entry.dentist_last_name)
