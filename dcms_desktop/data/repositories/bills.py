"""Bills, bill items, payments and invoice numbers.

Invoice numbers are ``{year}-{n:06d}``, sequential per year and gapless: the counter row
of the year is incremented by one atomic upsert in the caller's transaction, so the row
stays locked until the bill commits (two workstations raising bills at once take turns)
and a bill that rolls back gives its number back.
"""

from __future__ import annotations

import string
import uuid
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Date,
    Row,
    and_,
    bindparam,
    case,
    func,
    literal,
    or_,
    select,
    true,
    type_coerce,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, aliased
from sqlalchemy.orm.exc import StaleDataError

from dcms_desktop.data.models import (
    Appointment,
    AuditEntry,
    Bill,
    BillItem,
    ClinicSettings,
    InvoiceCounter,
    InvoiceDocument,
    Payment,
    User,
    email_key,
    full_name_key,
    last_name_key,
)
from dcms_desktop.data.types import Decimal2, utcnow
from dcms_desktop.domain.enums import BillStatus, PaymentMethod, PricingModel
from dcms_desktop.domain.errors import NotFoundError, StaleRecordError
from dcms_desktop.domain.money import CENT, ZERO
from dcms_desktop.domain.readmodels.billing import (
    AGING_BUCKETS,
    AgingBucket,
    AgingReport,
    BillFilter,
    BillItemView,
    BillList,
    BillListRow,
    BillSummary,
    BillView,
    NewBill,
    NewBillItem,
    PatientBalance,
    PaymentView,
    ReceivableRow,
    StoredInvoice,
)
from dcms_desktop.domain.readmodels.people import full_name

OPEN_BILL_STATUSES = (BillStatus.PENDING, BillStatus.PARTIAL, BillStatus.OVERDUE)
"""Statuses of bills that may still have money owed on them."""

BILL_ENTITY = "bill"
"""The audit trail's and the event bus's name for a bill."""

_OPEN_VALUES = [status.value for status in OPEN_BILL_STATUSES]
_Dentist = aliased(User, name="dentist")
_Updater = aliased(User, name="updater")


def _is_open() -> ColumnElement[bool]:
    """Open (pending, partial or stored overdue) with money still owed."""
    return and_(Bill.status.in_(_OPEN_VALUES), Bill.amount_paid < Bill.total_amount)


def _shown_status(today: Any) -> ColumnElement[str]:
    """:func:`dcms_desktop.domain.readmodels.billing.shown_status` in SQL, on ``today``
    (a date or a bind parameter)."""
    return case(
        (and_(_is_open(), Bill.due_date < today), literal(BillStatus.OVERDUE.value)),
        (
            Bill.status == BillStatus.OVERDUE.value,
            case(
                (Bill.amount_paid > 0, literal(BillStatus.PARTIAL.value)),
                else_=literal(BillStatus.PENDING.value),
            ),
        ),
        else_=Bill.status,
    )


def _money_sum(value: Any) -> Any:
    """SUM of a money column, read back as an exact Decimal on both backends."""
    return type_coerce(func.coalesce(func.sum(value), 0), Decimal2(14))


_AFTER_EVERYTHING = "\U0010ffff"
MAX_LISTED_PATIENTS = 500
"""A search matching more patients than this filters the bills by a sub-select instead."""
_ASCII_FOLD = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)


def _starts_with(key: ColumnElement[str], prefix: str) -> ColumnElement[bool]:
    """``key`` starts with ``prefix``, as an index range (the keys are bytewise)."""
    return and_(key >= prefix, key < prefix + _AFTER_EVERYTHING)


# Built once: the ageing report (one aggregate over the open bills; the age of a bill is
# compared as its visit date against the cut-off dates, so no date arithmetic in SQL).
_AGE_RANK = case(
    (Bill.appointment_date >= bindparam("cut_30", type_=Date), 0),
    (Bill.appointment_date >= bindparam("cut_60", type_=Date), 1),
    (Bill.appointment_date >= bindparam("cut_90", type_=Date), 2),
    else_=3,
)
_AGED = (
    select(_AGE_RANK.label("bucket"), (Bill.total_amount - Bill.amount_paid).label("owed"))
    .where(_is_open(), Bill.appointment_date <= bindparam("as_of", type_=Date))
    .subquery("aged")
)
_AGING = (
    select(
        _AGED.c.bucket,
        func.count().label("bills"),
        type_coerce(func.sum(_AGED.c.owed), Decimal2(14)).label("owed"),
    )
    .group_by(_AGED.c.bucket)
    .order_by(_AGED.c.bucket)
)


def format_invoice_number(year: int, number: int) -> str:
    """``2026-000001``."""
    return f"{year}-{number:06d}"


class BillRepository:
    """Bills, bill items, payments and invoice numbers."""

    def __init__(self, session: Session) -> None:
        self.session = session

    # -- numbers ------------------------------------------------------------------------
    def next_invoice_number(self, year: int) -> str:
        """Take the next number of ``year`` (see module docstring); rolls back with the bill."""
        table = InvoiceCounter.__table__
        dialect = self.session.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        statement = insert(table).values(year=year, last_number=1)
        statement = statement.on_conflict_do_update(
            index_elements=[table.c.year],
            set_={"last_number": table.c.last_number + 1},
        ).returning(table.c.last_number)
        number = self.session.execute(statement).scalar_one()
        return format_invoice_number(year, number)

    # -- writing ------------------------------------------------------------------------
    def add(
        self,
        bill: NewBill,
        *,
        generated_by: uuid.UUID | None,
        at: datetime | None = None,
    ) -> BillView:
        """Store ``bill`` with its items under the next invoice number of the year ``at``,
        with its tax rate (the clinic's current one when the bill names none)."""
        lines = sum((item.subtotal for item in bill.items), start=ZERO)
        if lines != bill.totals.subtotal:
            raise ValueError(
                f"bill items add up to {lines}, but the bill's subtotal is {bill.totals.subtotal}"
            )
        now = at or utcnow()
        row = Bill(
            invoice_number=self.next_invoice_number(now.astimezone().year),
            appointment_id=bill.appointment_id,
            patient_id=bill.patient_id,
            patient_name=bill.patient_name,
            patient_email=bill.patient_email,
            appointment_date=bill.appointment_date,
            subtotal=bill.totals.subtotal,
            discount_amount=bill.totals.discount,
            discount_reason=bill.discount_reason,
            tax_amount=bill.totals.tax,
            tax_rate=(
                bill.tax_rate if bill.tax_rate is not None else self._clinic_tax_rate()
            ).quantize(CENT),  # as the column reads back: "12.00"
            total_amount=bill.totals.total,
            status=BillStatus(bill.status).value,
            due_date=bill.due_date,
            notes=bill.notes,
            generated_by=generated_by,
            generated_at=now,
            updated_by=generated_by,
            updated_at=now,
        )
        self.session.add(row)
        self.session.flush()
        item_rows = []
        for position, item in enumerate(bill.items):
            item_rows.append(
                BillItem(
                    bill_id=row.id,
                    service_id=item.service_id,
                    service_name=item.service_name,
                    description=item.description,
                    pricing_model=PricingModel(item.pricing_model).value,
                    quantity=item.quantity,
                    unit_price=item.unit_price,
                    subtotal=item.subtotal,
                    teeth_treated=list(item.teeth_treated) or None,
                    treatment_notes=item.treatment_notes,
                    # Items keep the order they were entered in (created_at sorts them).
                    created_at=now + timedelta(microseconds=position),
                )
            )
        self.session.add_all(item_rows)
        self.session.flush()
        # The view from the rows just written (no read back: this is on every completion).
        return _bill_view(row, item_rows, ())

    def _clinic_tax_rate(self) -> Decimal:
        """The clinic's current tax rate (percent); 0 before the settings exist."""
        rate = self.session.scalar(select(ClinicSettings.tax_rate).where(ClinicSettings.id == 1))
        return rate if rate is not None else Decimal("0")

    # -- issued documents ---------------------------------------------------------------
    def is_issued(self, bill_id: uuid.UUID) -> bool:
        """Whether the bill's invoice has been issued (its PDF is stored)."""
        found = self.session.scalar(
            select(InvoiceDocument.bill_id).where(InvoiceDocument.bill_id == bill_id)
        )
        return found is not None

    def document(self, bill_id: uuid.UUID) -> StoredInvoice | None:
        """The stored PDFs of the bill's issued invoice, or None before it is issued."""
        row = self.session.get(InvoiceDocument, bill_id)
        if row is None:
            return None
        return StoredInvoice(
            bill_id=row.bill_id,
            page_size=row.page_size,
            original_pdf=row.original_pdf,
            copy_pdf=row.copy_pdf,
            sha256=row.sha256,
            issued_by=row.issued_by,
            issued_at=row.issued_at,
        )

    def store_document(
        self,
        bill_id: uuid.UUID,
        *,
        page_size: str,
        original_pdf: bytes,
        copy_pdf: bytes,
        sha256: str,
        issued_by: uuid.UUID | None,
        at: datetime | None = None,
    ) -> None:
        """Keep the issued invoice's PDFs (once: the primary key refuses a second issue)."""
        self.session.add(
            InvoiceDocument(
                bill_id=bill_id,
                page_size=page_size,
                original_pdf=original_pdf,
                copy_pdf=copy_pdf,
                sha256=sha256,
                issued_by=issued_by,
                issued_at=at or utcnow(),
            )
        )
        self.session.flush()

    # -- reading ------------------------------------------------------------------------
    def get(self, bill_id: uuid.UUID) -> BillView | None:
        """The whole bill with its items and payments, or None."""
        bill = self.session.get(Bill, bill_id, populate_existing=True)
        if bill is None:
            return None
        items = self.session.scalars(
            select(BillItem)
            .where(BillItem.bill_id == bill_id)
            .order_by(BillItem.created_at, BillItem.id)
        ).all()
        payments = self.session.scalars(
            select(Payment)
            .where(Payment.bill_id == bill_id)
            .order_by(Payment.paid_on, Payment.recorded_at, Payment.id)
        ).all()
        reissued_as = None
        if bill.reissued_as_id is not None:
            reissued_as = self.session.scalar(
                select(Bill.invoice_number).where(Bill.id == bill.reissued_as_id)
            )
        return _bill_view(bill, items, payments, reissued_as)

    def lock(self, bill_id: uuid.UUID) -> None:
        """Hold the bill's row until the transaction ends (PostgreSQL; SQLite's write
        transactions hold the whole database already)."""
        self.session.execute(select(Bill.id).where(Bill.id == bill_id).with_for_update())

    def get_by_number(self, invoice_number: str) -> BillView | None:
        bill_id = self.session.scalar(
            select(Bill.id).where(Bill.invoice_number == invoice_number.strip())
        )
        return None if bill_id is None else self.get(bill_id)

    def for_patient(self, patient_id: uuid.UUID) -> list[BillSummary]:
        """The patient's bills, newest visit first."""
        rows = self.session.execute(
            select(*_SUMMARY_COLUMNS)
            .where(Bill.patient_id == patient_id)
            .order_by(Bill.appointment_date.desc(), Bill.invoice_number.desc())
        )
        return [_summary(row) for row in rows]

    def receivables(
        self,
        as_of: date,
        *,
        visits_from: date | None = None,
        visits_to: date | None = None,
        limit: int | None = None,
    ) -> list[ReceivableRow]:
        """Bills with money still owed, oldest due first; overdue days counted at ``as_of``.

        ``visits_from``/``visits_to`` (both included) narrow it to bills of those visit
        dates (an ageing bucket); ``limit`` keeps the first ones.
        """
        query = select(
            Bill.id,
            Bill.invoice_number,
            Bill.patient_id,
            Bill.patient_name,
            Bill.patient_email,
            Bill.appointment_date,
            Bill.due_date,
            Bill.total_amount,
            Bill.amount_paid,
            Bill.status,
        ).where(_is_open())
        if visits_from is not None:
            query = query.where(Bill.appointment_date >= visits_from)
        if visits_to is not None:
            query = query.where(Bill.appointment_date <= visits_to)
        query = query.order_by(
            Bill.due_date.is_(None),
            Bill.due_date,
            Bill.appointment_date,
            Bill.invoice_number,
        )
        if limit is not None:
            query = query.limit(limit)
        return [
            ReceivableRow(
                bill_id=row.id,
                invoice_number=row.invoice_number,
                patient_id=row.patient_id,
                patient_name=row.patient_name,
                patient_email=row.patient_email,
                appointment_date=row.appointment_date,
                due_date=row.due_date,
                total_amount=row.total_amount,
                amount_paid=row.amount_paid,
                status=BillStatus(row.status),
                days_overdue=max(0, (as_of - row.due_date).days) if row.due_date else 0,
            )
            for row in self.session.execute(query)
        ]

    def list_bills(self, filters: BillFilter, today: date) -> BillList:
        """The first ``filters.limit`` bills matching ``filters``, newest visit first, with
        the count and sums over all of them; the shown status is computed on ``today``."""
        conditions = self._conditions(filters, today)
        needs_visit = filters.dentist_id is not None
        # Cancelled bills are listed but not summed (a reissue would count twice), unless
        # the list is of cancelled bills.
        counted = (
            true()
            if filters.status is not None and BillStatus(filters.status) is BillStatus.CANCELLED
            else Bill.status != BillStatus.CANCELLED.value
        )
        totals_query = select(
            func.count().label("bills"),
            _money_sum(case((counted, Bill.total_amount), else_=0)).label("total"),
            _money_sum(case((counted, Bill.amount_paid), else_=0)).label("paid"),
        ).select_from(Bill)
        if needs_visit:
            totals_query = totals_query.join(Appointment, Appointment.id == Bill.appointment_id)
        totals = self.session.execute(totals_query.where(*conditions)).one()
        # The page of bills first, then its visits' dentists: joining before the LIMIT
        # would look up the dentist of every matching bill.
        newest_first = (Bill.appointment_date.desc(), Bill.invoice_number.desc())
        page_query = select(Bill.id).select_from(Bill)
        if needs_visit:
            page_query = page_query.join(Appointment, Appointment.id == Bill.appointment_id)
        page = (
            page_query.where(*conditions)
            .order_by(*newest_first)
            .limit(max(0, filters.limit))
            .subquery("page")
        )
        shown = _shown_status(today).label("shown_status")
        rows_query = (
            select(*_SUMMARY_COLUMNS, _Dentist.first_name, _Dentist.last_name, shown)
            .select_from(Bill)
            .join(page, page.c.id == Bill.id)
            .outerjoin(Appointment, Appointment.id == Bill.appointment_id)
            .outerjoin(_Dentist, _Dentist.id == Appointment.dentist_id)
            .order_by(*newest_first)
        )
        rows = tuple(
            BillListRow(
                **_summary(row).__dict__,
                dentist_name=None if row.last_name is None else _dentist(row),
                shown_status=BillStatus(row.shown_status),
            )
            for row in self.session.execute(rows_query)
        )
        count = int(totals.bills)
        return BillList(
            rows=rows,
            count=count,
            total=totals.total,
            paid=totals.paid,
            balance=totals.total - totals.paid,
            truncated=count > len(rows),
        )

    def bill_ids(self, filters: BillFilter, today: date) -> list[uuid.UUID]:
        """Every bill matching ``filters`` (no limit), newest visit first: what a batch
        export of the list's filter prints."""
        query = select(Bill.id).select_from(Bill)
        if filters.dentist_id is not None:
            query = query.join(Appointment, Appointment.id == Bill.appointment_id)
        query = query.where(*self._conditions(filters, today)).order_by(
            Bill.appointment_date.desc(), Bill.invoice_number.desc()
        )
        return list(self.session.scalars(query))

    def _conditions(self, filters: BillFilter, today: date) -> list[ColumnElement[bool]]:
        conditions: list[ColumnElement[bool]] = []
        if filters.status is not None:
            wanted = BillStatus(filters.status)
            conditions.append(_shown_status(today) == wanted.value)
            # The same, said so that the status index can serve it: a bill shows as
            # pending, partial or overdue only when it is stored open, and as paid or
            # cancelled only when it is stored so.
            if wanted in OPEN_BILL_STATUSES:
                conditions.append(Bill.status.in_(_OPEN_VALUES))
            else:
                conditions.append(Bill.status == wanted.value)
        if filters.date_from is not None:
            conditions.append(Bill.appointment_date >= filters.date_from)
        if filters.date_to is not None:
            conditions.append(Bill.appointment_date <= filters.date_to)
        if filters.patient_id is not None:
            conditions.append(Bill.patient_id == filters.patient_id)
        if filters.dentist_id is not None:
            conditions.append(Appointment.dentist_id == filters.dentist_id)
        words = " ".join(filters.search.split())
        if words:
            conditions.append(self._matching(words))
        return conditions

    def _matching(self, words: str) -> ColumnElement[bool]:
        """Bills whose invoice number starts with ``words``, or whose patient's last name,
        "first last" or email does (the patient search's indexed keys, as index ranges).

        The patients are looked up first: given their ids (a few hundred at most for
        anything but the vaguest text), the bills are index look-ups on both sides of the
        OR, where a sub-select would make PostgreSQL read every bill.
        """
        sqlite_fold = self.session.get_bind().dialect.name == "sqlite"
        folded = words.translate(_ASCII_FOLD) if sqlite_fold else words.lower()
        patients = select(User.id).where(
            or_(
                _starts_with(last_name_key(User.last_name), folded),
                _starts_with(full_name_key(User.first_name, User.last_name), folded),
                _starts_with(email_key(User.email), folded),
            )
        )
        found = list(self.session.scalars(patients.limit(MAX_LISTED_PATIENTS + 1)))
        by_patient: ColumnElement[bool] = (
            Bill.patient_id.in_(patients)
            if len(found) > MAX_LISTED_PATIENTS
            else Bill.patient_id.in_(found)
        )
        if not any(character.isdigit() for character in words):
            return by_patient
        return or_(_starts_with(Bill.invoice_number, words.upper()), by_patient)

    def aging(self, as_of: date) -> AgingReport:
        """What the open bills still owe by age at ``as_of`` (days since the visit): the
        buckets of :data:`AGING_BUCKETS`, empty ones included. Bills of visits after
        ``as_of`` are not counted."""
        found = {
            int(row.bucket): (int(row.bills), row.owed)
            for row in self.session.execute(_AGING, _aging_cutoffs(as_of))
        }
        buckets = tuple(
            AgingBucket(
                label=label,
                count=found.get(rank, (0, ZERO))[0],
                amount=found.get(rank, (0, ZERO))[1],
                key=key,
            )
            for rank, (key, label, _) in enumerate(AGING_BUCKETS)
        )
        return AgingReport(
            as_of=as_of,
            buckets=buckets,
            total=sum((b.amount for b in buckets), start=ZERO),
            count=sum(b.count for b in buckets),
        )

    def patient_balance(self, patient_id: uuid.UUID, today: date) -> PatientBalance:
        """The patient's money over their bills that aren't cancelled; overdue as shown on
        ``today``."""
        overdue = and_(_is_open(), Bill.due_date < today)
        row = self.session.execute(
            select(
                _money_sum(Bill.total_amount).label("billed"),
                _money_sum(Bill.amount_paid).label("paid"),
                func.coalesce(func.sum(case((_is_open(), 1), else_=0)), 0).label("open_bills"),
                _money_sum(case((overdue, Bill.total_amount - Bill.amount_paid), else_=0)).label(
                    "overdue"
                ),
            ).where(Bill.patient_id == patient_id, Bill.status != BillStatus.CANCELLED.value)
        ).one()
        return PatientBalance(
            patient_id=patient_id,
            total_billed=row.billed,
            total_paid=row.paid,
            balance=row.billed - row.paid,
            open_bills=int(row.open_bills),
            overdue_amount=row.overdue,
        )

    def for_appointment(self, appointment_id: uuid.UUID) -> BillView | None:
        """The appointment's bill: the one not cancelled, else the newest cancelled one."""
        bill_id = self.session.scalar(
            select(Bill.id)
            .where(Bill.appointment_id == appointment_id)
            .order_by(
                (Bill.status == BillStatus.CANCELLED.value),
                Bill.generated_at.desc(),
                Bill.invoice_number.desc(),
            )
            .limit(1)
        )
        return None if bill_id is None else self.get(bill_id)

    def live_bill_for_appointment(self, appointment_id: uuid.UUID) -> BillSummary | None:
        """The appointment's bill that isn't cancelled (there is at most one), or None."""
        row = self.session.execute(
            select(*_SUMMARY_COLUMNS)
            .where(
                Bill.appointment_id == appointment_id,
                Bill.status != BillStatus.CANCELLED.value,
            )
            .limit(1)
        ).one_or_none()
        return None if row is None else _summary(row)

    # -- changing a bill ----------------------------------------------------------------
    def add_item(self, bill_id: uuid.UUID, item: NewBillItem, *, at: datetime) -> uuid.UUID:
        """Add a line at the end of the bill (the caller updates the totals)."""
        last = self.session.scalar(
            select(func.max(BillItem.created_at)).where(BillItem.bill_id == bill_id)
        )
        if last is not None and last >= at:
            # Lines list in the order entered (created_at), even within one clock tick.
            at = last + timedelta(microseconds=1)
        row = BillItem(
            bill_id=bill_id,
            service_id=item.service_id,
            service_name=item.service_name,
            description=item.description,
            pricing_model=PricingModel(item.pricing_model).value,
            quantity=item.quantity,
            unit_price=item.unit_price,
            subtotal=item.subtotal,
            teeth_treated=list(item.teeth_treated) or None,
            treatment_notes=item.treatment_notes,
            created_at=at,
        )
        self.session.add(row)
        self.session.flush()
        return row.id

    def remove_item(self, bill_id: uuid.UUID, item_id: uuid.UUID) -> None:
        """Delete a line of the bill (the caller updates the totals)."""
        row = self.session.get(BillItem, item_id)
        if row is None or row.bill_id != bill_id:
            raise NotFoundError("That line is no longer on the bill")
        self.session.delete(row)
        self.session.flush()

    def update(
        self,
        bill_id: uuid.UUID,
        expected_version: int,
        values: dict[str, Any],
        *,
        by: uuid.UUID | None,
        at: datetime,
    ) -> None:
        """Save ``values`` on the bill read at ``expected_version``; ``StaleRecordError``
        naming who saved it since (the version makes the UPDATE conditional, so a save
        racing this one is refused too)."""
        row = self.session.get(Bill, bill_id, populate_existing=True)
        if row is None:
            raise NotFoundError("That bill no longer exists")
        if row.version != expected_version:
            raise self.stale_error(bill_id)
        for name, value in values.items():
            setattr(row, name, value.value if isinstance(value, BillStatus) else value)
        row.updated_by = by
        row.updated_at = at
        try:
            self.session.flush()
        except StaleDataError:
            raise self.stale_error(bill_id) from None

    def add_payment(
        self,
        bill_id: uuid.UUID,
        *,
        amount: Decimal,
        method: PaymentMethod,
        paid_on: date,
        reference: str | None,
        recorded_by: uuid.UUID | None,
        at: datetime,
    ) -> uuid.UUID:
        """Record a payment row (the caller updates the bill's amount paid and status)."""
        row = Payment(
            bill_id=bill_id,
            amount=amount,
            method=PaymentMethod(method).value,
            paid_on=paid_on,
            reference=reference,
            recorded_by=recorded_by,
            recorded_at=at,
        )
        self.session.add(row)
        self.session.flush()
        return row.id

    def stale_error(self, bill_id: uuid.UUID) -> StaleRecordError:
        """The refusal of a change made on an old version of a bill: who changed it, when."""
        with self.session.no_autoflush:
            latest = self.session.execute(
                select(
                    Bill.invoice_number,
                    Bill.updated_at,
                    _Updater.first_name,
                    _Updater.last_name,
                    _Updater.email,
                )
                .outerjoin(_Updater, _Updater.id == Bill.updated_by)
                .where(Bill.id == bill_id)
            ).one_or_none()
            if latest is not None and latest.first_name is None:
                # Nobody named on the row: the audit trail may know.
                audited = self.session.execute(
                    select(AuditEntry.user_email, AuditEntry.at)
                    .where(AuditEntry.entity == BILL_ENTITY, AuditEntry.entity_id == str(bill_id))
                    .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
                    .limit(1)
                ).one_or_none()
            else:
                audited = None
        if latest is None:
            return StaleRecordError("That bill no longer exists")
        if latest.first_name or latest.last_name:
            who: str | None = full_name(latest.first_name or "", latest.last_name or "")
        else:
            who = latest.email or (audited.user_email if audited is not None else None)
        local = latest.updated_at.astimezone()
        return StaleRecordError(
            f"{who or 'Someone else'} changed bill {latest.invoice_number} at "
            f"{local:%H:%M} on {local:%d %b %Y}, after you opened it; look at it again "
            "before changing it.",
            changed_by=who,
            changed_at=latest.updated_at,
        )


def _aging_cutoffs(as_of: date) -> dict[str, date]:
    """The bind parameters of the ageing statement: the oldest visit date of each bucket."""
    parameters: dict[str, date] = {"as_of": as_of}
    for _key, _label, days in AGING_BUCKETS:
        if days is not None:
            parameters[f"cut_{days}"] = as_of - timedelta(days=days)
    return parameters


def aging_visit_range(as_of: date, bucket_key: str) -> tuple[date | None, date]:
    """The visit dates (first or None, last) of the bills in an ageing bucket at ``as_of``."""
    previous: int | None = None
    for key, _label, days in AGING_BUCKETS:
        if key == bucket_key:
            newest = as_of if previous is None else as_of - timedelta(days=previous + 1)
            oldest = None if days is None else as_of - timedelta(days=days)
            return oldest, newest
        previous = days
    raise ValueError(f"no ageing bucket {bucket_key!r}")


def _dentist(row: Row[Any]) -> str:
    """ "Dr Ana Reyes"."""
    return f"Dr {full_name(row.first_name or '', row.last_name or '')}"


_SUMMARY_COLUMNS = (
    Bill.id,
    Bill.invoice_number,
    Bill.appointment_id,
    Bill.patient_id,
    Bill.patient_name,
    Bill.appointment_date,
    Bill.total_amount,
    Bill.amount_paid,
    Bill.status,
    Bill.due_date,
    Bill.generated_at,
)


def _summary(row: Row[tuple[object, ...]]) -> BillSummary:
    return BillSummary(
        id=row.id,
        invoice_number=row.invoice_number,
        appointment_id=row.appointment_id,
        patient_id=row.patient_id,
        patient_name=row.patient_name,
        appointment_date=row.appointment_date,
        total_amount=row.total_amount,
        amount_paid=row.amount_paid,
        status=BillStatus(row.status),
        due_date=row.due_date,
        generated_at=row.generated_at,
    )


def _bill_view(
    bill: Bill,
    items: Sequence[BillItem],
    payments: Sequence[Payment],
    reissued_as: str | None = None,
) -> BillView:
    return BillView(
        id=bill.id,
        invoice_number=bill.invoice_number,
        appointment_id=bill.appointment_id,
        patient_id=bill.patient_id,
        patient_name=bill.patient_name,
        patient_email=bill.patient_email,
        appointment_date=bill.appointment_date,
        subtotal=bill.subtotal,
        discount_amount=bill.discount_amount,
        discount_reason=bill.discount_reason,
        tax_amount=bill.tax_amount,
        tax_rate=bill.tax_rate,
        total_amount=bill.total_amount,
        amount_paid=bill.amount_paid,
        status=BillStatus(bill.status),
        payment_method=PaymentMethod(bill.payment_method) if bill.payment_method else None,
        payment_date=bill.payment_date,
        payment_reference=bill.payment_reference,
        due_date=bill.due_date,
        notes=bill.notes,
        cancellation_reason=bill.cancellation_reason,
        generated_by=bill.generated_by,
        generated_at=bill.generated_at,
        version=bill.version,
        updated_at=bill.updated_at,
        items=tuple(_item_view(item) for item in items),
        payments=tuple(_payment_view(p) for p in payments),
        reissued_as=reissued_as,
    )


def _item_view(item: BillItem) -> BillItemView:
    return BillItemView(
        id=item.id,
        service_id=item.service_id,
        service_name=item.service_name,
        description=item.description,
        pricing_model=PricingModel(item.pricing_model),
        quantity=item.quantity,
        unit_price=item.unit_price,
        subtotal=item.subtotal,
        teeth_treated=tuple(item.teeth_treated or ()),
        treatment_notes=item.treatment_notes,
    )


def _payment_view(payment: Payment) -> PaymentView:
    return PaymentView(
        id=payment.id,
        amount=payment.amount,
        method=PaymentMethod(payment.method),
        paid_on=payment.paid_on,
        reference=payment.reference,
        recorded_by=payment.recorded_by,
        recorded_at=payment.recorded_at,
    )
