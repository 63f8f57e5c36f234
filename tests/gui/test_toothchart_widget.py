"""The tooth chart widget: clicks, keys, modes and signals; what it shows and says; its
pictures in every state; the paint benchmark."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import pytest
from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QAccessible, QColor, QHelpEvent, QImage, QMouseEvent
from PySide6.QtWidgets import QApplication, QToolTip, QVBoxLayout, QWidget

from dcms_desktop.domain.enums import ToothSurface
from dcms_desktop.domain.teeth import ALL_TEETH, PERMANENT_TEETH, to_universal
from dcms_desktop.services.bench_toothchart_launcher import measure_toothchart_paint
from dcms_desktop.widgets.toothchart import palette
from dcms_desktop.widgets.toothchart.bench import measure_paint
from dcms_desktop.widgets.toothchart.geometry import Point, Rect, polygon_centre
from dcms_desktop.widgets.toothchart.legend import ToothChartLegend, legend_entries
from dcms_desktop.widgets.toothchart.painting import tooth_shapes
from dcms_desktop.widgets.toothchart.state import (
    ChartState,
    Notation,
    SelectionMode,
    TreatmentKind,
)
from dcms_desktop.widgets.toothchart.widget import ToothChartWidget

LEFT = Qt.MouseButton.LeftButton
SHIFT = Qt.KeyboardModifier.ShiftModifier
CTRL = Qt.KeyboardModifier.ControlModifier
NONE = Qt.KeyboardModifier.NoModifier
SIZES = [(1000, 420), (620, 280)]


class Recorder:
    """Every emission of the chart's three signals, in order."""

    def __init__(self, chart: ToothChartWidget) -> None:
        self.selections: list[tuple[int, ...]] = []
        self.activated: list[int] = []
        self.surfaces: list[tuple[int, str]] = []
        chart.selection_changed.connect(self.selections.append)
        chart.tooth_activated.connect(self.activated.append)
        chart.surface_toggled.connect(lambda fdi, s: self.surfaces.append((fdi, s)))

    def clear(self) -> None:
        self.selections.clear()
        self.activated.clear()
        self.surfaces.clear()


@pytest.fixture
def chart(qtbot) -> Iterator[ToothChartWidget]:
    widget = ToothChartWidget()
    qtbot.addWidget(widget)
    widget.resize(*SIZES[0])
    widget.show()
    qtbot.waitExposed(widget)
    yield widget


@pytest.fixture
def signals(chart: ToothChartWidget) -> Recorder:
    return Recorder(chart)


def centre_of(chart: ToothChartWidget, fdi: int) -> QPoint:
    x, y = chart.chart_layout().tooth(fdi).centre
    return QPoint(round(x), round(y))


def surface_point(chart: ToothChartWidget, fdi: int, surface: ToothSurface) -> QPoint:
    x, y = polygon_centre(chart.chart_layout().tooth(fdi).surfaces[surface])
    return QPoint(round(x), round(y))


def click(qtbot, chart: ToothChartWidget, point: QPoint, modifiers=NONE) -> None:
    qtbot.mouseClick(chart, LEFT, modifiers, point)


def key(qtbot, chart: ToothChartWidget, name: Qt.Key, modifiers=NONE) -> None:
    qtbot.keyClick(chart, name, modifiers)


def mouse(chart: QWidget, kind: QEvent.Type, at: QPoint, buttons, modifiers=NONE) -> None:
    point = QPointF(at)
    event = QMouseEvent(kind, point, QPointF(chart.mapToGlobal(at)), LEFT, buttons, modifiers)
    QApplication.sendEvent(chart, event)


def drag(chart: ToothChartWidget, start: QPoint, end: QPoint, modifiers=NONE) -> None:
    mouse(chart, QEvent.Type.MouseButtonPress, start, LEFT, modifiers)
    middle = (start + end) / 2
    mouse(chart, QEvent.Type.MouseMove, middle, LEFT, modifiers)
    mouse(chart, QEvent.Type.MouseMove, end, LEFT, modifiers)
    mouse(chart, QEvent.Type.MouseButtonRelease, end, Qt.MouseButton.NoButton, modifiers)


# -- hit-testing through the widget ---------------------------------------------------------
@pytest.mark.parametrize("size", SIZES)
def test_clicking_the_centre_of_every_tooth_selects_exactly_that_tooth(qtbot, chart, size):
    chart.resize(*size)
    chart.set_show_primary(True)
    chart.set_selection_mode(SelectionMode.SINGLE)
    recorder = Recorder(chart)
    for fdi in chart.shown_teeth():
        click(qtbot, chart, centre_of(chart, fdi))
        assert chart.selection() == (fdi,)
    assert recorder.selections == [(fdi,) for fdi in chart.shown_teeth()]
    assert recorder.surfaces == []


@pytest.mark.parametrize("size", SIZES)
def test_clicking_the_centre_of_every_surface_toggles_exactly_that_surface(qtbot, chart, size):
    chart.resize(*size)
    chart.set_show_primary(True)
    recorder = Recorder(chart)
    expected = []
    for fdi in chart.shown_teeth():
        for surface in ToothSurface:
            click(qtbot, chart, surface_point(chart, fdi, surface))
            expected.append((fdi, surface.value))
    assert recorder.surfaces == expected
    assert all(chart.state().surfaces_of(fdi) == set(ToothSurface) for fdi in ALL_TEETH)
    assert recorder.selections == []  # a surface click does not select its tooth


# -- the mouse ------------------------------------------------------------------------------
def test_a_click_toggles_a_tooth_and_signals_once_per_change(qtbot, chart, signals):
    click(qtbot, chart, centre_of(chart, 16))
    click(qtbot, chart, centre_of(chart, 26))
    click(qtbot, chart, centre_of(chart, 16))
    assert chart.selection() == (26,)
    assert signals.selections == [(16,), (16, 26), (26,)]


def test_shift_click_selects_the_range_along_the_arch_skipping_missing_teeth(qtbot, chart, signals):
    chart.set_state(ChartState.build(missing=[12]))
    click(qtbot, chart, centre_of(chart, 14))
    click(qtbot, chart, centre_of(chart, 22), SHIFT)
    assert chart.selection() == (11, 13, 14, 21, 22)
    click(qtbot, chart, centre_of(chart, 27))
    click(qtbot, chart, centre_of(chart, 37), SHIFT)
    assert chart.selection() == (11, 13, 14, 21, 22, 27, 28, 37, 38)
    assert len(signals.selections) == 4


def test_dragging_a_rubber_band_selects_the_teeth_inside_once(qtbot, chart, signals):
    chart.set_state(ChartState.build(missing=[42], disabled=[31]))
    layout = chart.chart_layout()
    start = QPoint(round(layout.tooth(43).cell.x + 2), round(layout.tooth(43).cell.y + 2))
    end = centre_of(chart, 32)
    drag(chart, start, end)
    assert chart.selection() == (32, 41, 43)
    assert signals.selections == [(32, 41, 43)]
    # With Ctrl the band adds to the selection; without it, it replaces it.
    drag(chart, centre_of(chart, 17), centre_of(chart, 16), CTRL)
    assert chart.selection() == (16, 17, 32, 41, 43)
    drag(chart, centre_of(chart, 17), centre_of(chart, 16))
    assert chart.selection() == (16, 17)
    assert len(signals.selections) == 3


def test_a_double_click_activates_the_tooth(qtbot, chart, signals):
    qtbot.mouseDClick(chart, LEFT, NONE, centre_of(chart, 36))
    assert signals.activated == [36]


def test_hovering_shows_the_name_state_surface_and_last_treatments(qtbot, chart):
    chart.set_state(ChartState.build(treated={21: "endodontic"}, planned=[21]))
    chart.set_histories({21: ["2026-03-02 Root canal treatment (front tooth)", "2025-11-20 Exam"]})
    assert chart.tooth_tooltip(21).splitlines() == [
        "21 — upper left central incisor",
        "Treated (endodontic), planned",
        "Last treatments:",
        "  2026-03-02 Root canal treatment (front tooth)",
        "  2025-11-20 Exam",
    ]
    assert chart.tooth_tooltip(11, ToothSurface.LINGUAL).splitlines() == [
        "11 — upper right central incisor",
        "Surface: palatal (L)",
    ]
    at = centre_of(chart, 21)
    QApplication.sendEvent(chart, QHelpEvent(QEvent.Type.ToolTip, at, chart.mapToGlobal(at)))
    qtbot.waitUntil(QToolTip.isVisible)
    assert QToolTip.text().startswith("21 — upper left central incisor")
    chart.set_notation(Notation.UNIVERSAL)
    assert chart.tooth_tooltip(21).splitlines()[0] == "9 — upper left central incisor (FDI 21)"
    QToolTip.hideText()


def test_the_pointer_highlights_the_tooth_and_surface_under_it(qtbot, chart):
    point = surface_point(chart, 36, ToothSurface.MESIAL)
    mouse(chart, QEvent.Type.MouseMove, point, Qt.MouseButton.NoButton)
    hovered = chart._paint_inputs().hovered
    assert hovered is not None and (hovered.tooth, hovered.surface) == (36, ToothSurface.MESIAL)
    QApplication.sendEvent(chart, QEvent(QEvent.Type.Leave))
    assert chart._paint_inputs().hovered is None


# -- the keyboard ---------------------------------------------------------------------------
def test_arrows_move_space_toggles_and_up_down_jump_to_the_opposite_arch(qtbot, chart, signals):
    chart.setFocus()
    assert chart.current_tooth() == 11  # where the cursor starts
    key(qtbot, chart, Qt.Key.Key_Right)
    assert chart.current_tooth() == 21  # across the midline
    key(qtbot, chart, Qt.Key.Key_Down)
    assert chart.current_tooth() == 31
    key(qtbot, chart, Qt.Key.Key_Right)
    key(qtbot, chart, Qt.Key.Key_Space)
    assert chart.selection() == (32,)
    key(qtbot, chart, Qt.Key.Key_Up)
    assert chart.current_tooth() == 22
    key(qtbot, chart, Qt.Key.Key_Home)
    assert chart.current_tooth() == 18
    key(qtbot, chart, Qt.Key.Key_Left)
    assert chart.current_tooth() == 18
    key(qtbot, chart, Qt.Key.Key_End)
    assert chart.current_tooth() == 28
    key(qtbot, chart, Qt.Key.Key_Space)
    key(qtbot, chart, Qt.Key.Key_Space)
    assert signals.selections == [(32,), (28, 32), (32,)]


def test_shift_arrows_extend_the_selection_and_can_take_it_back(qtbot, chart, signals):
    chart.set_current_tooth(13)
    chart.setFocus()
    key(qtbot, chart, Qt.Key.Key_Right, SHIFT)
    key(qtbot, chart, Qt.Key.Key_Right, SHIFT)
    key(qtbot, chart, Qt.Key.Key_Right, SHIFT)
    assert chart.selection() == (11, 12, 13, 21)
    key(qtbot, chart, Qt.Key.Key_Left, SHIFT)
    assert chart.selection() == (11, 12, 13)
    assert signals.selections == [(12, 13), (11, 12, 13), (11, 12, 13, 21), (11, 12, 13)]
    # A plain arrow starts a new range from where the cursor stands.
    key(qtbot, chart, Qt.Key.Key_Down)
    key(qtbot, chart, Qt.Key.Key_Left, SHIFT)
    assert chart.selection() == (11, 12, 13, 41, 42)


def test_enter_activates_and_letters_toggle_surfaces_of_the_cursor_tooth(qtbot, chart, signals):
    chart.set_current_tooth(16)
    chart.setFocus()
    key(qtbot, chart, Qt.Key.Key_Return)
    key(qtbot, chart, Qt.Key.Key_M)
    key(qtbot, chart, Qt.Key.Key_O)
    key(qtbot, chart, Qt.Key.Key_D)
    key(qtbot, chart, Qt.Key.Key_P)  # palatal
    key(qtbot, chart, Qt.Key.Key_M)
    assert signals.activated == [16]
    assert signals.surfaces == [(16, "M"), (16, "O"), (16, "D"), (16, "L"), (16, "M")]
    assert chart.state().surfaces_of(16) == {
        ToothSurface.OCCLUSAL,
        ToothSurface.DISTAL,
        ToothSurface.LINGUAL,
    }


def test_shortcuts_select_all_an_arch_a_quadrant_and_none(qtbot, chart, signals):
    chart.set_state(ChartState.build(missing=[18, 38], disabled=[48]))
    chart.setFocus()
    key(qtbot, chart, Qt.Key.Key_A, CTRL)
    assert set(chart.selection()) == set(PERMANENT_TEETH) - {18, 38, 48}
    key(qtbot, chart, Qt.Key.Key_Up, CTRL)
    assert chart.selection() == tuple(sorted(set(range(11, 18)) | set(range(21, 29))))
    key(qtbot, chart, Qt.Key.Key_4, CTRL)
    assert chart.selection() == (41, 42, 43, 44, 45, 46, 47)
    key(qtbot, chart, Qt.Key.Key_Down, CTRL)
    assert chart.selection() == tuple(sorted(set(range(31, 38)) | set(range(41, 48))))
    key(qtbot, chart, Qt.Key.Key_Escape)
    assert chart.selection() == ()
    key(qtbot, chart, Qt.Key.Key_A, CTRL)
    key(qtbot, chart, Qt.Key.Key_A, CTRL | SHIFT)
    assert chart.selection() == ()
    assert len(signals.selections) == 7


def test_the_bulk_selections_are_methods_too(chart, signals):
    chart.set_show_primary(True)
    chart.select_quadrant(2)
    assert chart.selection() == (21, 22, 23, 24, 25, 26, 27, 28, 61, 62, 63, 64, 65)
    chart.select_arch(upper=False)
    assert len(chart.selection()) == 26
    chart.select_all()
    assert chart.selection() == tuple(sorted(ALL_TEETH))
    chart.select_all()  # no change, no signal
    chart.select_none()
    assert len(signals.selections) == 4
    with pytest.raises(ValueError, match="quadrant 5"):
        chart.select_quadrant(5)


def test_escape_with_nothing_selected_is_left_to_the_dialog(qtbot):
    dialog = QWidget()
    qtbot.addWidget(dialog)
    chart = ToothChartWidget(dialog)
    QVBoxLayout(dialog).addWidget(chart)
    dialog.show()
    chart.setFocus()
    closed: list[bool] = []
    dialog.keyPressEvent = lambda event: closed.append(event.key() == Qt.Key.Key_Escape)
    qtbot.keyClick(chart, Qt.Key.Key_Escape)
    assert closed == [True]


# -- modes, disabled teeth, setters ---------------------------------------------------------
def test_disabled_teeth_cannot_be_selected_in_any_way(qtbot, chart, signals):
    chart.set_state(ChartState.build(disabled=[16, 11]))
    click(qtbot, chart, centre_of(chart, 16))
    click(qtbot, chart, surface_point(chart, 16, ToothSurface.OCCLUSAL))
    chart.set_current_tooth(11)
    chart.setFocus()
    key(qtbot, chart, Qt.Key.Key_Space)
    chart.set_selection([16, 11])
    drag(chart, centre_of(chart, 17), centre_of(chart, 15))
    assert chart.selection() == (15, 17)
    chart.select_all()
    assert 16 not in chart.selection() and 11 not in chart.selection()
    assert signals.surfaces == []
    assert not chart.is_selectable(16)


def test_a_tooth_that_becomes_disabled_leaves_the_selection(chart, signals):
    chart.set_selection([14, 15])
    chart.set_state(ChartState.build(disabled=[15]))
    assert chart.selection() == (14,)
    assert signals.selections == [(14, 15), (14,)]


def test_a_missing_tooth_can_be_clicked_but_has_no_surfaces_to_mark(qtbot, chart, signals):
    chart.set_state(ChartState.build(missing=[46]))
    click(qtbot, chart, centre_of(chart, 46))
    click(qtbot, chart, surface_point(chart, 46, ToothSurface.OCCLUSAL))
    assert chart.selection() == (46,)
    assert signals.surfaces == []


def test_single_mode_keeps_one_tooth(qtbot, chart, signals):
    chart.set_selection([14, 15, 16])
    chart.set_current_tooth(15)
    chart.set_selection_mode(SelectionMode.SINGLE)
    assert chart.selection() == (15,)
    click(qtbot, chart, centre_of(chart, 21))
    click(qtbot, chart, centre_of(chart, 22), SHIFT)  # no ranges in single mode
    assert chart.selection() == (22,)
    chart.select_all()
    drag(chart, centre_of(chart, 17), centre_of(chart, 13))
    assert chart.selection() == (22,)
    assert signals.selections == [(14, 15, 16), (15,), (21,), (22,)]


def test_read_only_shows_the_selection_but_lets_nobody_change_it(qtbot, chart, signals):
    chart.set_selection([36])
    chart.set_selection_mode(SelectionMode.READ_ONLY)
    click(qtbot, chart, centre_of(chart, 16))
    click(qtbot, chart, surface_point(chart, 16, ToothSurface.MESIAL))
    chart.setFocus()
    key(qtbot, chart, Qt.Key.Key_Space)
    key(qtbot, chart, Qt.Key.Key_A, CTRL)
    drag(chart, centre_of(chart, 17), centre_of(chart, 13))
    key(qtbot, chart, Qt.Key.Key_Right)
    key(qtbot, chart, Qt.Key.Key_Return)
    assert chart.selection() == (36,)
    assert signals.selections == [(36,)]
    assert signals.surfaces == []
    assert signals.activated == [15]  # looking at a tooth is still allowed
    iface = QAccessible.queryAccessibleInterface(chart)
    first = iface.child(0).state()
    assert not first.selectable and not first.disabled  # read-only, not disabled


def test_setting_the_same_selection_again_signals_nothing(chart, signals):
    chart.set_selection([11, 21])
    chart.set_selection([21, 11])
    chart.set_selection([21, 11, 99])  # not on the chart: ignored
    assert signals.selections == [(11, 21)]


def test_hiding_the_primary_teeth_drops_them_from_the_selection(chart, signals):
    chart.set_show_primary(True)
    chart.set_selection([55, 16])
    chart.set_current_tooth(55)
    chart.set_show_primary(False)
    assert chart.selection() == (16,)
    assert chart.current_tooth() is None
    assert signals.selections == [(16, 55), (16,)]


# -- notation -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("notation", "labels"),
    [
        (Notation.FDI, {18: "18", 11: "11", 21: "21", 38: "38", 48: "48", 55: "55", 85: "85"}),
        (Notation.UNIVERSAL, {18: "1", 11: "8", 21: "9", 38: "17", 48: "32", 55: "A", 85: "T"}),
        (
            Notation.PALMER,
            {18: "UR8", 11: "UR1", 21: "UL1", 38: "LL8", 48: "LR8", 55: "URE", 85: "LRE"},
        ),
    ],
)
def test_every_tooth_shows_its_number_in_the_chosen_notation(chart, notation, labels):
    chart.set_show_primary(True)
    chart.set_notation(notation)
    for fdi, text in labels.items():
        assert chart.tooth_label(fdi) == text
    shown = chart._paint_inputs().labels
    assert set(shown) == set(ALL_TEETH)
    assert all(shown[fdi] == chart.tooth_label(fdi) for fdi in ALL_TEETH)
    chart.set_selection([21])
    assert chart.selection() == (21,)  # the data stays FDI


def test_universal_numbers_run_round_the_mouth(chart):
    chart.set_notation(Notation.UNIVERSAL)
    upper = [chart.tooth_label(t) for t in chart.chart_layout().rows[0]]
    assert upper == [str(n) for n in range(1, 17)]
    assert [to_universal(t) for t in (38, 31, 41, 48)] == ["17", "24", "25", "32"]


# -- accessibility --------------------------------------------------------------------------
def test_each_tooth_is_exposed_with_its_name_and_state(qtbot, chart):
    chart.set_state(ChartState.build(missing=[18], disabled=[48], treated={16: "restorative"}))
    chart.set_selection([21])
    chart.set_current_tooth(21)
    chart.setFocus()
    qtbot.waitUntil(chart.hasFocus)
    iface = QAccessible.queryAccessibleInterface(chart)
    assert iface.role() == QAccessible.Role.List
    assert iface.text(QAccessible.Text.Name) == "Tooth chart"
    assert iface.state().multiSelectable
    assert iface.childCount() == 32
    teeth = [iface.child(i) for i in range(iface.childCount())]
    names = [t.text(QAccessible.Text.Name) for t in teeth]
    assert names[0] == "Tooth 18 — upper right third molar"
    assert "Tooth 21 — upper left central incisor" in names
    by_name = dict(zip(names, teeth, strict=True))
    incisor = by_name["Tooth 21 — upper left central incisor"]
    assert incisor.role() == QAccessible.Role.ListItem
    assert incisor.state().selected and incisor.state().focused
    assert incisor.text(QAccessible.Text.Description) == "present, selected"
    assert incisor.parent().text(QAccessible.Text.Name) == "Tooth chart"
    assert iface.indexOfChild(incisor) == names.index(incisor.text(QAccessible.Text.Name))
    assert iface.focusChild().text(QAccessible.Text.Name) == incisor.text(QAccessible.Text.Name)
    third_molar = by_name["Tooth 48 — lower right third molar"]
    assert third_molar.state().disabled and not third_molar.state().selectable
    assert (
        by_name["Tooth 18 — upper right third molar"].text(QAccessible.Text.Description)
        == "missing"
    )
    assert (
        by_name["Tooth 16 — upper right first molar"].text(QAccessible.Text.Description)
        == "treated (restorative)"
    )
    centre = chart.mapToGlobal(centre_of(chart, 36))
    found = iface.childAt(centre.x(), centre.y())
    assert found.text(QAccessible.Text.Name) == "Tooth 36 — lower left first molar"
    assert found.rect().contains(centre)
    chart.set_show_primary(True)
    assert iface.childCount() == 52


def test_the_chart_describes_its_selection_for_screen_readers(chart):
    chart.set_selection([11, 21])
    chart.set_current_tooth(21)
    assert chart.accessibleDescription() == (
        "Multiple selection, FDI numbers: 11, 21 selected. "
        "Cursor on 21 — upper left central incisor."
    )


def test_announcements_reach_an_active_accessibility_bridge_without_harm(qtbot, chart):
    QAccessible.setActive(True)
    try:
        chart.setFocus()
        key(qtbot, chart, Qt.Key.Key_Right)
        key(qtbot, chart, Qt.Key.Key_Space)
        assert chart.selection() == (21,)
    finally:
        QAccessible.setActive(False)


# -- what it looks like ---------------------------------------------------------------------
EVERY_STATE = ChartState.build(
    missing=[18, 28, 38, 46, 65],
    treated={
        16: TreatmentKind.RESTORATIVE,
        26: TreatmentKind.PROSTHETIC,
        36: TreatmentKind.ENDODONTIC,
        11: TreatmentKind.COSMETIC,
        47: TreatmentKind.PREVENTIVE,
        17: TreatmentKind.PERIODONTAL,
        27: TreatmentKind.SURGICAL,
        43: TreatmentKind.ORTHODONTIC,
        33: TreatmentKind.OTHER,
        84: TreatmentKind.RESTORATIVE,
    },
    treated_surfaces={14: {"M": "restorative", "O": "restorative"}, 25: {"D": "restorative"}},
    disabled=[48, 31],
    planned=[24, 37, 46],
    marked_surfaces={15: "MOD", 26: "B", 36: "L", 74: "O"},
)


def pixel(image: QImage, x: float, y: float) -> QColor:
    return image.pixelColor(round(x), round(y))


def near(colour: QColor, expected: str, tolerance: int = 24) -> bool:
    want = QColor(expected)
    return all(
        abs(a - b) <= tolerance for a, b in zip(colour.getRgb()[:3], want.getRgb()[:3], strict=True)
    )


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("notation", [Notation.FDI, Notation.UNIVERSAL])
def test_every_state_renders_visibly_different(qtbot, chart, screenshot, size, notation):
    chart.resize(*size)
    chart.set_notation(notation)
    chart.set_state(EVERY_STATE)
    chart.set_selection([21, 22, 15, 36])
    chart.set_current_tooth(23)
    chart.setFocus()
    point = surface_point(chart, 44, ToothSurface.MESIAL)
    mouse(chart, QEvent.Type.MouseMove, point, Qt.MouseButton.NoButton)
    path = screenshot(chart, f"toothchart-{size[0]}x{size[1]}-{notation.value}")
    image = QImage(str(path))
    assert (image.width(), image.height()) == size
    layout = chart.chart_layout()

    def crown(fdi: int) -> QColor:
        return pixel(image, *polygon_centre(layout.tooth(fdi).crown))

    def root_has(fdi: int, colour: str) -> bool:
        """Whether the colour shows across the middle of the root(s)."""
        tooth = layout.tooth(fdi)
        ys = [y for _, y in tooth.root]
        y = (min(ys) + max(ys)) / 2
        xs = range(round(tooth.body.x), round(tooth.body.right))
        return any(near(pixel(image, x, y), colour) for x in xs)

    def surface(fdi: int, which: ToothSurface) -> QColor:
        return pixel(image, *polygon_centre(layout.tooth(fdi).surfaces[which]))

    assert near(crown(13), palette.CROWN)
    for fdi, kind in EVERY_STATE.treated.items():
        style = palette.kind_style(kind)
        if fdi in chart.shown_teeth():
            shown = root_has(fdi, style.colour) if style.on_root else near(crown(fdi), style.colour)
            assert shown, (fdi, kind)
    assert near(crown(41), palette.DISABLED_FILL) is False
    assert near(crown(31), palette.DISABLED_FILL)
    assert near(surface(15, ToothSurface.MESIAL), palette.MARKED_SURFACE)
    assert near(surface(15, ToothSurface.BUCCAL), palette.SURFACE)
    assert near(
        surface(14, ToothSurface.OCCLUSAL), palette.kind_style(TreatmentKind.RESTORATIVE).colour
    )
    tooth = layout.tooth(21)
    backdrop = (tooth.cell.x + tooth.cell.width * 0.12, tooth.body.center[1])
    assert near(pixel(image, *backdrop), palette.SELECTED_FILL)
    hovered = layout.tooth(44)
    assert near(
        pixel(image, hovered.cell.x + hovered.cell.width * 0.12, hovered.body.center[1]),
        palette.HOVER_FILL,
    )
    missing = layout.tooth(28).body.center  # where the cross over a missing tooth meets
    assert near(pixel(image, *missing), palette.MISSING_CROSS, tolerance=60)
    assert not near(pixel(image, *layout.tooth(13).body.center), palette.MISSING_CROSS, 60)


@pytest.mark.parametrize("notation", [Notation.FDI, Notation.PALMER])
def test_the_mixed_dentition_renders(qtbot, chart, screenshot, notation):
    chart.resize(1000, 700)
    chart.set_show_primary(True)
    chart.set_notation(notation)
    chart.set_state(EVERY_STATE)
    chart.set_selection([54, 64, 16])
    path = screenshot(chart, f"toothchart-mixed-1000x700-{notation.value}")
    assert QImage(str(path)).width() == 1000


@pytest.mark.parametrize("width", [900, 420])
def test_the_legend_explains_every_state_and_kind(qtbot, screenshot, width):
    legend = ToothChartLegend()
    qtbot.addWidget(legend)
    legend.ensurePolished()  # the style sheet's font decides the sizes
    legend.resize(width, legend.heightForWidth(width))
    texts = [entry.text for entry in legend.entries()]
    for state in ("Present", "Selected", "Under the pointer", "Missing", "Not selectable"):
        assert state in texts
    assert "Planned (booked, not done)" in texts
    assert "Treated: root canal" in texts and len(texts) == 7 + len(TreatmentKind)
    assert legend.heightForWidth(420) > legend.heightForWidth(900)
    screenshot(legend, f"toothchart-legend-{width}")
    legend.set_kinds([TreatmentKind.ENDODONTIC])
    assert [e.text for e in legend.entries()][-1] == "Treated: root canal"
    assert len(legend.entries()) == 8
    assert "Missing" in legend.accessibleDescription()
    assert len(legend_entries([])) == 7


@pytest.mark.parametrize("size", SIZES)
def test_each_tooth_is_drawn_exactly_where_it_is_hit(chart, size):
    chart.resize(*size)
    chart.set_show_primary(True)
    layout = chart.chart_layout()
    scale = layout.scale
    for tooth in layout.teeth:
        drawn = tooth_shapes(tooth.fdi).geometry  # unit coordinates, moved and scaled

        def placed(points: Sequence[Point], origin: Rect = tooth.cell) -> list[float]:
            return [v for x, y in points for v in (origin.x + x * scale, origin.y + y * scale)]

        def flat(points: Sequence[Point]) -> list[float]:
            return [v for point in points for v in point]

        assert placed(drawn.crown) == pytest.approx(flat(tooth.crown))
        assert placed(drawn.root) == pytest.approx(flat(tooth.root))
        for surface, polygon in tooth.surfaces.items():
            assert placed(drawn.surfaces[surface]) == pytest.approx(flat(polygon))


def test_the_chart_scales_its_numbers_with_its_size(chart):
    chart.resize(1000, 420)
    large = chart.chart_layout().label_px
    chart.resize(500, 210)
    assert chart.chart_layout().label_px == pytest.approx(large / 2)
    assert chart.minimumSizeHint().width() < chart.sizeHint().width()


# -- the paint benchmark --------------------------------------------------------------------
def test_a_full_paint_is_timed_in_process(qtbot):
    timing = measure_paint(3, width=600, height=300, warmup=1)
    assert len(timing.samples_ms) == 3
    assert all(sample > 0 for sample in timing.samples_ms)
    assert timing.percentile(0.95) == max(timing.samples_ms)


def test_dcms_bench_gets_the_paint_figure_from_a_subprocess():
    result = measure_toothchart_paint(runs=5)
    assert result.name == "toothchart_paint"
    assert result.runs == 5
    assert 0 < result.p50_ms <= result.p95_ms
    assert result.target_p95_ms == 8.0
