"""The fonts every printed document uses, and fitting text to a width.

DejaVu Sans when the application bundles it (resources/fonts), which covers most scripts a
patient's name is written in (Zoë, Ñúñez, Łukasz, Ψ); otherwise the system's (Linux DejaVu,
Windows Segoe UI, macOS Arial), then Bitstream Vera, which ships with ReportLab and covers
Western European names.
"""

from __future__ import annotations

import functools
import logging
import os
from dataclasses import dataclass
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from dcms_desktop.resources_path import resource_path

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Fonts:
    regular: str
    bold: str
    italic: str


_DEJAVU = ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf", "DejaVuSans-Oblique.ttf")


def _reportlab_font(name: str) -> Path:
    import reportlab

    return Path(reportlab.__file__).parent / "fonts" / name


def _font_candidates() -> list[tuple[str, Path, Path, Path]]:
    """Where to look for a sans-serif with wide coverage, best first: bundled, then the
    system's (Linux DejaVu, Windows Segoe UI, macOS Arial), then ReportLab's Vera."""
    bundled = [resource_path(f"fonts/{name}") for name in _DEJAVU]
    linux = [Path("/usr/share/fonts/truetype/dejavu", name) for name in _DEJAVU]
    windows = Path(os.environ.get("WINDIR", "C:/Windows"), "Fonts")
    mac = Path("/System/Library/Fonts/Supplemental")
    vera = [_reportlab_font(name) for name in ("Vera.ttf", "VeraBd.ttf", "VeraIt.ttf")]
    return [
        ("DcmsDejaVu", *bundled),  # type: ignore[list-item]
        ("DcmsDejaVu", *linux),  # type: ignore[list-item]
        ("DcmsSegoe", windows / "segoeui.ttf", windows / "segoeuib.ttf", windows / "segoeuii.ttf"),
        ("DcmsArial", mac / "Arial.ttf", mac / "Arial Bold.ttf", mac / "Arial Italic.ttf"),
        ("DcmsVera", *vera),  # type: ignore[list-item]
    ]


@functools.cache
def fonts() -> Fonts:
    """Register the documents' fonts with ReportLab (once per process)."""
    for name, regular, bold, italic in _font_candidates():
        if not (regular.is_file() and bold.is_file()):
            continue
        try:
            pdfmetrics.registerFont(TTFont(name, str(regular)))
            pdfmetrics.registerFont(TTFont(f"{name}-Bold", str(bold)))
            italic_name = name
            if italic.is_file():
                italic_name = f"{name}-Italic"
                pdfmetrics.registerFont(TTFont(italic_name, str(italic)))
        except Exception:  # a damaged or unusable font file: try the next
            log.warning("could not use the font %s, trying another", regular, exc_info=True)
            continue
        # So that <b> and <i> in a paragraph find the bold and italic faces.
        pdfmetrics.registerFontFamily(
            name, normal=name, bold=f"{name}-Bold", italic=italic_name, boldItalic=f"{name}-Bold"
        )
        return Fonts(name, f"{name}-Bold", italic_name)
    return Fonts("Helvetica", "Helvetica-Bold", "Helvetica-Oblique")


def fit(text: str, font: str, size: float, width: float) -> str:
    """``text``, cut short with an ellipsis if it is wider than ``width``."""
    if pdfmetrics.stringWidth(text, font, size) <= width:
        return text
    while text and pdfmetrics.stringWidth(text + "…", font, size) > width:
        text = text[:-1]
    return text.rstrip() + "…"
