"""Booking from the appointment book: by keyboard, by mouse, with New and Walk-in; the
booking dialog's checks, free slots, teeth and medical alerts."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from PySide6.QtCore import Qt

from dcms_desktop.domain.enums import AppointmentType
from dcms_desktop.views.schedule.booking_dialog import BookingDialog, BookingDraft, DentistChoice
from tests.gui import schedule_support
from tests.gui.schedule_support import (
    TODAY,
    drag,
    entries_on,
    free_minute,
    open_page,
    slot_point,
    tomorrow,
)

# The clinic of each test (a copy of one small demo clinic).
demo_template = schedule_support.demo_template
clinic = schedule_support.clinic

PATIENT = "Elizabeth Reyes"  # a demo patient with a penicillin allergy


def _service(dialog: BookingDialog, name: str):
    return next(s for s in dialog.catalogue() if s.name == name)


def _wait_for_catalogue(qtbot, dialog: BookingDialog) -> None:
    qtbot.waitUntil(lambda: bool(dialog.catalogue()), timeout=3000)


def _choose_patient_by_typing(qtbot, dialog: BookingDialog, name: str = PATIENT) -> None:
    dialog.patient_search.setFocus()
    qtbot.keyClicks(dialog.patient_search, name)
    qtbot.waitUntil(
        lambda: (
            dialog.patient_results.isVisible()
            and dialog.patient_results.count() > 0
            and name in dialog.patient_results.item(0).text()
        ),
        timeout=3000,
    )
    qtbot.keyClick(dialog.patient_search, Qt.Key.Key_Return)
    assert dialog.patient() is not None and dialog.patient().full_name == name


def _book_and_wait(qtbot, page, dialog: BookingDialog, *, ctrl_enter: bool = False):
    with (
        qtbot.waitSignal(page.loaded, timeout=5000),
        qtbot.waitSignal(dialog.booked, timeout=5000) as booked,
    ):
        if ctrl_enter:
            qtbot.keyClick(dialog, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
        else:
            qtbot.mouseClick(dialog.book_button, Qt.MouseButton.LeftButton)
    return booked.args[0]


def test_booking_by_keyboard_selects_a_range_and_books_it(qtbot, clinic):
    page = open_page(qtbot, clinic, day=tomorrow())
    view = page.day_view
    column = 1
    dentist = view.columns()[column].dentist_id
    minute = free_minute(entries_on(clinic, tomorrow()), dentist, 45)
    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_Home)  # the cursor appears at 09:00, first column
    assert view.cursor_slot().minute == 9 * 60
    qtbot.keyClick(view, Qt.Key.Key_Right)
    for _ in range((minute - 9 * 60) // 15):
        qtbot.keyClick(view, Qt.Key.Key_Down)
    qtbot.keyClick(view, Qt.Key.Key_Down, Qt.KeyboardModifier.ShiftModifier)
    qtbot.keyClick(view, Qt.Key.Key_Down, Qt.KeyboardModifier.ShiftModifier)
    assert view.selection_range().duration == 45
    assert "selected; press Enter to book" in view.accessibleDescription()
    qtbot.keyClick(view, Qt.Key.Key_Return)

    dialog = page.dialog
    assert dialog is not None and dialog.isVisible()
    assert dialog.dentist_combo.currentData() == dentist
    assert dialog.start() == datetime.combine(tomorrow(), time(minute // 60, minute % 60))
    assert dialog.duration_spin.value() == 45
    _wait_for_catalogue(qtbot, dialog)
    _choose_patient_by_typing(qtbot, dialog)
    assert not dialog.isHidden(), "Enter in the search takes the patient, it doesn't book"
    dialog.service_picker.setFocus()
    qtbot.keyClicks(dialog.service_picker, "Oral prophylaxis (cleaning) (30 min)")
    qtbot.keyClick(dialog.service_picker, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: len(dialog.chosen_services()) == 1)
    assert dialog.duration_spin.value() == 45, "a range the user chose keeps its length"
    appointment = _book_and_wait(qtbot, page, dialog, ctrl_enter=True)

    assert appointment.patient_name == PATIENT
    assert appointment.dentist_id == dentist and appointment.duration == 45
    assert [s.service_name for s in appointment.services] == ["Oral prophylaxis (cleaning)"]
    assert view.selected_entry() is not None and view.selected_entry().id == appointment.id
    assert "Booked Elizabeth Reyes" in page.message_text_shown()


def test_booking_by_mouse_drags_a_free_range_and_books_it(qtbot, clinic, screenshot):
    page = open_page(qtbot, clinic, day=tomorrow())
    view = page.day_view
    dentist = view.columns()[2].dentist_id
    minute = free_minute(entries_on(clinic, tomorrow()), dentist, 60)
    drag(qtbot, view, slot_point(view, 2, minute), slot_point(view, 2, minute + 45))
    dialog = page.dialog
    assert dialog is not None
    assert dialog.start().hour * 60 + dialog.start().minute == minute
    assert dialog.duration_spin.value() == 60
    assert dialog.dentist_combo.currentData() == dentist
    _wait_for_catalogue(qtbot, dialog)
    qtbot.keyClicks(dialog.patient_search, "Elizabeth Re")
    qtbot.waitUntil(lambda: dialog.patient_results.count() > 0, timeout=3000)
    first = dialog.patient_results.item(0)
    rect = dialog.patient_results.visualItemRect(first)
    qtbot.mouseClick(
        dialog.patient_results.viewport(), Qt.MouseButton.LeftButton, pos=rect.center()
    )
    assert dialog.patient() is not None
    dialog.add_service(_service(dialog, "Composite filling"))
    # 16 and 17 are missing on this demo patient's chart, so can't be chosen: 14 and 15.
    dialog.teeth_edit_for(_service(dialog, "Composite filling").id).setText("14, 15")
    dialog.reason_edit.setText("Two cavities found at check-up")
    if dialog.alert_strip is not None:
        qtbot.waitUntil(dialog.alert_strip.isVisible, timeout=3000)
    screenshot(dialog, "schedule-booking-dialog")
    appointment = _book_and_wait(qtbot, page, dialog)
    assert appointment.services[0].teeth == (14, 15)
    assert appointment.reason == "Two cavities found at check-up"
    block = view.grid_layout().block_for(appointment.id)
    assert block is not None and block.column == 2 and block.start_minute == minute


def test_a_refused_booking_says_why_next_to_the_field_and_keeps_the_dialog(qtbot, clinic):
    page = open_page(qtbot, clinic, day=tomorrow())
    busy = next(e for e in entries_on(clinic, tomorrow()) if e.is_active)
    dialog = page._open_booking(
        BookingDraft(dentist_id=busy.dentist_id, start=busy.start, duration=busy.duration)
    )
    _wait_for_catalogue(qtbot, dialog)
    _choose_patient_by_typing(qtbot, dialog)
    qtbot.mouseClick(dialog.book_button, Qt.MouseButton.LeftButton)
    label = dialog.error_labels["start"]
    qtbot.waitUntil(label.isVisible, timeout=3000)
    assert busy.patient_name in label.text() and busy.span in label.text()
    assert dialog.isVisible() and dialog.start_edit.property("invalid")
    dialog.start_edit.setTime(dialog.start_edit.time().addSecs(-8 * 3600))  # 01:xx
    assert not label.isVisible(), "editing the start clears its message"


def test_the_dialog_checks_patient_and_teeth_before_asking_the_service(qtbot, clinic):
    page = open_page(qtbot, clinic, day=tomorrow())
    dialog = page.new_appointment()
    _wait_for_catalogue(qtbot, dialog)
    filling = _service(dialog, "Composite filling")
    dialog.add_service(filling)
    teeth = dialog.teeth_edit_for(filling.id)
    assert dialog.shown_errors() == {}, "nothing is wrong until something is typed"
    qtbot.keyClicks(teeth, "16, 19")
    assert "19" in dialog.shown_errors()["teeth"] and "FDI" in dialog.shown_errors()["teeth"]
    assert teeth.property("invalid")
    teeth.clear()
    qtbot.keyClicks(teeth, "16")
    assert "teeth" not in dialog.shown_errors()
    teeth.clear()
    qtbot.mouseClick(dialog.book_button, Qt.MouseButton.LeftButton)
    errors = dialog.shown_errors()
    assert errors["patient"].startswith("Choose the patient")
    assert errors["teeth"] == "Composite filling needs the teeth it is for"
    assert dialog.isVisible()


def test_the_duration_follows_the_services_until_it_is_typed(qtbot, clinic):
    page = open_page(qtbot, clinic, day=tomorrow())
    dialog = page.new_appointment()
    _wait_for_catalogue(qtbot, dialog)
    dialog.add_service(_service(dialog, "Oral examination and consultation"))
    dialog.add_service(_service(dialog, "Oral prophylaxis (cleaning)"))
    assert dialog.duration_spin.value() == 45
    assert dialog.duration_hint.text() == "The services take 45 min"
    dialog.remove_service(_service(dialog, "Oral examination and consultation").id)
    assert dialog.duration_spin.value() == 30
    dialog.duration_spin.setValue(50)
    dialog.add_service(_service(dialog, "Bitewing X-ray"))
    assert dialog.duration_spin.value() == 50
    assert dialog.duration_hint.text() == "The services take 45 min"


def test_next_free_slot_fills_dentist_date_and_start(qtbot, clinic):
    page = open_page(qtbot, clinic)
    dialog = page.new_appointment()
    dialog.any_dentist.setChecked(True)
    dialog.duration_spin.setValue(60)
    qtbot.mouseClick(dialog.next_free_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.free_slots.count() > 0, timeout=3000)
    assert dialog.free_slots.count() <= 5
    item = dialog.free_slots.item(1)
    slot = item.data(Qt.ItemDataRole.UserRole)
    assert slot.start > datetime.combine(TODAY, time(11, 40))
    rect = dialog.free_slots.visualItemRect(item)
    qtbot.mouseClick(dialog.free_slots.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert dialog.dentist_combo.currentData() == slot.dentist_id
    assert dialog.start() == slot.start
    assert "Taken:" in dialog.free_slots_note.text()


def test_walk_in_books_now_with_a_free_dentist(qtbot, clinic):
    page = open_page(qtbot, clinic)
    qtbot.mouseClick(page.walk_in_button, Qt.MouseButton.LeftButton)
    dialog = page.dialog
    assert dialog is not None and dialog.windowTitle() == "Walk-in"
    assert not dialog.dentist_combo.isEnabled() and not dialog.start_edit.isEnabled()
    _wait_for_catalogue(qtbot, dialog)
    _choose_patient_by_typing(qtbot, dialog, "David Chua")
    dialog.add_service(_service(dialog, "Emergency consultation"))
    dialog.reason_edit.setText("Swollen gum since this morning")
    appointment = _book_and_wait(qtbot, page, dialog)
    assert appointment.type is AppointmentType.WALK_IN
    assert appointment.reason == "Swollen gum since this morning"
    assert appointment.date == TODAY and appointment.start >= datetime.combine(TODAY, time(11, 40))
    assert appointment.start - datetime.combine(TODAY, time(11, 40)) < timedelta(minutes=15)
    assert page.day_view.grid_layout().block_for(appointment.id) is not None


def test_new_starts_at_the_cursor_of_the_book(qtbot, clinic):
    page = open_page(qtbot, clinic, day=tomorrow())
    view = page.day_view
    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_Right)
    qtbot.keyClick(view, Qt.Key.Key_Right)
    qtbot.keyClick(view, Qt.Key.Key_PageDown)
    qtbot.keyClick(view, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    dialog = page.dialog
    assert dialog is not None and dialog.isVisible()
    column = view.columns()[view.cursor_slot().column]
    assert dialog.dentist_combo.currentData() == column.dentist_id
    assert dialog.start() == datetime.combine(tomorrow(), time(10, 0))


def test_the_booking_dialog_shows_the_patients_medical_alerts(qtbot, clinic):
    backend = clinic.backend()
    dentists = [
        DentistChoice(d.id, d.display_name) for d in backend.scheduling.dentists(clinic.actor)
    ]
    dialog = BookingDialog(backend, clinic.actor, dentists=dentists)
    qtbot.addWidget(dialog)
    dialog.show()
    if dialog.alert_strip is None:
        raise AssertionError("the Patients section's alert strip is missing")
    _choose_patient_by_typing(qtbot, dialog, "Gustavo Esguerra")
    qtbot.waitUntil(dialog.alert_strip.isVisible, timeout=3000)
    assert "penicillin" in dialog.alert_strip.text().lower()


def test_a_new_patient_made_from_the_dialog_is_the_one_booked(qtbot, clinic):
    page = open_page(qtbot, clinic, day=tomorrow())
    dialog = page.new_appointment()
    qtbot.mouseClick(dialog.new_patient_button, Qt.MouseButton.LeftButton)
    form = dialog.patient_form
    assert form.isVisible()
    for name, text in {
        "first_name": "Corazon",
        "last_name": "Quimpo-Bell",
        "date_of_birth": "1988-07-14",
        "phone": "0917 555 0142",
        "email": "corazon.quimpo-bell@example.com",
        "medical_history": "Allergic to latex.",
    }.items():
        form.set_value(name, text)
    form.save()
    qtbot.waitUntil(lambda: dialog.patient() is not None, timeout=5000)
    assert dialog.patient().full_name == "Corazon Quimpo-Bell"
    assert "Corazon Quimpo-Bell" in dialog.chosen_patient.text()
    qtbot.waitUntil(dialog.alert_strip.isVisible, timeout=3000)
    assert "latex" in dialog.alert_strip.text().lower()


def test_teeth_clicked_on_the_chart_fill_the_line_and_the_price_follows(qtbot, clinic):
    page = open_page(qtbot, clinic, day=tomorrow())
    dialog = page.new_appointment()
    _wait_for_catalogue(qtbot, dialog)
    filling = _service(dialog, "Composite filling")
    dialog.add_service(filling)
    editor = dialog.services
    chart = editor.tooth_chart
    assert chart.isVisibleTo(dialog) and editor.charted_service() == filling
    assert editor.line_price(filling.id)[0] == "—"
    qtbot.mouseClick(chart, Qt.MouseButton.LeftButton, pos=chart.tooth_rect(36).center())
    assert dialog.teeth_edit_for(filling.id).text() == "36"
    qty, price = editor.line_price(filling.id)
    assert qty == "1" and price.replace(",", "").endswith(f"{filling.price:.2f}")
    chart.set_selection([36, 37, 46])
    assert dialog.teeth_edit_for(filling.id).text() == "36, 37, 46"
    qty, price = editor.line_price(filling.id)
    assert qty == "3" and price.replace(",", "").endswith(f"{filling.price * 3:.2f}")
    dialog.teeth_edit_for(filling.id).setText("11, 21")
    assert chart.selection() == (11, 21)
    assert editor.line_price(filling.id)[0] == "2"
    # A service that needs no teeth has no chart.
    cleaning = _service(dialog, "Oral prophylaxis (cleaning)")
    dialog.add_service(cleaning)
    assert editor.charted_service() == filling
    dialog.remove_service(filling.id)
    assert editor.charted_service() is None and not chart.isVisibleTo(dialog)


def test_the_patients_missing_teeth_cannot_be_chosen(qtbot, clinic):
    page = open_page(qtbot, clinic, day=tomorrow())
    dialog = page.new_appointment()
    _wait_for_catalogue(qtbot, dialog)
    _choose_patient_by_typing(qtbot, dialog)
    filling = _service(dialog, "Composite filling")
    dialog.add_service(filling)
    chart = dialog.services.tooth_chart
    qtbot.waitUntil(lambda: bool(chart.state().missing), timeout=3000)
    gone = min(chart.state().missing)
    assert not chart.is_selectable(gone)
    qtbot.mouseClick(chart, Qt.MouseButton.LeftButton, pos=chart.tooth_rect(gone).center())
    assert chart.selection() == () and dialog.teeth_edit_for(filling.id).text() == ""
    qtbot.keyClicks(dialog.teeth_edit_for(filling.id), str(gone))
    assert dialog.shown_errors()["teeth"] == (
        f"Composite filling: Tooth {gone} is missing, so it can't be chosen"
    )


def test_surfaces_clicked_on_the_chart_go_with_the_booking(qtbot, clinic):
    from PySide6.QtCore import QPoint

    from dcms_desktop.domain.enums import ToothSurface
    from dcms_desktop.widgets.toothchart.geometry import polygon_centre

    page = open_page(qtbot, clinic, day=tomorrow())
    dialog = page.new_appointment()
    _wait_for_catalogue(qtbot, dialog)
    filling = _service(dialog, "Composite filling")
    dialog.add_service(filling)
    chart = dialog.services.tooth_chart
    for surface in (ToothSurface.OCCLUSAL, ToothSurface.MESIAL):
        x, y = polygon_centre(chart.chart_layout().tooth(36).surfaces[surface])
        qtbot.mouseClick(chart, Qt.MouseButton.LeftButton, pos=QPoint(round(x), round(y)))
    # Marking a surface chooses its tooth for the line.
    assert dialog.teeth_edit_for(filling.id).text() == "36"
    assert dialog.services.requested() == [(filling.id, (36,), {36: ("M", "O")})]
