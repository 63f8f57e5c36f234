"""What one demo visit consists of: its services, on which teeth, at what price.

A visit of a kind ("checkup", "filling", "rct" ...) becomes service lines from the
catalogue. Teeth are chosen from those the patient has at their age (primary teeth for
young children, mixed dentition from 6, wisdom teeth from 17) and has not lost, by the
rule the service names (see :mod:`demo_catalogue`). Quantities and line prices come from
the domain's pricing rules.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from random import Random

from dcms_desktop.domain.pricing import line_subtotal, quantity_for
from dcms_desktop.domain.teeth import PERMANENT_TEETH, PRIMARY_TEETH
from dcms_desktop.services.demo_catalogue import PER_SESSION, PER_TOOTH, ServiceSpec
from dcms_desktop.services.demo_people import Patient

# -- teeth ------------------------------------------------------------------------------------
_WISDOM = (18, 28, 38, 48)
_PERMANENT = tuple(t for t in PERMANENT_TEETH if t % 10 != 8)
_MIXED = tuple(t for t in PRIMARY_TEETH if t % 10 >= 3) + tuple(
    t for t in PERMANENT_TEETH if t % 10 in (1, 2, 6)
)
DENTITIONS: tuple[tuple[int, ...], ...] = (
    PRIMARY_TEETH,  # under 6
    _MIXED,  # 6-11
    _PERMANENT,  # 12-16
    _PERMANENT + _WISDOM,  # 17 and over
)


def dentition_for(age: int) -> int:
    """Which of :data:`DENTITIONS` a patient of ``age`` has."""
    return 0 if age < 6 else 1 if age < 12 else 2 if age < 17 else 3


def _is_primary(tooth: int) -> bool:
    return tooth // 10 >= 5


_RULES: dict[str, Callable[[int], bool]] = {
    "any": lambda t: True,
    "posterior": lambda t: t % 10 in ((4, 5) if _is_primary(t) else (4, 5, 6, 7)),
    "molar": lambda t: t % 10 in ((4, 5) if _is_primary(t) else (6, 7)),
    "anterior": lambda t: t % 10 in (1, 2, 3),
    "wisdom": lambda t: t in _WISDOM,
    "primary_molar": lambda t: _is_primary(t) and t % 10 in (4, 5),
    "sealant": lambda t: not _is_primary(t) and t % 10 in (6, 7),
}
_ROWS = {"veneer": (13, 12, 11, 21, 22, 23), "splint": (43, 42, 41, 31, 32, 33)}


def _rule_teeth() -> dict[str, tuple[tuple[int, ...], ...]]:
    table = {
        rule: tuple(tuple(t for t in d if test(t)) for d in DENTITIONS)
        for rule, test in _RULES.items()
    }
    for rule, row in _ROWS.items():
        table[rule] = tuple(tuple(t for t in row if t in d) for d in DENTITIONS)
    return table


RULE_TEETH = _rule_teeth()
_BACK_SURFACES = (("O",), ("O",), ("M", "O"), ("D", "O"), ("M", "O", "D"), ("B",), ("O", "L"))
_FRONT_SURFACES = (("M",), ("D",), ("B",), ("M", "B"), ("D", "B"), ("L",))


@dataclass(frozen=True)
class CatalogueService:
    """A service of the catalogue and its key in the database."""

    spec: ServiceSpec
    id: uuid.UUID


@dataclass(slots=True)
class Line:
    service: CatalogueService
    teeth: tuple[int, ...]
    surfaces: dict[str, list[str]] | None
    quantity: int
    subtotal: Decimal
    detail: str | None


class VisitPlanner:
    """Turns a kind of visit into service lines for one patient."""

    def __init__(self, rng: Random, services: dict[str, CatalogueService]) -> None:
        self.rng = rng
        self.services = services
        self._subtotals: dict[tuple[str, int], Decimal] = {}

    @staticmethod
    def quarters(lines: list[Line]) -> int:
        """The visit's length in quarter hours (1 to 16: at most four hours)."""
        quarters = 0
        for line in lines:
            spec = line.service.spec
            minutes = spec.duration
            if spec.pricing_model == PER_TOOTH:
                minutes += 15 * (len(line.teeth) - 1)
            elif spec.pricing_model == PER_SESSION:
                minutes *= line.quantity
            quarters += minutes // 15
        return max(1, min(quarters, 16))

    def _teeth(self, patient: Patient, age: int, rule: str, low: int, high: int) -> tuple[int, ...]:
        rng = self.rng
        candidates = RULE_TEETH[rule][dentition_for(age)]
        if patient.missing:
            candidates = tuple(t for t in candidates if t not in patient.missing)
        if len(candidates) < low:
            return ()
        count = low
        while count < high and rng.random() < 0.35:
            count += 1
        count = min(count, len(candidates))
        if rule in _ROWS:
            first = rng.randint(0, len(candidates) - count)
            return tuple(sorted(candidates[first : first + count]))
        return tuple(sorted(rng.sample(candidates, count)))

    def _line(
        self,
        key: str,
        teeth: tuple[int, ...] = (),
        *,
        sessions: int = 1,
        films: int = 1,
    ) -> Line:
        rng = self.rng
        service = self.services[key]
        spec = service.spec
        quantity = quantity_for(spec.pricing_model, teeth=teeth, sessions=sessions, films=films)
        cache_key = (key, quantity)
        subtotal = self._subtotals.get(cache_key)
        if subtotal is None:
            subtotal = self._subtotals[cache_key] = line_subtotal(spec.price, quantity)
        surfaces = None
        if spec.surfaces and teeth:
            surfaces = {}
            for tooth in teeth:
                if key == "sealant":
                    chosen: tuple[str, ...] = ("O",)
                elif tooth % 10 >= 4:
                    chosen = rng.choice(_BACK_SURFACES)
                else:
                    chosen = rng.choice(_FRONT_SURFACES)
                surfaces[str(tooth)] = list(chosen)
        detail = rng.choice(spec.details) if spec.details and teeth else None
        return Line(service, teeth, surfaces, quantity, subtotal, detail)

    def _tooth_line(
        self, key: str, patient: Patient, age: int, rule: str | None = None
    ) -> Line | None:
        spec = self.services[key].spec
        low, high = spec.teeth_count
        teeth = self._teeth(patient, age, rule or spec.teeth, low, high)
        return self._line(key, teeth) if teeth else None

    def lines(self, kind: str, patient: Patient, age: int) -> list[Line]:
        """The services of one visit of ``kind``; empty when the patient can't have it."""
        rng = self.rng
        lines: list[Line] = []
        main: Line | None
        if kind == "checkup":
            lines.append(self._line("exam"))
            if rng.random() < (0.9 if age >= 4 else 0.4):
                lines.append(self._line("cleaning"))
            if age <= 15 and rng.random() < 0.6:
                lines.append(self._line("fluoride"))
            if age >= 10 and rng.random() < 0.25:
                lines.append(self._line("xray_bw", films=4 if rng.random() < 0.3 else 2))
            return lines
        if kind == "consult":
            lines.append(self._line("exam"))
            if age >= 8 and rng.random() < 0.35:
                lines.append(self._line("xray_pano"))
            return lines
        if kind == "filling":
            key = "temporary" if rng.random() < 0.08 else "composite"
            main = self._tooth_line(key, patient, age)
            if main is None:
                return []
            if rng.random() < 0.15:
                lines.append(self._line("xray_pa", main.teeth[:1]))
            return [*lines, main]
        if kind == "extraction":
            rule = "posterior" if age >= 12 and rng.random() < 0.75 else "any"
            main = self._tooth_line("extraction", patient, age, rule)
            if main is None:
                return []
            if rng.random() < 0.4:
                lines.append(self._line("xray_pa", main.teeth[:1]))
            return [*lines, main]
        if kind == "surgical":
            main = self._tooth_line("surgical_extraction", patient, age)
            if main is None:
                return []
            if rng.random() < 0.6:
                lines.append(self._line("xray_pano"))
            return [*lines, main]
        if kind == "rct":
            key = "rct_molar" if rng.random() < 0.6 else "rct_anterior"
            main = self._tooth_line(key, patient, age)
            if main is None:
                return []
            if rng.random() < 0.8:
                lines.append(self._line("xray_pa", main.teeth, films=len(main.teeth)))
            return [*lines, main]
        if kind == "crown":
            main = self._tooth_line(
                "crown_pfm" if rng.random() < 0.6 else "crown_zirconia", patient, age
            )
            return [main] if main else []
        if kind == "srp":
            teeth = self._teeth(patient, age, "any", 4, 8) if rng.random() < 0.5 else ()
            return [self._line("srp", teeth, sessions=2 if rng.random() < 0.3 else 1)]
        if kind == "whitening":
            if rng.random() < 0.3:
                lines.append(self._line("exam"))
            return [*lines, self._line("whitening")]
        if kind == "braces":
            if rng.random() < 0.5:
                lines.append(self._line("xray_pano"))
            return [*lines, self._line("braces")]
        if kind == "emergency":
            return self._emergency(patient, age)
        if kind in ("child_filling", "pulpotomy", "sealant", "veneers", "splint"):
            key = {"child_filling": "glass_ionomer"}.get(kind, kind)
            main = self._tooth_line(key, patient, age)
            return [main] if main else []
        # ortho_adjust, retainer, denture, night_guard: one service, no teeth.
        return [self._line(kind)]

    def _emergency(self, patient: Patient, age: int) -> list[Line]:
        rng = self.rng
        tooth = self._teeth(patient, age, "any", 1, 1) if rng.random() < 0.7 else ()
        lines = [self._line("emergency", tooth)]
        if tooth and rng.random() < 0.6:
            lines.append(self._line("xray_pa", tooth))
        roll = rng.random()
        if tooth and roll < 0.25:
            lines.append(self._line("extraction", tooth))
        elif tooth and roll < 0.55 and tooth[0] % 10 >= 4:
            lines.append(self._line("temporary", tooth))
        return lines
