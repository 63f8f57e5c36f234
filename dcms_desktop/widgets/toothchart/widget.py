"""The interactive FDI tooth chart: teeth in, the dentist's picks out.

:class:`ToothChartWidget` knows nothing of patients or databases. The screen gives it the
teeth's state (:meth:`~ToothChartWidget.set_state`), the per-tooth history shown in its
tooltips and the display choices; the chart says what the user did through three signals:

- ``selection_changed(tuple[int, ...])``: the selected teeth (FDI, ascending), once per
  change, whether the change came from the mouse, the keyboard or a setter;
- ``tooth_activated(int)``: Enter or a double click on a tooth;
- ``surface_toggled(int, str)``: a surface ("M", "O", "D", "B", "L") was marked or
  unmarked; the widget's state already shows the change.

Mouse: a click toggles a tooth; shift-click selects the range round the arch from the
last tooth clicked; dragging draws a rubber band (with Ctrl or Shift it adds to the
selection); a click on one of the five surfaces toggles that surface; hovering shows the
tooth's name, state and last treatments.

Keyboard: arrows move (up/down to the opposite arch, or through the primary rows), Home
and End go to the ends of the row, shift+arrows extend the selection, Space toggles,
Enter activates; M, O (or I), D, B (or F) and L (or P) toggle a surface; Ctrl+A selects
all, Ctrl+Shift+A or Esc none, Ctrl+Up / Ctrl+Down an arch, Ctrl+1…4 a quadrant.

Ranges, bands and the select-all family skip missing teeth (a click still picks one, for
an implant, say); disabled teeth can't be selected at all. A marked surface does not
select its tooth: the screen decides what surfaces mean for its selection.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from PySide6.QtCore import QEvent, QPoint, QPointF, QRect, QSize, Qt, Signal
from PySide6.QtGui import (
    QFocusEvent,
    QHelpEvent,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QResizeEvent,
)
from PySide6.QtWidgets import QApplication, QSizePolicy, QToolTip, QWidget

from dcms_desktop.domain import teeth
from dcms_desktop.domain.enums import ToothSurface
from dcms_desktop.widgets.toothchart import accessibility
from dcms_desktop.widgets.toothchart.geometry import (
    DEFAULT_METRICS,
    ChartLayout,
    Hit,
    Rect,
    arch_teeth,
    layout_chart,
    quadrant_teeth,
    range_along_arch,
    step_across_rows,
    step_along_row,
    surface_name,
)
from dcms_desktop.widgets.toothchart.painting import PaintInputs, paint_chart
from dcms_desktop.widgets.toothchart.state import ChartState, Notation, SelectionMode

HOME_TOOTH = 11
"""Where the keyboard cursor starts when nothing is selected."""

_SURFACE_KEYS: dict[int, ToothSurface] = {
    Qt.Key.Key_M: ToothSurface.MESIAL,
    Qt.Key.Key_D: ToothSurface.DISTAL,
    Qt.Key.Key_O: ToothSurface.OCCLUSAL,
    Qt.Key.Key_I: ToothSurface.OCCLUSAL,
    Qt.Key.Key_B: ToothSurface.BUCCAL,
    Qt.Key.Key_F: ToothSurface.BUCCAL,
    Qt.Key.Key_L: ToothSurface.LINGUAL,
    Qt.Key.Key_P: ToothSurface.LINGUAL,
}
_QUADRANT_KEYS = {Qt.Key.Key_1: 1, Qt.Key.Key_2: 2, Qt.Key.Key_3: 3, Qt.Key.Key_4: 4}


def notation_label(fdi: int, notation: Notation) -> str:
    """The tooth's number as the chart writes it in ``notation``."""
    if notation is Notation.UNIVERSAL:
        return teeth.to_universal(fdi)
    if notation is Notation.PALMER:
        return teeth.to_palmer(fdi)
    return str(fdi)


class ToothChartWidget(QWidget):
    """The FDI tooth chart (see the module's description for what it does)."""

    selection_changed = Signal(tuple)
    tooth_activated = Signal(int)
    surface_toggled = Signal(int, str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        accessibility.install(ToothChartWidget)
        self.setObjectName("toothChart")
        self.setAccessibleName("Tooth chart")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMouseTracking(True)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent, True)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self._state = ChartState()
        self._mode = SelectionMode.MULTIPLE
        self._notation = Notation.FDI
        self._show_primary = False
        self._histories: dict[int, tuple[str, ...]] = {}
        self._selection: frozenset[int] = frozenset()
        self._cursor: int | None = None
        self._anchor: int | None = None
        self._base: frozenset[int] = frozenset()
        self._hovered: Hit | None = None
        self._press: QPointF | None = None
        self._press_hit: Hit | None = None
        self._band: Rect | None = None
        self._band_adds = False
        self._swallow_release = False
        self._proxies = {fdi: accessibility.ToothProxy(self, fdi) for fdi in teeth.ALL_TEETH}
        self._layout = layout_chart(0, 0, show_primary=False)
        self._describe()

    # -- state in ----------------------------------------------------------------------------
    def state(self) -> ChartState:
        return self._state

    def set_state(self, state: ChartState) -> None:
        """Show ``state``; selected teeth that became disabled drop out of the selection."""
        self._state = state
        self._apply_selection(self._selection)
        self.update()

    def selection_mode(self) -> SelectionMode:
        return self._mode

    def set_selection_mode(self, mode: SelectionMode) -> None:
        """Single keeps at most one tooth (the cursor's if it was selected); read-only keeps
        the selection on show but lets nobody change it."""
        self._mode = SelectionMode(mode)
        if self._mode is SelectionMode.SINGLE and len(self._selection) > 1:
            keep = self._cursor if self._cursor in self._selection else min(self._selection)
            self._apply_selection({keep})
        self._describe()
        self.update()

    def notation(self) -> Notation:
        return self._notation

    def set_notation(self, notation: Notation) -> None:
        self._notation = Notation(notation)
        self._describe()
        self.update()

    def show_primary(self) -> bool:
        return self._show_primary

    def set_show_primary(self, show: bool) -> None:
        """Show or hide the primary teeth; hidden teeth leave the selection."""
        if show == self._show_primary:
            return
        self._show_primary = show
        self._relayout()
        shown = set(self._layout.shown)
        if self._cursor is not None and self._cursor not in shown:
            self._cursor = None
        if self._anchor is not None and self._anchor not in shown:
            self._anchor = None
        self._apply_selection(self._selection)
        self.updateGeometry()
        self.update()

    def set_histories(self, histories: Mapping[int, Sequence[str]]) -> None:
        """The last treatments of each tooth, newest first, one line each (for tooltips)."""
        self._histories = {fdi: tuple(lines) for fdi, lines in histories.items() if lines}

    def set_history(self, fdi: int, lines: Sequence[str]) -> None:
        if lines:
            self._histories[fdi] = tuple(lines)
        else:
            self._histories.pop(fdi, None)

    # -- selection ---------------------------------------------------------------------------
    def selection(self) -> tuple[int, ...]:
        """The selected teeth, FDI, ascending."""
        return tuple(sorted(self._selection))

    def set_selection(self, selection: Iterable[int]) -> None:
        """Select exactly ``selection`` (disabled and hidden teeth are left out)."""
        self._apply_selection(frozenset(selection))
        self._reset_anchor()

    def select_all(self) -> None:
        self._select_bulk(self._layout.shown)

    def select_none(self) -> None:
        self.set_selection(())

    def select_arch(self, upper: bool) -> None:
        self._select_bulk(arch_teeth(upper, self._layout.shown))

    def select_quadrant(self, quadrant: int) -> None:
        """Select quadrant 1-4 (with its primary teeth when they are shown)."""
        if quadrant not in (1, 2, 3, 4):
            raise ValueError(f"quadrant {quadrant}: use 1, 2, 3 or 4")
        self._select_bulk(quadrant_teeth(quadrant, self._layout.shown))

    def current_tooth(self) -> int | None:
        """The tooth the keyboard cursor is on."""
        return self._cursor

    def set_current_tooth(self, fdi: int | None) -> None:
        if fdi is not None and not self._layout.has(fdi):
            raise ValueError(f"tooth {fdi} is not on the chart")
        self._move_cursor(fdi)

    def is_selectable(self, fdi: int) -> bool:
        """Whether the user could select ``fdi`` now (mode, disabled, shown)."""
        return (
            self._mode is not SelectionMode.READ_ONLY
            and self._state.selectable(fdi)
            and fdi in self._shown_set()
        )

    # -- what is shown -----------------------------------------------------------------------
    def chart_layout(self) -> ChartLayout:
        """The layout painting and hit-testing use (for tests and the screens)."""
        return self._layout

    def shown_teeth(self) -> tuple[int, ...]:
        return self._layout.shown

    def tooth_label(self, fdi: int) -> str:
        """The tooth's number as the chart shows it."""
        return notation_label(fdi, self._notation)

    def tooth_title(self, fdi: int) -> str:
        """The tooth's number and name, "21 — upper left central incisor" (in Universal
        and Palmer with the FDI number after the name)."""
        name = teeth.tooth_name(fdi)
        if self._notation is Notation.FDI:
            return f"{fdi} — {name}"
        return f"{self.tooth_label(fdi)} — {name} (FDI {fdi})"

    def tooth_tooltip(self, fdi: int, surface: ToothSurface | None = None) -> str:
        """The hover text: name, state, the surface under the pointer, last treatments."""
        lines = [self.tooth_title(fdi)]
        state = self._state.describe(fdi)
        if state != "present":
            lines.append(state[0].upper() + state[1:])
        if surface is not None:
            lines.append(f"Surface: {surface_name(fdi, surface)} ({surface.value})")
        history = self._histories.get(fdi)
        if history:
            lines.append("Last treatments:")
            lines.extend(f"  {line}" for line in history)
        return "\n".join(lines)

    def accessible_tooth_name(self, fdi: int) -> str:
        return f"Tooth {self.tooth_title(fdi)}"

    def accessible_tooth_description(self, fdi: int) -> str:
        words = [self._state.describe(fdi)]
        if fdi in self._selection:
            words.append("selected")
        history = self._histories.get(fdi)
        if history:
            words.append("last treatment " + history[0])
        return ", ".join(words)

    def tooth_rect(self, fdi: int) -> QRect:
        cell = self._layout.tooth(fdi).cell
        return QRect(round(cell.x), round(cell.y), round(cell.width), round(cell.height))

    def tooth_at(self, point: QPoint | QPointF) -> int | None:
        hit = self._layout.hit_test(point.x(), point.y())
        return hit.tooth if hit else None

    def tooth_proxy(self, fdi: int) -> accessibility.ToothProxy:
        return self._proxies[fdi]

    # -- size and painting -------------------------------------------------------------------
    def sizeHint(self) -> QSize:
        width, height = DEFAULT_METRICS.size(self._show_primary)
        per_unit = max(self.fontMetrics().height() * 2.6, 40)
        return QSize(round(width * per_unit), round(height * per_unit))

    def minimumSizeHint(self) -> QSize:
        width, height = DEFAULT_METRICS.size(self._show_primary)
        per_unit = max(self.fontMetrics().height() * 1.4, 20)
        return QSize(round(width * per_unit), round(height * per_unit))

    def hasHeightForWidth(self) -> bool:
        return False

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._relayout()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), self.palette().base())
        paint_chart(painter, self._layout, self._paint_inputs())
        painter.end()

    def _paint_inputs(self) -> PaintInputs:
        selection = self._selection
        if self._band is not None:
            selection = self._band_selection(self._band)
        return PaintInputs(
            state=self._state,
            selection=selection,
            labels={fdi: self.tooth_label(fdi) for fdi in self._layout.shown},
            notation=self._notation,
            hovered=self._hovered,
            cursor=self._cursor,
            has_focus=self.hasFocus(),
            band=self._band,
            font_family=self.font().family(),
        )

    def _relayout(self) -> None:
        self._layout = layout_chart(self.width(), self.height(), show_primary=self._show_primary)

    # -- mouse -------------------------------------------------------------------------------
    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            super().mousePressEvent(event)
            return
        self._press = event.position()
        self._press_hit = self._layout.hit_test(event.position().x(), event.position().y())
        event.accept()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        position = event.position()
        self._set_hovered(self._layout.hit_test(position.x(), position.y()))
        if self._press is None or not event.buttons() & Qt.MouseButton.LeftButton:
            return
        if self._band is None:
            moved = (position - self._press).manhattanLength()
            if moved < QApplication.startDragDistance():
                return
            if self._mode is not SelectionMode.MULTIPLE:
                return
            modifiers = event.modifiers()
            self._band_adds = bool(
                modifiers
                & (Qt.KeyboardModifier.ShiftModifier | Qt.KeyboardModifier.ControlModifier)
            )
        self._band = Rect.spanning((self._press.x(), self._press.y()), (position.x(), position.y()))
        self.update()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() != Qt.MouseButton.LeftButton or self._press is None:
            super().mouseReleaseEvent(event)
            return
        band, hit, pressed_at = self._band, self._press_hit, self._press
        self._press, self._press_hit, self._band = None, None, None
        if self._swallow_release:
            self._swallow_release = False
            return
        if band is not None:
            self._apply_selection(self._band_selection(band))
            self._reset_anchor()
            self.update()
            return
        moved = (event.position() - pressed_at).manhattanLength()
        if hit is None or moved >= QApplication.startDragDistance():
            return  # not a click: a drag that drew no band (single mode), say
        if hit.surface is not None:
            self._move_cursor(hit.tooth)
            self.toggle_surface(hit.tooth, hit.surface)
        elif event.modifiers() & Qt.KeyboardModifier.ShiftModifier:
            self._extend_to(hit.tooth)
        else:
            self._move_cursor(hit.tooth)
            self.toggle_tooth(hit.tooth)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            super().mouseDoubleClickEvent(event)
            return
        hit = self._layout.hit_test(event.position().x(), event.position().y())
        self._swallow_release = True
        self._press = event.position()
        if hit is not None and hit.surface is None:
            self._move_cursor(hit.tooth)
            self.tooth_activated.emit(hit.tooth)

    def leaveEvent(self, event: QEvent) -> None:
        self._set_hovered(None)
        super().leaveEvent(event)

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip and isinstance(event, QHelpEvent):
            hit = self._layout.hit_test(event.pos().x(), event.pos().y())
            if hit is None:
                QToolTip.hideText()
                event.ignore()
                return True
            QToolTip.showText(
                event.globalPos(),
                self.tooth_tooltip(hit.tooth, hit.surface),
                self,
                self.tooth_rect(hit.tooth),
            )
            return True
        if (
            event.type() == QEvent.Type.ShortcutOverride
            and isinstance(event, QKeyEvent)
            and self._handles_key(event)
        ):
            event.accept()
            return True
        return super().event(event)

    def _set_hovered(self, hit: Hit | None) -> None:
        if hit != self._hovered:
            self._hovered = hit
            self.update()

    # -- keyboard ----------------------------------------------------------------------------
    def _handles_key(self, event: QKeyEvent) -> bool:
        key = event.key()
        ctrl = bool(event.modifiers() & Qt.KeyboardModifier.ControlModifier)
        if ctrl:
            return key in (Qt.Key.Key_A, Qt.Key.Key_Up, Qt.Key.Key_Down, *_QUADRANT_KEYS)
        if key == Qt.Key.Key_Escape:
            return bool(self._selection) or self._band is not None
        return key in _SURFACE_KEYS

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        modifiers = event.modifiers()
        shift = bool(modifiers & Qt.KeyboardModifier.ShiftModifier)
        ctrl = bool(modifiers & Qt.KeyboardModifier.ControlModifier)
        rows = self._layout.rows
        if ctrl:
            if self._control_key(key, shift):
                event.accept()
                return
            super().keyPressEvent(event)
            return
        moves = {
            Qt.Key.Key_Left: lambda t: step_along_row(rows, t, -1),
            Qt.Key.Key_Right: lambda t: step_along_row(rows, t, 1),
            Qt.Key.Key_Up: lambda t: step_across_rows(rows, t, -1),
            Qt.Key.Key_Down: lambda t: step_across_rows(rows, t, 1),
            Qt.Key.Key_Home: lambda t: step_along_row(rows, t, -99),
            Qt.Key.Key_End: lambda t: step_along_row(rows, t, 99),
        }
        if key in moves:
            start = self._cursor_or_home()
            target = moves[key](start) if self._cursor is not None else start
            if shift:
                if self._anchor is None:
                    self._anchor, self._base = start, self._selection
                self._move_cursor(target, keep_anchor=True)
                self._extend_to(target, move_cursor=False)
            else:
                self._move_cursor(target)
        elif key == Qt.Key.Key_Space:
            self.toggle_tooth(self._cursor_or_home())
            self._move_cursor(self._cursor_or_home())
        elif key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            fdi = self._cursor_or_home()
            self._move_cursor(fdi)
            self.tooth_activated.emit(fdi)
        elif key == Qt.Key.Key_Escape and self._band is not None:
            self._band, self._press = None, None
            self.update()
        elif key == Qt.Key.Key_Escape and self._selection:
            self.select_none()
        elif key in _SURFACE_KEYS and not modifiers & ~Qt.KeyboardModifier.KeypadModifier:
            fdi = self._cursor_or_home()
            self._move_cursor(fdi)
            self.toggle_surface(fdi, _SURFACE_KEYS[key])
        else:
            super().keyPressEvent(event)
            return
        event.accept()

    def _control_key(self, key: int, shift: bool) -> bool:
        if key == Qt.Key.Key_A:
            if shift:
                self.select_none()
            else:
                self.select_all()
        elif key == Qt.Key.Key_Up:
            self.select_arch(upper=True)
        elif key == Qt.Key.Key_Down:
            self.select_arch(upper=False)
        elif key in _QUADRANT_KEYS:
            self.select_quadrant(_QUADRANT_KEYS[key])
        else:
            return False
        return True

    def focusInEvent(self, event: QFocusEvent) -> None:
        super().focusInEvent(event)
        if self._cursor is None:
            self._cursor = self._cursor_or_home()
        accessibility.announce_focus(self._proxies[self._cursor])
        self._describe()
        self.update()

    def focusOutEvent(self, event: QFocusEvent) -> None:
        super().focusOutEvent(event)
        self.update()

    # -- actions -----------------------------------------------------------------------------
    def toggle_tooth(self, fdi: int) -> None:
        """What a click does: select ``fdi`` or unselect it (in single mode, only it)."""
        if not self.is_selectable(fdi):
            return
        if self._mode is SelectionMode.SINGLE:
            new = frozenset() if fdi in self._selection else frozenset({fdi})
        else:
            new = self._selection ^ {fdi}
        self._apply_selection(new)
        self._anchor, self._base = fdi, self._selection

    def toggle_surface(self, fdi: int, surface: ToothSurface) -> None:
        """What a click on a surface does: mark it or unmark it, and say so."""
        if not self.is_selectable(fdi) or fdi in self._state.missing:
            return
        self._state = self._state.with_surface_toggled(fdi, surface)
        self.update()
        self.surface_toggled.emit(fdi, surface.value)

    def _extend_to(self, fdi: int, *, move_cursor: bool = True) -> None:
        """Shift-click or shift+arrow: the selection when the range started, plus the range."""
        if self._mode is not SelectionMode.MULTIPLE or self._anchor is None:
            if move_cursor:  # a shift-click with nothing to extend from is a click
                self._move_cursor(fdi)
                self.toggle_tooth(fdi)
            return
        span = [t for t in range_along_arch(self._anchor, fdi) if self._bulk_pick(t)]
        self._apply_selection(self._base | set(span))
        if move_cursor:
            self._move_cursor(fdi, keep_anchor=True)

    def _select_bulk(self, candidates: Iterable[int]) -> None:
        if self._mode is not SelectionMode.MULTIPLE:
            return
        self._apply_selection(frozenset(t for t in candidates if self._bulk_pick(t)))
        self._reset_anchor()

    def _bulk_pick(self, fdi: int) -> bool:
        return self.is_selectable(fdi) and fdi not in self._state.missing

    def _band_selection(self, band: Rect) -> frozenset[int]:
        picked = {t for t in self._layout.teeth_in(band) if self._bulk_pick(t)}
        return frozenset(picked | self._selection) if self._band_adds else frozenset(picked)

    def _apply_selection(self, wanted: Iterable[int]) -> None:
        """Make ``wanted`` (less what may not be selected) the selection; signal a change."""
        shown = self._shown_set()
        new = frozenset(t for t in wanted if t in shown and self._state.selectable(t))
        if self._mode is SelectionMode.SINGLE and len(new) > 1:
            new = frozenset({min(new)})
        if new == self._selection:
            return
        changed = new ^ self._selection
        self._selection = new
        self.update()
        self._describe()
        accessibility.announce_selection([self._proxies[t] for t in sorted(changed)])
        self.selection_changed.emit(self.selection())

    def _reset_anchor(self) -> None:
        self._anchor, self._base = self._cursor, self._selection

    def _move_cursor(self, fdi: int | None, *, keep_anchor: bool = False) -> None:
        if not keep_anchor:
            self._anchor, self._base = fdi, self._selection
        if fdi == self._cursor:
            return
        self._cursor = fdi
        if fdi is not None and self.hasFocus():
            accessibility.announce_focus(self._proxies[fdi])
        self._describe()
        self.update()

    def _cursor_or_home(self) -> int:
        if self._cursor is not None and self._cursor in self._shown_set():
            return self._cursor
        if self._selection:
            return min(self._selection, key=self._layout.shown.index)
        return HOME_TOOTH

    def _shown_set(self) -> frozenset[int]:
        return frozenset(self._layout.shown)

    def _describe(self) -> None:
        chosen = self.selection()
        picked = ", ".join(self.tooth_label(t) for t in chosen) if chosen else "no teeth"
        where = f" Cursor on {self.tooth_title(self._cursor)}." if self._cursor is not None else ""
        self.setAccessibleDescription(
            f"{self._mode.value.capitalize()} selection, {self._notation.name} numbers:"
            f" {picked} selected.{where}"
        )
