"""The printed day list on both backends: what it holds (read back from the PDF with
pypdf), per dentist, with the clinic's name and the day; and `dcms report day`."""

from __future__ import annotations

import io
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from dcms_desktop.cli import main as dcms
from dcms_desktop.data.cache import MemoryCache
from dcms_desktop.data.engine import Database
from dcms_desktop.data.events import LocalEventBus
from dcms_desktop.data.models import ClinicSettings
from dcms_desktop.domain.errors import PermissionDeniedError
from dcms_desktop.domain.readmodels.scheduling import EN_DASH
from dcms_desktop.services.context import ServiceContext
from dcms_desktop.services.day_list import DayListService
from tests.factories import (
    CLINIC_NOW,
    actor_for,
    clinic_clock,
    make_appointment,
    make_dentist,
    make_patient,
    make_service,
    make_staff,
    write_session,
)

DAY = date(2030, 3, 5)  # a Tuesday


def at(hour: int, minute: int = 0, day: date = DAY) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute)


@pytest.fixture
def clinic(database: Database) -> dict[str, Any]:
    with write_session(database) as s:
        s.add(ClinicSettings(id=1, clinic_name="Bright Smile Dental", phone="+63 2 8555 0100"))
        reyes = make_dentist(s, first_name="Ana", last_name="Reyes")
        cruz = make_dentist(s, first_name="Ben", last_name="Cruz")
        maria = make_patient(
            s,
            first_name="Maria",
            last_name="Santos",
            phone="+639175550101",
            medical_history="Allergic to penicillin. Takes warfarin.",
        )
        jose = make_patient(s, first_name="José", last_name="Rizal", phone="09175550102")
        lea = make_patient(s, first_name="Łucja", last_name="Żak", phone=None)
        cleaning = make_service(s, name="Cleaning")
        filling = make_service(s, name="Composite filling", pricing_model="Per Tooth")
        make_appointment(
            s, patient=maria, dentist=reyes, start=at(10), duration=45, services=[cleaning]
        )
        make_appointment(
            s,
            patient=jose,
            dentist=reyes,
            start=at(9),
            services=[(filling, [16])],
            type="emergency",
            reason="Broken molar",
            status="confirmed",
        )
        make_appointment(s, patient=lea, dentist=cruz, start=at(14, 30), duration=60)
        make_appointment(
            s, patient=jose, dentist=cruz, start=at(11), status="cancelled", cancellation_reason="x"
        )
        make_appointment(s, patient=lea, dentist=reyes, start=at(9, day=date(2030, 3, 6)))
        return {
            "desk": make_staff(s),
            "reyes": reyes,
            "cruz": cruz,
            "maria": maria,
        }


@pytest.fixture
def day_lists(database: Database) -> DayListService:
    context = ServiceContext(
        database, MemoryCache(), LocalEventBus(), "test-ws", clock=clinic_clock()
    )
    return DayListService(context)


def pages(pdf: bytes) -> list[str]:
    assert pdf.startswith(b"%PDF-")
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def test_the_day_list_groups_the_active_visits_by_dentist(day_lists, clinic) -> None:
    data = day_lists.day_list(actor_for(clinic["desk"]), DAY)
    assert data.clinic_name == "Bright Smile Dental"
    assert [(d.dentist_name, [e.patient_name for e in d.entries]) for d in data.dentists] == [
        ("Dr Ben Cruz", ["Łucja Żak"]),
        ("Dr Ana Reyes", ["José Rizal", "Maria Santos"]),
    ]
    assert (data.appointment_count, data.left_out) == (3, 1)
    assert data.alerts == {clinic["maria"].id: ("Allergy: penicillin", "Anticoagulant: warfarin")}
    assert data.printed_at == CLINIC_NOW


def test_the_pdf_lists_each_dentists_visits_on_a_page_of_their_own(day_lists, clinic) -> None:
    text = pages(day_lists.day_list_pdf(actor_for(clinic["desk"]), DAY))
    assert len(text) == 2
    cruz, reyes = text
    for page in text:
        assert "Bright Smile Dental" in page
        assert "Day list · Tuesday 5 March 2030" in page
        assert "+63 2 8555 0100" in page
        assert "Printed Mon 04 Mar 2030 11:00" in page
    assert "Page 1 of 2" in cruz and "Page 2 of 2" in reyes
    assert "Dr Ben Cruz" in cruz and f"14:30{EN_DASH}15:30" in cruz and "Łucja Żak" in cruz
    assert "Maria Santos" not in cruz
    for expected in (
        "Dr Ana Reyes",
        f"09:00{EN_DASH}09:30",
        "José Rizal",
        "0917 555 0102",
        "Emergency",
        "Composite filling",
        "Broken molar",
        "Confirmed",
        f"10:00{EN_DASH}10:45",
        "Maria Santos",
        "+63 917 555 0101",
        "Allergy: penicillin",
        "Anticoagulant: warfarin",
        "Cleaning",
        "Pending",
    ):
        assert expected in reyes, expected
    assert reyes.index("José Rizal") < reyes.index("Maria Santos")  # by start time
    assert "1 cancelled or no-show visit is not listed." in reyes


def test_cancelled_visits_can_be_listed_too(day_lists, clinic) -> None:
    data = day_lists.day_list(actor_for(clinic["desk"]), DAY, include_cancelled=True)
    assert (data.appointment_count, data.left_out) == (4, 0)
    text = "".join(pages(day_lists.render_pdf(data)))
    assert "Cancelled" in text and "not listed" not in text


def test_one_dentists_day_list(day_lists, clinic) -> None:
    pdf = day_lists.day_list_pdf(actor_for(clinic["desk"]), DAY, dentist_id=clinic["cruz"].id)
    (only,) = pages(pdf)
    assert "Dr Ben Cruz" in only and "Dr Ana Reyes" not in only


def test_a_day_without_visits_says_so(day_lists, clinic) -> None:
    (only,) = pages(day_lists.day_list_pdf(actor_for(clinic["desk"]), date(2030, 3, 10)))
    assert "No appointments on this day." in only
    assert "Day list · Sunday 10 March 2030" in only


def test_a_clinic_without_settings_prints_the_default_name(database, day_lists) -> None:
    with write_session(database) as s:
        desk = make_staff(s)
    (only,) = pages(day_lists.day_list_pdf(actor_for(desk), DAY))
    assert "My Dental Clinic" in only


def test_a_long_day_continues_on_more_pages_with_the_dentist_named(
    database, day_lists, clinic
) -> None:
    first = at(9, day=date(2030, 4, 2))
    with write_session(database) as s:
        patient = make_patient(s, first_name="Rosa", last_name="Flores")
        dentist = s.get(type(patient), clinic["cruz"].id)
        for i in range(50):
            make_appointment(
                s,
                patient=patient,
                dentist=dentist,
                start=first + timedelta(minutes=10 * i),
                duration=10,
            )
    text = pages(day_lists.day_list_pdf(actor_for(clinic["desk"]), first.date()))
    assert len(text) == 2
    assert "Dr Ben Cruz" in text[1] and "TIME" in text[1]  # named, and the header row repeats
    assert f"17:10{EN_DASH}17:20" in text[1]
    assert "50 appointments" in text[0]


def test_patients_cannot_print_the_day_list(day_lists, clinic) -> None:
    with pytest.raises(PermissionDeniedError):
        day_lists.day_list_pdf(actor_for(clinic["maria"]), DAY)


# -- dcms report day --------------------------------------------------------------------------
@pytest.fixture
def workstation(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, database_url: str) -> Path:
    monkeypatch.setenv("DCMS_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("DCMS_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("DCMS_DATABASE_URL", database_url)
    monkeypatch.delenv("DCMS_REDIS_URL", raising=False)
    return tmp_path


def test_dcms_report_day_writes_the_day_list(workstation, clinic, capsys) -> None:
    target = workstation / "day.pdf"
    assert dcms(["report", "day", "--date", "2030-03-05", "-o", str(target)]) == 0
    out = capsys.readouterr().out
    assert out.strip() == (
        f"Day list of Tue 05 Mar 2030 (3 appointments, 2 dentists) written to {target}."
    )
    text = "".join(pages(target.read_bytes()))
    assert "Maria Santos" in text and f"10:00{EN_DASH}10:45" in text


def test_dcms_report_day_refuses_a_bad_date_or_an_unwritable_file(
    workstation, clinic, capsys
) -> None:
    with pytest.raises(SystemExit) as exited:
        dcms(["report", "day", "--date", "5/3/2030"])
    assert exited.value.code == 2
    assert "is not a date like" in capsys.readouterr().err
    missing = workstation / "nowhere" / "day.pdf"
    assert dcms(["report", "day", "--date", "2030-03-05", "-o", str(missing)]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"dcms: Can't write {missing}") and err.count("\n") == 1
