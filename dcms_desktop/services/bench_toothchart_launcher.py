"""``dcms bench``'s ``toothchart_paint`` figure: the tooth chart painted in a subprocess.

The services import no Qt, so the painting is timed by ``python -m
dcms_desktop.widgets.toothchart.bench --json`` in a child process drawn offscreen; it
prints one JSON line with every sample, and the percentiles are worked out here by the
same harness as every other figure. Target: a full paint in ≤ 8 ms (p95).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Mapping

from dcms_desktop.domain.errors import DcmsError
from dcms_desktop.services.bench_harness import MIN_RUNS, BenchResult, summarise

NAME = "toothchart_paint"
TARGET_P95_MS = 8.0
TIMEOUT_SECONDS = 120


class ToothChartBenchError(DcmsError):
    """The chart could not be painted and timed; the message says why."""


def child_command(runs: int) -> list[str]:
    return [
        sys.executable,
        "-m",
        "dcms_desktop.widgets.toothchart.bench",
        "--json",
        "--runs",
        str(runs),
    ]


def child_environment(base: Mapping[str, str] | None = None) -> dict[str, str]:
    """Our environment, drawn offscreen."""
    env = dict(os.environ if base is None else base)
    env["QT_QPA_PLATFORM"] = "offscreen"
    return env


def measure_toothchart_paint(
    runs: int = MIN_RUNS, *, timeout: float = TIMEOUT_SECONDS
) -> BenchResult:
    """p50 and p95 of ``runs`` full paints of the tooth chart (at least one run)."""
    try:
        done = subprocess.run(
            child_command(max(runs, 1)),
            capture_output=True,
            text=True,
            timeout=timeout,
            env=child_environment(),
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise ToothChartBenchError(
            f"The tooth chart was not painted {runs} times within {timeout:g} s."
        ) from exc
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode != 0 or not lines:
        tail = done.stderr.strip().splitlines()[-1:] or ["no output"]
        raise ToothChartBenchError(
            f"The tooth chart benchmark stopped (code {done.returncode}): {tail[0]}"
        )
    figures = json.loads(lines[-1])
    samples = [float(sample) for sample in figures.get("samples_ms", [])]
    if not samples:
        raise ToothChartBenchError("The tooth chart benchmark gave no timings.")
    return summarise(NAME, samples, target_p95_ms=TARGET_P95_MS)
