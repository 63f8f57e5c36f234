"""The invoice renderer: data in, PDF out (read back with pypdf)."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest
from PIL import Image
from pypdf import PdfReader

from dcms_desktop.domain.enums import BillStatus
from dcms_desktop.reports.invoice import (
    LOGO_BOX,
    InvoiceData,
    InvoiceLine,
    logo_size,
    render_invoice,
)


def invoice(items: int = 3, **changes: object) -> InvoiceData:
    lines = tuple(
        InvoiceLine(
            service=f"Item {n:02d} composite filling",
            quantity=1 + n % 3,
            unit_price=Decimal("1250.00"),
            subtotal=Decimal("1250.00") * (1 + n % 3),
            teeth=(11, 12, 16)[: 1 + n % 3],
            description="Two surfaces" if n % 5 == 0 else None,
        )
        for n in range(items)
    )
    subtotal = sum((line.subtotal for line in lines), Decimal("0.00"))
    data = InvoiceData(
        clinic_name="Bright Smile Dental",
        clinic_address="12 Rizal Avenue\nMakati City",
        clinic_phone="+63 2 8555 0100",
        clinic_email="hello@brightsmile.ph",
        clinic_tax_id="123-456-789-000",
        currency="EUR",
        footer="Thank you.",
        payment_terms_days=30,
        invoice_number="2030-000042",
        bill_date=date(2030, 3, 1),
        issue_date=date(2030, 3, 4),
        due_date=date(2030, 3, 31),
        patient_name="Zoë Ñúñez Łukasz Ψ",
        patient_email="zoe@example.org",
        items=lines,
        subtotal=subtotal,
        discount=Decimal("0.00"),
        tax=Decimal("0.00"),
        tax_rate=Decimal("0"),
        total=subtotal,
        paid=Decimal("0.00"),
        status=BillStatus.PENDING,
    )
    return replace(data, **changes)  # type: ignore[arg-type]


def pages(pdf: bytes) -> list[str]:
    reader = PdfReader(io.BytesIO(pdf))
    return [page.extract_text(extraction_mode="layout") for page in reader.pages]


@pytest.mark.parametrize(("paper", "size"), [("A4", (595, 842)), ("Letter", (612, 792))])
def test_both_paper_sizes(paper: str, size: tuple[int, int]) -> None:
    reader = PdfReader(io.BytesIO(render_invoice(invoice(), page_size=paper)))
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == size


def test_an_unknown_paper_size_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="A4, Letter"):
        render_invoice(invoice(), page_size="A5")


def test_the_same_data_renders_to_the_same_bytes() -> None:
    data = invoice(12)
    first = render_invoice(data)
    render_invoice(invoice(2, patient_name="Someone Else"))  # in between: no shared state
    assert render_invoice(data) == first
    assert render_invoice(data, copy=True) == render_invoice(data, copy=True)
    assert render_invoice(data, copy=True) != first


def test_a_long_bill_paginates_with_the_header_row_and_page_n_of_m_on_every_page() -> None:
    texts = pages(render_invoice(invoice(60)))
    assert len(texts) >= 3
    for number, text in enumerate(texts, start=1):
        assert "SERVICE" in text and "AMOUNT" in text and "TEETH (FDI)" in text
        assert f"Page {number} of {len(texts)}" in text
        assert "INVOICE" in text and "2030-000042" in text
    everything = "\n".join(texts)
    for n in range(60):
        assert everything.count(f"Item {n:02d} composite filling") == 1
    assert "Balance due" in texts[-1] and "Balance due" not in texts[0]


def test_names_in_other_scripts_print() -> None:
    text = pages(render_invoice(invoice()))[0]
    assert "Zoë Ñúñez Łukasz Ψ" in text


def test_the_copy_is_marked_copy_on_every_page_and_the_original_nowhere() -> None:
    data = invoice(60)
    copy_pages = pages(render_invoice(data, copy=True))
    assert len(copy_pages) >= 3
    assert all(text.count("COPY") >= 2 for text in copy_pages)  # badge, watermark, footer
    assert all("COPY" not in text for text in pages(render_invoice(data)))


def test_teeth_print_as_fdi_numbers_and_amounts_in_the_clinic_currency() -> None:
    text = pages(render_invoice(invoice(3)))[0]
    assert "11, 12, 16" in text
    assert "€1,250.00" in text and "€3,750.00" in text


def test_discount_reason_tax_rate_and_balance_print() -> None:
    data = invoice(
        2,
        subtotal=Decimal("3750.00"),
        discount=Decimal("375.00"),
        discount_reason="Senior citizen",
        tax_rate=Decimal("12.50"),
        tax=Decimal("421.88"),
        total=Decimal("3796.88"),
        paid=Decimal("1000.00"),
        status=BillStatus.PARTIAL,
    )
    lines = [line.strip() for line in pages(render_invoice(data))[0].splitlines()]
    assert any(
        line.startswith("Discount (Senior citizen)") and "-€375.00" in line for line in lines
    )
    assert any(line.startswith("Tax (12.5%)") and line.endswith("€421.88") for line in lines)
    assert any(line.startswith("Balance due") and line.endswith("€2,796.88") for line in lines)
    assert any("Part paid" in line for line in lines)


def test_a_cancelled_bill_says_so_with_the_reason() -> None:
    data = invoice(status=BillStatus.CANCELLED, cancellation_reason="Raised twice")
    text = pages(render_invoice(data))[0]
    assert "CANCELLED" in text and "This bill was cancelled: Raised twice" in text
    balance = next(line for line in text.splitlines() if "Balance due" in line)
    assert balance.split() == ["Balance", "due", "Cancelled"]


def png(width: int, height: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (20, 120, 200)).save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.mark.parametrize(("width", "height"), [(2000, 400), (300, 900), (40, 20)])
def test_the_logo_is_scaled_to_fit_the_header_keeping_its_shape(width: int, height: int) -> None:
    w, h = logo_size(width, height)
    assert w <= LOGO_BOX[0] + 1e-6 and h <= LOGO_BOX[1] + 1e-6
    assert abs(w / h - width / height) < 1e-6
    assert w == pytest.approx(LOGO_BOX[0]) or h == pytest.approx(LOGO_BOX[1])
    pdf = render_invoice(invoice(logo_png=png(width, height)))
    page = PdfReader(io.BytesIO(pdf)).pages[0]
    assert len(page.images) == 1


def test_a_damaged_logo_is_left_out_rather_than_stopping_the_invoice() -> None:
    pdf = render_invoice(invoice(logo_png=b"not a png"))
    assert len(PdfReader(io.BytesIO(pdf)).pages[0].images) == 0


def test_an_overdue_invoice_asks_for_payment_now_rather_than_by_a_past_date() -> None:
    data = invoice(status=BillStatus.OVERDUE, due_date=date(2030, 2, 28))
    text = " ".join(pages(render_invoice(data))[0].split())
    assert "Payment was due on 28 Feb 2030. Please pay the balance of" in text
    assert "Overdue" in text
