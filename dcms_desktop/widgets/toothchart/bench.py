"""How long a full paint of the tooth chart takes.

Run ``python -m dcms_desktop.widgets.toothchart.bench`` (``--json`` for ``dcms bench``).

The chart is painted whole (``QWidget.render``, as a repaint would) into an offscreen
``QPixmap`` of a realistic size, with a realistic chart on show: the primary teeth too,
some missing, treated, planned and disabled teeth, marked surfaces, a selection and a
hovered surface. After a few untimed paints, ``runs`` paints are timed one by one.

With ``--json`` it prints one line, ``{"name": "toothchart_paint", "samples_ms": [...],
...}``, which ``dcms bench`` reads (see ``services/bench_toothchart_launcher.py``); the
percentiles are worked out there, by the same harness as every other figure. Without it,
it prints p50 and p95 for a person. Run it offscreen (``QT_QPA_PLATFORM=offscreen``) on a
machine without a display.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
from dataclasses import dataclass

NAME = "toothchart_paint"
TARGET_P95_MS = 8.0
DEFAULT_RUNS = 60
WARMUP_RUNS = 5
DEFAULT_SIZE = (1100, 620)


@dataclass(frozen=True)
class PaintTiming:
    """Milliseconds of each timed paint, and the size painted."""

    samples_ms: tuple[float, ...]
    width: int
    height: int
    device_pixel_ratio: float

    def percentile(self, fraction: float) -> float:
        """Nearest-rank percentile, as the bench harness computes it."""
        ordered = sorted(self.samples_ms)
        return ordered[max(1, math.ceil(fraction * len(ordered))) - 1]


def _demo_state():
    from dcms_desktop.widgets.toothchart.state import ChartState, TreatmentKind

    return ChartState.build(
        missing=(18, 28, 38, 46, 65),
        treated={
            16: TreatmentKind.RESTORATIVE,
            26: TreatmentKind.PROSTHETIC,
            36: TreatmentKind.ENDODONTIC,
            11: TreatmentKind.COSMETIC,
            47: TreatmentKind.PREVENTIVE,
            84: TreatmentKind.RESTORATIVE,
        },
        treated_surfaces={14: {"M": "restorative", "O": "restorative"}, 25: {"D": "restorative"}},
        disabled=(48, 31),
        planned=(24, 37, 46),
        marked_surfaces={15: "MOD", 26: "B", 36: "L"},
    )


def measure_paint(
    runs: int = DEFAULT_RUNS,
    *,
    width: int = DEFAULT_SIZE[0],
    height: int = DEFAULT_SIZE[1],
    device_pixel_ratio: float = 1.0,
    warmup: int = WARMUP_RUNS,
) -> PaintTiming:
    """Time ``runs`` full paints of a busy chart into a ``width`` × ``height`` pixmap."""
    from PySide6.QtCore import QPoint, Qt
    from PySide6.QtGui import QPixmap
    from PySide6.QtWidgets import QApplication

    from dcms_desktop.domain.enums import ToothSurface
    from dcms_desktop.widgets.toothchart.geometry import Hit
    from dcms_desktop.widgets.toothchart.widget import ToothChartWidget

    app = QApplication.instance() or QApplication([sys.argv[0]])
    chart = ToothChartWidget()
    chart.resize(width, height)
    chart.set_show_primary(True)
    chart.set_state(_demo_state())
    chart.set_selection((21, 22, 15, 36))
    chart._hovered = Hit(44, ToothSurface.MESIAL)  # what the pointer would do
    pixmap = QPixmap(round(width * device_pixel_ratio), round(height * device_pixel_ratio))
    pixmap.setDevicePixelRatio(device_pixel_ratio)
    samples: list[float] = []
    for i in range(warmup + runs):
        pixmap.fill(Qt.GlobalColor.white)
        started = time.perf_counter()
        chart.render(pixmap, QPoint())
        elapsed = (time.perf_counter() - started) * 1000
        if i >= warmup:
            samples.append(elapsed)
    chart.deleteLater()
    app.processEvents()
    return PaintTiming(tuple(samples), width, height, device_pixel_ratio)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Time full paints of the tooth chart.")
    parser.add_argument("--runs", type=int, default=DEFAULT_RUNS)
    parser.add_argument("--width", type=int, default=DEFAULT_SIZE[0])
    parser.add_argument("--height", type=int, default=DEFAULT_SIZE[1])
    parser.add_argument("--dpr", type=float, default=1.0, help="device pixel ratio")
    parser.add_argument("--json", action="store_true", help="one JSON line for dcms bench")
    args = parser.parse_args(argv)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    timing = measure_paint(
        max(args.runs, 1), width=args.width, height=args.height, device_pixel_ratio=args.dpr
    )
    if args.json:
        print(
            json.dumps(
                {
                    "name": NAME,
                    "samples_ms": [round(s, 4) for s in timing.samples_ms],
                    "width": timing.width,
                    "height": timing.height,
                    "device_pixel_ratio": timing.device_pixel_ratio,
                    "target_p95_ms": TARGET_P95_MS,
                }
            )
        )
    else:
        print(
            f"{NAME}: {timing.width}×{timing.height} @{timing.device_pixel_ratio:g}x, "
            f"{len(timing.samples_ms)} runs: p50 {timing.percentile(0.5):.2f} ms, "
            f"p95 {timing.percentile(0.95):.2f} ms (target p95 ≤ {TARGET_P95_MS:g} ms)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
