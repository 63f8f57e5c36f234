"""``dcms bench``'s start-up figures: the desktop app started in a subprocess, offscreen.

- ``startup_to_signin_ms``: from just before the process is started to the sign-in
  window ready to sign in (Python and Qt starting, the window shown, the clinic opened in
  the background and the form enabled). Target 1.5 s. The window itself shows earlier
  (:attr:`StartupSample.startup_to_window_ms`), while the clinic opens.
- ``signin_to_main_ms``: from the click on Sign in to the main window shown and painted
  (the argon2 check, the audit row, the main window built for the role). Target 1 s.

Each run is a whole process start, so fewer runs are taken than for the other operations
(:data:`STARTUP_RUNS`, after one untimed start that warms the disk cache and the compiled
bytecode); with five runs the p95 is the slowest run. The child is ``python -m
dcms_desktop.app --measure-startup``; what it needs (the database URL, which may hold a
password, and an account) goes to it on stdin, never in its arguments or environment.
It signs in with the account given, else the demo admin's (a demo clinic only); on a
clinic with neither only the first figure is measured. No Qt is imported here.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass

from dcms_desktop.domain.errors import DcmsError
from dcms_desktop.services.bench_harness import BenchResult, summarise

STARTUP_TARGETS_MS: dict[str, float] = {
    "startup_to_signin_ms": 1500,
    "signin_to_main_ms": 1000,
}
STARTUP_RUNS = 5
WARMUP_RUNS = 1
TIMEOUT_SECONDS = 120


class StartupBenchError(DcmsError):
    """The app could not be started and measured; the message says why."""


@dataclass(frozen=True)
class StartupSample:
    """One start of the app, in milliseconds (``signin_to_main_ms`` None when no sign-in)."""

    startup_to_signin_ms: float
    signin_to_main_ms: float | None
    startup_to_window_ms: float | None = None


def child_command() -> list[str]:
    return [sys.executable, "-m", "dcms_desktop.app", "--measure-startup"]


def child_environment(base: Mapping[str, str] | None = None) -> dict[str, str]:
    """The child's environment: ours, drawn offscreen, without a database URL of its own."""
    env = dict(os.environ if base is None else base)
    env["QT_QPA_PLATFORM"] = "offscreen"
    env.pop("DCMS_DATABASE_URL", None)  # the URL to measure comes on stdin
    return env


def measure_once(
    database_url: str,
    *,
    email: str | None = None,
    password: str | None = None,
    timeout: float = TIMEOUT_SECONDS,
) -> StartupSample:
    """Start the app once, sign in once, and return the two times."""
    request = {
        "database_url": database_url,
        "email": email,
        "password": password,
        "timeout_ms": int(timeout * 1000),
    }
    started = time.time()
    try:
        done = subprocess.run(
            child_command(),
            input=json.dumps(request) + "\n",
            capture_output=True,
            text=True,
            timeout=timeout + 5,
            env=child_environment(),
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise StartupBenchError(
            f"The app did not reach its main window within {timeout:g} s."
        ) from exc
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if not lines:
        tail = done.stderr.strip().splitlines()[-1:] or ["no output"]
        raise StartupBenchError(
            f"The app exited (code {done.returncode}) without its timings: {tail[0]}"
        )
    result = json.loads(lines[-1])
    if result.get("error") or "signin_ready_at" not in result:
        raise StartupBenchError(
            f"The app could not open the clinic: {result.get('error', 'no sign-in window')}"
        )
    to_main = result.get("signin_to_main_ms")
    window_at = result.get("signin_window_at")
    return StartupSample(
        startup_to_signin_ms=(float(result["signin_ready_at"]) - started) * 1000,
        signin_to_main_ms=float(to_main) if to_main is not None else None,
        startup_to_window_ms=(float(window_at) - started) * 1000 if window_at else None,
    )


def measure_startup(
    database_url: str,
    *,
    runs: int = STARTUP_RUNS,
    warmup: int = WARMUP_RUNS,
    email: str | None = None,
    password: str | None = None,
) -> list[BenchResult]:
    """``startup_to_signin_ms`` and (when someone could sign in) ``signin_to_main_ms``."""
    for _ in range(warmup):
        measure_once(database_url, email=email, password=password)
    samples = [
        measure_once(database_url, email=email, password=password) for _ in range(max(runs, 1))
    ]
    results = [
        summarise(
            "startup_to_signin_ms",
            [s.startup_to_signin_ms for s in samples],
            target_p95_ms=STARTUP_TARGETS_MS["startup_to_signin_ms"],
        )
    ]
    to_main = [s.signin_to_main_ms for s in samples if s.signin_to_main_ms is not None]
    if to_main:
        results.append(
            summarise(
                "signin_to_main_ms",
                to_main,
                target_p95_ms=STARTUP_TARGETS_MS["signin_to_main_ms"],
            )
        )
    return results
