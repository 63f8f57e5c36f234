"""The screen figures of ``dcms bench`` (see services/bench_ui_launcher.py), measured here.

Run by the launcher as ``python -m dcms_desktop.views.bench_ui`` with the request on
stdin; prints ``{"samples": {"day_view_render": [...], "patient_search_ui": [...]}}``.

- ``day_view_render``: per run, a new :class:`DayView` at 1366x768 is given the busiest
  day's visits (read once beforehand: reading is ``day_schedule``'s figure) and painted
  to a pixmap: building, layout and painting are timed.
- ``patient_search_ui``: the Patients section's page (views/patients) with the search
  box holding all but the last character of a search; the time runs from the last
  keystroke to the page saying the list shows the answer (``results_shown``). Without
  that page, a minimal list model of this module stands in (keystroke, the search in
  the background, the model reset).
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable, Sequence
from datetime import date, datetime
from datetime import time as clock_time
from typing import Any

from PySide6.QtCore import QEventLoop, QObject, QStringListModel, QTimer, Signal
from PySide6.QtGui import QPixmap
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QLineEdit, QListView, QVBoxLayout, QWidget

from dcms_desktop.domain.readmodels.people import Actor
from dcms_desktop.services.bench_ui_launcher import open_bench_context, read_request
from dcms_desktop.views.schedule.backend import ScheduleBackend
from dcms_desktop.views.schedule.day_view import DayView, DentistColumn
from dcms_desktop.views.tasks import run_task

WARMUP = 3
SIZE = (1366, 768)
WAIT_MS = 10_000


def measure_day_view_render(backend: Any, actor: Actor, day: date, runs: int) -> list[float]:
    """Milliseconds to build and paint the day view of ``day``, ``runs`` times."""
    dentists = [DentistColumn(d.id, d.display_name) for d in backend.scheduling.dentists(actor)]
    entries = backend.scheduling.day_schedule(actor, day)
    now = datetime.combine(day, clock_time(11, 40))
    samples: list[float] = []
    for i in range(WARMUP + runs):
        started = time.perf_counter()
        view = DayView()
        view.resize(*SIZE)
        view.set_now(now)
        view.set_day(day, dentists, entries)
        pixmap = QPixmap(view.size())
        view.render(pixmap)
        elapsed = (time.perf_counter() - started) * 1000
        view.deleteLater()
        if i >= WARMUP:
            samples.append(elapsed)
    QApplication.processEvents()
    return samples


def _wait_for(signal: Any, matches: Callable[..., bool]) -> bool:
    """Run the event loop until ``signal`` fires with arguments ``matches`` accepts."""
    loop = QEventLoop()
    seen = {"ok": False}

    def check(*args: Any) -> None:
        if matches(*args):
            seen["ok"] = True
            loop.quit()

    signal.connect(check)
    QTimer.singleShot(WAIT_MS, loop.quit)
    loop.exec()
    signal.disconnect(check)
    return seen["ok"]


def _type_last_key(box: QLineEdit, signal: Any, text: str) -> float | None:
    """Milliseconds from the last keystroke of ``text`` to ``signal`` naming ``text``."""
    box.clear()
    box.setText(text[:-1])
    _wait_for(signal, lambda shown, *_: shown == text[:-1].strip())
    started = time.perf_counter()
    QTest.keyClicks(box, text[-1])
    if not _wait_for(signal, lambda shown, *_: shown == text.strip()):
        return None
    return (time.perf_counter() - started) * 1000


class _Shown(QObject):
    results_shown = Signal(str)


class _MinimalSearch(QWidget):
    """A search box and a list: what the Patients page does, without the page."""

    def __init__(self, patients: Any, actor: Actor) -> None:
        super().__init__()
        self._patients = patients
        self._actor = actor
        self._task: Any = None
        self.box = QLineEdit()
        self.model = QStringListModel()
        self.list = QListView()
        self.list.setModel(self.model)
        layout = QVBoxLayout(self)
        layout.addWidget(self.box)
        layout.addWidget(self.list)
        self.relay = _Shown()
        self.box.textChanged.connect(self.search)

    def search(self, text: str) -> None:
        if self._task is not None:
            self._task.cancel()
        patients, actor, wanted = self._patients, self._actor, text.strip()
        self._task = run_task(
            lambda _report: patients.search(actor, wanted, 30),
            on_done=lambda hits: self._show(wanted, hits),
        )

    def _show(self, text: str, hits: Sequence[Any]) -> None:
        self.model.setStringList([f"{h.full_name} · {h.email}" for h in hits])
        self.relay.results_shown.emit(text)


def measure_patient_search_ui(
    context: Any, actor: Actor, texts: Sequence[str], runs: int
) -> tuple[list[float], str]:
    """Milliseconds from the last keystroke to the updated list, and which page was used."""
    try:
        from dcms_desktop.views.patients.patients_page import PatientsPage
    except ImportError:
        PatientsPage = None  # noqa: N806
    if PatientsPage is not None:
        page = PatientsPage(context, actor)
        box, signal, used = page.search_box, page.results_shown, "PatientsPage"
    else:
        from dcms_desktop.services.patients import PatientService

        page = _MinimalSearch(PatientService(context), actor)
        box, signal, used = page.box, page.relay.results_shown, "minimal list model"
    page.resize(*SIZE)
    page.show()
    usable = [t for t in texts if len(t.strip()) >= 2] or ["ma"]
    samples: list[float] = []
    for i in range(WARMUP + runs):
        elapsed = _type_last_key(box, signal, usable[i % len(usable)])
        if elapsed is not None and i >= WARMUP:
            samples.append(elapsed)
    page.close()
    return samples, used


def main() -> int:
    app = QApplication.instance() or QApplication(sys.argv[:1])
    del app
    try:
        url, day, actor, texts, runs = read_request(json.loads(sys.stdin.readline()))
        context = open_bench_context(url)
        backend = ScheduleBackend(context)
        render = measure_day_view_render(backend, actor, day, runs)
        search, used = measure_patient_search_ui(context, actor, texts, runs)
    except Exception as exc:  # the parent reports it; a traceback goes to stderr
        import traceback

        traceback.print_exc()
        print(json.dumps({"error": f"{type(exc).__name__}: {exc}"}))
        return 1
    print(
        json.dumps(
            {
                "samples": {"day_view_render": render, "patient_search_ui": search},
                "patient_search_ui_page": used,
            }
        )
    )
    context.database.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
