"""``dcms bench``'s screen figures: the Qt side measured in a subprocess, offscreen."""

from __future__ import annotations

from dcms_desktop.services.bench_ui_launcher import (
    UI_TARGETS_P95_MS,
    build_request,
    read_request,
    run_ui_benchmarks,
)
from tests.gui import schedule_support

# The clinic of each test (a copy of one small demo clinic).
demo_template = schedule_support.demo_template
clinic = schedule_support.clinic


def test_the_request_reaches_the_child_as_it_was_sent(clinic):
    day = clinic.busiest_day()
    request = build_request("sqlite:///x.db", day=day, actor=clinic.actor, texts=["ma"], runs=4)
    assert read_request(request) == ("sqlite:///x.db", day, clinic.actor, ["ma"], 4)


def test_the_day_view_render_and_the_patient_search_are_measured_in_a_subprocess(clinic):
    results = run_ui_benchmarks(
        clinic.database.url,
        day=clinic.busiest_day(),
        actor=clinic.actor,
        texts=["Reyes", "Santos", "mar", "ga"],
        runs=5,
    )
    by_name = {r.name: r for r in results}
    assert set(by_name) == {"day_view_render", "patient_search_ui"}
    for name, result in by_name.items():
        assert result.runs == 5
        assert 0 < result.p50_ms <= result.p95_ms
        assert result.target_p95_ms == UI_TARGETS_P95_MS[name] == 50
