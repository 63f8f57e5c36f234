"""The demo clinic generator: believable, consistent and the same for the same seed.

The small clinic is generated once per backend for the module (it takes about a second)
and every test below reads it; the determinism and refusal tests use the tiny size.
"""

from __future__ import annotations

import hashlib
import shutil
from collections import defaultdict
from collections.abc import Iterator
from datetime import date, time, timedelta
from decimal import Decimal
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, func, select, text

from dcms_desktop.data import migrate
from dcms_desktop.data.engine import Database, create_database
from dcms_desktop.data.models import (
    Appointment,
    AppointmentService,
    Bill,
    BillItem,
    ClinicSettings,
    InventoryItem,
    InvoiceCounter,
    Payment,
    RestockRequest,
    Service,
    StockMovement,
    ToothChart,
    ToothTreatment,
    User,
)
from dcms_desktop.domain.enums import (
    AlertLevel,
    AppointmentStatus,
    AppointmentType,
    BillStatus,
    MovementType,
    PricingModel,
    RestockStatus,
    ToothChartUse,
)
from dcms_desktop.domain.pricing import percent_of, quantity_for
from dcms_desktop.domain.stock import alert_level
from dcms_desktop.domain.teeth import PRIMARY_TEETH, validate_teeth
from dcms_desktop.services.demo import (
    DEMO_PASSWORD,
    DemoRefusedError,
    DemoSummary,
    demo_exists,
    generate_demo,
)
from dcms_desktop.services.passwords import UNUSABLE_PASSWORD, verify_password
from tests.conftest import (
    NO_PG_REASON,
    create_scratch_pg_database,
    drop_scratch_pg_database,
    pg_admin_url,
)

TODAY = date(2025, 3, 12)  # a Wednesday
SEED = 7
OFFSET = 8 * 60  # the clinic's wall clock is UTC+8


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def small_clinic(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Database, DemoSummary]]:
    """The small demo clinic, written once per backend for the whole module."""
    scratch = None
    if request.param == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        path = tmp_path_factory.mktemp("demo") / "small.db"
        shutil.copyfile(template, path)
        url = f"sqlite:///{path}"
    else:
        # A database of its own: the other tests here empty the session's one.
        if pg_admin_url() is None:
            pytest.skip(NO_PG_REASON)
        url = scratch = create_scratch_pg_database("dcms_demo")
        fresh = create_database(url)
        migrate.upgrade(fresh.engine)
        fresh.dispose()
    database = create_database(url)
    summary = generate_demo(database, "small", seed=SEED, today=TODAY, utc_offset_minutes=OFFSET)
    yield database, summary
    database.dispose()
    if scratch is not None:
        drop_scratch_pg_database(scratch)


def _rows(conn: Connection, *columns: Any, where: Any = None) -> list[Any]:
    query = select(*columns)
    if where is not None:
        query = query.where(where)
    return list(conn.execute(query))


# -- size and people ------------------------------------------------------------------------
def test_small_clinic_has_four_dentists_300_patients_three_months_back_and_one_ahead(
    small_clinic: tuple[Database, DemoSummary],
) -> None:
    database, summary = small_clinic
    with database.engine.connect() as conn:
        roles = dict(conn.execute(select(User.role, func.count()).group_by(User.role)).all())
        first, last = conn.execute(
            select(func.min(Appointment.appointment_date), func.max(Appointment.appointment_date))
        ).one()
    assert roles == {"admin": 1, "dentist": 4, "staff": 3, "patient": 300}
    assert TODAY - timedelta(days=92) <= first <= TODAY - timedelta(days=85)
    assert TODAY + timedelta(days=25) <= last <= TODAY + timedelta(days=30)
    assert summary.row_counts["users"] == 308
    assert summary.row_counts["appointments"] > 1000
    assert set(summary.credentials) == {"admin", "dentist", "staff"}


def test_staff_sign_in_with_the_demo_password_and_patients_never_can(
    small_clinic: tuple[Database, DemoSummary],
) -> None:
    database, summary = small_clinic
    with database.engine.connect() as conn:
        users = _rows(conn, User.email, User.role, User.password_hash)
    by_email = {email: (role, hashed) for email, role, hashed in users}
    for role, email in summary.credentials.items():
        assert by_email[email][0] == role
    admin_hash = by_email[summary.credentials["admin"]][1]
    assert verify_password(admin_hash, summary.password)
    assert summary.password == DEMO_PASSWORD
    staff_hashes = {hashed for role, hashed in by_email.values() if role != "patient"}
    assert staff_hashes == {admin_hash}  # hashed once, shared
    assert {hashed for role, hashed in by_email.values() if role == "patient"} == {
        UNUSABLE_PASSWORD
    }


def test_patients_have_names_contacts_ages_2_to_90_and_medical_histories(
    small_clinic: tuple[Database, DemoSummary],
) -> None:
    database, _ = small_clinic
    with database.engine.connect() as conn:
        patients = _rows(
            conn,
            User.first_name,
            User.last_name,
            User.email,
            User.phone,
            User.date_of_birth,
            User.address,
            User.medical_history,
            User.emergency_contact,
            User.emergency_phone,
            where=User.role == "patient",
        )
    ages = []
    for first, last, email, phone, birth, address, history, contact, contact_phone in patients:
        assert first.strip() and last.strip() and "@" in email
        assert phone.startswith("+63 9") and len(phone) <= 20
        assert address and contact and contact_phone
        assert history
        ages.append((TODAY - birth).days // 365)
    assert min(ages) >= 2 and max(ages) <= 90
    assert any(age < 6 for age in ages) and any(age >= 65 for age in ages)
    histories = [p[6] for p in patients]
    assert 0.4 < histories.count("None") / len(histories) < 0.9
    assert any("allergy" in h for h in histories)


def test_clinic_settings_mark_the_database_as_a_demo_with_its_tax_rate(
    small_clinic: tuple[Database, DemoSummary],
) -> None:
    database, _ = small_clinic
    with database.engine.connect() as conn:
        settings = conn.execute(select(ClinicSettings)).one()
    assert settings.is_demo is True
    assert settings.tax_rate == Decimal("12.00")
    assert settings.clinic_name and settings.address and settings.tax_id


# -- every value of every vocabulary --------------------------------------------------------
def _distinct(conn: Connection, column: Any) -> set[Any]:
    return set(conn.execute(select(column).distinct()).scalars())


def test_every_status_type_pricing_model_chart_use_and_bill_status_occurs(
    small_clinic: tuple[Database, DemoSummary],
) -> None:
    database, _ = small_clinic
    with database.engine.connect() as conn:
        assert _distinct(conn, Appointment.status) == {s.value for s in AppointmentStatus}
        assert _distinct(conn, Appointment.type) == {t.value for t in AppointmentType}
        assert _distinct(conn, Service.pricing_model) == {m.value for m in PricingModel}
        assert _distinct(conn, Service.tooth_chart_use) == {u.value for u in ToothChartUse}
        assert _distinct(conn, AppointmentService.pricing_model) == {m.value for m in PricingModel}
        assert _distinct(conn, Bill.status) == {s.value for s in BillStatus}
        assert _distinct(conn, StockMovement.movement_type) == {m.value for m in MovementType}
        assert _distinct(conn, RestockRequest.status) == {s.value for s in RestockStatus}
        services = conn.execute(select(func.count()).select_from(Service)).scalar_one()
    assert 24 <= services <= 30


def test_stock_room_has_items_at_every_alert_level_and_some_expiring(
    small_clinic: tuple[Database, DemoSummary],
) -> None:
    database, _ = small_clinic
    with database.engine.connect() as conn:
        items = _rows(
            conn,
            InventoryItem.current_stock,
            InventoryItem.min_stock,
            InventoryItem.max_stock,
            InventoryItem.expiration_date,
        )
        low_view = conn.execute(text("SELECT alert_level FROM low_stock_alerts")).scalars().all()
    assert len(items) >= 55
    levels = [alert_level(current, minimum) for current, minimum, _, _ in items]
    assert set(levels) == set(AlertLevel)
    assert sorted(low_view) == sorted(level.value for level in levels if level != "normal")
    expirations = [e for *_, e in items if e is not None]
    assert any(e < TODAY for e in expirations)
    assert any(TODAY <= e <= TODAY + timedelta(days=30) for e in expirations)


# -- the appointment book -------------------------------------------------------------------
def test_no_dentist_has_two_overlapping_appointments(
    small_clinic: tuple[Database, DemoSummary],
) -> None:
    database, _ = small_clinic
    if database.backend == "postgresql":
        end = "{t}.appointment_time + make_interval(mins => {t}.duration)"
    else:
        end = "time({t}.appointment_time, '+' || {t}.duration || ' minutes')"
    query = f"""
        SELECT count(*) FROM appointments a JOIN appointments b
          ON a.dentist_id = b.dentist_id AND a.appointment_date = b.appointment_date
         AND a.id < b.id
       WHERE a.appointment_time < {end.format(t="b")}
         AND b.appointment_time < {end.format(t="a")}
    """
    with database.engine.connect() as conn:
        assert conn.execute(text(query)).scalar_one() == 0


def test_appointments_start_on_the_grid_between_nine_and_six_on_working_days(
    small_clinic: tuple[Database, DemoSummary],
) -> None:
    database, _ = small_clinic
    with database.engine.connect() as conn:
        rows = _rows(
            conn, Appointment.appointment_date, Appointment.appointment_time, Appointment.duration
        )
    for day, start, duration in rows:
        assert time(9, 0) <= start <= time(18, 0)
        assert start.minute % 15 == 0 and duration % 15 == 0
        assert start.hour * 60 + start.minute + duration <= 18 * 60
        assert day.weekday() != 6


def test_statuses_follow_the_clock_and_record_who_did_what(
    small_clinic: tuple[Database, DemoSummary],
) -> None:
    database, _ = small_clinic
    with database.engine.connect() as conn:
        rows = _rows(
            conn,
            Appointment.appointment_date,
            Appointment.status,
            Appointment.type,
            Appointment.dentist_id,
            Appointment.completed_by,
            Appointment.confirmed_by,
            Appointment.cancelled_by,
            Appointment.cancellation_reason,
            Appointment.created_by,
        )
    for day, status, kind, dentist, completed, confirmed, cancelled, reason, creator in rows:
        assert creator is not None
        if day < TODAY:
            assert status in ("completed", "cancelled", "no_show")
        elif day > TODAY:
            assert status in ("pending", "confirmed", "cancelled")
            assert kind in ("regular", "follow_up")
        if status == "in_progress":
            assert day == TODAY
        if status == "completed":
            assert completed == dentist
        else:
            assert completed is None
        if status == "cancelled":
            assert cancelled is not None and reason
        else:
            assert cancelled is None and reason is None
        if status == "confirmed":
            assert confirmed is not None
        if status == "pending":
            assert confirmed is None


def test_teeth_are_valid_fdi_and_match_the_patients_age(
    small_clinic: tuple[Database, DemoSummary],
) -> None:
    database, _ = small_clinic
    primary = set(PRIMARY_TEETH)
    with database.engine.connect() as conn:
        rows = conn.execute(
            select(
                AppointmentService.teeth_selected,
                Service.tooth_chart_use,
                Appointment.appointment_date,
                User.date_of_birth,
            )
            .join(Service, Service.id == AppointmentService.service_id)
            .join(Appointment, Appointment.id == AppointmentService.appointment_id)
            .join(User, User.id == Appointment.patient_id)
        ).all()
    with_teeth = 0
    for teeth, use, day, birth in rows:
        if use == "required":
            assert teeth
        if not teeth:
            continue
        with_teeth += 1
        assert list(validate_teeth(teeth)) == teeth
        age = day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))
        if age < 6:
            assert set(teeth) <= primary
        if age >= 13:
            assert not set(teeth) & primary
    assert with_teeth > 100


def test_service_lines_are_priced_by_their_pricing_model(
    small_clinic: tuple[Database, DemoSummary],
) -> None:
    database, _ = small_clinic
    with database.engine.connect() as conn:
        rows = conn.execute(
            select(
                AppointmentService.pricing_model,
                AppointmentService.teeth_selected,
                AppointmentService.quantity,
                AppointmentService.unit_price,
                AppointmentService.subtotal,
                Service.price,
            ).join(Service, Service.id == AppointmentService.service_id)
        ).all()
    for model, teeth, quantity, unit_price, subtotal, price in rows:
        assert unit_price == price
        assert subtotal == unit_price * quantity
        if model in ("Per Tooth", "Per Tooth Package", "Per Treatment Package"):
            assert quantity == quantity_for(model, teeth=teeth or ())


# -- bills ----------------------------------------------------------------------------------
def test_each_completed_visit_has_one_bill_whose_totals_add_up(
    small_clinic: tuple[Database, DemoSummary],
) -> None:
    database, _ = small_clinic
    with database.engine.connect() as conn:
        bills = _rows(
            conn,
            Bill.id,
            Bill.appointment_id,
            Bill.subtotal,
            Bill.discount_amount,
            Bill.tax_amount,
            Bill.tax_rate,
            Bill.total_amount,
        )
        item_sums = dict(
            conn.execute(
                select(BillItem.bill_id, func.sum(BillItem.subtotal)).group_by(BillItem.bill_id)
            ).all()
        )
        completed = set(
            conn.execute(select(Appointment.id).where(Appointment.status == "completed")).scalars()
        )
    assert {b.appointment_id for b in bills} == completed
    assert len(bills) == len(completed)
    discounted = 0
    for bill in bills:
        assert bill.subtotal == item_sums[bill.id]
        taxable = bill.subtotal - bill.discount_amount
        assert bill.tax_rate == Decimal("12.00")  # kept for later edits of the bill
        assert bill.tax_amount == percent_of(taxable, Decimal("12.00"))
        assert bill.total_amount == taxable + bill.tax_amount
        discounted += bill.discount_amount > 0
    assert discounted > 0


def test_invoice_numbers_run_in_sequence_per_year_and_match_the_counters(
    small_clinic: tuple[Database, DemoSummary],
) -> None:
    database, _ = small_clinic
    with database.engine.connect() as conn:
        numbers = conn.execute(select(Bill.invoice_number, Bill.generated_at)).all()
        counters = dict(conn.execute(select(InvoiceCounter.year, InvoiceCounter.last_number)).all())
    by_year: dict[int, list[tuple[Any, int]]] = defaultdict(list)
    for number, generated_at in numbers:
        year, sequence = number.split("-")
        by_year[int(year)].append((generated_at, int(sequence)))
    assert set(by_year) == set(counters)
    for year, entries in by_year.items():
        sequences = [sequence for _, sequence in sorted(entries)]
        assert sequences == list(range(1, len(entries) + 1))
        assert counters[year] == len(entries)


def test_amount_paid_is_the_sum_of_payments_and_the_status_says_so(
    small_clinic: tuple[Database, DemoSummary],
) -> None:
    database, _ = small_clinic
    with database.engine.connect() as conn:
        bills = _rows(
            conn,
            Bill.id,
            Bill.status,
            Bill.total_amount,
            Bill.amount_paid,
            Bill.due_date,
            Bill.payment_date,
        )
        payments: dict[Any, list[Any]] = defaultdict(list)
        for bill_id, amount, paid_on in _rows(
            conn, Payment.bill_id, Payment.amount, Payment.paid_on
        ):
            payments[bill_id].append((amount, paid_on))
    for bill in bills:
        paid = sum((amount for amount, _ in payments[bill.id]), Decimal("0.00"))
        assert bill.amount_paid == paid
        assert all(paid_on <= TODAY for _, paid_on in payments[bill.id])
        if payments[bill.id]:
            assert bill.payment_date == max(paid_on for _, paid_on in payments[bill.id])
        if bill.status == "paid":
            assert paid == bill.total_amount
        elif bill.status == "partial":
            assert 0 < paid < bill.total_amount and bill.due_date >= TODAY
        elif bill.status == "pending":
            assert paid == 0 and bill.due_date >= TODAY
        elif bill.status == "overdue":
            assert paid < bill.total_amount and bill.due_date < TODAY
        else:
            assert not payments[bill.id]


# -- stock and charts -----------------------------------------------------------------------
def test_stock_movements_chain_from_an_opening_delivery_to_the_stored_stock(
    small_clinic: tuple[Database, DemoSummary],
) -> None:
    database, _ = small_clinic
    with database.engine.connect() as conn:
        stock = dict(conn.execute(select(InventoryItem.id, InventoryItem.current_stock)).all())
        movements = conn.execute(
            select(
                StockMovement.inventory_item_id,
                StockMovement.movement_type,
                StockMovement.quantity,
                StockMovement.previous_stock,
                StockMovement.new_stock,
            ).order_by(StockMovement.inventory_item_id, StockMovement.timestamp)
        ).all()
    chains: dict[Any, list[Any]] = defaultdict(list)
    for movement in movements:
        chains[movement.inventory_item_id].append(movement)
    assert set(chains) == set(stock)
    for item_id, chain in chains.items():
        assert chain[0].movement_type == "restock" and chain[0].previous_stock == 0
        for before, after in pairwise(chain):
            assert after.previous_stock == before.new_stock
        assert sum(m.quantity for m in chain) == chain[-1].new_stock == stock[item_id]


def test_tooth_charts_agree_with_the_completed_treatments(
    small_clinic: tuple[Database, DemoSummary],
) -> None:
    database, _ = small_clinic
    with database.engine.connect() as conn:
        charts = _rows(
            conn, ToothChart.patient_id, ToothChart.missing_teeth, ToothChart.treated_teeth
        )
        treatments = conn.execute(
            select(
                ToothTreatment.patient_id,
                ToothTreatment.service_name,
                ToothTreatment.teeth_fdi,
                Appointment.status,
            ).join(Appointment, Appointment.id == ToothTreatment.appointment_id)
        ).all()
        required_lines = conn.execute(
            select(func.count())
            .select_from(AppointmentService)
            .join(Service, Service.id == AppointmentService.service_id)
            .join(Appointment, Appointment.id == AppointmentService.appointment_id)
            .where(Appointment.status == "completed", Service.tooth_chart_use == "required")
        ).scalar_one()
        patients = conn.execute(
            select(func.count()).select_from(User).where(User.role == "patient")
        ).scalar_one()
    assert len(charts) == patients
    assert len(treatments) == required_lines
    done: dict[Any, set[int]] = defaultdict(set)
    extracted: dict[Any, set[int]] = defaultdict(set)
    for patient_id, service_name, teeth, status in treatments:
        assert status == "completed"
        done[patient_id].update(teeth)
        if "extraction" in service_name.lower():
            extracted[patient_id].update(teeth)
    assert any(extracted.values())
    for patient_id, missing, treated in charts:
        assert set(missing) == extracted[patient_id]
        assert not set(missing) & set(treated)
        assert set(missing) | set(treated) == done[patient_id]


# -- the generator ---------------------------------------------------------------------------
def _digest(conn: Connection) -> dict[str, str]:
    digests = {}
    for table in (Appointment, AppointmentService, Bill, Payment, StockMovement, ToothChart):
        key = table.__table__.c.id
        hasher = hashlib.sha256()
        for row in conn.execute(select(table.__table__).order_by(key)):
            hasher.update(repr(tuple(row)).encode())
        digests[table.__tablename__] = hasher.hexdigest()
    users = conn.execute(select(User.__table__).order_by(User.email)).all()
    digests["users"] = hashlib.sha256(
        repr([tuple(r) for r in users if r.role == "patient"]).encode()
    ).hexdigest()
    return digests


def test_same_seed_and_day_give_the_same_clinic_row_for_row(database: Database) -> None:
    first = generate_demo(database, "tiny", seed=3, today=TODAY, utc_offset_minutes=OFFSET)
    with database.engine.connect() as conn:
        before = _digest(conn)
    again = generate_demo(
        database, "tiny", seed=3, today=TODAY, replace=True, utc_offset_minutes=OFFSET
    )
    with database.engine.connect() as conn:
        after = _digest(conn)
    assert first.row_counts == again.row_counts
    assert first.credentials == again.credentials
    assert before == after
    generate_demo(database, "tiny", seed=4, today=TODAY, replace=True, utc_offset_minutes=OFFSET)
    with database.engine.connect() as conn:
        other = _digest(conn)
    assert other["appointments"] != before["appointments"]


def test_a_database_holding_a_clinic_is_refused_unless_replacing(database: Database) -> None:
    assert not demo_exists(database)
    summary = generate_demo(database, "tiny", today=TODAY)
    assert demo_exists(database)
    with pytest.raises(DemoRefusedError):
        generate_demo(database, "tiny", seed=99, today=TODAY)
    with database.engine.connect() as conn:
        count = conn.execute(select(func.count()).select_from(Appointment)).scalar_one()
    assert count == summary.row_counts["appointments"]


def test_progress_reports_every_phase_through_to_its_end(database: Database) -> None:
    reports: list[tuple[str, int, int]] = []
    generate_demo(database, "tiny", today=TODAY, progress=lambda *report: reports.append(report))
    phases = list(dict.fromkeys(phase for phase, _, _ in reports))
    assert phases[0] == "Clinic and staff" and phases[-1] == "Finishing"
    assert "Appointments and bills" in phases
    for phase in phases:
        done, total = [(d, t) for p, d, t in reports if p == phase][-1]
        assert done == total


def test_unknown_size_is_refused(database: Database) -> None:
    with pytest.raises(ValueError, match="unknown demo size"):
        generate_demo(database, "huge")


def test_a_demo_made_today_shows_no_visit_of_later_today_as_done(sqlite_database) -> None:
    from datetime import datetime as wall_clock

    generate_demo(sqlite_database, "tiny", seed=9)
    now = wall_clock.now()
    with sqlite_database.engine.connect() as conn:
        later_today = conn.execute(
            select(Appointment.status).where(
                Appointment.appointment_date == now.date(),
                Appointment.appointment_time > now.time(),
            )
        ).scalars()
        assert not {"completed", "in_progress", "no_show"} & set(later_today)
