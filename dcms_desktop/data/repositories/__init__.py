"""One repository per aggregate; each speaks the domain's language and returns read models."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from dcms_desktop.data.repositories.appointments import AppointmentRepository
from dcms_desktop.data.repositories.audit import AuditRepository
from dcms_desktop.data.repositories.bills import BillRepository
from dcms_desktop.data.repositories.charts import ToothChartRepository
from dcms_desktop.data.repositories.inventory import InventoryRepository
from dcms_desktop.data.repositories.patients import PatientRepository
from dcms_desktop.data.repositories.records import MedicalRecordRepository
from dcms_desktop.data.repositories.reports import ReportRepository
from dcms_desktop.data.repositories.services import ServiceRepository
from dcms_desktop.data.repositories.settings import SettingsRepository
from dcms_desktop.data.repositories.stock_reports import StockReportRepository
from dcms_desktop.data.repositories.users import UserRepository

if TYPE_CHECKING:
    from dcms_desktop.data.uow import UnitOfWork


def bind_repositories(uow: UnitOfWork, session: Session) -> None:
    """Attach a fresh repository of every aggregate to ``uow`` for this transaction."""
    uow.users = UserRepository(session)
    uow.patients = PatientRepository(session)
    uow.appointments = AppointmentRepository(session)
    uow.services = ServiceRepository(session)
    uow.charts = ToothChartRepository(session)
    uow.bills = BillRepository(session)
    uow.inventory = InventoryRepository(session)
    uow.records = MedicalRecordRepository(session)
    uow.audit = AuditRepository(session)
    uow.reports = ReportRepository(session)
    uow.settings = SettingsRepository(session)
    uow.stock_reports = StockReportRepository(session)
