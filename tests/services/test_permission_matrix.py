"""Every service use case, as every role, on both backends: refused with
``PermissionDeniedError`` exactly where ``domain/permissions.PERMISSIONS`` says, and done
where it says the role may.

:data:`USE_CASES` names each public method of each service with the actions it needs and
a valid call; :data:`NOT_USE_CASES` the public methods that take no actor, and why. The
guard test fails when a service gains a public method that neither names, so a new use
case can't slip in without its row here.

One tiny demo clinic per backend serves the whole module; calls that change something
work on records made for them (a dentist and a patient of their own, appointments on days
nobody else uses), so the order of the tests doesn't matter.
"""

from __future__ import annotations

import importlib
import inspect
import itertools
import pkgutil
import shutil
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from functools import cache
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select

import dcms_desktop.services as services_package
from dcms_desktop.data import migrate
from dcms_desktop.data.cache import MemoryCache
from dcms_desktop.data.engine import Database, create_database
from dcms_desktop.data.events import LocalEventBus
from dcms_desktop.data.models import InventoryItem, Service
from dcms_desktop.data.models import User as UserRow
from dcms_desktop.domain.enums import MovementType, PaymentMethod, PricingModel, Role
from dcms_desktop.domain.errors import PermissionDeniedError
from dcms_desktop.domain.permissions import Action, is_allowed
from dcms_desktop.domain.pricing import compute_totals
from dcms_desktop.domain.readmodels.billing import BillFilter, BillView, NewBill, NewBillItem
from dcms_desktop.domain.readmodels.catalog import DentalService, MappingDraft, ServiceDraft
from dcms_desktop.domain.readmodels.people import Actor
from dcms_desktop.services import passwords
from dcms_desktop.services.audit import AuditService
from dcms_desktop.services.auth import AuthService
from dcms_desktop.services.billing import BillingService
from dcms_desktop.services.catalog import CatalogService
from dcms_desktop.services.charting import ChartService
from dcms_desktop.services.context import ServiceContext
from dcms_desktop.services.day_list import DayListService
from dcms_desktop.services.demo import generate_demo
from dcms_desktop.services.inventory import InventoryService, ItemForm
from dcms_desktop.services.invoices import InvoiceService
from dcms_desktop.services.patients import PatientForm, PatientService
from dcms_desktop.services.reports import ReportService
from dcms_desktop.services.scheduling import SchedulingService
from dcms_desktop.services.settings import SettingsService
from dcms_desktop.services.stock_reports import StockReportService
from dcms_desktop.services.users import UserService
from tests.conftest import (
    NO_PG_REASON,
    create_scratch_pg_database,
    drop_scratch_pg_database,
    pg_admin_url,
)
from tests.factories import actor_for, make_appointment, make_user, write_session

PASSWORD = "copper lamp river basket"
NEW_PASSWORD = "violet harbour under snow"
_A = Action


@cache
def password_hash() -> str:
    return passwords.hash_password(PASSWORD)


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@dataclass
class Env:
    """A demo clinic on one backend, and what the calls below work on."""

    database: Database
    context: ServiceContext
    clock: Clock
    today: date
    actors: dict[Role, Actor]
    dentist: uuid.UUID
    """A dentist of the test's own: nobody else books them."""
    patient: uuid.UUID
    demo_patient: uuid.UUID
    service: uuid.UUID
    item: uuid.UUID
    staff_member: uuid.UUID
    """The account the user-admin calls edit."""
    _serial: Iterator[int] = field(default_factory=lambda: itertools.count(1))
    # Walk-ins count apart: each takes 20 minutes of today's 09:00-18:00, whatever else
    # the module has made.
    _walk_ins: Iterator[int] = field(default_factory=lambda: itertools.count(0))

    @property
    def admin(self) -> Actor:
        return self.actors[Role.ADMIN]

    def serial(self) -> int:
        return next(self._serial)

    def walk_in_time(self) -> datetime:
        """The next 20-minute slot of today for a walk-in."""
        return datetime.combine(self.today, time(9, 0)) + timedelta(
            minutes=20 * next(self._walk_ins)
        )

    def free_start(self, *, past: bool = False) -> datetime:
        """10:00 on a day of the test dentist's own, far from the demo's book."""
        days = 200 + self.serial()
        day = self.today - timedelta(days=days) if past else self.today + timedelta(days=days)
        return datetime.combine(day, time(10, 0))

    def appointment(self, status: str = "pending", *, past: bool = False) -> uuid.UUID:
        """A visit of the test dentist and patient in ``status``."""
        with write_session(self.database) as session:
            dentist = session.get(UserRow, self.dentist)
            patient = session.get(UserRow, self.patient)
            assert dentist is not None and patient is not None
            return make_appointment(
                session,
                patient=patient,
                dentist=dentist,
                start=self.free_start(past=past),
                status=status,
            ).id

    def at(self, local: datetime, call: Callable[[], object]) -> object:
        """``call()`` with the clinic's clock at ``local`` (wall-clock time)."""
        before = self.clock.now
        self.clock.now = local.astimezone()
        try:
            return call()
        finally:
            self.clock.now = before


Call = Callable[[Env, Actor], object]


@dataclass(frozen=True)
class UseCase:
    service: type
    method: str
    actions: frozenset[Action]
    call: Call

    @property
    def name(self) -> str:
        return f"{self.service.__name__}.{self.method}"


def case(service: type, method: str, actions: Action | tuple[Action, ...], call: Call) -> UseCase:
    wanted = actions if isinstance(actions, tuple) else (actions,)
    return UseCase(service, method, frozenset(wanted), call)


# -- the calls that need some preparing ------------------------------------------------------
def _mark_teeth(env: Env, actor: Actor) -> object:
    chart = ChartService(env.context).patient_chart(env.admin, env.demo_patient)
    return ChartService(env.context).mark_teeth(
        actor,
        env.demo_patient,
        missing=chart.missing,
        treated=chart.treated,
        disabled=chart.disabled,
        expected_version=chart.version,
    )


def _update_patient(env: Env, actor: Actor) -> object:
    patients = PatientService(env.context)
    current = patients.get(env.admin, env.patient)
    return patients.update_patient(
        actor,
        env.patient,
        PatientForm.from_user(current),
        expected_version=current.version,
    )


def _new_patient_form(env: Env) -> PatientForm:
    n = env.serial()
    return PatientForm(first_name="Matrix", last_name=f"Patient{n}", email=f"mp{n}@example.org")


def _walk_in(env: Env, actor: Actor) -> object:
    # Each walk-in at its own time of today, so the test dentist's chair is free.
    now = env.walk_in_time()
    return env.at(
        now,
        lambda: SchedulingService(env.context).walk_in(actor, patient_id=env.patient, duration=10),
    )


def _move(env: Env, actor: Actor) -> object:
    appointment_id = env.appointment()
    current = SchedulingService(env.context).get_appointment(env.admin, appointment_id)
    return SchedulingService(env.context).move(
        actor, appointment_id, start=env.free_start(), expected_version=current.version
    )


def _account(env: Env) -> object:
    return UserService(env.context).get_account(env.admin, env.staff_member)


def _update_user(env: Env, actor: Actor) -> object:
    account = UserService(env.context).get_account(env.admin, env.staff_member)
    return UserService(env.context).update_user(
        actor,
        account.id,
        expected_version=account.version,
        email=account.email,
        first_name=account.first_name,
        last_name=account.last_name,
        phone=f"0917 {env.serial():07d}",
        role=account.role,
    )


def _set_active(env: Env, actor: Actor) -> object:
    account = UserService(env.context).get_account(env.admin, env.staff_member)
    return UserService(env.context).set_active(
        actor, account.id, not account.is_active, expected_version=account.version
    )


def _update_settings(env: Env, actor: Actor) -> object:
    settings = SettingsService(env.context)
    version = settings.get(env.admin).version
    return settings.update(actor, {"invoice_footer": f"Thank you ({env.serial()})"}, version)


def _change_own_password(env: Env, actor: Actor) -> object:
    auth = AuthService(env.context)
    auth.change_own_password(actor, current=PASSWORD, new=NEW_PASSWORD)
    return auth.change_own_password(actor, current=NEW_PASSWORD, new=PASSWORD)


def _restock_request(env: Env, status: str = "pending") -> tuple[uuid.UUID, int]:
    """A restock request of the test item taken to ``status`` by an admin: (id, version)."""
    inventory = InventoryService(env.context)
    request = inventory.request_restock(env.admin, env.item, 5, reason="permission matrix")
    if status in ("approved", "ordered"):
        request = inventory.approve_restock(env.admin, request.id, expected_version=request.version)
    if status == "ordered":
        request = inventory.order_restock(
            env.admin,
            request.id,
            expected_version=request.version,
            order_date=env.today,
            supplier_order_id=f"PO-{env.serial()}",
        )
    return request.id, request.version


def _item_form(env: Env) -> ItemForm:
    return ItemForm(
        name=f"Matrix item {env.serial()}",
        category="Matrix",
        unit="box",
        cost_per_unit=Decimal("1.00"),
        min_stock=1,
        max_stock=10,
    )


def _update_item(env: Env, actor: Actor) -> object:
    inventory = InventoryService(env.context)
    item = inventory.create_item(env.admin, _item_form(env))
    form = ItemForm.from_item(item)
    return inventory.update_item(
        actor, item.id, replace(form, max_stock=20), expected_version=item.version
    )


def _set_item_active(env: Env, actor: Actor) -> object:
    inventory = InventoryService(env.context)
    item = inventory.create_item(env.admin, _item_form(env))
    return inventory.set_item_active(actor, item.id, False, expected_version=item.version)


def _approve_restock(env: Env, actor: Actor) -> object:
    request_id, version = _restock_request(env)
    return InventoryService(env.context).approve_restock(
        actor, request_id, expected_version=version
    )


def _order_restock(env: Env, actor: Actor) -> object:
    request_id, version = _restock_request(env, "approved")
    return InventoryService(env.context).order_restock(
        actor,
        request_id,
        expected_version=version,
        order_date=env.today,
        supplier_order_id="PO-matrix",
    )


def _receive_restock(env: Env, actor: Actor) -> object:
    request_id, version = _restock_request(env, "ordered")
    return InventoryService(env.context).receive_restock(
        actor,
        request_id,
        expected_version=version,
        actual_delivery=env.today,
        quantity=5,
        unit_cost=Decimal("1.00"),
    )


def _cancel_restock(env: Env, actor: Actor) -> object:
    request_id, version = _restock_request(env)
    return InventoryService(env.context).cancel_restock(
        actor, request_id, "permission matrix", expected_version=version
    )


def _service_draft(env: Env) -> ServiceDraft:
    return ServiceDraft(
        name=f"Matrix service {uuid.uuid4().hex[:10]}",
        category="Matrix",
        price="10.00",
        duration=15,
    )


def _new_service(env: Env) -> DentalService:
    """A catalogue entry of the test's own, made by an admin."""
    return CatalogService(env.context).create_service(env.admin, _service_draft(env))


def _update_service(env: Env, actor: Actor) -> object:
    service = _new_service(env)
    return CatalogService(env.context).update_service(
        actor, service.id, service.version, _service_draft(env)
    )


def _deactivate_service(env: Env, actor: Actor) -> object:
    service = _new_service(env)
    return CatalogService(env.context).deactivate_service(
        actor, service.id, expected_version=service.version
    )


def _reactivate_service(env: Env, actor: Actor) -> object:
    catalog = CatalogService(env.context)
    service = _new_service(env)
    service = catalog.deactivate_service(env.admin, service.id, expected_version=service.version)
    return catalog.reactivate_service(actor, service.id, expected_version=service.version)


def _bill(env: Env, *, cancelled: bool = False) -> BillView:
    """A pending bill of 100.00 (plus tax) for the test patient, cancelled when asked."""
    price = Decimal("100.00")
    with env.context.uow() as uow:
        bill = uow.bills.add(
            NewBill(
                patient_id=env.patient,
                patient_name="Matrix Patient",
                patient_email="matrix.patient@example.org",
                appointment_date=env.today,
                totals=compute_totals([price], tax_rate_percent=Decimal("12")),
                items=(
                    NewBillItem(
                        service_id=None,
                        service_name="Matrix service",
                        pricing_model=PricingModel.PER_SESSION,
                        quantity=1,
                        unit_price=price,
                        subtotal=price,
                    ),
                ),
            ),
            generated_by=env.admin.user_id,
        )
        uow.commit()
    if cancelled:
        bill = BillingService(env.context).cancel_bill(
            env.admin, bill.id, bill.version, "permission matrix"
        )
    return bill


def _export_invoices(env: Env, actor: Actor) -> object:
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        return InvoiceService(env.context).export_batch(actor, [_bill(env).id], Path(folder))


def _add_bill_item(env: Env, actor: Actor) -> object:
    bill = _bill(env)
    # The last active service: other rows here edit (or retire) env.service.
    service = CatalogService(env.context).list_active(env.admin)[-1]
    return BillingService(env.context).add_item(
        actor, bill.id, bill.version, service_id=service.id, teeth=(16,)
    )


def _remove_bill_item(env: Env, actor: Actor) -> object:
    bill = _bill(env)
    return BillingService(env.context).remove_item(actor, bill.id, bill.version, bill.items[0].id)


def _set_discount(env: Env, actor: Actor) -> object:
    bill = _bill(env)
    return BillingService(env.context).set_discount(
        actor, bill.id, bill.version, percent=Decimal("10"), reason="permission matrix"
    )


def _record_payment(env: Env, actor: Actor) -> object:
    bill = _bill(env)
    return BillingService(env.context).record_payment(
        actor,
        bill.id,
        bill.version,
        amount=Decimal("10.00"),
        method=PaymentMethod.CASH,
        paid_on=env.today,
    )


def _cancel_bill(env: Env, actor: Actor) -> object:
    bill = _bill(env)
    return BillingService(env.context).cancel_bill(actor, bill.id, bill.version, "matrix")


def _reissue(env: Env, actor: Actor) -> object:
    return BillingService(env.context).reissue(actor, _bill(env, cancelled=True).id)


USE_CASES: tuple[UseCase, ...] = (
    # audit
    case(AuditService, "recent", _A.VIEW_AUDIT_LOG, lambda e, a: AuditService(e.context).recent(a)),
    # billing
    case(
        BillingService,
        "bills",
        _A.VIEW_BILLS,
        lambda e, a: BillingService(e.context).bills(a, BillFilter(limit=5)),
    ),
    case(
        BillingService,
        "bill_ids",
        _A.VIEW_BILLS,
        lambda e, a: BillingService(e.context).bill_ids(a, BillFilter(search="2026")),
    ),
    case(
        BillingService,
        "bill",
        _A.VIEW_BILLS,
        lambda e, a: BillingService(e.context).bill(a, _bill(e).id),
    ),
    case(
        BillingService,
        "bill_by_number",
        _A.VIEW_BILLS,
        lambda e, a: BillingService(e.context).bill_by_number(a, _bill(e).invoice_number),
    ),
    case(
        BillingService,
        "bill_for_appointment",
        _A.VIEW_BILLS,
        lambda e, a: BillingService(e.context).bill_for_appointment(a, e.appointment()),
    ),
    case(
        BillingService,
        "receivables_aging",
        _A.VIEW_BILLS,
        lambda e, a: BillingService(e.context).receivables_aging(a),
    ),
    case(
        BillingService,
        "receivables",
        _A.VIEW_BILLS,
        lambda e, a: BillingService(e.context).receivables(a, bucket="current", limit=5),
    ),
    case(
        BillingService,
        "patient_balance",
        _A.VIEW_BILLS,
        lambda e, a: BillingService(e.context).patient_balance(a, e.patient),
    ),
    case(BillingService, "add_item", _A.EDIT_BILLS, _add_bill_item),
    case(BillingService, "remove_item", _A.EDIT_BILLS, _remove_bill_item),
    case(BillingService, "set_discount", _A.EDIT_BILLS, _set_discount),
    case(BillingService, "record_payment", _A.RECORD_PAYMENT, _record_payment),
    case(BillingService, "cancel_bill", _A.CANCEL_BILL, _cancel_bill),
    case(BillingService, "reissue", _A.CANCEL_BILL, _reissue),
    # invoices
    case(
        InvoiceService,
        "invoice_pdf",
        _A.PRINT_INVOICE,
        lambda e, a: InvoiceService(e.context).invoice_pdf(a, _bill(e).id),
    ),
    case(
        InvoiceService,
        "preview_pdf",
        _A.PRINT_INVOICE,
        lambda e, a: InvoiceService(e.context).preview_pdf(a, _bill(e).id),
    ),
    case(
        InvoiceService,
        "invoice_pdf_by_number",
        _A.PRINT_INVOICE,
        lambda e, a: InvoiceService(e.context).invoice_pdf_by_number(a, _bill(e).invoice_number),
    ),
    case(InvoiceService, "export_batch", _A.PRINT_INVOICE, _export_invoices),
    case(
        InvoiceService,
        "bill_ids_between",
        _A.PRINT_INVOICE,
        lambda e, a: InvoiceService(e.context).bill_ids_between(a, e.today, e.today),
    ),
    # auth (the use cases of someone signed in)
    case(AuthService, "change_own_password", _A.CHANGE_OWN_PASSWORD, _change_own_password),
    # catalogue
    case(
        CatalogService,
        "list_active",
        _A.VIEW_SERVICES,
        lambda e, a: CatalogService(e.context).list_active(a),
    ),
    case(
        CatalogService,
        "get",
        _A.VIEW_SERVICES,
        lambda e, a: CatalogService(e.context).get(a, e.service),
    ),
    case(
        CatalogService,
        "list_services",
        _A.VIEW_SERVICES,
        lambda e, a: CatalogService(e.context).list_services(a, search="a", active=True),
    ),
    case(
        CatalogService,
        "categories",
        _A.VIEW_SERVICES,
        lambda e, a: CatalogService(e.context).categories(a),
    ),
    case(
        CatalogService,
        "create_service",
        _A.EDIT_SERVICES,
        lambda e, a: CatalogService(e.context).create_service(a, _service_draft(e)),
    ),
    case(CatalogService, "update_service", _A.EDIT_SERVICES, _update_service),
    case(CatalogService, "deactivate_service", _A.EDIT_SERVICES, _deactivate_service),
    case(CatalogService, "reactivate_service", _A.EDIT_SERVICES, _reactivate_service),
    case(
        CatalogService,
        "delete_service",
        _A.EDIT_SERVICES,
        lambda e, a: CatalogService(e.context).delete_service(a, _new_service(e).id),
    ),
    case(
        CatalogService,
        "mappings",
        _A.VIEW_SERVICES,
        lambda e, a: CatalogService(e.context).mappings(a, e.service),
    ),
    case(
        CatalogService,
        "save_mappings",
        _A.EDIT_INVENTORY,
        lambda e, a: CatalogService(e.context).save_mappings(
            a, _new_service(e).id, [MappingDraft(item_id=e.item, quantity_used="2")]
        ),
    ),
    # tooth charts
    case(
        ChartService,
        "patient_chart",
        _A.VIEW_CHART,
        lambda e, a: ChartService(e.context).patient_chart(a, e.demo_patient),
    ),
    case(ChartService, "mark_teeth", _A.EDIT_CHART, _mark_teeth),
    # inventory
    case(
        InventoryService,
        "item",
        _A.VIEW_INVENTORY,
        lambda e, a: InventoryService(e.context).item(a, e.item),
    ),
    case(
        InventoryService,
        "items",
        _A.VIEW_INVENTORY,
        lambda e, a: InventoryService(e.context).items(a),
    ),
    case(
        InventoryService,
        "ledger",
        _A.VIEW_INVENTORY,
        lambda e, a: InventoryService(e.context).ledger(a, e.item, limit=5),
    ),
    case(
        InventoryService,
        "low_stock",
        _A.VIEW_INVENTORY,
        lambda e, a: InventoryService(e.context).low_stock(a),
    ),
    case(
        InventoryService,
        "move_stock",
        _A.MOVE_STOCK,
        lambda e, a: InventoryService(e.context).move_stock(
            a, e.item, 1, MovementType.RESTOCK, "permission matrix"
        ),
    ),
    case(
        InventoryService,
        "needs_review",
        _A.VIEW_INVENTORY,
        lambda e, a: InventoryService(e.context).needs_review(a),
    ),
    case(
        InventoryService,
        "reconciliation",
        _A.EDIT_INVENTORY,
        lambda e, a: InventoryService(e.context).reconciliation(a),
    ),
    case(
        InventoryService,
        "restock_requests",
        _A.VIEW_INVENTORY,
        lambda e, a: InventoryService(e.context).restock_requests(a),
    ),
    case(
        InventoryService,
        "request_restock",
        _A.REQUEST_RESTOCK,
        lambda e, a: InventoryService(e.context).request_restock(
            a, e.item, 5, reason="permission matrix"
        ),
    ),
    case(
        InventoryService,
        "categories",
        _A.VIEW_INVENTORY,
        lambda e, a: InventoryService(e.context).categories(a),
    ),
    case(
        InventoryService,
        "create_item",
        _A.EDIT_INVENTORY,
        lambda e, a: InventoryService(e.context).create_item(a, _item_form(e), opening_stock=2),
    ),
    case(InventoryService, "update_item", _A.EDIT_INVENTORY, _update_item),
    case(InventoryService, "set_item_active", _A.EDIT_INVENTORY, _set_item_active),
    case(
        InventoryService,
        "shortfalls_for_appointment",
        _A.VIEW_INVENTORY,
        lambda e, a: InventoryService(e.context).shortfalls_for_appointment(a, uuid.uuid4()),
    ),
    case(InventoryService, "approve_restock", _A.APPROVE_RESTOCK, _approve_restock),
    case(InventoryService, "order_restock", _A.ORDER_RESTOCK, _order_restock),
    case(InventoryService, "receive_restock", _A.RECEIVE_RESTOCK, _receive_restock),
    case(InventoryService, "cancel_restock", _A.CANCEL_RESTOCK, _cancel_restock),
    # patients
    case(
        PatientService,
        "search",
        _A.VIEW_PATIENTS,
        lambda e, a: PatientService(e.context).search(a, "ma"),
    ),
    case(
        PatientService,
        "get",
        _A.VIEW_PATIENTS,
        lambda e, a: PatientService(e.context).get(a, e.demo_patient),
    ),
    case(
        PatientService,
        "alerts",
        _A.VIEW_PATIENTS,
        lambda e, a: PatientService(e.context).alerts(a, e.demo_patient),
    ),
    case(
        PatientService,
        "possible_duplicates",
        _A.VIEW_PATIENTS,
        lambda e, a: PatientService(e.context).possible_duplicates(a, _new_patient_form(e)),
    ),
    case(
        PatientService,
        "patient_page",
        _A.VIEW_PATIENTS,
        lambda e, a: PatientService(e.context).patient_page(a, e.demo_patient),
    ),
    case(
        PatientService,
        "create_patient",
        _A.EDIT_PATIENTS,
        lambda e, a: PatientService(e.context).create_patient(a, _new_patient_form(e)),
    ),
    case(PatientService, "update_patient", _A.EDIT_PATIENTS, _update_patient),
    # reports
    case(
        ReportService,
        "revenue_summary",
        _A.VIEW_REPORTS,
        lambda e, a: ReportService(e.context).revenue_summary(a),
    ),
    case(
        ReportService,
        "revenue_filter_options",
        _A.VIEW_REPORTS,
        lambda e, a: ReportService(e.context).revenue_filter_options(a),
    ),
    case(
        ReportService,
        "revenue_report",
        _A.VIEW_REPORTS,
        lambda e, a: ReportService(e.context).revenue_report(
            a, e.today - timedelta(days=90), e.today
        ),
    ),
    case(
        ReportService,
        "revenue_report_pdf",
        _A.VIEW_REPORTS,
        lambda e, a: ReportService(e.context).revenue_report_pdf(
            a, e.today - timedelta(days=90), e.today
        ),
    ),
    case(
        ReportService,
        "patient_summary",
        (_A.VIEW_PATIENTS, _A.VIEW_BILLS),
        lambda e, a: ReportService(e.context).patient_summary(a, e.demo_patient),
    ),
    # the appointment book
    case(
        SchedulingService,
        "day_schedule",
        _A.VIEW_SCHEDULE,
        lambda e, a: SchedulingService(e.context).day_schedule(a, e.today),
    ),
    case(
        SchedulingService,
        "dentist_week",
        _A.VIEW_SCHEDULE,
        lambda e, a: SchedulingService(e.context).dentist_week(a, e.dentist, e.today),
    ),
    case(
        SchedulingService,
        "get_appointment",
        _A.VIEW_SCHEDULE,
        lambda e, a: SchedulingService(e.context).get_appointment(a, e.appointment()),
    ),
    case(
        SchedulingService,
        "dentists",
        _A.VIEW_SCHEDULE,
        lambda e, a: SchedulingService(e.context).dentists(a),
    ),
    case(
        SchedulingService,
        "grid_minutes",
        _A.VIEW_SCHEDULE,
        lambda e, a: SchedulingService(e.context).grid_minutes(a),
    ),
    case(
        SchedulingService,
        "next_free_slots",
        _A.VIEW_SCHEDULE,
        lambda e, a: SchedulingService(e.context).next_free_slots(
            a, duration=30, dentist_id=e.dentist, from_day=e.today
        ),
    ),
    case(
        SchedulingService,
        "book_appointment",
        _A.BOOK_APPOINTMENT,
        lambda e, a: SchedulingService(e.context).book_appointment(
            a, patient_id=e.patient, dentist_id=e.dentist, start=e.free_start(), duration=30
        ),
    ),
    case(
        DayListService,
        "day_list",
        _A.VIEW_SCHEDULE,
        lambda e, a: DayListService(e.context).day_list(a, e.today),
    ),
    case(
        DayListService,
        "day_list_pdf",
        _A.VIEW_SCHEDULE,
        lambda e, a: DayListService(e.context).day_list_pdf(a, e.today),
    ),
    case(
        StockReportService,
        "stock_report",
        _A.VIEW_REPORTS,
        lambda e, a: StockReportService(e.context).stock_report(a),
    ),
    case(
        StockReportService,
        "stock_report_pdf",
        _A.VIEW_REPORTS,
        lambda e, a: StockReportService(e.context).stock_report_pdf(a),
    ),
    case(
        StockReportService,
        "movements_report",
        _A.VIEW_REPORTS,
        lambda e, a: StockReportService(e.context).movements_report(
            a, e.today - timedelta(days=7), e.today
        ),
    ),
    case(
        StockReportService,
        "movements_report_pdf",
        _A.VIEW_REPORTS,
        lambda e, a: StockReportService(e.context).movements_report_pdf(
            a, e.today - timedelta(days=7), e.today
        ),
    ),
    case(
        StockReportService,
        "check",
        _A.VIEW_INVENTORY,
        lambda e, a: StockReportService(e.context).check(a),
    ),
    case(SchedulingService, "walk_in", _A.BOOK_APPOINTMENT, _walk_in),
    case(SchedulingService, "move", _A.BOOK_APPOINTMENT, _move),
    case(
        SchedulingService,
        "confirm",
        _A.CHANGE_APPOINTMENT_STATUS,
        lambda e, a: SchedulingService(e.context).confirm(a, e.appointment()),
    ),
    case(
        SchedulingService,
        "start",
        _A.CHANGE_APPOINTMENT_STATUS,
        lambda e, a: SchedulingService(e.context).start(a, e.appointment(past=True)),
    ),
    case(
        SchedulingService,
        "cancel",
        _A.CHANGE_APPOINTMENT_STATUS,
        lambda e, a: SchedulingService(e.context).cancel(a, e.appointment(), "permission matrix"),
    ),
    case(
        SchedulingService,
        "no_show",
        _A.CHANGE_APPOINTMENT_STATUS,
        lambda e, a: SchedulingService(e.context).no_show(a, e.appointment(past=True)),
    ),
    case(
        SchedulingService,
        "complete",
        _A.COMPLETE_APPOINTMENT,
        lambda e, a: SchedulingService(e.context).complete(
            a, e.appointment("in_progress", past=True)
        ),
    ),
    # settings
    case(SettingsService, "get", _A.SIGN_IN, lambda e, a: SettingsService(e.context).get(a)),
    case(SettingsService, "update", _A.EDIT_SETTINGS, _update_settings),
    # users
    case(
        UserService,
        "list_accounts",
        _A.MANAGE_USERS,
        lambda e, a: UserService(e.context).list_accounts(a),
    ),
    case(
        UserService,
        "get_account",
        _A.MANAGE_USERS,
        lambda e, a: UserService(e.context).get_account(a, e.staff_member),
    ),
    case(
        UserService,
        "create_user",
        _A.MANAGE_USERS,
        lambda e, a: UserService(e.context).create_user(
            a,
            email=f"matrix{e.serial()}@clinic.ph",
            role=Role.STAFF,
            first_name="Matrix",
            last_name="Staff",
            password=PASSWORD,
        ),
    ),
    case(UserService, "update_user", _A.MANAGE_USERS, _update_user),
    case(UserService, "set_active", _A.MANAGE_USERS, _set_active),
    case(
        UserService,
        "unlock",
        _A.MANAGE_USERS,
        lambda e, a: UserService(e.context).unlock(a, e.staff_member),
    ),
    case(
        UserService,
        "reset_password",
        _A.MANAGE_USERS,
        lambda e, a: UserService(e.context).reset_password(a, e.staff_member, NEW_PASSWORD),
    ),
)

NOT_USE_CASES: dict[str, str] = {
    "AuditService.record": "writes inside another use case's unit of work, never on its own",
    "AuthService.needs_first_admin": "asked before anyone signs in",
    "AuthService.create_first_admin": "before anyone signs in; refused once an admin exists",
    "AuthService.sign_in": "before anyone signs in; refuses patients itself",
    "AuthService.demo_credentials": "before anyone signs in; a demo clinic only",
    "AuthService.sign_out": "takes the signed-in session, whoever it is",
    "AuthService.verify_password": "the lock screen: the signed-in user's own password",
    "PatientService.validate": "checks a form's text; reads and changes nothing",
    "DayListService.render_pdf": "lays out a day list already read; reads nothing",
    "StockReportService.render_stock_pdf": "lays out a stock report already read; reads nothing",
    "StockReportService.render_movements_pdf": "lays out a movements report already read",
    "ReportService.render_revenue_pdf": "lays out a revenue report already read; reads nothing",
    "ReportService.render_revenue_csv": "writes a revenue report already read; reads nothing",
}


def service_classes() -> list[type]:
    """Every public class of ``dcms_desktop.services`` built from a ServiceContext."""
    found = []
    for module_info in pkgutil.iter_modules(services_package.__path__):
        module = importlib.import_module(f"{services_package.__name__}.{module_info.name}")
        for name, cls in inspect.getmembers(module, inspect.isclass):
            if cls.__module__ != module.__name__ or name.startswith("_"):
                continue
            parameters = list(inspect.signature(cls.__init__).parameters)
            if parameters[1:2] == ["context"]:
                found.append(cls)
    return found


def public_methods(cls: type) -> set[str]:
    return {
        f"{cls.__name__}.{name}"
        for name, member in inspect.getmembers(cls)
        if not name.startswith("_") and callable(member) and not inspect.isclass(member)
    }


# -- the clinic -----------------------------------------------------------------------------
@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def env(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Env]:
    if request.param == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        path = tmp_path_factory.mktemp("matrix") / "clinic.db"
        shutil.copyfile(template, path)
        url, scratch = f"sqlite:///{path}", None
    else:
        if pg_admin_url() is None:
            pytest.skip(NO_PG_REASON)
        url = scratch = create_scratch_pg_database("dcms_matrix")
        engine = create_engine(url)
        migrate.upgrade(engine)
        engine.dispose()
    database = create_database(url)
    try:
        yield _clinic(database)
    finally:
        database.dispose()
        if scratch is not None:
            drop_scratch_pg_database(scratch)


def _clinic(database: Database) -> Env:
    summary = generate_demo(database, "tiny")
    clock = Clock(datetime.combine(summary.today, time(11, 40)).astimezone())
    context = ServiceContext(database, MemoryCache(), LocalEventBus(), "matrix-ws", clock=clock)
    with write_session(database) as session:
        actors = {
            role: actor_for(make_user(session, role, password_hash=password_hash()))
            for role in Role
        }
        dentist = make_user(session, Role.DENTIST, last_name="Matrix").id
        patient = make_user(session, Role.PATIENT).id
        staff_member = make_user(session, Role.STAFF, password_hash=password_hash()).id
        demo_patient = session.scalars(
            select(UserRow.id)
            .where(UserRow.role == Role.PATIENT.value, UserRow.is_active.is_(True))
            .order_by(UserRow.email)
            .limit(1)
        ).one()
        service = session.scalars(select(Service.id).order_by(Service.name).limit(1)).one()
        item = session.scalars(select(InventoryItem.id).order_by(InventoryItem.name).limit(1)).one()
    return Env(
        database=database,
        context=context,
        clock=clock,
        today=summary.today,
        actors=actors,
        dentist=dentist,
        patient=patient,
        demo_patient=demo_patient,
        service=service,
        item=item,
        staff_member=staff_member,
    )


# -- the tests ------------------------------------------------------------------------------
def test_every_public_service_method_is_a_use_case_here_or_named_as_none() -> None:
    discovered = set().union(*(public_methods(cls) for cls in service_classes()))
    listed = {use_case.name for use_case in USE_CASES}
    assert len(listed) == len(USE_CASES), "a use case is listed twice"
    assert not listed & set(NOT_USE_CASES)
    missing = sorted(discovered - listed - set(NOT_USE_CASES))
    assert not missing, f"add these to USE_CASES (or NOT_USE_CASES, with why): {missing}"
    gone = sorted((listed | set(NOT_USE_CASES)) - discovered)
    assert not gone, f"no longer service methods: {gone}"


@pytest.mark.parametrize("role", list(Role), ids=str)
@pytest.mark.parametrize("use_case", USE_CASES, ids=lambda use_case: use_case.name)
def test_each_role_is_refused_exactly_where_the_permission_table_says(
    env: Env, use_case: UseCase, role: Role
) -> None:
    actor = env.actors[role]
    allowed = all(is_allowed(role, action) for action in use_case.actions)
    if allowed:
        use_case.call(env, actor)  # done, without any error
    else:
        with pytest.raises(PermissionDeniedError):
            use_case.call(env, actor)


def test_patients_may_do_nothing_at_a_workstation_and_admins_everything() -> None:
    for use_case in USE_CASES:
        assert not any(is_allowed(Role.PATIENT, action) for action in use_case.actions)
        assert all(is_allowed(Role.ADMIN, action) for action in use_case.actions)
