"""The patient page's Chart tab on a real (SQLite) clinic: the chart, the history filtered
by the selected teeth, marking teeth, and a conflicting save."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import pytest

from dcms_desktop.data.cache import MemoryCache
from dcms_desktop.data.events import LocalEventBus
from dcms_desktop.services.charting import ChartService
from dcms_desktop.services.context import ServiceContext
from dcms_desktop.services.patients import PatientService
from dcms_desktop.views.patients.chart_tab import ChartTab
from dcms_desktop.views.patients.patient_page import PatientPageView
from dcms_desktop.widgets.toothchart.state import TreatmentKind
from tests.factories import (
    CLINIC_NOW,
    actor_for,
    clinic_clock,
    make_appointment,
    make_chart,
    make_dentist,
    make_patient,
    make_service,
    make_staff,
    make_treatment,
    write_session,
)

PAGE_SIZE = (1366, 768)


@pytest.fixture
def clinic(sqlite_database) -> dict[str, Any]:
    context = ServiceContext(
        sqlite_database, MemoryCache(), LocalEventBus(), "chair-1", clock=clinic_clock()
    )
    with write_session(sqlite_database) as s:
        reyes = make_dentist(s, first_name="Ana", last_name="Reyes")
        cruz = make_dentist(s, first_name="Ben", last_name="Cruz")
        desk = make_staff(s, first_name="Rita", last_name="Lim")
        maria = make_patient(s, first_name="Maria", last_name="Santos")
        filling = make_service(
            s,
            name="Composite filling",
            category="Restorative",
            pricing_model="Per Tooth",
            tooth_chart_use="required",
        )
        canal = make_service(
            s,
            name="Root canal",
            category="Endodontics",
            pricing_model="Per Tooth",
            tooth_chart_use="required",
        )
        make_chart(s, maria, missing=[18, 48], treated=[36, 46], disabled=[38])
        make_treatment(
            s,
            maria,
            treatment_date=date(2029, 5, 1),
            teeth=[36],
            service=filling,
            detail="Two-surface composite",
            surfaces={"36": ["M", "O"]},
        )
        make_treatment(s, maria, treatment_date=date(2030, 1, 9), teeth=[46], service=canal)
        make_appointment(
            s,
            patient=maria,
            dentist=reyes,
            start=datetime.combine(
                CLINIC_NOW.date() + timedelta(days=3), datetime.min.time()
            ).replace(hour=10),
            status="confirmed",
            services=[(filling, [16, 17])],
        )
    return {
        "context": context,
        "database": sqlite_database,
        "charts": ChartService(context),
        "reyes": actor_for(reyes),
        "cruz": actor_for(cruz),
        "desk": actor_for(desk),
        "maria": maria,
    }


def open_tab(qtbot, clinic: dict[str, Any], who: str = "reyes") -> ChartTab:
    tab = ChartTab(clinic["charts"], clinic[who])
    qtbot.addWidget(tab)
    tab.resize(1300, 560)
    tab.show()
    tab.show_patient(clinic["maria"].id)
    qtbot.waitUntil(lambda: tab.chart_data is not None, timeout=3000)
    return tab


def history(tab: ChartTab) -> list[str]:
    model = tab.history_model
    return [model.treatment(row).service_name for row in range(model.rowCount())]


def test_the_chart_shows_the_patients_teeth_and_planned_work(qtbot, clinic) -> None:
    tab = open_tab(qtbot, clinic)
    state = tab.chart.state()
    assert state.missing == {18, 48}
    assert state.disabled == {38}
    assert state.planned == {16, 17}
    assert dict(state.treated) == {36: TreatmentKind.RESTORATIVE, 46: TreatmentKind.ENDODONTIC}
    assert set(state.treated_surfaces[36]) == {"M", "O"}
    assert history(tab) == ["Root canal", "Composite filling"]
    assert "Composite filling" in tab.planned_label.text()
    assert "teeth 16, 17" in tab.planned_label.text()
    assert "Root canal" in tab.chart.tooth_tooltip(46)


def test_selecting_teeth_filters_the_history(qtbot, clinic) -> None:
    tab = open_tab(qtbot, clinic, who="desk")
    tab.chart.set_selection([36])
    assert history(tab) == ["Composite filling"]
    assert tab.history_heading.text() == "Treatment history of tooth 36 (1)"
    tab.chart.set_selection([11, 21])
    assert history(tab) == []
    assert tab.history_empty.isVisibleTo(tab)
    tab.chart.select_none()
    assert history(tab) == ["Root canal", "Composite filling"]


def test_the_front_desk_cannot_mark_teeth(qtbot, clinic) -> None:
    tab = open_tab(qtbot, clinic, who="desk")
    assert not tab.can_edit
    assert all(not button.isVisibleTo(tab) for button in tab.actions.values())


def test_a_dentist_marks_teeth_missing_present_and_not_selectable(qtbot, clinic) -> None:
    tab = open_tab(qtbot, clinic)
    tab.chart.set_selection([11, 36])
    with qtbot.waitSignal(tab.saved, timeout=3000):
        tab.actions["missing"].click()
    assert tab.chart_data.missing == (11, 18, 36, 48)
    assert 36 not in tab.chart_data.treated
    tab.chart.set_selection([18])
    with qtbot.waitSignal(tab.saved, timeout=3000):
        tab.actions["present"].click()
    tab.chart.set_selection([28])
    with qtbot.waitSignal(tab.saved, timeout=3000):
        tab.actions["disabled"].click()
    saved = clinic["charts"].patient_chart(clinic["desk"], clinic["maria"].id)
    assert (saved.missing, saved.disabled, saved.version) == ((11, 36, 48), (28, 38), 4)
    assert not tab.chart.is_selectable(28)
    with qtbot.waitSignal(tab.saved, timeout=3000):
        tab.actions["enable"].click()
    assert tab.chart_data.disabled == ()


def test_a_conflicting_save_says_who_saved_and_shows_their_chart(qtbot, clinic) -> None:
    tab = open_tab(qtbot, clinic)
    other = ChartService(clinic["context"])
    chart = other.patient_chart(clinic["cruz"], clinic["maria"].id)
    other.mark_teeth(
        clinic["cruz"],
        clinic["maria"].id,
        missing=[*chart.missing, 47],
        treated=chart.treated,
        disabled=chart.disabled,
        expected_version=chart.version,
    )
    tab.chart.set_selection([11])
    tab.actions["missing"].click()
    qtbot.waitUntil(lambda: "Ben Cruz saved this chart" in tab.status_label.text(), timeout=3000)
    assert "your change was not saved" in tab.status_label.text()
    qtbot.waitUntil(lambda: 47 in tab.chart_data.missing, timeout=3000)
    assert 11 not in tab.chart_data.missing
    assert tab.status_label.isVisibleTo(tab)


def test_the_patient_page_chart_tab_at_1366x768(qtbot, clinic, screenshot) -> None:
    page = PatientPageView(PatientService(clinic["context"]), clinic["reyes"])
    qtbot.addWidget(page)
    page.resize(*PAGE_SIZE)
    page.show()
    with qtbot.waitSignal(page.loaded, timeout=3000):
        page.show_patient(clinic["maria"].id)
    assert page.chart_tab is not None
    page.tabs.setCurrentWidget(page.chart_tab)
    qtbot.waitUntil(lambda: page.chart_tab.chart_data is not None, timeout=3000)
    page.chart_tab.chart.set_selection([36, 46])
    assert page.chart_tab.chart.width() >= 600
    assert page.chart_tab.history_table.width() >= 400
    screenshot(page, "patient_chart_tab_1366x768")
