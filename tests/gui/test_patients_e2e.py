"""The Patients section end to end: the real services on the small demo clinic (SQLite).

Two workstations are two service contexts on one database file; their change events
travel on a shared in-process bus (and, when Redis is configured, on Redis pub/sub).
The screens are rendered at 1366×768 for looking at (DCMS_SCREENSHOT_DIR).
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint
from PySide6.QtGui import QColor, QPainter, QPixmap
from PySide6.QtWidgets import QWidget
from sqlalchemy import func, select

from dcms_desktop.data.cache import MemoryCache
from dcms_desktop.data.engine import Database, create_database
from dcms_desktop.data.events import LocalEventBus, RedisEventBus
from dcms_desktop.data.models import Appointment as AppointmentRow
from dcms_desktop.data.models import User as UserRow
from dcms_desktop.domain.readmodels.people import Actor, User
from dcms_desktop.services.context import ServiceContext
from dcms_desktop.services.demo import DemoSummary, generate_demo
from dcms_desktop.services.patients import PatientForm, PatientService
from dcms_desktop.services.reports import ReportService
from dcms_desktop.views.main_window import MainWindow, StatusInfo
from dcms_desktop.views.patients.patients_page import PatientsPage

WAIT = 10_000


@pytest.fixture(scope="module")
def demo_template(
    tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path
) -> tuple[Path, DemoSummary]:
    """The small demo clinic, made once per module; each test works on a copy."""
    path = tmp_path_factory.mktemp("patients-demo") / "small.db"
    shutil.copyfile(sqlite_template, path)
    database = create_database(f"sqlite:///{path}")
    summary = generate_demo(database, "small")
    database.dispose()
    return path, summary


@dataclass
class Desk:
    """One workstation: its own engine and cache, signed in as the receptionist."""

    database: Database
    context: ServiceContext
    actor: Actor
    patients: PatientService


@pytest.fixture
def clinic(tmp_path: Path, demo_template) -> Iterator[dict]:
    template, summary = demo_template
    path = tmp_path / "clinic.db"
    shutil.copyfile(template, path)
    opened: list[Database] = []

    def desk(workstation: str, bus=None) -> Desk:
        database = create_database(f"sqlite:///{path}")
        opened.append(database)
        context = ServiceContext(database, MemoryCache(), bus or shared_bus, workstation)
        with context.uow(write=False) as uow:
            user = uow.users.by_email(summary.credentials["staff"])
        assert user is not None
        actor = Actor(user.id, user.email, user.role, user.display_name)
        return Desk(database, context, actor, PatientService(context))

    shared_bus = LocalEventBus()
    yield {"desk": desk, "summary": summary, "path": path}
    for database in opened:
        database.dispose()


def notable_patient(desk: Desk) -> User:
    """A patient with an allergy, visits to come and visits done (for the screenshots)."""
    today = date.today()
    with desk.context.uow(write=False) as uow:
        upcoming = (
            select(func.count())
            .where(AppointmentRow.patient_id == UserRow.id)
            .where(AppointmentRow.appointment_date > today)
            .scalar_subquery()
        )
        past = (
            select(func.count())
            .where(AppointmentRow.patient_id == UserRow.id)
            .where(AppointmentRow.appointment_date < today)
            .scalar_subquery()
        )
        patient_id = uow.session.execute(
            select(UserRow.id)
            .where(UserRow.role == "patient", UserRow.medical_history.ilike("%allerg%"))
            .where(upcoming > 0, past > 2)
            .order_by(past.desc(), UserRow.last_name)
            .limit(1)
        ).scalar_one()
    return desk.patients.get(desk.actor, patient_id)


def section(qtbot, desk: Desk) -> tuple[MainWindow, PatientsPage]:
    """The Patients page in the main window at 1366×768, as the desk sees it."""
    page = PatientsPage(desk.context, desk.actor)
    window = MainWindow(
        "DCMS Desktop — demo clinic",
        StatusInfo(
            database="SQLite demo-clinic.db",
            sync="Live sync: this workstation only",
            workstation=f"Workstation: {desk.context.workstation}",
            user=desk.actor.display_name,
        ),
        pages={"patients": page},
    )
    qtbot.addWidget(window)
    window.resize(1366, 768)
    window.show()
    window.show_section(1)
    qtbot.waitExposed(window)
    return window, page


def type_and_wait(qtbot, page: PatientsPage, text: str) -> None:
    with qtbot.waitSignal(
        page.results_shown, timeout=WAIT, check_params_cb=lambda shown: shown == text
    ):
        page.search_box.setText(text)


def with_dialog(window: QWidget, *dialogs: QWidget) -> QPixmap:
    """The window with each dialog drawn centred over it, the window dimmed behind each,
    as a screen shows a modal dialog (offscreen grabs have no window frames)."""
    picture = window.grab()
    painter = QPainter(picture)
    for dialog in dialogs:
        painter.fillRect(picture.rect(), QColor(16, 42, 67, 90))
        shot = dialog.grab()
        corner = QPoint(
            max(0, (picture.width() - shot.width()) // 2),
            max(0, (picture.height() - shot.height()) // 2),
        )
        painter.drawPixmap(corner, shot)
        painter.setPen(QColor("#627d98"))
        painter.drawRect(corner.x(), corner.y(), shot.width() - 1, shot.height() - 1)
    painter.end()
    return picture


def save(picture: QPixmap, screenshot, name: str) -> None:
    holder = _PixmapWidget(picture)
    screenshot(holder, name)


class _PixmapWidget(QWidget):
    def __init__(self, picture: QPixmap) -> None:
        super().__init__()
        self._picture = picture
        self.resize(picture.size())

    def grab(self, *args) -> QPixmap:  # type: ignore[override]
        return self._picture


# -- searching -----------------------------------------------------------------------------
def test_typing_finds_demo_patients_off_the_ui_thread_within_50_ms(
    qtbot, clinic, screenshot
) -> None:
    desk = clinic["desk"]("front-desk-1")
    patient = notable_patient(desk)
    window, page = section(qtbot, desk)
    prefix = patient.last_name[:3]
    type_and_wait(qtbot, page, prefix)
    assert page.model.rowCount() > 0
    assert all(
        h.last_name.lower().startswith(prefix.lower())
        or h.first_name.lower().startswith(prefix.lower())
        or h.email.startswith(prefix.lower())
        for h in page.model.hits
    )
    assert patient.id in [h.id for h in page.model.hits]
    # The small clinic answers well within the 50 ms budget (keystroke -> list updated).
    latencies = []
    for text in ("m", "ma", "mar", "mari"):
        started = time.perf_counter()
        type_and_wait(qtbot, page, text)
        latencies.append((time.perf_counter() - started) * 1000)
    assert sorted(latencies)[len(latencies) // 2] < 50, latencies
    type_and_wait(qtbot, page, "a")
    screenshot(window, "patients-search-results-1366x768")


def test_enter_opens_the_patient_page_with_the_real_summary_and_visits(
    qtbot, clinic, screenshot
) -> None:
    desk = clinic["desk"]("front-desk-1")
    patient = notable_patient(desk)
    window, page = section(qtbot, desk)
    type_and_wait(qtbot, page, patient.email)
    assert [h.id for h in page.model.hits] == [patient.id]
    with qtbot.waitSignal(page.patient_view.loaded, timeout=WAIT):
        page.open_current()
    view = page.patient_view
    expected = desk.patients.patient_page(desk.actor, patient.id)
    summary = ReportService(desk.context).patient_summary(desk.actor, patient.id)
    assert view.name_label.text() == patient.full_name
    assert view.cards["appointments"].figure.text() == str(summary.total_appointments)
    assert view.cards["completed"].figure.text() == str(summary.completed_appointments)
    assert view.cards["billed"].figure.text().startswith("₱")  # the clinic's currency
    assert view.upcoming_model.rowCount() == len(expected.upcoming) > 0
    assert view.past_model.rowCount() == len(expected.past) > 0
    assert not view.alert_strip.isHidden()
    assert view.alert_strip.alerts() == expected.alerts
    assert any(alert.startswith("Allergy") for alert in view.alert_strip.alerts())
    screenshot(window, "patient-page-1366x768")


# -- the form ------------------------------------------------------------------------------
def test_a_new_patient_is_registered_and_opened(qtbot, clinic) -> None:
    desk = clinic["desk"]("front-desk-1")
    _window, page = section(qtbot, desk)
    page.new_patient()
    form = page.form
    assert form is not None
    for field, text in {
        "first_name": "Zenaida",
        "last_name": "Quiambao",
        "date_of_birth": "1979-11-23",
        "phone": "+63 917 555 0123",
        "email": "zenaida.q@example.com",
        "emergency_contact": "Rodel Quiambao (son)",
        "emergency_phone": "0917 555 0124",
        "medical_history": "Allergic to penicillin. Hypertension.",
    }.items():
        form.set_value(field, text)
    with qtbot.waitSignal(page.patient_view.loaded, timeout=WAIT):
        form.save_button.click()
    assert page.showing_patient
    view = page.patient_view
    assert view.name_label.text() == "Zenaida Quiambao"
    assert view.alert_strip.alerts() == ("Allergy: penicillin", "High blood pressure")
    saved = desk.patients.get(desk.actor, view.patient_id)
    assert (saved.phone, saved.emergency_phone) == ("+639175550123", "09175550124")
    assert "+63 917 555 0123" in view.facts_label.text()
    assert view.cards["appointments"].figure.text() == "0"


def test_the_form_shows_the_services_messages_under_the_fields(qtbot, clinic, screenshot) -> None:
    desk = clinic["desk"]("front-desk-1")
    window, page = section(qtbot, desk)
    page.new_patient()
    form = page.form
    form.set_value("first_name", "Ana")
    form.set_value("email", "ana@clinic")
    form.set_value("phone", "555")
    form.set_value("date_of_birth", "2099-01-01")
    form.set_value("emergency_contact", "Ben Lim")
    form.save_button.click()
    shown = form.shown_errors()
    assert set(shown) == {"last_name", "email", "phone", "date_of_birth", "emergency_phone"}
    assert shown["date_of_birth"] == "The date of birth can't be in the future"
    assert shown["emergency_phone"] == "Give a phone number for the emergency contact"
    assert not form.save_button.isEnabled()
    save(with_dialog(window, form), screenshot, "patient-form-errors-1366x768")


def test_a_likely_duplicate_is_offered_before_saving_and_can_be_opened(
    qtbot, clinic, screenshot
) -> None:
    desk = clinic["desk"]("front-desk-1")
    existing = notable_patient(desk)
    window, page = section(qtbot, desk)
    page.new_patient()
    form = page.form
    for field, text in {
        "first_name": existing.first_name.upper(),
        "last_name": existing.last_name,
        "date_of_birth": existing.date_of_birth.isoformat(),
        "email": "another.address@example.com",
    }.items():
        form.set_value(field, text)
    form.save_button.click()
    qtbot.waitUntil(lambda: form.duplicates_dialog is not None, timeout=WAIT)
    dialog = form.duplicates_dialog
    assert dialog.texts()[0].startswith(
        f"{existing.full_name}, born {existing.date_of_birth.isoformat()}, {existing.email}"
    )
    save(with_dialog(window, form, dialog), screenshot, "patient-duplicates-1366x768")
    with qtbot.waitSignal(page.patient_view.loaded, timeout=WAIT):
        dialog.open_buttons[0].click()
    assert page.patient_view.patient_id == existing.id
    # Nobody new was registered.
    assert [h.id for h in desk.patients.search(desk.actor, existing.email)] == [existing.id]


# -- two workstations ----------------------------------------------------------------------
def test_second_save_is_refused_naming_who_and_the_edits_survive_a_reload(
    qtbot, clinic, screenshot
) -> None:
    front = clinic["desk"]("front-desk-1")
    back = clinic["desk"]("front-desk-2")
    patient = notable_patient(front)
    window, page = section(qtbot, front)
    with qtbot.waitSignal(page.patient_view.loaded, timeout=WAIT):
        page.open_patient(patient.id)
    page.patient_view.edit()
    form = page.patient_view.form
    form.set_value("address", "88 Kalayaan Avenue, Quezon City")

    # Meanwhile, at the other desk:
    theirs = PatientForm.from_user(patient)
    back.patients.update_patient(
        back.actor,
        patient.id,
        PatientForm(**{**theirs.__dict__, "phone": "0918 222 3333"}),
        expected_version=patient.version,
    )

    form.save_button.click()
    qtbot.waitUntil(lambda: "while you were editing" in form.banner_message(), timeout=WAIT)
    assert back.actor.display_name in form.banner_message()
    assert form.values()["address"] == "88 Kalayaan Avenue, Quezon City"
    save(with_dialog(window, form), screenshot, "patient-form-conflict-1366x768")

    form.reload_button.click()
    qtbot.waitUntil(lambda: form.values()["phone"] == "0918 222 3333", timeout=WAIT)
    assert form.mine() == {"address": "88 Kalayaan Avenue, Quezon City"}
    save(with_dialog(window, form), screenshot, "patient-form-reloaded-1366x768")
    form.use_mine("address")
    with qtbot.waitSignal(form.saved, timeout=WAIT):
        form.save_button.click()
    stored = front.patients.get(front.actor, patient.id)
    assert (stored.phone, stored.address) == ("09182223333", "88 Kalayaan Avenue, Quezon City")


def test_a_change_at_another_workstation_shows_here_by_itself(qtbot, clinic) -> None:
    front = clinic["desk"]("front-desk-1")
    back = clinic["desk"]("front-desk-2")
    patient = notable_patient(front)
    _window, page = section(qtbot, front)
    with qtbot.waitSignal(page.patient_view.loaded, timeout=WAIT):
        page.open_patient(patient.id)
    form = PatientForm.from_user(patient)
    with qtbot.waitSignal(page.patient_view.loaded, timeout=WAIT):
        back.patients.update_patient(
            back.actor,
            patient.id,
            PatientForm(**{**form.__dict__, "medical_history": "Asthma; uses an inhaler"}),
            expected_version=patient.version,
        )
    assert page.patient_view.alert_strip.alerts() == ("Asthma",)
    assert page.patient_view.details["medical_history"].text() == "Asthma; uses an inhaler"


def test_live_refresh_travels_between_workstations_over_redis(qtbot, clinic, redis_url) -> None:
    channel = f"dcms:test-patients:{time.monotonic_ns()}"
    here_bus = RedisEventBus(redis_url, channel=channel, workstation="front-desk-1")
    there_bus = RedisEventBus(redis_url, channel=channel, workstation="front-desk-2")
    try:
        front = clinic["desk"]("front-desk-1", bus=here_bus)
        back = clinic["desk"]("front-desk-2", bus=there_bus)
        patient = notable_patient(front)
        _window, page = section(qtbot, front)
        assert here_bus.wait_until_listening(5)
        with qtbot.waitSignal(page.patient_view.loaded, timeout=WAIT):
            page.open_patient(patient.id)
        form = PatientForm.from_user(patient)
        started = time.monotonic()
        with qtbot.waitSignal(page.patient_view.loaded, timeout=WAIT):
            back.patients.update_patient(
                back.actor,
                patient.id,
                PatientForm(**{**form.__dict__, "last_name": "Dela Paz"}),
                expected_version=patient.version,
            )
        assert time.monotonic() - started < 1.0
        assert page.patient_view.name_label.text() == f"{patient.first_name} Dela Paz"
    finally:
        here_bus.close()
        there_bus.close()
