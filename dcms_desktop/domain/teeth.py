"""Teeth in FDI notation (ISO 3950), their names, and the Universal and Palmer notations.

The data always holds FDI numbers (ints); the other notations are for display and input.

FDI quadrants, from the patient's point of view: 1 upper right, 2 upper left, 3 lower
left, 4 lower right; 5-8 the same for primary teeth. The second digit counts from the
midline: 1 central incisor ... 8 third molar (1-5 for primary teeth).

Universal: permanent teeth 1-32, from the upper right third molar (18 = 1) round the
upper arch to the upper left third molar (28 = 16), then from the lower left third molar
(38 = 17) to the lower right third molar (48 = 32). Primary teeth A-T the same way round:
55 = A ... 65 = J, 75 = K ... 85 = T.

Palmer: on paper a grid symbol marks the quadrant. As text we write the quadrant as two
letters from the patient's point of view, then the tooth: a digit 1-8 for permanent teeth,
a letter A-E for primary ones. "UR1" = 11, "UL8" = 28, "LL3" = 33, "LR5" = 45, "URA" = 51,
"LLE" = 75. :func:`to_palmer_symbol` gives the traditional grid form ("1┘", "└1", "1┐",
"┌1") for drawing.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Literal

from dcms_desktop.domain.errors import ValidationError

PERMANENT_TEETH: tuple[int, ...] = tuple(q * 10 + p for q in (1, 2, 3, 4) for p in range(1, 9))
PRIMARY_TEETH: tuple[int, ...] = tuple(q * 10 + p for q in (5, 6, 7, 8) for p in range(1, 6))
ALL_TEETH: tuple[int, ...] = PERMANENT_TEETH + PRIMARY_TEETH
_ALL = frozenset(ALL_TEETH)

FDI_HELP = "use 11–18, 21–28, 31–38, 41–48 or 51–55, 61–65, 71–75, 81–85"

_PERMANENT_NAMES = (
    "central incisor",
    "lateral incisor",
    "canine",
    "first premolar",
    "second premolar",
    "first molar",
    "second molar",
    "third molar",
)
_PRIMARY_NAMES = ("central incisor", "lateral incisor", "canine", "first molar", "second molar")

# Quadrant (1-4; primary 5-8 map onto 1-4) -> (arch, side).
_QUADRANT_PLACE: dict[int, tuple[Literal["upper", "lower"], Literal["right", "left"]]] = {
    1: ("upper", "right"),
    2: ("upper", "left"),
    3: ("lower", "left"),
    4: ("lower", "right"),
}

_FDI_TEXT = re.compile(r"[1-8][1-8]")


def _refuse(value: object, notation: str = "FDI", help_text: str = FDI_HELP) -> ValidationError:
    shown = f'"{value}"' if isinstance(value, str) else str(value)
    return ValidationError(
        f"{shown} is not a tooth number ({notation}): {help_text}", field="teeth"
    )


def parse_fdi(value: int | str) -> int:
    """The FDI tooth number ``value`` names, as an int.

    Accepts an int or its two-digit text ("21", " 21 "); refuses anything else (19, 49, 56,
    90, 0, "1a", "021", bools, floats) with a ``ValidationError`` about ``teeth``.
    """
    if isinstance(value, bool):
        raise _refuse(value)
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and _FDI_TEXT.fullmatch(value.strip()):
        number = int(value.strip())
    else:
        raise _refuse(value)
    if number not in _ALL:
        raise _refuse(value)
    return number


def is_valid_fdi(value: object) -> bool:
    """True when :func:`parse_fdi` would accept ``value``."""
    if not isinstance(value, int | str):
        return False
    try:
        parse_fdi(value)
    except ValidationError:
        return False
    return True


def validate_teeth(values: Iterable[int | str]) -> tuple[int, ...]:
    """The FDI numbers of ``values``, each checked, without repeats, in ascending order.

    A bare string is refused with ``TypeError`` (it would be read as single characters);
    use :func:`parse_teeth_text` for typed-in lists.
    """
    if isinstance(values, str | bytes):
        raise TypeError("validate_teeth takes a collection of teeth, not one string")
    return tuple(sorted({parse_fdi(value) for value in values}))


def parse_teeth_text(text: str) -> tuple[int, ...]:
    """Teeth typed as text ("11, 12 21"): separated by commas, semicolons or spaces."""
    parts = [part for part in re.split(r"[\s,;]+", text.strip()) if part]
    return validate_teeth(parts)


def quadrant(fdi: int) -> int:
    """The FDI quadrant, 1-8 (5-8 are the primary quadrants)."""
    return parse_fdi(fdi) // 10


def position(fdi: int) -> int:
    """Place in the quadrant counted from the midline: 1-8 (1-5 for primary teeth)."""
    return parse_fdi(fdi) % 10


def is_primary(fdi: int) -> bool:
    return quadrant(fdi) >= 5


def _place(fdi: int) -> tuple[Literal["upper", "lower"], Literal["right", "left"]]:
    q = quadrant(fdi)
    return _QUADRANT_PLACE[q - 4 if q > 4 else q]


def arch(fdi: int) -> Literal["upper", "lower"]:
    return _place(fdi)[0]


def side(fdi: int) -> Literal["right", "left"]:
    """The patient's side the tooth is on."""
    return _place(fdi)[1]


def tooth_name(fdi: int) -> str:
    """The tooth's name: "upper left central incisor", "lower right primary canine"."""
    upper_lower, right_left = _place(fdi)
    if is_primary(fdi):
        return f"{upper_lower} {right_left} primary {_PRIMARY_NAMES[position(fdi) - 1]}"
    return f"{upper_lower} {right_left} {_PERMANENT_NAMES[position(fdi) - 1]}"


# -- Universal ------------------------------------------------------------------------------
def _universal_order(quadrants: tuple[int, int, int, int], size: int) -> tuple[int, ...]:
    """Teeth in Universal order: right to left across the upper arch, then left to right
    across the lower one, each from the patient's point of view."""
    q_ur, q_ul, q_ll, q_lr = quadrants
    return (
        tuple(q_ur * 10 + p for p in range(size, 0, -1))
        + tuple(q_ul * 10 + p for p in range(1, size + 1))
        + tuple(q_ll * 10 + p for p in range(size, 0, -1))
        + tuple(q_lr * 10 + p for p in range(1, size + 1))
    )


_UNIVERSAL_PERMANENT = _universal_order((1, 2, 3, 4), 8)
_UNIVERSAL_PRIMARY = _universal_order((5, 6, 7, 8), 5)
_PRIMARY_LETTERS = "ABCDEFGHIJKLMNOPQRST"
_FDI_TO_UNIVERSAL: dict[int, str] = {
    **{fdi: str(i) for i, fdi in enumerate(_UNIVERSAL_PERMANENT, start=1)},
    **{fdi: letter for fdi, letter in zip(_UNIVERSAL_PRIMARY, _PRIMARY_LETTERS, strict=True)},
}
_UNIVERSAL_TO_FDI = {code: fdi for fdi, code in _FDI_TO_UNIVERSAL.items()}
UNIVERSAL_HELP = "use 1–32 or A–T"


def to_universal(fdi: int) -> str:
    """The Universal (ADA) code of an FDI tooth: "1"-"32" or "A"-"T"."""
    return _FDI_TO_UNIVERSAL[parse_fdi(fdi)]


def from_universal(code: str | int) -> int:
    """The FDI number of a Universal code (1-32 as int or text, A-T in either case)."""
    if isinstance(code, bool):
        raise _refuse(code, "Universal", UNIVERSAL_HELP)
    if isinstance(code, int):
        key = str(code)
    elif isinstance(code, str):
        key = code.strip().upper()
    else:
        raise _refuse(code, "Universal", UNIVERSAL_HELP)
    fdi = _UNIVERSAL_TO_FDI.get(key)
    if fdi is None:
        raise _refuse(code, "Universal", UNIVERSAL_HELP)
    return fdi


# -- Palmer ---------------------------------------------------------------------------------
_PALMER_QUADRANT = {1: "UR", 2: "UL", 3: "LL", 4: "LR"}
_PALMER_QUADRANT_BACK = {code: q for q, code in _PALMER_QUADRANT.items()}
_PALMER_TEXT = re.compile(r"(UR|UL|LL|LR)([1-8]|[A-E])")
PALMER_HELP = 'use UR, UL, LL or LR then 1–8, or A–E for primary teeth ("UR1", "LLE")'


def _palmer_parts(fdi: int) -> tuple[str, str]:
    q = quadrant(fdi)
    p = position(fdi)
    if q > 4:
        return _PALMER_QUADRANT[q - 4], "ABCDE"[p - 1]
    return _PALMER_QUADRANT[q], str(p)


def to_palmer(fdi: int) -> str:
    """The Palmer code of an FDI tooth as text: "UR1", "UL8", "LR5", "URA" (see module)."""
    q, p = _palmer_parts(fdi)
    return q + p


def to_palmer_symbol(fdi: int) -> str:
    """Palmer's grid form: the tooth with a corner on the midline and occlusal side.

    Upper right "1┘", upper left "└1", lower right "1┐", lower left "┌1".
    """
    q, p = _palmer_parts(fdi)
    return {"UR": f"{p}┘", "UL": f"└{p}", "LR": f"{p}┐", "LL": f"┌{p}"}[q]


def from_palmer(code: str) -> int:
    """The FDI number of a textual Palmer code ("UR1", "lle"; case and spaces ignored)."""
    if not isinstance(code, str):
        raise _refuse(code, "Palmer", PALMER_HELP)
    match = _PALMER_TEXT.fullmatch(re.sub(r"\s+", "", code).upper())
    if match is None:
        raise _refuse(code, "Palmer", PALMER_HELP)
    q = _PALMER_QUADRANT_BACK[match.group(1)]
    tooth = match.group(2)
    if tooth.isdigit():
        return q * 10 + int(tooth)
    return (q + 4) * 10 + "ABCDE".index(tooth) + 1
