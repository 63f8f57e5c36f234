"""The benchmark's timing: a read and its hand-written twin share their inputs, and which
goes first alternates, so neither is measured on caches the other has just warmed."""

from __future__ import annotations

from dcms_desktop.services.bench_harness import time_pairs


def test_pairs_run_on_the_same_input_and_alternate_which_goes_first() -> None:
    calls: list[tuple[str, int]] = []
    samples, raw_samples = time_pairs(
        lambda i: calls.append(("service", i)),
        lambda i: calls.append(("raw", i)),
        runs=4,
        warmup=2,
    )
    assert len(samples) == len(raw_samples) == 4  # the warm-up pairs are not kept
    assert calls == [
        ("service", 0), ("raw", 0),
        ("raw", 1), ("service", 1),
        ("service", 2), ("raw", 2),
        ("raw", 3), ("service", 3),
        ("service", 4), ("raw", 4),
        ("raw", 5), ("service", 5),
    ]  # fmt: skip


def test_the_cache_is_emptied_right_before_every_service_call() -> None:
    events: list[str] = []
    time_pairs(
        lambda i: events.append("service"),
        lambda i: events.append("raw"),
        runs=2,
        warmup=0,
        before_each=lambda i: events.append("drop"),
    )
    assert events == ["drop", "service", "raw", "drop", "raw", "drop", "service"]
