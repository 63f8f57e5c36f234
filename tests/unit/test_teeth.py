"""FDI teeth: validity, names, and the Universal and Palmer notations for all 52 teeth."""

from __future__ import annotations

import pytest

from dcms_desktop.domain.errors import ValidationError
from dcms_desktop.domain.teeth import (
    ALL_TEETH,
    PERMANENT_TEETH,
    PRIMARY_TEETH,
    arch,
    from_palmer,
    from_universal,
    is_primary,
    is_valid_fdi,
    parse_fdi,
    parse_teeth_text,
    position,
    quadrant,
    side,
    to_palmer,
    to_palmer_symbol,
    to_universal,
    tooth_name,
    validate_teeth,
)

EXPECTED_PERMANENT = [*range(11, 19), *range(21, 29), *range(31, 39), *range(41, 49)]
EXPECTED_PRIMARY = [*range(51, 56), *range(61, 66), *range(71, 76), *range(81, 86)]
NOT_TEETH = [0, 1, 9, 10, 19, 20, 29, 30, 39, 40, 49, 50, 56, 59, 60, 66, 76, 86, 88, 89, 90, 99,
             100, 111, -11]  # fmt: skip


def test_the_dentitions_are_the_32_permanent_and_20_primary_teeth_of_iso_3950() -> None:
    assert list(PERMANENT_TEETH) == EXPECTED_PERMANENT
    assert list(PRIMARY_TEETH) == EXPECTED_PRIMARY
    assert ALL_TEETH == PERMANENT_TEETH + PRIMARY_TEETH
    assert len(set(ALL_TEETH)) == 52


@pytest.mark.parametrize("fdi", ALL_TEETH)
def test_every_tooth_is_valid_as_int_and_as_text(fdi: int) -> None:
    assert parse_fdi(fdi) == fdi
    assert parse_fdi(str(fdi)) == fdi
    assert parse_fdi(f" {fdi} ") == fdi
    assert is_valid_fdi(fdi) and is_valid_fdi(str(fdi))


def test_every_other_two_digit_number_is_refused() -> None:
    for number in range(-5, 200):
        assert is_valid_fdi(number) == (number in ALL_TEETH)


# Also digits of other scripts: Devanagari 21 and full-width 21.
BAD_TEXT = ["19", "49", "56", "90", "1a", "a1", "021", "2 1", "", "\u0968\u0967", "\uff12\uff11"]
FDI_RANGES = (
    "11\u201318, 21\u201328, 31\u201338, 41\u201348 or "
    "51\u201355, 61\u201365, 71\u201375, 81\u201385"
)


@pytest.mark.parametrize("value", [*NOT_TEETH, *BAD_TEXT, True, False, 21.0, None, [21]])
def test_anything_but_an_fdi_tooth_is_refused_with_the_valid_ranges_named(value: object) -> None:
    assert not is_valid_fdi(value)
    with pytest.raises(ValidationError) as caught:
        parse_fdi(value)  # type: ignore[arg-type]
    assert caught.value.field == "teeth"
    assert "is not a tooth number (FDI)" in caught.value.message
    assert f"use {FDI_RANGES}" in caught.value.message


def test_refusal_message_quotes_text_and_not_numbers() -> None:
    with pytest.raises(ValidationError) as number:
        parse_fdi(19)
    with pytest.raises(ValidationError) as text:
        parse_fdi("1a")
    assert number.value.message == f"19 is not a tooth number (FDI): use {FDI_RANGES}"
    assert text.value.message.startswith('"1a" is not a tooth number (FDI)')


def test_validate_teeth_sorts_removes_repeats_and_reads_text() -> None:
    assert validate_teeth([36, "11", 21, 11, 85]) == (11, 21, 36, 85)
    assert validate_teeth([]) == ()
    assert validate_teeth(iter([48])) == (48,)


def test_validate_teeth_refuses_the_whole_list_for_one_bad_tooth() -> None:
    with pytest.raises(ValidationError, match=r"^19 is not a tooth number") as caught:
        validate_teeth([11, 19, 21])
    assert caught.value.field == "teeth"


def test_validate_teeth_refuses_a_bare_string_instead_of_reading_its_characters() -> None:
    with pytest.raises(TypeError):
        validate_teeth("11")


def test_typed_lists_of_teeth_are_read_with_commas_semicolons_or_spaces() -> None:
    assert parse_teeth_text(" 21, 11;36  46 ") == (11, 21, 36, 46)
    assert parse_teeth_text("") == ()
    with pytest.raises(ValidationError):
        parse_teeth_text("11, 1a")


@pytest.mark.parametrize(
    ("fdi", "name"),
    [
        (11, "upper right central incisor"),
        (21, "upper left central incisor"),
        (12, "upper right lateral incisor"),
        (13, "upper right canine"),
        (24, "upper left first premolar"),
        (25, "upper left second premolar"),
        (36, "lower left first molar"),
        (37, "lower left second molar"),
        (46, "lower right first molar"),
        (48, "lower right third molar"),
        (51, "upper right primary central incisor"),
        (53, "upper right primary canine"),
        (62, "upper left primary lateral incisor"),
        (74, "lower left primary first molar"),
        (85, "lower right primary second molar"),
    ],
)
def test_teeth_are_named_from_the_patients_point_of_view(fdi: int, name: str) -> None:
    assert tooth_name(fdi) == name


def test_every_tooth_has_its_own_name() -> None:
    names = [tooth_name(fdi) for fdi in ALL_TEETH]
    assert len(set(names)) == 52
    assert all(
        ("primary" in name) == is_primary(fdi) for fdi, name in zip(ALL_TEETH, names, strict=True)
    )


@pytest.mark.parametrize("fdi", ALL_TEETH)
def test_quadrant_arch_side_and_dentition_follow_the_first_digit(fdi: int) -> None:
    q = fdi // 10
    assert quadrant(fdi) == q
    assert position(fdi) == fdi % 10
    assert is_primary(fdi) == (q >= 5)
    assert arch(fdi) == ("upper" if q in (1, 2, 5, 6) else "lower")
    assert side(fdi) == ("right" if q in (1, 4, 5, 8) else "left")
    assert tooth_name(fdi).startswith(f"{arch(fdi)} {side(fdi)} ")


def test_tooth_helpers_refuse_non_teeth() -> None:
    for helper in (quadrant, is_primary, arch, side, tooth_name, to_universal, to_palmer):
        with pytest.raises(ValidationError):
            helper(19)


# -- Universal ---------------------------------------------------------------------------
UNIVERSAL_LANDMARKS = {
    18: "1", 17: "2", 16: "3", 11: "8", 21: "9", 26: "14", 28: "16",
    38: "17", 36: "19", 31: "24", 41: "25", 46: "30", 48: "32",
    55: "A", 51: "E", 61: "F", 65: "J", 75: "K", 71: "O", 81: "P", 85: "T",
}  # fmt: skip


@pytest.mark.parametrize(("fdi", "code"), UNIVERSAL_LANDMARKS.items())
def test_universal_codes_of_landmark_teeth(fdi: int, code: str) -> None:
    assert to_universal(fdi) == code
    assert from_universal(code) == fdi


@pytest.mark.parametrize("fdi", ALL_TEETH)
def test_universal_round_trip(fdi: int) -> None:
    code = to_universal(fdi)
    assert from_universal(code) == fdi
    assert from_universal(code.lower()) == fdi
    if code.isdigit():
        assert from_universal(int(code)) == fdi


def test_universal_numbers_permanent_teeth_1_to_32_and_primary_a_to_t() -> None:
    assert sorted(to_universal(fdi) for fdi in PERMANENT_TEETH) == sorted(
        str(n) for n in range(1, 33)
    )
    assert sorted(to_universal(fdi) for fdi in PRIMARY_TEETH) == list("ABCDEFGHIJKLMNOPQRST")


def test_universal_runs_round_the_upper_arch_then_back_round_the_lower() -> None:
    by_code = sorted(PERMANENT_TEETH, key=lambda fdi: int(to_universal(fdi)))
    assert by_code == [*range(18, 10, -1), *range(21, 29), *range(38, 30, -1), *range(41, 49)]


@pytest.mark.parametrize(
    "code", [0, 33, "0", "33", "01", "U", "Z", "AA", "", "1a", True, 1.0, None]
)
def test_anything_but_a_universal_code_is_refused(code: object) -> None:
    expected = r"not a tooth number \(Universal\): use 1\u201332 or A\u2013T$"
    with pytest.raises(ValidationError, match=expected):
        from_universal(code)  # type: ignore[arg-type]


# -- Palmer ------------------------------------------------------------------------------
PALMER_LANDMARKS = {
    11: "UR1", 18: "UR8", 21: "UL1", 28: "UL8", 33: "LL3", 38: "LL8", 45: "LR5", 41: "LR1",
    51: "URA", 55: "URE", 63: "ULC", 75: "LLE", 82: "LRB",
}  # fmt: skip


@pytest.mark.parametrize(("fdi", "code"), PALMER_LANDMARKS.items())
def test_palmer_codes_of_landmark_teeth(fdi: int, code: str) -> None:
    assert to_palmer(fdi) == code
    assert from_palmer(code) == fdi


@pytest.mark.parametrize("fdi", ALL_TEETH)
def test_palmer_round_trip(fdi: int) -> None:
    code = to_palmer(fdi)
    assert from_palmer(code) == fdi
    assert from_palmer(f" {code.lower()} ") == fdi


def test_palmer_codes_are_all_different() -> None:
    assert len({to_palmer(fdi) for fdi in ALL_TEETH}) == 52


@pytest.mark.parametrize(
    ("fdi", "symbol"), [(11, "1┘"), (23, "└3"), (46, "6┐"), (38, "┌8"), (55, "E┘"), (71, "┌A")]
)
def test_palmer_grid_symbol_puts_the_corner_towards_the_midline_and_the_bite(
    fdi: int, symbol: str
) -> None:
    assert to_palmer_symbol(fdi) == symbol


@pytest.mark.parametrize("code", ["UR9", "UR0", "URF", "UX1", "1UR", "", "UR", "R1", 11, None])
def test_anything_but_a_palmer_code_is_refused(code: object) -> None:
    with pytest.raises(ValidationError, match=r"not a tooth number \(Palmer\)") as caught:
        from_palmer(code)  # type: ignore[arg-type]
    assert caught.value.field == "teeth"
