"""Billing use cases: bills raised on completion, their lines and discount, payments,
cancelling and reissuing, the bills list, receivables ageing and a patient's balance.

Rules (docs: the billing contract):

- Completing a visit raises its bill in the completion's own transaction
  (:func:`raise_bill_for_completion`): one line per service of the visit as booked, the
  clinic's tax rate, no discount, due the completion's local date + the payment terms.
  A completion that rolls back leaves no bill and gives its invoice number back.
- A bill's lines and discount change only while it is not cancelled, its invoice not yet
  issued (printed) and no payment has been taken on it; otherwise the desk cancels it and
  raises a new one. Payments carried over by :meth:`BillingService.reissue` don't count
  as taken on the new bill (it exists to be corrected), but no edit may take its total
  below what was already paid.
- Totals follow :func:`dcms_desktop.domain.pricing.compute_totals` at the bill's own
  tax rate: the clinic's rate when the bill was raised, kept on the bill (``tax_rate``),
  so later edits and a reissue don't pick up a rate changed since; a discount needs a
  reason.
- Payments: above zero, at most the balance, not dated in the future; some paid ->
  ``partial``, all -> ``paid``. The bill keeps the sum paid and the last payment's
  method, date and reference in the same transaction.
- ``overdue`` is a SHOWN status, computed when read (``shown_status``).
- Every change names the version it was made on (``StaleRecordError`` naming who and
  when otherwise), is audited, and is announced after commit as ``bill <id> <what>``.
"""

from __future__ import annotations

import dataclasses
import logging
import uuid
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from dcms_desktop.data.repositories.bills import BILL_ENTITY, aging_visit_range
from dcms_desktop.data.types import utcnow
from dcms_desktop.data.uow import UnitOfWork
from dcms_desktop.domain.enums import BillStatus, PaymentMethod
from dcms_desktop.domain.errors import ConflictError, NotFoundError, ValidationError
from dcms_desktop.domain.money import ZERO, format_money, to_money
from dcms_desktop.domain.permissions import Action, require
from dcms_desktop.domain.pricing import (
    BillTotals,
    check_teeth_use,
    compute_totals,
    discount_from_percent,
    line_subtotal,
    quantity_for,
)
from dcms_desktop.domain.readmodels.billing import (
    CARRIED_PREFIX,
    AgingReport,
    BillFilter,
    BillList,
    BillView,
    NewBill,
    NewBillItem,
    PatientBalance,
    ReceivableRow,
    aging_bucket_key,
    shown_status,
)
from dcms_desktop.domain.readmodels.people import Actor
from dcms_desktop.domain.readmodels.scheduling import Appointment
from dcms_desktop.domain.readmodels.settings import ClinicSettingsView
from dcms_desktop.domain.teeth import validate_teeth
from dcms_desktop.services import audit
from dcms_desktop.services.context import ServiceContext

log = logging.getLogger(__name__)

CREATED = "created"
ITEM_ADDED = "item_added"
ITEM_REMOVED = "item_removed"
DISCOUNT = "discount"
PAYMENT = "payment"
CANCELLED = "cancelled"
REISSUED = "reissued"

MAX_REFERENCE = 100
MAX_NOTES = 2000
MAX_LIST_LIMIT = 5000


# -- raising a bill inside the completion ----------------------------------------------------
def raise_bill_for_completion(
    uow: UnitOfWork, actor: Actor, appointment: Appointment, *, at: datetime | None = None
) -> uuid.UUID:
    """Raise the bill of ``appointment``, just completed, in the completion's ``uow``.

    One line per booked service (teeth, quantity and unit price as booked), the clinic's
    current tax rate (kept on the bill), no discount, due the completion's local date
    (``at``) + the payment terms. No permission check of its own: completing checks.
    When the visit already has a bill that isn't cancelled, that one is kept and returned.
    """
    at = at or utcnow()
    existing = uow.bills.live_bill_for_appointment(appointment.id)
    if existing is not None:
        return existing.id
    settings = uow.settings.get()
    items = tuple(
        NewBillItem(
            service_id=line.service_id,
            service_name=line.service_name,
            pricing_model=line.pricing_model,
            quantity=line.quantity,
            unit_price=line.unit_price,
            subtotal=line.subtotal,
            teeth_treated=tuple(line.teeth),
            treatment_notes=line.treatment_notes,
        )
        for line in appointment.services
    )
    totals = compute_totals(
        [item.subtotal for item in items],
        tax_rate_percent=settings.tax_rate,
        currency=settings.currency,
    )
    completed_on = at.astimezone().date()
    bill = uow.bills.add(
        NewBill(
            patient_id=appointment.patient_id,
            patient_name=appointment.patient_name,
            patient_email=appointment.patient_email,
            appointment_date=appointment.date,
            totals=totals,
            items=items,
            appointment_id=appointment.id,
            due_date=completed_on + timedelta(days=settings.payment_terms_days),
            tax_rate=settings.tax_rate,
        ),
        generated_by=actor.user_id,
        at=at,
    )
    audit.record(
        uow,
        actor,
        "raise_bill",
        BILL_ENTITY,
        bill.id,
        at=at,
        details={
            "invoice_number": bill.invoice_number,
            "appointment_id": str(appointment.id),
            "items": len(items),
            "tax_rate": str(bill.tax_rate),
            "total": str(bill.total_amount),
        },
    )
    uow.announce(BILL_ENTITY, bill.id, CREATED)
    log.info("bill %s raised for appointment %s", bill.invoice_number, appointment.id)
    return bill.id


def _paid_status(paid: Decimal, total: Decimal) -> BillStatus:
    if paid <= 0:
        return BillStatus.PENDING
    return BillStatus.PAID if paid >= total else BillStatus.PARTIAL


class BillingService:
    """Bills: reading, changing, payments, cancelling and reissuing, receivables."""

    def __init__(self, context: ServiceContext) -> None:
        self.context = context

    def _today(self) -> date:
        return self.context.local_now().date()

    def _shown(self, bill: BillView, *, issued: bool) -> BillView:
        return dataclasses.replace(
            bill,
            shown_status=shown_status(
                bill.status,
                total_amount=bill.total_amount,
                amount_paid=bill.amount_paid,
                due_date=bill.due_date,
                today=self._today(),
            ),
            is_issued=issued,
        )

    def _done(
        self,
        uow: UnitOfWork,
        actor: Actor,
        bill_id: uuid.UUID,
        action: str,
        event: str,
        *,
        at: datetime,
        details: dict[str, Any],
    ) -> BillView:
        """The end of every change of one bill: audited, announced once committed, and
        the bill handed back as saved."""
        audit.record(uow, actor, action, BILL_ENTITY, bill_id, at=at, details=details)
        uow.announce(BILL_ENTITY, bill_id, event)
        result = self._read(uow, bill_id)
        uow.commit()
        return result

    def _read(self, uow: UnitOfWork, bill_id: uuid.UUID) -> BillView:
        bill = uow.bills.get(bill_id)
        if bill is None:
            raise NotFoundError("That bill no longer exists")
        return self._shown(bill, issued=uow.bills.is_issued(bill_id))

    # -- reading ------------------------------------------------------------------------
    def bills(self, actor: Actor, filters: BillFilter) -> BillList:
        """The bills matching ``filters``, newest visit first (the first ``limit``), with
        the count and the money over all of them."""
        require(actor.role, Action.VIEW_BILLS)
        if filters.date_from and filters.date_to and filters.date_from > filters.date_to:
            raise ValidationError(
                f"The period ends ({filters.date_to:%d %b %Y}) before it starts "
                f"({filters.date_from:%d %b %Y})",
                field="date_to",
            )
        limit = min(max(0, filters.limit), MAX_LIST_LIMIT)
        with self.context.uow(write=False) as uow:
            return uow.bills.list_bills(dataclasses.replace(filters, limit=limit), self._today())

    def bill_ids(self, actor: Actor, filters: BillFilter) -> list[uuid.UUID]:
        """The ids of every bill matching ``filters``, whatever its ``limit``, newest visit
        first: the bills list's "Export PDFs" prints all of them, not only those listed."""
        require(actor.role, Action.VIEW_BILLS)
        with self.context.uow(write=False) as uow:
            return uow.bills.bill_ids(filters, self._today())

    def bill(self, actor: Actor, bill_id: uuid.UUID) -> BillView:
        """One whole bill, with its shown status and whether its invoice is issued."""
        require(actor.role, Action.VIEW_BILLS)
        with self.context.uow(write=False) as uow:
            return self._read(uow, bill_id)

    def bill_by_number(self, actor: Actor, number: str) -> BillView:
        """The bill with invoice number ``number`` ("2026-000042")."""
        require(actor.role, Action.VIEW_BILLS)
        with self.context.uow(write=False) as uow:
            found = uow.bills.get_by_number(number)
            if found is None:
                raise NotFoundError(f"There is no bill {number.strip()}", field="number")
            return self._shown(found, issued=uow.bills.is_issued(found.id))

    def bill_for_appointment(self, actor: Actor, appointment_id: uuid.UUID) -> BillView | None:
        """The visit's bill (the one not cancelled, else its newest cancelled one), or None
        when the visit has none (not completed yet)."""
        require(actor.role, Action.VIEW_BILLS)
        with self.context.uow(write=False) as uow:
            found = uow.bills.for_appointment(appointment_id)
            if found is None:
                return None
            return self._shown(found, issued=uow.bills.is_issued(found.id))

    def receivables_aging(self, actor: Actor, as_of: date | None = None) -> AgingReport:
        """What open bills still owe, by days since the visit at ``as_of`` (default today):
        0-30, 31-60, 61-90, over 90."""
        require(actor.role, Action.VIEW_BILLS)
        with self.context.uow(write=False) as uow:
            return uow.bills.aging(as_of or self._today())

    def receivables(
        self,
        actor: Actor,
        as_of: date | None = None,
        bucket: str | None = None,
        limit: int = 500,
    ) -> list[ReceivableRow]:
        """Bills with money owed, oldest due first; only those of one ageing ``bucket``
        (its key or label) when given; the first ``limit``."""
        require(actor.role, Action.VIEW_BILLS)
        day = as_of or self._today()
        oldest: date | None = None
        newest: date | None = None
        if bucket:
            try:
                oldest, newest = aging_visit_range(day, aging_bucket_key(bucket))
            except ValueError:
                raise ValidationError(f"There is no age range {bucket!r}", field="bucket") from None
        with self.context.uow(write=False) as uow:
            return uow.bills.receivables(
                day,
                visits_from=oldest,
                visits_to=newest,
                limit=min(max(0, limit), MAX_LIST_LIMIT),
            )

    def patient_balance(self, actor: Actor, patient_id: uuid.UUID) -> PatientBalance:
        """The patient's billed, paid, balance, open bills and overdue amount (cancelled
        bills aside)."""
        require(actor.role, Action.VIEW_BILLS)
        with self.context.uow(write=False) as uow:
            return uow.bills.patient_balance(patient_id, self._today())

    # -- changing lines and discount ----------------------------------------------------
    def add_item(
        self,
        actor: Actor,
        bill_id: uuid.UUID,
        version: int,
        *,
        service_id: uuid.UUID,
        teeth: tuple[int, ...] | list[int] = (),
        sessions: int = 1,
        films: int = 1,
        notes: str | None = None,
    ) -> BillView:
        """Add a catalogue service to the bill read at ``version``, priced by its pricing
        model (teeth, sessions or films) at today's catalogue price."""
        require(actor.role, Action.EDIT_BILLS)
        now = self.context.now()
        with self.context.uow() as uow:
            bill = self._editable(uow, bill_id, version)
            service = uow.services.get(service_id)
            if service is None or not service.is_active:
                raise ValidationError(
                    "That service is no longer offered; choose another", field="service_id"
                )
            check_teeth_use(service.tooth_chart_use, teeth, service_name=service.name)
            quantity = quantity_for(
                service.pricing_model, teeth=teeth, sessions=sessions, films=films
            )
            text = (notes or "").strip() or None
            if text is not None and len(text) > MAX_NOTES:
                raise ValidationError(f"Keep the notes to {MAX_NOTES} characters", field="notes")
            item = NewBillItem(
                service_id=service.id,
                service_name=service.name,
                pricing_model=service.pricing_model,
                quantity=quantity,
                unit_price=service.price,
                subtotal=line_subtotal(service.price, quantity),
                description=service.description,
                teeth_treated=tuple(validate_teeth(teeth)),
                treatment_notes=text,
            )
            settings = uow.settings.get()
            totals = self._totals(
                [line.subtotal for line in bill.items] + [item.subtotal],
                bill.discount_amount,
                bill,
                settings,
            )
            item_id = uow.bills.add_item(bill_id, item, at=now)
            self._save_totals(uow, actor, bill, totals, settings, at=now)
            result = self._done(
                uow,
                actor,
                bill_id,
                "add_bill_item",
                ITEM_ADDED,
                at=now,
                details={
                    "item_id": str(item_id),
                    "service": item.service_name,
                    "quantity": item.quantity,
                    "teeth": list(item.teeth_treated),
                    "subtotal": str(item.subtotal),
                    "total": str(totals.total),
                },
            )
        return result

    def remove_item(
        self, actor: Actor, bill_id: uuid.UUID, version: int, item_id: uuid.UUID
    ) -> BillView:
        """Take a line off the bill read at ``version``."""
        require(actor.role, Action.EDIT_BILLS)
        now = self.context.now()
        with self.context.uow() as uow:
            bill = self._editable(uow, bill_id, version)
            line = next((line for line in bill.items if line.id == item_id), None)
            if line is None:
                raise NotFoundError("That line is no longer on the bill", field="items")
            settings = uow.settings.get()
            remaining = [other.subtotal for other in bill.items if other.id != item_id]
            try:
                totals = self._totals(remaining, bill.discount_amount, bill, settings)
            except ValidationError as error:
                if error.field != "discount":
                    raise
                raise ValidationError(
                    f"Without {line.service_name} the discount "
                    f"({format_money(bill.discount_amount, settings.currency)}) would be more "
                    "than the subtotal; lower the discount first",
                    field="items",
                ) from None
            uow.bills.remove_item(bill_id, item_id)
            self._save_totals(uow, actor, bill, totals, settings, at=now)
            result = self._done(
                uow,
                actor,
                bill_id,
                "remove_bill_item",
                ITEM_REMOVED,
                at=now,
                details={
                    "item_id": str(item_id),
                    "service": line.service_name,
                    "subtotal": str(line.subtotal),
                    "total": str(totals.total),
                },
            )
        return result

    def set_discount(
        self,
        actor: Actor,
        bill_id: uuid.UUID,
        version: int,
        *,
        amount: Decimal | str | None = None,
        percent: Decimal | str | None = None,
        reason: str | None,
    ) -> BillView:
        """Give the bill read at ``version`` a discount of ``amount`` or ``percent`` % of
        its subtotal (half-up to the cent), with a ``reason``; neither (or 0) removes it.
        Never above the subtotal."""
        require(actor.role, Action.EDIT_BILLS)
        if amount is not None and percent is not None:
            raise ValidationError(
                "Give the discount as an amount or as a percentage, not both", field="discount"
            )
        why = " ".join((reason or "").split())
        if len(why) > MAX_NOTES:
            raise ValidationError(
                f"Keep the reason to {MAX_NOTES} characters", field="discount_reason"
            )
        now = self.context.now()
        with self.context.uow() as uow:
            bill = self._editable(uow, bill_id, version)
            settings = uow.settings.get()
            if percent is not None:
                discount = discount_from_percent(bill.subtotal, percent)
            elif amount is not None:
                discount = to_money(amount, field="discount")
            else:
                discount = ZERO
            totals = self._totals([line.subtotal for line in bill.items], discount, bill, settings)
            if totals.discount > 0 and not why:
                raise ValidationError("Say why the discount is given", field="discount_reason")
            values = {"discount_reason": why if totals.discount > 0 else None}
            self._save_totals(uow, actor, bill, totals, settings, at=now, extra=values)
            result = self._done(
                uow,
                actor,
                bill_id,
                "set_discount",
                DISCOUNT,
                at=now,
                details={
                    "discount": str(totals.discount),
                    "percent": None if percent is None else str(percent),
                    "reason": values["discount_reason"],
                    "previous": str(bill.discount_amount),
                    "total": str(totals.total),
                },
            )
        return result

    def _editable(self, uow: UnitOfWork, bill_id: uuid.UUID, version: int) -> BillView:
        """The bill as the user had it open, if its lines and discount may still change."""
        bill = uow.bills.get(bill_id)
        if bill is None:
            raise NotFoundError("That bill no longer exists")
        if bill.version != version:
            raise uow.bills.stale_error(bill_id)
        number = bill.invoice_number
        if bill.status is BillStatus.CANCELLED:
            raise ValidationError(f"Bill {number} is cancelled, so it can't change")
        if uow.bills.is_issued(bill_id):
            raise ValidationError(
                f"The invoice for bill {number} has been issued, so the bill can't change; "
                "cancel the bill and raise a new one"
            )
        if bill.payments_taken_here:
            raise ValidationError(
                f"A payment has been taken on bill {number}, so it can't change; "
                "cancel the bill and raise a new one"
            )
        return bill

    @staticmethod
    def _totals(
        lines: list[Decimal], discount: Decimal, bill: BillView, settings: ClinicSettingsView
    ) -> BillTotals:
        """The totals of ``bill`` with ``lines`` and ``discount``, taxed at the BILL's rate
        (the one it was raised with), not the clinic's rate of today."""
        return compute_totals(
            lines,
            discount=discount,
            tax_rate_percent=bill.tax_rate,
            currency=settings.currency,
        )

    @staticmethod
    def _save_totals(
        uow: UnitOfWork,
        actor: Actor,
        bill: BillView,
        totals: BillTotals,
        settings: ClinicSettingsView,
        *,
        at: datetime,
        extra: dict[str, object] | None = None,
    ) -> None:
        if totals.total < bill.amount_paid:
            raise ValidationError(
                f"The bill would then come to {format_money(totals.total, settings.currency)}, "
                f"less than the {format_money(bill.amount_paid, settings.currency)} already "
                "paid on it",
                field="items",
            )
        values: dict[str, object] = {
            "subtotal": totals.subtotal,
            "discount_amount": totals.discount,
            "tax_amount": totals.tax,
            "total_amount": totals.total,
            "status": _paid_status(bill.amount_paid, totals.total),
            **(extra or {}),
        }
        uow.bills.update(bill.id, bill.version, values, by=actor.user_id, at=at)

    # -- payments -----------------------------------------------------------------------
    def record_payment(
        self,
        actor: Actor,
        bill_id: uuid.UUID,
        version: int,
        *,
        amount: Decimal | str,
        method: PaymentMethod | str,
        paid_on: date,
        reference: str | None = None,
    ) -> BillView:
        """Take a payment on the bill read at ``version``: above zero, at most the balance,
        not dated in the future. Some paid -> partial, all -> paid."""
        require(actor.role, Action.RECORD_PAYMENT)
        money = to_money(amount, field="amount")
        if money <= 0:
            raise ValidationError("Enter an amount above zero", field="amount")
        try:
            how = PaymentMethod(method)
        except ValueError:
            raise ValidationError("Choose how it was paid", field="method") from None
        if isinstance(paid_on, datetime):
            paid_on = paid_on.date()
        if not isinstance(paid_on, date):
            raise ValidationError("Enter the date it was paid", field="paid_on")
        if paid_on > self._today():
            raise ValidationError("A payment can't be dated in the future", field="paid_on")
        ref = (reference or "").strip() or None
        if ref is not None and len(ref) > MAX_REFERENCE:
            raise ValidationError(
                f"Keep the reference to {MAX_REFERENCE} characters", field="reference"
            )
        now = self.context.now()
        with self.context.uow() as uow:
            bill = uow.bills.get(bill_id)
            if bill is None:
                raise NotFoundError("That bill no longer exists")
            if bill.version != version:
                raise uow.bills.stale_error(bill_id)
            settings = uow.settings.get()
            if bill.status is BillStatus.CANCELLED:
                raise ValidationError(
                    f"Bill {bill.invoice_number} is cancelled; no payment can be taken on it"
                )
            if bill.status is BillStatus.PAID:
                raise ValidationError(f"Bill {bill.invoice_number} is already paid in full")
            if bill.balance <= 0:
                raise ValidationError(f"Nothing is owed on bill {bill.invoice_number}")
            if money > bill.balance:
                raise ValidationError(
                    f"That is more than the balance of "
                    f"{format_money(bill.balance, settings.currency)}",
                    field="amount",
                )
            payment_id = uow.bills.add_payment(
                bill_id,
                amount=money,
                method=how,
                paid_on=paid_on,
                reference=ref,
                recorded_by=actor.user_id,
                at=now,
            )
            paid = bill.amount_paid + money
            uow.bills.update(
                bill_id,
                version,
                {
                    "amount_paid": paid,
                    "status": _paid_status(paid, bill.total_amount),
                    "payment_method": how.value,
                    "payment_date": paid_on,
                    "payment_reference": ref,
                },
                by=actor.user_id,
                at=now,
            )
            result = self._done(
                uow,
                actor,
                bill_id,
                Action.RECORD_PAYMENT.value,
                PAYMENT,
                at=now,
                details={
                    "payment_id": str(payment_id),
                    "amount": str(money),
                    "method": how.value,
                    "paid_on": paid_on.isoformat(),
                    "reference": ref,
                    "balance": str(bill.total_amount - paid),
                },
            )
        log.info("payment of %s taken on bill %s", money, bill_id)
        return result

    # -- cancelling and reissuing -------------------------------------------------------
    def cancel_bill(self, actor: Actor, bill_id: uuid.UUID, version: int, reason: str) -> BillView:
        """Cancel the bill read at ``version`` (admins), saying why. Its payments stay
        recorded on it; :meth:`reissue` carries them to the new bill."""
        require(actor.role, Action.CANCEL_BILL)
        why = " ".join((reason or "").split())
        if not why:
            raise ValidationError("Say why the bill is cancelled", field="reason")
        if len(why) > MAX_NOTES:
            raise ValidationError(f"Keep the reason to {MAX_NOTES} characters", field="reason")
        now = self.context.now()
        with self.context.uow() as uow:
            bill = uow.bills.get(bill_id)
            if bill is None:
                raise NotFoundError("That bill no longer exists")
            if bill.version != version:
                raise uow.bills.stale_error(bill_id)
            if bill.status is BillStatus.CANCELLED:
                raise ValidationError(f"Bill {bill.invoice_number} is already cancelled")
            uow.bills.update(
                bill_id,
                version,
                {"status": BillStatus.CANCELLED, "cancellation_reason": why},
                by=actor.user_id,
                at=now,
            )
            result = self._done(
                uow,
                actor,
                bill_id,
                Action.CANCEL_BILL.value,
                CANCELLED,
                at=now,
                details={
                    "reason": why,
                    "from_status": bill.status.value,
                    "amount_paid": str(bill.amount_paid),
                },
            )
        return result

    def reissue(self, actor: Actor, bill_id: uuid.UUID) -> BillView:
        """A new pending bill, under a new number, in place of the cancelled ``bill_id``:
        same patient, visit, lines, discount, tax rate and totals; due today + the payment
        terms. The payments taken on the cancelled bill are carried over as payments on the new
        one (reference "carried from <old number>"). A bill is reissued once: refused when
        it already was (its reissue is the one to correct), and while the visit has another
        bill that isn't cancelled. Two admins reissuing at once: one wins, the other is
        told it was reissued (the old bill's row is held while reissuing)."""
        require(actor.role, Action.CANCEL_BILL)
        now = self.context.now()
        with self.context.uow() as uow:
            # Hold the old bill's row: a reissue racing this one waits, then reads the
            # bill as this one left it (reissued) and is refused.
            uow.bills.lock(bill_id)
            old = uow.bills.get(bill_id)
            if old is None:
                raise NotFoundError("That bill no longer exists")
            if old.status is not BillStatus.CANCELLED:
                raise ValidationError(
                    f"Bill {old.invoice_number} isn't cancelled; only a cancelled bill is reissued"
                )
            if old.reissued_as is not None:
                raise ConflictError(
                    f"Bill {old.invoice_number} was already reissued as bill "
                    f"{old.reissued_as}; open that one to correct it or reissue it"
                )
            if old.appointment_id is not None:
                live = uow.bills.live_bill_for_appointment(old.appointment_id)
                if live is not None:
                    raise ConflictError(
                        f"This visit already has bill {live.invoice_number}; change or cancel "
                        "that one instead"
                    )
            settings = uow.settings.get()
            taxable = old.subtotal - old.discount_amount
            totals = BillTotals(
                subtotal=old.subtotal,
                discount=old.discount_amount,
                taxable=taxable,
                tax=old.tax_amount,
                total=old.total_amount,
            )
            new = uow.bills.add(
                NewBill(
                    patient_id=old.patient_id,
                    patient_name=old.patient_name,
                    patient_email=old.patient_email,
                    appointment_date=old.appointment_date,
                    totals=totals,
                    items=tuple(
                        NewBillItem(
                            service_id=line.service_id,
                            service_name=line.service_name,
                            pricing_model=line.pricing_model,
                            quantity=line.quantity,
                            unit_price=line.unit_price,
                            subtotal=line.subtotal,
                            description=line.description,
                            teeth_treated=line.teeth_treated,
                            treatment_notes=line.treatment_notes,
                        )
                        for line in old.items
                    ),
                    appointment_id=old.appointment_id,
                    discount_reason=old.discount_reason,
                    due_date=self._today() + timedelta(days=settings.payment_terms_days),
                    notes=f"Reissue of bill {old.invoice_number}",
                    tax_rate=old.tax_rate,
                ),
                generated_by=actor.user_id,
                at=now,
            )
            carried = ZERO
            reference = f"{CARRIED_PREFIX}{old.invoice_number}"
            for payment in old.payments:
                uow.bills.add_payment(
                    new.id,
                    amount=payment.amount,
                    method=payment.method,
                    paid_on=payment.paid_on,
                    reference=reference,
                    recorded_by=actor.user_id,
                    at=now,
                )
                carried += payment.amount
            if old.payments:
                last = old.payments[-1]
                uow.bills.update(
                    new.id,
                    new.version,
                    {
                        "amount_paid": carried,
                        "status": _paid_status(carried, new.total_amount),
                        "payment_method": last.method.value,
                        "payment_date": last.paid_on,
                        "payment_reference": reference,
                    },
                    by=actor.user_id,
                    at=now,
                )
            uow.bills.update(
                old.id, old.version, {"reissued_as_id": new.id}, by=actor.user_id, at=now
            )
            audit.record(
                uow,
                actor,
                "reissue_bill",
                BILL_ENTITY,
                new.id,
                at=now,
                details={
                    "invoice_number": new.invoice_number,
                    "reissue_of": old.invoice_number,
                    "reissue_of_id": str(old.id),
                    "carried": str(carried),
                    "payments_carried": len(old.payments),
                },
            )
            uow.announce(BILL_ENTITY, old.id, REISSUED)
            uow.announce(BILL_ENTITY, new.id, CREATED)
            result = self._read(uow, new.id)
            uow.commit()
        log.info("bill %s reissued as %s", old.invoice_number, result.invoice_number)
        return result
