"""The patient search: as-you-type, stale answers dropped, lazy loading, opening."""

from __future__ import annotations

import threading
from datetime import date

import pytest
from PySide6.QtCore import Qt

from dcms_desktop.data.events import REFRESH_ALL, ChangeEvent, LocalEventBus
from dcms_desktop.views.patients.patients_page import HINT, PatientsPage
from dcms_desktop.views.patients.search_model import FIRST_PAGE, NEXT_PAGE
from tests.gui.patients_fakes import DESK, FakePatients, make_user


class FakeSettings:
    def get(self, actor):
        return type("Settings", (), {"currency": "PHP"})()


@pytest.fixture
def patients() -> FakePatients:
    fake = FakePatients()
    fake.add(
        make_user("Maria", "Santos", born=date(1984, 3, 2)),
        make_user("Mario", "Aquino", born=date(1990, 7, 14)),
        make_user("Marta", "Reyes", born=None, phone=None),
        make_user("Jose", "Cruz"),
    )
    return fake


@pytest.fixture
def bus() -> LocalEventBus:
    return LocalEventBus()


def make_page(qtbot, patients: FakePatients, bus: LocalEventBus | None = None) -> PatientsPage:
    page = PatientsPage(None, DESK, patients=patients, settings=FakeSettings(), bus=bus)
    qtbot.addWidget(page)
    page.resize(1176, 740)
    page.show()
    qtbot.waitExposed(page)
    return page


def names(page: PatientsPage) -> list[str]:
    return [hit.full_name for hit in page.model.hits]


def type_search(qtbot, page: PatientsPage, text: str) -> None:
    """Type ``text`` (after what is there) and wait for the list to answer it."""
    wanted = (page.search_box.text() + text).strip()
    with qtbot.waitSignal(page.results_shown, timeout=3000, check_params_cb=lambda t: t == wanted):
        qtbot.keyClicks(page.search_box, text)


def test_typing_updates_the_list_with_every_keystroke(qtbot, patients) -> None:
    page = make_page(qtbot, patients)
    assert page.search_box.objectName() == "patientSearch"
    assert page.status.text() == HINT
    shown: list[list[str]] = []
    for typed in ("j", "jo", "m"):
        page.search_box.clear()
        type_search(qtbot, page, typed)
        shown.append(names(page))
    assert shown == [["Jose Cruz"], ["Jose Cruz"], ["Mario Aquino", "Marta Reyes", "Maria Santos"]]
    type_search(qtbot, page, "ar")  # now "mar"
    assert names(page) == ["Mario Aquino", "Marta Reyes", "Maria Santos"]
    assert "3 patients found" in page.status.text()
    with qtbot.waitSignal(page.results_shown, timeout=3000):
        qtbot.keyClicks(page.search_box, "ia")
    assert names(page) == ["Maria Santos"]
    assert "1 patient found" in page.status.text()


def test_list_shows_name_birth_date_phone_and_email(qtbot, patients) -> None:
    page = make_page(qtbot, patients)
    type_search(qtbot, page, "maria")
    model = page.model
    assert model.columnCount() == 4
    header = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(4)]
    assert header == ["Name", "Date of birth", "Phone", "Email"]
    row = [model.index(0, c).data() for c in range(4)]
    assert row == ["Maria Santos", "1984-03-02", "0917 555 0101", "maria.santos@example.com"]


def test_a_slow_older_search_never_overwrites_the_newer_answer(qtbot, patients) -> None:
    patients.delays["ma"] = 0.4  # "ma" is still running when "mar" has answered
    page = make_page(qtbot, patients)
    page.search_box.setText("ma")
    qtbot.waitUntil(lambda: patients.calls.get("search") == 1, timeout=3000)  # "ma" runs
    with qtbot.waitSignal(page.results_shown, timeout=3000) as shown:
        page.search_box.setText("mar")
    assert shown.args == ["mar"]
    qtbot.waitUntil(lambda: patients.calls.get("search", 0) == 2 and _idle(page), timeout=3000)
    qtbot.wait(500)  # "ma" has finished by now; its answer must have been dropped
    assert page.model.text == "mar"
    assert names(page) == ["Mario Aquino", "Marta Reyes", "Maria Santos"]


def _idle(page: PatientsPage) -> bool:
    return page._search_task is None


def test_a_search_still_waiting_for_a_thread_is_skipped_when_a_newer_one_starts(
    qtbot, patients
) -> None:
    from PySide6.QtCore import QThreadPool

    pool = QThreadPool.globalInstance()
    release = threading.Event()
    # Fill every worker so the next searches wait in the queue.
    from dcms_desktop.views.tasks import run_task

    blockers = [run_task(lambda _r: release.wait(5)) for _ in range(pool.maxThreadCount())]
    page = make_page(qtbot, patients)
    for text in ("m", "ma", "mar"):
        page.search_box.setText(text)
    release.set()
    qtbot.waitUntil(lambda: page.model.text == "mar", timeout=3000)
    qtbot.waitUntil(lambda: all(b.done for b in blockers), timeout=3000)
    assert [text for text, _ in patients.searched] == ["mar"]


def test_clearing_the_box_empties_the_list_and_shows_the_hint(qtbot, patients) -> None:
    page = make_page(qtbot, patients)
    type_search(qtbot, page, "mar")
    page.search_box.clear()
    assert page.model.rowCount() == 0
    assert page.status.text() == HINT


def test_no_match_says_so_and_points_to_new_patient(qtbot, patients) -> None:
    page = make_page(qtbot, patients)
    type_search(qtbot, page, "zzz")
    assert page.model.rowCount() == 0
    assert "No patient matches “zzz”" in page.status.text()
    assert "Ctrl+N" in page.status.text()


def test_long_lists_load_more_rows_when_scrolled_to_the_end(qtbot) -> None:
    many = FakePatients()
    many.add(*(make_user("Pat", f"Lopez{n:03d}", email=f"pat{n}@example.com") for n in range(130)))
    page = make_page(qtbot, many)
    type_search(qtbot, page, "pat")
    assert page.model.rowCount() == FIRST_PAGE
    assert page.model.canFetchMore()
    assert "more below" in page.status.text()
    bar = page.table.verticalScrollBar()
    first_end = bar.maximum()
    with qtbot.waitSignal(page.model.rowsInserted, timeout=3000):
        bar.setValue(first_end)
    assert page.model.rowCount() == FIRST_PAGE + NEXT_PAGE
    qtbot.waitUntil(lambda: bar.maximum() > first_end, timeout=3000)
    assert many.searched[-1] == ("pat", FIRST_PAGE + NEXT_PAGE)
    # The rows already shown were kept (inserted after, not reset).
    assert names(page)[:3] == ["Pat Lopez000", "Pat Lopez001", "Pat Lopez002"]
    with qtbot.waitSignal(page.model.rowsInserted, timeout=3000):
        bar.setValue(bar.maximum())
    # The service's most (100) are shown: the list says to narrow the search.
    assert page.model.rowCount() == 100
    assert not page.model.canFetchMore()
    assert "type more to narrow" in page.status.text()


def test_down_arrow_in_the_box_moves_the_selection_and_enter_opens_that_patient(
    qtbot, patients
) -> None:
    page = make_page(qtbot, patients)
    type_search(qtbot, page, "mar")
    assert page.table.currentIndex().row() == 0
    qtbot.keyClick(page.search_box, Qt.Key.Key_Down)
    assert page.table.currentIndex().row() == 1
    with qtbot.waitSignal(page.patient_view.loaded, timeout=3000):
        qtbot.keyClick(page.search_box, Qt.Key.Key_Return)
    assert page.showing_patient
    assert page.patient_view.name_label.text() == "Marta Reyes"


def test_double_click_opens_the_patient_and_esc_goes_back_to_the_search(qtbot, patients) -> None:
    page = make_page(qtbot, patients)
    type_search(qtbot, page, "jose")
    rect = page.table.visualRect(page.model.index(0, 0))
    qtbot.mouseClick(page.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    with qtbot.waitSignal(page.patient_view.loaded, timeout=3000):
        qtbot.mouseDClick(page.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert page.patient_view.name_label.text() == "Jose Cruz"
    page.patient_view.back_button.click()
    assert not page.showing_patient
    assert page.search_box.text() == "jose"


def test_focus_search_returns_to_the_list_with_the_text_selected(qtbot, patients) -> None:
    page = make_page(qtbot, patients)
    type_search(qtbot, page, "maria")
    page.open_row(0)
    assert page.showing_patient
    page.activateWindow()
    page.focus_search()
    assert not page.showing_patient
    assert page.search_box.selectedText() == "maria"


def test_ctrl_n_opens_the_new_patient_form(qtbot, patients) -> None:
    page = make_page(qtbot, patients)
    page.activateWindow()
    qtbot.waitUntil(page.isActiveWindow)
    page.search_box.setFocus()
    qtbot.keyClick(page.search_box, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    assert page.form is not None
    assert page.form.isVisible()
    assert page.form.windowTitle() == "New patient"


def test_a_change_elsewhere_re_runs_the_search_keeping_the_selected_patient(
    qtbot, patients, bus
) -> None:
    page = make_page(qtbot, patients, bus)
    type_search(qtbot, page, "mar")
    marta = page.model.hit(1)
    page.table.selectRow(1)
    renamed = patients.someone_else_saves(marta.id, first_name="Martina")
    with qtbot.waitSignal(page.results_shown, timeout=3000):
        # Published from another thread, as the Redis listener would.
        thread = threading.Thread(
            target=bus.publish,
            args=([ChangeEvent("patient", str(renamed.id), "updated", "ws-2")],),
        )
        thread.start()
        thread.join()
    assert "Martina Reyes" in names(page)
    assert page.model.hit(page.table.currentIndex().row()).id == marta.id


def test_refresh_all_re_reads_the_patient_on_show(qtbot, patients, bus) -> None:
    page = make_page(qtbot, patients, bus)
    type_search(qtbot, page, "jose")
    with qtbot.waitSignal(page.patient_view.loaded, timeout=3000):
        page.open_row(0)
    jose = page.model.hit(0)
    patients.someone_else_saves(jose.id, last_name="de la Cruz")
    with qtbot.waitSignal(page.patient_view.loaded, timeout=3000):
        bus.publish([REFRESH_ALL])
    assert page.patient_view.name_label.text() == "Jose de la Cruz"


def test_esc_on_the_patient_page_goes_back_to_the_search(qtbot, patients) -> None:
    page = make_page(qtbot, patients)
    page.activateWindow()
    qtbot.waitUntil(page.isActiveWindow)
    type_search(qtbot, page, "jose")
    with qtbot.waitSignal(page.patient_view.loaded, timeout=3000):
        qtbot.keyClick(page.search_box, Qt.Key.Key_Return)
    qtbot.keyClick(page.patient_view.edit_button, Qt.Key.Key_Escape)
    assert not page.showing_patient
    assert page.search_box.hasFocus()


def test_refresh_re_runs_the_search_and_re_reads_the_patient_on_show(qtbot, patients) -> None:
    page = make_page(qtbot, patients)
    type_search(qtbot, page, "jose")
    with qtbot.waitSignal(page.patient_view.loaded, timeout=3000):
        page.open_row(0)
    jose = page.model.hit(0)
    patients.someone_else_saves(jose.id, first_name="Josefino")
    with qtbot.waitSignals([page.results_shown, page.patient_view.loaded], timeout=3000):
        page.refresh()
    assert page.patient_view.name_label.text() == "Josefino Cruz"
    assert names(page) == ["Josefino Cruz"]


def test_a_search_finishing_after_its_screen_closed_is_dropped_quietly(qtbot, patients) -> None:
    patients.delays["mar"] = 0.3
    page = PatientsPage(None, DESK, patients=patients, settings=FakeSettings(), bus=None)
    page.show()
    page.search_box.setText("mar")
    qtbot.waitUntil(lambda: patients.calls.get("search") == 1, timeout=3000)
    page.close()
    page.deleteLater()
    qtbot.wait(500)  # the answer arrives for a deleted page: no error is raised
