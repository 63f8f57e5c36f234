"""The UI thread is never blocked for more than 100 ms by the shell: a 10 ms heartbeat timer
keeps beating while slow database work and password hashing run in the background.

A busy test machine can hold the UI thread off the CPU now and then, which the heartbeat
can't tell from blocking; so each measurement is tried up to three times and the best
try counts. Real blocking (a query or a hash on the UI thread) fails every try.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import QObject, QTimer
from sqlalchemy import text

from dcms_desktop.app import Launcher
from dcms_desktop.data.engine import Database
from dcms_desktop.views.tasks import run_task
from tests.gui.shell_support import copy_clinic, make_demo_template, settings_for

BEAT_MS = 10
MAX_BLOCK_MS = 100
SLOW_SECONDS = 0.5


class Heartbeat(QObject):
    """Beats every 10 ms on the UI thread and remembers the longest gap between beats."""

    def __init__(self) -> None:
        super().__init__()
        self.beats: list[float] = []
        self._timer = QTimer(self)
        self._timer.setInterval(BEAT_MS)
        self._timer.timeout.connect(lambda: self.beats.append(time.perf_counter()))

    def __enter__(self) -> Heartbeat:
        self.beats = [time.perf_counter()]
        self._timer.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._timer.stop()
        self.beats.append(time.perf_counter())

    @property
    def longest_gap_ms(self) -> float:
        return max((b - a) * 1000 for a, b in zip(self.beats, self.beats[1:], strict=False))


def least_blocked(attempt: Callable[[], None], tries: int = 3) -> float:
    """The longest gap of the best of up to ``tries`` runs of ``attempt``, in ms."""
    best = float("inf")
    for _ in range(tries):
        with Heartbeat() as heart:
            attempt()
        best = min(best, heart.longest_gap_ms)
        if best < MAX_BLOCK_MS:
            break
    return best


def slow_query(database: Database) -> float:
    """Half a second of work inside the database (what a heavy report feels like)."""
    started = time.perf_counter()
    with database.engine.connect() as conn:
        if database.backend == "postgresql":
            conn.execute(text("SELECT pg_sleep(:s)"), {"s": SLOW_SECONDS})
        else:
            # SQLite has no sleep: count through a recursive CTE until half a second passed.
            rows = 200_000
            while time.perf_counter() - started < SLOW_SECONDS:
                conn.execute(
                    text(
                        "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c "
                        "WHERE x < :n) SELECT count(*) FROM c"
                    ),
                    {"n": rows},
                ).scalar_one()
    return time.perf_counter() - started


def test_a_slow_query_in_the_background_never_blocks_the_ui_thread(qtbot, database):
    results: list[float] = []

    def attempt() -> None:
        results.clear()
        run_task(lambda _report: slow_query(database), on_done=results.append)
        qtbot.waitUntil(lambda: bool(results), timeout=10_000)
        assert results[0] >= SLOW_SECONDS

    longest = least_blocked(attempt)
    assert longest < MAX_BLOCK_MS, f"UI blocked {longest:.0f} ms"


@pytest.fixture(scope="module")
def demo_template(tmp_path_factory) -> Path:
    return make_demo_template(tmp_path_factory.mktemp("demo"))


def _opened(qtbot, launcher: Launcher) -> None:
    launcher.start()
    qtbot.waitUntil(lambda: launcher.auth is not None, timeout=30_000)
    qtbot.wait(50)


def test_opening_the_clinic_never_blocks_the_ui_thread(qtbot, demo_template, tmp_path):
    launchers: list[Launcher] = []

    def attempt() -> None:
        folder = tmp_path / str(len(launchers))
        folder.mkdir()
        url = copy_clinic(demo_template, folder)
        launchers.append(Launcher(settings_for(url, folder), remember_windows=False))
        _opened(qtbot, launchers[-1])

    longest = least_blocked(attempt)
    for launcher in launchers:
        launcher.close()
    assert longest < MAX_BLOCK_MS, f"opening the clinic blocked {longest:.0f} ms"


def test_signing_in_and_opening_the_main_window_never_block_the_ui_thread(
    qtbot, demo_template, tmp_path
):
    url = copy_clinic(demo_template, tmp_path)
    launcher = Launcher(settings_for(url, tmp_path), remember_windows=False)
    _opened(qtbot, launcher)
    form = launcher.signin.form
    credentials = launcher.demo_credentials

    def wrong_passwords() -> None:
        for attempt in range(3):  # argon2 runs for each, in the background
            form.fill(credentials["staff"], f"wrong guess {attempt}")
            form.submit()
            qtbot.waitUntil(lambda: not form.busy_now, timeout=10_000)

    longest = least_blocked(wrong_passwords)
    assert longest < MAX_BLOCK_MS, f"a refused sign-in blocked {longest:.0f} ms"

    def sign_in_and_out() -> None:
        if launcher.window is not None:
            launcher.sign_out()
        form.fill(credentials["admin"], credentials["password"])
        form.submit()
        qtbot.waitUntil(lambda: launcher.window is not None, timeout=10_000)
        qtbot.wait(100)

    longest = least_blocked(sign_in_and_out)
    assert longest < MAX_BLOCK_MS, f"opening the main window blocked {longest:.0f} ms"
    launcher.close()


def test_unlocking_the_screen_never_blocks_the_ui_thread(qtbot, demo_template, tmp_path):
    url = copy_clinic(demo_template, tmp_path)
    launcher = Launcher(settings_for(url, tmp_path), remember_windows=False)
    _opened(qtbot, launcher)
    credentials = launcher.demo_credentials
    launcher.signin.form.fill(credentials["dentist"], credentials["password"])
    launcher.signin.form.submit()
    qtbot.waitUntil(lambda: launcher.window is not None, timeout=10_000)
    window = launcher.window

    def unlock() -> None:
        window.lock()
        lock = window.lock_screen
        lock.password.setText(credentials["password"])
        lock.unlock()
        qtbot.waitUntil(lambda: not window.is_locked, timeout=10_000)

    longest = least_blocked(unlock)
    assert longest < MAX_BLOCK_MS, f"unlock blocked {longest:.0f} ms"
    launcher.close()
