"""The patient form: checked as typed, duplicates before saving, conflicts keep edits."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from PySide6.QtCore import Qt

from dcms_desktop.domain.errors import ConflictError
from dcms_desktop.views.patients.duplicates_dialog import DuplicatesDialog
from dcms_desktop.views.patients.patient_form import (
    BIRTH_FORMAT_MESSAGE,
    FIELD_NAMES,
    PatientFormDialog,
    describe_moment,
    parse_birth_date,
)
from tests.gui.patients_fakes import DESK, TODAY, FakePatients, make_user


@pytest.fixture
def patients() -> FakePatients:
    fake = FakePatients()
    fake.add(make_user("Maria", "Santos", born=date(1984, 3, 2), email="maria@example.com"))
    return fake


def open_form(qtbot, patients: FakePatients, patient=None) -> PatientFormDialog:
    form = PatientFormDialog(patients, DESK, patient, today=TODAY)
    qtbot.addWidget(form)
    form.show()
    qtbot.waitExposed(form)
    form.activateWindow()
    qtbot.waitUntil(form.isActiveWindow)
    return form


def type_into(qtbot, form: PatientFormDialog, field: str, text: str, *, leave: bool = True) -> None:
    """Click into ``field``, type ``text`` and (by default) Tab out of it."""
    widget = form.inputs[field]
    widget.setFocus()
    qtbot.keyClicks(widget, text)
    if leave:
        qtbot.keyClick(widget, Qt.Key.Key_Tab)


def fill_valid(qtbot, form: PatientFormDialog, **values: str) -> None:
    defaults = {
        "first_name": "Ana",
        "last_name": "Lim",
        "date_of_birth": "1991-05-20",
        "phone": "0917 555 0111",
        "email": "ana.lim@example.com",
    }
    for field, text in {**defaults, **values}.items():
        form.set_value(field, text)


def test_every_field_has_its_input_and_an_error_label_under_it(qtbot, patients) -> None:
    form = open_form(qtbot, patients)
    for field in FIELD_NAMES:
        assert form.findChild(type(form.error_labels[field]), f"error_{field}") is not None
        assert form.inputs[field].objectName() == field
    # Required fields are marked from the service's own rules.
    assert form.findChild(type(form.required_note), "label_first_name").text() == "First name *"
    assert form.findChild(type(form.required_note), "label_address").text() == "Address"
    # A fresh form shows no messages yet.
    assert form.shown_errors() == {}


@pytest.mark.parametrize(
    ("field", "typed", "message"),
    [
        ("email", "maria@", "Something is missing after the @"),
        ("email", "maria example.com", "An email address has no spaces in it"),
        ("phone", "12345", "That phone number is too short (at least 7 digits)"),
        ("phone", "0917 CALL ME", "only digits, spaces, dashes and brackets"),
        ("emergency_phone", "99", "too short"),
        ("date_of_birth", "02/03/1984", BIRTH_FORMAT_MESSAGE),
        ("date_of_birth", "1984-02-30", "There is no such date as 1984-02-30."),
        ("date_of_birth", "2031-01-01", "can't be in the future"),
        ("first_name", "123", "needs at least one letter"),
    ],
)
def test_a_wrong_field_shows_its_message_under_it_once_left(
    qtbot, patients, field, typed, message
) -> None:
    form = open_form(qtbot, patients)
    type_into(qtbot, form, field, typed)
    label = form.error_labels[field]
    assert message in label.text()
    assert label.objectName() == f"error_{field}"
    assert form.inputs[field].property("invalid") is True
    assert set(form.shown_errors()) == {field}  # the other fields say nothing yet


def test_a_message_clears_as_soon_as_the_typing_fixes_it(qtbot, patients) -> None:
    form = open_form(qtbot, patients)
    type_into(qtbot, form, "email", "maria@example")
    assert "doesn't look like a domain" in form.error_labels["email"].text() or (
        "domain with a dot" in form.error_labels["email"].text()
    )
    assert not form.save_button.isEnabled()
    form.inputs["email"].setFocus()
    qtbot.keyClicks(form.inputs["email"], ".com")  # still in the field: fixed at once
    assert form.error_labels["email"].text() == ""
    assert form.save_button.isEnabled()


def test_no_message_while_typing_a_field_the_first_time(qtbot, patients) -> None:
    form = open_form(qtbot, patients)
    type_into(qtbot, form, "email", "mar", leave=False)
    assert form.error_labels["email"].text() == ""
    qtbot.keyClick(form.inputs["email"], Qt.Key.Key_Tab)
    assert form.error_labels["email"].text() != ""


def test_date_of_birth_shows_the_age_when_it_is_right(qtbot, patients) -> None:
    form = open_form(qtbot, patients)
    type_into(qtbot, form, "date_of_birth", "1984-03-02")
    label = form.error_labels["date_of_birth"]
    assert label.text() == "Age 46"
    assert label.property("role") == "hint"
    assert form.form().date_of_birth == date(1984, 3, 2)


def test_saving_an_incomplete_form_is_refused_with_every_message_shown(qtbot, patients) -> None:
    form = open_form(qtbot, patients)
    type_into(qtbot, form, "first_name", "Ana")
    form.save_button.click()
    shown = form.shown_errors()
    assert shown == {"last_name": "Enter the last name", "email": "Enter an email address"}
    assert "Please fix the 2 fields marked in red." in form.banner_message()
    assert form.inputs["last_name"].hasFocus()
    assert not form.save_button.isEnabled()
    assert patients.calls.get("create_patient", 0) == 0
    assert patients.calls.get("possible_duplicates", 0) == 0
    assert form.isVisible()


def test_medical_history_previews_the_alert_strip(qtbot, patients) -> None:
    form = open_form(qtbot, patients)
    assert form.alert_preview.isHidden()
    form.set_value("medical_history", "Allergic to penicillin. Takes warfarin.")
    assert not form.alert_preview.isHidden()
    assert form.alert_preview.alerts() == ("Allergy: penicillin", "Anticoagulant: warfarin")


def test_a_valid_new_patient_is_saved_off_the_ui_thread_and_reported(qtbot, patients) -> None:
    form = open_form(qtbot, patients)
    fill_valid(qtbot, form, medical_history="Asthma")
    with qtbot.waitSignal(form.saved, timeout=3000) as saved:
        form.save_button.click()
        assert form.save_button.text() in ("Checking…", "Saving…")  # busy, not frozen
    user = saved.args[0]
    assert (user.full_name, user.phone, user.date_of_birth) == (
        "Ana Lim",
        "09175550111",
        date(1991, 5, 20),
    )
    assert patients.users[user.id].medical_history == "Asthma"
    assert not form.isVisible()


def test_possible_duplicates_are_shown_before_a_new_patient_is_saved(qtbot, patients) -> None:
    maria = next(iter(patients.users.values()))
    form = open_form(qtbot, patients)
    fill_valid(
        qtbot,
        form,
        first_name="Maria",
        last_name="Santos",
        date_of_birth="1984-03-02",
        email="msantos@work.example",
    )
    form.save_button.click()
    qtbot.waitUntil(lambda: form.duplicates_dialog is not None, timeout=3000)
    dialog = form.duplicates_dialog
    assert isinstance(dialog, DuplicatesDialog)
    assert dialog.isVisible()
    assert dialog.texts() == ["Maria Santos, born 1984-03-02, maria@example.com, 0917 555 0101"]
    assert patients.calls.get("create_patient", 0) == 0
    with qtbot.waitSignal(form.open_existing, timeout=3000) as opened:
        dialog.open_buttons[0].click()
    assert opened.args == [maria.id]
    assert not form.isVisible()
    assert patients.calls.get("create_patient", 0) == 0


def test_save_anyway_registers_the_new_patient_despite_the_duplicate(qtbot, patients) -> None:
    form = open_form(qtbot, patients)
    fill_valid(qtbot, form, email="maria@example.com")  # same email as Maria Santos
    form.save_button.click()
    qtbot.waitUntil(lambda: form.duplicates_dialog is not None, timeout=3000)
    with qtbot.waitSignal(form.saved, timeout=3000):
        form.duplicates_dialog.save_anyway_button.click()
    assert patients.calls["create_patient"] == 1


def test_back_to_the_form_keeps_everything_typed(qtbot, patients) -> None:
    form = open_form(qtbot, patients)
    fill_valid(qtbot, form, email="maria@example.com")
    form.save_button.click()
    qtbot.waitUntil(lambda: form.duplicates_dialog is not None, timeout=3000)
    form.duplicates_dialog.back_button.click()
    assert form.isVisible()
    assert form.values()["email"] == "maria@example.com"
    assert patients.calls.get("create_patient", 0) == 0


def test_a_refusal_about_one_field_goes_under_that_field(qtbot, patients) -> None:
    form = open_form(qtbot, patients)
    fill_valid(qtbot, form)
    patients.fail_next_save = ConflictError(
        "ana.lim@example.com is already the email of another patient", field="email"
    )
    form.save_button.click()
    qtbot.waitUntil(lambda: form.error_labels["email"].text() != "", timeout=3000)
    assert form.error_labels["email"].text() == (
        "ana.lim@example.com is already the email of another patient"
    )
    assert form.isVisible()
    # Typing in the field again clears the service's message.
    form.set_value("email", "ana.lim2@example.com")
    assert form.error_labels["email"].text() == ""


def test_an_unexpected_failure_says_nothing_was_saved(qtbot, patients) -> None:
    form = open_form(qtbot, patients)
    fill_valid(qtbot, form)
    patients.fail_next_save = RuntimeError("boom")
    form.save_button.click()
    qtbot.waitUntil(lambda: form.banner_message() != "", timeout=3000)
    assert "could not be saved" in form.banner_message()
    assert "boom" not in form.banner_message()
    assert form.save_button.isEnabled()


def test_editing_saves_the_changes_with_the_version_read(qtbot, patients) -> None:
    maria = next(iter(patients.users.values()))
    form = open_form(qtbot, patients, maria)
    assert form.windowTitle() == "Edit Maria Santos"
    assert form.values()["phone"] == "0917 555 0101"
    assert form.values()["date_of_birth"] == "1984-03-02"
    form.set_value("address", "5 Mabini Street, Pasig")
    with qtbot.waitSignal(form.saved, timeout=3000) as saved:
        form.save_button.click()
    assert saved.args[0].address == "5 Mabini Street, Pasig"
    assert saved.args[0].version == maria.version + 1
    assert patients.calls.get("possible_duplicates", 0) == 0


def test_a_conflicting_save_keeps_the_edits_and_names_who_saved_when(qtbot, patients) -> None:
    maria = next(iter(patients.users.values()))
    form = open_form(qtbot, patients, maria)
    theirs = patients.someone_else_saves(maria.id, phone="09170000000", address="Their address")
    form.set_value("address", "My address")
    form.set_value("medical_history", "Allergic to latex")
    form.save_button.click()
    qtbot.waitUntil(lambda: "while you were editing" in form.banner_message(), timeout=3000)
    message = form.banner_message()
    assert f"Luis Garcia saved Maria Santos {describe_moment(theirs.updated_at, TODAY)}" in message
    assert "Everything you typed is still here" in message
    assert form.values()["address"] == "My address"
    assert form.values()["medical_history"] == "Allergic to latex"
    assert form.reload_button.isVisible()

    # Reload: their version in the fields, my edits offered under them to re-apply.
    form.reload_button.click()
    qtbot.waitUntil(lambda: form.values()["address"] == "Their address", timeout=3000)
    assert form.values()["phone"] == "0917 000 0000"
    # What they changed is pointed out, with what it was.
    assert form.error_labels["phone"].text() == "Changed by Luis Garcia (it was “0917 555 0101”)"
    assert form.error_labels["phone"].property("role") == "hint"
    assert form.mine() == {"address": "My address", "medical_history": "Allergic to latex"}
    assert "Yours: My address" in form.mine_labels["address"].text()
    form.use_mine("address")
    assert form.values()["address"] == "My address"
    assert form.mine() == {"medical_history": "Allergic to latex"}
    with qtbot.waitSignal(form.saved, timeout=3000) as saved:
        form.save_button.click()
    user = saved.args[0]
    assert (user.address, user.phone, user.medical_history) == (
        "My address",
        "09170000000",
        None,
    )
    assert user.version == theirs.version + 1


def test_use_all_my_edits_re_applies_every_edit_after_reloading(qtbot, patients) -> None:
    maria = next(iter(patients.users.values()))
    form = open_form(qtbot, patients, maria)
    patients.someone_else_saves(maria.id, address="Their address")
    form.set_value("address", "My address")
    form.set_value("first_name", "María")
    form.save_button.click()
    qtbot.waitUntil(lambda: form.reload_button.isVisible(), timeout=3000)
    form.reload_button.click()
    qtbot.waitUntil(lambda: form.use_all_mine_button.isVisible(), timeout=3000)
    form.use_all_mine_button.click()
    assert (form.values()["address"], form.values()["first_name"]) == ("My address", "María")


def test_cancel_with_unsaved_typing_asks_first_then_closes(qtbot, patients) -> None:
    form = open_form(qtbot, patients)
    form.set_value("first_name", "Ana")
    form.cancel_button.click()
    assert form.isVisible()
    assert "Close without saving?" in form.banner_message()
    qtbot.keyClick(form, Qt.Key.Key_Escape)
    assert not form.isVisible()


def test_cancel_of_an_untouched_form_closes_at_once(qtbot, patients) -> None:
    form = open_form(qtbot, patients)
    form.cancel_button.click()
    assert not form.isVisible()


def test_birth_dates_are_read_as_year_month_day() -> None:
    assert parse_birth_date(" 1984/3/2 ") == date(1984, 3, 2)
    assert parse_birth_date("") is None
    with pytest.raises(ValueError, match="year-month-day"):
        parse_birth_date("2 March 1984")


def test_moments_are_told_in_local_time() -> None:
    moment = datetime(2030, 3, 4, 10, 42, tzinfo=UTC)
    local = moment.astimezone()
    assert describe_moment(moment, local.date()) == f"at {local:%H:%M}"
    assert describe_moment(moment, date(2030, 3, 9)).startswith(f"at {local:%H:%M} on ")
    assert describe_moment(None, TODAY) == ""
