"""What the tooth chart shows, as plain values: the chart's state and the display choices.

The chart widget takes a :class:`ChartState` through a setter and never changes the
teeth's clinical state itself; the only parts it edits are the marked surfaces (a click on
a surface toggles it, and the widget says so through a signal). All teeth are FDI numbers.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum

from dcms_desktop.domain.enums import ToothSurface

SURFACE_ORDER: tuple[ToothSurface, ...] = (
    ToothSurface.MESIAL,
    ToothSurface.OCCLUSAL,
    ToothSurface.DISTAL,
    ToothSurface.BUCCAL,
    ToothSurface.LINGUAL,
)
"""Surfaces in the order dentists write them ("MOD", "MODBL")."""


def surfaces_text(surfaces: Iterable[ToothSurface]) -> str:
    """Surfaces as dentists write them: "MOD"."""
    chosen = set(surfaces)
    return "".join(surface.value for surface in SURFACE_ORDER if surface in chosen)


class SelectionMode(StrEnum):
    """How teeth may be picked: one at a time, several, or not at all."""

    SINGLE = "single"
    MULTIPLE = "multiple"
    READ_ONLY = "read-only"


class Notation(StrEnum):
    """How tooth numbers are shown; the data stays FDI whatever is shown."""

    FDI = "fdi"
    UNIVERSAL = "universal"
    PALMER = "palmer"


class TreatmentKind(StrEnum):
    """The kind of treatment a tooth had, which decides its colour on the chart.

    The values follow the catalogue's service categories (see :meth:`from_category`).
    """

    RESTORATIVE = "restorative"
    ENDODONTIC = "endodontic"
    PROSTHETIC = "prosthetic"
    PREVENTIVE = "preventive"
    PERIODONTAL = "periodontal"
    SURGICAL = "surgical"
    COSMETIC = "cosmetic"
    ORTHODONTIC = "orthodontic"
    OTHER = "other"

    @classmethod
    def from_category(cls, category: str | None) -> TreatmentKind:
        """The kind of a catalogue category ("Endodontics" → ENDODONTIC); OTHER if unknown."""
        key = (category or "").strip().lower()
        return _CATEGORY_KINDS.get(key, cls.OTHER)


_CATEGORY_KINDS: dict[str, TreatmentKind] = {
    "restorative": TreatmentKind.RESTORATIVE,
    "endodontics": TreatmentKind.ENDODONTIC,
    "endodontic": TreatmentKind.ENDODONTIC,
    "prosthodontics": TreatmentKind.PROSTHETIC,
    "prosthetic": TreatmentKind.PROSTHETIC,
    "preventive": TreatmentKind.PREVENTIVE,
    "periodontics": TreatmentKind.PERIODONTAL,
    "periodontal": TreatmentKind.PERIODONTAL,
    "oral surgery": TreatmentKind.SURGICAL,
    "surgical": TreatmentKind.SURGICAL,
    "cosmetic": TreatmentKind.COSMETIC,
    "orthodontics": TreatmentKind.ORTHODONTIC,
    "orthodontic": TreatmentKind.ORTHODONTIC,
}


def _frozen_surfaces(
    surfaces: Mapping[int, Iterable[str]],
) -> dict[int, frozenset[ToothSurface]]:
    result: dict[int, frozenset[ToothSurface]] = {}
    for tooth, marks in surfaces.items():
        chosen = frozenset(ToothSurface(mark) for mark in marks)
        if chosen:
            result[tooth] = chosen
    return result


@dataclass(frozen=True)
class ChartState:
    """The teeth's clinical state as the chart draws it.

    - ``missing``: teeth not in the mouth (drawn faded and crossed out);
    - ``treated``: tooth → the kind of its latest treatment (coloured by kind);
    - ``treated_surfaces``: tooth → surface → kind, for fillings and the like;
    - ``disabled``: teeth that cannot be selected here (greyed and hatched);
    - ``planned``: teeth with treatment booked but not done (red dashed outline);
    - ``marked_surfaces``: tooth → surfaces picked for the work at hand (the widget
      toggles these when a surface is clicked).

    A tooth may be in several of these at once (treated and planned, say).
    """

    missing: frozenset[int] = frozenset()
    treated: Mapping[int, TreatmentKind] = field(default_factory=dict)
    treated_surfaces: Mapping[int, Mapping[ToothSurface, TreatmentKind]] = field(
        default_factory=dict
    )
    disabled: frozenset[int] = frozenset()
    planned: frozenset[int] = frozenset()
    marked_surfaces: Mapping[int, frozenset[ToothSurface]] = field(default_factory=dict)

    @classmethod
    def build(
        cls,
        *,
        missing: Iterable[int] = (),
        treated: Mapping[int, TreatmentKind | str] | None = None,
        treated_surfaces: Mapping[int, Mapping[str, TreatmentKind | str]] | None = None,
        disabled: Iterable[int] = (),
        planned: Iterable[int] = (),
        marked_surfaces: Mapping[int, Iterable[str]] | None = None,
    ) -> ChartState:
        """A state from loose values (lists, plain strings), normalised to the field types."""
        return cls(
            missing=frozenset(missing),
            treated={tooth: TreatmentKind(kind) for tooth, kind in (treated or {}).items()},
            treated_surfaces={
                tooth: {ToothSurface(s): TreatmentKind(kind) for s, kind in marks.items()}
                for tooth, marks in (treated_surfaces or {}).items()
                if marks
            },
            disabled=frozenset(disabled),
            planned=frozenset(planned),
            marked_surfaces=_frozen_surfaces(marked_surfaces or {}),
        )

    def selectable(self, tooth: int) -> bool:
        """Whether the user may select ``tooth`` (every tooth but the disabled ones)."""
        return tooth not in self.disabled

    def surfaces_of(self, tooth: int) -> frozenset[ToothSurface]:
        return self.marked_surfaces.get(tooth, frozenset())

    def with_surface_toggled(self, tooth: int, surface: ToothSurface) -> ChartState:
        """A copy with ``surface`` of ``tooth`` marked if it was not, unmarked if it was."""
        marks = dict(self.marked_surfaces)
        current = marks.get(tooth, frozenset())
        updated = current - {surface} if surface in current else current | {surface}
        if updated:
            marks[tooth] = updated
        else:
            marks.pop(tooth, None)
        return replace(self, marked_surfaces=marks)

    def describe(self, tooth: int) -> str:
        """The tooth's state in words: "missing", "treated (endodontic), planned"…"""
        words: list[str] = []
        if tooth in self.missing:
            words.append("missing")
        kind = self.treated.get(tooth)
        if kind is not None:
            words.append(f"treated ({kind.value})")
        if self.treated_surfaces.get(tooth):
            done_marks = self.treated_surfaces[tooth]
            done = ", ".join(
                f"{surface.value} {done_marks[surface].value}"
                for surface in SURFACE_ORDER
                if surface in done_marks
            )
            words.append(f"treated surfaces {done}")
        if tooth in self.planned:
            words.append("planned")
        if tooth in self.disabled:
            words.append("not selectable")
        marks = self.surfaces_of(tooth)
        if marks:
            words.append(f"surfaces marked {surfaces_text(marks)}")
        return ", ".join(words) if words else "present"
