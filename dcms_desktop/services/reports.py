"""Reports: revenue per month (admins) and one patient's summary (the front desk)."""

from __future__ import annotations

import uuid

from dcms_desktop.domain.errors import NotFoundError
from dcms_desktop.domain.permissions import Action, require
from dcms_desktop.domain.readmodels.people import Actor
from dcms_desktop.domain.readmodels.reports import PatientSummary, RevenueMonth
from dcms_desktop.services.context import ServiceContext


class ReportService:
    """Figures from the reporting views."""

    def __init__(self, context: ServiceContext) -> None:
        self.context = context

    def revenue_summary(self, actor: Actor) -> list[RevenueMonth]:
        """Every month with bills, newest first (cancelled bills are not revenue)."""
        require(actor.role, Action.VIEW_REPORTS)
        with self.context.uow(write=False) as uow:
            return uow.reports.revenue_summary()

    def patient_summary(self, actor: Actor, patient_id: uuid.UUID) -> PatientSummary:
        """Visits and money of one patient, as the patient screen's header shows them."""
        require(actor.role, Action.VIEW_PATIENTS)
        require(actor.role, Action.VIEW_BILLS)
        with self.context.uow(write=False) as uow:
            summary = uow.reports.patient_summary(patient_id)
        if summary is None:
            raise NotFoundError("That patient no longer exists")
        return summary
