"""The tooth chart's layout, hit-testing, moves and ranges, and its state, without a screen."""

from __future__ import annotations

import subprocess
import sys

import pytest

from dcms_desktop.domain.enums import ToothSurface
from dcms_desktop.domain.teeth import ALL_TEETH, PERMANENT_TEETH, PRIMARY_TEETH
from dcms_desktop.widgets.toothchart.geometry import (
    LOWER_PERMANENT,
    UPPER_PERMANENT,
    UPPER_PRIMARY,
    Hit,
    Rect,
    arch_teeth,
    column_of,
    layout_chart,
    layout_single_tooth,
    polygon_centre,
    quadrant_teeth,
    range_along_arch,
    rows_shown,
    step_across_rows,
    step_along_row,
    surface_name,
)
from dcms_desktop.widgets.toothchart.state import (
    ChartState,
    TreatmentKind,
    surfaces_text,
)

MES, DIS, OCC, BUC, LIN = (
    ToothSurface.MESIAL,
    ToothSurface.DISTAL,
    ToothSurface.OCCLUSAL,
    ToothSurface.BUCCAL,
    ToothSurface.LINGUAL,
)
SIZES = [(1000, 420), (560, 300)]


def layouts() -> list[tuple[int, int, bool]]:
    return [(w, h, primary) for w, h in SIZES for primary in (False, True)]


# -- hit-testing ----------------------------------------------------------------------------
@pytest.mark.parametrize(("width", "height", "primary"), layouts())
def test_the_centre_of_every_tooth_hits_exactly_that_tooth_and_no_surface(
    width: int, height: int, primary: bool
) -> None:
    layout = layout_chart(width, height, show_primary=primary)
    for tooth in layout.teeth:
        assert layout.hit_test(*tooth.centre) == Hit(tooth.fdi), tooth.fdi
        others = [t.fdi for t in layout.teeth if t.cell.contains(*tooth.centre)]
        assert others == [tooth.fdi]


@pytest.mark.parametrize(("width", "height", "primary"), layouts())
def test_the_centre_of_every_surface_hits_exactly_that_surface_of_that_tooth(
    width: int, height: int, primary: bool
) -> None:
    layout = layout_chart(width, height, show_primary=primary)
    for tooth in layout.teeth:
        assert set(tooth.surfaces) == {MES, DIS, OCC, BUC, LIN}
        for surface, polygon in tooth.surfaces.items():
            point = polygon_centre(polygon)
            assert layout.hit_test(*point) == Hit(tooth.fdi, surface), (tooth.fdi, surface)


def test_points_between_teeth_and_outside_the_chart_hit_nothing() -> None:
    layout = layout_chart(1000, 420)
    eleven, twenty_one = layout.tooth(11), layout.tooth(21)
    midline_gap_x = (eleven.cell.right + twenty_one.cell.x) / 2
    assert layout.hit_test(midline_gap_x, eleven.centre[1]) is None
    between_arches_y = (eleven.cell.bottom + layout.tooth(41).cell.y) / 2
    assert layout.hit_test(eleven.centre[0], between_arches_y) is None
    assert layout.hit_test(-5, -5) is None
    assert layout.hit_test(2000, 200) is None


def test_a_chart_with_no_room_hits_nothing() -> None:
    layout = layout_chart(0, 0)
    assert layout.scale == 0
    assert layout.hit_test(0, 0) is None


def test_the_rubber_band_collects_the_teeth_it_touches() -> None:
    layout = layout_chart(1000, 420)
    a, b = layout.tooth(13), layout.tooth(22)
    band = Rect.spanning(a.centre, b.centre)
    assert set(layout.teeth_in(band)) == {13, 12, 11, 21, 22}
    assert layout.teeth_in(Rect(0, 0, 1, 1)) == ()


# -- the anatomical layout ------------------------------------------------------------------
def test_every_permanent_tooth_is_on_the_chart_and_the_primary_ones_only_when_shown() -> None:
    assert sorted(layout_chart(800, 400).shown) == sorted(PERMANENT_TEETH)
    assert sorted(layout_chart(800, 400, show_primary=True).shown) == sorted(ALL_TEETH)
    assert set(PRIMARY_TEETH).isdisjoint(layout_chart(800, 400).shown)


def test_the_patients_right_is_on_the_viewers_left_upper_arch_on_top() -> None:
    layout = layout_chart(1000, 420)
    upper_xs = [layout.tooth(t).cell.x for t in UPPER_PERMANENT]
    lower_xs = [layout.tooth(t).cell.x for t in LOWER_PERMANENT]
    assert UPPER_PERMANENT[:2] == (18, 17) and UPPER_PERMANENT[-1] == 28
    assert LOWER_PERMANENT[0] == 48 and LOWER_PERMANENT[-1] == 38
    assert upper_xs == sorted(upper_xs)
    assert lower_xs == sorted(lower_xs)
    assert upper_xs == lower_xs  # 18 above 48, 11 above 41, 21 above 31
    assert layout.tooth(18).cell.bottom < layout.tooth(48).cell.y


def test_the_midline_runs_between_the_central_incisors_and_the_arch_line_between_arches() -> None:
    layout = layout_chart(1000, 420)
    (mid_x, top), (mid_x2, bottom) = layout.midline
    assert mid_x == mid_x2
    assert layout.tooth(11).cell.right < mid_x < layout.tooth(21).cell.x
    assert layout.tooth(41).cell.right < mid_x < layout.tooth(31).cell.x
    (_, arch_y), _ = layout.arch_line
    assert layout.tooth(11).cell.bottom < arch_y < layout.tooth(41).cell.y
    assert top < layout.tooth(11).cell.y and bottom > layout.tooth(41).cell.bottom


def test_primary_teeth_sit_under_the_permanent_teeth_that_replace_them() -> None:
    layout = layout_chart(1000, 700, show_primary=True)
    assert rows_shown(True)[1] == UPPER_PRIMARY
    for primary, permanent in ((55, 15), (51, 11), (61, 21), (65, 25), (85, 45), (75, 35)):
        assert column_of(primary) == column_of(permanent)
        assert layout.tooth(primary).cell.x == layout.tooth(permanent).cell.x
    # Rows from the top: upper permanent, upper primary, lower primary, lower permanent.
    ys = [layout.tooth(t).cell.y for t in (11, 51, 81, 41)]
    assert ys == sorted(ys)


def test_roots_point_away_from_the_biting_plane_and_numbers_sit_outside() -> None:
    layout = layout_chart(1000, 420)
    upper, lower = layout.tooth(16), layout.tooth(46)
    assert upper.label.bottom <= upper.body.y and upper.body.bottom <= upper.diagram.y
    assert lower.diagram.bottom <= lower.body.y and lower.body.bottom <= lower.label.y
    upper_root_top = min(y for _, y in upper.root)
    upper_crown_top = min(y for _, y in upper.crown)
    assert upper_root_top < upper_crown_top  # the upper root points up
    lower_root_bottom = max(y for _, y in lower.root)
    assert lower_root_bottom > max(y for _, y in lower.crown)  # the lower root points down


@pytest.mark.parametrize("fdi", [11, 14, 18, 41, 44, 48, 51, 55, 81, 85])
def test_mesial_faces_the_midline_on_the_patients_right(fdi: int) -> None:
    tooth = layout_chart(1000, 700, show_primary=True).tooth(fdi)
    mesial_x = polygon_centre(tooth.surfaces[MES])[0]
    distal_x = polygon_centre(tooth.surfaces[DIS])[0]
    assert distal_x < mesial_x  # the patient's right: the midline is to the viewer's right


@pytest.mark.parametrize("fdi", [21, 24, 28, 31, 34, 38, 61, 65, 71, 75])
def test_mesial_and_distal_swap_sides_at_the_midline(fdi: int) -> None:
    tooth = layout_chart(1000, 700, show_primary=True).tooth(fdi)
    assert polygon_centre(tooth.surfaces[MES])[0] < polygon_centre(tooth.surfaces[DIS])[0]


def test_buccal_faces_out_of_the_arch_and_occlusal_is_in_the_middle() -> None:
    layout = layout_chart(1000, 420)
    for fdi, buccal_on_top in ((16, True), (21, True), (36, False), (41, False)):
        tooth = layout.tooth(fdi)
        buccal_y = polygon_centre(tooth.surfaces[BUC])[1]
        lingual_y = polygon_centre(tooth.surfaces[LIN])[1]
        assert (buccal_y < lingual_y) is buccal_on_top
        assert polygon_centre(tooth.surfaces[OCC]) == pytest.approx(tooth.diagram.center)


def test_surfaces_are_named_as_on_that_tooth() -> None:
    assert surface_name(11, OCC) == "incisal"
    assert surface_name(13, BUC) == "labial"
    assert surface_name(16, OCC) == "occlusal"
    assert surface_name(16, BUC) == "buccal"
    assert surface_name(16, LIN) == "palatal"
    assert surface_name(36, LIN) == "lingual"
    assert surface_name(36, MES) == "mesial"
    assert surface_name(36, DIS) == "distal"


# -- scaling --------------------------------------------------------------------------------
def test_the_layout_scales_with_the_widget_and_keeps_its_proportions() -> None:
    small = layout_chart(500, 210)
    large = layout_chart(1000, 420)
    assert large.scale == pytest.approx(2 * small.scale)
    assert large.label_px == pytest.approx(2 * small.label_px)
    assert large.line_width == pytest.approx(2 * small.line_width)
    for fdi in (18, 11, 21, 48, 36):
        a, b = small.tooth(fdi), large.tooth(fdi)
        assert b.cell.width == pytest.approx(2 * a.cell.width)
        assert b.body.height == pytest.approx(2 * a.body.height)


@pytest.mark.parametrize(("width", "height"), [(1000, 200), (400, 900), (1600, 1000)])
def test_the_chart_fits_and_is_centred_in_any_shape_of_widget(width: int, height: int) -> None:
    layout = layout_chart(width, height)
    frame = layout.frame
    assert frame.x >= -1e-9 and frame.y >= -1e-9
    assert frame.right <= width + 1e-9 and frame.bottom <= height + 1e-9
    assert frame.center == pytest.approx((width / 2, height / 2))
    for tooth in layout.teeth:
        assert frame.x <= tooth.cell.x and tooth.cell.right <= frame.right
        assert frame.y <= tooth.cell.y and tooth.cell.bottom <= frame.bottom


def test_a_single_tooth_laid_out_in_a_box_has_the_charts_proportions() -> None:
    on_chart = layout_chart(1000, 420).tooth(16)
    alone = layout_single_tooth(16, Rect(10, 20, on_chart.cell.width, on_chart.cell.height))
    assert alone.cell.x == pytest.approx(10) and alone.cell.y == pytest.approx(20)
    dx, dy = on_chart.cell.x - 10, on_chart.cell.y - 20
    assert alone.body.x == pytest.approx(on_chart.body.x - dx)
    assert alone.diagram.y == pytest.approx(on_chart.diagram.y - dy)


# -- moving and ranges ----------------------------------------------------------------------
def test_moving_along_a_row_goes_across_the_midline_and_stops_at_the_ends() -> None:
    rows = rows_shown(False)
    assert step_along_row(rows, 11, 1) == 21
    assert step_along_row(rows, 21, -1) == 11
    assert step_along_row(rows, 12, 1) == 11
    assert step_along_row(rows, 18, -1) == 18
    assert step_along_row(rows, 38, 1) == 38
    assert step_along_row(rows, 41, 1) == 31


def test_moving_up_or_down_jumps_to_the_opposite_arch_or_through_the_primary_rows() -> None:
    permanent = rows_shown(False)
    assert step_across_rows(permanent, 16, 1) == 46
    assert step_across_rows(permanent, 46, -1) == 16
    assert step_across_rows(permanent, 16, -1) == 16
    assert step_across_rows(permanent, 36, 1) == 36
    mixed = rows_shown(True)
    assert step_across_rows(mixed, 15, 1) == 55
    assert step_across_rows(mixed, 55, 1) == 85
    assert step_across_rows(mixed, 85, 1) == 45
    assert step_across_rows(mixed, 18, 1) == 55  # no primary tooth under 18: the nearest
    assert step_across_rows(mixed, 28, 1) == 65


def test_a_range_follows_the_arch_round_the_mouth() -> None:
    assert range_along_arch(13, 22) == (13, 12, 11, 21, 22)
    assert range_along_arch(22, 13) == (13, 12, 11, 21, 22)
    assert range_along_arch(27, 37) == (27, 28, 38, 37)
    assert range_along_arch(44, 46) == (44, 45, 46)
    assert range_along_arch(53, 63) == (53, 52, 51, 61, 62, 63)
    assert range_along_arch(16, 16) == (16,)
    assert range_along_arch(16, 55) == (16, 55)  # permanent to primary: just the two


def test_quadrants_and_arches_include_the_primary_teeth_shown() -> None:
    shown = layout_chart(800, 600, show_primary=True).shown
    assert set(quadrant_teeth(1, shown)) == {11, 12, 13, 14, 15, 16, 17, 18, 51, 52, 53, 54, 55}
    assert set(quadrant_teeth(3, layout_chart(800, 400).shown)) == set(range(31, 39))
    assert len(arch_teeth(True, shown)) == 26
    assert all(t // 10 in (3, 4, 7, 8) for t in arch_teeth(False, shown))


# -- the state ------------------------------------------------------------------------------
def test_chart_state_is_built_from_loose_values() -> None:
    state = ChartState.build(
        missing=[18, 28],
        treated={16: "restorative", 36: TreatmentKind.ENDODONTIC},
        treated_surfaces={14: {"M": "restorative", "O": "restorative"}, 15: {}},
        disabled=[48],
        planned=[24],
        marked_surfaces={26: "MO", 27: ""},
    )
    assert state.missing == frozenset({18, 28})
    assert state.treated == {16: TreatmentKind.RESTORATIVE, 36: TreatmentKind.ENDODONTIC}
    assert state.treated_surfaces == {
        14: {MES: TreatmentKind.RESTORATIVE, OCC: TreatmentKind.RESTORATIVE}
    }
    assert state.marked_surfaces == {26: frozenset({MES, OCC})}
    assert not state.selectable(48) and state.selectable(18)


def test_toggling_a_surface_marks_it_then_unmarks_it_without_touching_the_original() -> None:
    state = ChartState()
    marked = state.with_surface_toggled(16, MES)
    assert marked.surfaces_of(16) == {MES}
    assert state.surfaces_of(16) == frozenset()
    both = marked.with_surface_toggled(16, OCC)
    assert surfaces_text(both.surfaces_of(16)) == "MO"
    assert both.with_surface_toggled(16, MES).with_surface_toggled(16, OCC).marked_surfaces == {}


def test_surfaces_are_written_as_dentists_write_them() -> None:
    assert surfaces_text({DIS, MES, OCC}) == "MOD"
    assert surfaces_text({LIN, BUC, OCC, DIS, MES}) == "MODBL"


def test_a_tooths_state_is_described_in_words() -> None:
    state = ChartState.build(
        missing=[46],
        treated={36: "endodontic"},
        planned=[46],
        disabled=[48],
        treated_surfaces={14: {"O": "restorative", "M": "restorative"}},
        marked_surfaces={15: "DO"},
    )
    assert state.describe(11) == "present"
    assert state.describe(46) == "missing, planned"
    assert state.describe(36) == "treated (endodontic)"
    assert state.describe(48) == "not selectable"
    assert state.describe(14) == "treated surfaces M restorative, O restorative"
    assert state.describe(15) == "surfaces marked OD"


@pytest.mark.parametrize(
    ("category", "kind"),
    [
        ("Restorative", TreatmentKind.RESTORATIVE),
        ("Endodontics", TreatmentKind.ENDODONTIC),
        ("Prosthodontics", TreatmentKind.PROSTHETIC),
        ("Oral Surgery", TreatmentKind.SURGICAL),
        (" preventive ", TreatmentKind.PREVENTIVE),
        ("Diagnostics", TreatmentKind.OTHER),
        (None, TreatmentKind.OTHER),
    ],
)
def test_catalogue_categories_map_to_treatment_kinds(
    category: str | None, kind: TreatmentKind
) -> None:
    assert TreatmentKind.from_category(category) is kind


def test_the_geometry_and_the_state_load_without_qt() -> None:
    code = (
        "import sys, dcms_desktop.widgets.toothchart.geometry, "
        "dcms_desktop.widgets.toothchart.state; "
        "sys.exit(any(name.startswith('PySide6') for name in sys.modules))"
    )
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0
