"""The patient page (details, alerts, summary, appointments, tabs) and the alert strip."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from dcms_desktop.data.events import ChangeEvent, LocalEventBus
from dcms_desktop.domain.enums import AppointmentStatus as S
from dcms_desktop.domain.enums import AppointmentType
from dcms_desktop.views.patients.alert_strip import AMBER, RED, AlertStrip
from dcms_desktop.views.patients.patient_page import PatientPageView
from dcms_desktop.views.patients.patients_page import PatientsPage
from tests.gui.patients_fakes import DESK, TODAY, FakePatients, entry, make_user


@pytest.fixture
def patients() -> FakePatients:
    return FakePatients()


@pytest.fixture
def maria(patients: FakePatients):
    user = make_user(
        "Maria",
        "Santos",
        born=date(1984, 3, 2),
        medical_history="Allergic to penicillin. Type 2 diabetic.",
    )
    patients.add(user)
    patients.entries[user.id] = (
        (
            entry(user, TODAY + timedelta(days=9), "10:00", S.CONFIRMED, "Cleaning"),
            entry(user, TODAY + timedelta(days=2), "14:30", S.PENDING, "Filling", "X-ray"),
        ),
        (
            entry(user, TODAY - timedelta(days=40), "09:00", S.COMPLETED, "Exam"),
            entry(
                user,
                TODAY - timedelta(days=10),
                "11:15",
                S.NO_SHOW,
                "Filling",
                kind=AppointmentType.FOLLOW_UP,
            ),
        ),
    )
    return user


def open_view(qtbot, patients: FakePatients, patient_id) -> PatientPageView:
    view = PatientPageView(patients, DESK, currency=lambda: "PHP", today=lambda: TODAY)
    qtbot.addWidget(view)
    view.resize(1176, 740)
    view.show()
    with qtbot.waitSignal(view.loaded, timeout=3000):
        view.show_patient(patient_id)
    return view


def test_patient_page_shows_details_alerts_summary_and_appointments(qtbot, patients, maria) -> None:
    view = open_view(qtbot, patients, maria.id)
    assert view.name_label.text() == "Maria Santos"
    facts = view.facts_label.text()
    assert "Born Fri 2 Mar 1984 (age 46)" in facts
    assert "0917 555 0101" in facts
    assert "maria.santos@example.com" in facts
    assert not view.alert_strip.isHidden()
    assert view.alert_strip.alerts() == ("Allergy: penicillin", "Diabetes")
    assert view.alert_strip.level() == RED

    figures = {key: card.figure.text() for key, card in view.cards.items()}
    assert figures == {
        "appointments": "4",
        "completed": "1",
        "last_visit": (TODAY - timedelta(days=40)).strftime("%a %-d %b %Y"),
        "billed": "₱1,250.00",
        "paid": "₱1,000.00",
        "balance": "₱250.00",
    }
    assert view.details["address"].text() == "12 Rizal Street, Makati"
    assert view.details["emergency_contact"].text() == "Jose Santos (husband)"
    assert view.details["emergency_phone"].text() == "0917 555 0199"
    assert view.details["medical_history"].text() == "Allergic to penicillin. Type 2 diabetic."

    upcoming = view.upcoming_model
    assert view.upcoming_heading.text() == "Upcoming appointments (2)"
    # Soonest first; times as spans; services by name.
    assert [upcoming.text(upcoming.entry(r), 1) for r in range(2)] == [
        "14:30–15:15",
        "10:00–10:45",
    ]
    assert upcoming.text(upcoming.entry(0), 3) == "Filling, X-ray"
    assert upcoming.text(upcoming.entry(0), 2) == "Dr Reyes"
    assert upcoming.text(upcoming.entry(0), 4) == "Booked"
    past = view.past_model
    # Most recent first, the type named beside the status.
    assert past.text(past.entry(0), 4) == "No-show · follow-up"
    assert past.text(past.entry(1), 4) == "Completed"


def test_chart_bills_and_records_tabs_say_plainly_they_are_not_built_yet(
    qtbot, patients, maria, screenshot
) -> None:
    view = open_view(qtbot, patients, maria.id)
    view.tabs.setCurrentIndex(2)
    screenshot(view, "patient-page-bills-tab")
    tabs = [view.tabs.tabText(i) for i in range(view.tabs.count())]
    assert tabs == ["Overview", "Chart", "Bills", "Records"]
    for key, coming in (("chart", "tooth chart"), ("bills", "Bills"), ("records", "records")):
        label = view.findChild(type(view.name_label), f"{key}Coming")
        assert label.text().startswith("Not available yet.")
        assert coming in label.text()


def test_no_alerts_means_no_strip_and_empty_lists_say_so(qtbot, patients) -> None:
    plain = make_user("Jose", "Cruz", medical_history=None, born=None)
    patients.add(plain)
    view = open_view(qtbot, patients, plain.id)
    assert view.alert_strip.isHidden()
    assert "Date of birth not recorded" in view.facts_label.text()
    assert view.cards["last_visit"].figure.text() == "Never"
    assert not view.upcoming_empty.isHidden()
    assert view.upcoming_empty.text() == "Nothing booked."
    assert view.upcoming_table.isHidden()
    assert view.details["medical_history"].text() == "Nothing recorded"


def test_a_patient_who_no_longer_exists_is_said_so(qtbot, patients, maria) -> None:
    view = PatientPageView(patients, DESK, today=lambda: TODAY)
    qtbot.addWidget(view)
    gone = make_user("Gone", "Away")
    view.show_patient(gone.id)
    qtbot.waitUntil(lambda: view.message.text() == "That patient no longer exists", timeout=3000)
    assert not view.edit_button.isEnabled()


def test_edit_opens_the_form_filled_in_and_saving_re_reads_the_page(qtbot, patients, maria) -> None:
    view = open_view(qtbot, patients, maria.id)
    view.edit_button.click()
    form = view.form
    assert form is not None and form.isVisible()
    assert form.values()["first_name"] == "Maria"
    form.set_value("first_name", "Mariana")
    with qtbot.waitSignal(view.loaded, timeout=3000):
        form.save_button.click()
    assert view.name_label.text() == "Mariana Santos"


def test_the_page_re_reads_itself_when_the_patient_changes_elsewhere(qtbot, patients, maria):
    bus = LocalEventBus()
    page = PatientsPage(
        None,
        DESK,
        patients=patients,
        settings=type("S", (), {"get": lambda self, a: type("C", (), {"currency": "PHP"})()})(),
        bus=bus,
    )
    qtbot.addWidget(page)
    page.show()
    with qtbot.waitSignal(page.patient_view.loaded, timeout=3000):
        page.open_patient(maria.id)
    patients.someone_else_saves(maria.id, medical_history="Allergic to latex")
    with qtbot.waitSignal(page.patient_view.loaded, timeout=3000):
        bus.publish([ChangeEvent("patient", str(maria.id), "updated", "ws-2")])
    assert page.patient_view.alert_strip.alerts() == ("Allergy: latex",)
    # Someone else's patient changing doesn't re-read this one.
    reads = patients.calls["patient_page"]
    bus.publish([ChangeEvent("patient", "another-id", "updated", "ws-2")])
    qtbot.wait(300)
    assert patients.calls["patient_page"] == reads


def test_alert_strip_is_red_for_allergies_amber_for_conditions_hidden_when_empty(qtbot) -> None:
    strip = AlertStrip()
    qtbot.addWidget(strip)
    assert strip.isHidden()
    strip.set_alerts(("Diabetes", "Asthma"))
    assert not strip.isHidden()
    assert strip.level() == AMBER
    assert strip.text() == "Diabetes  ·  Asthma"
    strip.set_alerts(("Allergy: latex", "Diabetes"))
    assert strip.level() == RED
    strip.set_alerts(())
    assert strip.isHidden()
