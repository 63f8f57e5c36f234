"""Colours and words of the tooth chart: one place for the chart and its legend.

Conventions a dentist will recognise: work planned but not done in red, the teeth picked
now in the selection blue, treatments done in a colour per kind (a root canal colours the
root, the rest colour the crown), missing teeth faded and crossed out, teeth that can't be
picked greyed and hatched.
"""

from __future__ import annotations

from dataclasses import dataclass

from dcms_desktop.widgets.toothchart.state import TreatmentKind

PAPER = "#ffffff"
OUTLINE = "#334e68"
CROWN = "#fffdf6"
ROOT = "#f3ecdf"
SURFACE = "#ffffff"
SURFACE_LINE = "#829ab1"
LABEL = "#102a43"
GUIDE = "#486581"
SIDE_LABEL = "#627d98"

MISSING_LINE = "#9fb3c8"
MISSING_CROSS = "#627d98"
MISSING_LABEL = "#829ab1"

DISABLED_FILL = "#e4e7eb"
DISABLED_HATCH = "#bcccdc"
DISABLED_LINE = "#9aa5b1"
DISABLED_LABEL = "#9aa5b1"

PLANNED = "#d64545"

SELECTED_FILL = "#dceefb"
SELECTED_RING = "#1f6fb2"
SELECTED_LABEL = "#ffffff"
MARKED_SURFACE = "#1f6fb2"

HOVER_FILL = "#eef2f7"
HOVER_RING = "#9fb3c8"
HOVER_SURFACE = "#102a43"
FOCUS_RING = "#102a43"

BAND_FILL = "#1f6fb2"
BAND_ALPHA = 40


@dataclass(frozen=True)
class KindStyle:
    """How one kind of treatment looks: its ``colour`` and what the legend calls it."""

    label: str
    colour: str
    on_root: bool = False


KIND_STYLES: dict[TreatmentKind, KindStyle] = {
    TreatmentKind.RESTORATIVE: KindStyle("Filling", "#2f9e44"),
    TreatmentKind.ENDODONTIC: KindStyle("Root canal", "#8e44ad", on_root=True),
    TreatmentKind.PROSTHETIC: KindStyle("Crown / prosthesis", "#e0a800"),
    TreatmentKind.PREVENTIVE: KindStyle("Sealant / preventive", "#17a2b8"),
    TreatmentKind.PERIODONTAL: KindStyle("Periodontal", "#8d6e63"),
    TreatmentKind.SURGICAL: KindStyle("Surgery / implant", "#546e7a"),
    TreatmentKind.COSMETIC: KindStyle("Cosmetic", "#e8590c"),
    TreatmentKind.ORTHODONTIC: KindStyle("Orthodontic", "#5c6bc0"),
    TreatmentKind.OTHER: KindStyle("Other treatment", "#868e96"),
}


def kind_style(kind: TreatmentKind) -> KindStyle:
    return KIND_STYLES[kind]
