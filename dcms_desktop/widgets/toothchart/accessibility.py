"""The tooth chart as assistive technology sees it: a list of teeth, each with its name,
its state and whether it is selected.

Qt asks an accessibility *factory* for the interface of an object and owns what it gets
back; so every tooth is stood for by a small :class:`ToothProxy` ``QObject`` (a child of
the chart) and the factory makes the interfaces of the chart and of those proxies. (An
interface made in Python and handed to Qt any other way would be freed twice.)

A screen reader hears, for instance, "Tooth 21, upper left central incisor — missing,
selected"; the arrow keys move the focus from tooth to tooth and each move is announced.
"""

from __future__ import annotations

from typing import Protocol

from PySide6.QtCore import QObject, QPoint, QRect
from PySide6.QtGui import (
    QAccessible,
    QAccessibleEvent,
    QAccessibleInterface,
    QAccessibleObject,
    QAccessibleStateChangeEvent,
)
from PySide6.QtWidgets import QAccessibleWidget, QWidget

from dcms_desktop.widgets.toothchart.state import ChartState, SelectionMode


class AccessibleChart(Protocol):
    """What the interfaces ask of the chart widget."""

    def shown_teeth(self) -> tuple[int, ...]: ...
    def tooth_proxy(self, fdi: int) -> ToothProxy: ...
    def tooth_rect(self, fdi: int) -> QRect: ...
    def tooth_at(self, point: QPoint) -> int | None: ...
    def current_tooth(self) -> int | None: ...
    def selection(self) -> tuple[int, ...]: ...
    def selection_mode(self) -> SelectionMode: ...
    def is_selectable(self, fdi: int) -> bool: ...
    def state(self) -> ChartState: ...
    def accessible_tooth_name(self, fdi: int) -> str: ...
    def accessible_tooth_description(self, fdi: int) -> str: ...


class ToothProxy(QObject):
    """One tooth of ``chart`` as a ``QObject``, for Qt's accessibility to hang on to."""

    def __init__(self, chart: QWidget, fdi: int) -> None:
        super().__init__(chart)
        self.chart = chart
        self.fdi = fdi
        self.setObjectName(f"tooth-{fdi}")


class ToothAccessible(QAccessibleObject):
    """One tooth: a list item that can be selected."""

    def __init__(self, proxy: ToothProxy) -> None:
        super().__init__(proxy)
        self._proxy = proxy

    def _chart(self) -> AccessibleChart:
        return self._proxy.chart  # type: ignore[return-value]

    def parent(self) -> QAccessibleInterface | None:
        return QAccessible.queryAccessibleInterface(self._proxy.chart)

    def child(self, index: int) -> QAccessibleInterface | None:
        return None

    def childCount(self) -> int:
        return 0

    def indexOfChild(self, child: QAccessibleInterface) -> int:
        return -1

    def childAt(self, x: int, y: int) -> QAccessibleInterface | None:
        return None

    def focusChild(self) -> QAccessibleInterface | None:
        return None

    def role(self) -> QAccessible.Role:
        return QAccessible.Role.ListItem

    def text(self, kind: QAccessible.Text) -> str:
        chart = self._chart()
        fdi = self._proxy.fdi
        if kind == QAccessible.Text.Name:
            return chart.accessible_tooth_name(fdi)
        if kind == QAccessible.Text.Description:
            return chart.accessible_tooth_description(fdi)
        return ""

    def rect(self) -> QRect:
        chart = self._chart()
        local = chart.tooth_rect(self._proxy.fdi)
        return QRect(self._proxy.chart.mapToGlobal(local.topLeft()), local.size())

    def state(self) -> QAccessible.State:
        chart = self._chart()
        fdi = self._proxy.fdi
        state = QAccessible.State()
        shown = fdi in chart.shown_teeth()
        state.invisible = not shown
        state.focusable = shown
        state.focused = shown and self._proxy.chart.hasFocus() and chart.current_tooth() == fdi
        state.selectable = chart.is_selectable(fdi)
        state.selected = fdi in chart.selection()
        state.disabled = not chart.state().selectable(fdi)  # disabled on the chart itself
        return state


class ChartAccessible(QAccessibleWidget):
    """The chart: a list of the teeth on show, in rows from the viewer's top left."""

    def __init__(self, widget: QWidget) -> None:
        super().__init__(widget, QAccessible.Role.List, widget.accessibleName())
        self._widget = widget

    def _chart(self) -> AccessibleChart:
        return self._widget  # type: ignore[return-value]

    def childCount(self) -> int:
        return len(self._chart().shown_teeth())

    def child(self, index: int) -> QAccessibleInterface | None:
        teeth = self._chart().shown_teeth()
        if not 0 <= index < len(teeth):
            return None
        return QAccessible.queryAccessibleInterface(self._chart().tooth_proxy(teeth[index]))

    def indexOfChild(self, child: QAccessibleInterface) -> int:
        proxy = child.object() if child is not None else None
        if not isinstance(proxy, ToothProxy) or proxy.chart is not self._widget:
            return -1
        teeth = self._chart().shown_teeth()
        return teeth.index(proxy.fdi) if proxy.fdi in teeth else -1

    def childAt(self, x: int, y: int) -> QAccessibleInterface | None:
        fdi = self._chart().tooth_at(self._widget.mapFromGlobal(QPoint(x, y)))
        if fdi is None:
            return None
        return QAccessible.queryAccessibleInterface(self._chart().tooth_proxy(fdi))

    def focusChild(self) -> QAccessibleInterface | None:
        fdi = self._chart().current_tooth()
        if fdi is None or not self._widget.hasFocus():
            return None
        return QAccessible.queryAccessibleInterface(self._chart().tooth_proxy(fdi))

    def state(self) -> QAccessible.State:
        state = super().state()
        state.multiSelectable = self._chart().selection_mode() is SelectionMode.MULTIPLE
        return state


_chart_types: list[type[QWidget]] = []


def _factory(key: str, obj: QObject) -> QAccessibleInterface | None:
    if isinstance(obj, ToothProxy):
        return ToothAccessible(obj)
    if isinstance(obj, tuple(_chart_types)):
        return ChartAccessible(obj)  # type: ignore[arg-type]
    return None


def install(chart_type: type[QWidget]) -> None:
    """Make Qt ask :func:`_factory` for charts of ``chart_type`` and their teeth (once)."""
    if chart_type in _chart_types:
        return
    if not _chart_types:
        QAccessible.installFactory(_factory)
    _chart_types.append(chart_type)


def announce_focus(proxy: ToothProxy) -> None:
    """Tell assistive technology the focus moved to this tooth."""
    if QAccessible.isActive():
        QAccessible.updateAccessibility(QAccessibleEvent(proxy, QAccessible.Event.Focus))


def announce_selection(proxies: list[ToothProxy]) -> None:
    """Tell assistive technology these teeth were selected or unselected."""
    if not QAccessible.isActive():
        return
    changed = QAccessible.State()
    changed.selected = True
    for proxy in proxies:
        QAccessible.updateAccessibility(QAccessibleStateChangeEvent(proxy, changed))
