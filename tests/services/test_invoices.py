"""Issuing, reprinting and exporting invoices on both backends. Every number printed is
read back from the PDF (pypdf) and compared with the database."""

from __future__ import annotations

import dataclasses
import hashlib
import io
import re
import uuid
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from pypdf import PdfReader

from dcms_desktop.data.engine import Database
from dcms_desktop.data.events import ChangeEvent, LocalEventBus
from dcms_desktop.data.models import Bill, ClinicSettings
from dcms_desktop.domain.enums import BillStatus, PricingModel
from dcms_desktop.domain.errors import (
    NotFoundError,
    PermissionDeniedError,
    StaleRecordError,
    ValidationError,
)
from dcms_desktop.domain.money import format_money
from dcms_desktop.domain.pricing import compute_totals
from dcms_desktop.domain.readmodels.billing import BillView, NewBill, NewBillItem
from dcms_desktop.domain.readmodels.people import Actor
from dcms_desktop.services.context import ServiceContext
from dcms_desktop.services.invoices import ISSUE_ACTION, InvoiceService, tax_rate_of
from tests.factories import (
    CLINIC_NOW,
    actor_for,
    clinic_clock,
    make_patient,
    make_staff,
    write_session,
)

TODAY = CLINIC_NOW.date()
CURRENCY = "PHP"


@pytest.fixture
def context(service_context: ServiceContext, database: Database) -> ServiceContext:
    service_context.clock = clinic_clock()
    with write_session(database) as s:
        s.add(
            ClinicSettings(
                id=1,
                clinic_name="Bright Smile Dental",
                address="12 Rizal Avenue, Makati City",
                phone="+63 2 8555 0100",
                email="hello@brightsmile.ph",
                tax_id="123-456-789-000",
                tax_rate=Decimal("12.00"),
                currency=CURRENCY,
                invoice_footer="Thank you for choosing Bright Smile.",
                payment_terms_days=30,
            )
        )
    return service_context


@pytest.fixture
def staff(database: Database) -> Actor:
    with write_session(database) as s:
        return actor_for(make_staff(s, first_name="Lea", last_name="Cruz"))


@pytest.fixture
def events(local_bus: LocalEventBus) -> list[ChangeEvent]:
    seen: list[ChangeEvent] = []
    local_bus.subscribe(seen.append)
    return seen


def add_bill(
    context: ServiceContext,
    prices: list[tuple[str, int]] | None = None,
    *,
    first: str = "Zoë",
    last: str = "Ñúñez",
    discount: str = "0",
    reason: str | None = None,
    paid: str = "0",
    status: BillStatus = BillStatus.PENDING,
    visit: date = TODAY - timedelta(days=3),
) -> BillView:
    """A bill of a new patient; ``paid`` is set straight on the stored bill."""
    prices = prices if prices is not None else [("1250.00", 2), ("800.00", 1), ("333.33", 3)]
    with context.uow() as uow:
        patient = make_patient(uow.session, first_name=first, last_name=last)
        items = tuple(
            NewBillItem(
                service_id=None,
                service_name=f"Service {n} composite filling",
                pricing_model=PricingModel.PER_TOOTH,
                quantity=quantity,
                unit_price=Decimal(price),
                subtotal=Decimal(price) * quantity,
                teeth_treated=tuple(range(11, 11 + quantity)),
            )
            for n, (price, quantity) in enumerate(prices)
        )
        totals = compute_totals(
            [i.subtotal for i in items], discount=Decimal(discount), tax_rate_percent=Decimal(12)
        )
        bill = uow.bills.add(
            NewBill(
                patient_id=patient.id,
                patient_name=f"{patient.first_name} {patient.last_name}",
                patient_email=patient.email,
                appointment_date=visit,
                totals=totals,
                items=items,
                discount_reason=reason,
                due_date=visit + timedelta(days=30),
                status=status,
                tax_rate=Decimal("12.00"),
            ),
            generated_by=None,
        )
        if paid != "0" or status is BillStatus.CANCELLED:
            row = uow.session.get(Bill, bill.id)
            assert row is not None
            row.amount_paid = Decimal(paid)
            if status is BillStatus.PENDING and row.amount_paid > 0:
                row.status = BillStatus.PARTIAL.value
            if status is BillStatus.CANCELLED:
                row.cancellation_reason = "Raised twice by mistake"
            uow.session.flush()
        uow.commit()
    with context.uow(write=False) as uow:
        stored = uow.bills.get(bill.id)
    assert stored is not None
    return stored


def pdf_text(data: bytes) -> str:
    """The PDF's text laid out as printed, each line stripped."""
    reader = PdfReader(io.BytesIO(data))
    text = "\n".join(page.extract_text(extraction_mode="layout") for page in reader.pages)
    return "\n".join(line.strip() for line in text.splitlines() if line.strip())


def money(amount: Decimal) -> str:
    return format_money(amount, CURRENCY)


# -- issuing ---------------------------------------------------------------------------------
def test_the_first_print_issues_the_invoice_stores_original_and_copy_and_announces_it(
    context: ServiceContext, staff: Actor, events: list[ChangeEvent]
) -> None:
    bill = add_bill(context)
    pdf = InvoiceService(context).invoice_pdf(staff, bill.id)

    assert (pdf.is_copy, pdf.invoice_number, pdf.page_size) == (False, bill.invoice_number, "A4")
    assert pdf.data.startswith(b"%PDF")
    with context.uow(write=False) as uow:
        stored = uow.bills.document(bill.id)
        after = uow.bills.get(bill.id)
        trail = uow.audit.recent("bill", bill.id)
    assert stored is not None
    assert stored.original_pdf == pdf.data
    assert stored.sha256 == hashlib.sha256(pdf.data).hexdigest()
    assert stored.copy_pdf != stored.original_pdf
    assert stored.issued_by == staff.user_id and stored.page_size == "A4"
    # Issuing moves the bill's version on: an edit begun before it is refused as stale.
    assert after is not None and after.version == bill.version + 1
    assert [entry.action for entry in trail] == [ISSUE_ACTION]
    assert trail[0].details is not None
    assert trail[0].details["sha256"] == stored.sha256
    assert [(e.entity, e.id, e.action) for e in events] == [("bill", str(bill.id), "issued")]
    assert "COPY" not in pdf_text(pdf.data)
    assert "COPY" in pdf_text(stored.copy_pdf)


def test_a_preview_before_the_issue_is_a_draft_that_issues_nothing(
    context: ServiceContext, staff: Actor, events: list[ChangeEvent]
) -> None:
    bill = add_bill(context)
    service = InvoiceService(context)
    draft = service.preview_pdf(staff, bill.id)

    assert (draft.is_draft, draft.is_copy, draft.invoice_number) == (
        True,
        False,
        bill.invoice_number,
    )
    text = pdf_text(draft.data)
    assert "DRAFT" in text and money(bill.total_amount) in text
    with context.uow(write=False) as uow:
        assert uow.bills.document(bill.id) is None  # nothing issued, nothing stored
        assert uow.bills.get(bill.id).version == bill.version  # the bill may still change
    assert events == []

    original = service.invoice_pdf(staff, bill.id)  # Issue invoice (or dcms invoice)
    assert "DRAFT" not in pdf_text(original.data)
    after = service.preview_pdf(staff, bill.id)  # and from then on the preview is the copy
    assert after.is_copy and not after.is_draft
    with context.uow(write=False) as uow:
        assert after.data == uow.bills.document(bill.id).copy_pdf


def test_every_reprint_is_the_stored_copy_byte_for_byte(
    context: ServiceContext, staff: Actor, events: list[ChangeEvent]
) -> None:
    bill = add_bill(context)
    service = InvoiceService(context)
    original = service.invoice_pdf(staff, bill.id)
    reprints = [service.invoice_pdf(staff, bill.id) for _ in range(3)]
    reprints.append(service.invoice_pdf_by_number(staff, bill.invoice_number))

    with context.uow(write=False) as uow:
        stored = uow.bills.document(bill.id)
    assert stored is not None
    assert all(r.is_copy and r.data == stored.copy_pdf for r in reprints)
    assert original.data != stored.copy_pdf
    assert len(events) == 1  # issued once; reprints change nothing


def test_an_edit_on_the_version_read_before_the_issue_is_refused_as_stale(
    context: ServiceContext, staff: Actor
) -> None:
    bill = add_bill(context)
    InvoiceService(context).invoice_pdf(staff, bill.id)
    with context.uow() as uow, pytest.raises(StaleRecordError):
        uow.bills.update(bill.id, bill.version, {"notes": "late edit"}, by=None, at=context.now())


def test_every_number_printed_matches_the_database(context: ServiceContext, staff: Actor) -> None:
    bill = add_bill(
        context,
        [("1250.00", 2), ("800.00", 1), ("333.33", 3), ("0.01", 1)],
        discount="150.00",
        reason="Senior citizen",
        paid="1000.00",
    )
    pdf = InvoiceService(context).invoice_pdf(staff, bill.id)
    text = pdf_text(pdf.data)
    lines = text.splitlines()

    assert bill.invoice_number in text
    assert "Zoë Ñúñez" in text
    for item in bill.items:
        row = next(line for line in lines if line.startswith(item.service_name))
        teeth = ", ".join(str(t) for t in item.teeth_treated)
        assert row.split() == [
            *item.service_name.split(),
            *teeth.split(),
            str(item.quantity),
            money(item.unit_price),
            money(item.subtotal),
        ], row

    def amount_after(label: str) -> str:
        line = next(line for line in lines if line.startswith(label))
        return line.rsplit(" ", 1)[1]

    assert amount_after("Subtotal") == money(bill.subtotal)
    assert amount_after("Discount (Senior citizen)") == money(-bill.discount_amount)
    assert amount_after("Tax (12%)") == money(bill.tax_amount)
    assert amount_after("Total") == money(bill.total_amount)
    assert amount_after("Paid") == money(bill.amount_paid) == money(Decimal("1000.00"))
    assert amount_after("Balance due") == money(bill.balance)
    assert "Part paid" in text


def _set_clinic_rate(context: ServiceContext, rate: str) -> None:
    with context.uow() as uow:
        settings = uow.session.get(ClinicSettings, 1)
        assert settings is not None
        settings.tax_rate = Decimal(rate)
        uow.commit()


def test_the_invoice_prints_the_bills_own_tax_rate_not_the_clinics_current_one(
    context: ServiceContext, staff: Actor
) -> None:
    bill = add_bill(context, [("100.00", 1)])  # raised at 12 %: tax 12.00
    assert (bill.tax_rate, bill.tax_amount) == (Decimal("12.00"), Decimal("12.00"))
    _set_clinic_rate(context, "5")

    pdf = InvoiceService(context).invoice_pdf(staff, bill.id)
    lines = pdf_text(pdf.data).splitlines()

    tax = next(line for line in lines if re.match(r"Tax( \(|\s+\S+$)", line))
    assert tax.startswith("Tax (12%)") and tax.endswith(money(Decimal("12.00"))), tax
    assert not any("5%" in line for line in lines)


def test_a_rate_that_does_not_give_the_bills_tax_is_never_printed(
    context: ServiceContext, staff: Actor
) -> None:
    bill = add_bill(context, [("100.00", 1)])
    # A bill stored without its rate (0) though taxed at 12 %: the clinic's rate is
    # printed only while it gives the tax; otherwise the amount alone.
    unrated = dataclasses.replace(bill, tax_rate=Decimal("0.00"))
    with context.uow(write=False) as uow:
        at_12 = uow.settings.get()
    at_5 = dataclasses.replace(at_12, tax_rate=Decimal("5.00"))
    assert tax_rate_of(bill, at_5) == Decimal("12.00")
    assert tax_rate_of(bill, None) == Decimal("12.00")
    assert tax_rate_of(unrated, at_12) == Decimal("12.00")
    assert tax_rate_of(unrated, at_5) is None
    assert tax_rate_of(unrated, None) is None
    untaxed = dataclasses.replace(bill, tax_amount=Decimal("0.00"), tax_rate=Decimal("0.00"))
    assert tax_rate_of(untaxed, at_5) == Decimal("0.00")

    with context.uow() as uow:
        row = uow.session.get(Bill, bill.id)
        assert row is not None
        row.tax_rate = Decimal("0")
        uow.commit()
    _set_clinic_rate(context, "5")
    lines = pdf_text(InvoiceService(context).invoice_pdf(staff, bill.id).data).splitlines()
    tax = next(line for line in lines if re.match(r"Tax( \(|\s+\S+$)", line))
    assert tax.split() == ["Tax", money(Decimal("12.00"))], tax


def test_the_issued_invoice_keeps_the_paid_amount_of_its_issue_day(
    context: ServiceContext, staff: Actor
) -> None:
    bill = add_bill(context, paid="0")
    service = InvoiceService(context)
    service.invoice_pdf(staff, bill.id)
    with context.uow() as uow:
        row = uow.session.get(Bill, bill.id)
        assert row is not None
        row.amount_paid = row.total_amount
        uow.commit()
    reprint = pdf_text(service.invoice_pdf(staff, bill.id).data)
    balance = next(line for line in reprint.splitlines() if line.startswith("Balance due"))
    assert balance.endswith(money(bill.total_amount))


def test_letter_paper_is_kept_with_the_issued_invoice(
    context: ServiceContext, staff: Actor
) -> None:
    bill = add_bill(context)
    service = InvoiceService(context)
    first = service.invoice_pdf(staff, bill.id, page_size="letter")
    again = service.invoice_pdf(staff, bill.id, page_size="A4")
    assert (first.page_size, again.page_size) == ("Letter", "Letter")
    box = PdfReader(io.BytesIO(again.data)).pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (612, 792)


def test_unknown_numbers_and_paper_sizes_are_refused_clearly(
    context: ServiceContext, staff: Actor
) -> None:
    service = InvoiceService(context)
    with pytest.raises(NotFoundError, match="no invoice 2099-000001"):
        service.invoice_pdf_by_number(staff, "2099-000001")
    with pytest.raises(NotFoundError):
        service.invoice_pdf(staff, uuid.uuid4())
    bill = add_bill(context)
    with pytest.raises(ValidationError, match="A4 or Letter") as refused:
        service.invoice_pdf(staff, bill.id, page_size="A3")
    assert refused.value.field == "page_size"


def test_a_cancelled_bill_never_issued_prints_marked_cancelled_without_issuing(
    context: ServiceContext, staff: Actor, events: list[ChangeEvent]
) -> None:
    bill = add_bill(context, status=BillStatus.CANCELLED)
    service = InvoiceService(context)
    pdf = service.invoice_pdf(staff, bill.id)
    text = pdf_text(pdf.data)
    assert not pdf.is_copy and pdf.is_cancelled
    assert "CANCELLED" in text and "Raised twice by mistake" in text
    preview = service.preview_pdf(staff, bill.id)  # not a draft: it will never be issued
    assert preview.is_cancelled and not preview.is_draft and preview.data == pdf.data
    with context.uow(write=False) as uow:
        assert not uow.bills.is_issued(bill.id)
    assert events == []


def test_patients_can_not_print_invoices(context: ServiceContext, database: Database) -> None:
    with write_session(database) as s:
        patient = actor_for(make_patient(s))
    bill = add_bill(context)
    with pytest.raises(PermissionDeniedError):
        InvoiceService(context).invoice_pdf(patient, bill.id)


# -- batch export --------------------------------------------------------------------------
def test_batch_export_writes_one_file_per_bill_and_issues_those_not_yet_issued(
    context: ServiceContext, staff: Actor, tmp_path: Path, events: list[ChangeEvent]
) -> None:
    bills = [add_bill(context, [("100.00", 1 + n % 3)], first=f"P{n}") for n in range(30)]
    service = InvoiceService(context)
    already = service.invoice_pdf(staff, bills[0].id)
    with context.uow(write=False) as uow:
        copy_of_first = uow.bills.document(bills[0].id)
    assert copy_of_first is not None and already.data != copy_of_first.copy_pdf
    seen: list[tuple[int, int]] = []

    ids = [b.id for b in bills] + [bills[3].id, uuid.uuid4()]  # a repeat and a missing one
    written = service.export_batch(
        staff, ids, tmp_path / "out", progress=lambda d, t: seen.append((d, t))
    )

    files = sorted((tmp_path / "out").iterdir())
    assert written == 30
    assert [f.name for f in files] == sorted(f"{b.invoice_number}.pdf" for b in bills)
    assert (tmp_path / "out" / f"{bills[0].invoice_number}.pdf").read_bytes() == (
        copy_of_first.copy_pdf
    )
    with context.uow(write=False) as uow:
        for bill in bills[1:]:
            stored = uow.bills.document(bill.id)
            assert stored is not None
            assert (tmp_path / "out" / f"{bill.invoice_number}.pdf").read_bytes() == (
                stored.original_pdf
            )
    assert seen[0] == (0, 31) and seen[-1] == (31, 31)
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)
    assert sum(1 for e in events if e.action == "issued") == 30
    assert not list((tmp_path / "out").glob("*.part"))


def test_a_cancelled_batch_export_stops_and_keeps_what_it_wrote(
    context: ServiceContext, staff: Actor, tmp_path: Path
) -> None:
    bills = [add_bill(context, [("100.00", 1)], first=f"C{n}") for n in range(40)]
    seen: list[int] = []
    written = InvoiceService(context).export_batch(
        staff,
        [b.id for b in bills],
        tmp_path,
        progress=lambda done, total: seen.append(done),
        cancelled=lambda: len(seen) > 10,
    )
    files = list(tmp_path.glob("*.pdf"))
    assert 0 < written < 40
    assert len(files) == written
    with context.uow(write=False) as uow:
        issued = [b for b in bills if uow.bills.is_issued(b.id)]
    assert len(issued) == written


def test_batch_range_lists_the_bills_of_the_visit_dates_in_number_order(
    context: ServiceContext, staff: Actor
) -> None:
    inside = [add_bill(context, visit=TODAY - timedelta(days=d)) for d in (5, 3)]
    add_bill(context, visit=TODAY - timedelta(days=40))
    add_bill(context, visit=TODAY - timedelta(days=4), status=BillStatus.CANCELLED)
    service = InvoiceService(context)
    found = service.bill_ids_between(staff, TODAY - timedelta(days=6), TODAY)
    assert found == [b.id for b in sorted(inside, key=lambda b: b.invoice_number)]
    assert (
        len(
            service.bill_ids_between(
                staff, TODAY - timedelta(days=6), TODAY, include_cancelled=True
            )
        )
        == 3
    )
    with pytest.raises(ValidationError):
        service.bill_ids_between(staff, TODAY, TODAY - timedelta(days=1))


def test_pdf_numbers_in_text_use_the_clinic_currency(context: ServiceContext, staff: Actor) -> None:
    bill = add_bill(context, [("1234.50", 1)])
    text = pdf_text(InvoiceService(context).invoice_pdf(staff, bill.id).data)
    assert re.search(r"₱1,234\.50", text)


def test_two_workstations_issuing_at_once_store_one_invoice_and_the_other_gets_its_copy(
    context: ServiceContext, staff: Actor, events: list[ChangeEvent], monkeypatch
) -> None:
    """The other workstation issues the bill while this one is rendering it."""
    import dcms_desktop.services.invoices as invoices

    bill = add_bill(context)
    render = invoices.render_invoice
    other: list[bytes] = []

    def render_while_the_other_issues(*args, **kwargs):  # type: ignore[no-untyped-def]
        if not other:
            other.append(b"")
            other[0] = InvoiceService(context).invoice_pdf(staff, bill.id).data
        return render(*args, **kwargs)

    monkeypatch.setattr(invoices, "render_invoice", render_while_the_other_issues)
    mine = InvoiceService(context).invoice_pdf(staff, bill.id)

    with context.uow(write=False) as uow:
        stored = uow.bills.document(bill.id)
        trail = uow.audit.recent("bill", bill.id)
    assert stored is not None and stored.original_pdf == other[0]
    assert mine.is_copy and mine.data == stored.copy_pdf
    assert len(trail) == 1 and len(events) == 1


# -- the benchmark's invoice figures --------------------------------------------------------------
def test_the_invoice_benches_run_and_leave_the_clinic_as_it_was(
    service_context: ServiceContext,
) -> None:
    import random

    from sqlalchemy import func, select, text

    from dcms_desktop.data.bench_queries import draw_inputs
    from dcms_desktop.data.models import AuditEntry, InvoiceDocument
    from dcms_desktop.domain.enums import Role
    from dcms_desktop.services.bench import _Bench
    from dcms_desktop.services.demo import generate_demo

    generate_demo(service_context.database, "tiny", seed=3)

    def snapshot() -> tuple[object, ...]:
        with service_context.uow(write=False) as uow:
            bills = uow.session.execute(
                text("SELECT id, version, updated_at, updated_by FROM bills ORDER BY id")
            ).all()
            documents = uow.session.scalar(select(func.count()).select_from(InvoiceDocument))
            entries = uow.session.scalar(select(func.count()).select_from(AuditEntry))
        return (bills, documents, entries)

    before = snapshot()
    with service_context.uow(write=False) as uow:
        inputs = draw_inputs(uow.session, random.Random(7))
    assert inputs.admin_id is not None
    actor = Actor(inputs.admin_id, "bench@dcms.invalid", Role.ADMIN, "Benchmark")
    bench = _Bench(service_context, inputs, actor, 7)
    try:
        render = bench.invoice_pdf(3)
        batch = bench.invoice_batch(40)
    finally:
        bench.close()
    assert (render.name, render.runs, render.target_p95_ms) == ("invoice_pdf", 3, 80)
    assert 0 < render.p50_ms <= render.p95_ms
    assert (batch.name, batch.runs) == ("invoice_batch_1000", 1)
    assert batch.p50_ms > 0 and batch.target_p95_ms == pytest.approx(60_000 * 40 / 1000)
    assert snapshot() == before
