"""The `dcms` command: schema migrations, demo data, and one clear line for bad input."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest

from dcms_desktop.cli import main as dcms


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An isolated workstation: its own data and config directories, no server."""
    monkeypatch.setenv("DCMS_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("DCMS_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.delenv("DCMS_DATABASE_URL", raising=False)
    monkeypatch.delenv("DCMS_REDIS_URL", raising=False)
    return tmp_path


def test_db_upgrade_creates_the_schema_and_a_second_run_does_nothing(env: Path, capsys) -> None:
    assert dcms(["db", "upgrade"]) == 0
    assert "from empty to" in capsys.readouterr().out
    assert dcms(["db", "upgrade"]) == 0
    assert "nothing to do" in capsys.readouterr().out
    assert dcms(["db", "current"]) == 0
    assert "(current;" in capsys.readouterr().out


def test_db_downgrade_to_base_empties_the_schema(env: Path, capsys) -> None:
    assert dcms(["db", "upgrade"]) == 0
    assert dcms(["db", "downgrade", "base"]) == 0
    capsys.readouterr()
    assert dcms(["db", "current"]) == 0
    assert "empty" in capsys.readouterr().out


def test_upgrade_of_a_database_url_given_in_the_environment(
    database_url: str, monkeypatch: pytest.MonkeyPatch, env: Path, capsys
) -> None:
    monkeypatch.setenv("DCMS_DATABASE_URL", database_url)
    assert dcms(["db", "upgrade"]) == 0
    assert "nothing to do" in capsys.readouterr().out


def test_demo_fills_the_database_and_refuses_to_fill_it_twice(env: Path, capsys) -> None:
    assert dcms(["demo", "--size", "small", "--seed", "5"]) == 0
    out = capsys.readouterr().out
    assert "appointments" in out and "password:" in out
    assert dcms(["demo", "--size", "small"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("dcms: ") and err.count("\n") == 1


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("not a url at all", "is not valid"),
        ("mysql://root@localhost/clinic", "is not valid"),
        ("postgresql://dcms@127.0.0.1:1/clinic", "Cannot reach the database server"),
        ("postgresql://dcms@no-such-host.invalid/clinic", "Unknown host"),
    ],
)
def test_bad_database_urls_get_one_clear_line_and_a_failure_status(
    env: Path, monkeypatch: pytest.MonkeyPatch, capsys, url: str, expected: str
) -> None:
    monkeypatch.setenv("DCMS_DATABASE_URL", url)
    assert dcms(["db", "upgrade"]) == 1
    err = capsys.readouterr().err
    assert expected in err
    assert err.count("\n") == 1
    assert "Traceback" not in err


def test_unknown_role_is_refused_by_the_command_line(env: Path) -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "dcms_desktop.cli",
            "user",
            "create",
            "--email",
            "a@b.example",
            "--role",
            "wizard",
            "--first-name",
            "A",
            "--last-name",
            "B",
        ],
        capture_output=True,
        text=True,
        input="",
    )
    assert result.returncode == 2
    assert "invalid choice: 'wizard'" in result.stderr
    assert "Traceback" not in result.stderr


def test_set_password_stores_the_server_password_in_the_keyring_only(
    env: Path, monkeypatch: pytest.MonkeyPatch, fake_keyring, capsys
) -> None:
    monkeypatch.setenv("DCMS_DATABASE_URL", "postgresql://dcms@clinic-server:5432/dcms")
    monkeypatch.setattr("sys.stdin", io.StringIO("correct horse battery staple\n"))
    assert dcms(["config", "set-password"]) == 0
    assert "stored in the OS keyring" in capsys.readouterr().out
    assert list(fake_keyring.passwords.values()) == ["correct horse battery staple"]
    # Nothing of it on disk.
    for path in env.rglob("*"):
        if path.is_file():
            assert b"correct horse" not in path.read_bytes()


def test_set_password_without_a_keyring_backend_says_so(
    env: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    import keyring
    from keyring.backends.fail import Keyring as FailKeyring

    keyring.set_keyring(FailKeyring())
    monkeypatch.setenv("DCMS_DATABASE_URL", "postgresql://dcms@clinic-server:5432/dcms")
    monkeypatch.setattr("sys.stdin", io.StringIO("correct horse battery staple\n"))
    assert dcms(["config", "set-password"]) == 1
    err = capsys.readouterr().err
    assert "No OS keyring" in err and err.count("\n") == 1


def test_set_password_on_the_embedded_database_explains_there_is_none(env: Path, capsys) -> None:
    assert dcms(["config", "set-password"]) == 1
    assert "has no password" in capsys.readouterr().err


# -- dcms user create -------------------------------------------------------------------------
USER_ARGS = ["user", "create", "--role", "admin", "--first-name", "Ana", "--last-name", "Reyes"]


def test_user_create_reads_the_password_from_stdin_and_the_user_can_sign_in(env: Path) -> None:
    assert dcms(["db", "upgrade"]) == 0
    result = subprocess.run(
        [sys.executable, "-m", "dcms_desktop.cli", *USER_ARGS, "--email", "Ana@Clinic.ph"],
        capture_output=True,
        text=True,
        input="copper lamp river basket\n",
    )
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout == "Created admin ana@clinic.ph.\n"

    from dcms_desktop.config import load_settings
    from dcms_desktop.data.cache import MemoryCache
    from dcms_desktop.data.engine import create_database
    from dcms_desktop.data.events import LocalEventBus
    from dcms_desktop.services.auth import AuthService
    from dcms_desktop.services.context import ServiceContext

    database = create_database(load_settings().database_url)
    try:
        context = ServiceContext(database, MemoryCache(), LocalEventBus(), "test-ws")
        signed_in = AuthService(context).sign_in("ana@clinic.ph", "copper lamp river basket")
    finally:
        database.dispose()
    assert signed_in.actor.role == "admin"


@pytest.mark.parametrize(
    ("email", "password", "expected"),
    [
        ("ana@clinic.ph", "copper lamp river basket", "already a user with the email"),
        ("bo@clinic.ph", "password", "at least 15 characters"),
        ("bo@clinic.ph", "password2024!!!", "too easy to guess"),
    ],
)
def test_user_create_refuses_a_taken_email_or_a_weak_password_in_one_line(
    env: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys,
    email: str,
    password: str,
    expected: str,
) -> None:
    assert dcms(["db", "upgrade"]) == 0
    monkeypatch.setattr("sys.stdin", io.StringIO("copper lamp river basket\n"))
    assert dcms([*USER_ARGS, "--email", "ana@clinic.ph"]) == 0
    capsys.readouterr()

    monkeypatch.setattr("sys.stdin", io.StringIO(f"{password}\n"))
    assert dcms([*USER_ARGS, "--email", email]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("dcms: ") and expected in captured.err
    assert captured.err.count("\n") == 1 and "Traceback" not in captured.err


def test_report_revenue_writes_csv_and_pdf_whose_totals_are_the_bills(
    env: Path, capsys, tmp_path: Path
) -> None:
    import csv
    from datetime import date, timedelta
    from decimal import Decimal

    from pypdf import PdfReader
    from sqlalchemy import select

    from dcms_desktop.config import load_settings
    from dcms_desktop.data.engine import create_database
    from dcms_desktop.data.models import Bill, User
    from dcms_desktop.domain.money import ZERO

    assert dcms(["db", "upgrade"]) == 0
    assert dcms(["demo", "--size", "small", "--seed", "5"]) == 0
    capsys.readouterr()
    start, end = date.today() - timedelta(days=3 * 365), date.today() + timedelta(days=365)
    period = ["--from", start.isoformat(), "--to", end.isoformat()]
    database = create_database(load_settings().database_url)
    try:
        with database.engine.connect() as connection:
            bills = connection.execute(
                select(Bill.total_amount, Bill.amount_paid).where(Bill.status != "cancelled")
            ).all()
            dentist = connection.scalar(
                select(User.email).where(User.role == "dentist").order_by(User.email).limit(1)
            )
    finally:
        database.dispose()
    revenue = sum((b.total_amount for b in bills), ZERO)
    paid = sum((b.amount_paid for b in bills), ZERO)
    assert bills and revenue > 0

    out = tmp_path / "revenue.csv"
    assert dcms(["report", "revenue", *period, "-o", str(out)]) == 0
    assert f"{len(bills)} bills" in capsys.readouterr().out
    rows = list(csv.DictReader(out.read_text(encoding="utf-8-sig").splitlines()))
    (total,) = [r for r in rows if r["section"] == "total"]
    assert (int(total["bills"]), Decimal(total["revenue"]), Decimal(total["paid"])) == (
        len(bills),
        revenue,
        paid,
    )

    pdf = tmp_path / "revenue.pdf"
    assert dcms(["report", "revenue", *period, "--dentist", dentist.upper(), "-o", str(pdf)]) == 0
    message = capsys.readouterr().out
    assert "written to" in message and "Dr " in message
    text = " ".join(page.extract_text() for page in PdfReader(str(pdf)).pages)
    assert "Revenue report" in text and "Per month" in text

    by_category = tmp_path / "ortho.csv"
    category = ["--category", "orthodontics", "-o", str(by_category)]
    assert dcms(["report", "revenue", *period, *category]) == 0
    assert "Orthodontics" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        (["--dentist", "nobody@clinic.ph", "-o", "r.pdf"], "No dentist has the email"),
        (["--category", "Astrology", "-o", "r.pdf"], "No service category 'Astrology'"),
        (["-o", "r.xlsx"], "a .pdf or a .csv file"),
    ],
)
def test_report_revenue_refuses_unknown_filters_and_formats_in_one_line(
    env: Path, capsys, monkeypatch: pytest.MonkeyPatch, extra: list[str], expected: str
) -> None:
    monkeypatch.chdir(env)
    assert dcms(["db", "upgrade"]) == 0
    capsys.readouterr()
    assert dcms(["report", "revenue", "--from", "2026-01-01", "--to", "2026-12-31", *extra]) == 1
    captured = capsys.readouterr()
    assert expected in captured.err and captured.err.count("\n") == 1
    assert not (env / "r.pdf").exists()


# -- dcms invoice -------------------------------------------------------------------------------
def _bills_in_the_configured_database(visits: list[str]) -> list[str]:
    """Bills (one item each) of visits on these dates; their invoice numbers."""
    from datetime import date
    from decimal import Decimal

    from dcms_desktop.config import load_settings
    from dcms_desktop.data.cache import MemoryCache
    from dcms_desktop.data.engine import create_database
    from dcms_desktop.data.events import LocalEventBus
    from dcms_desktop.data.uow import UnitOfWork
    from dcms_desktop.domain.enums import PricingModel
    from dcms_desktop.domain.pricing import compute_totals
    from dcms_desktop.domain.readmodels.billing import NewBill, NewBillItem
    from tests.factories import make_patient

    database = create_database(load_settings().database_url)
    numbers = []
    try:
        with UnitOfWork(database, MemoryCache(), LocalEventBus(), "cli-test") as uow:
            patient = make_patient(uow.session, first_name="Łucja", last_name="Żak")
            price = Decimal("45.00")
            item = NewBillItem(None, "Cleaning", PricingModel.PER_SESSION, 1, price, price)
            for visit in visits:
                bill = uow.bills.add(
                    NewBill(
                        patient_id=patient.id,
                        patient_name="Łucja Żak",
                        patient_email=patient.email,
                        appointment_date=date.fromisoformat(visit),
                        totals=compute_totals([item.subtotal]),
                        items=(item,),
                    ),
                    generated_by=None,
                )
                numbers.append(bill.invoice_number)
            uow.commit()
    finally:
        database.dispose()
    return numbers


def test_invoice_prints_the_original_first_and_the_stored_copy_after(env: Path, capsys) -> None:
    assert dcms(["db", "upgrade"]) == 0
    (number,) = _bills_in_the_configured_database(["2030-03-04"])
    capsys.readouterr()

    assert dcms(["invoice", number, "-o", str(env / "first.pdf"), "--paper", "Letter"]) == 0
    assert "the original, issued now, Letter" in capsys.readouterr().out
    assert dcms(["invoice", number, "-o", str(env / "again.pdf")]) == 0
    assert "a copy" in capsys.readouterr().out
    assert dcms(["invoice", number, "-o", str(env / "third.pdf")]) == 0
    first, again = (env / "first.pdf").read_bytes(), (env / "again.pdf").read_bytes()
    assert first.startswith(b"%PDF") and first != again
    assert again == (env / "third.pdf").read_bytes()


def test_invoice_batch_writes_the_bills_of_the_visit_dates_into_a_folder(env: Path, capsys) -> None:
    assert dcms(["db", "upgrade"]) == 0
    numbers = _bills_in_the_configured_database(["2030-03-01", "2030-03-02", "2030-04-01"])
    capsys.readouterr()
    folder = env / "out"
    args = ["invoice", "--batch", "--from", "2030-03-01", "--to", "2030-03-31", "-o", str(folder)]
    assert dcms(args) == 0
    assert "2 invoices of visits 01 Mar 2030 to 31 Mar 2030" in capsys.readouterr().out
    assert sorted(p.name for p in folder.iterdir()) == [f"{n}.pdf" for n in numbers[:2]]


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["invoice", "2030-999999"], "There is no invoice 2030-999999"),
        (["invoice"], "Name the invoice"),
        (["invoice", "--batch", "--from", "2030-03-01"], "--batch needs --from and --to"),
    ],
)
def test_invoice_mistakes_get_one_clear_line(
    env: Path, capsys, args: list[str], expected: str
) -> None:
    assert dcms(["db", "upgrade"]) == 0
    capsys.readouterr()
    assert dcms(args) == 1
    err = capsys.readouterr().err
    assert expected in err and err.count("\n") == 1
