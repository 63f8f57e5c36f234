"""`dcms bench`'s start-up figures: the app started in a subprocess, offscreen, measured."""

from __future__ import annotations

import pytest

from dcms_desktop.services.bench import run_benchmark
from dcms_desktop.services.bench_startup import (
    STARTUP_TARGETS_MS,
    StartupBenchError,
    measure_once,
)
from dcms_desktop.services.context import ServiceContext
from dcms_desktop.services.demo import generate_demo

STARTUP = ["startup_to_signin_ms", "signin_to_main_ms"]


def test_run_benchmark_times_the_app_to_the_sign_in_and_on_to_the_main_window(
    service_context: ServiceContext,
):
    generate_demo(service_context.database, "tiny", seed=3)
    report = run_benchmark(
        service_context, runs=2, allow_fewer_runs=True, startup_runs=1, screens=False
    )
    by_name = {r.name: r for r in report.results}
    assert [name for name in by_name if name in STARTUP] == STARTUP
    assert by_name["patient_search"].runs == 2  # the other operations keep their runs
    for result in (by_name[name] for name in STARTUP):
        assert result.runs == 1
        assert 0 < result.p50_ms == result.p95_ms < 60_000
        assert result.target_p95_ms == STARTUP_TARGETS_MS[result.name]
        assert result.raw_sql_p50_ms is None


def test_a_clinic_without_an_account_to_use_is_timed_to_the_sign_in_only(sqlite_database):
    sample = measure_once(sqlite_database.url)  # no admin yet: the first-admin form shows
    assert sample.signin_to_main_ms is None
    # The window shows first; the clinic is opened meanwhile.
    assert sample.startup_to_window_ms is not None
    assert 0 < sample.startup_to_window_ms <= sample.startup_to_signin_ms


def test_a_clinic_that_cannot_be_opened_is_reported_plainly():
    with pytest.raises(StartupBenchError, match="could not open the clinic: Cannot reach"):
        measure_once("postgresql+psycopg://dcms@127.0.0.1:1/clinic")
