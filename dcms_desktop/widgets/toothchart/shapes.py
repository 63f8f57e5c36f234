"""Tooth silhouettes for the chart: crown and root outlines, seen from the front.

Each outline is in proportions of the tooth's body box: x from 0 to 1 across its column,
y from 0 (root tip) to 1 (biting edge). :mod:`geometry` flips them for the lower arch and
scales them into place. The shapes are drawn to be recognised at a glance (one root for
front teeth and premolars, two for molars, a pointed canine, cusps on the back teeth), not
as an anatomical atlas.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

Point = tuple[float, float]
Polygon = tuple[Point, ...]


def _catmull_rom(points: Sequence[Point], steps: int = 4) -> list[Point]:
    """A smooth curve through ``points`` (ends included), ``steps`` segments between each."""
    if len(points) < 3:
        return list(points)
    padded = [points[0], *points, points[-1]]
    curve: list[Point] = []
    for i in range(1, len(padded) - 2):
        p0, p1, p2, p3 = padded[i - 1], padded[i], padded[i + 1], padded[i + 2]
        for step in range(steps):
            t = step / steps
            t2, t3 = t * t, t * t * t
            x, y = (
                0.5
                * (
                    2 * p1[k]
                    + (-p0[k] + p2[k]) * t
                    + (2 * p0[k] - 5 * p1[k] + 4 * p2[k] - p3[k]) * t2
                    + (-p0[k] + 3 * p1[k] - 3 * p2[k] + p3[k]) * t3
                )
                for k in (0, 1)
            )
            curve.append((x, y))
    curve.append(points[-1])
    return curve


def _mirror(points: Sequence[Point]) -> list[Point]:
    """The right half of an outline from its left half, walking back up."""
    return [(1 - x, y) for x, y in reversed(points)]


@dataclass(frozen=True)
class _Shape:
    """A tooth's silhouette in proportions of its body box (0-1 both ways, root up)."""

    neck: float  # half-width at the gum line
    crown: float  # greatest half-width of the crown
    cervical: float  # height of the gum line (root above, crown below)
    edge: str  # "flat", "cusp", "premolar", "molar"
    roots: int


_PERMANENT_SHAPES = {
    1: _Shape(0.19, 0.30, 0.52, "flat", 1),
    2: _Shape(0.15, 0.25, 0.54, "flat", 1),
    3: _Shape(0.18, 0.28, 0.48, "cusp", 1),
    4: _Shape(0.18, 0.28, 0.55, "premolar", 1),
    5: _Shape(0.18, 0.28, 0.55, "premolar", 1),
    6: _Shape(0.32, 0.42, 0.56, "molar", 2),
    7: _Shape(0.30, 0.40, 0.57, "molar", 2),
    8: _Shape(0.28, 0.37, 0.6, "molar", 2),
}
_PRIMARY_SHAPES = {
    1: _Shape(0.2, 0.31, 0.46, "flat", 1),
    2: _Shape(0.17, 0.27, 0.46, "flat", 1),
    3: _Shape(0.2, 0.3, 0.44, "cusp", 1),
    4: _Shape(0.3, 0.4, 0.48, "molar", 2),
    5: _Shape(0.33, 0.44, 0.48, "molar", 2),
}


@cache
def silhouette(primary: bool, position: int) -> tuple[Polygon, Polygon]:
    """Crown and root outlines of a tooth in its unit body box, root up, crown down."""
    shape = (_PRIMARY_SHAPES if primary else _PERMANENT_SHAPES)[position]
    n, w, c = shape.neck, shape.crown, shape.cervical
    crown_h = 1 - c
    left = [
        (0.5 - n, c),
        (0.5 - w, c + 0.38 * crown_h),
        (0.5 - w * 0.93, c + 0.8 * crown_h),
    ]
    if shape.edge == "flat":
        left += [(0.5 - w * 0.8, 0.995), (0.5, 1.0)]
    elif shape.edge == "cusp":
        left += [(0.5 - w * 0.6, 0.94), (0.5, 1.0)]
    elif shape.edge == "premolar":
        left += [(0.5 - w * 0.7, 0.965), (0.5, 1.0)]
    else:  # molar: two buccal cusps with a groove between them
        left += [(0.5 - w * 0.72, 0.995), (0.5 - w * 0.3, 0.99), (0.5, 0.955)]
    crown_left = _catmull_rom(left)
    crown = tuple(crown_left + _mirror(crown_left)[1:])

    if shape.roots == 1:
        root_left = _catmull_rom(
            [
                (0.5 - n, c + 0.02),
                (0.5 - n * 0.92, c * 0.55),
                (0.5 - n * 0.45, c * 0.08),
                (0.5, 0.0),
            ]
        )
    else:
        spread = 1.18 if primary else 1.0
        root_left = _catmull_rom(
            [
                (0.5 - n, c + 0.02),
                (0.5 - n * 1.02 * spread, c * 0.5),
                (0.5 - n * 0.78 * spread, c * 0.06),
                (0.5 - n * 0.55 * spread, 0.0),
                (0.5 - n * 0.3 * spread, c * 0.12),
                (0.5 - n * 0.12, c * 0.58),
                (0.5, c * 0.66),
            ]
        )
    root = tuple(root_left + _mirror(root_left)[1:])
    return crown, root
