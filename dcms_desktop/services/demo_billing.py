"""Bills for the demo clinic's completed visits: items, discounts, tax and payments.

A bill is raised when a visit is completed, numbered in sequence within its year. Most
patients pay at the desk; some pay in instalments, some later (insurers often do), a few
not at all. What has been paid by today decides the status, as the application would:
paid in full -> ``paid``; unpaid after the due date -> ``overdue``; part paid ->
``partial``; nothing yet -> ``pending``. A few bills were cancelled.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from random import Random
from typing import Any

from dcms_desktop.data.bulk import BulkWriter
from dcms_desktop.data.models import Bill, BillItem, Payment
from dcms_desktop.domain.money import ZERO, to_money
from dcms_desktop.domain.pricing import compute_totals, discount_from_percent
from dcms_desktop.services.demo_catalogue import BILL_DISCOUNTS, SENIOR_DISCOUNT
from dcms_desktop.services.demo_people import moment, new_uuid

_BILLS = Bill.__table__
_ITEMS = BillItem.__table__
_PAYMENTS = Payment.__table__

_METHODS = ("cash", "card", "bank_transfer", "insurance", "other")
_METHOD_WEIGHTS = (45, 35, 10, 8, 2)
_HUNDRED = Decimal(100)
_SECOND = timedelta(seconds=1)


@dataclass(frozen=True)
class BillLine:
    """One billed service: what the appointment service row says."""

    service_id: uuid.UUID
    service_name: str
    description: str | None
    pricing_model: str
    quantity: int
    unit_price: Decimal
    subtotal: Decimal
    teeth: list[int] | None
    notes: str | None


class Biller:
    """Raises the bills of completed visits and records their payments."""

    def __init__(
        self,
        rng: Random,
        writer: BulkWriter,
        *,
        staff: list[uuid.UUID],
        tax_rate: Decimal,
        payment_terms_days: int,
        today: date,
        now: datetime,
        offset_minutes: int,
    ) -> None:
        self.rng = rng
        self.writer = writer
        self.staff = staff
        self.tax_rate = tax_rate
        self.terms = timedelta(days=payment_terms_days)
        self.today = today
        self.now = now
        self.offset = offset_minutes
        self.counters: dict[int, int] = {}
        self._last_generated = datetime.min.replace(tzinfo=UTC)

    def counter_rows(self) -> list[dict[str, Any]]:
        """The ``invoice_counters`` rows matching the numbers handed out."""
        return [{"year": y, "last_number": n} for y, n in sorted(self.counters.items())]

    def bill(
        self,
        *,
        appointment_id: uuid.UUID,
        patient_id: uuid.UUID,
        patient_name: str,
        patient_email: str,
        senior: bool,
        day: date,
        ended: datetime,
        lines: list[BillLine],
    ) -> None:
        rng = self.rng
        number = self.counters.get(day.year, 0) + 1
        self.counters[day.year] = number
        # Numbers follow the moment bills are raised, a second apart at least.
        generated_at = max(
            ended + timedelta(minutes=rng.randint(1, 5)), self._last_generated + _SECOND
        )
        self._last_generated = generated_at
        generated_by = rng.choice(self.staff)
        subtotal = sum((line.subtotal for line in lines), ZERO)

        discount, discount_reason = ZERO, None
        if senior and rng.random() < 0.9:
            discount_reason, percent = SENIOR_DISCOUNT
            discount = discount_from_percent(subtotal, percent)
        elif rng.random() < 0.06:
            discount_reason, percent = rng.choice(BILL_DISCOUNTS)
            discount = discount_from_percent(subtotal, percent)
        totals = compute_totals(
            [line.subtotal for line in lines], discount=discount, tax_rate_percent=self.tax_rate
        )
        bill_id = new_uuid(rng)
        due = day + self.terms

        cancelled = rng.random() < 0.006
        payments = [] if cancelled else self._payments(bill_id, totals.total, day, generated_at)
        paid = sum((p["amount"] for p in payments), ZERO)
        if cancelled:
            status = "cancelled"
        elif paid == totals.total:
            status = "paid"
        elif due < self.today:
            status = "overdue"
        elif paid > 0:
            status = "partial"
        else:
            status = "pending"
        last = payments[-1] if payments else None
        notes = None
        if len(payments) > 1 or (status in ("partial", "overdue") and paid > 0):
            notes = "Instalment plan agreed with the patient"
        elif last is not None and last["method"] == "insurance":
            notes = "Billed to the patient's HMO"

        self.writer.add(
            _BILLS,
            {
                "id": bill_id,
                "invoice_number": f"{day.year}-{number:06d}",
                "appointment_id": appointment_id,
                "patient_id": patient_id,
                "patient_name": patient_name,
                "patient_email": patient_email,
                "appointment_date": day,
                "subtotal": totals.subtotal,
                "tax_amount": totals.tax,
                "tax_rate": self.tax_rate,
                "discount_amount": totals.discount,
                "discount_reason": discount_reason,
                "total_amount": totals.total,
                "amount_paid": paid,
                "status": status,
                "payment_method": last["method"] if last else None,
                "payment_date": last["paid_on"] if last else None,
                "payment_reference": last["reference"] if last else None,
                "due_date": due,
                "notes": notes,
                "cancellation_reason": (
                    "Treatment redone under warranty: no charge" if cancelled else None
                ),
                "generated_by": generated_by,
                "generated_at": generated_at,
                "version": 1,
                "updated_by": last["recorded_by"] if last else generated_by,
                "updated_at": last["recorded_at"] if last else generated_at,
            },
        )
        for line in lines:
            self.writer.add(
                _ITEMS,
                {
                    "id": new_uuid(rng),
                    "bill_id": bill_id,
                    "service_id": line.service_id,
                    "service_name": line.service_name,
                    "description": line.description,
                    "pricing_model": line.pricing_model,
                    "quantity": line.quantity,
                    "unit_price": line.unit_price,
                    "subtotal": line.subtotal,
                    "teeth_treated": line.teeth,
                    "treatment_notes": line.notes,
                    "created_at": generated_at,
                },
            )
        for payment in payments:
            self.writer.add(_PAYMENTS, payment)

    # -- payments ---------------------------------------------------------------------------
    def _payments(
        self, bill_id: uuid.UUID, total: Decimal, day: date, generated_at: datetime
    ) -> list[dict[str, Any]]:
        """The payments made by today, by the patient's way of paying."""
        rng = self.rng
        plan = rng.random()
        method = rng.choices(_METHODS, _METHOD_WEIGHTS)[0]
        schedule: list[tuple[date, Decimal]] = []
        if method == "insurance":
            schedule.append((day + timedelta(days=rng.randint(10, 45)), total))
        elif plan < 0.84 or total < Decimal("5000"):
            if plan < 0.95:
                schedule.append((day, total))
            elif plan < 0.985:
                schedule.append((day + timedelta(days=rng.randint(3, 75)), total))
            # else: never paid
        elif plan < 0.93:
            parts = rng.randint(2, 3)
            first = to_money(total * Decimal(rng.randint(30, 50)) / _HUNDRED)
            rest = total - first
            schedule.append((day, first))
            when = day
            for index in range(1, parts):
                when = when + timedelta(days=rng.randint(14, 35))
                amount = rest if index == parts - 1 else to_money(rest / (parts - 1))
                rest -= amount
                schedule.append((when, amount))
        else:
            schedule.append((day + timedelta(days=rng.randint(3, 60)), total))

        payments = []
        for paid_on, amount in schedule:
            if paid_on > self.today or amount <= 0:
                continue
            if paid_on == day:
                recorded_at = generated_at + timedelta(minutes=rng.randint(1, 8))
                if recorded_at > self.now:
                    continue
            else:
                recorded_at = moment(paid_on, 9 * 60 + rng.randint(0, 8 * 60), self.offset)
                if recorded_at > self.now:
                    recorded_at = self.now
            payment_method = method if paid_on != day or method != "insurance" else "cash"
            payments.append(
                {
                    "id": new_uuid(rng),
                    "bill_id": bill_id,
                    "amount": amount,
                    "method": payment_method,
                    "paid_on": paid_on,
                    "reference": self._reference(payment_method),
                    "recorded_by": rng.choice(self.staff),
                    "recorded_at": recorded_at,
                }
            )
        return payments

    def _reference(self, method: str) -> str | None:
        r = self.rng
        if method == "card":
            return f"AUTH {r.randint(100000, 999999)}"
        if method == "bank_transfer":
            return f"BT-{r.randint(10**9, 10**10 - 1)}"
        if method == "insurance":
            return f"LOA-{r.randint(1000000, 9999999)}"
        if method == "other":
            return "GCash " + str(r.randint(10**12, 10**13 - 1))
        return None
