"""The revenue report on both backends: its figures equal the same sums done in Python with
Decimal over the bills stored through BillRepository.add, per month, per dentist and per
category, with the filters; the PDF and the CSV print the same numbers."""

from __future__ import annotations

import csv
import io
import random
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

import pytest
from pypdf import PdfReader
from sqlalchemy import update

from dcms_desktop.data.models import Bill, Service, User
from dcms_desktop.domain.enums import BillStatus
from dcms_desktop.domain.errors import NotFoundError, PermissionDeniedError, ValidationError
from dcms_desktop.domain.money import ZERO, format_money
from dcms_desktop.domain.pricing import compute_totals
from dcms_desktop.domain.readmodels.billing import NewBill, NewBillItem
from dcms_desktop.domain.readmodels.people import Actor
from dcms_desktop.domain.readmodels.reports import RevenueReport
from dcms_desktop.reports.revenue import CSV_HEADER, month_label
from dcms_desktop.services.context import ServiceContext
from dcms_desktop.services.reports import ReportService
from tests.factories import (
    actor_for,
    clinic_clock,
    make_admin,
    make_appointment,
    make_dentist,
    make_patient,
    make_service,
    make_staff,
    write_session,
)

CATEGORIES = ("Preventive", "Restorative", "Orthodontics")


@dataclass
class Clinic:
    """Two dentists, a patient, three services of three categories, and the bills made."""

    context: ServiceContext
    admin: Actor
    staff: Actor
    dentists: list[uuid.UUID]
    dentist_names: dict[uuid.UUID, str]
    patient: User
    services: dict[str, Service]
    bills: list[StoredBill] = field(default_factory=list)
    visits_of_day: dict[date, int] = field(default_factory=lambda: defaultdict(int))

    def bill(
        self,
        day: date,
        lines: list[tuple[str | None, str, int]],
        *,
        dentist: int | None = 0,
        status: BillStatus = BillStatus.PENDING,
        paid: str = "0",
        discount: str = "0",
        tax: str = "12",
    ) -> StoredBill:
        """A bill of a visit of ``dentists[dentist]`` on ``day`` (no visit when None) with
        ``lines`` of (category or None for a service not in the catalogue, price, quantity)."""
        database = self.context.database
        appointment_id = None
        if dentist is not None:
            n = self.visits_of_day[day]
            self.visits_of_day[day] += 1
            with write_session(database) as session:
                appointment_id = make_appointment(
                    session,
                    patient=session.get(User, self.patient.id),
                    dentist=session.get(User, self.dentists[dentist]),
                    # Each visit of a day ten minutes after the one before: no overlaps.
                    start=datetime.combine(day, time(9, 0)) + timedelta(minutes=10 * n),
                    duration=10,
                    status="completed",
                ).id
        items = tuple(
            NewBillItem(
                service_id=None if category is None else self.services[category].id,
                service_name=category or "Hand-written line",
                pricing_model="Per Session",
                quantity=quantity,
                unit_price=Decimal(price),
                subtotal=Decimal(price) * quantity,
            )
            for category, price, quantity in lines
        )
        totals = compute_totals(
            [i.subtotal for i in items], discount=Decimal(discount), tax_rate_percent=Decimal(tax)
        )
        with self.context.uow() as uow:
            view = uow.bills.add(
                NewBill(
                    patient_id=self.patient.id,
                    patient_name="Maria Santos",
                    patient_email=self.patient.email,
                    appointment_date=day,
                    totals=totals,
                    items=items,
                    appointment_id=appointment_id,
                ),
                generated_by=None,
            )
            uow.session.execute(
                update(Bill)
                .where(Bill.id == view.id)
                .values(status=status.value, amount_paid=min(Decimal(paid), totals.total))
            )
            uow.commit()
        stored = StoredBill(
            day=day,
            dentist=None if dentist is None else self.dentists[dentist],
            status=status,
            total=totals.total,
            paid=min(Decimal(paid), totals.total),
            lines=[(category, Decimal(price) * quantity) for category, price, quantity in lines],
        )
        self.bills.append(stored)
        return stored


@dataclass
class StoredBill:
    day: date
    dentist: uuid.UUID | None
    status: BillStatus
    total: Decimal
    paid: Decimal
    lines: list[tuple[str | None, Decimal]]


@pytest.fixture
def clinic(service_context: ServiceContext) -> Clinic:
    service_context.clock = clinic_clock(datetime(2026, 11, 25, 10, 0))
    with write_session(service_context.database) as session:
        ana = make_dentist(session, first_name="Ana", last_name="Reyes")
        luis = make_dentist(session, first_name="Luis", last_name="Zamora")
        patient = make_patient(session, first_name="Maria", last_name="Santos")
        admin = actor_for(make_admin(session))
        staff = actor_for(make_staff(session))
        services = {
            category: make_service(session, name=f"{category} work", category=category)
            for category in CATEGORIES
        }
        session.expunge_all()
    return Clinic(
        context=service_context,
        admin=admin,
        staff=staff,
        dentists=[ana.id, luis.id],
        dentist_names={ana.id: "Dr Ana Reyes", luis.id: "Dr Luis Zamora"},
        patient=patient,
        services=services,
    )


def _report(clinic: Clinic, start: date, end: date, **filters: object) -> RevenueReport:
    return ReportService(clinic.context).revenue_report(clinic.admin, start, end, **filters)  # type: ignore[arg-type]


# -- the figures are the bills' sums ------------------------------------------------------
def test_report_totals_equal_the_sum_of_the_bills_per_month_dentist_and_category(
    clinic: Clinic,
) -> None:
    rng = random.Random(6)
    statuses = list(BillStatus)
    for _ in range(40):
        day = date(2026, rng.randint(1, 6), rng.randint(1, 28))
        lines = [
            (
                rng.choice([*CATEGORIES, None]),
                f"{rng.randint(1, 40000) / 100:.2f}",
                rng.randint(1, 3),
            )
            for _ in range(rng.randint(1, 3))
        ]
        status = rng.choice(statuses)
        total_guess = sum(Decimal(p) * q for _, p, q in lines)
        paid = {
            BillStatus.PAID: "999999",
            BillStatus.PARTIAL: f"{total_guess / 3:.2f}",
        }.get(status, "0")
        clinic.bill(
            day,
            lines,
            dentist=rng.choice([0, 1, None]),
            status=status,
            paid=paid,
            discount=rng.choice(["0", "0.01", "5.00"]),
        )

    report = _report(clinic, date(2026, 1, 1), date(2026, 6, 30))

    counted = [b for b in clinic.bills if b.status is not BillStatus.CANCELLED]
    assert len(counted) < len(clinic.bills), "the seed should make some cancelled bills"
    by_month: dict[date, list[StoredBill]] = defaultdict(list)
    for bill in counted:
        by_month[bill.day.replace(day=1)].append(bill)
    assert [m.month for m in report.months] == [date(2026, n, 1) for n in range(1, 7)]
    for month in report.months:
        bills = by_month[month.month]
        assert month.bills == len(bills)
        assert month.revenue == sum((b.total for b in bills), ZERO)
        assert month.paid == sum((b.paid for b in bills), ZERO)
        assert month.pending == month.revenue - month.paid
    assert report.totals.bills == len(counted)
    assert report.totals.revenue == sum((b.total for b in counted), ZERO)
    assert report.totals.paid == sum((b.paid for b in counted), ZERO)

    expected_dentists = {
        clinic.dentist_names.get(d, "No dentist") if d else "No dentist": (
            len([b for b in counted if b.dentist == d]),
            sum((b.total for b in counted if b.dentist == d), ZERO),
            sum((b.paid for b in counted if b.dentist == d), ZERO),
        )
        for d in {b.dentist for b in counted}
    }
    got = {r.dentist_name: (r.bills, r.revenue, r.paid) for r in report.by_dentist}
    assert got == expected_dentists
    assert report.by_dentist[-1].dentist_name == "No dentist"  # bills without a visit: last

    expected_categories: dict[str, list[Decimal]] = defaultdict(lambda: [ZERO, ZERO])
    for bill in counted:
        for category, subtotal in bill.lines:
            name = category or "Other"
            expected_categories[name][0] += subtotal
            if bill.status is BillStatus.PAID:
                expected_categories[name][1] += subtotal
    got_categories = {r.category: [r.revenue, r.paid] for r in report.by_category}
    assert got_categories == dict(expected_categories)
    revenues = [r.revenue for r in report.by_category]
    assert revenues == sorted(revenues, reverse=True)


def test_ten_bills_of_ten_cents_make_exactly_one_unit(clinic: Clinic) -> None:
    for day in range(1, 11):
        clinic.bill(date(2026, 3, day), [("Preventive", "0.10", 1)], tax="0")
    report = _report(clinic, date(2026, 3, 1), date(2026, 3, 31))
    assert report.totals.revenue == Decimal("1.00")
    assert str(report.totals.revenue) == "1.00"
    assert report.by_category[0].revenue == Decimal("1.00")


def test_month_boundaries_are_inclusive_and_cut_at_the_first_of_the_month(clinic: Clinic) -> None:
    for day in (date(2026, 1, 30), date(2026, 1, 31), date(2026, 2, 1), date(2026, 2, 2)):
        clinic.bill(day, [("Preventive", "100.00", 1)], tax="0")
    report = _report(clinic, date(2026, 1, 31), date(2026, 2, 1))
    assert [(m.month, m.bills, m.revenue) for m in report.months] == [
        (date(2026, 1, 1), 1, Decimal("100.00")),
        (date(2026, 2, 1), 1, Decimal("100.00")),
    ]
    assert report.totals.bills == 2


def test_months_without_bills_are_listed_with_zeros(clinic: Clinic) -> None:
    clinic.bill(date(2026, 1, 15), [("Preventive", "50.00", 1)], tax="0")
    clinic.bill(date(2026, 4, 15), [("Preventive", "70.00", 1)], tax="0")
    report = _report(clinic, date(2025, 12, 10), date(2026, 5, 3))
    assert [(m.month.month, m.bills, m.revenue) for m in report.months] == [
        (12, 0, ZERO),
        (1, 1, Decimal("50.00")),
        (2, 0, ZERO),
        (3, 0, ZERO),
        (4, 1, Decimal("70.00")),
        (5, 0, ZERO),
    ]


def test_cancelled_bills_are_not_revenue(clinic: Clinic) -> None:
    clinic.bill(date(2026, 5, 5), [("Restorative", "80.00", 1)], tax="0")
    clinic.bill(date(2026, 5, 6), [("Restorative", "999.00", 1)], status=BillStatus.CANCELLED)
    report = _report(clinic, date(2026, 5, 1), date(2026, 5, 31))
    assert (report.totals.bills, report.totals.revenue) == (1, Decimal("80.00"))
    assert report.by_category[0].revenue == Decimal("80.00")
    assert report.by_dentist[0].revenue == Decimal("80.00")


def test_paid_is_what_was_paid_and_pending_the_rest(clinic: Clinic) -> None:
    clinic.bill(
        date(2026, 5, 5),
        [("Restorative", "100.00", 1)],
        tax="0",
        status=BillStatus.PAID,
        paid="100",
    )
    clinic.bill(
        date(2026, 5, 6),
        [("Restorative", "100.00", 1)],
        tax="0",
        status=BillStatus.PARTIAL,
        paid="30",
    )
    clinic.bill(date(2026, 5, 7), [("Preventive", "100.00", 1)], tax="0")
    report = _report(clinic, date(2026, 5, 1), date(2026, 5, 31))
    assert (report.totals.revenue, report.totals.paid, report.totals.pending) == (
        Decimal("300.00"),
        Decimal("130.00"),
        Decimal("170.00"),
    )
    # Per category, a line is paid when its bill is paid in full.
    categories = {r.category: (r.revenue, r.paid) for r in report.by_category}
    assert categories == {
        "Restorative": (Decimal("200.00"), Decimal("100.00")),
        "Preventive": (Decimal("100.00"), ZERO),
    }


# -- filters -------------------------------------------------------------------------------
def test_the_dentist_filter_counts_only_that_dentists_visits(clinic: Clinic) -> None:
    clinic.bill(date(2026, 2, 3), [("Preventive", "40.00", 1)], dentist=0, tax="0")
    clinic.bill(date(2026, 2, 4), [("Preventive", "60.00", 2)], dentist=1, tax="0")
    clinic.bill(date(2026, 3, 4), [("Orthodontics", "500.00", 1)], dentist=1, tax="0")
    clinic.bill(date(2026, 3, 5), [("Orthodontics", "7.00", 1)], dentist=None, tax="0")
    luis = clinic.dentists[1]
    report = _report(clinic, date(2026, 1, 1), date(2026, 3, 31), dentist_id=luis)
    assert report.dentist_name == "Dr Luis Zamora"
    assert report.filter_text == "Dr Luis Zamora · All categories"
    assert [(m.month.month, m.bills, m.revenue) for m in report.months] == [
        (1, 0, ZERO),
        (2, 1, Decimal("120.00")),
        (3, 1, Decimal("500.00")),
    ]
    assert [(r.dentist_name, r.revenue) for r in report.by_dentist] == [
        ("Dr Luis Zamora", Decimal("620.00"))
    ]
    assert {r.category: r.revenue for r in report.by_category} == {
        "Orthodontics": Decimal("500.00"),
        "Preventive": Decimal("120.00"),
    }


def test_the_category_filter_counts_that_categorys_lines_only(clinic: Clinic) -> None:
    # One bill with lines of two categories, 10 % discount and 12 % tax on the whole bill.
    clinic.bill(
        date(2026, 2, 3),
        [("Preventive", "40.00", 1), ("Orthodontics", "300.00", 2)],
        dentist=0,
        discount="34.00",
        status=BillStatus.PAID,
        paid="999999",
    )
    clinic.bill(date(2026, 2, 9), [("Preventive", "25.00", 1)], dentist=1)
    clinic.bill(date(2026, 2, 10), [("Restorative", "25.00", 1)], dentist=1)
    report = _report(clinic, date(2026, 2, 1), date(2026, 2, 28), category=" Preventive ")
    assert report.category == "Preventive" and report.counts_lines
    assert [(m.bills, m.revenue, m.paid) for m in report.months] == [
        (2, Decimal("65.00"), Decimal("40.00"))
    ]
    assert report.totals.pending == Decimal("25.00")
    assert {r.dentist_name: r.revenue for r in report.by_dentist} == {
        "Dr Ana Reyes": Decimal("40.00"),
        "Dr Luis Zamora": Decimal("25.00"),
    }
    assert [(r.category, r.revenue) for r in report.by_category] == [
        ("Preventive", Decimal("65.00"))
    ]
    both = _report(
        clinic,
        date(2026, 2, 1),
        date(2026, 2, 28),
        category="Orthodontics",
        dentist_id=clinic.dentists[0],
    )
    assert (both.totals.bills, both.totals.revenue) == (1, Decimal("600.00"))
    nobody = _report(
        clinic,
        date(2026, 2, 1),
        date(2026, 2, 28),
        category="Orthodontics",
        dentist_id=clinic.dentists[1],
    )
    assert (nobody.totals.bills, nobody.totals.revenue, nobody.by_dentist) == (0, ZERO, ())


def test_filter_options_list_the_dentists_and_the_catalogues_categories(clinic: Clinic) -> None:
    options = ReportService(clinic.context).revenue_filter_options(clinic.admin)
    assert [d.name for d in options.dentists] == ["Dr Ana Reyes", "Dr Luis Zamora"]
    assert options.categories == tuple(sorted(CATEGORIES))


# -- refusals ------------------------------------------------------------------------------
def test_only_admins_see_the_revenue_report(clinic: Clinic) -> None:
    with pytest.raises(PermissionDeniedError):
        ReportService(clinic.context).revenue_report(
            clinic.staff, date(2026, 1, 1), date(2026, 2, 1)
        )
    with pytest.raises(PermissionDeniedError):
        ReportService(clinic.context).revenue_filter_options(clinic.staff)


def test_a_period_that_ends_before_it_starts_is_refused_on_the_end_date(clinic: Clinic) -> None:
    with pytest.raises(ValidationError) as error:
        _report(clinic, date(2026, 3, 1), date(2026, 2, 28))
    assert error.value.field == "date_to"
    assert "before it starts" in error.value.message


def test_an_unknown_dentist_is_named_as_gone(clinic: Clinic) -> None:
    with pytest.raises(NotFoundError):
        _report(clinic, date(2026, 1, 1), date(2026, 2, 1), dentist_id=uuid.uuid4())


# -- PDF and CSV ---------------------------------------------------------------------------
def _filled(clinic: Clinic) -> RevenueReport:
    clinic.bill(
        date(2026, 1, 12), [("Preventive", "1234.56", 1)], status=BillStatus.PAID, paid="99999"
    )
    clinic.bill(date(2026, 2, 12), [("Restorative", "87.50", 2)], dentist=1)
    clinic.bill(
        date(2026, 3, 2), [("Orthodontics", "999.99", 3)], status=BillStatus.PARTIAL, paid="500"
    )
    clinic.bill(date(2026, 3, 20), [(None, "15.00", 1)], dentist=None)
    return _report(clinic, date(2026, 1, 1), date(2026, 3, 31))


def test_the_pdf_prints_the_figures_of_the_report(clinic: Clinic) -> None:
    report = _filled(clinic)
    pdf = ReportService.render_revenue_pdf(report)
    reader = PdfReader(io.BytesIO(pdf))
    text = "\n".join(page.extract_text() for page in reader.pages)
    flat = " ".join(text.split())
    money = lambda amount: format_money(amount, report.currency)  # noqa: E731
    assert "Revenue report" in text and report.clinic_name in text
    assert "1 Jan 2026 – 31 Mar 2026" in flat
    assert "All dentists · All categories" in flat
    for month in report.months:
        assert (
            f"{month_label(month.month)} {month.bills} {money(month.revenue)} "
            f"{money(month.paid)} {money(month.pending)}"
        ) in flat
    totals = report.totals
    assert (
        f"Total {totals.bills} {money(totals.revenue)} {money(totals.paid)} {money(totals.pending)}"
    ) in flat
    for dentist in report.by_dentist:
        assert f"{dentist.dentist_name} {dentist.bills} {money(dentist.revenue)}" in flat
    for category in report.by_category:
        assert f"{category.category} {category.bills} {money(category.revenue)}" in flat
    assert "Page 1 of" in flat


def test_a_long_period_paginates_with_page_numbers(clinic: Clinic) -> None:
    clinic.bill(date(2020, 6, 1), [("Preventive", "10.00", 1)])
    report = _report(clinic, date(2018, 1, 1), date(2026, 12, 31))
    assert len(report.months) == 108
    reader = PdfReader(io.BytesIO(ReportService.render_revenue_pdf(report)))
    pages = len(reader.pages)
    assert pages >= 3
    last = reader.pages[-1].extract_text()
    assert f"Page {pages} of {pages}" in last
    # The month table's header repeats on the pages it runs over.
    assert sum("MONTH" in page.extract_text() for page in reader.pages) >= 2


def test_the_csv_reads_back_to_the_reports_figures(clinic: Clinic) -> None:
    report = _filled(clinic)
    data = ReportService.render_revenue_csv(report)
    assert data.startswith(b"\xef\xbb\xbf")  # spreadsheets need the mark to read UTF-8
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert tuple(rows[0]) == CSV_HEADER
    body = [dict(zip(CSV_HEADER, row, strict=True)) for row in rows[1:]]
    months = [r for r in body if r["section"] == "month"]
    assert [r["label"] for r in months] == ["2026-01", "2026-02", "2026-03"]
    for row, month in zip(months, report.months, strict=True):
        assert (int(row["bills"]), Decimal(row["revenue"]), Decimal(row["paid"])) == (
            month.bills,
            month.revenue,
            month.paid,
        )
        assert Decimal(row["pending"]) == month.pending
    (total,) = [r for r in body if r["section"] == "total"]
    assert Decimal(total["revenue"]) == report.totals.revenue
    assert total["revenue"] == f"{report.totals.revenue:f}"  # plain, two places
    assert "," not in total["revenue"] and "$" not in total["revenue"]
    dentists = {r["label"]: Decimal(r["revenue"]) for r in body if r["section"] == "dentist"}
    assert dentists == {d.dentist_name: d.revenue for d in report.by_dentist}
    categories = {r["label"]: Decimal(r["revenue"]) for r in body if r["section"] == "category"}
    assert categories == {c.category: c.revenue for c in report.by_category}
    assert "Other" in categories
