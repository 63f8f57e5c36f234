"""Printed invoices: issuing a bill's invoice, reprints, and exporting many at once.

The first print (or save, or export) of a bill ISSUES its invoice: the invoice is
rendered twice from the same data, the original and the copy stamped COPY
(:mod:`dcms_desktop.reports.invoice`), both are stored with the original's SHA-256, the
issue is audited and announced as ``bill <id> issued``, and the original is handed back.
Before that, the preview (:meth:`InvoiceService.preview_pdf`) shows a draft stamped DRAFT
and issues nothing. Every later print hands back the stored copy, byte for byte, whatever
has happened to the bill since: the issued document shows the bill (paid, balance,
status) as it stood on the day it was issued; the bill's screen shows the live values.

Issuing also moves the bill's version on (it is saved as updated by whoever issued it):
an edit begun on the bill before it was issued is then refused as stale instead of
changing a bill whose invoice is already out, and an issue that raced an edit is redone on
the edited bill (:data:`ISSUE_ATTEMPTS`). Two workstations issuing the same bill at once:
one stores its documents, the other gets the stored copy.

Cancelled bills (decided here): a cancelled bill whose invoice was issued before it was
cancelled reprints its stored copy like any other (the issued document is what the patient
got). A cancelled bill never issued can still be printed, marked CANCELLED with the reason,
but that is not an issue: nothing is stored, audited or announced, and each print is
rendered afresh (``is_copy`` False).

The paper size is chosen at the first print and kept with the issued documents; a reprint
asking for another size still gets the stored copy (an issued document isn't re-laid out).
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

from sqlalchemy.exc import IntegrityError

from dcms_desktop.data.repositories.bills import BILL_ENTITY
from dcms_desktop.data.uow import UnitOfWork
from dcms_desktop.domain.enums import BillStatus
from dcms_desktop.domain.errors import NotFoundError, StaleRecordError, ValidationError
from dcms_desktop.domain.permissions import Action, require
from dcms_desktop.domain.pricing import percent_of
from dcms_desktop.domain.readmodels.billing import BillFilter, BillView, shown_status
from dcms_desktop.domain.readmodels.people import Actor
from dcms_desktop.domain.readmodels.settings import ClinicSettingsView
from dcms_desktop.reports.invoice import PAGE_SIZES, InvoiceData, InvoiceLine, render_invoice
from dcms_desktop.services import audit
from dcms_desktop.services.context import ServiceContext

log = logging.getLogger(__name__)

DEFAULT_CLINIC_NAME = "My Dental Clinic"
DEFAULT_CURRENCY = "USD"
ISSUED = "issued"
ISSUE_ACTION = "issue_invoice"
"""The audit trail's name for issuing an invoice."""
ISSUE_ATTEMPTS = 3
EXPORT_CHUNK = 25
"""Bills issued per transaction in a batch export: a 1,000-invoice export commits forty
times instead of holding one transaction (and its locks) for the whole run."""
MAX_EXPORT_RANGE = 100_000

BatchProgress = Callable[[int, int], None]


@dataclass(frozen=True)
class InvoicePdf:
    """A printed invoice: the original at its issue, the stored copy afterwards."""

    data: bytes
    is_copy: bool
    invoice_number: str
    page_size: str = "A4"
    is_draft: bool = False
    """A preview stamped DRAFT: nothing was issued, the bill can still change."""
    is_cancelled: bool = False
    """A cancelled bill never issued, printed as it stands (marked CANCELLED, not stored)."""


def normal_page_size(page_size: str) -> str:
    """ "a4"/"A4" -> "A4", "letter" -> "Letter"; ``ValidationError`` for anything else."""
    for name in PAGE_SIZES:
        if page_size.strip().casefold() == name.casefold():
            return name
    raise ValidationError(
        f"Print on {' or '.join(PAGE_SIZES)} paper, not {page_size!r}", field="page_size"
    )


def tax_rate_of(bill: BillView, settings: ClinicSettingsView | None) -> Decimal | None:
    """The rate to print beside the tax: the bill's own rate (the one it was raised with,
    whatever the clinic's rate is now) when it gives the bill's tax. A bill whose stored
    rate doesn't (one stored without its rate) falls back to the clinic's rate when THAT
    gives the tax; else None (the amount only, never a rate that doesn't add up)."""
    taxable = bill.subtotal - bill.discount_amount
    for rate in (bill.tax_rate, None if settings is None else settings.tax_rate):
        if rate is not None and percent_of(taxable, rate) == bill.tax_amount:
            return rate
    return None


def invoice_data(
    bill: BillView, settings: ClinicSettingsView | None, *, issue_date: date
) -> InvoiceData:
    """What the invoice of ``bill`` prints when issued on ``issue_date``."""
    status = shown_status(
        bill.status,
        total_amount=bill.total_amount,
        amount_paid=bill.amount_paid,
        due_date=bill.due_date,
        today=issue_date,
    )
    return InvoiceData(
        clinic_name=DEFAULT_CLINIC_NAME if settings is None else settings.clinic_name,
        clinic_address=None if settings is None else settings.address,
        clinic_phone=None if settings is None else settings.phone,
        clinic_email=None if settings is None else settings.email,
        clinic_tax_id=None if settings is None else settings.tax_id,
        logo_png=None if settings is None else settings.logo_png,
        currency=DEFAULT_CURRENCY if settings is None else settings.currency,
        footer=None if settings is None else settings.invoice_footer,
        payment_terms_days=None if settings is None else settings.payment_terms_days,
        invoice_number=bill.invoice_number,
        bill_date=bill.appointment_date,
        issue_date=issue_date,
        due_date=bill.due_date,
        patient_name=bill.patient_name,
        patient_email=bill.patient_email,
        items=tuple(
            InvoiceLine(
                service=item.service_name,
                description=item.description,
                teeth=item.teeth_treated,
                quantity=item.quantity,
                unit_price=item.unit_price,
                subtotal=item.subtotal,
            )
            for item in bill.items
        ),
        subtotal=bill.subtotal,
        discount=bill.discount_amount,
        discount_reason=bill.discount_reason,
        tax=bill.tax_amount,
        tax_rate=tax_rate_of(bill, settings),
        total=bill.total_amount,
        paid=bill.amount_paid,
        status=status,
        cancellation_reason=bill.cancellation_reason,
    )


@dataclass(frozen=True)
class _Rendered:
    bill: BillView
    original: bytes
    copy: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.original).hexdigest()


class InvoiceService:
    """Issuing, reprinting and exporting invoices (see the module docstring)."""

    def __init__(self, context: ServiceContext) -> None:
        self.context = context

    # -- one invoice ----------------------------------------------------------------------
    def invoice_pdf(
        self, actor: Actor | None, bill_id: uuid.UUID, *, page_size: str = "A4"
    ) -> InvoicePdf:
        """The bill's invoice: issued now (the original) or before (the stored copy).
        ``actor`` None is the ``dcms`` command at the server."""
        if actor is not None:
            require(actor.role, Action.PRINT_INVOICE)
        page = normal_page_size(page_size)
        return self._print(actor, page, lambda uow: uow.bills.get(bill_id))

    def preview_pdf(
        self, actor: Actor | None, bill_id: uuid.UUID, *, page_size: str = "A4"
    ) -> InvoicePdf:
        """What the invoice preview shows first: the stored copy of an issued invoice;
        else a draft stamped DRAFT, which issues nothing (looking doesn't fix the bill's
        lines; printing or saving it does, through :meth:`invoice_pdf`)."""
        if actor is not None:
            require(actor.role, Action.PRINT_INVOICE)
        page = normal_page_size(page_size)
        with self.context.uow(write=False) as uow:
            bill = uow.bills.get(bill_id)
            if bill is None:
                raise NotFoundError("There is no such bill")
            stored = uow.bills.document(bill.id)
            settings = uow.settings.find()
        if stored is not None:
            return InvoicePdf(stored.copy_pdf, True, bill.invoice_number, stored.page_size)
        data = invoice_data(bill, settings, issue_date=self._today())
        number = bill.invoice_number
        if bill.status is BillStatus.CANCELLED:  # never issued: printed as it is
            cancelled = render_invoice(data, page_size=page)
            return InvoicePdf(cancelled, False, number, page, is_cancelled=True)
        draft = render_invoice(data, page_size=page, draft=True)
        return InvoicePdf(draft, False, number, page, is_draft=True)

    def invoice_pdf_by_number(
        self, actor: Actor | None, number: str, *, page_size: str = "A4"
    ) -> InvoicePdf:
        """:meth:`invoice_pdf` of the bill numbered ``number`` ("2026-000123")."""
        if actor is not None:
            require(actor.role, Action.PRINT_INVOICE)
        page = normal_page_size(page_size)
        wanted = number.strip()
        if not wanted:
            raise ValidationError("Enter an invoice number, like 2026-000123", field="number")
        return self._print(actor, page, lambda uow: uow.bills.get_by_number(wanted), wanted)

    def _print(
        self,
        actor: Actor | None,
        page: str,
        find: Callable[[UnitOfWork], BillView | None],
        number: str | None = None,
    ) -> InvoicePdf:
        for _attempt in range(ISSUE_ATTEMPTS):
            with self.context.uow(write=False) as uow:
                bill = find(uow)
                if bill is None:
                    what = f"invoice {number}" if number else "that bill"
                    raise NotFoundError(f"There is no {what}")
                stored = uow.bills.document(bill.id)
                settings = uow.settings.find()
            if stored is not None:
                return InvoicePdf(stored.copy_pdf, True, bill.invoice_number, stored.page_size)
            data = invoice_data(bill, settings, issue_date=self._today())
            if bill.status is BillStatus.CANCELLED:
                pdf = render_invoice(data, page_size=page)
                return InvoicePdf(pdf, False, bill.invoice_number, page, is_cancelled=True)
            rendered = _Rendered(
                bill,
                render_invoice(data, page_size=page),
                render_invoice(data, page_size=page, copy=True),
            )
            with self.context.uow() as uow:
                outcome = self._store(uow, actor, rendered, page)
                if outcome is _STORED:
                    uow.commit()
            if outcome is _STORED:
                return InvoicePdf(rendered.original, False, bill.invoice_number, page)
            # Changed or issued by someone else in between: read it again.
        raise StaleRecordError(
            "The bill kept changing while its invoice was being issued. Try again."
        )

    def _store(
        self, uow: UnitOfWork, actor: Actor | None, rendered: _Rendered, page: str
    ) -> object:
        """Issue ``rendered`` inside ``uow`` (a savepoint, so that a refusal leaves the rest
        of the transaction alone): ``_STORED``, or ``_RETRY`` when the bill changed or was
        issued since it was read."""
        bill = rendered.bill
        now = self.context.now()
        user_id = None if actor is None else actor.user_id
        try:
            with uow.session.begin_nested():
                # Moves the version on: edits begun before the issue are refused as stale,
                # and this issue is refused if the bill changed since it was rendered.
                uow.bills.update(bill.id, bill.version, {}, by=user_id, at=now)
                uow.bills.store_document(
                    bill.id,
                    page_size=page,
                    original_pdf=rendered.original,
                    copy_pdf=rendered.copy,
                    sha256=rendered.sha256,
                    issued_by=user_id,
                    at=now,
                )
        except (StaleRecordError, NotFoundError, IntegrityError):
            log.info("bill %s changed or was issued while issuing its invoice", bill.id)
            return _RETRY
        audit.record(
            uow,
            actor,
            ISSUE_ACTION,
            BILL_ENTITY,
            bill.id,
            at=now,
            details={
                "invoice_number": bill.invoice_number,
                "page_size": page,
                "sha256": rendered.sha256,
                "total": str(bill.total_amount),
                "paid": str(bill.amount_paid),
            },
        )
        uow.announce(BILL_ENTITY, bill.id, ISSUED)
        return _STORED

    # -- many invoices ----------------------------------------------------------------------
    def export_batch(
        self,
        actor: Actor | None,
        bill_ids: Iterable[uuid.UUID],
        folder: Path,
        *,
        page_size: str = "A4",
        progress: BatchProgress | None = None,
        cancelled: Callable[[], bool] | None = None,
    ) -> int:
        """Write each bill's invoice into ``folder`` as ``<number>.pdf`` (what
        :meth:`invoice_pdf` would give: the original of a bill issued now, else the stored
        copy), issuing those not yet issued; returns how many files were written.

        ``progress(done, total)`` is called as bills are done; ``cancelled()`` is asked
        before each bill, and a cancelled export stops there, keeping what it has written
        and issued. Bills that no longer exist are left out. The clinic's settings (and
        logo) are read once; bills are read, rendered, issued and written in chunks of
        :data:`EXPORT_CHUNK`, each issued in one short transaction.
        """
        if actor is not None:
            require(actor.role, Action.PRINT_INVOICE)
        page = normal_page_size(page_size)
        ids = list(dict.fromkeys(bill_ids))
        folder = Path(folder)
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ValidationError(
                f"Can't use the folder {folder}: {exc.strerror or exc}", field="folder"
            ) from exc
        report = progress or (lambda done, total: None)
        stop = cancelled or (lambda: False)
        total = len(ids)
        with self.context.uow(write=False) as uow:
            settings = uow.settings.find()
        written = 0
        done = [0]  # bills looked at so far, moved on by tick()

        def tick() -> None:
            done[0] = min(total, done[0] + 1)
            report(done[0], total)

        report(0, total)
        for start in range(0, total, EXPORT_CHUNK):
            if stop():
                break
            chunk = ids[start : start + EXPORT_CHUNK]
            files, leftovers, halted = self._export_chunk(actor, chunk, settings, page, stop, tick)
            for bill_id in leftovers:  # changed while issuing: one by one, like a print
                if stop():
                    halted = True
                    break
                try:
                    pdf = self.invoice_pdf(actor, bill_id, page_size=page)
                except NotFoundError:
                    continue
                files.append((pdf.invoice_number, pdf.data))
            for number, pdf_bytes in files:
                _write(folder / f"{number}.pdf", pdf_bytes)
            written += len(files)
            if halted:
                break
        else:
            if done[0] < total:  # bills that no longer exist were never ticked
                report(total, total)
        return written

    def _export_chunk(
        self,
        actor: Actor | None,
        chunk: Sequence[uuid.UUID],
        settings: ClinicSettingsView | None,
        page: str,
        stop: Callable[[], bool],
        tick: Callable[[], None],
    ) -> tuple[list[tuple[str, bytes]], list[uuid.UUID], bool]:
        """Read, render and issue one chunk: (files to write, bills to redo, halted)."""
        files: list[tuple[str, bytes]] = []
        to_issue: list[_Rendered] = []
        today = self._today()
        halted = False
        with self.context.uow(write=False) as uow:
            found = []
            for bill_id in chunk:
                bill = uow.bills.get(bill_id)
                if bill is not None:
                    found.append((bill, uow.bills.document(bill_id)))
        for bill, stored in found:
            if stop():
                halted = True
                break
            tick()
            if stored is not None:
                files.append((bill.invoice_number, stored.copy_pdf))
                continue
            data = invoice_data(bill, settings, issue_date=today)
            if bill.status is BillStatus.CANCELLED:
                files.append((bill.invoice_number, render_invoice(data, page_size=page)))
                continue
            to_issue.append(
                _Rendered(
                    bill,
                    render_invoice(data, page_size=page),
                    render_invoice(data, page_size=page, copy=True),
                )
            )
        leftovers: list[uuid.UUID] = []
        if to_issue:
            with self.context.uow() as uow:
                for rendered in to_issue:
                    if self._store(uow, actor, rendered, page) is _STORED:
                        files.append((rendered.bill.invoice_number, rendered.original))
                    else:
                        leftovers.append(rendered.bill.id)
                uow.commit()
        return files, leftovers, halted

    def bill_ids_between(
        self,
        actor: Actor | None,
        date_from: date,
        date_to: date,
        *,
        include_cancelled: bool = False,
    ) -> list[uuid.UUID]:
        """The bills of visits from ``date_from`` to ``date_to`` (both included), in
        invoice-number order: what ``dcms invoice --batch`` exports. Cancelled bills are
        left out unless asked for."""
        if actor is not None:
            require(actor.role, Action.PRINT_INVOICE)
        if date_to < date_from:
            raise ValidationError("The end date is before the start date", field="date_to")
        with self.context.uow(write=False) as uow:
            found = uow.bills.list_bills(
                BillFilter(date_from=date_from, date_to=date_to, limit=MAX_EXPORT_RANGE),
                self._today(),
            )
        if found.truncated:
            raise ValidationError(
                f"That is {found.count:,} bills; export at most {MAX_EXPORT_RANGE:,} at a time",
                field="date_to",
            )
        rows = sorted(found.rows, key=lambda row: row.invoice_number)
        return [
            row.id for row in rows if include_cancelled or row.status is not BillStatus.CANCELLED
        ]

    def _today(self) -> date:
        return self.context.local_now().date()


_STORED = object()
_RETRY = object()


def _write(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` whole: into a temporary file first, then renamed, so a
    file that is there is never half written."""
    partial = path.with_name(path.name + ".part")
    try:
        partial.write_bytes(data)
        partial.replace(path)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise ValidationError(f"Can't write {path}: {exc.strerror or exc}", field="folder") from exc
