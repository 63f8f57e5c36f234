"""The installed Qt binding keeps Python's reference counts intact.

PySide6 6.12.0 on Python 3.11 takes a reference from ``True`` on every ``Signal.emit()``
and from ``None`` on every void call, and the interpreter aborts after a few hundred:
this guards the version pin in pyproject.toml.
"""

from __future__ import annotations

import sys

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QLabel


class _Emitter(QObject):
    fired = Signal()


def test_signal_emits_and_void_calls_leave_none_and_true_alone(qtbot) -> None:
    emitter = _Emitter()
    emitter.fired.connect(lambda: None)
    label = QLabel()
    qtbot.addWidget(label)
    none_before, true_before = sys.getrefcount(None), sys.getrefcount(True)
    for _ in range(200):
        emitter.fired.emit()
        label.setText("x")
    assert sys.getrefcount(None) - none_before > -50
    assert sys.getrefcount(True) - true_before > -50
