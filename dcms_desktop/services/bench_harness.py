"""Timing harness of ``dcms bench``: runs, percentiles, the report and its JSON."""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

MIN_RUNS = 50


def percentile(samples: list[float], fraction: float) -> float:
    """The ``fraction`` percentile (0–1) by the nearest-rank method."""
    if not samples:
        raise ValueError("no samples")
    ordered = sorted(samples)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]


@dataclass(frozen=True)
class BenchResult:
    """One operation's figures, in milliseconds."""

    name: str
    p50_ms: float
    p95_ms: float
    runs: int
    raw_sql_p50_ms: float | None = None
    target_p95_ms: float | None = None

    @property
    def meets_target(self) -> bool | None:
        if self.target_p95_ms is None:
            return None
        return self.p95_ms <= self.target_p95_ms

    @property
    def overhead_ratio(self) -> float | None:
        """How many times the hand-written SQL's p50 the operation takes."""
        if not self.raw_sql_p50_ms:
            return None
        return self.p50_ms / self.raw_sql_p50_ms


@dataclass
class BenchReport:
    """All figures of one ``dcms bench`` run."""

    backend: str
    size: str
    rows: dict[str, int]
    results: list[BenchResult] = field(default_factory=list)

    def to_json(self) -> str:
        results = []
        for result in self.results:
            entry: dict[str, Any] = asdict(result)
            entry.pop("target_p95_ms")
            results.append(entry)
        return json.dumps(
            {"backend": self.backend, "size": self.size, "rows": self.rows, "results": results},
            indent=2,
        )


def time_calls(
    call: Callable[[int], object],
    *,
    runs: int,
    warmup: int = 5,
    before_each: Callable[[int], object] | None = None,
) -> list[float]:
    """Milliseconds of ``runs`` timed calls of ``call(i)`` after ``warmup`` untimed ones.

    ``before_each(i)`` runs untimed before every call (to empty a cache, say).
    """
    samples: list[float] = []
    for i in range(warmup + runs):
        if before_each is not None:
            before_each(i)
        started = time.perf_counter()
        call(i)
        elapsed = (time.perf_counter() - started) * 1000
        if i >= warmup:
            samples.append(elapsed)
    return samples


def time_pairs(
    call: Callable[[int], object],
    raw: Callable[[int], object],
    *,
    runs: int,
    warmup: int = 5,
    before_each: Callable[[int], object] | None = None,
) -> tuple[list[float], list[float]]:
    """Milliseconds of ``call(i)`` and of its hand-written twin ``raw(i)``, timed back to
    back on the same input, which goes first alternating, so that neither path runs on
    caches (the database's pages, the OS's) that the other has just warmed.

    ``before_each(i)`` runs untimed before every pair, and again before the second call of
    a pair when the service's call comes second (to empty a cache, say)."""
    samples: list[float] = []
    raw_samples: list[float] = []

    def timed(function: Callable[[int], object], i: int) -> float:
        started = time.perf_counter()
        function(i)
        return (time.perf_counter() - started) * 1000

    for i in range(warmup + runs):
        if before_each is not None:
            before_each(i)
        if i % 2 == 0:
            service_ms = timed(call, i)
            raw_ms = timed(raw, i)
        else:
            raw_ms = timed(raw, i)
            if before_each is not None:
                before_each(i)
            service_ms = timed(call, i)
        if i >= warmup:
            samples.append(service_ms)
            raw_samples.append(raw_ms)
    return samples, raw_samples


def summarise(
    name: str,
    samples: list[float],
    *,
    raw_samples: list[float] | None = None,
    target_p95_ms: float | None = None,
) -> BenchResult:
    return BenchResult(
        name=name,
        p50_ms=round(percentile(samples, 0.50), 3),
        p95_ms=round(percentile(samples, 0.95), 3),
        runs=len(samples),
        raw_sql_p50_ms=round(percentile(raw_samples, 0.50), 3) if raw_samples else None,
        target_p95_ms=target_p95_ms,
    )


def format_table(report: BenchReport) -> str:
    """The figures as a fixed-width table for the terminal."""
    lines = [
        f"backend: {report.backend}   clinic: {report.size}   "
        + "  ".join(f"{table}={count:,}" for table, count in report.rows.items()),
        "",
        f"{'operation':<24}{'p50 ms':>10}{'p95 ms':>10}{'target':>9}{'raw p50':>10}"
        f"{'× raw':>8}{'runs':>7}",
    ]
    for r in report.results:
        target = f"{r.target_p95_ms:g}" if r.target_p95_ms is not None else "-"
        mark = "" if r.meets_target in (None, True) else " !"
        raw = f"{r.raw_sql_p50_ms:.2f}" if r.raw_sql_p50_ms is not None else "-"
        ratio = f"{r.overhead_ratio:.1f}" if r.overhead_ratio is not None else "-"
        lines.append(
            f"{r.name:<24}{r.p50_ms:>10.2f}{r.p95_ms:>10.2f}{target:>9}{raw:>10}{ratio:>8}"
            f"{r.runs:>7}{mark}"
        )
    return "\n".join(lines)
