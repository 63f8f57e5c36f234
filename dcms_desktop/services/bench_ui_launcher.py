"""``dcms bench``'s screen figures, measured by the Qt side in a subprocess, offscreen.

- ``day_view_render``: build the day view of the clinic's busiest day (every dentist a
  column) and paint it to an offscreen pixmap. Target p95 50 ms.
- ``patient_search_ui``: from a keystroke in the Patients section's search box to the
  list showing the new hits (the search runs off the UI thread). Target p95 50 ms.

The child is ``python -m dcms_desktop.views.bench_ui``; what it needs (the database URL,
which may hold a password, the signed-in actor, the day, the search texts) goes to it on
stdin, never in its arguments or environment, and its samples come back as one JSON line
on stdout. No Qt is imported here (services never import Qt).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from dcms_desktop.domain.enums import Role
from dcms_desktop.domain.errors import DcmsError
from dcms_desktop.domain.readmodels.people import Actor
from dcms_desktop.services.bench_harness import BenchResult, summarise
from dcms_desktop.services.context import ServiceContext

UI_TARGETS_P95_MS: dict[str, float] = {
    "day_view_render": 50,
    "patient_search_ui": 50,
}
TIMEOUT_SECONDS = 300


class UiBenchError(DcmsError):
    """The screens could not be measured; the message says why."""


def child_command() -> list[str]:
    return [sys.executable, "-m", "dcms_desktop.views.bench_ui"]


def child_environment(base: Mapping[str, str] | None = None) -> dict[str, str]:
    """The child's environment: ours, drawn offscreen, without a database URL of its own."""
    env = dict(os.environ if base is None else base)
    env["QT_QPA_PLATFORM"] = "offscreen"
    env.pop("DCMS_DATABASE_URL", None)  # the URL to measure comes on stdin
    return env


def build_request(
    database_url: str, *, day: date, actor: Actor, texts: Sequence[str], runs: int
) -> dict[str, Any]:
    """What the child reads on stdin."""
    return {
        "database_url": database_url,
        "day": day.isoformat(),
        "actor": {
            "user_id": str(actor.user_id),
            "email": actor.email,
            "role": actor.role.value,
            "display_name": actor.display_name,
        },
        "texts": list(texts),
        "runs": runs,
    }


def read_request(data: Mapping[str, Any]) -> tuple[str, date, Actor, list[str], int]:
    """The child's side of :func:`build_request`."""
    who = data["actor"]
    actor = Actor(uuid.UUID(who["user_id"]), who["email"], Role(who["role"]), who["display_name"])
    return (
        str(data["database_url"]),
        date.fromisoformat(data["day"]),
        actor,
        [str(t) for t in data["texts"]],
        int(data["runs"]),
    )


def open_bench_context(database_url: str) -> ServiceContext:
    """A service context on ``database_url`` for the child (in-process cache and bus)."""
    from dcms_desktop.data.cache import MemoryCache
    from dcms_desktop.data.engine import create_database
    from dcms_desktop.data.events import LocalEventBus

    return ServiceContext(create_database(database_url), MemoryCache(), LocalEventBus(), "bench")


def run_ui_benchmarks(
    database_url: str,
    *,
    day: date,
    actor: Actor,
    texts: Sequence[str],
    runs: int,
    timeout: float = TIMEOUT_SECONDS,
) -> list[BenchResult]:
    """Start the child, hand it the request, and summarise the samples it measured."""
    request = build_request(database_url, day=day, actor=actor, texts=texts, runs=runs)
    try:
        done = subprocess.run(
            child_command(),
            input=json.dumps(request) + "\n",
            capture_output=True,
            text=True,
            timeout=timeout,
            env=child_environment(),
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise UiBenchError(f"The screen benchmark did not finish within {timeout:g} s.") from exc
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if not lines:
        tail = done.stderr.strip().splitlines()[-1:] or ["no output"]
        raise UiBenchError(
            f"The screen benchmark exited (code {done.returncode}) without figures: {tail[0]}"
        )
    answer = json.loads(lines[-1])
    if answer.get("error"):
        raise UiBenchError(f"The screen benchmark failed: {answer['error']}")
    return [
        summarise(name, [float(s) for s in samples], target_p95_ms=UI_TARGETS_P95_MS.get(name))
        for name, samples in answer["samples"].items()
        if samples
    ]
